/*
 * Tool results in MCP shape: str → one text item; dict →
 * JSON text plus structuredContent; list → JSON text plus structuredContent
 * {"result": [...]} (structuredContent must be an object); None → empty
 * text. Failures are results with isError, never protocol errors, so the
 * model sees the message and can act on it.
 */
#include <string.h>

#include "mcp/mcp.h"

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

json_t *
mcp_tool_error(const char *message)
{
	return (json_pack("{s:[{s:s, s:s}], s:b}", "content", "type", "text",
	    "text", message, "isError", 1));
}
