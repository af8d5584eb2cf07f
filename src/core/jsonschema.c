/*
 * JSON Schema checks for the arguments of passthrough tools. An admin
 * approved the tool's inputSchema; a call goes upstream only when its
 * arguments fit that schema. The rule is "what the reviewer saw is all
 * that is sent", so where the schema is silent this is stricter than the
 * specification:
 *
 *  - an object checked by a schema with "properties" may hold only the
 *    members named there ("<name>: not a declared argument"), unless
 *    "additionalProperties" is true or a schema the others then fit;
 *    with neither keyword any member passes ({"type":"object"} accepts
 *    every object), and "additionalProperties": false alone refuses all;
 *    each schema judges on its own, so allOf of two property lists
 *    refuses every object holding members of both (closed, not open);
 *  - an array checked by a tuple ("prefixItems", or "items" as an array)
 *    may not run past it unless "items" after "prefixItems", or
 *    "additionalItems", says what the rest may be;
 *  - a keyword not implemented here ("if", "patternProperties",
 *    "unevaluatedProperties", "dependentSchemas", ...) fails the check
 *    closed, as do "$id" below the root (it would move where a "$ref"
 *    points), a "$ref" that is not a local JSON pointer and a "pattern"
 *    that cannot be translated faithfully (below).
 *
 * The whole schema is walked before the arguments, so a schema MCPbox
 * cannot check is refused whatever the arguments. Annotations (title,
 * description, default, examples, format, $schema, $comment, readOnly,
 * writeOnly, deprecated, the root's $id) are ignored. Checked: type, enum,
 * const, properties, required, additionalProperties, propertyNames,
 * dependentRequired, minProperties, maxProperties, items, prefixItems,
 * additionalItems, contains, minContains, maxContains, minItems, maxItems,
 * uniqueItems, minLength, maxLength (code points), pattern, minimum,
 * maximum, exclusiveMinimum, exclusiveMaximum (numbers, or draft 4's
 * booleans), multipleOf, allOf, anyOf, oneOf, not, $ref, $defs and
 * definitions. enum, const and uniqueItems compare numbers by value (1 is
 * 1.0), the rest as json_equal does.
 *
 * A "pattern" is ECMA 262 in JSON Schema but a POSIX ERE for regcomp(3):
 * re_translate() rewrites what differs in the common cases (\d \w \s and
 * their negations, escapes inside [...], "." not matching a line end,
 * "(?:", a "{" that is no quantifier) and refuses the rest: look-arounds,
 * back-references, \b, \u, non-ASCII. Strings are matched byte by byte,
 * so a pattern may refuse non-ASCII text ECMA would accept: closed again.
 * A string holding NUL never matches a pattern (regexec would stop there).
 *
 * Every recursion is bounded: arguments nest at most 64 levels, a schema
 * at most 128, "$ref" chains at most 64 before the arguments go a level
 * deeper, and checks at most 512 frames in all. A reason names the
 * failing member by path ("location.city", "items[2]"), is valid UTF-8
 * (member names are quoted, ["a b"], when they could mislead) and is cut
 * to whylen at a character boundary.
 */
#include <ctype.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

#define INSTANCE_DEPTH_MAX	64
#define REF_DEPTH_MAX		64
#define SCHEMA_DEPTH_MAX	128
#define FRAME_DEPTH_MAX		512
#define PATTERN_MAX		4096
#define JS_PATH_LEN		192

#define V_OK		0
#define V_BAD		1	/* the arguments do not fit */
#define V_ERR		(-1)	/* not checkable: never inverted by "not" */

#define T_OBJECT	0x01
#define T_ARRAY		0x02
#define T_STRING	0x04
#define T_NUMBER	0x08
#define T_INTEGER	0x10
#define T_BOOLEAN	0x20
#define T_NULL		0x40

/* 2^63 and 2^53 as doubles. */
#define TWO_63		9223372036854775808.0
#define TWO_53		9007199254740992.0

struct js {
	const json_t	*root;
	char		*why;
	size_t		 whylen;
	int		 frames;
	int		 refs;
	char		 path[JS_PATH_LEN];
	size_t		 pathlen;
	int		 pathfull;
};

struct mark {
	size_t	len;
	int	full;
};

struct rebuf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	int	 oom;
};

enum kw_kind {
	KW_ANY,		/* annotations and const */
	KW_STRING,
	KW_BOOL,
	KW_NUMBER,
	KW_POSITIVE,	/* a number above zero */
	KW_COUNT,	/* a non-negative integer */
	KW_TYPE,
	KW_ARRAY,	/* enum */
	KW_STRINGS,	/* required */
	KW_SCHEMA,
	KW_SCHEMAS,	/* a non-empty array of schemas */
	KW_SCHEMA_MAP,	/* an object of schemas */
	KW_ITEMS,	/* a schema or an array of schemas */
	KW_EXCLUSIVE,	/* a number, or draft 4's boolean */
	KW_DEPENDENT,	/* an object of arrays of strings */
	KW_ID,		/* only at the root */
};

