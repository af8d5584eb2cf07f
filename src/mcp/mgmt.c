/*
 * The mcpbox_* management tools: their names, descriptions, argument
 * schemas and flags, and the plumbing they share. L (MGMT_LOCAL) and D
 * (MGMT_DESTRUCTIVE) tools are refused to remote callers unless the
 * security policy enables remote editing. No tool here can approve
 * anything: approval exists only in the panel.
 *
 * The descriptions are what a model knows of MCPbox when it writes its
 * first tool, and it reads them on every tools/list: each rule of the
 * sandbox is said once, in an R_ macro, and every parameter has a short
 * description of its own. Text that also goes into a JSON Schema holds
 * no double quote and no backslash.
 *
 * Most tools run the same statement as their REST twin (db/sql_*.c), so
 * the panel and the LLM see one behaviour.
 */
#include <string.h>

#include "mcp/mcp.h"

/*
 * Limits as the code that enforces them spells them: the defaults of
 * MCPBOX_SANDBOX_TIMEOUT_MS and MCPBOX_SANDBOX_MEMORY_MB (core/config.c),
 * the result and stdout caps (sandbox/harness_check.py) and the broker's
 * per-request caps (sandbox/sbx.h). The others come from
 * core/sandbox_protocol.h. tests/integration/test_mgmt_descriptions.py
 * reads those sources and fails when a number here drifts from them.
 */
#define L_TIMEOUT_MS	"30000"
#define L_MEMORY_MB	"256"
#define L_RESULT	"1 MiB"
#define L_STDOUT	"64 KiB"
#define L_CODE		SBX_STR(SBX_CODE_MAX_KIB) " KiB"
#define L_HTTP		"10 s and 2 MiB"

/* The rules of tool code, each said once. */
#define R_MAIN \
    "Code: define def main(...) (or async def main); a call runs " \
    "main(**arguments), and the signature is the input schema, which " \
    "each call's arguments must match: hints str, int, float, bool, " \
    "list, dict (list[X], dict[str, X]; X | None or Optional[X] also " \
    "allow null), Literal['a', 'b'] (only those values), a TypedDict " \
    "class of the code (an object of its fields; total=False or " \
    "NotRequired[X] for optional ones), no hint means string, a parameter " \
    "with a default is optional (a literal default is copied), **kwargs " \
    "admits other arguments. The docstring is not read: description is " \
    "what clients see, and input_schema can describe each parameter. "
#define R_RETURN \
    "Return a str (one text item), a dict (JSON text plus " \
    "structuredContent), a list (JSON text plus structuredContent " \
    "{result: [...]}) or None (empty text); an exception becomes an " \
    "error result (isError) with its message, its category in " \
    "_meta['mcpbox/error'] and what to change. A return annotation " \
    "naming a TypedDict or @dataclass of the code, or dict[str, X], " \
    "gives the outputSchema. "
#define R_MCP \
    "For images, audio and resources return items of the injected mcp " \
    "object: mcp.text(t), mcp.image(bytes, mime_type), mcp.audio(bytes, " \
    "mime_type), mcp.resource(uri, text= or blob=), " \
    "mcp.resource_link(uri, name), a list of them or " \
    "mcp.content(*items, structured=dict). While it runs, " \
    "mcp.log(level, data) and mcp.progress(n, total) reach the client; " \
    "mcp.sample(messages, max_tokens=...) and mcp.elicit(message, " \
    "schema) ask its model or its user and wait up to " \
    SBX_STR(SBX_ASK_WAIT_S) " s (mcp.AskError when the client cannot); " \
    "mcp.close_stream() lets a long call go on without holding the " \
    "connection. "
#define R_HTTP \
    "Network: there is no requests, urllib.request or socket; use the " \
    "injected http object (no import): http.get, post, put, patch, " \
    "delete, head(url, headers=None, body=None, json_body=None, " \
    "timeout=10) and http.request(method, url, ...) return a Response " \
    "with .status, .headers (lower-case names), .text, .url and " \
    ".json(). Any status is a Response; a refused or failed request " \
    "raises HttpError. Only hosts an admin approved via " \
    "mcpbox_request_network_access are reachable: public hosts over " \
    "https, local-network hosts (a NAS, Home Assistant) over http or " \
    "https; at most " L_HTTP " a request, 3 redirects. "
