/*
 * The authored parts of a tool's MCP definition besides its name,
 * description and input schema: title, annotations, icons and
 * outputSchema (MCP 2025-06-18 / 2025-11-25 Tool). The REST API and the
 * management tools check them here alike. Each is shown to every client
 * in tools/list, so the shape is strict (unknown members are refused, not
 * dropped: an author who misspells a hint should hear so) and bounded
 * (icons can be data: URIs, and a list answer carries every tool's).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

#define TOOLDEF_ICONS_MAX	8
#define TOOLDEF_SIZES_MAX	16
#define TOOLDEF_URL_MAX		2048
#define TOOLDEF_ICONS_BYTES	(64 * 1024)
#define TOOLDEF_SCHEMA_BYTES	(64 * 1024)

/* Printable ASCII without space or quotes: what a URL is once encoded. */
static int
tooldef_url_chars(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s <= ' ' || *s >= 0x7f || *s == '"' || *s == '\\' ||
		    *s == '<' || *s == '>')
			return (0);
	return (1);
}

/* "image/png", "image/svg+xml": a type and subtype of token characters. */
static int
tooldef_mime_ok(const char *s, size_t n)
{
	size_t	i, slash = 0;

	if (n < 7 || n > 100 || strncmp(s, "image/", 6) != 0)
		return (0);
	for (i = 0; i < n; i++) {
		if (s[i] == '/')
			slash++;
		else if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9') || strchr("+-.", s[i]) != NULL))
			return (0);
	}
	return (slash == 1);
}

/* https://host/... or data:image/...;base64,... (decoded to be sure). */
static int
tooldef_src_ok(const char *src, char *why, size_t whylen)
{
	const char	*semi;
	uint8_t		*bytes;
	size_t		 n;

	if (strncmp(src, "https://", 8) == 0) {
		if (strlen(src) > TOOLDEF_URL_MAX || src[8] == '\0' ||
		    src[8] == '/' || !tooldef_url_chars(src))
			return (why_fail(why, whylen, "src must be an "
			    "https: URL of at most %d characters",
			    TOOLDEF_URL_MAX));
		return (0);
	}
	if (strncmp(src, "data:", 5) == 0) {
		semi = strchr(src + 5, ';');
		if (semi == NULL || strncmp(semi, ";base64,", 8) != 0 ||
		    !tooldef_mime_ok(src + 5, (size_t)(semi - src - 5)) ||
		    b64_decode(semi + 8, &bytes, &n) == -1)
			return (why_fail(why, whylen, "src as a data: URI "
			    "must be data:image/<type>;base64,<data>"));
		free(bytes);
		return (0);
	}
	return (why_fail(why, whylen, "src must be an https: URL or a "
	    "data: URI"));
}

/* "48x48", "any". */
static int
tooldef_size_ok(const char *s)
{
	const char	*x;
	size_t		 n = strlen(s);

	if (strcmp(s, "any") == 0)
		return (1);
	if (n < 3 || n > 11 || (x = strchr(s, 'x')) == NULL || x == s ||
	    x[1] == '\0')
		return (0);
	return (strspn(s, "0123456789") == (size_t)(x - s) &&
	    strspn(x + 1, "0123456789") == strlen(x + 1));
}

static int
tooldef_icon_check(const json_t *icon, size_t i, char *why, size_t whylen)
{
	const char	*k, *mt;
	json_t		*v, *sz;
	size_t		 j;
	char		 inner[160];

	if (!json_is_object(icon))
		return (why_fail(why, whylen, "[%zu]: must be an object "
		    "{src, mimeType?, sizes?, theme?}", i));
	json_object_foreach((json_t *)icon, k, v) {
		if (strcmp(k, "src") != 0 && strcmp(k, "mimeType") != 0 &&
		    strcmp(k, "sizes") != 0 && strcmp(k, "theme") != 0)
			return (why_fail(why, whylen, "[%zu]: unknown "
			    "member \"%.40s\" (an icon has src, mimeType, "
			    "sizes and theme)", i, k));
	}
	v = json_object_get(icon, "src");
	if (!json_is_string(v))
		return (why_fail(why, whylen, "[%zu].src is required and "
		    "must be a string", i));
	if (tooldef_src_ok(json_string_value(v), inner, sizeof(inner)) == -1)
		return (why_fail(why, whylen, "[%zu]: %s", i, inner));
	v = json_object_get(icon, "mimeType");
	mt = json_string_value(v);
	if (v != NULL && (mt == NULL || !tooldef_mime_ok(mt, strlen(mt))))
		return (why_fail(why, whylen, "[%zu].mimeType must be an "
		    "image type such as image/png", i));
	sz = json_object_get(icon, "sizes");
	if (sz != NULL && (!json_is_array(sz) ||
	    json_array_size(sz) > TOOLDEF_SIZES_MAX))
		return (why_fail(why, whylen, "[%zu].sizes must be an "
		    "array of at most %d strings", i, TOOLDEF_SIZES_MAX));
	json_array_foreach(sz, j, v) {
		if (!json_is_string(v) || !tooldef_size_ok(json_string_value(v)))
			return (why_fail(why, whylen, "[%zu].sizes[%zu] "
			    "must be \"WIDTHxHEIGHT\" (e.g. \"48x48\") or "
			    "\"any\"", i, j));
	}
	v = json_object_get(icon, "theme");
	if (v != NULL && (!json_is_string(v) || (strcmp(json_string_value(v),
	    "light") != 0 && strcmp(json_string_value(v), "dark") != 0)))
		return (why_fail(why, whylen, "[%zu].theme must be "
		    "\"light\" or \"dark\"", i));
	return (0);
}