static const struct keyword {
	const char	*name;
	enum kw_kind	 kind;
} keywords[] = {
	{ "$comment",		KW_ANY },
	{ "$defs",		KW_SCHEMA_MAP },
	{ "$id",		KW_ID },
	{ "$ref",		KW_STRING },
	{ "$schema",		KW_ANY },
	{ "additionalItems",	KW_SCHEMA },
	{ "additionalProperties", KW_SCHEMA },
	{ "allOf",		KW_SCHEMAS },
	{ "anyOf",		KW_SCHEMAS },
	{ "const",		KW_ANY },
	{ "contains",		KW_SCHEMA },
	{ "default",		KW_ANY },
	{ "definitions",	KW_SCHEMA_MAP },
	{ "dependentRequired",	KW_DEPENDENT },
	{ "deprecated",		KW_ANY },
	{ "description",	KW_ANY },
	{ "enum",		KW_ARRAY },
	{ "examples",		KW_ANY },
	{ "exclusiveMaximum",	KW_EXCLUSIVE },
	{ "exclusiveMinimum",	KW_EXCLUSIVE },
	{ "format",		KW_ANY },
	{ "items",		KW_ITEMS },
	{ "maxContains",	KW_COUNT },
	{ "maxItems",		KW_COUNT },
	{ "maxLength",		KW_COUNT },
	{ "maxProperties",	KW_COUNT },
	{ "maximum",		KW_NUMBER },
	{ "minContains",	KW_COUNT },
	{ "minItems",		KW_COUNT },
	{ "minLength",		KW_COUNT },
	{ "minProperties",	KW_COUNT },
	{ "minimum",		KW_NUMBER },
	{ "multipleOf",		KW_POSITIVE },
	{ "not",		KW_SCHEMA },
	{ "oneOf",		KW_SCHEMAS },
	{ "pattern",		KW_STRING },
	{ "prefixItems",	KW_SCHEMAS },
	{ "properties",		KW_SCHEMA_MAP },
	{ "propertyNames",	KW_SCHEMA },
	{ "readOnly",		KW_ANY },
	{ "required",		KW_STRINGS },
	{ "title",		KW_ANY },
	{ "type",		KW_TYPE },
	{ "uniqueItems",	KW_BOOL },
	{ "writeOnly",		KW_ANY },
};

static const struct {
	const char	*name;
	int		 bit;
	const char	*phrase;
} types[] = {
	{ "object",	T_OBJECT,	"an object" },
	{ "array",	T_ARRAY,	"an array" },
	{ "string",	T_STRING,	"a string" },
	{ "number",	T_NUMBER,	"a number" },
	{ "integer",	T_INTEGER,	"an integer" },
	{ "boolean",	T_BOOLEAN,	"a boolean" },
	{ "null",	T_NULL,		"null" },
};

static int	check(struct js *, const json_t *, const json_t *);

/* ---- text: valid UTF-8, bounded ----------------------------------------- */

/* Length of the valid UTF-8 sequence at s (n bytes left); 0 when none. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
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
static int
put(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
	size_t	i, k;

	for (i = 0; i < n; i += k) {
		if ((k = utf8_seq((const unsigned char *)s + i, n - i)) == 0) {
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
static int
key_render(char *buf, size_t cap, size_t *len, const char *k, size_t klen,
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
			plain = (n = utf8_seq((const unsigned char *)k + i,
			    klen - i)) != 0;
		else
			plain = isalnum(ch) || ch == '_' || ch == '-';
	}
	if (plain) {
		if (dot)
			rc |= put(buf, cap, len, ".", 1);
		return (rc | put(buf, cap, len, k, klen));
	}
	rc |= put(buf, cap, len, "[\"", 2);
	for (i = 0; i < klen; i += n) {
		ch = (unsigned char)k[i];
		n = 1;
		if (ch == '"' || ch == '\\') {
			rc |= put(buf, cap, len, "\\", 1);
			rc |= put(buf, cap, len, k + i, 1);
		} else if (ch < 0x20 || ch == 0x7f)
			rc |= put(buf, cap, len, "?", 1);
		else if (ch < 0x80 || (n = utf8_seq((const unsigned char *)k +
		    i, klen - i)) != 0)
			rc |= put(buf, cap, len, k + i, n);
		else {
			n = 1;
			rc |= put(buf, cap, len, "?", 1);
		}
	}
	return (rc | put(buf, cap, len, "\"]", 2));
}

static struct mark
path_mark(const struct js *c)
{
	struct mark	m;

	m.len = c->pathlen;
	m.full = c->pathfull;
	return (m);
}

static void
path_pop(struct js *c, struct mark m)
{
	c->pathlen = m.len;
	c->pathfull = m.full;
	c->path[m.len] = '\0';
}

/* A step did not fit: drop it and end the path with "...". */
static void
path_overflow(struct js *c, size_t len)
{
	c->pathlen = len;
	c->path[len] = '\0';
	(void)put(c->path, sizeof(c->path), &c->pathlen, "...", 3);
	c->pathfull = 1;
}

static struct mark
path_key(struct js *c, const char *k, size_t klen)
{
	struct mark	m = path_mark(c);

	if (!c->pathfull && key_render(c->path, sizeof(c->path) - 3,
	    &c->pathlen, k, klen, c->pathlen > 0) != 0)
		path_overflow(c, m.len);
	return (m);
}

static struct mark
path_index(struct js *c, size_t i)
{
	struct mark	m = path_mark(c);
	char		step[32];

	(void)snprintf(step, sizeof(step), "[%zu]", i);
	if (!c->pathfull && put(c->path, sizeof(c->path) - 3, &c->pathlen,
	    step, strlen(step)) != 0)
		path_overflow(c, m.len);
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
	if (with_path && c->pathlen > 0 && (put(c->why, c->whylen, &len,
	    c->path, c->pathlen) != 0 || put(c->why, c->whylen, &len, ": ",
	    2) != 0))
		return;
	(void)put(c->why, c->whylen, &len, msg, strlen(msg));
}