#define R_SECRETS \
    "secrets is a read-only mapping of the server's secrets that have " \
    "a value (secrets.get('API_KEY')): declare each with " \
    "mcpbox_create_server_secret, a placeholder whose value only the " \
    "admin sets, in the panel; never put credentials in code. "
/* The default of the allowed_modules setting (migration 0003). */
#define R_MODULES \
    "Imports: json, re, math, datetime, urllib.parse, base64, hashlib, " \
    "collections, itertools, functools, statistics, decimal, uuid, " \
    "string, textwrap, html, time, random, fractions, bisect, heapq " \
    "(the default list; mcpbox_get_server_modules shows the current " \
    "one), typing and dataclasses; any other module needs " \
    "mcpbox_request_module and an admin's approval. "
#define R_ABSENT \
    "Not there: files and open(), os, subprocess, threads, sockets, " \
    "ctypes, eval, exec, super(), globals(), id(); attributes starting " \
    "with _ (self._x too) and names starting with __ are refused (a " \
    "class may still define __init__ and the usual dunder methods). " \
    "print() output goes to the execution log (mcpbox_get_tool_logs), " \
    "not to the caller. "
#define R_TIMEOUT \
    "a call may run " L_TIMEOUT_MS " ms unless the server's default or " \
    "the tool's timeout_ms says otherwise (" \
    SBX_STR(SBX_TIMEOUT_MIN_MS) "-" SBX_STR(SBX_TIMEOUT_MAX_MS) \
    " ms), never past the instance's MCPBOX_SANDBOX_TIMEOUT_MS " \
    "(default " L_TIMEOUT_MS ")."
#define R_LIMITS \
    "Limits: " R_TIMEOUT " Memory " L_MEMORY_MB " MB, result " L_RESULT \
    ", stdout " L_STDOUT ", code " L_CODE "; more fails the call. "
/* Where resources and prompts defer to the tool rules. */
#define R_LIKE_A_TOOL \
    "it runs in the sandbox as a tool's main does (http, secrets, " \
    "modules and limits as mcpbox_create_tool describes them)"
#define R_ITEM_REVIEW \
    "An admin reviews it like a tool (mcpbox_request_publish); get, " \
    "list, delete, versions and rollback are the *_tool management " \
    "tools."

/* A property of a schema: its name, its type keywords, its description. */
#define P(n, t, d)	"\"" n "\":{" t ",\"description\":\"" d "\"}"
#define T_STR		"\"type\":\"string\""
#define T_STR_MAX(m)	T_STR ",\"maxLength\":" #m
#define T_INT		"\"type\":\"integer\""
#define T_BOOL		"\"type\":\"boolean\""
#define T_OBJ		"\"type\":\"object\""
#define T_UUID		T_STR ",\"format\":\"uuid\""
#define T_IDENT		T_STR ",\"pattern\":\"^[a-z][a-z0-9_]*$\"," \
			"\"maxLength\":64"
#define T_STRS		"\"type\":\"array\",\"items\":{" T_STR "}"
#define SCHEMA(props, req) \
    "{\"type\":\"object\",\"properties\":{" props "},\"required\":[" req \
    "],\"additionalProperties\":false}"

/* Parameters several tools take. */
#define A_SERVER	P("server_id", T_UUID, "Id of the server (from " \
    "mcpbox_create_server or mcpbox_list_servers).")
#define A_TOOL		P("tool_id", T_UUID, "Id of the tool, resource or " \
    "prompt (from the tool that created it or mcpbox_list_tools).")
#define A_TITLE		P("title", "\"type\":[\"string\",\"null\"]," \
    "\"maxLength\":200", "Human-readable name clients show; null for " \
    "none.")
#define A_SOURCE	P("source_id", T_UUID, "Id of the external source " \
    "(from mcpbox_add_external_source or " \
    "mcpbox_list_external_sources).")
#define A_DESCRIPTION(what) P("description", T_STR_MAX(2000), "What " \
    what "; clients show it to the model and the user (at most 2000 " \
    "characters).")
#define A_TOOL_CODE	P("python_code", T_STR, "Python source (at most " \
    L_CODE ") defining def main(...), under the rules in " \
    "mcpbox_create_tool's description; validated before it is stored.")
