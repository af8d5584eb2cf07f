/*
 * The exchange engine: one JSON-RPC request in, one response out, run
 * asynchronously inside the HTTP request that carried it.
 *
 * Every method but initialize first loads the session (a missing session
 * is the transport's 404). Tools are checked at call time, not at list
 * time: an approval revoked a second ago is already in force.
 */
#include <string.h>

#include "mcp/mcp.h"
#include "ext/ext.h"
#include "db/sql.h"

#define TOOLS_PAGE	100

/* initialize's own steps (ex->method_step). */
enum init_step {
	INIT_PICK = 0,		/* pick the version, make the session */
	INIT_STORE,		/* store the session */
};

/* Calls in flight in this worker, for notifications/cancelled. */
static TAILQ_HEAD(, mcp_ex)	inflight = TAILQ_HEAD_INITIALIZER(inflight);

/*
 * The front door (a tunnel's auth layer) vouches for the user with
 * X-MCPbox-User-Email. Shape only: the token already proved the front.
 */
static int
ex_email_header_ok(struct http_request *req)
{
	const char	*e, *at;
	size_t		n;

	if (!http_request_header(req, "x-mcpbox-user-email", &e))
		return (0);
	n = strlen(e);
	at = strchr(e, '@');
	return (n >= 3 && n <= 254 && at != NULL && at != e && at[1] != '\0' &&
	    strchr(at + 1, '@') == NULL && strpbrk(e, " \t\r\n<>\"") == NULL);
}

void
mcp_ex_init(struct mcp_ex *ex, json_t *msg, const char *session,
    const char *scope, const struct mcp_caller *who, struct http_request *req)
{
	struct hx	*x = http_state_get(req);

	memset(ex, 0, sizeof(*ex));
	ex->msg = msg;
	ex->notes = json_array();
	(void)snprintf(ex->log_level, sizeof(ex->log_level), "info");
	ex->id = json_object_get(msg, "id");
	ex->method = json_string_value(json_object_get(msg, "method"));
	ex->params = json_object_get(msg, "params");
	if (!json_is_object(ex->params))
		ex->params = NULL;
	if (session != NULL)
		(void)snprintf(ex->session, sizeof(ex->session), "%s", session);
	if (scope != NULL)
		(void)snprintf(ex->scope, sizeof(ex->scope), "%s", scope);
	(void)snprintf(ex->version, sizeof(ex->version), "%s", "2025-03-26");
	ex->remote = who->remote;
	mcp_token_copy(&ex->token, &who->token);
	/* 2: a front door of src/oauth, or a client token, verified the
	 * user itself. */
	ex->has_email = who->remote == 2 || (who->remote &&
	    ex_email_header_ok(req));
	hx_client_ip(req, ex->ip, sizeof(ex->ip));
	(void)snprintf(ex->request_id, sizeof(ex->request_id), "%s",
	    x->request_id);
	ex->t0 = clock_ms_precise();
}

void
mcp_ex_clear(struct mcp_ex *ex)
{
	if (ex->log_pending) {
		ex->log_pending = 0;
		mcp_call_log(ex);
	}
	if (ex->list.tqe_prev != NULL) {
		TAILQ_REMOVE(&inflight, ex, list);
		ex->list.tqe_prev = NULL;
	}
	db_call_clear(&ex->db);
	sbx_call_free(ex->sbx);
	ex->sbx = NULL;
	ext_job_free(ex->ext);
	ex->ext = NULL;
	json_decref(ex->msg);
	json_decref(ex->args);
	json_decref(ex->tool);
	json_decref(ex->out);
	json_decref(ex->modules);
	json_decref(ex->cached_def);
	json_decref(ex->response);
	json_decref(ex->notes);
	json_decref(ex->client_caps);
	json_decref(ex->later);
	ex->later = NULL;
	json_decref(ex->item_def);
	ex->item_def = NULL;
	mcp_token_clear(&ex->token);
	if (ex->item_uri != NULL)
		kore_free(ex->item_uri);
	ex->item_uri = NULL;
	ex->msg = ex->args = ex->tool = ex->out = ex->response = NULL;
	ex->notes = ex->client_caps = NULL;
}

