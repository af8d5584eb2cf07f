/*
 * A connection's life as HTTP sees it, from the listener's accept hook
 * (src/main.c binds both doors with it).
 *
 * Kore sets up an accepted connection for HTTP only when its listener has
 * no hook; with one, the hook does it, so this file repeats those three
 * lines of Kore's (protocol, keep-alive idle time, header reader) and adds
 * what Kore has no place for:
 *   - the count that spreads connections over the workers (spread.c);
 *   - `Expect: 100-continue`: a client that sends it waits for "100
 *     Continue" before the body (curl for a second, then sends anyway).
 *     Kore never answers it, and has no hook between a request's headers
 *     and its body, so the connection's event handler looks after each
 *     event for a request waiting for a body none of which has come.
 *     Bodies Kore refuses by size never get that far (413 at once).
 */
#include <strings.h>

#include "http/http.h"

static const char	continue_line[] = "HTTP/1.1 100 Continue\r\n\r\n";

/* Per connection, freed by Kore with the connection (c->hdlr_extra). */
struct hx_conn {
	struct http_request	*continued;	/* got its 100 Continue */
};

static int
connection_expects_continue(struct http_request *req)
{
	const char	*v;

	return (http_request_header(req, "expect", &v) &&
	    strcasecmp(v, "100-continue") == 0);
}

static void
connection_answer_continue(struct connection *c)
{
	struct hx_conn		*hc = c->hdlr_extra;
	struct http_request	*req, *waiting = NULL;

	TAILQ_FOREACH(req, &c->http_requests, olist) {
		if ((req->flags & HTTP_REQUEST_EXPECT_BODY) &&
		    !(req->flags & (HTTP_REQUEST_COMPLETE |
		    HTTP_REQUEST_DELETE))) {
			waiting = req;
			break;
		}
	}
	if (waiting == NULL) {
		hc->continued = NULL;
		return;
	}
	/* Once per request, and only while none of the body has come. */
	if (waiting == hc->continued ||
	    waiting->content_length != waiting->http_body_length ||
	    !connection_expects_continue(waiting))
		return;
	hc->continued = waiting;
	net_send_queue(c, continue_line, sizeof(continue_line) - 1);
	(void)net_send_flush(c);
}

static int
connection_handle(struct connection *c)
{
	if (!kore_connection_handle(c))
		return (KORE_RESULT_ERROR);
	if (c->state == CONN_STATE_ESTABLISHED && c->hdlr_extra != NULL)
		connection_answer_continue(c);
	return (KORE_RESULT_OK);
}

static void
connection_gone(struct connection *c)
{
	(void)c;
	spread_closed();
}

/* The listeners' accept hook (kore_server_bind's callback, by name). */
void
hx_connection_accepted(struct connection *c)
{
	c->proto = CONN_PROTO_HTTP;
	if (http_keepalive_time != 0)
		c->idle_timer.length = http_keepalive_time * 1000;
	net_recv_queue(c, http_header_max, NETBUF_CALL_CB_ALWAYS,
	    http_header_recv);
	c->hdlr_extra = kore_calloc(1, sizeof(struct hx_conn));
	c->handle = connection_handle;
	c->disconnect = connection_gone;
	spread_accepted();
}