static int	bad(struct js *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	err(struct js *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* The arguments do not fit: V_BAD, the reason prefixed by the path. */
static int
bad(struct js *c, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	report(c, 1, fmt, ap);
	va_end(ap);
	return (V_BAD);
}

/* The schema cannot be checked, or a limit was hit: V_ERR. */
static int
err(struct js *c, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	report(c, 0, fmt, ap);
	va_end(ap);
	return (V_ERR);
}

static int
unsupported(struct js *c, const char *k, size_t klen)
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
	return (err(c, "the approved schema uses %s, which MCPbox cannot "
	    "check", name));
}

/* ---- numbers ------------------------------------------------------------ */

static int
real_integral(double d)
{
	if (d != d)
		return (0);
	if (d >= TWO_63 || d <= -TWO_63)
		return (1);
	return ((double)(json_int_t)d == d);
}

/* A count keyword's value: a non-negative integer (1.0 will do). */
static int
count_of(const json_t *v, json_int_t *out)
{
	double	d;

	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = json_integer_value(v);
		return (0);
	}
	if (json_is_real(v)) {
		d = json_real_value(v);
		if (d >= 0 && d < TWO_53 && real_integral(d)) {
			*out = (json_int_t)d;
			return (0);
		}
	}
	return (-1);
}

/* -1, 0 or 1 as the integer i is below, at or above the real r. */
static int
int_real_cmp(json_int_t i, double r)
{
	json_int_t	t;

	if (r >= TWO_63)
		return (-1);
	if (r < -TWO_63)
		return (1);
	t = (json_int_t)r;
	if (i != t)
		return (i < t ? -1 : 1);
	if (r > (double)t)
		return (-1);
	return (r < (double)t ? 1 : 0);
}

/* -1, 0 or 1 as the number a is below, equal to or above the number b. */
static int
num_cmp(const json_t *a, const json_t *b)
{
	json_int_t	ai, bi;
	double		ad, bd;

	if (json_is_integer(a) && json_is_integer(b)) {
		ai = json_integer_value(a);
		bi = json_integer_value(b);
		return (ai < bi ? -1 : ai > bi);
	}
	if (json_is_integer(a))
		return (int_real_cmp(json_integer_value(a),
		    json_real_value(b)));
	if (json_is_integer(b))
		return (-int_real_cmp(json_integer_value(b),
		    json_real_value(a)));
	ad = json_real_value(a);
	bd = json_real_value(b);
	return (ad < bd ? -1 : ad > bd);
}

static const char *
num_text(const json_t *n, char *buf, size_t len)
{
	if (json_is_integer(n))
		(void)snprintf(buf, len, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(n));
	else
		(void)snprintf(buf, len, "%.15g", json_real_value(n));
	return (buf);
}

/*
 * Whether v is a multiple of m (> 0): exact for integers; for reals the
 * quotient may miss an integer by rounding (0.3 / 0.1), so by 1e-12 of it.
 */
static int
multiple_of(const json_t *v, const json_t *m)
{
	double	q, r, d;

	if (json_is_integer(v) && json_is_integer(m))
		return (json_integer_value(v) % json_integer_value(m) == 0);
	q = json_number_value(v) / json_number_value(m);
	if (!(q - q == 0))
		return (0);
	if (q >= TWO_53 || q <= -TWO_53)
		return (1);
	r = (double)(json_int_t)(q < 0 ? q - 0.5 : q + 0.5);
	d = q < r ? r - q : q - r;
	return (d <= (q < 0 ? -q : q) * 1e-12);
}

/* Equality for enum, const and uniqueItems: numbers by value. */
static int
json_same(const json_t *a, const json_t *b)
{
	const char	*k;
	size_t		 klen, i;
	json_t		*av, *bv;

	if (a == NULL || b == NULL)
		return (a == b);
	if (json_is_number(a) && json_is_number(b))
		return (num_cmp(a, b) == 0);
	if (json_typeof(a) != json_typeof(b))
		return (0);
	if (json_is_object(a)) {
		if (json_object_size(a) != json_object_size(b))
			return (0);
		json_object_keylen_foreach((json_t *)a, k, klen, av) {
			if ((bv = json_object_getn(b, k, klen)) == NULL ||
			    !json_same(av, bv))
				return (0);
		}
		return (1);
	}
	if (json_is_array(a)) {
		if (json_array_size(a) != json_array_size(b))
			return (0);
		json_array_foreach(a, i, av) {
			if (!json_same(av, json_array_get(b, i)))
				return (0);
		}
		return (1);
	}
	return (json_equal(a, b));
}

/* ---- patterns: ECMA 262 to POSIX ERE ------------------------------------ */

static void
rb_putc(struct rebuf *b, int ch)
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
rb_puts(struct rebuf *b, const char *s)
{
	while (*s != '\0')
		rb_putc(b, *s++);
}

static int
class_special(int ch)
{
	return (ch == ']' || ch == '-' || ch == '^' || ch == '[');
}

static void
set_range(unsigned char set[128], int lo, int hi)
{
	for (; lo <= hi; lo++)
		set[lo] = 1;
}

static void
set_word(unsigned char set[128])
{
	set_range(set, '0', '9');
	set_range(set, 'A', 'Z');
	set_range(set, 'a', 'z');
	set['_'] = 1;
}

static void
set_space(unsigned char set[128])
{
	set[' '] = set['\t'] = set['\n'] = set['\v'] = set['\f'] = 1;
	set['\r'] = 1;
}

/*
 * One member of an ECMA class at src[*j]: its character, -2 for \d \w \s
 * (added to set), -1 when not supported.
 */
