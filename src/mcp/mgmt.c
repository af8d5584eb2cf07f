/*
 * The mcpbox_* management tools:
 * their names, descriptions, argument schemas and flags, and the plumbing
 * they share. L (MGMT_LOCAL) and D (MGMT_DESTRUCTIVE) tools are refused
 * to remote callers unless the security policy enables remote editing.
 * No tool here can approve anything: approval exists only in the panel.
 *
 * Most tools run the same statement as their REST twin (db/sql_*.c), so
 * the panel and the LLM see one behaviour.
 */
#include <string.h>

#include "mcp/mcp.h"

#define S_ID(n)	"\"" n "\":{\"type\":\"string\",\"format\":\"uuid\"}"
/*
 * What an author may say of a tool besides its code: title, behaviour
 * hints, icons and the result's schema (checked in core/tooldef.c).
 */
#define S_PRESENTATION \
    ",\"title\":{\"type\":[\"string\",\"null\"],\"maxLength\":200}," \
    "\"annotations\":{\"type\":[\"object\",\"null\"],\"properties\":{" \
    "\"readOnlyHint\":{\"type\":\"boolean\"},\"destructiveHint\":{\"type\":" \
    "\"boolean\"},\"idempotentHint\":{\"type\":\"boolean\"}," \
    "\"openWorldHint\":{\"type\":\"boolean\"}},\"additionalProperties\":" \
    "false},\"icons\":{\"type\":[\"array\",\"null\"],\"maxItems\":8," \
    "\"items\":{\"type\":\"object\",\"properties\":{\"src\":{\"type\":" \
    "\"string\"},\"mimeType\":{\"type\":\"string\"},\"sizes\":{\"type\":" \
    "\"array\",\"items\":{\"type\":\"string\"}},\"theme\":{\"enum\":[" \
    "\"light\",\"dark\"]}},\"required\":[\"src\"]}},\"output_schema\":{" \
    "\"type\":[\"object\",\"null\"]}"
/* How the descriptions of create and update say it. */
#define D_PRESENTATION \
    " title is the human-readable name clients show; annotations holds " \
    "hints for clients (readOnlyHint, destructiveHint, idempotentHint, " \
    "openWorldHint: booleans, nothing else); icons are {src: https: URL " \
    "or data:image/...;base64 URI, mimeType, sizes: [\"48x48\"]}; " \
    "output_schema is the JSON Schema (type object) of the result's " \
    "structuredContent, kept verbatim; without it one is derived from " \
    "main's return annotation (a TypedDict, a dataclass, dict[str, X]). " \
    "With an output schema every result must be a dict matching it, or " \
    "the call fails. An admin reviews all of these like the code."
/* What resources and prompts are made of (core/itemdef.c checks it). */
#define S_ITEM_COMMON \
    "\"name\":{\"type\":\"string\",\"pattern\":\"^[a-z][a-z0-9_]*$\"," \
    "\"maxLength\":64},\"description\":{\"type\":\"string\"," \
    "\"maxLength\":2000},\"title\":{\"type\":[\"string\",\"null\"]," \
    "\"maxLength\":200},\"python_code\":{\"type\":\"string\"}"
#define S_RESOURCE \
    "\"uri\":{\"type\":\"string\",\"maxLength\":1024}," \
    "\"mime_type\":{\"type\":\"string\"},\"text\":{\"type\":" \
    "\"string\"},\"blob\":{\"type\":\"string\"},\"variables\":{" \
    "\"type\":\"object\",\"additionalProperties\":{\"type\":\"object\"," \
    "\"properties\":{\"description\":{\"type\":\"string\"},\"values\":" \
    "{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}}}"
#define S_PROMPT \
    "\"arguments\":{\"type\":\"array\",\"maxItems\":32,\"items\":{" \
    "\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}," \
    "\"description\":{\"type\":\"string\"},\"required\":{\"type\":" \
    "\"boolean\"},\"values\":{\"type\":\"array\",\"items\":{\"type\":" \
    "\"string\"}}},\"required\":[\"name\"]}},\"messages\":{\"type\":" \
    "\"array\",\"maxItems\":32,\"items\":{\"type\":\"object\"," \
    "\"properties\":{\"role\":{\"enum\":[\"user\",\"assistant\"]}," \
    "\"content\":{\"type\":\"object\"}},\"required\":[\"role\"," \
    "\"content\"]}}"
