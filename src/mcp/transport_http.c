/*
 * Streamable HTTP on /mcp (MCP 2025-06-18 / 2025-11-25 transports §2):
 *   POST    one JSON-RPC message; a request gets its response as JSON (or
 *           as one SSE event when the client accepts only event streams),
 *           notifications and responses get 202 with no body;
 *   GET     the server→client event stream of a session;
 *   DELETE  ends the session.
 * initialize issues Mcp-Session-Id; any other message without one gets
 * 400, with an unknown one 404.
 */
#include <string.h>

#include "mcp/mcp.h"
#include "db/sql.h"

struct http_mcp_post {
	struct mcp_ex		ex;
	enum rpc_kind		kind;
	char			scope[MCP_SCOPE_MAX + 1];
	int			gated;
	int			started;
	struct mcp_caller	who;
	char			*last;		/* GET: its Last-Event-ID */
	int			session_ok;
	int			closing;	/* storing the stream's row 0 */
	void			*resume;	/* GET resuming a call */
	struct sse_stream	*stream;
	char			*owner;
	struct db_call		db;
};

static void
http_post_free(void *arg)
{
	struct http_mcp_post	*p = arg;

	mcp_ex_clear(&p->ex);
	mcp_token_clear(&p->who.token);
	db_call_clear(&p->db);
	sse_close(p->stream);
	free(p->owner);
	free(p->last);
	kore_free(p->resume);
	kore_free(p);
}

static int
http_accepts(struct http_request *req, const char *type)
{
	const char	*a;

	if (!http_request_header(req, "accept", &a))
		return (1);
	return (strstr(a, type) != NULL || strstr(a, "*/*") != NULL);
}

/* Mcp-Session-Id: 1 with a well-formed id, else the 400/404 is sent. */
static enum hx_turn
http_session_header(struct http_request *req, const char **out)
{
	if (!http_request_header(req, "mcp-session-id", out))
		return (mcp_http_error(req, 400, RPC_INVALID_REQUEST,
		    "Mcp-Session-Id header is required; call initialize "
		    "first"), HX_ANSWERED);
	if (!mcp_session_valid(*out))
		return (mcp_http_error(req, 404, RPC_INVALID_REQUEST,
		    "unknown session; initialize again"), HX_ANSWERED);
	return (HX_GO_ON);
}

/* The POST's answer becomes an event stream, primed, if not yet one. */
static void
http_open_stream(struct http_request *req, struct http_mcp_post *p)
{
	if (p->stream == NULL) {
		p->stream = sse_open_response(req);
		sse_prime(p->stream);
	}
}

/*
 * Notifications the running call sent: the POST's answer becomes an
 * event stream (when the client takes one) that carries them as they
 * come, then the result. A client that takes only JSON gets the result.
 */
static void
http_stream_notes(struct http_request *req, struct http_mcp_post *p)
{
	json_t	*n;
	size_t	 i;
	char	*text;

	if (json_array_size(p->ex.notes) == 0)
		return;
	if (p->ex.can_stream)
		http_open_stream(req, p);
	json_array_foreach(p->ex.notes, i, n) {
		if (p->stream != NULL &&
		    (text = json_dumps(n, JSON_COMPACT)) != NULL) {
			sse_send_event(p->stream, "message", text);
			free(text);
		}
	}
	json_array_clear(p->ex.notes);
}

/*
 * The tool asked to close its stream: the call goes on without this
 * request (mcp/resume.c) and the client resumes with a GET. The stream's
 * row 0 is stored before the close, so a GET right after finds it. 1 when
 * closed, -1 while storing, 0 to go on streaming (a client that takes no
 * event stream could not resume; a store that failed cannot resume).
 */
static int
http_close_stream(struct http_request *req, struct http_mcp_post *p)
{
	const char	*params[5];
	char		 sent[24];
	enum db_status	 st;

	if (!p->closing) {
		p->ex.close_stream = 0;
		if (!p->ex.can_stream)
			return (0);
		http_open_stream(req, p);
		p->closing = 1;
	}
	params[0] = p->stream->eid;
	params[1] = "0";
	params[2] = p->ex.session;
	/* Row 0 holds how many events the closed stream carried. */
	(void)snprintf(sent, sizeof(sent), "%llu",
	    (unsigned long long)p->stream->seq);
	params[3] = sent;
	params[4] = "f";
	st = db_call_run(&p->db, req, SQL_MCP_STREAM_PUT, 5, params);
	if (st == DB_PENDING)
		return (-1);
	db_call_clear(&p->db);
	p->closing = 0;
	if (st == DB_FAILED)
		return (0);
	mcp_resume_detach(&p->ex, p->stream);
	sse_end(p->stream);
	return (1);
}

