/*
 * Names users and LLMs choose: server and tool identifiers, secret keys,
 * module names and host names. Checked once here for the REST API and the
 * management tools alike.
 */
#include <string.h>

#include "core/core.h"

/*
 * Tool and server names: ^[a-z][a-z0-9_]*$, at most 64 characters, with
 * no "__" and no trailing "_": MCP names a tool "server__tool", so only
 * then does every such name split one way (migration 0046).
 */
int
ident_valid(const char *s)
{
	size_t	i, n;

	n = strlen(s);
	if (n == 0 || n > IDENT_MAX || s[0] < 'a' || s[0] > 'z' ||
	    s[n - 1] == '_' || strstr(s, "__") != NULL)
		return (0);
	for (i = 1; i < n; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9') || s[i] == '_'))
			return (0);
	}
	return (1);
}

/* Hostname or IP literal, lower-cased, trailing dot dropped, into out. */
int
host_normalize(const char *in, char *out, size_t outlen)
{
	size_t	i, n;
	char	ch;

	n = strlen(in);
	if (n > 0 && in[n - 1] == '.')
		n--;
	if (n == 0 || n > 253 || n >= outlen)
		return (-1);
	for (i = 0; i < n; i++) {
		ch = in[i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '.' || ch == '-' || ch == ':'))
			return (-1);
		out[i] = ch;
	}
	out[n] = '\0';
	if (out[0] == '.' || out[0] == '-' || strstr(out, "..") != NULL)
		return (-1);
	return (0);
}

/* Secret keys: ^[A-Z][A-Z0-9_]*$, at most 64 (environment-like). */
int
secret_key_valid(const char *s)
{
	size_t	i, n;

	n = strlen(s);
	if (n == 0 || n > 64 || s[0] < 'A' || s[0] > 'Z')
		return (0);
	for (i = 1; i < n; i++) {
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' &&
		    s[i] <= '9') || s[i] == '_'))
			return (0);
	}
	return (1);
}

/* Python module names: ^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$,
 * at most MODULE_NAME_MAX. */
int
module_name_valid(const char *s)
{
	size_t	i, n;
	int	start;

	n = strlen(s);
	if (n == 0 || n > MODULE_NAME_MAX)
		return (0);
	start = 1;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (start)
				return (0);
			start = 1;
			continue;
		}
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || s[i] == '_' || (!start && s[i] >= '0' &&
		    s[i] <= '9')))
			return (0);
		start = 0;
	}
	return (!start);
}
