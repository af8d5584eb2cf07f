/*
 * Calls whose stream the server closed, and the streams that resume them
 * (MCP 2025-11-25 "resumability": a client reconnects with a GET that
 * carries the Last-Event-ID it saw).
 *
 * A tool that calls mcp.close_stream() asks for it, so a long wait holds
 * no connection. The call leaves its request (which Kore frees with the
 * connection) for memory of its own, keeps running with its sandbox call
 * bound to a callback, and writes every event it would have streamed to
 * mcp_stream_events with the stream's id and count (row 0: how many the
 * closed stream carried, which are not kept). A GET resuming that
 * stream, on any worker or instance, gets the events after its id and
 * then follows the rest as NOTIFY mcpbox_stream_event announces them; the
 * stream ends after the call's answer. Events go out in count order only:
 * detached inserts may commit out of order, so a gap waits for its row.
 *
 * A client closing the stream itself still cancels the call (the POST's
 * request is freed before any of this): only the server's close detaches.
 */
#include <string.h>

#include "mcp/mcp.h"
#include "db/sql.h"

/* A call that outlives its request. */
struct resume_call {
	struct mcp_ex	ex;
	char		stream[17];
	uint64_t	seq;		/* events written so far */
};

/* What a resuming GET stream has sent, and whether it is fetching. */
struct resume_get {
	char		session[MCP_SESSION_LEN + 1];
	char		stream[17];
	uint64_t	sent;		/* the count of the last event sent */
	uint64_t	ticket;		/* finds the stream again */
	int		fetching;
	int		again;		/* an event came while fetching */
	int		done;
};

static void
resume_put(struct resume_call *rc, json_t *msg, int last)
{
	const char	*p[5];
	char		 seq[24], *text;

	text = json_dumps(msg, JSON_COMPACT);
	(void)snprintf(seq, sizeof(seq), "%llu", (unsigned long long)++rc->seq);
	p[0] = rc->stream;
	p[1] = seq;
	p[2] = rc->ex.session;
	p[3] = text != NULL ? text : "";
	p[4] = last ? "t" : "f";
	db_exec_detached(SQL_MCP_STREAM_PUT, 5, p);
	free(text);
}

/* The call's turn: what it sent goes to the store, then its answer. */
static void
resume_wake(struct sbx_call *c, void *arg)
{
	struct resume_call	*rc = arg;
	json_t			*n;
	size_t			 i;
	int			 done;

	done = mcp_call_poll(&rc->ex);
	json_array_foreach(rc->ex.notes, i, n)
		resume_put(rc, n, 0);
	json_array_clear(rc->ex.notes);
	if (!done)
		return;
	resume_put(rc, rc->ex.response, 1);
	mcp_ex_clear(&rc->ex);
	kore_free(rc);
}

/*
 * Take the call over from its request, whose stream `s` (its id from
 * sse_prime, the count of what went out) is about to close; its row 0 is
 * stored already.
 */
void
mcp_resume_detach(struct mcp_ex *ex, const struct sse_stream *s)
{
	struct resume_call	*rc;

	rc = kore_calloc(1, sizeof(*rc));
	mcp_ex_move(&rc->ex, ex);
	rc->ex.stream_closed = 1;
	(void)snprintf(rc->stream, sizeof(rc->stream), "%s", s->eid);
	rc->seq = s->seq;
	sbx_call_rebind(rc->ex.sbx, resume_wake, rc);
	/* What came meanwhile, or the answer itself. */
	resume_wake(rc->ex.sbx, rc);
}

/* Which GET stream a fetch is for: looked up again when the rows come,
 * since the stream may have gone meanwhile. */
static uint64_t		resume_tickets;

struct resume_find {
	const char		*stream;	/* by stream id, or */
	uint64_t		 ticket;	/* by ticket */
	struct sse_stream	*found;
};

static void	resume_fetch(struct sse_stream *);