#define A_JUSTIFICATION	P("justification", T_STR_MAX(2000), "Why the " \
    "tool needs it: the admin decides on this.")
#define A_CHANGE	P("change_summary", T_STR_MAX(500), "What changed " \
    "and why, for the reviewer.")

/*
 * What an author may say of a tool besides its code: title, behaviour
 * hints, icons and the result's schema (checked in core/tooldef.c).
 */
#define S_PRESENTATION "," A_TITLE "," \
    P("annotations", "\"type\":[\"object\",\"null\"],\"properties\":{" \
    P("readOnlyHint", T_BOOL, "It changes nothing.") "," \
    P("destructiveHint", T_BOOL, "It may delete or overwrite.") "," \
    P("idempotentHint", T_BOOL, "Repeating a call changes nothing " \
    "more.") "," \
    P("openWorldHint", T_BOOL, "It reaches things outside MCPbox.") \
    "},\"additionalProperties\":false", "Behaviour hints for clients: " \
    "these four booleans only; null for none.") "," \
    P("icons", "\"type\":[\"array\",\"null\"],\"maxItems\":8," \
    "\"items\":{\"type\":\"object\",\"properties\":{" \
    P("src", T_STR, "An https: URL or a data:image/...;base64, URI.") \
    "," P("mimeType", T_STR, "The image's type, e.g. image/png.") "," \
    P("sizes", T_STRS, "Sizes such as 48x48, or any.") "," \
    P("theme", "\"enum\":[\"light\",\"dark\"]", "The background it " \
    "suits.") "},\"required\":[\"src\"]}", "Icons clients may show " \
    "(at most 8); null for none.") "," \
    P("output_schema", "\"type\":[\"object\",\"null\"]", "JSON Schema " \
    "(type object) of the result's structuredContent, kept verbatim; " \
    "without it one is derived from main's return annotation. With " \
    "one, every result must be a dict that fits it, or the call " \
    "fails; null for none.")
/* What resources and prompts are made of (core/itemdef.c checks it). */
#define S_ITEM_COMMON \
    P("name", T_IDENT, "Its name: " IDENT_RULE ".") "," \
    A_DESCRIPTION("it holds or does") "," A_TITLE "," \
    P("python_code", T_STR, "A computed item's code, instead of static " \
    "content: def read(**params) for a resource, def main(**arguments) " \
    "for a prompt; " R_LIKE_A_TOOL ".")
#define S_RESOURCE \
    P("uri", T_STR_MAX(1024), "A URI with a scheme, e.g. notes://today; " \
    "{name}, {+path} or {#frag} parts make it a template (at most 8, " \
    "separated by literal text).") "," \
    P("mime_type", T_STR, "The content's MIME type, e.g. text/plain.") \
    "," P("text", T_STR, "Static text (at most 1 MiB); {name} parts are " \
    "replaced by the template's values.") "," \
    P("blob", T_STR, "Static binary content, base64.") "," \
    P("variables", T_OBJ ",\"additionalProperties\":{" T_OBJ "," \
    "\"properties\":{" P("description", T_STR, "What the value is.") \
    "," P("values", T_STRS, "Values completion offers.") "}," \
    "\"description\":\"Completion of one template variable.\"}", \
    "Completions of a template's values: {name: {description, " \
    "values}}.")
#define S_PROMPT \
    P("arguments", "\"type\":\"array\",\"maxItems\":32,\"items\":{" T_OBJ \
    ",\"properties\":{" P("name", T_STR, "The argument's name.") "," \
    P("description", T_STR, "What the user gives here.") "," \
    P("required", T_BOOL, "Whether it must be given.") "," \
    P("values", T_STRS, "Values completion offers.") "}," \
    "\"required\":[\"name\"]}", "The prompt's arguments.") "," \
    P("messages", "\"type\":\"array\",\"maxItems\":32,\"items\":{" T_OBJ \
    ",\"properties\":{" P("role", "\"enum\":[\"user\",\"assistant\"]", \
    "Who says it.") "," P("content", T_OBJ, "One item: {type: text, " \
    "text}, {type: image or audio, data: base64, mimeType} or {type: " \
    "resource, resource: {uri, mimeType, text}}.") "},\"required\":[" \
    "\"role\",\"content\"]}", "A static prompt's messages; {argument} " \
    "in a text, a resource's uri and its text is replaced by the " \
    "argument.")

