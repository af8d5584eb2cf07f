/*
 * External MCP sources, worker side: discovery and import as mcpbox_*
 * tools, calls to passthrough tools, and the helper that turns a source's
 * row into what the client (extclient.c) needs. The REST routes
 * (api/external.c) use the same helper and statements.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/core.h"
#include "mcp/mcp.h"
#include "mcp/extclient.h"
#include "db/sql.h"

#define EXT_DISCOVER_TIMEOUT_MS	30000

/* A header name we are willing to send: an RFC 9110 token. */
static int
header_name_ok(const char *h)
{
	size_t	i;

	if (h == NULL || *h == '\0' || strlen(h) > 64)
		return (0);
	for (i = 0; h[i] != '\0'; i++) {
		if (!((h[i] >= 'A' && h[i] <= 'Z') || (h[i] >= 'a' &&
		    h[i] <= 'z') || (h[i] >= '0' && h[i] <= '9') ||
		    strchr("!#$%&'*+-.^_`|~", h[i]) != NULL))
			return (0);
	}
	return (strcasecmp(h, "host") != 0 && strcasecmp(h,
	    "content-length") != 0 && strcasecmp(h, "mcp-session-id") != 0);
}

/*
 * An OAuth source: the access token as a bearer, and what the thread
 * needs to refresh it (the refresh token, endpoint, client, resource).
 */
static json_t *
oauth_source(struct db_call *db, const char *source_id, json_t *src,
    const char **why)
{
	json_t		*col, *tok;
	const char	*at;

	col = json_loads(db_value(db, 0, 9), 0, NULL);
	if (json_object_get(col, "ct") == NULL ||
	    json_is_null(json_object_get(col, "ct"))) {
		json_decref(col);
		json_decref(src);
		*why = "the source uses OAuth and is not authorized yet; an "
		    "admin must authorize it in the MCPbox panel (the server's "
		    "External tab, Authorize)";
		return (NULL);
	}
	if ((tok = ext_tokens_open(source_id, col)) == NULL) {
		json_decref(col);
		json_decref(src);
		*why = "the source's OAuth tokens cannot be decrypted; an "
		    "admin must authorize it again in the MCPbox panel";
		return (NULL);
	}
	at = json_string_value(json_object_get(tok, "access_token"));
	json_object_set_new(src, "auth_header", json_string("Authorization"));
	json_object_set_new(src, "auth_value", json_sprintf("Bearer %s", at));
	/* A copy of the refresh token: tok is scrubbed below. */
	json_object_set_new(src, "oauth", json_pack("{s:s*, s:O, s:O, s:O, "
	    "s:O}", "refresh_token", json_string_value(json_object_get(tok,
	    "refresh_token")),
	    "token_endpoint", json_object_get(col, "token_endpoint"),
	    "client_id", json_object_get(col, "client_id"), "resource",
	    json_object_get(col, "resource"), "expires_at",
	    json_object_get(col, "expires_at")));
	ext_json_scrub(tok);
	json_decref(tok);
	json_decref(col);
	return (src);
}

/*
 * Why MCPbox may not contact the source of a SQL_EXT_SOURCE_LOAD (or
 * _FOR_TOOL) row, or NULL when it may: an admin approved the source as it
 * is now (URL, transport, auth and the secret it sends). Every contact --
 * discovery, OAuth discovery, passthrough calls -- asks this first, so a
 * secret never travels to a URL no admin saw.
 */
const char *
mcp_ext_source_unapproved(struct db_call *db)
{
	const char	*st = db_value(db, 0, 10);

	if (strcmp(st, "approved") == 0)
		return (NULL);
	if (strcmp(st, "rejected") == 0)
		return ("an admin rejected this external source; MCPbox does "
		    "not connect to it");
	return ("this external source waits for an admin's review (MCPbox "
	    "panel, Approvals, Sources); MCPbox connects to it only once it "
	    "is approved");
}

/*
 * The client's source description from a SQL_EXT_SOURCE_LOAD (or
 * _FOR_TOOL) row; the auth secret is decrypted here, in the worker, with
 * the same code user tool calls use. NULL with *why on failure.
 */
