/*
 * Loading a call: the tool (or prompt, resource) by server__tool, or by id
 * for mcpbox_test_code, with its server, secrets and session, checked
 * for being callable and its arguments for fitting the approved input
 * schema. Approval, enablement and the server's state are checked at
 * call time, against the definition the worker holds when it is current
 * (tool_cache.c), else in the query that loads it.
 */
#include <stdlib.h>
#include <string.h>

#include "mcp/mcp.h"
#include "db/sql.h"

/* Split "server__tool"; both parts non-empty. */
int
mcp_split_name(const char *name, char *server, size_t slen, char *tool,
    size_t tlen)
{
	const char	*sep;

	if ((sep = strstr(name, "__")) == NULL || sep == name ||
	    sep[2] == '\0' || (size_t)(sep - name) >= slen ||
	    strlen(sep + 2) >= tlen)
		return (-1);
	memcpy(server, name, (size_t)(sep - name));
	server[sep - name] = '\0';
	(void)snprintf(tool, tlen, "%s", sep + 2);
	return (0);
}

/* Why a tool exists but may not run, in words the model can act on. */
static const char *
call_not_callable(json_t *t)
{
	const char	*status;

	status = json_string_value(json_object_get(t, "approval_status"));
	/*
	 * A test run may skip approval only where the policy auto-approves;
	 * the admin's off switches (disabled tool, stopped server) hold for
	 * it as for any call.
	 */
	if (json_is_true(json_object_get(t, "is_test"))) {
		if (strcmp(status, "approved") != 0 &&
		    !json_is_true(json_object_get(t, "auto_approve")))
			return ("test runs need an approved tool unless the "
			    "security policy auto-approves tools; call "
			    "mcpbox_request_publish and wait for an admin");
	} else if (strcmp(status, "approved") != 0) {
		if (strcmp(status, "pending_review") == 0)
			return ("this tool is pending review; an admin must "
			    "approve it in the MCPbox panel before it can run");
		if (strcmp(status, "rejected") == 0)
			return ("this tool was rejected by an admin; see "
			    "mcpbox_get_tool_status for the reason");
		return ("this tool is a draft; call mcpbox_request_publish, "
		    "then an admin must approve it");
	}
	if (!json_is_true(json_object_get(t, "enabled")))
		return ("this tool is disabled by an admin");
	if (strcmp(json_string_value(json_object_get(t, "server_status")),
	    "running") != 0)
		return ("this tool's server is stopped; mcpbox_start_server "
		    "starts it");
	return (NULL);
}

/*
 * Load the tool. A call names it server__tool; mcpbox_test_code names it
 * by id and may run an unapproved tool only when tools are auto-approved.
 */

/*
 * The row SQL_MCP_TOOL_FOR_CALL answers (and SQL_MGMT_TOOL_FOR_TEST, with
 * full_name and approval_mode too), read by column name; a value is NULL
 * when the column is missing or SQL NULL. Pointers into the result: valid
 * until db_call_clear.
 */
enum { LOAD_START = 0, LOAD_SESSION, LOAD_FULL };

struct tool_row {
	const char	*session_ok, *tool_id, *server_id, *python_code;
	const char	*timeout_ms, *approval_status, *enabled, *server_status;
	const char	*modules, *hosts, *secrets, *tool_type;
	const char	*full_name, *approval_mode, *log_level;
	const char	*client_capabilities;
	const char	*output_schema;	/* the approved version's (0052) */
	const char	*kind;		/* tool, prompt, resource (0054) */
	const char	*input_schema;	/* the approved version's (0055) */
};

static const char *
call_kind(const struct mcp_ex *ex)
{
	return (ex->item == ITEM_PROMPT ? "prompt" : ex->item ==
	    ITEM_RESOURCE ? "resource" : "tool");
}

/* Why a call does not run: a tool's error result, an item's RPC error
 * (prompts and resources have no error result). */
static json_t *
call_refusal(const struct mcp_ex *ex, const char *why)
{
	if (ex->item != ITEM_TOOL)
		return (mcp_rpc_error(ex->id, RPC_INVALID_PARAMS, why));
	return (mcp_rpc_result(ex->id, mcp_tool_error(MCP_ERR_VALIDATION,
	    why)));
}

