/*
 * Resource URIs and URI templates (RFC 6570 levels 1 and 2): checking
 * what an author gives, and matching a URI a client reads against a
 * template to learn its variables.
 *
 * A template is a URI with a scheme whose expressions are {name} (a
 * value without "/", "?" or "#"), {+name} (reserved expansion: any
 * characters) or {#name} (a fragment).  Matching turns the template into
 * an anchored POSIX extended regular expression, one group per
 * variable: no backreferences, so glibc's matcher stays polynomial, and
 * URIs are bounded (URITEMPLATE_URI_MAX) before they get there.  Values
 * come out percent-decoded, as RFC 6570 expansion encoded them.
 */
#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

#define UT_VARS_MAX	8

static int
ut_name_char(char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_');
}

/* Length of the expression at s ("{...}"), 0 when it is not a good one. */
static size_t
ut_expr(const char *s, char *op, const char **name, size_t *nlen)
{
	size_t	i = 1;

	*op = (s[1] == '+' || s[1] == '#') ? s[1] : '\0';
	if (*op != '\0')
		i++;
	*name = s + i;
	while (ut_name_char(s[i]))
		i++;
	*nlen = (size_t)(s + i - *name);
	if (*nlen == 0 || *nlen > 64 || s[i] != '}')
		return (0);
	return (i + 1);
}

/* Does an expression before offset `upto` name the same variable? */
static int
ut_named_before(const char *s, size_t upto, const char *name, size_t nlen)
{
	const char	*n2;
	size_t		 i, k, l2;
	char		 op;

	for (i = 0; i < upto; i++) {
		if (s[i] != '{' || (k = ut_expr(s + i, &op, &n2, &l2)) == 0)
			continue;
		if (l2 == nlen && memcmp(n2, name, nlen) == 0)
			return (1);
		i += k - 1;
	}
	return (0);
}

/* %XX sequences of a matched value decoded; a bad one is kept as it is. */
static json_t *
ut_decoded(const char *v, size_t n)
{
	char	*out, *o, hex[3] = { 0, 0, 0 };
	json_t	*j;
	size_t	 i;

	if ((o = out = malloc(n + 1)) == NULL)
		return (json_stringn(v, n));
	for (i = 0; i < n; i++) {
		if (v[i] == '%' && i + 2 < n &&
		    isxdigit((unsigned char)v[i + 1]) &&
		    isxdigit((unsigned char)v[i + 2])) {
			hex[0] = v[i + 1];
			hex[1] = v[i + 2];
			*o++ = (char)strtol(hex, NULL, 16);
			i += 2;
		} else {
			*o++ = v[i];
		}
	}
	/* A value that decodes to bytes that are not text stays encoded. */
	j = json_stringn(out, (size_t)(o - out));
	free(out);
	return (j != NULL ? j : json_stringn(v, n));
}

int
uritemplate_is_template(const char *s)
{
	return (s != NULL && strchr(s, '{') != NULL);
}

int
uritemplate_check(const char *s)
{
	const char	*name;
	size_t		 i, n, nlen, vars = 0;
	char		 op;
	int		 prev_expr = 0;

	if (s == NULL || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' &&
	    s[0] <= 'Z')))
		return (-1);
	/* RFC 3986 scheme: a letter, then letters, digits, + . - */
	for (i = 1; s[i] != ':'; i++)
		if (s[i] == '\0' || s[i] == '_' || (!ut_name_char(s[i]) &&
		    s[i] != '+' && s[i] != '.' && s[i] != '-'))
			return (-1);
	if (s[i + 1] == '\0')
		return (-1);
	for (i++; s[i] != '\0'; i += n) {
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f || s[i] == '}' ||
		    s[i] == '"' || s[i] == '\\' || s[i] == '<' || s[i] == '>')
			return (-1);
		if (s[i] != '{') {
			n = 1;
			prev_expr = 0;
			continue;
		}
		/* Two variables side by side could split a value anywhere. */
		if ((n = ut_expr(s + i, &op, &name, &nlen)) == 0 || prev_expr ||
		    ++vars > UT_VARS_MAX || ut_named_before(s, i, name, nlen))
			return (-1);
		prev_expr = 1;
	}
	return (strlen(s) <= URITEMPLATE_URI_MAX ? 0 : -1);
}

/* The template as an anchored ERE; NULL when it is not a template. */
static char *
ut_regex(const char *t, char names[][65], size_t *nvars)
{
	const char	*name;
	char		*re, *o, op;
	size_t		 i, n, nlen;

	if (uritemplate_check(t) == -1 ||
	    (re = malloc(strlen(t) * 2 + UT_VARS_MAX * 12 + 3)) == NULL)
		return (NULL);
	o = re;
	*o++ = '^';
	*nvars = 0;
	for (i = 0; t[i] != '\0'; i += n) {
		if (t[i] != '{') {
			if (strchr(".[]()*+?^$|\\{}", t[i]) != NULL)
				*o++ = '\\';
			*o++ = t[i];
			n = 1;
			continue;
		}
		n = ut_expr(t + i, &op, &name, &nlen);
		memcpy(names[*nvars], name, nlen);
		names[(*nvars)++][nlen] = '\0';
		if (op == '#')
			o = stpcpy(o, "#(.*)");
		else if (op == '+')
			o = stpcpy(o, "(.+)");
		else
			o = stpcpy(o, "([^/?#]+)");
	}
	*o++ = '$';
	*o = '\0';
	return (re);
}

int
uritemplate_match(const char *tmpl, const char *uri, json_t **vars)
{
	char		 names[UT_VARS_MAX][65], *re;
	regmatch_t	 m[UT_VARS_MAX + 1];
	regex_t		 rx;
	size_t		 n, i;
	int		 rc;

	*vars = NULL;
	if (strlen(uri) > URITEMPLATE_URI_MAX ||
	    (re = ut_regex(tmpl, names, &n)) == NULL)
		return (-1);
	rc = regcomp(&rx, re, REG_EXTENDED);
	free(re);
	if (rc != 0)
		return (-1);
	rc = regexec(&rx, uri, n + 1, m, 0);
	regfree(&rx);
	if (rc != 0)
		return (-1);
	*vars = json_object();
	for (i = 0; i < n; i++)
		json_object_set_new(*vars, names[i], ut_decoded(uri +
		    m[i + 1].rm_so, (size_t)(m[i + 1].rm_eo - m[i + 1].rm_so)));
	return (0);
}