static int
class_atom(const char *src, size_t n, size_t *j, unsigned char set[128])
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
		set_range(set, '0', '9');
		return (-2);
	case 'w':
		set_word(set);
		return (-2);
	case 's':
		set_space(set);
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
class_emit(const unsigned char set[128], int neg, struct rebuf *b)
{
	int	ch, end, count = 0;

	for (ch = 1; ch < 128; ch++)
		count += set[ch];
	if (count == 0) {
		if (!neg)
			return (-1);	/* [] matches nothing */
		rb_putc(b, '.');	/* [^] matches anything */
		return (0);
	}
	if (!neg && set['^'] && count == set['^'] + set['-']) {
		rb_puts(b, set['-'] ? "[-^]" : "\\^");
		return (0);
	}
	rb_putc(b, '[');
	if (neg)
		rb_putc(b, '^');
	if (set[']'])
		rb_putc(b, ']');
	for (ch = 1; ch < 128; ch++) {
		if (!set[ch] || class_special(ch))
			continue;
		for (end = ch; end + 1 < 128 && set[end + 1] &&
		    !class_special(end + 1); end++)
			;
		rb_putc(b, ch);
		if (end > ch + 1)
			rb_putc(b, '-');
		if (end > ch)
			rb_putc(b, end);
		ch = end;
	}
	if (set['['])
		rb_putc(b, '[');
	if (set['^'])
		rb_putc(b, '^');
	if (set['-'])
		rb_putc(b, '-');
	rb_putc(b, ']');
	return (0);
}

/* An ECMA class from src[*i] == '['; *i is left on its ']'. */
static int
re_class(const char *src, size_t n, size_t *i, struct rebuf *b)
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
		if ((lo = class_atom(src, n, &j, set)) == -1)
			return (-1);
		if (j + 1 < n && src[j] == '-' && src[j + 1] != ']') {
			j++;
			if (lo < 0 || (hi = class_atom(src, n, &j, set)) < 0 ||
			    hi < lo)
				return (-1);
			set_range(set, lo, hi);
		} else if (lo >= 0)
			set[lo] = 1;
	}
	*i = j;
	return (class_emit(set, neg, b));
}

/* An escape outside a class: the character after the backslash. */
static int
re_escape(unsigned char ch, struct rebuf *b)
{
	switch (ch) {
	case 'd':
		rb_puts(b, "[0-9]");
		break;
	case 'D':
		rb_puts(b, "[^0-9]");
		break;
	case 'w':
		rb_puts(b, "[0-9A-Z_a-z]");
		break;
	case 'W':
		rb_puts(b, "[^0-9A-Z_a-z]");
		break;
	case 's':
		rb_puts(b, "[ \t\n\v\f\r]");
		break;
	case 'S':
		rb_puts(b, "[^ \t\n\v\f\r]");
		break;
	case 'n':
		rb_putc(b, '\n');
		break;
	case 'r':
		rb_putc(b, '\r');
		break;
	case 't':
		rb_putc(b, '\t');
		break;
	case 'f':
		rb_putc(b, '\f');
		break;
	case 'v':
		rb_putc(b, '\v');
		break;
	default:
		if (ch >= 0x80 || ch < 0x20 || isalnum(ch))
			return (-1);
		if (strchr(".[]()*+?{}|^$\\", ch) != NULL)
			rb_putc(b, '\\');
		rb_putc(b, ch);
	}
	return (0);
}

/* Length of an ECMA quantifier {n}, {n,} or {n,m} at s; 0 when none. */
static size_t
re_quantifier(const char *s, size_t n)
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
re_translate(const char *src, size_t n, struct rebuf *b)
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
			    re_escape((unsigned char)src[i], b) == -1)
				return (-1);
			break;
		case '[':
			if (re_class(src, n, &i, b) == -1)
				return (-1);
			break;
		case '.':
			rb_puts(b, "[^\n\r]");
			break;
		case '(':
			if (i + 1 < n && src[i + 1] == '?') {
				if (i + 2 >= n || src[i + 2] != ':')
					return (-1);
				i += 2;
			}
			rb_putc(b, '(');
			break;
		case '{':
			if ((q = re_quantifier(src + i, n - i)) == 0) {
				rb_puts(b, "\\{");
				break;
			}
			for (; q > 0; q--)
				rb_putc(b, src[i++]);
			i--;
			break;
		case '}':
			rb_puts(b, "\\}");
			break;
		default:
			rb_putc(b, ch);
		}
	}
	rb_putc(b, '\0');	/* an empty pattern still gets a buffer */
	return (b->oom ? -1 : 0);
}

static int
pattern_compile(struct js *c, const json_t *pat, regex_t *re)
{
	struct rebuf	b;
	int		rc;

	memset(&b, 0, sizeof(b));
	if (re_translate(json_string_value(pat), json_string_length(pat),
	    &b) == -1) {
		free(b.p);
		return (err(c, "the approved schema has a pattern MCPbox "
		    "cannot check"));
	}
	rc = regcomp(re, b.p, REG_EXTENDED | REG_NOSUB);
	free(b.p);
	if (rc != 0)
		return (err(c, "the approved schema has an invalid pattern"));
	return (V_OK);
}

/* ---- the schema's shape ------------------------------------------------- */

static const struct keyword *
keyword_find(const char *k, size_t klen)
{
	size_t	i;

	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strlen(keywords[i].name) == klen &&
		    memcmp(keywords[i].name, k, klen) == 0)
			return (&keywords[i]);
	return (NULL);
}

static int
type_bit(const json_t *name)
{
	size_t	i;

	if (!json_is_string(name))
		return (0);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(json_string_value(name), types[i].name) == 0 &&
		    strlen(types[i].name) == json_string_length(name))
			return (types[i].bit);
	return (0);
}

static int
is_schema(const json_t *v)
{
	return (json_is_object(v) || json_is_boolean(v));
}

static int
strings_ok(const json_t *v)
{
	size_t	 i;
	json_t	*e;

	if (!json_is_array(v))
		return (0);
	json_array_foreach(v, i, e) {
		if (!json_is_string(e))
			return (0);
	}
	return (1);
}

