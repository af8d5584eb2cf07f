/* ECMA 262 patterns of a JSON Schema, translated to POSIX EREs. */
#include <ctype.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonschema_internal.h"

struct rebuf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	int	 oom;
};

/* ---- patterns: ECMA 262 to POSIX ERE ------------------------------------ */

static void
pat_rb_putc(struct rebuf *b, int ch)
{
	char	*p;
	size_t	 cap;

	if (b->oom)
		return;
	if (b->len + 2 > b->cap) {
		cap = b->cap == 0 ? 64 : b->cap * 2;
		if ((p = realloc(b->p, cap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	b->p[b->len++] = (char)ch;
	b->p[b->len] = '\0';
}

static void
pat_rb_puts(struct rebuf *b, const char *s)
{
	while (*s != '\0')
		pat_rb_putc(b, *s++);
}

static int
pat_class_special(int ch)
{
	return (ch == ']' || ch == '-' || ch == '^' || ch == '[');
}

static void
pat_set_range(unsigned char set[128], int lo, int hi)
{
	for (; lo <= hi; lo++)
		set[lo] = 1;
}

static void
pat_set_word(unsigned char set[128])
{
	pat_set_range(set, '0', '9');
	pat_set_range(set, 'A', 'Z');
	pat_set_range(set, 'a', 'z');
	set['_'] = 1;
}

static void
pat_set_space(unsigned char set[128])
{
	set[' '] = set['\t'] = set['\n'] = set['\v'] = set['\f'] = 1;
	set['\r'] = 1;
}

/*
 * One member of an ECMA class at src[*j]: its character, -2 for \d \w \s
 * (added to set), -1 when not supported.
 */
static int
pat_class_atom(const char *src, size_t n, size_t *j, unsigned char set[128])
{
	unsigned char	ch = (unsigned char)src[(*j)++];

	if (ch >= 0x80)
		return (-1);
	if (ch != '\\')
		return (ch);
	if (*j >= n)
		return (-1);
	switch ((ch = (unsigned char)src[(*j)++])) {
	case 'd':
		pat_set_range(set, '0', '9');
		return (-2);
	case 'w':
		pat_set_word(set);
		return (-2);
	case 's':
		pat_set_space(set);
		return (-2);
	case 'n':
		return ('\n');
	case 'r':
		return ('\r');
	case 't':
		return ('\t');
	case 'f':
		return ('\f');
	case 'v':
		return ('\v');
	case 'b':
		return ('\b');
	default:
		if (ch >= 0x80 || ch < 0x20 || isalnum(ch))
			return (-1);
		return (ch);
	}
}

/*
 * The set as a POSIX bracket: "]" first, "[" "^" "-" last, so none reads
 * as syntax ("[:", a range, a negation).
 */
static int
pat_class_emit(const unsigned char set[128], int neg, struct rebuf *b)
{
	int	ch, end, count = 0;

	for (ch = 1; ch < 128; ch++)
		count += set[ch];
	if (count == 0) {
		if (!neg)
			return (-1);	/* [] matches nothing */
		pat_rb_putc(b, '.');	/* [^] matches anything */
		return (0);
	}
	if (!neg && set['^'] && count == set['^'] + set['-']) {
		pat_rb_puts(b, set['-'] ? "[-^]" : "\\^");
		return (0);
	}
	pat_rb_putc(b, '[');
	if (neg)
		pat_rb_putc(b, '^');
	if (set[']'])
		pat_rb_putc(b, ']');
	for (ch = 1; ch < 128; ch++) {
		if (!set[ch] || pat_class_special(ch))
			continue;
		for (end = ch; end + 1 < 128 && set[end + 1] &&
		    !pat_class_special(end + 1); end++)
			;
		pat_rb_putc(b, ch);
		if (end > ch + 1)
			pat_rb_putc(b, '-');
		if (end > ch)
			pat_rb_putc(b, end);
		ch = end;
	}
	if (set['['])
		pat_rb_putc(b, '[');
	if (set['^'])
		pat_rb_putc(b, '^');
	if (set['-'])
		pat_rb_putc(b, '-');
	pat_rb_putc(b, ']');
	return (0);
}

/* An ECMA class from src[*i] == '['; *i is left on its ']'. */
static int
pat_re_class(const char *src, size_t n, size_t *i, struct rebuf *b)
{
	unsigned char	set[128];
	size_t		j = *i + 1;
	int		neg = 0, lo, hi;

	memset(set, 0, sizeof(set));
	if (j < n && src[j] == '^') {
		neg = 1;
		j++;
	}
	for (;;) {
		if (j >= n)
			return (-1);
		if (src[j] == ']')
			break;
		if ((lo = pat_class_atom(src, n, &j, set)) == -1)
			return (-1);
		if (j + 1 < n && src[j] == '-' && src[j + 1] != ']') {
			j++;
			if (lo < 0 || (hi = pat_class_atom(src, n, &j,
			    set)) < 0 ||
			    hi < lo)
				return (-1);
			pat_set_range(set, lo, hi);
		} else if (lo >= 0)
			set[lo] = 1;
	}
	*i = j;
	return (pat_class_emit(set, neg, b));
}

/* An escape outside a class: the character after the backslash. */
static int
pat_re_escape(unsigned char ch, struct rebuf *b)
{
	switch (ch) {
	case 'd':
		pat_rb_puts(b, "[0-9]");
		break;
	case 'D':
		pat_rb_puts(b, "[^0-9]");
		break;
	case 'w':
		pat_rb_puts(b, "[0-9A-Z_a-z]");
		break;
	case 'W':
		pat_rb_puts(b, "[^0-9A-Z_a-z]");
		break;
	case 's':
		pat_rb_puts(b, "[ \t\n\v\f\r]");
		break;
	case 'S':
		pat_rb_puts(b, "[^ \t\n\v\f\r]");
		break;
	case 'n':
		pat_rb_putc(b, '\n');
		break;
	case 'r':
		pat_rb_putc(b, '\r');
		break;
	case 't':
		pat_rb_putc(b, '\t');
		break;
	case 'f':
		pat_rb_putc(b, '\f');
		break;
	case 'v':
		pat_rb_putc(b, '\v');
		break;
	default:
		if (ch >= 0x80 || ch < 0x20 || isalnum(ch))
			return (-1);
		if (strchr(".[]()*+?{}|^$\\", ch) != NULL)
			pat_rb_putc(b, '\\');
		pat_rb_putc(b, ch);
	}
	return (0);
}

/* Length of an ECMA quantifier {n}, {n,} or {n,m} at s; 0 when none. */
static size_t
pat_re_quantifier(const char *s, size_t n)
{
	size_t	i = 1, digits = 0;

	while (i < n && isdigit((unsigned char)s[i])) {
		i++;
		digits++;
	}
	if (digits == 0)
		return (0);
	if (i < n && s[i] == ',')
		for (i++; i < n && isdigit((unsigned char)s[i]); i++)
			;
	return (i < n && s[i] == '}' ? i + 1 : 0);
}

static int
pat_re_translate(const char *src, size_t n, struct rebuf *b)
{
	size_t		i, q;
	unsigned char	ch;

	if (n > PATTERN_MAX || memchr(src, '\0', n) != NULL)
		return (-1);
	for (i = 0; i < n; i++) {
		if ((ch = (unsigned char)src[i]) >= 0x80)
			return (-1);
		switch (ch) {
		case '\\':
			if (++i == n ||
			    pat_re_escape((unsigned char)src[i], b) == -1)
				return (-1);
			break;
		case '[':
			if (pat_re_class(src, n, &i, b) == -1)
				return (-1);
			break;
		case '.':
			pat_rb_puts(b, "[^\n\r]");
			break;
		case '(':
			if (i + 1 < n && src[i + 1] == '?') {
				if (i + 2 >= n || src[i + 2] != ':')
					return (-1);
				i += 2;
			}
			pat_rb_putc(b, '(');
			break;
		case '{':
			if ((q = pat_re_quantifier(src + i, n - i)) == 0) {
				pat_rb_puts(b, "\\{");
				break;
			}
			for (; q > 0; q--)
				pat_rb_putc(b, src[i++]);
			i--;
			break;
		case '}':
			pat_rb_puts(b, "\\}");
			break;
		default:
			pat_rb_putc(b, ch);
		}
	}
	pat_rb_putc(b, '\0');	/* an empty pattern still gets a buffer */
	return (b->oom ? -1 : 0);
}

int
js_pattern_compile(struct js *c, const json_t *pat, regex_t *re)
{
	struct rebuf	b;
	int		rc;

	memset(&b, 0, sizeof(b));
	if (pat_re_translate(json_string_value(pat), json_string_length(pat),
	    &b) == -1) {
		free(b.p);
		return (js_err(c, "the approved schema has a pattern MCPbox "
		    "cannot check"));
	}
	rc = regcomp(re, b.p, REG_EXTENDED | REG_NOSUB);
	free(b.p);
	if (rc != 0)
		return (js_err(c, "the approved schema has an invalid pattern"));
	return (V_OK);
}