/*
 * A call this worker runs, so a cancel or the answer to one of its
 * questions finds it (tools, and computed prompts and resources).
 */
void
mcp_ex_track(struct mcp_ex *ex)
{
	if (ex->list.tqe_prev == NULL)
		TAILQ_INSERT_TAIL(&inflight, ex, list);
}

/* notifications/cancelled for a call this worker runs. */
void
mcp_ex_cancel_local(const char *session, json_t *request_id)
{
	struct mcp_ex	*ex;

	TAILQ_FOREACH(ex, &inflight, list) {
		if (strcmp(ex->session, session) == 0 &&
		    json_equal(ex->id, request_id) && ex->sbx != NULL) {
			log_info("cancelling a tool call on request");
			sbx_call_cancel(ex->sbx);
		}
	}
}

/*
 * The exchange moves to memory of its own (a call that outlives its
 * request, mcp/resume.c): the in-flight list follows it, and `src` is
 * left empty, so clearing it is a no-op. Its database call is done.
 */
void
mcp_ex_move(struct mcp_ex *dst, struct mcp_ex *src)
{
	db_call_clear(&src->db);
	if (src->list.tqe_prev != NULL)
		TAILQ_REMOVE(&inflight, src, list);
	memcpy(dst, src, sizeof(*dst));
	memset(src, 0, sizeof(*src));
	if (dst->list.tqe_prev != NULL)
		TAILQ_INSERT_TAIL(&inflight, dst, list);
}

/* A client's response to a question a call on this worker asked. */
int
mcp_ex_answer_local(const char *session, json_t *msg)
{
	struct mcp_ex	*ex;

	TAILQ_FOREACH(ex, &inflight, list) {
		if (mcp_ask_take(ex, session, msg))
			return (1);
	}
	return (0);
}

/* Does a call on this worker wait for the answer to question ask_id? */
int
mcp_ex_asking(const char *session, const char *ask_id)
{
	struct mcp_ex	*ex;

	TAILQ_FOREACH(ex, &inflight, list) {
		if (strcmp(ex->session, session) == 0 &&
		    strcmp(ex->ask_rpc, ask_id) == 0)
			return (1);
	}
	return (0);
}

enum hx_turn
mcp_ex_error(struct mcp_ex *ex, int code, const char *message)
{
	ex->response = mcp_rpc_error(ex->id, code, message);
	return (HX_ANSWERED);
}

enum hx_turn
mcp_ex_result(struct mcp_ex *ex, json_t *result)
{
	ex->response = mcp_rpc_result(ex->id, result);
	return (HX_ANSWERED);
}

/* A server's endpoint names a server there is not: 404, as for a path. */
enum hx_turn
mcp_ex_unknown_server(struct mcp_ex *ex)
{
	char	msg[128];

	ex->unknown_server = 1;
	(void)snprintf(msg, sizeof(msg), "MCPbox has no server named %s",
	    ex->scope);
	return (mcp_ex_error(ex, RPC_INVALID_REQUEST, msg));
}

/* An object the client sent, as text for a jsonb column; NULL if it
 * sent none (the caller stores {}). */
static char *
ex_object_text(json_t *v)
{
	return (json_is_object(v) ? json_dumps(v, JSON_COMPACT) : NULL);
}

