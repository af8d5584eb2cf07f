/*
 * Error results of tools (isError): each carries a machine-readable
 * category in _meta ("mcpbox/error") beside its text, and, where the
 * model can do something about it, what to change. A client can branch
 * on the category; the model reads the same advice in the text, since
 * most clients show it nothing else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/mcp.h"

json_t *
mcp_tool_error_hinted(const char *category, const char *message,
    const char *hint)
{
	json_t	*meta, *res;
	char	*text = NULL;

	if (hint != NULL && asprintf(&text, "%s\nWhat to change: %s",
	    message, hint) == -1)
		text = NULL;
	meta = json_pack("{s:s}", "category", category);
	if (hint != NULL)
		json_object_set_new(meta, "hint", json_string(hint));
	res = json_pack("{s:[{s:s, s:s}], s:b, s:{s:o}}", "content", "type",
	    "text", "text", text != NULL ? text : message, "isError", 1,
	    "_meta", MCP_ERR_META, meta);
	free(text);
	return (res);
}

json_t *
mcp_tool_error(const char *category, const char *message)
{
	return (mcp_tool_error_hinted(category, message, NULL));
}

/* The category of a sandbox answer's error type (core/sandbox_protocol.h). */
const char *
mcp_error_category(const char *type)
{
	static const struct {
		const char	*type, *category;
	} map[] = {
		{ SBX_ERR_VALIDATION,	MCP_ERR_VALIDATION },
		{ SBX_ERR_TIMEOUT,	MCP_ERR_TIMEOUT },
		{ SBX_ERR_MEMORY,	MCP_ERR_MEMORY },
		{ SBX_ERR_OUTPUT,	MCP_ERR_OUTPUT },
		{ SBX_ERR_NETWORK,	MCP_ERR_NETWORK },
		{ SBX_ERR_TOOL,		MCP_ERR_TOOL },
	};
	size_t	i;

	for (i = 0; type != NULL && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].type, type) == 0)
			return (map[i].category);
	return (MCP_ERR_SANDBOX);
}

/*
 * What to change after a failed run, with the numbers this call ran
 * under: its time limit and the instance's memory limit.
 */
void
mcp_error_hint(const char *category, long timeout_ms, long memory_mb,
    char *buf, size_t len)
{
	if (strcmp(category, MCP_ERR_VALIDATION) == 0)
		(void)snprintf(buf, len, "check the arguments against the "
		    "tool's inputSchema (tools/list) and that the code "
		    "defines main() with those parameters; "
		    "mcpbox_validate_code shows what the code is refused "
		    "for.");
	else if (strcmp(category, MCP_ERR_TIMEOUT) == 0)
		(void)snprintf(buf, len, "this call could run %ld ms (the "
		    "tool's timeout_ms, else its server's default, never "
		    "past the instance's %ld ms); do less per call, or "
		    "raise timeout_ms with mcpbox_update_tool (an admin "
		    "approves the change).", timeout_ms,
		    mcpbox_cfg.sandbox_timeout_ms);
	else if (strcmp(category, MCP_ERR_MEMORY) == 0)
		(void)snprintf(buf, len, "a call has %ld MB of memory "
		    "(MCPBOX_SANDBOX_MEMORY_MB, set by the admin); work on "
		    "less data at a time, e.g. ask for a page instead of "
		    "everything.", memory_mb);
	else if (strcmp(category, MCP_ERR_OUTPUT) == 0)
		(void)snprintf(buf, len, "return less (a page, a summary, "
		    "fewer fields) and print less; the limit is in the "
		    "message above.");
	else if (strcmp(category, MCP_ERR_NETWORK) == 0)
		(void)snprintf(buf, len, "a host that is not approved is "
		    "asked for with mcpbox_request_network_access (host and "
		    "port, as the message names them) and is reachable once "
		    "an admin approves it; otherwise the host failed, and "
		    "the code can catch HttpError.");
	else if (strcmp(category, MCP_ERR_TOOL) == 0)
		(void)snprintf(buf, len, "the tool's code raised: fix it with "
		    "mcpbox_update_tool and run it with mcpbox_test_code; "
		    "mcpbox_get_tool_logs shows the call with its print() "
		    "output.");
	else
		(void)snprintf(buf, len, "the sandbox could not run the call; "
		    "this is not the code's fault: try again, and if it "
		    "goes on an admin finds the cause in the server's log.");
}
