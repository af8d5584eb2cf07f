/*
 * Calling an approved user tool: `{server}__{tool}`.
 *
 * Approval, enablement and the server's state are checked in the same
 * query that loads the code, at call time. Secrets are decrypted here, in
 * the worker, and travel only in the execute frame to the sandbox child;
 * whatever comes back is scrubbed of them again before it is logged or
 * returned. A call that times out is never retried: it may have run.
 */
#include <string.h>

#include "mcp/mcp.h"
#include "db/sql.h"

/* A user tool call's own steps (ex->method_step). */
enum call_step {
	CALL_LOAD = 0,	/* the tool, its server and secrets, the session */
	CALL_RUN,	/* in the sandbox */
	CALL_EXT,	/* passthrough: forwarded to the external source */
	CALL_DONE,
};

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
static long
call_timeout_ms(const json_t *t)
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

static void
call_tool_row_read(const struct db_call *db, struct tool_row *r)
{
	static const char	empty[] = "";

#define TOOL_FIELD(f)	r->f = db_field(db, 0, #f)
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

static enum hx_turn
call_load(struct http_request *req, struct mcp_ex *ex)
{
	char		server[80], tool[80], full[164], bad[480];
	const char	*p[4], *name, *why;
	enum db_status	st;
	json_t		*t, *secrets, *rows;
	struct tool_row	row;
	int		test;

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
		p[0] = ex->session;
		p[1] = server;
		p[2] = tool;
		p[3] = mcp_token_param(&ex->token);
		st = db_call_run(&ex->db, req, SQL_MCP_TOOL_FOR_CALL, 4, p);
	}
	if (st == DB_PENDING)
		return (HX_WAIT);
	if (st == DB_FAILED) {
		ex->response = mcp_rpc_error(ex->id, RPC_INTERNAL_ERROR,
		    "the tool store is unavailable; retry");
		return (HX_ANSWERED);
	}
	call_tool_row_read(&ex->db, &row);
	if (row.log_level != NULL && mcp_log_level_rank(row.log_level) >= 0)
		(void)snprintf(ex->log_level, sizeof(ex->log_level), "%s",
		    row.log_level);
	if (row.client_capabilities != NULL && ex->client_caps == NULL)
		ex->client_caps = json_loads(row.client_capabilities, 0, NULL);
	/* The session was checked in the same statement. */
	if (db_ntuples(&ex->db) == 1 && strcmp(row.session_ok, "t") != 0) {
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
	json_object_set_new(t, "modules", json_loads(row.modules, 0, NULL));
	json_object_set_new(t, "hosts", json_loads(row.hosts, 0, NULL));
	if (row.output_schema != NULL)
		json_object_set_new(t, "output_schema",
		    json_loads(row.output_schema, 0, NULL));
	if (row.input_schema != NULL)
		json_object_set_new(t, "input_schema",
		    json_loads(row.input_schema, 0, NULL));
	rows = json_loads(row.secrets, JSON_DECODE_ANY, NULL);
	secrets = secretbox_open_server_secrets(row.server_id, rows);
	json_decref(rows);
	ex->tool = t;
	db_call_clear(&ex->db);
	if ((why = call_not_callable(t)) != NULL) {
		json_decref(secrets);
		ex->response = call_refusal(ex, why);
		return (HX_ANSWERED);
	}
	if (secrets == NULL) {
		ex->response = call_refusal(ex, "a secret of this server cannot "
		    "be decrypted; an admin must set it again");
		return (HX_ANSWERED);
	}
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

static void
call_start(struct http_request *req, struct mcp_ex *ex)
{
	json_t	*t = ex->tool, *msg, *args, *empty;
	long	timeout;

	/* mcpbox_test_code carries the tool's arguments in "arguments". */
	args = ex->mgmt != NULL ? json_object_get(ex->args, "arguments") :
	    ex->args;
	timeout = call_timeout_ms(t);
	msg = json_pack("{s:s, s:O, s:O, s:O, s:O, s:O, s:I, s:I}",
	    "op", SBX_OP_EXECUTE,
	    "code", json_object_get(t, "code"),
	    "args", args != NULL ? args : (empty = json_object()),
	    "secrets", json_object_get(t, "secrets"),
	    "allowed_modules", json_object_get(t, "modules"),
	    "allowed_hosts", json_object_get(t, "hosts"),
	    "timeout_ms", (json_int_t)timeout,
	    "memory_mb", (json_int_t)mcpbox_cfg.sandbox_memory_mb);
	if (args == NULL)
		json_decref(empty);
	if (ex->item_complete)
		json_object_set_new(msg, "entry",
		    json_string(SBX_ENTRY_COMPLETE));
	else if (ex->item == ITEM_RESOURCE)
		json_object_set_new(msg, "entry", json_string(SBX_ENTRY_READ));
	ex->sbx = sbx_call_start(msg, (int)timeout, req, NULL, NULL);
}

/* A computed prompt's or resource's result as prompts/get or
 * resources/read answers it; takes `v` (already redacted). */
static json_t *
call_item_result(struct mcp_ex *ex, json_t *v)
{
	json_t	*shaped;

	if (ex->item_complete) {
		if ((shaped = mcp_completion_of(v)) == NULL)
			return (mcp_rpc_error(ex->id, RPC_INTERNAL_ERROR,
			    "complete() must return a list of strings"));
		return (mcp_rpc_result(ex->id, json_pack("{s:o}",
		    "completion", shaped)));
	}
	if (ex->item == ITEM_PROMPT)
		shaped = mcp_prompt_messages(v);
	else
		shaped = mcp_resource_contents(v, ex->item_uri,
		    json_string_value(json_object_get(ex->item_def,
		    "mime_type")));
	if (shaped == NULL) {
		json_object_set_new(ex->out, "success", json_false());
		json_object_set_new(ex->out, "error", json_string(
		    "the code returned no valid messages or contents"));
		return (mcp_rpc_error(ex->id, RPC_INTERNAL_ERROR, ex->item ==
		    ITEM_PROMPT ? "the prompt's code returned no valid "
		    "messages" : "the resource's code returned no valid "
		    "contents"));
	}
	return (mcp_rpc_result(ex->id, json_pack("{s:o}", ex->item ==
	    ITEM_PROMPT ? "messages" : "contents", shaped)));
}

/* The sandbox's answer as an MCP result plus what goes to the log. */
static void
call_finish(struct mcp_ex *ex)
{
	json_t		*reply, *secrets, *err;
	const char	*type, *msg, *category;
	char		buf[1024], hint[400], *text;

	reply = sbx_call_reply(ex->sbx);
	/* Metrics by outcome, and the error-rate alert (core/alert.c). */
	alert_tool_outcome(alert_outcome_of(reply));
	secrets = json_object_get(ex->tool, "secrets");
	text = NULL;
	if (json_is_true(json_object_get(reply, "ok"))) {
		text = json_dumps(json_object_get(reply, "result"),
		    JSON_COMPACT | JSON_ENCODE_ANY);
		text = mcp_redact_text(text, secrets);
		ex->out = json_pack("{s:b, s:s?, s:s}", "success", 1,
		    "result", text, "error", "");
		if (ex->item != ITEM_TOOL)
			ex->response = call_item_result(ex, text != NULL ?
			    json_loads(text, JSON_DECODE_ANY, NULL) : NULL);
		else
			ex->response = mcp_rpc_result(ex->id,
			    mcp_tool_ok_schema(text != NULL ? json_loads(text,
			    JSON_DECODE_ANY, NULL) : NULL, json_object_get(
			    ex->tool, "output_schema"), ex->out));
	} else {
		err = json_object_get(reply, "error");
		type = json_string_value(json_object_get(err, "type"));
		msg = json_string_value(json_object_get(err, "message"));
		(void)snprintf(buf, sizeof(buf), "%s: %s",
		    type != NULL ? type : SBX_ERR_SANDBOX,
		    msg != NULL ? msg : "the call failed");
		text = mcp_redact_text(strdup(buf), secrets);
		ex->out = json_pack("{s:b, s:s, s:s}", "success", 0, "result",
		    "", "error", text);
		/* A prompt or resource has no error result: an RPC error. */
		category = mcp_error_category(type);
		mcp_error_hint(category, call_timeout_ms(ex->tool),
		    mcpbox_cfg.sandbox_memory_mb, hint, sizeof(hint));
		ex->response = ex->item != ITEM_TOOL ? mcp_rpc_error(ex->id,
		    RPC_INTERNAL_ERROR, text) : mcp_rpc_result(ex->id,
		    mcp_tool_error_hinted(category, text, hint));
	}
	free(text);
	text = mcp_redact_text(strdup(json_string_value(json_object_get(reply,
	    "stdout")) != NULL ? json_string_value(json_object_get(reply,
	    "stdout")) : ""), secrets);
	json_object_set_new(ex->out, "stdout", json_string(text));
	free(text);
}

/*
 * The execution log row and activity entry are written once the answer
 * has gone out (mcp_ex_clear runs when Kore frees the request): the caller
 * never waits for bookkeeping. A failed write is logged by the detached
 * statement.
 */
void
mcp_call_log(struct mcp_ex *ex)
{
	json_t		*red;
	char		*args, dur[24];
	const char	*p[13];

	red = mcp_redact(ex->args, json_object_get(ex->tool, "secrets"));
	args = json_dumps(red, JSON_COMPACT);
	json_decref(red);
	(void)snprintf(dur, sizeof(dur), "%ld",
	    (long)(clock_ms_precise() - ex->t0));
	p[0] = json_string_value(json_object_get(ex->tool, "tool_id"));
	p[1] = json_string_value(json_object_get(ex->tool, "server_id"));
	p[2] = json_string_value(json_object_get(ex->tool, "name"));
	p[3] = args;
	p[4] = json_string_value(json_object_get(ex->out, "result"));
	p[5] = json_string_value(json_object_get(ex->out, "error"));
	p[6] = json_string_value(json_object_get(ex->out, "stdout"));
	p[7] = dur;
	p[8] = json_is_true(json_object_get(ex->out, "success")) ? "t" : "f";
	p[9] = ex->remote ? "remote" : "local";
	p[10] = ex->request_id;
	p[11] = json_is_true(json_object_get(ex->tool, "is_test")) ? "t" : "f";
	p[12] = ex->token.id[0] != '\0' ? ex->token.name : NULL;
	db_execlog_put(p);
	free(args);
}

/*
 * What the running tool sent (log messages, progress) as JSON-RPC
 * notifications for the client, into ex->notes: log messages at the
 * session's level or above, progress only when the call carried a
 * progressToken. Scrubbed of the server's secrets like the answer.
 */
static void
call_notes(struct mcp_ex *ex)
{
	json_t		*notes, *n, *tok, *params, *v;
	const char	*kind, *method, *level;
	size_t		 i;

	notes = sbx_call_take_notes(ex->sbx);
	if (ex->later != NULL) {
		if (notes != NULL)
			json_array_extend(ex->later, notes);
		json_decref(notes);
		notes = ex->later;
		ex->later = NULL;
	}
	if (notes == NULL)
		return;
	tok = json_object_get(json_object_get(ex->params, "_meta"),
	    "progressToken");
	json_array_foreach(notes, i, n) {
		if (strcmp(json_string_value(json_object_get(n, "op")),
		    SBX_OP_ASK) == 0) {
			mcp_ask_forward(ex, n);
			continue;
		}
		kind = json_string_value(json_object_get(n, "kind"));
		level = json_string_value(json_object_get(n, "level"));
		/*
		 * What came after it waits for the stream's close: it goes
		 * to the resumed stream. Unless the call is over already:
		 * then it all goes out on this one, with the answer.
		 */
		if (kind != NULL && strcmp(kind, "close_stream") == 0) {
			if (ex->stream_closed || sbx_call_done(ex->sbx))
				continue;
			ex->close_stream = 1;
			ex->later = json_array();
			while (++i < json_array_size(notes))
				json_array_append(ex->later,
				    json_array_get(notes, i));
			break;
		}
		if (kind != NULL && strcmp(kind, "log") == 0 &&
		    mcp_log_level_rank(level) >= 0 &&
		    mcp_log_level_rank(level) >= mcp_log_level_rank(
		    ex->log_level)) {
			method = "notifications/message";
			v = json_object_get(n, "data");
			params = json_pack("{s:s, s:O}", "level", level, "data",
			    v != NULL ? v : json_null());
			if ((v = json_object_get(n, "logger")) != NULL)
				json_object_set(params, "logger", v);
		} else if (kind != NULL && strcmp(kind, "progress") == 0 &&
		    (json_is_string(tok) || json_is_integer(tok)) &&
		    json_is_number(json_object_get(n, "progress"))) {
			method = "notifications/progress";
			params = json_pack("{s:O}", "progress",
			    json_object_get(n, "progress"));
			if (json_is_number(v = json_object_get(n, "total")))
				json_object_set(params, "total", v);
			if (json_is_string(v = json_object_get(n, "message")))
				json_object_set(params, "message", v);
		} else
			continue;
		/* The client's token is no secret (and its key looks like one). */
		v = mcp_redact(params, json_object_get(ex->tool, "secrets"));
		json_decref(params);
		if (strcmp(method, "notifications/progress") == 0)
			json_object_set(v, "progressToken", tok);
		json_array_append_new(ex->notes, json_pack("{s:s, s:s, s:o}",
		    "jsonrpc", "2.0", "method", method, "params", v));
	}
	json_decref(notes);
}

/*
 * A running call's turn, with or without its request (mcp/resume.c runs
 * calls whose stream was closed): what came is taken, and 1 once the
 * answer is in ex->response.
 */
int
mcp_call_poll(struct mcp_ex *ex)
{
	call_notes(ex);
	if (!sbx_call_done(ex->sbx))
		return (0);
	call_finish(ex);
	ex->log_pending = 1;
	ex->method_step = CALL_DONE;
	return (1);
}

enum hx_turn
mcp_call_user_tool(struct http_request *req, struct mcp_ex *ex)
{
	enum hx_turn	rc;

	switch ((enum call_step)ex->method_step) {
	case CALL_LOAD:
		if ((rc = call_load(req, ex)) != HX_GO_ON)
			return (rc);
		if (strcmp(json_string_value(json_object_get(ex->tool,
		    "tool_type")), "mcp_passthrough") == 0) {
			ex->method_step = CALL_EXT;
			return (mcp_call_user_tool(req, ex));
		}
		call_start(req, ex);
		ex->method_step = CALL_RUN;
		/* FALLTHROUGH */
	case CALL_RUN:
		if (!mcp_call_poll(ex)) {
			http_request_sleep(req);
			return (HX_WAIT);
		}
		return (HX_ANSWERED);
	case CALL_EXT:
		if ((rc = mcp_call_external(req, ex)) != HX_ANSWERED)
			return (rc);
		ex->log_pending = 1;
		ex->method_step = CALL_DONE;
		return (HX_ANSWERED);
	default:
		return (HX_ANSWERED);
	}
}