static enum hx_turn
ex_initialize(struct http_request *req, struct mcp_ex *ex)
{
	const char	*p[7], *asked;
	json_t		*info, *caps, *res;
	char		*info_text, *caps_text;
	enum db_status	st;

	if (ex->method_step == INIT_PICK) {
		asked = json_string_value(json_object_get(ex->params,
		    "protocolVersion"));
		if (ex->params == NULL || asked == NULL)
			return (mcp_ex_error(ex, RPC_INVALID_PARAMS,
			    "initialize needs params.protocolVersion"));
		(void)snprintf(ex->version, sizeof(ex->version), "%s",
		    mcp_version_pick(asked));
		if (ex->session[0] == '\0')
			mcp_session_new(ex->session);
		ex->method_step = INIT_STORE;
	}
	info = json_object_get(ex->params, "clientInfo");
	caps = json_object_get(ex->params, "capabilities");
	info_text = ex_object_text(info);
	p[0] = ex->session;
	p[1] = ex->version;
	p[2] = info_text != NULL ? info_text : "{}";
	p[3] = ex->remote ? "remote" : "local";
	p[4] = ex->scope[0] != '\0' ? ex->scope : NULL;
	caps_text = ex_object_text(caps);
	p[5] = caps_text != NULL ? caps_text : "{}";
	p[6] = mcp_token_param(&ex->token);
	st = db_call_run(&ex->db, req, SQL_MCP_SESSION_UPSERT, 7, p);
	free(info_text);
	free(caps_text);
	if (st == DB_PENDING)
		return (HX_WAIT);
	if (st == DB_FAILED)
		return (mcp_ex_error(ex, RPC_INTERNAL_ERROR,
		    "the session store is unavailable; retry"));
	if (db_ntuples(&ex->db) != 1)
		return (mcp_ex_unknown_server(ex));
	res = json_pack("{s:s, s:{s:{s:b}, s:{}, s:{s:b, s:b}, s:{s:b}, "
	    "s:{}}, s:{s:s, s:s, s:s}}",
	    "protocolVersion", ex->version,
	    "capabilities", "tools", "listChanged", 1, "logging",
	    "resources", "subscribe", 1, "listChanged", 1,
	    "prompts", "listChanged", 1, "completions",
	    "serverInfo", "name", "mcpbox", "title", "MCPbox", "version",
	    MCPBOX_VERSION);
	if (ex->scope[0] != '\0')
		json_object_set_new(res, "instructions", json_sprintf("The "
		    "approved tools of the MCPbox server %s. Tools are written "
		    "and changed on MCPbox's /mcp endpoint.", ex->scope));
	else
		json_object_set_new(res, "instructions", json_string("MCPbox "
		    "hosts Python tools that an admin reviews before they run. "
		    "To add one: (1) mcpbox_create_server, or take one from "
		    "mcpbox_list_servers. (2) mcpbox_create_tool with "
		    "python_code defining main(...); its description has the "
		    "sandbox's rules (the injected http and secrets objects, "
		    "allowed modules, return values, limits), and "
		    "mcpbox_validate_code checks code without saving it. (3) "
		    "What the code needs is requested, not taken: "
		    "mcpbox_request_module for a module outside "
		    "mcpbox_get_server_modules, mcpbox_request_network_access "
		    "for each host it calls, mcpbox_create_server_secret for "
		    "each credential (a placeholder: the admin enters the "
		    "value in the panel, never through MCP). (4) "
		    "mcpbox_request_publish: an admin reviews the code and "
		    "approves it, and those requests, in the MCPbox panel; "
		    "nothing here can approve (mcpbox_get_tool_status shows "
		    "where it stands). (5) Once approved, mcpbox_start_server "
		    "if the server is stopped: the tool is callable as "
		    "{server}__{tool} (as {tool} at /mcp/{server}), "
		    "mcpbox_test_code runs it once and mcpbox_get_tool_logs "
		    "shows its runs with what it printed. Changing an approved "
		    "tool sends it back to review. Resources and prompts "
		    "(mcpbox_create_resource, mcpbox_create_prompt) take the "
		    "same path."));
	return (mcp_ex_result(ex, res));
}

static int
ex_remote_blocked(const struct mgmt_tool *m, int remote, int editing)
{
	return (remote && (m->flags & (MGMT_LOCAL | MGMT_DESTRUCTIVE)) &&
	    !editing);
}

/*
 * tools/list on a server's endpoint: its approved tools under their own
 * names, one page (a server holds few); no management tools there.
 */
