/*
 * One parameter of a WWW-Authenticate challenge (RFC 9110 §11.6.1), as an
 * external MCP source sends it with a 401: `resource_metadata` (RFC 9728)
 * and `scope`. The header comes from a server we do not trust, so the
 * value must fit `out` whole and hold no control characters, or there is
 * no value at all.
 */
#include <string.h>

#include "core/core.h"

/* `name="value"` or `name=value`; 1 when found and copied into out. */
int
wwwauth_param(const char *www, const char *name, char *out, size_t outlen)
{
	const char	*p, *v;
	size_t		 n, k, i;

	if (www == NULL || name == NULL || (n = strlen(name)) == 0 ||
	    outlen == 0)
		return (0);
	for (p = www; (p = strcasestr(p, name)) != NULL; p += n) {
		if (p != www && p[-1] != ' ' && p[-1] != ',')
			continue;
		if (p[n] != '=')
			continue;
		v = p + n + 1;
		if (*v == '"') {
			v++;
			k = strcspn(v, "\"");
		} else
			k = strcspn(v, " ,");
		if (k == 0 || k >= outlen)
			return (0);
		for (i = 0; i < k; i++) {
			if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
				return (0);
		}
		memcpy(out, v, k);
		out[k] = '\0';
		return (1);
	}
	return (0);
}