static int
http_send_response(struct http_request *req, struct http_mcp_post *p)
{
	struct mcp_ex	*ex = &p->ex;
	char		*text;
	struct kore_buf	b;

	/* The answer is the stream's last event. */
	if (p->stream != NULL) {
		if ((text = json_dumps(ex->response, JSON_COMPACT)) != NULL) {
			sse_send_event(p->stream, "message", text);
			free(text);
		}
		sse_end(p->stream);
		return (KORE_RESULT_OK);
	}
	if (ex->session_gone || ex->unknown_server)
		return (hx_json(req, 404, json_incref(ex->response)));
	if (strcmp(ex->method, "initialize") == 0 &&
	    json_object_get(ex->response, "result") != NULL)
		http_response_header(req, "mcp-session-id", ex->session);
	if (http_accepts(req, "application/json"))
		return (hx_json(req, 200, json_incref(ex->response)));
	/* The client takes only event streams: one event, then close. */
	text = json_dumps(ex->response, JSON_COMPACT);
	kore_buf_init(&b, strlen(text) + 32);
	kore_buf_appendf(&b, "event: message\ndata: %s\n\n", text);
	free(text);
	hx_security_headers(req, 0);
	http_response_header(req, "content-type", "text/event-stream");
	http_response(req, 200, b.data, b.offset);
	kore_buf_cleanup(&b);
	return (KORE_RESULT_OK);
}

static int
http_mcp_post(struct http_request *req, struct http_mcp_post *p)
{
	const char	*session, *pv;
	json_t		*msg;
	enum hx_turn	 turn;
	int		 r;

	if (!p->started) {
		p->started = 1;
		if (!http_accepts(req, "application/json") &&
		    !http_accepts(req, "text/event-stream"))
			return (mcp_http_error(req, 406, RPC_INVALID_REQUEST,
			    "Accept must allow application/json or "
			    "text/event-stream"));
		if (mcp_read_message(req, &msg, &p->kind) == HX_ANSWERED)
			return (KORE_RESULT_OK);
		if (http_request_header(req, "mcp-protocol-version", &pv) &&
		    !mcp_version_known(pv)) {
			json_decref(msg);
			return (mcp_http_error(req, 400, RPC_INVALID_REQUEST,
			    "unsupported MCP-Protocol-Version"));
		}
		session = NULL;
		if (p->kind != RPC_REQUEST || strcmp(json_string_value(
		    json_object_get(msg, "method")), "initialize") != 0) {
			if (http_session_header(req, &session) == HX_ANSWERED) {
				json_decref(msg);
				return (KORE_RESULT_OK);
			}
		}
		if (p->kind != RPC_REQUEST) {
			/* MCP transports: notifications and responses → 202. */
			if (p->kind == RPC_NOTIFICATION &&
			    strcmp(json_string_value(json_object_get(msg,
			    "method")), "notifications/cancelled") == 0)
				mcp_cancel_request(req, session, msg);
			else if (p->kind == RPC_RESPONSE)
				mcp_ask_response(session, msg);
			json_decref(msg);
			hx_security_headers(req, 0);
			http_response(req, 202, NULL, 0);
			return (KORE_RESULT_OK);
		}
		mcp_ex_init(&p->ex, msg, session, p->scope, &p->who, req);
		p->ex.can_stream = http_accepts(req, "text/event-stream");
	}
	/* While row 0 is stored, the call has not been given away yet. */
	turn = p->closing ? HX_WAIT : mcp_ex_run(req, &p->ex);
	http_stream_notes(req, p);
	if (turn != HX_WAIT)
		return (http_send_response(req, p));
	if ((p->closing || p->ex.close_stream) &&
	    (r = http_close_stream(req, p)) != 0)
		return (r == 1 ? KORE_RESULT_OK : KORE_RESULT_RETRY);
	return (KORE_RESULT_RETRY);
}

/*
 * A GET that resumes a closed call's stream (mcp/resume.c): 1 when it
 * does (the stream is open, or an error was sent), 0 when Last-Event-ID
 * names no such stream of this session, and -1 while the lookup runs.
 */
static int
http_resume_call(struct http_request *req, struct http_mcp_post *p)
{
	const char	*params[3];
	char		 stream[17];
	enum db_status	st;

	(void)snprintf(stream, sizeof(stream), "%.16s", p->last);
	params[0] = stream;
	params[1] = p->owner;
	params[2] = p->last + 17;
	st = db_call_run(&p->db, req, SQL_MCP_STREAM_AFTER, 3, params);
	if (st == DB_PENDING)
		return (-1);
	if (st == DB_FAILED)
		return (mcp_http_error(req, 503, RPC_INTERNAL_ERROR,
		    "the session store is unavailable; retry"), 1);
	if (!mcp_resume_known(p->db.res)) {
		db_call_clear(&p->db);
		return (0);
	}
	if ((p->stream = sse_open(req, SSE_RESUMED)) != NULL)
		p->resume = mcp_resume_start(p->stream, p->owner, p->last,
		    p->db.res);
	db_call_clear(&p->db);
	return (1);
}

