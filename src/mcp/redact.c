/*
 * What gets logged of a tool call's arguments. Keys that look like
 * credentials are replaced whole, and any string equal to (or containing)
 * one of the server's secret values is masked, so neither the execution
 * log nor the activity feed ever holds a secret.
 */
#include <ctype.h>
#include <string.h>

#include "mcp/mcp.h"

static const char *const	sensitive[] = {
	"password", "passwd", "secret", "token", "api_key", "apikey",
	"api-key", "authorization", "auth", "credential", "private_key",
	"key", "bearer", "session", "cookie", NULL
};

static int
redact_key_sensitive(const char *k)
{
	char	low[128];
	size_t	i;

	for (i = 0; k[i] != '\0' && i < sizeof(low) - 1; i++)
		low[i] = (char)tolower((unsigned char)k[i]);
	low[i] = '\0';
	for (i = 0; sensitive[i] != NULL; i++)
		if (strstr(low, sensitive[i]) != NULL)
			return (1);
	return (0);
}

static int
redact_has_secret(const char *s, json_t *secrets)
{
	const char	*k;
	json_t		*v;

	json_object_foreach(secrets, k, v) {
		if (json_string_length(v) >= SBX_REDACT_MIN &&
		    strstr(s, json_string_value(v)) != NULL)
			return (1);
	}
	return (0);
}

static json_t *
redact_walk(json_t *v, json_t *secrets, int keys)
{
	const char	*k;
	json_t		*out, *e;
	size_t		i;

	if (json_is_object(v)) {
		out = json_object();
		json_object_foreach(v, k, e) {
			json_object_set_new(out, k, keys &&
			    redact_key_sensitive(k) ? json_string("[REDACTED]") :
			    redact_walk(e, secrets, keys));
		}
		return (out);
	}
	if (json_is_array(v)) {
		out = json_array();
		json_array_foreach(v, i, e)
			json_array_append_new(out, redact_walk(e, secrets,
			    keys));
		return (out);
	}
	if (json_is_string(v) && secrets != NULL &&
	    redact_has_secret(json_string_value(v), secrets))
		return (json_string("[REDACTED]"));
	return (json_deep_copy(v));
}

/* A redacted deep copy of `v`; `secrets` maps names to plaintext values. */
json_t *
mcp_redact(json_t *v, json_t *secrets)
{
	return (redact_walk(v, secrets, 1));
}

/*
 * The same with the secret values masked only: for what MCP defines
 * (a question for the client has maxTokens, which is no credential).
 */
json_t *
mcp_redact_values(json_t *v, json_t *secrets)
{
	return (redact_walk(v, secrets, 0));
}

/* Replace every secret value in `text` (owned, may be reallocated). */
char *
mcp_redact_text(char *text, json_t *secrets)
{
	const char	*k, *val;
	json_t		*v;
	char		*p, *out;
	size_t		vlen, tlen;

	if (text == NULL || secrets == NULL)
		return (text);
	json_object_foreach(secrets, k, v) {
		val = json_string_value(v);
		vlen = json_string_length(v);
		if (vlen < SBX_REDACT_MIN)
			continue;
		while ((p = strstr(text, val)) != NULL) {
			tlen = strlen(text);
			out = malloc(tlen - vlen + 11);
			memcpy(out, text, (size_t)(p - text));
			memcpy(out + (p - text), "[REDACTED]", 10);
			memcpy(out + (p - text) + 10, p + vlen,
			    tlen - (size_t)(p - text) - vlen + 1);
			free(text);
			text = out;
		}
	}
	return (text);
}