#define SCHEMA(props, req) \
    "{\"type\":\"object\",\"properties\":{" props "},\"required\":[" req \
    "],\"additionalProperties\":false}"

const struct mgmt_tool mgmt_tools[] = {
	{ "mcpbox_list_servers", "List MCPbox servers with their status.",
	    SCHEMA("\"page\":{\"type\":\"integer\",\"minimum\":1},"
	    "\"page_size\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100}",
	    ""), 0, mgmt_list_servers },
	{ "mcpbox_get_server", "Get a server: config, tools, secrets names, "
	    "allowed hosts.", SCHEMA(S_ID("server_id"), "\"server_id\""), 0,
	    mgmt_get_server },
	{ "mcpbox_create_server", "Create a server (a group of tools). Name: "
	    "lower-case letters, digits and _.", SCHEMA("\"name\":{\"type\":"
	    "\"string\",\"pattern\":\"^[a-z][a-z0-9_]*$\",\"maxLength\":64},"
	    "\"description\":{\"type\":\"string\",\"maxLength\":2000}",
	    "\"name\""), MGMT_LOCAL, mgmt_create_server },
	{ "mcpbox_delete_server", "Delete a server and all its tools.",
	    SCHEMA(S_ID("server_id"), "\"server_id\""),
	    MGMT_LOCAL | MGMT_DESTRUCTIVE, mgmt_delete_server },
	{ "mcpbox_start_server", "Start a server: its approved, enabled tools "
	    "become callable.", SCHEMA(S_ID("server_id"), "\"server_id\""), 0,
	    mgmt_start_server },
	{ "mcpbox_stop_server", "Stop a server: its tools stop being callable.",
	    SCHEMA(S_ID("server_id"), "\"server_id\""), 0, mgmt_stop_server },
	{ "mcpbox_get_server_modules", "List the Python modules tools may "
	    "import.", SCHEMA("", ""), 0, mgmt_get_server_modules },
	{ "mcpbox_list_tools", "List the tools of a server.",
	    SCHEMA(S_ID("server_id"), "\"server_id\""), 0, mgmt_list_tools },
	{ "mcpbox_get_tool", "Get a tool, including its code, title, "
	    "annotations, icons, schemas and approval state.", SCHEMA(S_ID("tool_id"), "\"tool_id\""), 0, mgmt_get_tool },
	{ "mcpbox_create_tool", "Create a Python tool (a draft). The code must "
	    "define `def main(...)` or `async def main(...)`; its signature "
	    "becomes the input schema. A str, dict or list return value is "
	    "the result; for images, audio, embedded resources and resource "
	    "links return items of the injected `mcp` object: mcp.text(t), "
	    "mcp.image(bytes, mime_type), mcp.audio(bytes, mime_type), "
	    "mcp.resource(uri, text= or blob=), mcp.resource_link(uri, name), "
	    "a list of them or mcp.content(*items, structured=dict). While it "
	    "runs, mcp.log(level, data) and mcp.progress(n, total) reach the "
	    "client, and mcp.sample(prompt, max_tokens=...) and "
	    "mcp.elicit(message, schema) ask the client's model and its user "
	    "and wait for the answer (mcp.AskError if the client cannot or "
	    "will not; give such tools a timeout_ms that allows for it); "
	    "mcp.close_stream() ends the call's stream for a client that "
	    "resumes streams, so a long wait holds no connection. "
	    "input_schema, when given, is the arguments' JSON Schema as the "
	    "client sees it, kept verbatim (2020-12 keywords included)."
	    D_PRESENTATION,
	    SCHEMA(S_ID("server_id") ","
	    "\"name\":{\"type\":\"string\",\"pattern\":\"^[a-z][a-z0-9_]*$\","
	    "\"maxLength\":64},\"python_code\":{\"type\":\"string\"},"
	    "\"description\":{\"type\":\"string\",\"maxLength\":2000},"
	    "\"input_schema\":{\"type\":\"object\"}" S_PRESENTATION,
	    "\"server_id\",\"name\",\"python_code\""), MGMT_LOCAL,
	    mgmt_create_tool },
	{ "mcpbox_update_tool", "Update a tool. Changing its name, description, "
	    "code, timeout, title, annotations, icons or output schema sends an "
	    "approved tool back to review; enabling and disabling is the "
	    "admin's. A null title, annotations, icons or output_schema clears "
	    "it; new code without output_schema derives it again."
	    D_PRESENTATION, SCHEMA(S_ID("tool_id") ",\"name\":{"
	    "\"type\":\"string\",\"pattern\":\"^[a-z][a-z0-9_]*$\","
	    "\"maxLength\":64},"
	    "\"description\":{\"type\":\"string\",\"maxLength\":2000},"
	    "\"python_code\":{\"type\":\"string\"},\"timeout_ms\":{\"type\":"
	    "\"integer\",\"minimum\":" SBX_STR(SBX_TIMEOUT_MIN_MS) ",\"maximum\":"
	    SBX_STR(SBX_TIMEOUT_MAX_MS) "}" S_PRESENTATION, "\"tool_id\""),
	    MGMT_LOCAL | MGMT_DESTRUCTIVE, mgmt_update_tool },
	{ "mcpbox_create_resource", "Create a resource (a draft) on a server: "
	    "data a client reads by URI. uri has a scheme (\"notes://today\"); "
	    "with {name} ({+path}, {#frag}) parts it is a template whose values "
	    "a client fills in. Static: give text (or blob, base64) and "
	    "mime_type; {name} parts of text are replaced by the template's "
	    "values. Computed: give python_code defining def read(**params) "
	    "(params: the template's values) returning a str, or "
	    "mcp.text()/mcp.image()/mcp.resource() items; it runs in the "
	    "sandbox like a tool, with the server's secrets and allowed hosts. "
	    "variables {name: {description, values: [..]}} offer completions "
	    "for a template's values; without them, code may define "
	    "def complete(argument, value) returning a list of strings. "
	    "An admin reviews it like a tool "
	    "(mcpbox_request_publish); get, list, delete, versions and "
	    "rollback are the *_tool management tools. On /mcp its URI is "
	    "mcpbox://{server}/{uri}; on /mcp/{server} as given.",
	    SCHEMA(S_ID("server_id") "," S_ITEM_COMMON "," S_RESOURCE,
	    "\"server_id\",\"name\",\"description\",\"uri\""), MGMT_LOCAL,
	    mgmt_create_item },
	{ "mcpbox_update_resource", "Update a resource. Giving any of uri, "
	    "mime_type, text, blob, variables replaces the whole definition "
	    "(give them all again). An approved resource goes back to review.",
	    SCHEMA(S_ID("resource_id") "," S_ITEM_COMMON "," S_RESOURCE
	    ",\"change_summary\":{\"type\":\"string\",\"maxLength\":500}",
	    "\"resource_id\""), MGMT_LOCAL | MGMT_DESTRUCTIVE, mgmt_update_item },
	{ "mcpbox_create_prompt", "Create a prompt (a draft) on a server: a "
	    "message template a user picks in the client. arguments: "
	    "[{name, description, required, values: [..] for completion}]. "
	    "Static: messages [{role: user|assistant, content: {type: text, "
	    "text} | {type: image|audio, data: base64, mimeType} | {type: "
	    "resource, resource: {uri, mimeType, text}}}], where {name} in "
	    "text and uri is replaced by the argument. Computed: python_code "
	    "defining def main(**arguments) returning a str, a list of str / "
	    "mcp items / {role, content}; it may define def complete(argument, "
	    "value) for arguments without values. An admin reviews it like a "
	    "tool; on "
	    "/mcp its name is {server}__{name}.",
	    SCHEMA(S_ID("server_id") "," S_ITEM_COMMON "," S_PROMPT,
	    "\"server_id\",\"name\",\"description\""), MGMT_LOCAL,
	    mgmt_create_item },
	{ "mcpbox_update_prompt", "Update a prompt. Giving arguments or "
	    "messages replaces the whole definition (give both again). An "
	    "approved prompt goes back to review.",
	    SCHEMA(S_ID("prompt_id") "," S_ITEM_COMMON "," S_PROMPT
	    ",\"change_summary\":{\"type\":\"string\",\"maxLength\":500}",
	    "\"prompt_id\""), MGMT_LOCAL | MGMT_DESTRUCTIVE, mgmt_update_item },
	{ "mcpbox_delete_tool", "Delete a tool.", SCHEMA(S_ID("tool_id"),
	    "\"tool_id\""), MGMT_LOCAL | MGMT_DESTRUCTIVE, mgmt_delete_tool },
	{ "mcpbox_list_tool_versions", "List a tool's versions.",
	    SCHEMA(S_ID("tool_id"), "\"tool_id\""), 0, mgmt_list_tool_versions },
	{ "mcpbox_rollback_tool", "Restore an earlier version as a new version; "
	    "the tool needs review again.", SCHEMA(S_ID("tool_id") ",\"version\":"
	    "{\"type\":\"integer\",\"minimum\":1}", "\"tool_id\",\"version\""),
	    MGMT_LOCAL | MGMT_DESTRUCTIVE, mgmt_rollback_tool },
	{ "mcpbox_validate_code", "Check Python tool code: syntax, sandbox "
	    "rules, main(), and the input and output schemas it yields.",
	    SCHEMA("\"code\":{\"type\":\"string\"}", "\"code\""), 0,
	    mgmt_validate_code },
	{ "mcpbox_test_code", "Run a saved tool once with arguments (only "
	    "approved tools, unless tools are auto-approved; an enabled tool of "
	    "a running server).",
	    SCHEMA(S_ID("tool_id") ",\"arguments\":{\"type\":\"object\"}",
	    "\"tool_id\""), MGMT_LOCAL, mgmt_test_code },
	{ "mcpbox_create_server_secret", "Declare a secret a server's tools "
	    "need (e.g. an API key). The value is set by the admin in the panel, "
	    "never here.", SCHEMA(S_ID("server_id") ",\"key\":{\"type\":"
	    "\"string\",\"pattern\":\"^[A-Z][A-Z0-9_]*$\",\"maxLength\":64},"
	    "\"description\":{\"type\":\"string\",\"maxLength\":500}",
	    "\"server_id\",\"key\""), 0, mgmt_create_server_secret },
	{ "mcpbox_list_server_secrets", "List a server's secret names and "
	    "whether each has a value (never the values).",
	    SCHEMA(S_ID("server_id"), "\"server_id\""), 0,
	    mgmt_list_server_secrets },
	{ "mcpbox_request_publish", "Ask an admin to review and approve a "
	    "tool.", SCHEMA(S_ID("tool_id") ",\"notes\":{\"type\":\"string\","
	    "\"maxLength\":2000}", "\"tool_id\""), 0, mgmt_request_publish },
	{ "mcpbox_request_module", "Ask an admin to allow a Python module for "
	    "a tool.", SCHEMA(S_ID("tool_id") ",\"module_name\":{\"type\":"
	    "\"string\",\"maxLength\":128},\"justification\":{\"type\":"
	    "\"string\",\"maxLength\":2000}",
	    "\"tool_id\",\"module_name\",\"justification\""), 0,
	    mgmt_request_module },
	{ "mcpbox_request_network_access", "Ask an admin to let a tool reach a "
	    "host over HTTPS.", SCHEMA(S_ID("tool_id") ",\"host\":{\"type\":"
	    "\"string\",\"maxLength\":253},\"port\":{\"type\":\"integer\","
	    "\"minimum\":1,\"maximum\":65535},\"justification\":{\"type\":"
	    "\"string\",\"maxLength\":2000}",
	    "\"tool_id\",\"host\",\"justification\""), 0,
	    mgmt_request_network_access },
	{ "mcpbox_get_tool_status", "Approval state of a tool and of its module "
	    "and network requests.", SCHEMA(S_ID("tool_id"), "\"tool_id\""), 0,
	    mgmt_get_tool_status },
	{ "mcpbox_list_pending_requests", "Everything waiting for an admin: "
	    "tools, modules, network access.", SCHEMA("", ""), 0,
	    mgmt_list_pending_requests },
	{ "mcpbox_get_tool_logs", "Recent runs of a tool.",
	    SCHEMA(S_ID("tool_id") ",\"limit\":{\"type\":\"integer\","
	    "\"minimum\":1,\"maximum\":50}", "\"tool_id\""), 0,
	    mgmt_get_tool_logs },
	{ "mcpbox_add_external_source", "Register another MCP server whose "
	    "tools can be imported into a server. MCPbox connects to it only "
	    "once an admin approved it (URL, transport, auth and the secret "
	    "it sends); an oauth source must then be authorized by an admin "
	    "in the panel.", SCHEMA(S_ID("server_id") ","
	    "\"name\":{\"type\":\"string\",\"maxLength\":64},\"url\":{\"type\":"
	    "\"string\",\"maxLength\":2048},\"auth_type\":{\"type\":\"string\","
	    "\"enum\":[\"none\",\"bearer\",\"header\",\"oauth\"]},\"auth_secret_name\":"
	    "{\"type\":\"string\"},\"auth_header_name\":{\"type\":\"string\"},"
	    "\"transport_type\":{\"type\":\"string\",\"enum\":["
	    "\"streamable_http\",\"sse\"]}", "\"server_id\",\"name\",\"url\""),
	    MGMT_LOCAL | MGMT_DESTRUCTIVE, mgmt_add_external_source },
	{ "mcpbox_list_external_sources", "List a server's external MCP "
	    "sources.", SCHEMA(S_ID("server_id"), "\"server_id\""), 0,
	    mgmt_list_external_sources },
	{ "mcpbox_discover_external_tools", "Connect to an external source and "
	    "list its tools.", SCHEMA(S_ID("source_id"), "\"source_id\""),
	    MGMT_DESTRUCTIVE, mgmt_discover_external_tools },
	{ "mcpbox_import_external_tools", "Import discovered tools as drafts "
	    "that need review.", SCHEMA(S_ID("source_id") ",\"tool_names\":"
	    "{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"maxItems\":"
	    "100}", "\"source_id\",\"tool_names\""),
	    MGMT_LOCAL | MGMT_DESTRUCTIVE, mgmt_import_external_tools },
};