json_t *
mcp_ext_source(struct db_call *db, const char *source_id, const char **why)
{
	json_t		*src, *rows, *open;
	const char	*auth, *name, *value, *secret;

	if ((*why = mcp_ext_source_unapproved(db)) != NULL)
		return (NULL);
	auth = db_value(db, 0, 2);
	src = json_pack("{s:s, s:s, s:s, s:o}", "id", source_id,
	    "url", db_value(db, 0, 0), "transport", db_value(db, 0, 1),
	    "approved", json_loads(db_value(db, 0, 6), 0, NULL));
	if (strcmp(auth, "none") == 0)
		return (src);
	if (strcmp(auth, "oauth") == 0)
		return (oauth_source(db, source_id, src, why));
	secret = db_value(db, 0, 7);
	rows = json_loads(db_value(db, 0, 4), 0, NULL);
	open = mcp_secrets_open(db_value(db, 0, 5), rows);
	json_decref(rows);
	value = json_string_value(json_object_get(open, secret));
	if (open == NULL || value == NULL || *value == '\0') {
		json_decref(open);
		json_decref(src);
		*why = open == NULL ? "the source's auth secret cannot be "
		    "decrypted; an admin must set it again" : "the source's "
		    "auth secret is not set; an admin must enter its value in "
		    "the MCPbox panel (server secrets)";
		return (NULL);
	}
	if (strcmp(auth, "bearer") == 0) {
		name = "Authorization";
		json_object_set_new(src, "auth_value",
		    json_sprintf("Bearer %s", value));
	} else {
		name = db_isnull(db, 0, 3) ? NULL : db_value(db, 0, 3);
		if (!header_name_ok(name)) {
			json_decref(open);
			json_decref(src);
			*why = "the source's auth header name is not a valid "
			    "HTTP header name";
			return (NULL);
		}
		json_object_set_new(src, "auth_value", json_string(value));
	}
	if (strpbrk(value, "\r\n") != NULL) {
		json_decref(open);
		json_decref(src);
		*why = "the source's auth secret contains a line break";
		return (NULL);
	}
	json_object_set_new(src, "auth_header", json_string(name));
	json_decref(open);
	return (src);
}

/* Load a source, start discovery; 0 pending, 1 answered, -1 started. */
static int
discover_start(struct http_request *req, struct mcp_ex *ex, const char *id)
{
	enum db_status	st;
	const char	*p[1], *why;
	json_t		*src;

	p[0] = id;
	st = db_call_run(&ex->db, req, SQL_EXT_SOURCE_LOAD, 1, p);
	if (st == DB_PENDING)
		return (0);
	if (st == DB_FAILED)
		return (mgmt_fail(ex, "the database is unavailable; retry "
		    "shortly"));
	if (db_ntuples(&ex->db) != 1)
		return (mgmt_fail(ex, "no such external source"));
	src = mcp_ext_source(&ex->db, id, &why);
	db_call_clear(&ex->db);
	if (src == NULL)
		return (mgmt_fail(ex, why));
	ex->ext = ext_job_start(req, EXT_LIST, src, NULL, NULL,
	    EXT_DISCOVER_TIMEOUT_MS);
	return (-1);
}

int
mgmt_discover_external_tools(struct http_request *req, struct mcp_ex *ex)
{
	const char	*p[4];
	json_t		*tools;
	char		*text;
	int		 rc;

	if (mgmt_arg_uuid(ex, "source_id", &p[0]) == -1)
		return (1);
	switch (ex->xstep) {
	case 3:
		if (db_call_run(&ex->db, req, SQL_EXT_MARK_ERROR, 1, p) ==
		    DB_PENDING)
			return (0);
		return (mgmt_fail(ex, ext_job_error(ex->ext)));
	case 0:
		if ((rc = discover_start(req, ex, p[0])) >= 0)
			return (rc);
		ex->xstep = 1;
		/* FALLTHROUGH */
	case 1:
		if (!ext_job_done(ex->ext)) {
			http_request_sleep(req);
			return (0);
		}
		if ((tools = ext_job_result(ex->ext)) == NULL) {
			/* The source's status is updated before we answer. */
			ex->xstep = 3;
			return (mgmt_discover_external_tools(req, ex));
		}
		text = json_dumps(tools, JSON_COMPACT);
		ex->out = json_string(text != NULL ? text : "[]");
		free(text);
		ex->xstep = 2;
		/* FALLTHROUGH */
	default:
		p[1] = json_string_value(ex->out);
		p[2] = "llm";
		p[3] = ex->request_id;
		return (mgmt_sql(req, ex, SQL_EXT_DISCOVER_SAVE_RESPOND, 4, p));
	}
}

