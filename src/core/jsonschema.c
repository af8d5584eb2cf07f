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

#include "core/jsonschema_internal.h"

/* ---- checks ------------------------------------------------------------- */

/* A member or an item: a level down, so "$ref" may recurse again. */
static int
check_child(struct js *c, const json_t *s, const json_t *v)
{
	int	refs = c->refs, r;

	c->refs = 0;
	r = js_check(c, s, v);
	c->refs = refs;
	return (r);
}

static int
check_ref(struct js *c, const json_t *ref, const json_t *v)
{
	const json_t	*t;
	int		 r;

	if ((t = js_ref_resolve(c->root, json_string_value(ref),
	    json_string_length(ref))) == NULL)
		return (js_unresolved(c));
	if (c->refs >= REF_DEPTH_MAX)
		return (js_err(c, "schema nests too deep"));
	c->refs++;
	r = js_check(c, t, v);
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
		allowed = js_type_bit(t);
	else {
		json_array_foreach(t, i, e)
			allowed |= js_type_bit(e);
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
		    (js_real_integral(json_real_value(v)) ? T_INTEGER : 0);
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
	for (i = 0; i < js_ntypes; i++) {
		if ((allowed & js_types[i].bit) == 0)
			continue;
		if (len > 0)
			(void)js_put(want, sizeof(want), &len, " or ", 4);
		(void)js_put(want, sizeof(want), &len, js_types[i].phrase,
		    strlen(js_types[i].phrase));
	}
	return (js_bad(c, "expected %s", want));
}

static int
check_number(struct js *c, const json_t *s, const json_t *v)
{
	const json_t	*k, *x;
	char		 n[40];

	if ((k = json_object_get(s, "minimum")) != NULL) {
		x = json_object_get(s, "exclusiveMinimum");
		if (json_is_true(x) ? js_num_cmp(v, k) <= 0 : js_num_cmp(v, k) < 0)
			return (js_bad(c, "%s %s", json_is_true(x) ?
			    "not greater than" : "less than",
			    js_num_text(k, n, sizeof(n))));
	}
	if ((k = json_object_get(s, "maximum")) != NULL) {
		x = json_object_get(s, "exclusiveMaximum");
		if (json_is_true(x) ? js_num_cmp(v, k) >= 0 : js_num_cmp(v, k) > 0)
			return (js_bad(c, "%s %s", json_is_true(x) ?
			    "not less than" : "greater than",
			    js_num_text(k, n, sizeof(n))));
	}
	if ((k = json_object_get(s, "exclusiveMinimum")) != NULL &&
	    json_is_number(k) && js_num_cmp(v, k) <= 0)
		return (js_bad(c, "not greater than %s",
		    js_num_text(k, n, sizeof(n))));
	if ((k = json_object_get(s, "exclusiveMaximum")) != NULL &&
	    json_is_number(k) && js_num_cmp(v, k) >= 0)
		return (js_bad(c, "not less than %s", js_num_text(k, n, sizeof(n))));
	if ((k = json_object_get(s, "multipleOf")) != NULL &&
	    !js_multiple_of(v, k))
		return (js_bad(c, "not a multiple of %s",
		    js_num_text(k, n, sizeof(n))));
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
	    js_count_of(k, &lim) == 0 && chars < lim)
		return (js_bad(c, "shorter than %" JSON_INTEGER_FORMAT
		    " characters", lim));
	if ((k = json_object_get(s, "maxLength")) != NULL &&
	    js_count_of(k, &lim) == 0 && chars > lim)
		return (js_bad(c, "longer than %" JSON_INTEGER_FORMAT
		    " characters", lim));
	if ((k = json_object_get(s, "pattern")) != NULL) {
		if (js_pattern_compile(c, k, &re) != V_OK)
			return (V_ERR);
		rc = memchr(str, '\0', n) != NULL ? REG_NOMATCH :
		    regexec(&re, str, 0, NULL, 0);
		regfree(&re);
		if (rc == REG_NOMATCH)
			return (js_bad(c, "does not match the required pattern"));
		if (rc != 0)
			return (js_err(c, "the approved schema has a pattern "
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
	    js_count_of(k, &lim) == 0 && (json_int_t)n < lim)
		return (js_bad(c, "fewer than %" JSON_INTEGER_FORMAT " items",
		    lim));
	if ((k = json_object_get(s, "maxItems")) != NULL &&
	    js_count_of(k, &lim) == 0 && (json_int_t)n > lim)
		return (js_bad(c, "more than %" JSON_INTEGER_FORMAT " items",
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
		m = js_path_index(c, i);
		r = V_OK;
		if (i < ntuple)
			r = check_child(c, json_array_get(tuple, i), e);
		else if (tuple != NULL && ((rest == NULL && more == NULL) ||
		    json_is_false(more)))
			r = js_bad(c, "beyond the declared items");
		else {
			if (rest != NULL)
				r = check_child(c, rest, e);
			if (r == V_OK && more != NULL)
				r = check_child(c, more, e);
		}
		js_path_pop(c, m);
		if (r != V_OK)
			return (r);
	}
	for (i = 1; json_is_true(json_object_get(s, "uniqueItems")) && i < n;
	    i++) {
		for (j = 0; j < i; j++) {
			if (!js_json_same(json_array_get(v, i),
			    json_array_get(v, j)))
				continue;
			m = js_path_index(c, i);
			r = js_bad(c, "repeats an earlier item");
			js_path_pop(c, m);
			return (r);
		}
	}
	if ((k = json_object_get(s, "contains")) == NULL)
		return (V_OK);
	(void)js_count_of(json_object_get(s, "minContains"), &minc);
	(void)js_count_of(json_object_get(s, "maxContains"), &maxc);
	json_array_foreach(v, i, e) {
		m = js_path_index(c, i);
		r = check_child(c, k, e);
		js_path_pop(c, m);
		if (r == V_ERR)
			return (r);
		if (r == V_OK)
			matched++;
	}
	if (matched < minc)
		return (minc == 1 ? js_bad(c, "no item has the required form") :
		    js_bad(c, "fewer than %" JSON_INTEGER_FORMAT " items have the "
		    "required form", minc));
	if (maxc >= 0 && matched > maxc)
		return (js_bad(c, "more than %" JSON_INTEGER_FORMAT " items have "
		    "the required form", maxc));
	return (V_OK);
}

static int
check_name(struct js *c, const json_t *names, const char *k, size_t klen)
{
	json_t	*name;
	int	 r;

	if ((name = json_stringn(k, klen)) == NULL)
		return (js_err(c, "out of memory"));
	r = js_check(c, names, name);
	json_decref(name);
	if (r == V_BAD)
		return (js_bad(c, "not an allowed argument name"));
	return (r);
}

static int
check_missing(struct js *c, const json_t *name, const char *trigger,
    size_t tlen)
{
	struct mark	m;
	char		t[64];
	size_t		len = 0;
	int		r;

	m = js_path_key(c, json_string_value(name), json_string_length(name));
	if (trigger == NULL)
		r = js_bad(c, "required but missing");
	else {
		t[0] = '\0';
		(void)js_key_render(t, sizeof(t), &len, trigger, tlen, 0);
		r = js_bad(c, "required when %s is given", t);
	}
	js_path_pop(c, m);
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
		m = js_path_key(c, key, klen);
		if (props != NULL &&
		    (ps = json_object_getn(props, key, klen)) != NULL)
			r = check_child(c, ps, e);
		else if (more == NULL)
			r = props != NULL && !c->open ? js_bad(c,
			    "not a declared argument") : V_OK;
		else if (json_is_false(more))
			r = js_bad(c, "not a declared argument");
		else
			r = check_child(c, more, e);
		if (r == V_OK && names != NULL)
			r = check_name(c, names, key, klen);
		js_path_pop(c, m);
		if (r != V_OK)
			return (r);
	}
	if ((k = json_object_get(s, "required")) != NULL) {
		json_array_foreach(k, i, e) {
			if (json_object_getn(v, json_string_value(e),
			    json_string_length(e)) == NULL)
				return (check_missing(c, e, NULL, 0));
		}
	}
	if ((k = json_object_get(s, "minProperties")) != NULL &&
	    js_count_of(k, &lim) == 0 && (json_int_t)json_object_size(v) < lim)
		return (js_bad(c, "fewer than %" JSON_INTEGER_FORMAT " members",
		    lim));
	if ((k = json_object_get(s, "maxProperties")) != NULL &&
	    js_count_of(k, &lim) == 0 && (json_int_t)json_object_size(v) > lim)
		return (js_bad(c, "more than %" JSON_INTEGER_FORMAT " members",
		    lim));
	if ((k = json_object_get(s, "dependentRequired")) == NULL)
		return (V_OK);
	json_object_keylen_foreach((json_t *)k, key, klen, list) {
		if (json_object_getn(v, key, klen) == NULL)
			continue;
		json_array_foreach(list, i, e) {
			if (json_object_getn(v, json_string_value(e),
			    json_string_length(e)) == NULL)
				return (check_missing(c, e, key, klen));
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
			if ((r = js_check(c, e, v)) != V_OK)
				return (r);
		}
	}
	if ((k = json_object_get(s, "anyOf")) != NULL) {
		matched = 0;
		json_array_foreach(k, i, e) {
			if ((r = js_check(c, e, v)) == V_ERR)
				return (r);
			if (r == V_OK) {
				matched = 1;
				break;
			}
		}
		if (!matched)
			return (js_bad(c, "matches none of the allowed forms"));
	}
	if ((k = json_object_get(s, "oneOf")) != NULL) {
		matched = 0;
		json_array_foreach(k, i, e) {
			if ((r = js_check(c, e, v)) == V_ERR)
				return (r);
			if (r == V_OK)
				matched++;
		}
		if (matched == 0)
			return (js_bad(c, "matches none of the allowed forms"));
		if (matched > 1)
			return (js_bad(c, "matches more than one of the allowed "
			    "forms"));
	}
	if ((k = json_object_get(s, "not")) != NULL) {
		if ((r = js_check(c, k, v)) == V_ERR)
			return (r);
		if (r == V_OK)
			return (js_bad(c, "matches a form that is not allowed"));
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
		return (js_bad(c, "not allowed"));
	if (!json_is_object(s))
		return (js_err(c, "the approved schema is malformed"));
	if ((r = js_shape(c, s)) != V_OK)
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
			if ((found = js_json_same(e, v)) != 0)
				break;
		}
		if (!found)
			return (js_bad(c, "not one of the allowed values"));
	}
	if ((k = json_object_get(s, "const")) != NULL && !js_json_same(k, v))
		return (js_bad(c, "not the allowed value"));
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

int
js_check(struct js *c, const json_t *s, const json_t *v)
{
	int	r;

	if (c->frames >= FRAME_DEPTH_MAX)
		return (js_err(c, "schema nests too deep"));
	c->frames++;
	r = check_frame(c, s, v);
	c->frames--;
	return (r);
}

static void
js_init(struct js *c, const json_t *schema, char *why, size_t whylen)
{
	memset(c, 0, sizeof(*c));
	c->root = schema;
	c->why = why;
	c->whylen = why != NULL ? whylen : 0;
	if (why != NULL && whylen > 0)
		why[0] = '\0';
}

/* A schema checked once when it is stored (an outputSchema): no instance. */
int
json_schema_usable(const json_t *schema, char *why, size_t whylen)
{
	struct js	c;

	js_init(&c, schema, why, whylen);
	return (js_scan(&c, schema, 0) == V_OK ? 0 : -1);
}

static int
js_check_all(const json_t *schema, const json_t *instance, int open,
    char *why, size_t whylen)
{
	struct js	c;

	js_init(&c, schema, why, whylen);
	c.open = open;
	if (schema == NULL || instance == NULL) {
		(void)js_err(&c, "no schema or no arguments");
		return (-1);
	}
	if (js_scan(&c, schema, 0) != V_OK)
		return (-1);
	if (js_too_deep(instance, 0)) {
		(void)js_err(&c, "arguments nest too deep");
		return (-1);
	}
	if (js_check(&c, schema, instance) != V_OK)
		return (-1);
	if (why != NULL && whylen > 0)
		why[0] = '\0';	/* a failed anyOf branch may have written */
	return (0);
}

int
json_schema_check(const json_t *schema, const json_t *instance, char *why,
    size_t whylen)
{
	return (js_check_all(schema, instance, 0, why, whylen));
}

int
json_schema_check_open(const json_t *schema, const json_t *instance,
    char *why, size_t whylen)
{
	return (js_check_all(schema, instance, 1, why, whylen));
}