static enum hx_turn
ex_server_tools_list(struct http_request *req, struct mcp_ex *ex)
{
	enum db_status	st;
	const char	*p[2];
	char		msg[192];

	p[0] = ex->scope;
	p[1] = mcp_token_param(&ex->token);
	st = db_call_run(&ex->db, req, SQL_MCP_SERVER_TOOLS_LIST, 2, p);
	if (st == DB_PENDING)
		return (HX_WAIT);
	if (st == DB_FAILED)
		return (mcp_ex_error(ex, RPC_INTERNAL_ERROR,
		    "the tool list is unavailable; retry"));
	if (db_ntuples(&ex->db) != 1)
		return (mcp_ex_unknown_server(ex));
	if (strcmp(db_value(&ex->db, 0, 0), "running") != 0) {
		(void)snprintf(msg, sizeof(msg), "the MCPbox server %s is "
		    "stopped; an admin starts it in the panel", ex->scope);
		return (mcp_ex_error(ex, RPC_INVALID_REQUEST, msg));
	}
	return (mcp_ex_result(ex, json_pack("{s:o}", "tools",
	    json_loads(db_value(&ex->db, 0, 1), 0, NULL))));
}

/* Lists are paged by offset: "o:N" in base64url, opaque to the client. */
json_t *
mcp_list_page(struct mcp_ex *ex, json_t *all, const char *key)
{
	json_t		*page, *res;
	const char	*cursor;
	size_t		 i, off, n, declen;
	uint8_t		*dec;
	char		*next, c[32];

	off = 0;
	cursor = json_string_value(json_object_get(ex->params, "cursor"));
	if (cursor != NULL) {
		if (b64url_decode(cursor, &dec, &declen) == -1)
			return (NULL);
		if (declen < 3 || strncmp((char *)dec, "o:", 2) != 0) {
			free(dec);
			return (NULL);
		}
		off = (size_t)strtoul((char *)dec + 2, NULL, 10);
		free(dec);
	}
	n = json_array_size(all);
	page = json_array();
	for (i = off; i < n && i < off + TOOLS_PAGE; i++)
		json_array_append(page, json_array_get(all, i));
	res = json_pack("{s:o}", key, page);
	if (off + TOOLS_PAGE < n) {
		(void)snprintf(c, sizeof(c), "o:%zu", off + TOOLS_PAGE);
		next = b64url_encode((uint8_t *)c, strlen(c));
		json_object_set_new(res, "nextCursor", json_string(next));
		free(next);
	}
	return (res);
}

static enum hx_turn
ex_tools_list(struct http_request *req, struct mcp_ex *ex)
{
	enum db_status	st;
	json_t		*user, *all, *t, *res;
	size_t		i;
	int		editing;
	const char	*p[1];

	if (ex->scope[0] != '\0')
		return (ex_server_tools_list(req, ex));
	p[0] = mcp_token_param(&ex->token);
	st = db_call_run(&ex->db, req, SQL_MCP_TOOLS_LIST, 1, p);
	if (st == DB_PENDING)
		return (HX_WAIT);
	if (st == DB_FAILED)
		return (mcp_ex_error(ex, RPC_INTERNAL_ERROR,
		    "the tool list is unavailable; retry"));
	user = json_loads(db_value(&ex->db, 0, 0), 0, NULL);
	editing = strcmp(db_value(&ex->db, 0, 1), "enabled") == 0;
	all = json_array();
	for (i = 0; ex->token.scope != TOKEN_CALL && i < mgmt_tools_count;
	    i++) {
		if (ex_remote_blocked(&mgmt_tools[i], ex->remote, editing))
			continue;
		t = json_pack("{s:s, s:s, s:o}", "name", mgmt_tools[i].name,
		    "description", mgmt_tools[i].description, "inputSchema",
		    json_loads(mgmt_tools[i].schema, 0, NULL));
		if (mgmt_tools[i].flags & MGMT_DESTRUCTIVE)
			json_object_set_new(t, "annotations", json_pack(
			    "{s:b}", "destructiveHint", 1));
		json_array_append_new(all, t);
	}
	json_array_extend(all, user);
	json_decref(user);
	res = mcp_list_page(ex, all, "tools");
	json_decref(all);
	if (res == NULL)
		return (mcp_ex_error(ex, RPC_INVALID_PARAMS, "invalid cursor"));
	return (mcp_ex_result(ex, res));
}