int
mgmt_import_external_tools(struct http_request *req, struct mcp_ex *ex)
{
	const char	*p[4];
	json_t		*names, *n;
	size_t		 i;
	char		*text;
	int		 rc;

	if (mgmt_arg_uuid(ex, "source_id", &p[0]) == -1)
		return (1);
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
call_arguments(struct mcp_ex *ex)
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
arguments_refused(struct mcp_ex *ex, const char *schema_text, char *buf,
    size_t len)
{
	json_t	*schema, *args, *empty;
	char	 why[400];
	int	 rc;

	schema = json_loads(schema_text, 0, NULL);
	empty = json_object();
	args = call_arguments(ex) != NULL ? call_arguments(ex) : empty;
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
int
mcp_call_external(struct http_request *req, struct mcp_ex *ex)
{
	enum db_status	 st;
	const char	*p[1], *why, *name;
	json_t		*src, *args;
	long		 timeout;
	char		*t, bad[512];

	switch (ex->xstep) {
	case 0:
		p[0] = json_string_value(json_object_get(ex->tool, "tool_id"));
		st = db_call_run(&ex->db, req, SQL_EXT_SOURCE_FOR_TOOL, 1, p);
		if (st == DB_PENDING)
			return (0);
		why = NULL;
		src = NULL;
		if (st == DB_FAILED)
			why = "the tool store is unavailable; retry";
		else if (db_ntuples(&ex->db) != 1)
			why = "this tool's external source was deleted";
		else if (strcmp(db_value(&ex->db, 0, 13), "disabled") == 0)
			why = "this tool's external source is disabled";
		else if ((why = arguments_refused(ex, db_value(&ex->db, 0,
		    14), bad, sizeof(bad))) == NULL)
			src = mcp_ext_source(&ex->db, db_value(&ex->db, 0, 11),
			    &why);
		if (src == NULL) {
			db_call_clear(&ex->db);
			ex->out = json_pack("{s:b, s:s, s:s, s:s}", "success",
			    0, "result", "", "error", why, "stdout", "");
			ex->response = mcp_rpc_result(ex->id,
			    mcp_tool_error(why));
			return (1);
		}
		name = db_value(&ex->db, 0, 12);
		args = call_arguments(ex);
		timeout = (long)json_integer_value(json_object_get(ex->tool,
		    "timeout_ms"));
		if (timeout <= 0 || timeout > 300000)
			timeout = 30000;
		ex->ext = ext_job_start(req, EXT_CALL, src, name, args,
		    (int)timeout);
		db_call_clear(&ex->db);
		ex->xstep = 1;
		/* FALLTHROUGH */
	default:
		if (!ext_job_done(ex->ext)) {
			http_request_sleep(req);
			return (0);
		}
		if (ext_job_result(ex->ext) != NULL) {
			ext_result(ex, ext_job_result(ex->ext));
			return (1);
		}
		/* Source messages may echo what we sent: scrub our secrets. */
		t = mcp_redact_text(strdup(ext_job_error(ex->ext)),
		    json_object_get(ex->tool, "secrets"));
		ex->out = json_pack("{s:b, s:s, s:s, s:s}", "success", 0,
		    "result", "", "error", t, "stdout", "");
		ex->response = mcp_rpc_result(ex->id, mcp_tool_error(t));
		free(t);
		return (1);
	}
}
