/*
 * The legacy HTTP+SSE transport (MCP 2024-11-05): GET /sse opens a stream
 * and names, in an `endpoint` event, where to POST messages; each POST to
 * /messages?session_id=… gets 202 and its response travels on the stream.
 * GET /sse/{server} does the same for one server's endpoint, whose
 * messages go to /messages/{server}.
 *
 * The stream may be held by another worker or another instance, so a
 * response is written directly only when this worker holds it; otherwise
 * it is routed by NOTIFY (mcp/streams.c). Nothing assumes stickiness.
 */
#include <string.h>

#include "mcp/mcp.h"
#include "db/sql.h"

struct legacy {
	struct mcp_ex		ex;
	int			gated;
	int			started;
	struct mcp_caller	who;
	struct sse_stream	*stream;
	char			session[MCP_SESSION_LEN + 1];
	char			scope[MCP_SCOPE_MAX + 1];	/* /sse/{server} */
	struct db_call		db;
};

static void
legacy_free(void *arg)
{
	struct legacy	*l = arg;

	mcp_ex_clear(&l->ex);
	mcp_token_clear(&l->who.token);
	db_call_clear(&l->db);
	sse_close(l->stream);
	kore_free(l);
}

int
mcp_sse_open(struct http_request *req)
{
	struct legacy	*l;
	const char	*p[7];
	enum db_status	st;
	enum hx_turn	turn;
	char		ev[256];

	hx_begin(req, "mcp_sse");
	l = hx_data(req, sizeof(*l), legacy_free);
	if (!l->gated) {
		if ((turn = mcp_gate(req, &l->who, &l->db)) == HX_WAIT)
			return (KORE_RESULT_RETRY);
		l->gated = 1;
		if (turn == HX_ANSWERED)
			return (KORE_RESULT_OK);
		if (req->method != HTTP_METHOD_GET)
			return (hx_method_not_allowed(req, "GET"));
		if (hx_path_server(req->path, "/sse", l->scope,
		    sizeof(l->scope)) == -1)
			return (mcp_http_error(req, 404, RPC_INVALID_REQUEST,
			    "no such endpoint"));
		mcp_session_new(l->session);
	}
	if (l->stream == NULL) {
		p[0] = l->session;
		p[1] = "2024-11-05";
		p[2] = "{}";
		p[3] = l->who.remote ? "remote" : "local";
		p[4] = l->scope[0] != '\0' ? l->scope : NULL;
		p[5] = "{}";	/* initialize, on /messages, says */
		p[6] = mcp_token_param(&l->who.token);
		st = db_call_run(&l->db, req, SQL_MCP_SESSION_UPSERT, 7, p);
		if (st == DB_PENDING)
			return (KORE_RESULT_RETRY);
		if (st == DB_FAILED)
			return (mcp_http_error(req, 503, RPC_INTERNAL_ERROR,
			    "the session store is unavailable; retry"));
		if (db_ntuples(&l->db) != 1)
			return (mcp_http_error(req, 404, RPC_INVALID_REQUEST,
			    "MCPbox has no server by that name"));
		db_call_clear(&l->db);
		if ((l->stream = sse_open(req, SSE_LEGACY)) == NULL)
			return (KORE_RESULT_OK);
		l->stream->owner = l->session;
		(void)snprintf(ev, sizeof(ev), "/messages%s%s?session_id=%s",
		    l->scope[0] != '\0' ? "/" : "", l->scope, l->session);
		sse_send_event(l->stream, "endpoint", ev);
	}
	http_request_sleep(req);
	return (KORE_RESULT_RETRY);
}

/*
 * Notifications the running call sent, while it runs, when this worker
 * holds the session's stream; otherwise they wait for the answer and go
 * with it in one routed message, as separate statements could overtake
 * each other. A question for the client cannot wait, since the answer
 * waits for it: what is there goes at once, in one message, and nothing
 * can overtake it (the tool sends nothing until it is answered).
 */