static enum hx_turn
ex_set_level(struct http_request *req, struct mcp_ex *ex)
{
	const char	*level, *p[2];
	enum db_status	st;

	level = json_string_value(json_object_get(ex->params, "level"));
	if (mcp_log_level_rank(level) == -1)
		return (mcp_ex_error(ex, RPC_INVALID_PARAMS,
		    "level must be one of debug, info, notice, warning, "
		    "error, critical, alert, emergency"));
	p[0] = ex->session;
	p[1] = level;
	st = db_call_run(&ex->db, req, SQL_MCP_SESSION_LEVEL, 2, p);
	if (st == DB_PENDING)
		return (HX_WAIT);
	if (st == DB_FAILED)
		return (mcp_ex_error(ex, RPC_INTERNAL_ERROR,
		    "the session store is unavailable; retry"));
	return (mcp_ex_result(ex, json_object()));
}

/*
 * A token limited to some servers authors on those only: what a
 * management tool's arguments point at must be one of them. Arguments
 * that point at nothing go on, and the tool says "not found" itself.
 */
static enum hx_turn
ex_mgmt_target(struct http_request *req, struct mcp_ex *ex)
{
	enum db_status	st;
	const char	*p[1], *name;
	char		*args;
	int		seen;

	if (ex->token.servers == NULL)
		return (HX_GO_ON);
	if (strcmp(ex->mgmt->name, "mcpbox_create_server") == 0) {
		name = mgmt_arg_str(ex, "name");
		if (name != NULL && mcp_token_sees(&ex->token, name))
			return (HX_GO_ON);
		return (mgmt_fail(ex, "this client token may create only "
		    "the servers it names"));
	}
	args = json_dumps(ex->args, JSON_COMPACT);
	p[0] = args;
	st = db_call_run(&ex->db, req, SQL_MGMT_TARGET_SERVER, 1, p);
	free(args);
	if (st == DB_PENDING)
		return (HX_WAIT);
	if (st == DB_FAILED)
		return (mgmt_unavailable(ex));
	seen = db_ntuples(&ex->db) != 1 || db_isnull(&ex->db, 0, 0) ||
	    mcp_token_sees(&ex->token, db_value(&ex->db, 0, 0));
	db_call_clear(&ex->db);
	if (!seen)
		return (mgmt_fail(ex, "not found"));
	return (HX_GO_ON);
}

static enum hx_turn
ex_tools_call(struct http_request *req, struct mcp_ex *ex)
{
	const char	*name;
	json_t		*args;
	size_t		i;
	enum hx_turn	turn;

	if (ex->args == NULL) {
		name = json_string_value(json_object_get(ex->params, "name"));
		if (name == NULL)
			return (mcp_ex_error(ex, RPC_INVALID_PARAMS,
			    "tools/call needs params.name"));
		args = json_object_get(ex->params, "arguments");
		if (args != NULL && !json_is_object(args) && !json_is_null(args))
			return (mcp_ex_error(ex, RPC_INVALID_PARAMS,
			    "arguments must be an object"));
		ex->args = json_is_object(args) ? json_incref(args) :
		    json_object();
		/* A server's endpoint has no management tools, and a token
		 * to call with does not know them. */
		for (i = 0; ex->scope[0] == '\0' && ex->token.scope !=
		    TOKEN_CALL && i < mgmt_tools_count; i++) {
			if (strcmp(mgmt_tools[i].name, name) == 0) {
				ex->mgmt = &mgmt_tools[i];
				break;
			}
		}
		/* Editing tools stay local unless the policy says otherwise. */
		if (ex->mgmt != NULL && ex_remote_blocked(ex->mgmt, ex->remote,
		    mcp_policy_remote_editing())) {
			ex->response = mcp_rpc_result(ex->id, mcp_tool_error(
			    MCP_ERR_VALIDATION, "this management tool is available only to local "
			    "callers; an admin can enable remote tool editing "
			    "in the security policy"));
			return (HX_ANSWERED);
		}
		mcp_ex_track(ex);
	}
	if (ex->mgmt != NULL && !ex->target_checked) {
		if ((turn = ex_mgmt_target(req, ex)) != HX_GO_ON)
			return (turn);
		ex->target_checked = 1;
	}
	if (ex->mgmt != NULL)
		return (ex->mgmt->fn(req, ex));
	return (mcp_call_user_tool(req, ex));
}

