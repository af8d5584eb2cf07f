/*
 * What makes a resource or a prompt (the `definition` of an item of that
 * kind, db migration 0054), as an author gives it through the REST API or
 * the management tools; both check it here.  A definition is shown to
 * every client and, for static items, is itself what a client receives,
 * so the shape is strict (unknown members are refused: a misspelt
 * "mime_typ" should be heard of, not dropped) and bounded.
 *
 * resource: uri (a URI, or an RFC 6570 level 1-2 template when it holds
 *           "{"), mime_type, and text or blob when it has no code;
 *           variables {name: {description, values}} for completion.
 * prompt:   arguments [{name, description, required, values}], and
 *           messages when it has no code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

#define ITEM_URI_MAX		URITEMPLATE_URI_MAX
#define ITEM_TEXT_MAX		(1024 * 1024)
#define ITEM_ARGS_MAX		32
#define ITEM_VALUES_MAX		100
#define ITEM_MESSAGES_MAX	32
#define ITEM_DESC_MAX		2000

/* Every member of obj is one of the names in `known`. */
static int
item_only(const json_t *obj, const char *const *known, const char *where,
    char *why, size_t whylen)
{
	const char	*k;
	json_t		*v;
	size_t		 i;

	json_object_foreach((json_t *)obj, k, v) {
		for (i = 0; known[i] != NULL && strcmp(known[i], k) != 0; i++)
			;
		if (known[i] == NULL)
			return (why_fail(why, whylen, "%s%s: not a known "
			    "member", where, k));
	}
	return (0);
}

static int
item_string(const json_t *v, size_t max)
{
	return (json_is_string(v) && json_string_length(v) <= max);
}

/* "text/plain", "application/json": token characters around one '/'. */
static int
item_mime_ok(const json_t *v)
{
	const char	*s = json_string_value(v);
	size_t		 i, slash = 0;

	if (s == NULL || strlen(s) < 3 || strlen(s) > 100)
		return (0);
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '/')
			slash++;
		else if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    strchr("+-.!#$&^_", s[i]) != NULL))
			return (0);
	}
	return (slash == 1 && s[0] != '/' && s[strlen(s) - 1] != '/');
}

/* A completion list: at most ITEM_VALUES_MAX short strings. */
static int
item_values_ok(const json_t *v)
{
	size_t	 i;
	json_t	*s;

	if (!json_is_array(v) || json_array_size(v) > ITEM_VALUES_MAX)
		return (0);
	json_array_foreach((json_t *)v, i, s)
		if (!item_string(s, 200))
			return (0);
	return (1);
}

/* k is the name of one of the template's expressions, {k}, {+k} or {#k}. */
static int
item_is_variable(const char *uri, const char *k)
{
	static const char *const ops[] = { "", "+", "#" };
	char	brace[80];
	size_t	i;

	if (k[0] == '\0' || strlen(k) > 64 || k[strspn(k, "abcdefghijklmnopq"
	    "rstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")] != '\0')
		return (0);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		(void)snprintf(brace, sizeof(brace), "{%s%s}", ops[i], k);
		if (strstr(uri, brace) != NULL)
			return (1);
	}
	return (0);
}

static int
item_variables_check(const json_t *vars, const char *uri, char *why,
    size_t whylen)
{
	static const char *const known[] = { "description", "values", NULL };
	const char	*k;
	json_t		*v;

	if (!json_is_object(vars))
		return (why_fail(why, whylen, "variables: expected an object "
		    "of template variables"));
	json_object_foreach((json_t *)vars, k, v) {
		if (!item_is_variable(uri, k))
			return (why_fail(why, whylen, "variables.%s: not a "
			    "variable of the uri template", k));
		if (!json_is_object(v) || item_only(v, known, "variables.",
		    why, whylen) == -1)
			return (why_fail(why, whylen, "variables.%s: expected "
			    "{description, values}", k));
		if ((json_object_get(v, "description") != NULL &&
		    !item_string(json_object_get(v, "description"),
		    ITEM_DESC_MAX)) || (json_object_get(v, "values") != NULL &&
		    !item_values_ok(json_object_get(v, "values"))))
			return (why_fail(why, whylen, "variables.%s: a "
			    "description string and at most %d values (strings)",
			    k, ITEM_VALUES_MAX));
	}
	return (0);
}