static int
http_mcp_get(struct http_request *req, struct http_mcp_post *p)
{
	const char	*session, *last, *params[2];
	enum db_status	st;
	int		 r;

	if (!p->started) {
		p->started = 1;
		if (!http_accepts(req, "text/event-stream"))
			return (mcp_http_error(req, 406, RPC_INVALID_REQUEST,
			    "Accept must allow text/event-stream"));
		if (!http_session_header(req, &session))
			return (KORE_RESULT_OK);
		if (http_request_header(req, "last-event-id", &last)) {
			if (!sse_event_id_valid(last))
				return (mcp_http_error(req, 400,
				    RPC_INVALID_REQUEST, "Last-Event-ID is not "
				    "an event id of this server"));
			p->last = strdup(last);
		}
		p->owner = strdup(session);
	}
	if (p->stream == NULL && !p->session_ok) {
		params[0] = p->owner;
		params[1] = mcp_token_param(&p->who.token);
		st = db_call_run(&p->db, req, SQL_MCP_SESSION_GET, 2, params);
		if (st == DB_PENDING)
			return (KORE_RESULT_RETRY);
		if (st == DB_FAILED)
			return (mcp_http_error(req, 503, RPC_INTERNAL_ERROR,
			    "the session store is unavailable; retry"));
		if (db_ntuples(&p->db) != 1)
			return (mcp_http_error(req, 404, RPC_INVALID_REQUEST,
			    "unknown session; initialize again"));
		db_call_clear(&p->db);
		p->session_ok = 1;
	}
	if (p->stream == NULL && p->last != NULL) {
		if ((r = http_resume_call(req, p)) == -1)
			return (KORE_RESULT_RETRY);
		if (r == 1) {
			if (p->stream == NULL)
				return (KORE_RESULT_OK);
			http_request_sleep(req);
			return (KORE_RESULT_RETRY);
		}
	}
	if (p->stream == NULL) {
		if ((p->stream = sse_open(req, SSE_MCP)) == NULL)
			return (KORE_RESULT_OK);
		p->stream->owner = p->owner;
		sse_prime(p->stream);
		/*
		 * What this stream carries is "tools changed": rather than
		 * replay each change a reconnecting client missed, one says
		 * to list again.
		 */
		if (p->last != NULL)
			mcp_send_list_changed(p->stream);
	}
	/* Sleep until the client leaves; pushes don't need us awake. */
	http_request_sleep(req);
	return (KORE_RESULT_RETRY);
}

static int
http_mcp_delete(struct http_request *req, struct http_mcp_post *p)
{
	const char	*session, *params[2];
	enum db_status	st;

	if (!p->started) {
		p->started = 1;
		if (!http_session_header(req, &session))
			return (KORE_RESULT_OK);
		p->owner = strdup(session);
	}
	params[0] = p->owner;
	params[1] = mcp_token_param(&p->who.token);
	st = db_call_run(&p->db, req, SQL_MCP_SESSION_DELETE, 2, params);
	if (st == DB_PENDING)
		return (KORE_RESULT_RETRY);
	/* Stale in every worker of this instance from now on. */
	stats_session_end();
	mcp_session_forget(p->owner);
	if (st == DB_FAILED)
		return (mcp_http_error(req, 503, RPC_INTERNAL_ERROR,
		    "the session store is unavailable; retry"));
	if (db_ntuples(&p->db) != 1)
		return (mcp_http_error(req, 404, RPC_INVALID_REQUEST,
		    "unknown session"));
	return (hx_json(req, 200, json_object()));
}

int
mcp_http(struct http_request *req)
{
	struct http_mcp_post	*p;
	enum hx_turn		 turn;

	hx_begin(req, "mcp");
	p = hx_data(req, sizeof(*p), http_post_free);
	if (!p->gated) {
		if ((turn = mcp_gate(req, &p->who, &p->db)) == HX_WAIT)
			return (KORE_RESULT_RETRY);
		p->gated = 1;
		if (turn == HX_ANSWERED)
			return (KORE_RESULT_OK);
		if (hx_path_server(req->path, "/mcp", p->scope,
		    sizeof(p->scope)) == -1)
			return (mcp_http_error(req, 404, RPC_INVALID_REQUEST,
			    "no such endpoint"));
	}
	switch (req->method) {
	case HTTP_METHOD_POST:
		return (http_mcp_post(req, p));
	case HTTP_METHOD_GET:
		return (http_mcp_get(req, p));
	case HTTP_METHOD_DELETE:
		return (http_mcp_delete(req, p));
	default:
		return (hx_method_not_allowed(req, "GET, POST, DELETE"));
	}
}