static int
ex_user_tool_call(struct mcp_ex *ex)
{
	const char	*name;

	if (strcmp(ex->method, "tools/call") != 0 || ex->session[0] == '\0')
		return (0);
	name = json_string_value(json_object_get(ex->params, "name"));
	return (name != NULL && (ex->scope[0] != '\0' ||
	    strncmp(name, "mcpbox_", 7) != 0));
}

/*
 * Drive the exchange. Returns 0 while it waits (the request sleeps), 1
 * when ex->response holds the answer (NULL for notifications).
 */
enum hx_turn
mcp_ex_run(struct http_request *req, struct mcp_ex *ex)
{
	enum db_status	st;
	const char	*p[2];

	if (ex->response != NULL)
		return (HX_ANSWERED);
	if (strcmp(ex->method, "initialize") == 0)
		return (ex_initialize(req, ex));
	/* Remote callers without a verified user may only initialize. */
	if (ex->remote && !ex->has_email)
		return (mcp_ex_error(ex, RPC_INVALID_REQUEST, "remote calls need a "
		    "verified user (X-MCPbox-User-Email from the front door)"));
	if (ex->step == EX_SESSION && ex_user_tool_call(ex)) {
		/* mcp_call_user_tool checks the session with the tool. */
		ex->step = EX_METHOD;
	} else if (ex->step == EX_SESSION && ex->session[0] != '\0' &&
	    ex->session_gen == 0 && mcp_session_cached(ex->session,
	    ex->token.id, ex->version, sizeof(ex->version))) {
		/* Only before our own check started: ex->db is then idle. */
		ex->step = EX_METHOD;
	} else if (ex->step == EX_SESSION && ex->session[0] != '\0') {
		if (ex->session_gen == 0)
			ex->session_gen = stats_sessions_ended() + 1;
		p[0] = ex->session;
		p[1] = mcp_token_param(&ex->token);
		st = db_call_run(&ex->db, req, SQL_MCP_SESSION_GET, 2, p);
		if (st == DB_PENDING)
			return (HX_WAIT);
		if (st == DB_FAILED)
			return (mcp_ex_error(ex, RPC_INTERNAL_ERROR,
			    "the session store is unavailable; retry"));
		if (db_ntuples(&ex->db) != 1) {
			ex->session_gone = 1;
			return (mcp_ex_error(ex, RPC_INVALID_REQUEST,
			    "unknown or expired session; initialize again"));
		}
		(void)snprintf(ex->version, sizeof(ex->version), "%s",
		    db_value(&ex->db, 0, 0));
		mcp_session_remember(ex->session, ex->token.id, ex->version,
		    ex->session_gen - 1);
		db_call_clear(&ex->db);
		ex->step = EX_METHOD;
	} else if (ex->step == EX_SESSION) {
		ex->step = EX_METHOD;
	}
	if (strcmp(ex->method, "ping") == 0)
		return (mcp_ex_result(ex, json_object()));
	if (strcmp(ex->method, "tools/list") == 0)
		return (ex_tools_list(req, ex));
	if (strcmp(ex->method, "tools/call") == 0)
		return (ex_tools_call(req, ex));
	if (strcmp(ex->method, "logging/setLevel") == 0)
		return (ex_set_level(req, ex));
	if (mcp_items_method(ex->method))
		return (mcp_items_run(req, ex));
	return (mcp_ex_error(ex, RPC_METHOD_NOT_FOUND, "method not found"));
}