static int
item_resource_check(const json_t *def, int has_code, char *why,
    size_t whylen)
{
	static const char *const known[] = { "uri", "mime_type", "text",
	    "blob", "variables", NULL };
	const json_t	*uri = json_object_get(def, "uri");
	const json_t	*text = json_object_get(def, "text");
	const json_t	*blob = json_object_get(def, "blob");
	const json_t	*vars = json_object_get(def, "variables");
	uint8_t		*bytes;
	size_t		 n;

	if (item_only(def, known, "", why, whylen) == -1)
		return (-1);
	if (!item_string(uri, ITEM_URI_MAX) ||
	    uritemplate_check(json_string_value(uri)) == -1)
		return (why_fail(why, whylen, "uri: expected a URI with a "
		    "scheme (\"notes://today\"), or a template of {name}, "
		    "{+name} or {#name} variables, at most %d characters",
		    ITEM_URI_MAX));
	if (json_object_get(def, "mime_type") != NULL &&
	    !item_mime_ok(json_object_get(def, "mime_type")))
		return (why_fail(why, whylen, "mime_type: expected a media "
		    "type such as \"text/plain\""));
	if (has_code && (text != NULL || blob != NULL))
		return (why_fail(why, whylen, "text/blob: a resource with "
		    "python_code computes its content (def read(**params))"));
	if (!has_code && (text == NULL) == (blob == NULL))
		return (why_fail(why, whylen, "text/blob: a static resource "
		    "has exactly one of them (or give python_code)"));
	if (text != NULL && !item_string(text, ITEM_TEXT_MAX))
		return (why_fail(why, whylen, "text: expected a string of at "
		    "most 1 MiB"));
	if (blob != NULL) {
		if (!item_string(blob, ITEM_TEXT_MAX) ||
		    b64_decode(json_string_value(blob), &bytes, &n) == -1)
			return (why_fail(why, whylen, "blob: expected "
			    "base64 of at most 1 MiB"));
		free(bytes);
	}
	if (vars != NULL && item_variables_check(vars,
	    json_string_value(uri), why, whylen) == -1)
		return (-1);
	return (0);
}

static int
item_argument_check(const json_t *a, size_t i, char *why, size_t whylen)
{
	static const char *const known[] = { "name", "description",
	    "required", "values", NULL };
	const char	*name = json_string_value(json_object_get(a, "name"));
	size_t		 k;

	if (!json_is_object(a) || item_only(a, known, "arguments[].", why,
	    whylen) == -1)
		return (why_fail(why, whylen, "arguments[%zu]: expected "
		    "{name, description, required, values}", i));
	for (k = 0; name != NULL && name[k] != '\0'; k++)
		if (!((name[k] >= 'a' && name[k] <= 'z') || (name[k] >= 'A' &&
		    name[k] <= 'Z') || name[k] == '_' || (k > 0 &&
		    name[k] >= '0' && name[k] <= '9')))
			break;
	if (name == NULL || k == 0 || name[k] != '\0' || k > 64)
		return (why_fail(why, whylen, "arguments[%zu].name: letters, "
		    "digits and _, not starting with a digit", i));
	if ((json_object_get(a, "description") != NULL &&
	    !item_string(json_object_get(a, "description"), ITEM_DESC_MAX)) ||
	    (json_object_get(a, "required") != NULL &&
	    !json_is_boolean(json_object_get(a, "required"))) ||
	    (json_object_get(a, "values") != NULL &&
	    !item_values_ok(json_object_get(a, "values"))))
		return (why_fail(why, whylen, "arguments[%zu]: description "
		    "is a string, required a boolean, values at most %d "
		    "strings", i, ITEM_VALUES_MAX));
	return (0);
}