static void
legacy_deliver_notes(struct legacy *l)
{
	char	*text;
	json_t	*last;

	while (json_array_size(l->ex.notes) > 0) {
		if ((text = json_dumps(json_array_get(l->ex.notes, 0),
		    JSON_COMPACT)) == NULL)
			return;
		if (!mcp_deliver_local(l->session, text)) {
			free(text);
			last = json_array_get(l->ex.notes,
			    json_array_size(l->ex.notes) - 1);
			if (json_object_get(last, "id") == NULL)
				return;
			if ((text = json_dumps(l->ex.notes, JSON_COMPACT)) !=
			    NULL)
				mcp_route_message(l->session, text);
			free(text);
			json_array_clear(l->ex.notes);
			return;
		}
		free(text);
		json_array_remove(l->ex.notes, 0);
	}
}

/* The answer, after what notifications are left, wherever the stream is. */
static void
legacy_deliver(struct legacy *l)
{
	char	*text;

	legacy_deliver_notes(l);
	if (json_array_size(l->ex.notes) == 0) {
		text = json_dumps(l->ex.response, JSON_COMPACT);
		if (text != NULL && !mcp_deliver_local(l->session, text))
			mcp_route_message(l->session, text);
		free(text);
		return;
	}
	json_array_append(l->ex.notes, l->ex.response);
	if ((text = json_dumps(l->ex.notes, JSON_COMPACT)) != NULL)
		mcp_route_message(l->session, text);
	free(text);
}

int
mcp_sse_message(struct http_request *req)
{
	struct legacy	*l;
	json_t		*msg;
	enum rpc_kind		kind;
	enum hx_turn		turn;

	hx_begin(req, "mcp_messages");
	l = hx_data(req, sizeof(*l), legacy_free);
	if (!l->gated) {
		if ((turn = mcp_gate(req, &l->who, &l->db)) == HX_WAIT)
			return (KORE_RESULT_RETRY);
		l->gated = 1;
		if (turn == HX_ANSWERED)
			return (KORE_RESULT_OK);
		if (req->method != HTTP_METHOD_POST)
			return (hx_method_not_allowed(req, "POST"));
		if (hx_path_server(req->path, "/messages", l->scope,
		    sizeof(l->scope)) == -1)
			return (mcp_http_error(req, 404, RPC_INVALID_REQUEST,
			    "no such endpoint"));
		if (!hx_query(req, "session_id", l->session,
		    sizeof(l->session)) || !mcp_session_valid(l->session))
			return (mcp_http_error(req, 404, RPC_INVALID_REQUEST,
			    "unknown session; open /sse first"));
		if (mcp_read_message(req, &msg, &kind) == HX_ANSWERED)
			return (KORE_RESULT_OK);
		if (kind != RPC_REQUEST) {
			if (kind == RPC_NOTIFICATION &&
			    strcmp(json_string_value(json_object_get(msg,
			    "method")), "notifications/cancelled") == 0)
				mcp_cancel_request(req, l->session, msg);
			else if (kind == RPC_RESPONSE)
				mcp_ask_response(l->session, msg);
			json_decref(msg);
			hx_security_headers(req, 0);
			http_response(req, 202, NULL, 0);
			return (KORE_RESULT_OK);
		}
		mcp_ex_init(&l->ex, msg, l->session, l->scope, &l->who, req);
		l->ex.can_stream = 1;
		/* The session exists already: initialize must not make one. */
		l->started = 1;
	}
	if (mcp_ex_run(req, &l->ex) == HX_WAIT) {
		legacy_deliver_notes(l);
		return (KORE_RESULT_RETRY);
	}
	if (l->ex.session_gone)
		return (mcp_http_error(req, 404, RPC_INVALID_REQUEST,
		    "unknown session; open /sse first"));
	if (l->ex.unknown_server)
		return (hx_json(req, 404, json_incref(l->ex.response)));
	legacy_deliver(l);
	hx_security_headers(req, 0);
	http_response_header(req, "content-type", "text/plain; charset=utf-8");
	http_response(req, 202, "Accepted", 8);
	return (KORE_RESULT_OK);
}
