/*
 * The JSON Schema checker's view of a schema before any argument is
 * looked at: each keyword's shape, local "$ref" resolution, and the scan
 * that refuses a schema MCPbox cannot check.
 */
#include <ctype.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonschema_internal.h"

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

const struct js_type js_types[] = {
	{ "object",	T_OBJECT,	"an object" },
	{ "array",	T_ARRAY,	"an array" },
	{ "string",	T_STRING,	"a string" },
	{ "number",	T_NUMBER,	"a number" },
	{ "integer",	T_INTEGER,	"an integer" },
	{ "boolean",	T_BOOLEAN,	"a boolean" },
	{ "null",	T_NULL,		"null" },
};
const size_t	js_ntypes = sizeof(js_types) / sizeof(js_types[0]);


/* ---- the schema's shape ------------------------------------------------- */

static const struct keyword *
shape_keyword_find(const char *k, size_t klen)
{
	size_t	i;

	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strlen(keywords[i].name) == klen &&
		    memcmp(keywords[i].name, k, klen) == 0)
			return (&keywords[i]);
	return (NULL);
}

int
js_type_bit(const json_t *name)
{
	size_t	i;

	if (!json_is_string(name))
		return (0);
	for (i = 0; i < js_ntypes; i++)
		if (strcmp(json_string_value(name), js_types[i].name) == 0 &&
		    strlen(js_types[i].name) == json_string_length(name))
			return (js_types[i].bit);
	return (0);
}

static int
shape_is_schema(const json_t *v)
{
	return (json_is_object(v) || json_is_boolean(v));
}

static int
shape_strings_ok(const json_t *v)
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
shape_value_ok(enum kw_kind kind, const json_t *v)
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
		return (js_count_of(v, &n) == 0);
	case KW_EXCLUSIVE:
		return (json_is_number(v) || json_is_boolean(v));
	case KW_TYPE:
		if (json_is_string(v))
			return (js_type_bit(v) != 0);
		if (!json_is_array(v) || json_array_size(v) == 0)
			return (0);
		json_array_foreach(v, i, e) {
			if (js_type_bit(e) == 0)
				return (0);
		}
		return (1);
	case KW_ARRAY:
		return (json_is_array(v));
	case KW_STRINGS:
		return (shape_strings_ok(v));
	case KW_SCHEMA:
		return (shape_is_schema(v));
	case KW_SCHEMAS:
	case KW_ITEMS:
		if (kind == KW_ITEMS && shape_is_schema(v))
			return (1);
		if (!json_is_array(v) ||
		    (kind == KW_SCHEMAS && json_array_size(v) == 0))
			return (0);
		json_array_foreach(v, i, e) {
			if (!shape_is_schema(e))
				return (0);
		}
		return (1);
	case KW_SCHEMA_MAP:
	case KW_DEPENDENT:
		if (!json_is_object(v))
			return (0);
		json_object_foreach((json_t *)v, k, e) {
			if (kind == KW_SCHEMA_MAP ? !shape_is_schema(e) :
			    !shape_strings_ok(e))
				return (0);
		}
		return (1);
	}
	return (0);
}

/* Every keyword of one schema object known, and of the right kind. */
int
js_shape(struct js *c, const json_t *s)
{
	const struct keyword	*kw;
	const char		*k;
	size_t			 klen;
	json_t			*v;

	json_object_keylen_foreach((json_t *)s, k, klen, v) {
		if ((kw = shape_keyword_find(k, klen)) == NULL ||
		    (kw->kind == KW_ID && s != c->root))
			return (js_unsupported(c, k, klen));
		if (!shape_value_ok(kw->kind, v))
			return (js_err(c, "the approved schema has an invalid %s",
			    kw->name));
	}
	if (json_is_array(json_object_get(s, "items")) &&
	    json_object_get(s, "prefixItems") != NULL)
		return (js_err(c, "the approved schema has an invalid items"));
	return (V_OK);
}

static int
shape_hexval(char ch)
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
shape_ref_step(const json_t *cur, const char *tok, size_t tlen)
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
const json_t *
js_ref_resolve(const json_t *root, const char *ref, size_t n)
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
				    (hi = shape_hexval(ref[i + 1])) < 0 ||
				    (lo = shape_hexval(ref[i + 2])) < 0)
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
		cur = shape_ref_step(cur, tok, tlen);
	}
	return (cur);
}

int
js_unresolved(struct js *c)
{
	return (js_err(c, "the approved schema has a $ref MCPbox cannot "
	    "resolve"));
}

/*
 * The whole schema before any argument: every subschema's keywords, every
 * "$ref" resolvable, every "pattern" translated and compiled.
 */
int
js_scan(struct js *c, const json_t *s, int depth)
{
	const struct keyword	*kw;
	const char		*k, *name;
	size_t			 klen, i;
	json_t			*v, *e;
	regex_t			 re;
	int			 r = V_OK;

	if (depth >= SCHEMA_DEPTH_MAX)
		return (js_err(c, "schema nests too deep"));
	if (json_is_boolean(s))
		return (V_OK);
	if (!json_is_object(s))
		return (js_err(c, "the approved schema is malformed"));
	if ((r = js_shape(c, s)) != V_OK)
		return (r);
	json_object_keylen_foreach((json_t *)s, k, klen, v) {
		kw = shape_keyword_find(k, klen);
		if (kw->kind == KW_SCHEMA || (kw->kind == KW_ITEMS &&
		    !json_is_array(v)))
			r = js_scan(c, v, depth + 1);
		else if (kw->kind == KW_SCHEMAS || kw->kind == KW_ITEMS) {
			json_array_foreach(v, i, e) {
				if ((r = js_scan(c, e, depth + 1)) != V_OK)
					break;
			}
		} else if (kw->kind == KW_SCHEMA_MAP) {
			json_object_foreach(v, name, e) {
				if ((r = js_scan(c, e, depth + 1)) != V_OK)
					break;
			}
		}
		if (r != V_OK)
			return (r);
	}
	if ((v = json_object_get(s, "$ref")) != NULL &&
	    !shape_is_schema(js_ref_resolve(c->root, json_string_value(v),
	    json_string_length(v))))
		return (js_unresolved(c));
	if ((v = json_object_get(s, "pattern")) != NULL) {
		if (js_pattern_compile(c, v, &re) != V_OK)
			return (V_ERR);
		regfree(&re);
	}
	return (V_OK);
}

/* Whether containers in v nest deeper than INSTANCE_DEPTH_MAX levels. */
int
js_too_deep(const json_t *v, int depth)
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
			if (js_too_deep(e, depth + 1))
				return (1);
		}
	} else {
		json_array_foreach(v, i, e) {
			if (js_too_deep(e, depth + 1))
				return (1);
		}
	}
	return (0);
}