static int
value_ok(enum kw_kind kind, const json_t *v)
{
	const char	*k;
	json_int_t	 n;
	size_t		 i;
	json_t		*e;

	switch (kind) {
	case KW_ANY:
		return (1);
	case KW_STRING:
	case KW_ID:
		return (json_is_string(v));
	case KW_BOOL:
		return (json_is_boolean(v));
	case KW_NUMBER:
		return (json_is_number(v));
	case KW_POSITIVE:
		return (json_is_number(v) && json_number_value(v) > 0);
	case KW_COUNT:
		return (count_of(v, &n) == 0);
	case KW_EXCLUSIVE:
		return (json_is_number(v) || json_is_boolean(v));
	case KW_TYPE:
		if (json_is_string(v))
			return (type_bit(v) != 0);
		if (!json_is_array(v) || json_array_size(v) == 0)
			return (0);
		json_array_foreach(v, i, e) {
			if (type_bit(e) == 0)
				return (0);
		}
		return (1);
	case KW_ARRAY:
		return (json_is_array(v));
	case KW_STRINGS:
		return (strings_ok(v));
	case KW_SCHEMA:
		return (is_schema(v));
	case KW_SCHEMAS:
	case KW_ITEMS:
		if (kind == KW_ITEMS && is_schema(v))
			return (1);
		if (!json_is_array(v) ||
		    (kind == KW_SCHEMAS && json_array_size(v) == 0))
			return (0);
		json_array_foreach(v, i, e) {
			if (!is_schema(e))
				return (0);
		}
		return (1);
	case KW_SCHEMA_MAP:
	case KW_DEPENDENT:
		if (!json_is_object(v))
			return (0);
		json_object_foreach((json_t *)v, k, e) {
			if (kind == KW_SCHEMA_MAP ? !is_schema(e) :
			    !strings_ok(e))
				return (0);
		}
		return (1);
	}
	return (0);
}

/* Every keyword of one schema object known, and of the right kind. */
static int
shape(struct js *c, const json_t *s)
{
	const struct keyword	*kw;
	const char		*k;
	size_t			 klen;
	json_t			*v;

	json_object_keylen_foreach((json_t *)s, k, klen, v) {
		if ((kw = keyword_find(k, klen)) == NULL ||
		    (kw->kind == KW_ID && s != c->root))
			return (unsupported(c, k, klen));
		if (!value_ok(kw->kind, v))
			return (err(c, "the approved schema has an invalid %s",
			    kw->name));
	}
	if (json_is_array(json_object_get(s, "items")) &&
	    json_object_get(s, "prefixItems") != NULL)
		return (err(c, "the approved schema has an invalid items"));
	return (V_OK);
}

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return (ch - '0');
	if (ch >= 'a' && ch <= 'f')
		return (ch - 'a' + 10);
	if (ch >= 'A' && ch <= 'F')
		return (ch - 'A' + 10);
	return (-1);
}

/* One JSON pointer step into cur: tok (tlen bytes, already unescaped). */
static const json_t *
ref_step(const json_t *cur, const char *tok, size_t tlen)
{
	size_t	i, idx = 0;

	if (json_is_object(cur))
		return (json_object_getn(cur, tok, tlen));
	if (!json_is_array(cur) || tlen == 0 || tlen > 9 ||
	    (tlen > 1 && tok[0] == '0'))
		return (NULL);
	for (i = 0; i < tlen; i++) {
		if (!isdigit((unsigned char)tok[i]))
			return (NULL);
		idx = idx * 10 + (size_t)(tok[i] - '0');
	}
	return (json_array_get(cur, idx));
}

/*
 * A local "$ref": "#" or "#/a/b" (a JSON pointer in a URI fragment: %HH,
 * then ~1 and ~0), resolved against the root. NULL when it is not one.
 */
static const json_t *
ref_resolve(const json_t *root, const char *ref, size_t n)
{
	const json_t	*cur = root;
	char		 tok[256];
	size_t		 i, j, tlen;
	int		 hi, lo;
	char		 ch;

	if (n == 0 || ref[0] != '#')
		return (NULL);
	if (n == 1)
		return (root);
	if (ref[1] != '/')
		return (NULL);
	for (i = 1; i < n && cur != NULL;) {
		i++;	/* the '/' */
		for (tlen = 0; i < n && ref[i] != '/'; i++) {
			ch = ref[i];
			if (ch == '%') {
				if (n - i < 3 ||
				    (hi = hexval(ref[i + 1])) < 0 ||
				    (lo = hexval(ref[i + 2])) < 0)
					return (NULL);
				ch = (char)(hi << 4 | lo);
				i += 2;
			}
			if (tlen == sizeof(tok))
				return (NULL);
			tok[tlen++] = ch;
		}
		for (j = 0; j < tlen; j++) {
			if (tok[j] != '~')
				continue;
			if (j + 1 == tlen || (tok[j + 1] != '0' &&
			    tok[j + 1] != '1'))
				return (NULL);
			tok[j] = tok[j + 1] == '0' ? '~' : '/';
			memmove(tok + j + 1, tok + j + 2, tlen - j - 2);
			tlen--;
		}
		cur = ref_step(cur, tok, tlen);
	}
	return (cur);
}

static int
unresolved(struct js *c)
{
	return (err(c, "the approved schema has a $ref MCPbox cannot "
	    "resolve"));
}

/*
 * The whole schema before any argument: every subschema's keywords, every
 * "$ref" resolvable, every "pattern" translated and compiled.
 */
