/*
 * External MCP sources, worker side: discovery and import as mcpbox_*
 * tools and calls to passthrough tools. A source's row becomes what the
 * client needs in ext/source.c, which the REST routes (api/external.c)
 * use too.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/core.h"
#include "mcp/mcp.h"
#include "ext/ext.h"
#include "db/sql.h"


/* mcpbox_discover_external_tools's own steps (ex->method_step). */
enum discover_step {
	DISCOVER_START = 0,	/* load the source, start the job */
	DISCOVER_WAIT,		/* the job talks to the source */
	DISCOVER_SAVE,		/* cache what it found, answer */
	DISCOVER_MARK_ERROR,	/* record the failure, answer */
};

/* A forwarded call's own steps (ex->ext_step, inside CALL_EXT). */
enum forward_step {
	FORWARD_START = 0,	/* load the source, check the arguments */
	FORWARD_WAIT,		/* the job calls the upstream tool */
};

/* Load a source and start discovery; HX_GO_ON once started. */
static enum hx_turn
ext_discover_start(struct http_request *req, struct mcp_ex *ex, const char *id)
{
	enum db_status	st;
	const char	*p[1], *why;
	json_t		*src;

	p[0] = id;
	st = db_call_run(&ex->db, req, SQL_EXT_SOURCE_LOAD, 1, p);
	if (st == DB_PENDING)
		return (HX_WAIT);
	if (st == DB_FAILED)
		return (mgmt_unavailable(ex));
	if (db_ntuples(&ex->db) != 1)
		return (mgmt_fail(ex, "no such external source"));
	src = ext_source_open(&ex->db, id, &why);
	db_call_clear(&ex->db);
	if (src == NULL)
		return (mgmt_fail(ex, why));
	ex->ext = ext_job_start(req, EXT_LIST, src, NULL, NULL,
	    EXT_DISCOVER_TIMEOUT_MS);
	return (HX_GO_ON);
}

enum hx_turn
mgmt_discover_external_tools(struct http_request *req, struct mcp_ex *ex)
{
	const char	*p[4];
	json_t		*tools;
	char		*text;
	enum hx_turn	 rc;

	if (mgmt_arg_uuid(ex, "source_id", &p[0]) == HX_ANSWERED)
		return (HX_ANSWERED);
	switch ((enum discover_step)ex->method_step) {
	case DISCOVER_MARK_ERROR:
		if (db_call_run(&ex->db, req, SQL_EXT_MARK_ERROR, 1, p) ==
		    DB_PENDING)
			return (HX_WAIT);
		return (mgmt_fail(ex, ext_job_error(ex->ext)));
	case DISCOVER_START:
		if ((rc = ext_discover_start(req, ex, p[0])) != HX_GO_ON)
			return (rc);
		ex->method_step = DISCOVER_WAIT;
		/* FALLTHROUGH */
	case DISCOVER_WAIT:
		if (!ext_job_done(ex->ext)) {
			http_request_sleep(req);
			return (HX_WAIT);
		}
		if ((tools = ext_job_result(ex->ext)) == NULL) {
			/* The source's status is updated before we answer. */
			ex->method_step = DISCOVER_MARK_ERROR;
			return (mgmt_discover_external_tools(req, ex));
		}
		text = json_dumps(tools, JSON_COMPACT);
		ex->out = json_string(text != NULL ? text : "[]");
		free(text);
		ex->method_step = DISCOVER_SAVE;
		/* FALLTHROUGH */
	case DISCOVER_SAVE:
	default:
		p[1] = json_string_value(ex->out);
		p[2] = "llm";
		p[3] = ex->request_id;
		return (mgmt_sql(req, ex, SQL_EXT_DISCOVER_SAVE_RESPOND, 4, p));
	}
}

enum hx_turn
mgmt_import_external_tools(struct http_request *req, struct mcp_ex *ex)
{
	const char	*p[4];
	json_t		*names, *n;
	size_t		 i;
	char		*text;
	enum hx_turn	 rc;

	if (mgmt_arg_uuid(ex, "source_id", &p[0]) == HX_ANSWERED)
		return (HX_ANSWERED);
	names = json_object_get(ex->args, "tool_names");
	if (!json_is_array(names) || json_array_size(names) == 0 ||
	    json_array_size(names) > 100)
		return (mgmt_fail(ex, "tool_names must be a list of 1 to 100 "
		    "discovered tool names"));
	json_array_foreach(names, i, n) {
		if (!json_is_string(n) || json_string_length(n) > 128)
			return (mgmt_fail(ex, "tool_names must be strings"));
	}
	/* Parameters are sent on the first call only; later calls poll. */
	text = json_dumps(names, JSON_COMPACT);
	p[1] = text;
	p[2] = "llm";
	p[3] = ex->request_id;
	rc = mgmt_sql(req, ex, SQL_EXT_IMPORT_RESPOND, 4, p);
	free(text);
	return (rc);
}