/* The time a call of tool `t` may run: its own or its server's limit,
 * never past the instance's. */
long
mcp_call_timeout_ms(const json_t *t)
{
	long	timeout;

	timeout = (long)json_integer_value(json_object_get(t, "timeout_ms"));
	if (timeout <= 0 || timeout > mcpbox_cfg.sandbox_timeout_ms)
		timeout = mcpbox_cfg.sandbox_timeout_ms;
	return (timeout);
}

/*
 * A tool's arguments against the input schema its approved version
 * declares, before any code runs: a mismatch is the caller's mistake,
 * answered as invalid params naming the argument, never a run that fails
 * (and counts against the tool). 0 when they match or there is no schema.
 */
static int
call_arguments_refused(const json_t *schema, const json_t *args,
    int passthrough, char *why, size_t len)
{
	json_t	*empty;
	char	 reason[400];
	int	 rc;

	/* A schema written with what MCPbox cannot evaluate is not held
	 * against the caller: the code then sees the arguments as sent. */
	if (schema == NULL || !json_is_object(schema) ||
	    json_schema_usable(schema, reason, sizeof(reason)) == -1)
		return (0);
	empty = json_object();
	/* A passthrough tool sends upstream only what the reviewer saw
	 * (mgmt_external.c): members the schema does not name are refused. */
	rc = (passthrough ? json_schema_check : json_schema_check_open)(schema,
	    args != NULL ? args : empty, reason, sizeof(reason));
	json_decref(empty);
	if (rc == 0)
		return (0);
	(void)snprintf(why, len, "invalid arguments for the tool's approved "
	    "input schema: %s", reason);
	return (-1);
}

/* The columns of a definition (no session's): what tool_cache.c keeps,
 * as text; and its JSON columns, which it keeps parsed instead. */
#define DEF_FIELDS(X) \
	X(tool_id) X(server_id) X(python_code) X(timeout_ms) \
	X(approval_status) X(enabled) X(server_status) X(secrets) \
	X(tool_type) X(kind)
#define PARSED_FIELDS(X) \
	X(modules) X(hosts) X(output_schema) X(input_schema)

static json_t *
call_row_def(const struct tool_row *r)
{
	json_t	*d = json_object();

#define DEF_PUT(f)	json_object_set_new(d, #f, r->f != NULL ? \
	json_string(r->f) : json_null());
	DEF_FIELDS(DEF_PUT)
#undef DEF_PUT
	return (d);
}

/*
 * The JSON columns a definition holds (PARSED_FIELDS) are parsed once,
 * when it is loaded, and a cached definition keeps them parsed only
 * ("parsed" member), so a call on the cached path parses none of them.
 * The values are shared, read-only, between the cache and each call's
 * tool object: nothing changes a tool's modules, hosts or schemas once
 * loaded.
 */
static void
call_parsed_set(json_t *t, const json_t *def, const char *key,
    const char *text)
{
	json_t	*v;

	v = json_object_get(json_object_get(def, "parsed"), key);
	if (v != NULL)
		json_object_set(t, key, v);
	else if (text != NULL)
		json_object_set_new(t, key, json_loads(text, 0, NULL));
}