static int
scan(struct js *c, const json_t *s, int depth)
{
	const struct keyword	*kw;
	const char		*k, *name;
	size_t			 klen, i;
	json_t			*v, *e;
	regex_t			 re;
	int			 r = V_OK;

	if (depth >= SCHEMA_DEPTH_MAX)
		return (err(c, "schema nests too deep"));
	if (json_is_boolean(s))
		return (V_OK);
	if (!json_is_object(s))
		return (err(c, "the approved schema is malformed"));
	if ((r = shape(c, s)) != V_OK)
		return (r);
	json_object_keylen_foreach((json_t *)s, k, klen, v) {
		kw = keyword_find(k, klen);
		if (kw->kind == KW_SCHEMA || (kw->kind == KW_ITEMS &&
		    !json_is_array(v)))
			r = scan(c, v, depth + 1);
		else if (kw->kind == KW_SCHEMAS || kw->kind == KW_ITEMS) {
			json_array_foreach(v, i, e) {
				if ((r = scan(c, e, depth + 1)) != V_OK)
					break;
			}
		} else if (kw->kind == KW_SCHEMA_MAP) {
			json_object_foreach(v, name, e) {
				if ((r = scan(c, e, depth + 1)) != V_OK)
					break;
			}
		}
		if (r != V_OK)
			return (r);
	}
	if ((v = json_object_get(s, "$ref")) != NULL &&
	    !is_schema(ref_resolve(c->root, json_string_value(v),
	    json_string_length(v))))
		return (unresolved(c));
	if ((v = json_object_get(s, "pattern")) != NULL) {
		if (pattern_compile(c, v, &re) != V_OK)
			return (V_ERR);
		regfree(&re);
	}
	return (V_OK);
}

/* Whether containers in v nest deeper than INSTANCE_DEPTH_MAX levels. */
static int
too_deep(const json_t *v, int depth)
{
	const char	*k;
	size_t		 i;
	json_t		*e;

	if (!json_is_object(v) && !json_is_array(v))
		return (0);
	if (depth >= INSTANCE_DEPTH_MAX)
		return (1);
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, e) {
			if (too_deep(e, depth + 1))
				return (1);
		}
	} else {
		json_array_foreach(v, i, e) {
			if (too_deep(e, depth + 1))
				return (1);
		}
	}
	return (0);
}

/* ---- checks ------------------------------------------------------------- */

/* A member or an item: a level down, so "$ref" may recurse again. */
static int
check_child(struct js *c, const json_t *s, const json_t *v)
{
	int	refs = c->refs, r;

	c->refs = 0;
	r = check(c, s, v);
	c->refs = refs;
	return (r);
}

static int
check_ref(struct js *c, const json_t *ref, const json_t *v)
{
	const json_t	*t;
	int		 r;

	if ((t = ref_resolve(c->root, json_string_value(ref),
	    json_string_length(ref))) == NULL)
		return (unresolved(c));
	if (c->refs >= REF_DEPTH_MAX)
		return (err(c, "schema nests too deep"));
	c->refs++;
	r = check(c, t, v);
	c->refs--;
	return (r);
}

static int
check_type(struct js *c, const json_t *t, const json_t *v)
{
	char	 want[128];
	size_t	 i, len = 0;
	json_t	*e;
	int	 allowed = 0, have;

	if (json_is_string(t))
		allowed = type_bit(t);
	else {
		json_array_foreach(t, i, e)
			allowed |= type_bit(e);
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		have = T_OBJECT;
		break;
	case JSON_ARRAY:
		have = T_ARRAY;
		break;
	case JSON_STRING:
		have = T_STRING;
		break;
	case JSON_INTEGER:
		have = T_NUMBER | T_INTEGER;
		break;
	case JSON_REAL:
		have = T_NUMBER |
		    (real_integral(json_real_value(v)) ? T_INTEGER : 0);
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		have = T_BOOLEAN;
		break;
	default:
		have = T_NULL;
	}
	if ((have & allowed) != 0)
		return (V_OK);
	want[0] = '\0';
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if ((allowed & types[i].bit) == 0)
			continue;
		if (len > 0)
			(void)put(want, sizeof(want), &len, " or ", 4);
		(void)put(want, sizeof(want), &len, types[i].phrase,
		    strlen(types[i].phrase));
	}
	return (bad(c, "expected %s", want));
}

static int
check_number(struct js *c, const json_t *s, const json_t *v)
{
	const json_t	*k, *x;
	char		 n[40];

	if ((k = json_object_get(s, "minimum")) != NULL) {
		x = json_object_get(s, "exclusiveMinimum");
		if (json_is_true(x) ? num_cmp(v, k) <= 0 : num_cmp(v, k) < 0)
			return (bad(c, "%s %s", json_is_true(x) ?
			    "not greater than" : "less than",
			    num_text(k, n, sizeof(n))));
	}
	if ((k = json_object_get(s, "maximum")) != NULL) {
		x = json_object_get(s, "exclusiveMaximum");
		if (json_is_true(x) ? num_cmp(v, k) >= 0 : num_cmp(v, k) > 0)
			return (bad(c, "%s %s", json_is_true(x) ?
			    "not less than" : "greater than",
			    num_text(k, n, sizeof(n))));
	}
	if ((k = json_object_get(s, "exclusiveMinimum")) != NULL &&
	    json_is_number(k) && num_cmp(v, k) <= 0)
		return (bad(c, "not greater than %s",
		    num_text(k, n, sizeof(n))));
	if ((k = json_object_get(s, "exclusiveMaximum")) != NULL &&
	    json_is_number(k) && num_cmp(v, k) >= 0)
		return (bad(c, "not less than %s", num_text(k, n, sizeof(n))));
	if ((k = json_object_get(s, "multipleOf")) != NULL &&
	    !multiple_of(v, k))
		return (bad(c, "not a multiple of %s",
		    num_text(k, n, sizeof(n))));
	return (V_OK);
}