/* Map the source's CallToolResult onto ours, scrubbed of our secrets. */
static void
ext_result(struct mcp_ex *ex, json_t *r)
{
	json_t		*secrets, *out, *content, *c, *sc, *red;
	size_t		 i;
	char		*text;
	int		 is_error;

	secrets = json_object_get(ex->tool, "secrets");
	content = json_array();
	json_array_foreach(json_object_get(r, "content"), i, c) {
		if (json_is_object(c) && json_is_string(json_object_get(c,
		    "type")))
			json_array_append_new(content, mcp_redact(c, secrets));
	}
	is_error = json_is_true(json_object_get(r, "isError"));
	out = json_pack("{s:o, s:b}", "content", content, "isError",
	    is_error);
	sc = json_object_get(r, "structuredContent");
	if (json_is_object(sc))
		json_object_set_new(out, "structuredContent",
		    mcp_redact(sc, secrets));
	/* The source's error is its code's: ours say so like our own. */
	if (is_error)
		json_object_set_new(out, "_meta", json_pack("{s:{s:s}}",
		    MCP_ERR_META, "category", MCP_ERR_TOOL));
	red = json_object_get(out, "structuredContent") != NULL ?
	    json_object_get(out, "structuredContent") : content;
	text = json_dumps(red, JSON_COMPACT);
	ex->out = json_pack("{s:b, s:s, s:s, s:s}", "success", !is_error,
	    "result", is_error ? "" : (text ? text : ""), "error",
	    is_error ? (text ? text : "") : "", "stdout", "");
	free(text);
	ex->response = mcp_rpc_result(ex->id, out);
}

/* The arguments a call forwards: the caller's, or mcpbox_test_code's. */
static json_t *
ext_call_arguments(struct mcp_ex *ex)
{
	return (ex->mgmt != NULL ? json_object_get(ex->args, "arguments") :
	    ex->args);
}

/*
 * NULL when the call's arguments fit the input schema the admin approved
 * (the tool's, pinned from the source at import); else why, in buf.
 * Nothing the reviewer did not see is sent to the source.
 */
static const char *
ext_arguments_refused(struct mcp_ex *ex, const char *schema_text, char *buf,
    size_t len)
{
	json_t	*schema, *args, *empty;
	char	 why[400];
	int	 rc;

	schema = json_loads(schema_text, 0, NULL);
	empty = json_object();
	args = ext_call_arguments(ex) != NULL ? ext_call_arguments(ex) : empty;
	rc = schema != NULL ? json_schema_check(schema, args, why,
	    sizeof(why)) : -1;
	if (schema == NULL)
		(void)snprintf(why, sizeof(why), "the approved schema is "
		    "unreadable");
	json_decref(schema);
	json_decref(empty);
	if (rc == 0)
		return (NULL);
	(void)snprintf(buf, len, "the arguments do not match the input schema "
	    "an admin approved for this tool: %s", why);
	return (buf);
}

/*
 * A call to an approved passthrough tool (call.c has loaded and checked
 * the tool, and decrypted the server's secrets for redaction): forward
 * the arguments to the source, map the answer back. 1 when answered.
 */
enum hx_turn
mcp_call_external(struct http_request *req, struct mcp_ex *ex)
{
	enum db_status	 st;
	const char	*p[1], *why, *name;
	json_t		*src, *args;
	long		 timeout;
	char		*t, bad[512];

	switch ((enum forward_step)ex->ext_step) {
	case FORWARD_START:
		p[0] = json_string_value(json_object_get(ex->tool, "tool_id"));
		st = db_call_run(&ex->db, req, SQL_EXT_SOURCE_FOR_TOOL, 1, p);
		if (st == DB_PENDING)
			return (HX_WAIT);
		why = NULL;
		src = NULL;
		if (st == DB_FAILED)
			why = "the tool store is unavailable; retry";
		else if (db_ntuples(&ex->db) != 1)
			why = "this tool's external source was deleted";
		else if (strcmp(db_value(&ex->db, 0, 13), "disabled") == 0)
			why = "this tool's external source is disabled";
		else if ((why = ext_arguments_refused(ex, db_value(&ex->db, 0,
		    14), bad, sizeof(bad))) == NULL)
			src = ext_source_open(&ex->db, db_value(&ex->db, 0, 11),
			    &why);
		if (src == NULL) {
			db_call_clear(&ex->db);
			ex->out = json_pack("{s:b, s:s, s:s, s:s}", "success",
			    0, "result", "", "error", why, "stdout", "");
			ex->response = mcp_rpc_result(ex->id,
			    mcp_tool_error(MCP_ERR_VALIDATION, why));
			return (HX_ANSWERED);
		}
		name = db_value(&ex->db, 0, 12);
		args = ext_call_arguments(ex);
		timeout = (long)json_integer_value(json_object_get(ex->tool,
		    "timeout_ms"));
		if (timeout <= 0 || timeout > SBX_TIMEOUT_MAX_MS)
			timeout = 30000;
		ex->ext = ext_job_start(req, EXT_CALL, src, name, args,
		    (int)timeout);
		db_call_clear(&ex->db);
		ex->ext_step = FORWARD_WAIT;
		/* FALLTHROUGH */
	case FORWARD_WAIT:
	default:
		if (!ext_job_done(ex->ext)) {
			http_request_sleep(req);
			return (HX_WAIT);
		}
		if (ext_job_result(ex->ext) != NULL) {
			ext_result(ex, ext_job_result(ex->ext));
			return (HX_ANSWERED);
		}
		/* Source messages may echo what we sent: scrub our secrets. */
		t = mcp_redact_text(strdup(ext_job_error(ex->ext)),
		    json_object_get(ex->tool, "secrets"));
		ex->out = json_pack("{s:b, s:s, s:s, s:s}", "success", 0,
		    "result", "", "error", t, "stdout", "");
		ex->response = mcp_rpc_result(ex->id, mcp_tool_error(
		    MCP_ERR_NETWORK, t));
		free(t);
		return (HX_ANSWERED);
	}
}