static int
tooldef_icons_check(const json_t *v, char *why, size_t whylen)
{
	const json_t	*icon;
	size_t		 i, n;

	if (!json_is_array(v) || json_array_size(v) > TOOLDEF_ICONS_MAX)
		return (why_fail(why, whylen, "must be an array of at most "
		    "%d icons", TOOLDEF_ICONS_MAX));
	json_array_foreach(v, i, icon)
		if (tooldef_icon_check(icon, i, why, whylen) == -1)
			return (-1);
	n = json_dumpb(v, NULL, 0, JSON_COMPACT);
	if (n > TOOLDEF_ICONS_BYTES)
		return (why_fail(why, whylen, "icons take more than %d KiB "
		    "as JSON; link larger images by https: URL",
		    TOOLDEF_ICONS_BYTES / 1024));
	return (0);
}

static int
tooldef_annotations_check(const json_t *v, char *why, size_t whylen)
{
	static const char *const hints[] = { "readOnlyHint",
	    "destructiveHint", "idempotentHint", "openWorldHint", NULL };
	const char	*k;
	json_t		*b;
	size_t		 i;

	if (!json_is_object(v))
		return (why_fail(why, whylen, "must be an object of "
		    "boolean hints"));
	json_object_foreach((json_t *)v, k, b) {
		for (i = 0; hints[i] != NULL && strcmp(hints[i], k) != 0; i++)
			;
		if (hints[i] == NULL)
			return (why_fail(why, whylen, "unknown hint "
			    "\"%.40s\" (allowed: readOnlyHint, "
			    "destructiveHint, idempotentHint, openWorldHint)",
			    k));
		if (!json_is_boolean(b))
			return (why_fail(why, whylen, "%s must be true or "
			    "false", k));
	}
	return (0);
}

/*
 * MCP requires an outputSchema of type "object"; and a result is checked
 * against it on every call, so a schema the checker cannot evaluate
 * would fail every call: refused now instead.
 */
static int
tooldef_output_schema_check(const json_t *v, char *why, size_t whylen)
{
	json_t	*t;
	char	 inner[200];

	t = json_object_get(v, "type");
	if (!json_is_object(v) || !json_is_string(t) ||
	    strcmp(json_string_value(t), "object") != 0)
		return (why_fail(why, whylen, "must be a JSON Schema "
		    "object with \"type\": \"object\""));
	if (json_dumpb(v, NULL, 0, JSON_COMPACT) > TOOLDEF_SCHEMA_BYTES)
		return (why_fail(why, whylen, "must be at most %d KiB as "
		    "JSON", TOOLDEF_SCHEMA_BYTES / 1024));
	if (json_schema_usable(v, inner, sizeof(inner)) == -1)
		return (why_fail(why, whylen, "%s", inner));
	return (0);
}

int
tooldef_check(const json_t *obj, const char **bad, char *why, size_t whylen)
{
	const json_t	*v;

	*bad = NULL;
	if ((v = json_object_get(obj, "title")) != NULL && !json_is_null(v) &&
	    (!json_is_string(v) || json_string_length(v) > TOOLDEF_TITLE_MAX ||
	    strlen(json_string_value(v)) != json_string_length(v))) {
		*bad = "title";
		return (why_fail(why, whylen, "must be a string of at most "
		    "%d bytes", TOOLDEF_TITLE_MAX));
	}
	if ((v = json_object_get(obj, "annotations")) != NULL &&
	    !json_is_null(v) && tooldef_annotations_check(v, why, whylen)) {
		*bad = "annotations";
		return (-1);
	}
	if ((v = json_object_get(obj, "icons")) != NULL && !json_is_null(v) &&
	    tooldef_icons_check(v, why, whylen)) {
		*bad = "icons";
		return (-1);
	}
	if ((v = json_object_get(obj, "output_schema")) != NULL &&
	    !json_is_null(v) && tooldef_output_schema_check(v, why, whylen)) {
		*bad = "output_schema";
		return (-1);
	}
	return (0);
}

/*
 * A field as a statement parameter: NULL when absent (keep), "" when
 * JSON null (clear), else its JSON text (the title as plain text);
 * the caller frees it.
 */
char *
tooldef_param(const json_t *obj, const char *key)
{
	const json_t	*v = json_object_get(obj, key);

	if (v == NULL)
		return (NULL);
	if (json_is_null(v))
		return (strdup(""));
	if (json_is_string(v))
		return (strdup(json_string_value(v)));
	return (json_dumps(v, JSON_COMPACT));
}