static int
check_string(struct js *c, const json_t *s, const json_t *v)
{
	const json_t	*k;
	const char	*str = json_string_value(v);
	size_t		 i, n = json_string_length(v);
	json_int_t	 chars = 0, lim;
	regex_t		 re;
	int		 rc;

	for (i = 0; i < n; i++)
		if (((unsigned char)str[i] & 0xc0) != 0x80)
			chars++;
	if ((k = json_object_get(s, "minLength")) != NULL &&
	    count_of(k, &lim) == 0 && chars < lim)
		return (bad(c, "shorter than %" JSON_INTEGER_FORMAT
		    " characters", lim));
	if ((k = json_object_get(s, "maxLength")) != NULL &&
	    count_of(k, &lim) == 0 && chars > lim)
		return (bad(c, "longer than %" JSON_INTEGER_FORMAT
		    " characters", lim));
	if ((k = json_object_get(s, "pattern")) != NULL) {
		if (pattern_compile(c, k, &re) != V_OK)
			return (V_ERR);
		rc = memchr(str, '\0', n) != NULL ? REG_NOMATCH :
		    regexec(&re, str, 0, NULL, 0);
		regfree(&re);
		if (rc == REG_NOMATCH)
			return (bad(c, "does not match the required pattern"));
		if (rc != 0)
			return (err(c, "the approved schema has a pattern "
			    "MCPbox cannot check"));
	}
	return (V_OK);
}

static int
check_array(struct js *c, const json_t *s, const json_t *v)
{
	const json_t	*k, *tuple = NULL, *rest = NULL, *more;
	struct mark	 m;
	size_t		 i, j, n = json_array_size(v), ntuple = 0;
	json_int_t	 lim, minc = 1, maxc = -1, matched = 0;
	json_t		*e;
	int		 r;

	if ((k = json_object_get(s, "minItems")) != NULL &&
	    count_of(k, &lim) == 0 && (json_int_t)n < lim)
		return (bad(c, "fewer than %" JSON_INTEGER_FORMAT " items",
		    lim));
	if ((k = json_object_get(s, "maxItems")) != NULL &&
	    count_of(k, &lim) == 0 && (json_int_t)n > lim)
		return (bad(c, "more than %" JSON_INTEGER_FORMAT " items",
		    lim));
	k = json_object_get(s, "items");
	if ((tuple = json_object_get(s, "prefixItems")) == NULL &&
	    json_is_array(k))
		tuple = k;
	else
		rest = k;
	more = tuple != NULL ? json_object_get(s, "additionalItems") : NULL;
	if (tuple != NULL)
		ntuple = json_array_size(tuple);
	json_array_foreach(v, i, e) {
		m = path_index(c, i);
		r = V_OK;
		if (i < ntuple)
			r = check_child(c, json_array_get(tuple, i), e);
		else if (tuple != NULL && ((rest == NULL && more == NULL) ||
		    json_is_false(more)))
			r = bad(c, "beyond the declared items");
		else {
			if (rest != NULL)
				r = check_child(c, rest, e);
			if (r == V_OK && more != NULL)
				r = check_child(c, more, e);
		}
		path_pop(c, m);
		if (r != V_OK)
			return (r);
	}
	for (i = 1; json_is_true(json_object_get(s, "uniqueItems")) && i < n;
	    i++) {
		for (j = 0; j < i; j++) {
			if (!json_same(json_array_get(v, i),
			    json_array_get(v, j)))
				continue;
			m = path_index(c, i);
			r = bad(c, "repeats an earlier item");
			path_pop(c, m);
			return (r);
		}
	}
	if ((k = json_object_get(s, "contains")) == NULL)
		return (V_OK);
	(void)count_of(json_object_get(s, "minContains"), &minc);
	(void)count_of(json_object_get(s, "maxContains"), &maxc);
	json_array_foreach(v, i, e) {
		m = path_index(c, i);
		r = check_child(c, k, e);
		path_pop(c, m);
		if (r == V_ERR)
			return (r);
		if (r == V_OK)
			matched++;
	}
	if (matched < minc)
		return (minc == 1 ? bad(c, "no item has the required form") :
		    bad(c, "fewer than %" JSON_INTEGER_FORMAT " items have the "
		    "required form", minc));
	if (maxc >= 0 && matched > maxc)
		return (bad(c, "more than %" JSON_INTEGER_FORMAT " items have "
		    "the required form", maxc));
	return (V_OK);
}

static int
check_name(struct js *c, const json_t *names, const char *k, size_t klen)
{
	json_t	*name;
	int	 r;

	if ((name = json_stringn(k, klen)) == NULL)
		return (err(c, "out of memory"));
	r = check(c, names, name);
	json_decref(name);
	if (r == V_BAD)
		return (bad(c, "not an allowed argument name"));
	return (r);
}

static int
missing(struct js *c, const json_t *name, const char *trigger,
    size_t tlen)
{
	struct mark	m;
	char		t[64];
	size_t		len = 0;
	int		r;

	m = path_key(c, json_string_value(name), json_string_length(name));
	if (trigger == NULL)
		r = bad(c, "required but missing");
	else {
		t[0] = '\0';
		(void)key_render(t, sizeof(t), &len, trigger, tlen, 0);
		r = bad(c, "required when %s is given", t);
	}
	path_pop(c, m);
	return (r);
}

