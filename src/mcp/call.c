/*
 * Calling an approved user tool: `{server}__{tool}`, loaded by
 * call_load.c. Secrets are decrypted in the worker, and travel only in
 * the execute frame to the sandbox child; whatever comes back is scrubbed of them again before it is logged or
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

static void
call_start(struct http_request *req, struct mcp_ex *ex)
{
	json_t	*t = ex->tool, *msg, *args, *empty;
	long	timeout;

	/* mcpbox_test_code carries the tool's arguments in "arguments". */
	args = ex->mgmt != NULL ? json_object_get(ex->args, "arguments") :
	    ex->args;
	timeout = mcp_call_timeout_ms(t);
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
	json_t		*reply, *secrets, *err, *value;
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
		/* The result as redacted: parsed again from the text only when
		 * there was a secret to take out of it. */
		if (json_object_size(secrets) == 0)
			value = json_incref(json_object_get(reply, "result"));
		else {
			text = mcp_redact_text(text, secrets);
			value = text != NULL ? json_loads(text,
			    JSON_DECODE_ANY, NULL) : NULL;
		}
		ex->out = json_pack("{s:b, s:s?, s:s}", "success", 1,
		    "result", text, "error", "");
		if (ex->item != ITEM_TOOL)
			ex->response = call_item_result(ex, value);
		else
			ex->response = mcp_rpc_result(ex->id,
			    mcp_tool_ok_schema(value, json_object_get(
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
		mcp_error_hint(category, mcp_call_timeout_ms(ex->tool),
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
		if ((rc = mcp_call_load(req, ex)) != HX_GO_ON)
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
