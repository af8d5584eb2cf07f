/*
 * Reasons of the JSON Schema checker: bounded, valid UTF-8 text, the
 * path of the failing member, and the three ways a check ends (bad
 * arguments, an uncheckable schema, an unsupported keyword).
 */
#include <ctype.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonschema_internal.h"

/* ---- text: valid UTF-8, bounded ----------------------------------------- */

/* Length of the valid UTF-8 sequence at s (n bytes left); 0 when none. */
static size_t
report_utf8_seq(const unsigned char *s, size_t n)
{
	unsigned int	cp;
	size_t		i, k;

	if (s[0] < 0x80)
		return (1);
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		k = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		k = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		k = 4;
	else
		return (0);
	if (n < k)
		return (0);
	cp = s[0] & (0x7f >> k);
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((k == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (k == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return (0);
	return (k);
}

/*
 * Append n bytes to buf (cap bytes, cap > 0), whole characters only and
 * invalid UTF-8 as "?"; buf stays NUL-terminated. 0 when it all fit.
 */
int
js_put(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
	size_t	i, k;

	for (i = 0; i < n; i += k) {
		if ((k = report_utf8_seq((const unsigned char *)s + i,
		    n - i)) == 0) {
			k = 1;
			if (*len + 1 >= cap)
				break;
			buf[(*len)++] = '?';
			continue;
		}
		if (*len + k >= cap)
			break;
		memcpy(buf + *len, s + i, k);
		*len += k;
	}
	buf[*len] = '\0';
	return (i < n ? -1 : 0);
}

/*
 * A member name as a path step: plain (after a "." unless first) when it
 * is letters, digits, "_", "-" or non-ASCII text; else ["quoted"], with
 * control characters as "?". 0 when it all fit.
 */
int
js_key_render(char *buf, size_t cap, size_t *len, const char *k, size_t klen,
    int dot)
{
	size_t		i, n;
	unsigned char	ch;
	int		plain, rc = 0;

	plain = klen > 0;
	for (i = 0; plain && i < klen; i += n) {
		ch = (unsigned char)k[i];
		n = 1;
		if (ch >= 0x80)
			plain = (n = report_utf8_seq((const unsigned char *)k +
			    i, klen - i)) != 0;
		else
			plain = isalnum(ch) || ch == '_' || ch == '-';
	}
	if (plain) {
		if (dot)
			rc |= js_put(buf, cap, len, ".", 1);
		return (rc | js_put(buf, cap, len, k, klen));
	}
	rc |= js_put(buf, cap, len, "[\"", 2);
	for (i = 0; i < klen; i += n) {
		ch = (unsigned char)k[i];
		n = 1;
		if (ch == '"' || ch == '\\') {
			rc |= js_put(buf, cap, len, "\\", 1);
			rc |= js_put(buf, cap, len, k + i, 1);
		} else if (ch < 0x20 || ch == 0x7f)
			rc |= js_put(buf, cap, len, "?", 1);
		else if (ch < 0x80 ||
		    (n = report_utf8_seq((const unsigned char *)k +
		    i, klen - i)) != 0)
			rc |= js_put(buf, cap, len, k + i, n);
		else {
			n = 1;
			rc |= js_put(buf, cap, len, "?", 1);
		}
	}
	return (rc | js_put(buf, cap, len, "\"]", 2));
}

static struct mark
report_path_mark(const struct js *c)
{
	struct mark	m;

	m.len = c->pathlen;
	m.full = c->pathfull;
	return (m);
}

void
js_path_pop(struct js *c, struct mark m)
{
	c->pathlen = m.len;
	c->pathfull = m.full;
	c->path[m.len] = '\0';
}

/* A step did not fit: drop it and end the path with "...". */
static void
report_path_overflow(struct js *c, size_t len)
{
	c->pathlen = len;
	c->path[len] = '\0';
	(void)js_put(c->path, sizeof(c->path), &c->pathlen, "...", 3);
	c->pathfull = 1;
}

struct mark
js_path_key(struct js *c, const char *k, size_t klen)
{
	struct mark	m = report_path_mark(c);

	if (!c->pathfull && js_key_render(c->path, sizeof(c->path) - 3,
	    &c->pathlen, k, klen, c->pathlen > 0) != 0)
		report_path_overflow(c, m.len);
	return (m);
}

struct mark
js_path_index(struct js *c, size_t i)
{
	struct mark	m = report_path_mark(c);
	char		step[32];

	(void)snprintf(step, sizeof(step), "[%zu]", i);
	if (!c->pathfull && js_put(c->path, sizeof(c->path) - 3, &c->pathlen,
	    step, strlen(step)) != 0)
		report_path_overflow(c, m.len);
	return (m);
}

/* why = "path: reason", or the reason alone at the top or for errors. */
static void
report(struct js *c, int with_path, const char *fmt, va_list ap)
{
	char	msg[256];
	size_t	len = 0;

	if (c->whylen == 0)
		return;
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	c->why[0] = '\0';
	if (with_path && c->pathlen > 0 && (js_put(c->why, c->whylen, &len,
	    c->path, c->pathlen) != 0 || js_put(c->why, c->whylen, &len, ": ",
	    2) != 0))
		return;
	(void)js_put(c->why, c->whylen, &len, msg, strlen(msg));
}


/* The arguments do not fit: V_BAD, the reason prefixed by the path. */
int
js_bad(struct js *c, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	report(c, 1, fmt, ap);
	va_end(ap);
	return (V_BAD);
}

/* The schema cannot be checked, or a limit was hit: V_ERR. */
int
js_err(struct js *c, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	report(c, 0, fmt, ap);
	va_end(ap);
	return (V_ERR);
}

int
js_unsupported(struct js *c, const char *k, size_t klen)
{
	char	name[48];
	size_t	i, n = 0;

	for (i = 0; i < klen && n + 4 < sizeof(name); i++)
		name[n++] = (unsigned char)k[i] >= 0x20 &&
		    (unsigned char)k[i] < 0x7f ? k[i] : '?';
	if (i < klen) {
		memcpy(name + n, "...", 3);
		n += 3;
	}
	name[n] = '\0';
	return (js_err(c, "the approved schema uses %s, which MCPbox cannot "
	    "check", name));
}
