/*
 * Tool results in MCP shape: str → one text item; dict →
 * JSON text plus structuredContent; list → JSON text plus structuredContent
 * {"result": [...]} (structuredContent must be an object); None → empty
 * text; content made with the tool's `mcp` object (a {"$mcp": "content"}
 * result, sandbox/harness_content.py) → those items; a tool with an
 * outputSchema has its structuredContent checked. Failures are results
 * with isError, never protocol errors, so the model sees the message and
 * can act on it.
 */
#include <stdlib.h>
#include <string.h>

#include "mcp/mcp.h"


/* A string member `key` of `from` copied to `to`; 0 when absent. */
static int
result_copy_str(json_t *to, json_t *from, const char *key, int required)
{
	json_t	*v = json_object_get(from, key);

	if (v == NULL)
		return (required ? -1 : 0);
	if (!json_is_string(v))
		return (-1);
	json_object_set(to, key, v);
	return (0);
}

/* Base64 as MCP carries binary content (RFC 4648 §4, padded). */
static int
result_base64_ok(json_t *v)
{
	uint8_t	*bytes;
	size_t	 n;

	if (!json_is_string(v) ||
	    b64_decode(json_string_value(v), &bytes, &n) == -1)
		return (0);
	free(bytes);
	return (1);
}

/*
 * One content item as MCP shapes it, rebuilt from the known members only;
 * NULL when it is not one. The child said what it is: tool code can write
 * any byte of its process, so nothing of it is taken on trust.
 */
json_t *
mcp_content_item(json_t *it)
{
	const char	*type = json_string_value(json_object_get(it, "type"));
	json_t		*o, *r, *src;
	int		 bad;

	if (!json_is_object(it) || type == NULL)
		return (NULL);
	o = json_pack("{s:s}", "type", type);
	if (strcmp(type, "text") == 0) {
		bad = result_copy_str(o, it, "text", 1);
	} else if (strcmp(type, "image") == 0 || strcmp(type, "audio") == 0) {
		bad = result_copy_str(o, it, "mimeType", 1) ||
		    !result_base64_ok(json_object_get(it, "data")) ||
		    result_copy_str(o, it, "data", 1);
	} else if (strcmp(type, "resource") == 0) {
		src = json_object_get(it, "resource");
		r = json_object();
		bad = !json_is_object(src) ||
		    result_copy_str(r, src, "uri", 1) ||
		    result_copy_str(r, src, "mimeType", 0) ||
		    (json_object_get(src, "text") != NULL) ==
		    (json_object_get(src, "blob") != NULL) ||
		    result_copy_str(r, src, "text", 0) ||
		    (json_object_get(src, "blob") != NULL &&
		    !result_base64_ok(json_object_get(src, "blob"))) ||
		    result_copy_str(r, src, "blob", 0);
		json_object_set_new(o, "resource", r);
	} else if (strcmp(type, "resource_link") == 0) {
		bad = result_copy_str(o, it, "uri", 1) ||
		    result_copy_str(o, it, "name", 1) ||
		    result_copy_str(o, it, "description", 0) ||
		    result_copy_str(o, it, "mimeType", 0);
	} else {
		bad = 1;
	}
	if (bad) {
		json_decref(o);
		return (NULL);
	}
	return (o);
}

/* A {"$mcp": "content"} result; takes ownership of `v`. */
static json_t *
result_content(json_t *v)
{
	json_t	*items, *it, *one, *st, *res;
	size_t	 i;

	items = json_object_get(v, "content");
	st = json_object_get(v, "structuredContent");
	res = json_pack("{s:[], s:b}", "content", "isError", 0);
	if (!json_is_array(items) || json_array_size(items) == 0 ||
	    (st != NULL && !json_is_object(st))) {
		json_decref(v);
		json_decref(res);
		return (mcp_tool_error(MCP_ERR_OUTPUT,
		    "the tool returned malformed content"));
	}
	json_array_foreach(items, i, it) {
		if ((one = mcp_content_item(it)) == NULL) {
			json_decref(v);
			json_decref(res);
			return (mcp_tool_error(MCP_ERR_OUTPUT,
			    "the tool returned malformed "
			    "content"));
		}
		json_array_append_new(json_object_get(res, "content"), one);
	}
	if (st != NULL)
		json_object_set(res, "structuredContent", st);
	json_decref(v);
	return (res);
}

/* Takes ownership of `v`. */
json_t *
mcp_tool_ok(json_t *v)
{
	json_t	*res;
	char	*text;

	if (v == NULL || json_is_null(v)) {
		json_decref(v);
		return (json_pack("{s:[{s:s, s:s}], s:b}", "content", "type",
		    "text", "text", "", "isError", 0));
	}
	if (json_is_string(json_object_get(v, CONTENT_MARK)))
		return (result_content(v));
	if (json_is_string(v)) {
		res = json_pack("{s:[{s:s, s:O}], s:b}", "content", "type",
		    "text", "text", v, "isError", 0);
		json_decref(v);
		return (res);
	}
	text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	res = json_pack("{s:[{s:s, s:s}], s:b}", "content", "type", "text",
	    "text", text != NULL ? text : "", "isError", 0);
	free(text);
	if (json_is_object(v))
		json_object_set_new(res, "structuredContent", v);
	else if (json_is_array(v))
		json_object_set_new(res, "structuredContent",
		    json_pack("{s:o}", "result", v));
	else
		json_decref(v);
	return (res);
}

/*
 * A tool that declares an outputSchema promises structuredContent that
 * fits it (MCP 2025-06-18): a result that breaks the promise is the
 * tool's error, told to the model with the first failure, never passed
 * on for a client to trust. Checked after redaction, so the reason can
 * hold no secret.
 */
json_t *
mcp_tool_ok_schema(json_t *v, const json_t *output_schema, json_t *log)
{
	json_t	*res, *st;
	char	 why[400], msg[512];

	res = mcp_tool_ok(v);
	if (output_schema == NULL || json_is_true(json_object_get(res,
	    "isError")))
		return (res);
	st = json_object_get(res, "structuredContent");
	if (st == NULL)
		(void)snprintf(why, sizeof(why), "the tool returned no "
		    "structured content (return a dict)");
	else if (json_schema_check(output_schema, st, why, sizeof(why)) == 0)
		return (res);
	(void)snprintf(msg, sizeof(msg), "the result does not match the "
	    "tool's outputSchema: %s", why);
	json_decref(res);
	if (log != NULL) {
		json_object_set_new(log, "success", json_false());
		json_object_set_new(log, "error", json_string(msg));
	}
	return (mcp_tool_error(MCP_ERR_OUTPUT, msg));
}