const size_t mgmt_tools_count = sizeof(mgmt_tools) / sizeof(mgmt_tools[0]);

/* Structured result: the object as structuredContent and as text. */
enum hx_turn
mgmt_done(struct mcp_ex *ex, json_t *result)
{
	ex->response = mcp_rpc_result(ex->id, mcp_tool_ok(result));
	return (HX_ANSWERED);
}

enum hx_turn
mgmt_fail(struct mcp_ex *ex, const char *message)
{
	ex->response = mcp_rpc_result(ex->id, mcp_tool_error(message));
	return (HX_ANSWERED);
}

const char *
mgmt_arg_str(struct mcp_ex *ex, const char *key)
{
	return (json_string_value(json_object_get(ex->args, key)));
}

/* A required UUID argument; -1 after failing the call. */
enum hx_turn
mgmt_arg_uuid(struct mcp_ex *ex, const char *key, const char **out)
{
	char	msg[128];

	*out = mgmt_arg_str(ex, key);
	if (!uuid_valid(*out)) {
		(void)snprintf(msg, sizeof(msg), "%s must be a UUID (see the "
		    "list tools for ids)", key);
		mgmt_fail(ex, msg);
		return (HX_ANSWERED);
	}
	return (HX_GO_ON);
}

/*
 * Run a (status, body) statement and turn it into the tool result: the
 * body on 2xx, its error message as an isError result otherwise.
 */
