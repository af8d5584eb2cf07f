/*
 * Server-Sent Event streams for every feature that pushes: the MCP GET
 * stream, the legacy /sse transport and the activity feed.
 *
 * Kore 4.1 has no streaming response, so a stream is a chunked response
 * whose request sleeps forever while we queue chunks on its connection
 * Each stream holds one slot of the instance-wide cap,
 * gets a keep-alive comment every 15 s so proxies keep it open, and is
 * unlinked when Kore frees the request (client gone or shutdown).
 *
 * Kore detaches a request from its connection (owner NULL, marked for
 * deletion) at the end of one loop iteration but frees it -- and so calls
 * sse_close -- only in the next, whose timers and events run first: a
 * write in between dereferenced a NULL connection. Every path that writes
 * (sends, the keep-alive, sse_foreach, shutdown) asks sse_gone first.
 */
#include <stdio.h>
#include <string.h>

#include "http/http.h"

#define SSE_KEEPALIVE_MS	15000

static TAILQ_HEAD(, sse_stream)	streams = TAILQ_HEAD_INITIALIZER(streams);

/*
 * 1 when nothing may be written to the stream any more: closed by us, or
 * its request detached from the connection or on its way out, or the
 * connection disconnecting. The keep-alive timer stays until sse_close:
 * removing it here could free it from inside its own callback.
 */
int
sse_gone(struct sse_stream *s)
{
	struct connection	*c;

	if (!s->closed) {
		c = s->req->owner;
		if (c == NULL || (s->req->flags & HTTP_REQUEST_DELETE) ||
		    c->state == CONN_STATE_DISCONNECTING)
			s->closed = 1;
	}
	return (s->closed);
}

/*
 * One client's share of the streams: a quarter of the instance's cap
 * (at least 8), counted per worker (a worker's count dies with it, so a
 * crash cannot leave a client locked out). One stalled client can no
 * longer hold every slot and lock the others out of /sse and the feed.
 */
static int
sse_share_full(const char *ip)
{
	struct sse_stream	*s;
	int			 n, max;

	max = mcpbox_cfg.max_sse_streams / 4 / (mcpbox_cfg.workers > 0 ?
	    mcpbox_cfg.workers : 1);
	if (max < 8)
		max = 8;
	n = 0;
	TAILQ_FOREACH(s, &streams, list) {
		if (!s->closed && strcmp(s->ip, ip) == 0)
			n++;
	}
	return (n >= max);
}

/*
 * Every 15 s: a comment that keeps proxies from closing the stream, and
 * the write timeout. A client that stopped reading leaves our output
 * queued; when two keep-alives in a row find it so (15-30 s), the stream
 * is cut and its slot freed.
 */
static void
sse_keepalive(void *arg, u_int64_t now)
{
	struct sse_stream	*s = arg;

	if (sse_gone(s))
		return;
	if (TAILQ_EMPTY(&s->req->owner->send_queue))
		s->backlog = 0;
	else if (++s->backlog >= 2) {
		kore_connection_disconnect(s->req->owner);
		s->closed = 1;
		(void)sse_gone(s);
		return;
	}
	sse_send_raw(s, ": keepalive\n\n", 13);
}

/* The 200 and headers of an event stream; its body goes out in chunks. */
static void
sse_start(struct http_request *req)
{
	struct connection	*c = req->owner;

	hx_security_headers(req, 0);
	http_response_header(req, "content-type", "text/event-stream");
	http_response_header(req, "transfer-encoding", "chunked");
	http_response_header(req, "x-accel-buffering", "no");
	req->flags |= HTTP_REQUEST_NO_CONTENT_LENGTH;
	/* Keep Kore's parser (and its header timeout) off this connection. */
	c->flags |= CONN_IS_BUSY;
	http_response(req, 200, NULL, 0);
	c->http_timeout = 0;
	net_send_flush(c);
}

/*
 * Turn `req` into an event stream of `kind`. Returns NULL (and has sent
 * 503) when the instance already holds the maximum number of streams.
 */
struct sse_stream *
sse_open(struct http_request *req, int kind)
{
	struct hx		*x = http_state_get(req);
	struct sse_stream	*s;
	const char		*ip = x != NULL ? x->ip : "", *why;
	int			 full;

	full = sse_share_full(ip);
	if (full || !stats_sse_acquire(mcpbox_cfg.max_sse_streams,
	    worker->id)) {
		http_response_header(req, "retry-after", "5");
		/* MCP clients read JSON-RPC errors; the panel reads ours. */
		why = full ? "this client holds its share of the server's "
		    "event streams; close one first" : "the server holds its "
		    "maximum of event streams; retry later";
		if (kind == SSE_ACTIVITY)
			hx_error(req, 503, "too_many_streams", why);
		else
			hx_json(req, 503, json_pack("{s:s, s:n, s:{s:i, s:s}}",
			    "jsonrpc", "2.0", "id", "error", "code", -32000,
			    "message", why));
		return (NULL);
	}
	s = kore_calloc(1, sizeof(*s));
	s->req = req;
	s->kind = kind;
	(void)snprintf(s->ip, sizeof(s->ip), "%s", ip);
	sse_start(req);
	s->timer = kore_timer_add(sse_keepalive, SSE_KEEPALIVE_MS, s, 0);
	TAILQ_INSERT_TAIL(&streams, s, list);
	return (s);
}

