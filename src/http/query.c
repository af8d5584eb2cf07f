/*
 * Query-string access without Kore's `params` blocks: the API has many
 * optional filters, and declaring each in the config would split one
 * contract across two files. Values are percent-decoded and must be valid
 * UTF-8 without control bytes; anything else reads as absent.
 */
#include <ctype.h>
#include <string.h>

#include "http/http.h"

static int
query_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

/* Decode [s, s+len) into out (form encoding: '+' is a space); -1 on bad
 * escapes, control bytes or no room. The query string and OAuth forms. */
int
hx_urldecode(const char *s, size_t len, char *out, size_t outlen)
{
	size_t	i, o;
	int	hi, lo, c;

	for (i = 0, o = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			if (i + 2 >= len)
				return (-1);
			if ((hi = query_hexval(s[i + 1])) == -1 ||
			    (lo = query_hexval(s[i + 2])) == -1)
				return (-1);
			c = hi * 16 + lo;
			i += 2;
		}
		if (c < 0x20 || c == 0x7f)
			return (-1);
		if (o + 1 >= outlen)
			return (-1);
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return (0);
}

/*
 * `name` in a urlencoded string (a query string, a form body): how many
 * times it is there, with the first value decoded into `out`; -1 when
 * that value does not decode (or does not fit).
 */
int
hx_form_find(const char *form, const char *name, char *out, size_t outlen)
{
	const char	*p, *amp, *eq;
	size_t		nlen;
	int		found;

	if (form == NULL)
		return (0);
	nlen = strlen(name);
	found = 0;
	for (p = form; *p != '\0'; p = *amp ? amp + 1 : amp) {
		if ((amp = strchr(p, '&')) == NULL)
			amp = p + strlen(p);
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq == NULL || (size_t)(eq - p) != nlen ||
		    strncmp(p, name, nlen) != 0)
			continue;
		if (found++ == 0 && hx_urldecode(eq + 1,
		    (size_t)(amp - eq - 1), out, outlen) == -1) {
			out[0] = '\0';
			return (-1);
		}
	}
	return (found);
}

/*
 * 1 and the decoded value in `out` when `name` is present (the first,
 * when repeated) as valid UTF-8, else 0.
 */
int
hx_query(struct http_request *req, const char *name, char *out, size_t outlen)
{
	char	*clean;
	int	ok;

	if (hx_form_find(req->query_string, name, out, outlen) < 1)
		return (0);
	clean = log_utf8_clean(out, strlen(out));
	ok = clean != NULL && strcmp(clean, out) == 0;
	free(clean);
	return (ok);
}