static void
call_parsed_keep(json_t *def, const json_t *t)
{
	json_t	*parsed = json_object();

#define PARSED_KEEP(f)	if (json_object_get(t, #f) != NULL) \
	json_object_set(parsed, #f, json_object_get(t, #f));
	PARSED_FIELDS(PARSED_KEEP)
#undef PARSED_KEEP
	json_object_set_new(def, "parsed", parsed);
}

/* The row from the statement's result, or, for the definition's columns,
 * from `def` (a cached definition) when given. */
static void
call_tool_row_read(const struct db_call *db, const json_t *def,
    struct tool_row *r)
{
	static const char	empty[] = "";

#define TOOL_FIELD(f)	r->f = def != NULL && json_object_get(def, #f) != \
	NULL ? json_string_value(json_object_get(def, #f)) : db_field(db, 0, #f)
	TOOL_FIELD(session_ok);
	TOOL_FIELD(tool_id);
	TOOL_FIELD(server_id);
	TOOL_FIELD(python_code);
	TOOL_FIELD(timeout_ms);
	TOOL_FIELD(approval_status);
	TOOL_FIELD(enabled);
	TOOL_FIELD(server_status);
	TOOL_FIELD(modules);
	TOOL_FIELD(hosts);
	TOOL_FIELD(secrets);
	TOOL_FIELD(tool_type);
	TOOL_FIELD(full_name);
	TOOL_FIELD(approval_mode);
	TOOL_FIELD(log_level);
	TOOL_FIELD(client_capabilities);
	TOOL_FIELD(output_schema);
	TOOL_FIELD(kind);
	TOOL_FIELD(input_schema);
#undef TOOL_FIELD
	/* Text columns never SQL NULL in a found row, but be safe. */
	if (r->session_ok == NULL)
		r->session_ok = empty;
	if (r->enabled == NULL)
		r->enabled = empty;
	if (r->timeout_ms == NULL)
		r->timeout_ms = "0";
}

/*
 * The statement that loads a call of server__tool: the session alone when
 * the worker holds the definition under the current generation, else the
 * whole definition (again, when the session statement found the held one
 * stale). Re-entered until done, like db_call_run.
 */
static enum db_status
call_load_run(struct http_request *req, struct mcp_ex *ex,
    const char *server, const char *tool)
{
	const char	*p[4], *gen;
	json_t		*def;
	enum db_status	 st;

	if (ex->load_step == LOAD_START) {
		def = mcp_tool_cache_get(server, tool, &ex->cached_gen);
		ex->load_step = LOAD_FULL;
		/* A token that does not see the server meets the statement. */
		if (def != NULL && mcp_token_sees(&ex->token, server)) {
			ex->cached_def = json_incref(def);
			ex->load_step = LOAD_SESSION;
		}
	}
	p[0] = ex->session;
	p[1] = server;
	if (ex->load_step == LOAD_SESSION) {
		p[2] = mcp_token_param(&ex->token);
		st = db_call_run(&ex->db, req, SQL_MCP_SESSION_FOR_CALL, 3, p);
		if (st != DB_DONE || db_ntuples(&ex->db) != 1 ||
		    ((gen = db_field(&ex->db, 0, "defs_gen")) != NULL &&
		    atoll(gen) == ex->cached_gen))
			return (st);
		mcp_tool_cache_drop(server, tool);
		json_decref(ex->cached_def);
		ex->cached_def = NULL;
		db_call_clear(&ex->db);
		ex->load_step = LOAD_FULL;
	}
	p[2] = tool;
	p[3] = mcp_token_param(&ex->token);
	return (db_call_run(&ex->db, req, SQL_MCP_TOOL_FOR_CALL, 4, p));
}

enum hx_turn
mcp_call_load(struct http_request *req, struct mcp_ex *ex)
{
	char		server[80], tool[80], full[164], bad[480];
	const char	*p[4], *name, *why;
	enum db_status	st;
	json_t		*t, *secrets, *rows, *fresh;
	struct tool_row	row;
	int		test;
	const char	*gen;
	long long	 gen_value = 0;

	test = ex->mgmt != NULL;
	name = NULL;
	if (test) {
		if (mgmt_arg_uuid(ex, "tool_id", &p[0]) == HX_ANSWERED)
			return (HX_ANSWERED);
		st = db_call_run(&ex->db, req, SQL_MGMT_TOOL_FOR_TEST, 1, p);
	} else {
		name = json_string_value(json_object_get(ex->params, "name"));
		/* A server's endpoint names its tools without the server. */
		if (ex->scope[0] != '\0' && strlen(name) < sizeof(tool)) {
			(void)snprintf(server, sizeof(server), "%s", ex->scope);
			(void)snprintf(tool, sizeof(tool), "%s", name);
			(void)snprintf(full, sizeof(full), "%s__%s", server,
			    tool);
			name = full;
		} else if (ex->scope[0] != '\0' || mcp_split_name(name,
		    server, sizeof(server), tool, sizeof(tool)) == -1) {
			ex->response = mcp_rpc_error(ex->id, RPC_INVALID_PARAMS,
			    "unknown tool");
			return (HX_ANSWERED);
		}
		st = call_load_run(req, ex, server, tool);
	}
	if (st == DB_PENDING)
		return (HX_WAIT);
	if (st == DB_FAILED) {
		ex->response = mcp_rpc_error(ex->id, RPC_INTERNAL_ERROR,
		    "the tool store is unavailable; retry");
		return (HX_ANSWERED);
	}
	call_tool_row_read(&ex->db, ex->cached_def, &row);
	if (row.log_level != NULL && mcp_log_level_rank(row.log_level) >= 0)
		(void)snprintf(ex->log_level, sizeof(ex->log_level), "%s",
		    row.log_level);
	if (row.client_capabilities != NULL && ex->client_caps == NULL)
		ex->client_caps = json_loads(row.client_capabilities, 0, NULL);
	/* The session was checked in the same statement. */
	if ((ex->cached_def != NULL && db_ntuples(&ex->db) != 1) ||
	    (db_ntuples(&ex->db) == 1 && strcmp(row.session_ok, "t") != 0)) {
		ex->session_gone = 1;
		ex->response = mcp_rpc_error(ex->id, RPC_INVALID_REQUEST,
		    "unknown or expired session; initialize again");
		return (HX_ANSWERED);
	}
	/* tools/call reaches tools only, prompts/get prompts only, ... */
	if (db_ntuples(&ex->db) != 1 || row.tool_id == NULL || (!test &&
	    (row.kind == NULL || strcmp(row.kind, call_kind(ex)) != 0))) {
		if (test)
			return (mgmt_fail(ex, "no such tool"));
		ex->response = mcp_rpc_error(ex->id, RPC_INVALID_PARAMS,
		    ex->item == ITEM_TOOL ? "unknown tool" : "unknown item");
		return (HX_ANSWERED);
	}
	if (test && row.full_name != NULL)
		name = row.full_name;

	t = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s}",
	    "tool_id", row.tool_id,
	    "server_id", row.server_id,
	    "code", row.python_code != NULL ? row.python_code : "",
	    "name", name,
	    "approval_status", row.approval_status,
	    "enabled", strcmp(row.enabled, "t") == 0,
	    "server_status", row.server_status,
	    "tool_type", row.tool_type);
	json_object_set_new(t, "is_test", json_boolean(test));
	json_object_set_new(t, "auto_approve", json_boolean(test &&
	    row.approval_mode != NULL &&
	    strcmp(row.approval_mode, "auto_approve") == 0));
	json_object_set_new(t, "timeout_ms", json_integer(atol(row.timeout_ms)));
#define PARSED_SET(f)	call_parsed_set(t, ex->cached_def, #f, row.f);
	PARSED_FIELDS(PARSED_SET)
#undef PARSED_SET
	rows = json_loads(row.secrets, JSON_DECODE_ANY, NULL);
	secrets = secretbox_open_server_secrets(row.server_id, rows);
	json_decref(rows);
	ex->tool = t;
	/* Loaded in full just now: keep it if it can be called. */
	fresh = NULL;
	if (!test && ex->cached_def == NULL && (gen = db_field(&ex->db, 0,
	    "defs_gen")) != NULL) {
		/* Read before the clear: the field lives in the result. */
		gen_value = atoll(gen);
		fresh = call_row_def(&row);
		call_parsed_keep(fresh, t);
	}
	db_call_clear(&ex->db);
	if ((why = call_not_callable(t)) != NULL) {
		json_decref(fresh);
		json_decref(secrets);
		ex->response = call_refusal(ex, why);
		return (HX_ANSWERED);
	}
	if (secrets == NULL) {
		json_decref(fresh);
		ex->response = call_refusal(ex, "a secret of this server cannot "
		    "be decrypted; an admin must set it again");
		return (HX_ANSWERED);
	}
	if (fresh != NULL)
		mcp_tool_cache_put(server, tool, gen_value, fresh);
	json_object_set_new(t, "secrets", secrets);
	if (ex->item == ITEM_TOOL && call_arguments_refused(json_object_get(t,
	    "input_schema"), test ? json_object_get(ex->args, "arguments") :
	    ex->args, strcmp(json_string_value(json_object_get(t,
	    "tool_type")), "mcp_passthrough") == 0, bad,
	    sizeof(bad)) == -1) {
		if (test)
			return (mgmt_fail(ex, bad));
		ex->response = mcp_rpc_error(ex->id, RPC_INVALID_PARAMS, bad);
		return (HX_ANSWERED);
	}
	return (HX_GO_ON);
}
