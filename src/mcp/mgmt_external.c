/*
 * Discovery and import of tools from external MCP sources. Registering a
 * source works today (mgmt_servers.c); connecting to it needs the outbound
 * MCP client with the broker's SSRF rules, which this version does not
 * ship, so these two answer with a clear, final error instead of guessing.
 */
#include "mcp/mcp.h"

int
mgmt_discover_external_tools(struct http_request *req, struct mcp_ex *ex)
{
	const char	*id;

	if (mgmt_arg_uuid(ex, "source_id", &id) == -1)
		return (1);
	return (mgmt_fail(ex, "connecting to external MCP sources is not "
	    "available in this MCPbox version; write the tool in Python with "
	    "the http client instead"));
}

int
mgmt_import_external_tools(struct http_request *req, struct mcp_ex *ex)
{
	const char	*id;

	if (mgmt_arg_uuid(ex, "source_id", &id) == -1)
		return (1);
	return (mgmt_fail(ex, "importing from external MCP sources is not "
	    "available in this MCPbox version"));
}