/* One PromptMessage content item: text, image, audio or resource. */
static int
item_content_ok(const json_t *c)
{
	const char	*type = json_string_value(json_object_get(c, "type"));
	const json_t	*r;
	uint8_t		*bytes;
	size_t		 n;

	if (type == NULL)
		return (0);
	if (strcmp(type, "text") == 0)
		return (item_string(json_object_get(c, "text"), ITEM_TEXT_MAX));
	if (strcmp(type, "image") == 0 || strcmp(type, "audio") == 0) {
		if (!item_mime_ok(json_object_get(c, "mimeType")) ||
		    !item_string(json_object_get(c, "data"), ITEM_TEXT_MAX) ||
		    b64_decode(json_string_value(json_object_get(c, "data")),
		    &bytes, &n) == -1)
			return (0);
		free(bytes);
		return (1);
	}
	if (strcmp(type, "resource") == 0) {
		/* The uri may be an "{argument}" the prompt fills in. */
		r = json_object_get(c, "resource");
		if (!json_is_object(r) || !item_string(json_object_get(r,
		    "uri"), ITEM_URI_MAX) || (json_object_get(r, "text") ==
		    NULL) == (json_object_get(r, "blob") == NULL))
			return (0);
		if (json_object_get(r, "text") != NULL)
			return (item_string(json_object_get(r, "text"),
			    ITEM_TEXT_MAX));
		if (!item_string(json_object_get(r, "blob"), ITEM_TEXT_MAX) ||
		    b64_decode(json_string_value(json_object_get(r, "blob")),
		    &bytes, &n) == -1)
			return (0);
		free(bytes);
		return (1);
	}
	return (0);
}

static int
item_messages_check(const json_t *msgs, char *why, size_t whylen)
{
	const char	*role;
	json_t		*m;
	size_t		 i;

	if (!json_is_array(msgs) || json_array_size(msgs) == 0 ||
	    json_array_size(msgs) > ITEM_MESSAGES_MAX)
		return (why_fail(why, whylen, "messages: expected 1 to %d "
		    "messages", ITEM_MESSAGES_MAX));
	json_array_foreach((json_t *)msgs, i, m) {
		role = json_string_value(json_object_get(m, "role"));
		if (!json_is_object(m) || json_object_size(m) != 2 ||
		    role == NULL || (strcmp(role, "user") != 0 &&
		    strcmp(role, "assistant") != 0))
			return (why_fail(why, whylen, "messages[%zu]: expected "
			    "{role: user|assistant, content}", i));
		if (!item_content_ok(json_object_get(m, "content")))
			return (why_fail(why, whylen, "messages[%zu].content: "
			    "expected a text, image, audio or resource item",
			    i));
	}
	return (0);
}

static int
item_prompt_check(const json_t *def, int has_code, char *why, size_t whylen)
{
	static const char *const known[] = { "arguments", "messages", NULL };
	const json_t	*args = json_object_get(def, "arguments");
	const json_t	*msgs = json_object_get(def, "messages");
	const char	*ni, *nj;
	size_t		 i, j;

	if (item_only(def, known, "", why, whylen) == -1)
		return (-1);
	if (args != NULL && (!json_is_array(args) ||
	    json_array_size(args) > ITEM_ARGS_MAX))
		return (why_fail(why, whylen, "arguments: expected at most "
		    "%d arguments", ITEM_ARGS_MAX));
	for (i = 0; i < json_array_size(args); i++) {
		if (item_argument_check(json_array_get(args, i), i, why,
		    whylen) == -1)
			return (-1);
		ni = json_string_value(json_object_get(json_array_get(args, i),
		    "name"));
		for (j = 0; j < i; j++) {
			nj = json_string_value(json_object_get(
			    json_array_get(args, j), "name"));
			if (strcmp(ni, nj) == 0)
				return (why_fail(why, whylen, "arguments[%zu]."
				    "name: %s is declared twice", i, ni));
		}
	}
	if (has_code && msgs != NULL)
		return (why_fail(why, whylen, "messages: a prompt with "
		    "python_code builds its messages (def main(**arguments))"));
	if (!has_code && msgs == NULL)
		return (why_fail(why, whylen, "messages: a prompt without "
		    "python_code needs its messages"));
	if (msgs != NULL)
		return (item_messages_check(msgs, why, whylen));
	return (0);
}

int
itemdef_kind_valid(const char *kind)
{
	return (kind != NULL && (strcmp(kind, "tool") == 0 ||
	    strcmp(kind, "resource") == 0 || strcmp(kind, "prompt") == 0));
}

int
itemdef_check(const char *kind, const json_t *def, int has_code, char *why,
    size_t whylen)
{
	if (!json_is_object(def))
		return (why_fail(why, whylen, "expected an object"));
	if (strcmp(kind, "resource") == 0)
		return (item_resource_check(def, has_code, why, whylen));
	if (strcmp(kind, "prompt") == 0)
		return (item_prompt_check(def, has_code, why, whylen));
	return (why_fail(why, whylen, "a tool has no definition"));
}