const struct mgmt_tool mgmt_tools[] = {
	{ "mcpbox_list_servers", "List the MCPbox servers (groups of tools) "
	    "with their ids and status (running or stopped).",
	    SCHEMA(P("page", T_INT ",\"minimum\":1", "Page, from 1 (default "
	    "1).") "," P("page_size", T_INT ",\"minimum\":1,\"maximum\":100",
	    "Servers a page, 1-100 (default 50)."), ""), 0,
	    mgmt_list_servers },
	{ "mcpbox_get_server", "Get a server: its status, default timeout, "
	    "tools, allowed hosts and secret names (whether each has a value, "
	    "never the value).", SCHEMA(A_SERVER, "\"server_id\""), 0,
	    mgmt_get_server },
	{ "mcpbox_create_server", "Create a server: a group of tools, "
	    "resources and prompts that share secrets and allowed hosts and "
	    "are started and stopped together. It starts stopped. Its tools "
	    "are called {server}__{tool} on /mcp and by their own names on "
	    "/mcp/{server}.", SCHEMA(P("name", T_IDENT, "Server name, the "
	    "{server} of {server}__{tool}: " IDENT_RULE ".") ","
	    A_DESCRIPTION("its tools are for"), "\"name\""), MGMT_LOCAL,
	    mgmt_create_server },
	{ "mcpbox_delete_server", "Delete a server and everything on it: "
	    "tools, resources, prompts, secrets. It cannot be undone.",
	    SCHEMA(A_SERVER, "\"server_id\""), MGMT_LOCAL | MGMT_DESTRUCTIVE,
	    mgmt_delete_server },
	{ "mcpbox_start_server", "Start a server: its approved, enabled tools "
	    "become callable as {server}__{tool}. A server an admin stopped "
	    "only an admin can start again.", SCHEMA(A_SERVER,
	    "\"server_id\""), 0, mgmt_start_server },
	{ "mcpbox_stop_server", "Stop a server: its tools stop being callable "
	    "until it is started again.", SCHEMA(A_SERVER, "\"server_id\""), 0,
	    mgmt_stop_server },
	{ "mcpbox_get_server_modules", "List the Python modules every tool "
	    "may import without asking (the admin's allowed list; typing and "
	    "dataclasses are always there too). Any other needs "
	    "mcpbox_request_module.", SCHEMA("", ""), 0,
	    mgmt_get_server_modules },
	{ "mcpbox_list_tools", "List a server's tools, resources and prompts "
	    "with their ids and approval state.", SCHEMA(A_SERVER,
	    "\"server_id\""), 0, mgmt_list_tools },
	{ "mcpbox_get_tool", "Get a tool, resource or prompt: its code, "
	    "title, annotations, icons, schemas, timeout and approval state.",
	    SCHEMA(A_TOOL, "\"tool_id\""), 0, mgmt_get_tool },
	{ "mcpbox_create_tool", "Create a Python tool on a server, as a draft "
	    "that runs only once an admin approved it (mcpbox_request_publish"
	    "). " R_MAIN R_RETURN R_MCP R_HTTP R_SECRETS R_MODULES R_ABSENT
	    R_LIMITS "Check code first with mcpbox_validate_code.",
	    SCHEMA(A_SERVER "," P("name", T_IDENT, "Tool name, the {tool} of "
	    "{server}__{tool}: " IDENT_RULE ".") "," A_TOOL_CODE ","
	    A_DESCRIPTION("the tool does and when to use it") ","
	    P("input_schema", T_OBJ, "JSON Schema (type object) of the "
	    "arguments, instead of the one derived from main's signature, "
	    "kept verbatim: to describe each parameter or add enums and "
	    "bounds.") S_PRESENTATION,
	    "\"server_id\",\"name\",\"python_code\""), MGMT_LOCAL,
	    mgmt_create_tool },
	{ "mcpbox_update_tool", "Change a tool; give only what changes. New "
	    "code is validated as on create and its input schema derived "
	    "again (its output schema too, unless output_schema is given). "
	    "Changing the name, description, code, timeout, title, "
	    "annotations, icons or output schema sends an approved tool back "
	    "to review. Enabling and disabling is the admin's.",
	    SCHEMA(A_TOOL "," P("name", T_IDENT, "New name: " IDENT_RULE ".")
	    "," A_DESCRIPTION("the tool does and when to use it") ","
	    A_TOOL_CODE "," P("timeout_ms", T_INT ",\"minimum\":"
	    SBX_STR(SBX_TIMEOUT_MIN_MS) ",\"maximum\":"
	    SBX_STR(SBX_TIMEOUT_MAX_MS), "The tool's time limit in ms: "
	    R_TIMEOUT) S_PRESENTATION, "\"tool_id\""),
	    MGMT_LOCAL | MGMT_DESTRUCTIVE, mgmt_update_tool },
	{ "mcpbox_create_resource", "Create a resource (a draft) on a server: "
	    "data a client reads by URI. uri has a scheme (notes://today); "
	    "with {name} ({+path}, {#frag}) parts it is a template whose "
	    "values a client fills in. Static: give text (or blob, base64) "
	    "and mime_type. Computed: give python_code defining "
	    "def read(**params) (params: the template's values) returning a "
	    "str, or mcp.text()/mcp.image()/mcp.resource() items; "
	    R_LIKE_A_TOOL ". variables offer completions for a template's "
	    "values; without them, code may define def complete(argument, "
	    "value) returning a list of strings. " R_ITEM_REVIEW " On /mcp "
	    "its URI is mcpbox://{server}/{uri}; on /mcp/{server} as given.",
	    SCHEMA(A_SERVER "," S_ITEM_COMMON "," S_RESOURCE,
	    "\"server_id\",\"name\",\"description\",\"uri\""), MGMT_LOCAL,
	    mgmt_create_item },
	{ "mcpbox_update_resource", "Update a resource. Giving any of uri, "
	    "mime_type, text, blob, variables replaces the whole definition "
	    "(give them all again). An approved resource goes back to review.",
	    SCHEMA(P("resource_id", T_UUID, "Id of the resource.") ","
	    S_ITEM_COMMON "," S_RESOURCE "," A_CHANGE, "\"resource_id\""),
	    MGMT_LOCAL | MGMT_DESTRUCTIVE, mgmt_update_item },
	{ "mcpbox_create_prompt", "Create a prompt (a draft) on a server: a "
	    "message template a user picks in the client. Static: messages, "
	    "where {name} in a text and a uri is replaced by the argument. "
	    "Computed: python_code defining def main(**arguments) returning "
	    "a str, or a list of str, mcp items and {role, content} messages; "
	    R_LIKE_A_TOOL ". It may define def complete(argument, value) for "
	    "arguments without values. " R_ITEM_REVIEW " On /mcp its name is "
	    "{server}__{name}.",
	    SCHEMA(A_SERVER "," S_ITEM_COMMON "," S_PROMPT,
	    "\"server_id\",\"name\",\"description\""), MGMT_LOCAL,
	    mgmt_create_item },
	{ "mcpbox_update_prompt", "Update a prompt. Giving arguments or "
	    "messages replaces the whole definition (give both again). An "
	    "approved prompt goes back to review.",
	    SCHEMA(P("prompt_id", T_UUID, "Id of the prompt.") ","
	    S_ITEM_COMMON "," S_PROMPT "," A_CHANGE, "\"prompt_id\""),
	    MGMT_LOCAL | MGMT_DESTRUCTIVE, mgmt_update_item },
	{ "mcpbox_delete_tool", "Delete a tool, resource or prompt with all "
	    "its versions. It cannot be undone.", SCHEMA(A_TOOL,
	    "\"tool_id\""), MGMT_LOCAL | MGMT_DESTRUCTIVE, mgmt_delete_tool },
	{ "mcpbox_list_tool_versions", "List the stored versions of a tool, "
	    "resource or prompt, for mcpbox_rollback_tool.", SCHEMA(A_TOOL,
	    "\"tool_id\""), 0, mgmt_list_tool_versions },
	{ "mcpbox_rollback_tool", "Restore an earlier version as a new "
	    "version; it needs review again.", SCHEMA(A_TOOL "," P("version",
	    T_INT ",\"minimum\":1", "The version to restore (from "
	    "mcpbox_list_tool_versions)."), "\"tool_id\",\"version\""),
	    MGMT_LOCAL | MGMT_DESTRUCTIVE, mgmt_rollback_tool },
	{ "mcpbox_validate_code", "Check Python tool code without saving it: "
	    "syntax, the sandbox's rules (blocked names and attributes, "
	    "imports outside the allowed modules), names that would fail "
	    "when they run (open, eval, ...), whether it defines main(), and "
	    "the input and output schemas it yields. valid is true only when "
	    "the tool could run. Invalid code is an answer (valid false, "
	    "errors with line and column), not a failure.",
	    SCHEMA(P("code", T_STR, "Python source (at most " L_CODE ").")
	    "," P("tool_id", T_UUID, "The tool, resource or prompt the code "
	    "is for: the modules approved for it count too.") ","
	    P("server_id", T_UUID, "The server the code is for, when there "
	    "is no tool yet: modules approved for the whole server count "
	    "too. With neither, the global allowed modules."), "\"code\""),
	    0, mgmt_validate_code },
	{ "mcpbox_test_code", "Run a saved tool once, as a client's call "
	    "would, and return its result; the run is logged as a test. Only "
	    "an approved, enabled tool of a running server (an unapproved "
	    "one too when the security policy auto-approves tools).",
	    SCHEMA(A_TOOL "," P("arguments", T_OBJ, "The arguments for main, "
	    "as a client would pass them."), "\"tool_id\""), MGMT_LOCAL,
	    mgmt_test_code },
	{ "mcpbox_create_server_secret", "Declare a secret a server's tools "
	    "read as secrets['KEY'] (an API key, a token). This makes a "
	    "placeholder only: the admin sets the value in the MCPbox panel, "
	    "never through MCP, and until then the key is absent from "
	    "secrets.", SCHEMA(A_SERVER "," P("key", T_STR ",\"pattern\":"
	    "\"^[A-Z][A-Z0-9_]*$\",\"maxLength\":64", "The name code reads as "
	    "secrets[key]; " SECRET_KEY_RULE ".") "," P("description",
	    T_STR_MAX(500), "What the value is and where the admin gets "
	    "it."),
	    "\"server_id\",\"key\""), 0, mgmt_create_server_secret },
	{ "mcpbox_list_server_secrets", "List a server's secret names and "
	    "whether each has a value (never the values).",
	    SCHEMA(A_SERVER, "\"server_id\""), 0, mgmt_list_server_secrets },
	{ "mcpbox_request_publish", "Ask an admin to review and approve a "
	    "tool, resource or prompt in the MCPbox panel; until then it "
	    "does not run. Under a policy that auto-approves tools it is "
	    "approved at once. mcpbox_get_tool_status shows where it stands.",
	    SCHEMA(A_TOOL "," P("notes", T_STR_MAX(2000), "For the reviewer: "
	    "what it does and why."), "\"tool_id\""), 0,
	    mgmt_request_publish },
	{ "mcpbox_request_module", "Ask an admin to allow a Python module for "
	    "a tool, beyond those of mcpbox_get_server_modules. A module "
	    "outside the standard library is a PyPI package, installed as a "
	    "binary wheel once approved.", SCHEMA(A_TOOL "," P("module_name",
	    T_STR_MAX(128), "The name imported: " MODULE_NAME_RULE ".") ","
	    A_JUSTIFICATION, "\"tool_id\",\"module_name\",\"justification\""),
	    0, mgmt_request_module },
	{ "mcpbox_request_network_access", "Ask an admin to let a tool's http "
	    "calls reach host:port; until it is approved, requests to it "
	    "raise HttpError. A public host is reached over https only. A "
	    "host on the local network (a NAS, Home Assistant, a printer: "
	    "an RFC 1918, ULA or CGNAT address, or a name that resolves only "
	    "there) is a private-network request, reachable over http and "
	    "https once approved. Loopback (127.0.0.1, localhost), cloud "
	    "metadata addresses, the unspecified address and MCPbox's own "
	    "ports are refused at once and can never be approved. Each "
	    "host:port is its own request.", SCHEMA(A_TOOL "," P("host",
	    T_STR_MAX(253), "The exact host: " HOST_RULE ".") "," P("port",
	    T_INT ",\"minimum\":1,\"maximum\":65535", "The port, when not "
	    "443 (e.g. 8080 for a LAN service on http://nas.lan:8080).") ","
	    A_JUSTIFICATION,
	    "\"tool_id\",\"host\",\"justification\""), 0,
	    mgmt_request_network_access },
	{ "mcpbox_get_tool_status", "Approval state of a tool and of its "
	    "module and network requests.", SCHEMA(A_TOOL, "\"tool_id\""), 0,
	    mgmt_get_tool_status },
	{ "mcpbox_list_pending_requests", "Everything waiting for an admin "
	    "in the panel: tools, modules, network access.", SCHEMA("", ""),
	    0, mgmt_list_pending_requests },
	{ "mcpbox_get_tool_logs", "Recent runs of a tool, newest first: "
	    "arguments, result or error, stdout (what print() wrote), "
	    "duration.", SCHEMA(A_TOOL "," P("limit", T_INT ",\"minimum\":1,"
	    "\"maximum\":50", "How many runs, 1-50 (default 10)."),
	    "\"tool_id\""), 0, mgmt_get_tool_logs },
	{ "mcpbox_add_external_source", "Register another MCP server whose "
	    "tools can be imported into a server. MCPbox connects to it only "
	    "once an admin approved it (URL, transport, auth and the secret "
	    "it sends); an oauth source must then be authorized by an admin "
	    "in the panel.", SCHEMA(A_SERVER "," P("name", T_STR_MAX(64),
	    "Source name: " IDENT_RULE ".") "," P("url", T_STR_MAX(2048),
	    "The source's MCP endpoint, an http(s) URL.") ","
	    P("auth_type", T_STR ",\"enum\":[\"none\",\"bearer\",\"header\","
	    "\"oauth\"]", "none (default); bearer: the secret as a Bearer "
	    "token; header: the secret in auth_header_name; oauth: an admin "
	    "signs in from the panel.") "," P("auth_secret_name", T_STR,
	    "For bearer and header: the server secret holding the "
	    "credential (mcpbox_create_server_secret).") ","
	    P("auth_header_name", T_STR, "For header: the header's name, "
	    "e.g. X-API-Key.") "," P("transport_type", T_STR ",\"enum\":["
	    "\"streamable_http\",\"sse\"]", "streamable_http (default) or sse "
	    "(the legacy HTTP+SSE transport)."),
	    "\"server_id\",\"name\",\"url\""),
	    MGMT_LOCAL | MGMT_DESTRUCTIVE, mgmt_add_external_source },
	{ "mcpbox_list_external_sources", "List a server's external MCP "
	    "sources.", SCHEMA(A_SERVER, "\"server_id\""), 0,
	    mgmt_list_external_sources },
	{ "mcpbox_discover_external_tools", "Connect to an approved external "
	    "source and list its tools, for mcpbox_import_external_tools.",
	    SCHEMA(A_SOURCE, "\"source_id\""), MGMT_DESTRUCTIVE,
	    mgmt_discover_external_tools },
	{ "mcpbox_import_external_tools", "Import discovered tools as drafts "
	    "that need review.", SCHEMA(A_SOURCE "," P("tool_names",
	    T_STRS ",\"maxItems\":100", "Names of discovered tools to "
	    "import."), "\"source_id\",\"tool_names\""),
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

/* What the caller asked for is refused: a bad argument, an unknown id. */
enum hx_turn
mgmt_fail(struct mcp_ex *ex, const char *message)
{
	ex->response = mcp_rpc_result(ex->id, mcp_tool_error(
	    MCP_ERR_VALIDATION, message));
	return (HX_ANSWERED);
}

/* The request was fine; the database was not there to answer it. */
enum hx_turn
mgmt_unavailable(struct mcp_ex *ex)
{
	ex->response = mcp_rpc_result(ex->id, mcp_tool_error(MCP_ERR_SANDBOX,
	    "the database is unavailable; retry shortly"));
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
			return (mgmt_fail(ex, "a value is not acceptable; "
			    "check the arguments against the tool's schema"));
		return (mgmt_unavailable(ex));
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