static int
check_object(struct js *c, const json_t *s, const json_t *v)
{
	const json_t	*props, *more, *names, *ps, *k;
	struct mark	 m;
	const char	*key;
	size_t		 klen, i;
	json_int_t	 lim;
	json_t		*e, *list;
	int		 r;

	props = json_object_get(s, "properties");
	more = json_object_get(s, "additionalProperties");
	names = json_object_get(s, "propertyNames");
	json_object_keylen_foreach((json_t *)v, key, klen, e) {
		m = path_key(c, key, klen);
		if (props != NULL &&
		    (ps = json_object_getn(props, key, klen)) != NULL)
			r = check_child(c, ps, e);
		else if (more == NULL)
			r = props != NULL ? bad(c, "not a declared argument") :
			    V_OK;
		else if (json_is_false(more))
			r = bad(c, "not a declared argument");
		else
			r = check_child(c, more, e);
		if (r == V_OK && names != NULL)
			r = check_name(c, names, key, klen);
		path_pop(c, m);
		if (r != V_OK)
			return (r);
	}
	if ((k = json_object_get(s, "required")) != NULL) {
		json_array_foreach(k, i, e) {
			if (json_object_getn(v, json_string_value(e),
			    json_string_length(e)) == NULL)
				return (missing(c, e, NULL, 0));
		}
	}
	if ((k = json_object_get(s, "minProperties")) != NULL &&
	    count_of(k, &lim) == 0 && (json_int_t)json_object_size(v) < lim)
		return (bad(c, "fewer than %" JSON_INTEGER_FORMAT " members",
		    lim));
	if ((k = json_object_get(s, "maxProperties")) != NULL &&
	    count_of(k, &lim) == 0 && (json_int_t)json_object_size(v) > lim)
		return (bad(c, "more than %" JSON_INTEGER_FORMAT " members",
		    lim));
	if ((k = json_object_get(s, "dependentRequired")) == NULL)
		return (V_OK);
	json_object_keylen_foreach((json_t *)k, key, klen, list) {
		if (json_object_getn(v, key, klen) == NULL)
			continue;
		json_array_foreach(list, i, e) {
			if (json_object_getn(v, json_string_value(e),
			    json_string_length(e)) == NULL)
				return (missing(c, e, key, klen));
		}
	}
	return (V_OK);
}

static int
check_logic(struct js *c, const json_t *s, const json_t *v)
{
	const json_t	*k;
	size_t		 i, matched;
	json_t		*e;
	int		 r;

	if ((k = json_object_get(s, "allOf")) != NULL) {
		json_array_foreach(k, i, e) {
			if ((r = check(c, e, v)) != V_OK)
				return (r);
		}
	}
	if ((k = json_object_get(s, "anyOf")) != NULL) {
		matched = 0;
		json_array_foreach(k, i, e) {
			if ((r = check(c, e, v)) == V_ERR)
				return (r);
			if (r == V_OK) {
				matched = 1;
				break;
			}
		}
		if (!matched)
			return (bad(c, "matches none of the allowed forms"));
	}
	if ((k = json_object_get(s, "oneOf")) != NULL) {
		matched = 0;
		json_array_foreach(k, i, e) {
			if ((r = check(c, e, v)) == V_ERR)
				return (r);
			if (r == V_OK)
				matched++;
		}
		if (matched == 0)
			return (bad(c, "matches none of the allowed forms"));
		if (matched > 1)
			return (bad(c, "matches more than one of the allowed "
			    "forms"));
	}
	if ((k = json_object_get(s, "not")) != NULL) {
		if ((r = check(c, k, v)) == V_ERR)
			return (r);
		if (r == V_OK)
			return (bad(c, "matches a form that is not allowed"));
	}
	return (V_OK);
}

static int
check_frame(struct js *c, const json_t *s, const json_t *v)
{
	const json_t	*k;
	size_t		 i;
	json_t		*e;
	int		 r, found;

	if (json_is_true(s))
		return (V_OK);
	if (json_is_false(s))
		return (bad(c, "not allowed"));
	if (!json_is_object(s))
		return (err(c, "the approved schema is malformed"));
	if ((r = shape(c, s)) != V_OK)
		return (r);
	if ((k = json_object_get(s, "$ref")) != NULL &&
	    (r = check_ref(c, k, v)) != V_OK)
		return (r);
	if ((k = json_object_get(s, "type")) != NULL &&
	    (r = check_type(c, k, v)) != V_OK)
		return (r);
	if ((k = json_object_get(s, "enum")) != NULL) {
		found = 0;
		json_array_foreach(k, i, e) {
			if ((found = json_same(e, v)) != 0)
				break;
		}
		if (!found)
			return (bad(c, "not one of the allowed values"));
	}
	if ((k = json_object_get(s, "const")) != NULL && !json_same(k, v))
		return (bad(c, "not the allowed value"));
	r = V_OK;
	if (json_is_number(v))
		r = check_number(c, s, v);
	else if (json_is_string(v))
		r = check_string(c, s, v);
	else if (json_is_array(v))
		r = check_array(c, s, v);
	else if (json_is_object(v))
		r = check_object(c, s, v);
	if (r != V_OK)
		return (r);
	return (check_logic(c, s, v));
}

static int
check(struct js *c, const json_t *s, const json_t *v)
{
	int	r;

	if (c->frames >= FRAME_DEPTH_MAX)
		return (err(c, "schema nests too deep"));
	c->frames++;
	r = check_frame(c, s, v);
	c->frames--;
	return (r);
}

int
json_schema_check(const json_t *schema, const json_t *instance, char *why,
    size_t whylen)
{
	struct js	c;

	memset(&c, 0, sizeof(c));
	c.root = schema;
	c.why = why;
	c.whylen = why != NULL ? whylen : 0;
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (schema == NULL || instance == NULL) {
		(void)err(&c, "no schema or no arguments");
		return (-1);
	}
	if (scan(&c, schema, 0) != V_OK)
		return (-1);
	if (too_deep(instance, 0)) {
		(void)err(&c, "arguments nest too deep");
		return (-1);
	}
	if (check(&c, schema, instance) != V_OK)
		return (-1);
	if (why != NULL && whylen > 0)
		why[0] = '\0';	/* a failed anyOf branch may have written */
	return (0);
}