enum hx_turn
mgmt_sql(struct http_request *req, struct mcp_ex *ex, const char *sql, int n,
    const char **params)
{
	enum db_status	st;
	json_t		*body;
	const char	*m;
	int		status;

	st = db_call_run(&ex->db, req, sql, n, params);
	if (st == DB_PENDING)
		return (HX_WAIT);
	if (st == DB_FAILED) {
		if (strcmp(ex->db.sqlstate, "23505") == 0)
			return (mgmt_fail(ex, "that name is already taken; "
			    "choose another"));
		if (strncmp(ex->db.sqlstate, "23", 2) == 0 ||
		    strncmp(ex->db.sqlstate, "22", 2) == 0)
			return (mgmt_fail(ex, "a value is not acceptable; check "
			    "the arguments against the tool's schema"));
		return (mgmt_fail(ex, "the database is unavailable; retry "
		    "shortly"));
	}
	if (db_ntuples(&ex->db) < 1)
		return (mgmt_fail(ex, "not found"));
	status = atoi(db_value(&ex->db, 0, 0));
	body = json_loads(db_value(&ex->db, 0, 1), 0, NULL);
	if (status >= 400) {
		m = json_string_value(json_object_get(json_object_get(body,
		    "error"), "message"));
		mgmt_fail(ex, m != NULL ? m : "the request failed");
		json_decref(body);
		return (HX_ANSWERED);
	}
	return (mgmt_done(ex, body));
}