/* Rows after what the stream sent, in order, up to the first gap. */
static void
resume_send(struct sse_stream *s, PGresult *res)
{
	struct resume_get	*g = s->owner;
	uint64_t		 seq;
	int			 i;

	g->fetching = 0;
	for (i = 0; res != NULL && i < PQntuples(res) && !g->done; i++) {
		seq = strtoull(PQgetvalue(res, i, 0), NULL, 10);
		/* What the closed stream carried is not kept: a client that
		 * missed some of it resumes after it. */
		if (seq == 0) {
			seq = strtoull(PQgetvalue(res, i, 1), NULL, 10);
			if (g->sent < seq)
				g->sent = seq;
			continue;
		}
		if (seq != g->sent + 1)
			break;
		s->seq = seq - 1;	/* the event keeps its id */
		sse_send_event(s, "message", PQgetvalue(res, i, 1));
		g->sent = seq;
		if (strcmp(PQgetvalue(res, i, 2), "t") == 0)
			g->done = 1;
	}
	if (g->done)
		sse_end(s);
	else if (g->again) {
		g->again = 0;
		resume_fetch(s);
	}
}

static void
resume_find_one(struct sse_stream *s, void *arg)
{
	struct resume_find	*f = arg;
	struct resume_get	*g = s->owner;

	if (f->found == NULL && g != NULL && g->ticket == f->ticket)
		f->found = s;
}

static void
resume_rows(PGresult *res, void *arg)
{
	struct resume_find	f;

	memset(&f, 0, sizeof(f));
	f.ticket = (uint64_t)(uintptr_t)arg;
	sse_foreach(SSE_RESUMED, resume_find_one, &f);
	if (f.found != NULL)
		resume_send(f.found, res);
}

static void
resume_fetch(struct sse_stream *s)
{
	struct resume_get	*g = s->owner;
	const char		*p[3];
	char			 after[24];

	if (g->fetching) {
		g->again = 1;
		return;
	}
	g->fetching = 1;
	(void)snprintf(after, sizeof(after), "%llu",
	    (unsigned long long)g->sent);
	p[0] = g->stream;
	p[1] = g->session;
	p[2] = after;
	db_query_bg(SQL_MCP_STREAM_AFTER, 3, p, resume_rows,
	    (void *)(uintptr_t)g->ticket);
}

/* Does `rows` (SQL_MCP_STREAM_AFTER's answer) begin a closed call's
 * stream, with its row 0? */
int
mcp_resume_known(PGresult *rows)
{
	return (rows != NULL && PQntuples(rows) > 0 &&
	    strcmp(PQgetvalue(rows, 0, 0), "0") == 0);
}

/*
 * The GET stream `s` resumes the closed call's stream that `last` (its
 * Last-Event-ID, checked by sse_event_id_valid) names: `rows` come first,
 * then what the call writes. The answer is the stream's state, which its
 * request frees (kore_free) with the stream.
 */
void *
mcp_resume_start(struct sse_stream *s, const char *session,
    const char *last, PGresult *rows)
{
	struct resume_get	*g;

	g = kore_calloc(1, sizeof(*g));
	(void)snprintf(g->session, sizeof(g->session), "%s", session);
	(void)snprintf(g->stream, sizeof(g->stream), "%.16s", last);
	g->sent = strtoull(last + 17, NULL, 10);
	g->ticket = ++resume_tickets;
	s->owner = g;
	(void)snprintf(s->eid, sizeof(s->eid), "%s", g->stream);
	resume_send(s, rows);
	return (g);
}

static void
resume_on_stream(struct sse_stream *s, void *arg)
{
	struct resume_find	*f = arg;
	struct resume_get	*g = s->owner;

	if (g != NULL && !g->done && strcmp(g->stream, f->stream) == 0)
		resume_fetch(s);
}

/* A closed call wrote an event: the streams resuming it fetch. */
static void
resume_on_event(const char *payload)
{
	json_t			*p;
	struct resume_find	 f;

	if ((p = json_loads(payload, 0, NULL)) == NULL)
		return;
	memset(&f, 0, sizeof(f));
	if ((f.stream = json_string_value(json_object_get(p, "s"))) != NULL)
		sse_foreach(SSE_RESUMED, resume_on_stream, &f);
	json_decref(p);
}

void
mcp_resume_init(void)
{
	events_on(EVENT_STREAM_EVENT, resume_on_event);
}