/*
 * Answer `req` as an event stream of its own (a tools/call whose tool
 * sends notifications before the result). Not an open stream: the caps do
 * not count it, no keep-alives, no pushes; sse_end finishes it, and the
 * connection closes with it (it says so), since Kore's parser was kept
 * off it.
 */
struct sse_stream *
sse_open_response(struct http_request *req)
{
	struct sse_stream	*s;

	s = kore_calloc(1, sizeof(*s));
	s->req = req;
	s->kind = SSE_RESPONSE;
	http_response_header(req, "connection", "close");
	sse_start(req);
	return (s);
}

/* The last chunk of a response stream; the connection closes after it. */
void
sse_end(struct sse_stream *s)
{
	struct connection	*c = s->req->owner;

	if (sse_gone(s))
		return;
	net_send_queue(c, "0\r\n\r\n", 5);
	(void)net_send_flush(c);
	s->closed = 1;
	kore_connection_disconnect(c);
}

void
sse_send_raw(struct sse_stream *s, const char *data, size_t len)
{
	struct kore_buf	b;

	if (sse_gone(s) || len == 0)
		return;
	kore_buf_init(&b, len + 16);
	kore_buf_appendf(&b, "%zx\r\n", len);
	kore_buf_append(&b, data, len);
	kore_buf_append(&b, "\r\n", 2);
	net_send_queue(s->req->owner, b.data, b.offset);
	kore_buf_cleanup(&b);
	if (!net_send_flush(s->req->owner)) {
		kore_connection_disconnect(s->req->owner);
		s->closed = 1;
		(void)sse_gone(s);
	}
}

/* One `event:` with `data` that must not contain a raw newline (JSON). */
void
sse_send_event(struct sse_stream *s, const char *event, const char *data)
{
	struct kore_buf	b;

	kore_buf_init(&b, strlen(data) + 96);
	if (s->eid[0] != '\0')
		kore_buf_appendf(&b, "id: %s-%llu\n", s->eid,
		    (unsigned long long)++s->seq);
	if (event != NULL)
		kore_buf_appendf(&b, "event: %s\n", event);
	kore_buf_appendf(&b, "data: %s\n\n", data);
	sse_send_raw(s, (const char *)b.data, b.offset);
	kore_buf_cleanup(&b);
}

/*
 * From now on every event carries an id (the stream's random part and a
 * count), starting with this one: an id, the reconnection delay and no
 * data, so a client knows where it is before anything else comes (MCP
 * 2025-11-25, "resumability"). Ids name a stream without saying whose.
 */
void
sse_prime(struct sse_stream *s)
{
	uint8_t		r[8];
	char		buf[96];
	int		n;

	if (crypto_random(r, sizeof(r)) == -1)
		memset(r, 0, sizeof(r));
	hex_encode(r, sizeof(r), s->eid);
	n = snprintf(buf, sizeof(buf), "id: %s-0\nretry: %d\ndata: \n\n",
	    s->eid, SSE_RETRY_MS);
	sse_send_raw(s, buf, (size_t)n);
}

int
sse_event_id_valid(const char *id)
{
	size_t	i;

	for (i = 0; i < 16; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		    (id[i] >= 'a' && id[i] <= 'f')))
			return (0);
	if (id[16] != '-' || id[17] == '\0' || strlen(id) > 17 + 20)
		return (0);
	for (i = 17; id[i] != '\0'; i++)
		if (id[i] < '0' || id[i] > '9')
			return (0);
	return (1);
}

/* Called from the request's free path: unlink, release the slot. */
void
sse_close(struct sse_stream *s)
{
	if (s == NULL)
		return;
	if (s->kind == SSE_RESPONSE) {
		kore_free(s);
		return;
	}
	if (s->timer != NULL)
		kore_timer_remove(s->timer);
	TAILQ_REMOVE(&streams, s, list);
	stats_sse_release(worker->id);
	kore_free(s);
}

/* Visit every open stream of `kind` in this worker. */
void
sse_foreach(int kind, void (*fn)(struct sse_stream *, void *), void *arg)
{
	struct sse_stream	*s, *next;

	for (s = TAILQ_FIRST(&streams); s != NULL; s = next) {
		next = TAILQ_NEXT(s, list);
		if (s->kind == kind && !sse_gone(s))
			fn(s, arg);
	}
}

/* On shutdown end every stream cleanly instead of cutting it. */
void
sse_close_all(void)
{
	struct sse_stream	*s;

	TAILQ_FOREACH(s, &streams, list) {
		if (sse_gone(s))
			continue;
		net_send_queue(s->req->owner, "0\r\n\r\n", 5);
		(void)net_send_flush(s->req->owner);
		s->closed = 1;
		(void)sse_gone(s);
	}
}
