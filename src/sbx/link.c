/*
 * The worker's side of the sandbox protocol: 4-byte big-endian length +
 * one JSON object per frame, both ways, at most 8 MB.
 *
 * Failure handling is the point of this file. If the supervisor dies,
 * every call in flight is answered at once with a SandboxError (never
 * retried: a call that may have run is not run twice) and the next call
 * reconnects. "In flight" means the kernel took the whole frame: a call
 * whose frame was not (yet) all written cannot have been read, so when the
 * link breaks it waits for the next supervisor like a call made after.
 * A call whose deadline passes is answered with a Timeout and a cancel
 * is sent, so the child is killed rather than left running.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"
#include "core/frame.h"
#include "sbx/circuit.h"
#include "sbx/sbx.h"

#define SBX_EVENT_TYPE	0x5b
#define SBX_GRACE_MS	2000

/* A call with no supervisor to go to waits this long for one. */
#define SBX_WAIT_MS	3000
#define SBX_RETRY_MS	50

struct sbx_call {
	int64_t			id;
	struct http_request	*req;
	sbx_cb			cb;
	void			*arg;
	json_t			*reply;
	int			done;
	int			detached;
	enum circuit_role	circuit;	/* how the answer counts */
	uint64_t		generation;	/* of the supervisor asked */
	json_t			*pending;	/* not sent yet: no supervisor */
	json_t			*unsent;	/* sent, not all written yet */
	json_t			*notes;		/* notifications not taken */
	int			timeout_ms;
	uint64_t		wait_until;
	struct kore_timer	*retry;
	struct kore_timer	*timer;
	TAILQ_ENTRY(sbx_call)	list;
};

struct sbx_link {
	struct kore_event	evt;
	int			fd;
	struct sbx_buf		rbuf;		/* core/frame.c */
	struct sbx_buf		wbuf;
	int			held;		/* calls with an unsent frame */
	int64_t			next_id;
	TAILQ_HEAD(, sbx_call)	calls;
	uint64_t		generation;	/* of the supervisor connected to */
	uint64_t		connect_ms;	/* when it was opened */
};

static struct sbx_link	link_;
static char		sock_path[108];
static int		link_init;

static void	link_event(void *, int);
static void	link_fail_all(const char *);
static void	link_call_finish(struct sbx_call *, json_t *);
static void	link_call_wait(struct sbx_call *);

void
sbx_socket_path(const char *run_dir, char *out, size_t len)
{
	(void)snprintf(out, len, "%s/sandbox/sock", run_dir);
}

void
sbx_client_init(const char *path)
{
	(void)snprintf(sock_path, sizeof(sock_path), "%s", path);
	memset(&link_, 0, sizeof(link_));
	link_.fd = -1;
	link_.evt.type = SBX_EVENT_TYPE;
	link_.evt.handle = link_event;
	TAILQ_INIT(&link_.calls);
	link_init = 1;
}

int
sbx_connected(void)
{
	return (link_.fd != -1);
}

static int
link_connect(void)
{
	struct sockaddr_un	sun;
	int			fd;

	if (link_.fd != -1)
		return (0);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return (-1);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock_path);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		(void)close(fd);
		return (-1);
	}
	if (!kore_connection_nonblock(fd, 0)) {
		(void)close(fd);
		return (-1);
	}
	link_.fd = fd;
	link_.generation = circuit_generation();
	link_.connect_ms = clock_ms();
	link_.evt.flags = 0;
	sbx_buf_consume(&link_.rbuf, link_.rbuf.len);
	kore_platform_event_all(fd, &link_);
	return (0);
}

static void
link_close(void)
{
	if (link_.fd == -1)
		return;
	(void)close(link_.fd);
	link_.fd = -1;
	sbx_buf_free(&link_.rbuf);
	sbx_buf_free(&link_.wbuf);
}

static void
link_flush(void)
{
	ssize_t		w;

	struct sbx_call	*c;

	while (link_.fd != -1 && link_.wbuf.len > 0) {
		w = send(link_.fd, link_.wbuf.data, link_.wbuf.len,
		    MSG_NOSIGNAL);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			link_fail_all("the sandbox connection broke");
			return;
		}
		sbx_buf_consume(&link_.wbuf, (size_t)w);
	}
	if (link_.fd != -1 && link_.wbuf.len == 0) {
		link_.evt.flags &= ~KORE_EVENT_WRITE;
		/* All written: no held frame is needed any more. */
		TAILQ_FOREACH(c, &link_.calls, list) {
			if (link_.held == 0)
				break;
			if (c->unsent != NULL) {
				json_decref(c->unsent);
				c->unsent = NULL;
				link_.held--;
			}
		}
	}
}

static struct sbx_call *
link_call_find(int64_t id)
{
	struct sbx_call	*c;

	TAILQ_FOREACH(c, &link_.calls, list) {
		if (c->id == id)
			return (c);
	}
	return (NULL);
}

static void
link_frame(const uint8_t *data, size_t len)
{
	json_error_t	e;
	json_t		*msg, *id;
	struct sbx_call	*c;
	const char	*op;

	msg = json_loadb((const char *)data, len, 0, &e);
	if (msg == NULL) {
		log_warn("sandbox sent an unparsable frame");
		return;
	}
	id = json_object_get(msg, "id");
	if (!json_is_integer(id) ||
	    (c = link_call_find(json_integer_value(id))) == NULL) {
		json_decref(msg);
		return;
	}
	/* A notification or question of a running call: kept for it, in
	 * order, and the call goes on. */
	op = json_string_value(json_object_get(msg, "op"));
	if (op != NULL && (strcmp(op, SBX_OP_NOTIFY) == 0 ||
	    strcmp(op, SBX_OP_ASK) == 0)) {
		if (c->detached || (c->req == NULL && c->cb == NULL)) {
			json_decref(msg);
			return;
		}
		if (c->notes == NULL)
			c->notes = json_array();
		json_array_append_new(c->notes, msg);
		if (c->req != NULL)
			http_request_wakeup(c->req);
		else
			c->cb(c, c->arg);
		return;
	}
	link_call_finish(c, msg);
}

static void
link_read(void)
{
	uint8_t		tmp[65536];
	uint32_t	len;
	ssize_t		r;
	int		st;

	for (;;) {
		r = read(link_.fd, tmp, sizeof(tmp));
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 && errno == EAGAIN) {
			link_.evt.flags &= ~KORE_EVENT_READ;
			break;
		}
		if (r <= 0) {
			link_fail_all("the sandbox closed the connection");
			return;
		}
		if (sbx_buf_append(&link_.rbuf, tmp, (size_t)r) == -1) {
			link_fail_all("out of memory reading the sandbox");
			return;
		}
	}
	while ((st = sbx_frame_next(&link_.rbuf, SBX_FRAME_MAX, &len)) ==
	    SBX_FRAME_READY) {
		link_frame(link_.rbuf.data + 4, len);
		if (link_.fd == -1)
			return;
		sbx_buf_consume(&link_.rbuf, 4 + (size_t)len);
	}
	if (st == SBX_FRAME_TOOBIG)
		link_fail_all("the sandbox sent an oversized frame");
}

static void
link_event(void *arg, int error)
{
	if (error) {
		link_fail_all("the sandbox connection broke");
		return;
	}
	if (link_.evt.flags & KORE_EVENT_READ)
		link_read();
	if (link_.fd != -1 && (link_.evt.flags & KORE_EVENT_WRITE))
		link_flush();
}

static json_t *
link_error_reply(int64_t id, const char *type, const char *message)
{
	return (json_pack("{s:I, s:b, s:{s:s, s:s}}", "id", (json_int_t)id,
	    "ok", 0, "error", "type", type, "message", message));
}

static void
link_call_finish(struct sbx_call *c, json_t *reply)
{
	if (c->done) {
		json_decref(reply);
		return;
	}
	c->done = 1;
	c->reply = reply;
	circuit_record(c->circuit, reply, clock_ms(), c->generation);
	TAILQ_REMOVE(&link_.calls, c, list);
	if (c->timer != NULL) {
		kore_timer_remove(c->timer);
		c->timer = NULL;
	}
	if (c->retry != NULL) {
		kore_timer_remove(c->retry);
		c->retry = NULL;
	}
	json_decref(c->pending);
	c->pending = NULL;
	if (c->unsent != NULL) {
		json_decref(c->unsent);
		c->unsent = NULL;
		link_.held--;
	}
	if (c->detached) {
		json_decref(c->reply);
		json_decref(c->notes);
		kore_free(c);
		return;
	}
	if (c->req != NULL)
		http_request_wakeup(c->req);
	else if (c->cb != NULL)
		c->cb(c, c->arg);
}

/*
 * The link is gone. Calls the supervisor may have read fail; calls it
 * cannot have read (never sent, or their frame not all written) wait for
 * the next one, unless their owner has left.
 */
static void
link_fail_all(const char *why)
{
	struct sbx_call	*c, *next;

	log_warn("sandbox link down: %s", why);
	if (link_.fd != -1)
		kore_platform_disable_read(link_.fd);
	link_close();
	for (c = TAILQ_FIRST(&link_.calls); c != NULL; c = next) {
		next = TAILQ_NEXT(c, list);
		if (c->unsent != NULL && !c->detached) {
			c->pending = c->unsent;
			c->unsent = NULL;
			link_.held--;
		}
		if (c->pending != NULL && !c->detached)
			link_call_wait(c);
		else
			link_call_finish(c, link_error_reply(c->id,
			    SBX_ERR_SANDBOX,
			    "the sandbox is unavailable; the call did not "
			    "complete"));
	}
	link_.held = 0;
}

static void
link_send(json_t *msg)
{
	(void)sbx_frame_put_json(&link_.wbuf, msg);
	link_flush();
}

/* An op about a running call (cancel, answer); `extra` (stolen, may be
 * NULL) is merged in. */
static void
link_call_op(struct sbx_call *c, const char *op, json_t *extra)
{
	json_t	*m;

	if (!c->done && link_.fd != -1) {
		m = json_pack("{s:s, s:I, s:I}", "op", op, "id",
		    (json_int_t)++link_.next_id, "target", (json_int_t)c->id);
		if (extra != NULL)
			json_object_update(m, extra);
		link_send(m);
		json_decref(m);
	}
	json_decref(extra);
}

static void
link_call_timeout(void *arg, u_int64_t now)
{
	struct sbx_call	*c = arg;

	c->timer = NULL;
	if (c->done)
		return;
	link_call_op(c, SBX_OP_CANCEL, NULL);
	link_call_finish(c, link_error_reply(c->id, SBX_ERR_TIMEOUT,
	    "the tool call exceeded its time limit"));
}

/*
 * Send a call that has a link, and start its clock. The frame is held
 * until the kernel took all of it; if the link breaks first, the call
 * waits for the next supervisor instead of failing (link_fail_all).
 */
static void
link_call_send(struct sbx_call *c)
{
	json_object_set_new(c->pending, "id", json_integer(c->id));
	(void)sbx_frame_put_json(&link_.wbuf, c->pending);
	c->unsent = c->pending;
	c->pending = NULL;
	link_.held++;
	link_flush();
	if (c->done || c->pending != NULL)
		return;		/* failed, or waiting again */
	c->timer = kore_timer_add(link_call_timeout,
	    (u_int64_t)c->timeout_ms + SBX_GRACE_MS, c, KORE_TIMER_ONESHOT);
}

/*
 * No supervisor to talk to, most likely because the keeper is starting a
 * new one (a fraction of a second): the call waits for it instead of
 * failing, up to SBX_WAIT_MS. Only the calls in flight when a supervisor
 * dies fail with it.
 */
static void
link_call_retry(void *arg, u_int64_t now)
{
	struct sbx_call	*c = arg;

	c->retry = NULL;
	if (c->done)
		return;
	if (c->detached) {
		link_call_finish(c, link_error_reply(c->id, SBX_ERR_SANDBOX,
		    "abandoned"));
		return;
	}
	if (link_connect() == 0) {
		c->generation = circuit_generation();
		link_call_send(c);
		return;
	}
	if (clock_ms() >= c->wait_until) {
		link_call_finish(c, link_error_reply(c->id, SBX_ERR_SANDBOX,
		    "the sandbox is unavailable"));
		return;
	}
	c->retry = kore_timer_add(link_call_retry, SBX_RETRY_MS, c,
	    KORE_TIMER_ONESHOT);
}

/*
 * Wait for a supervisor; the call's clock restarts when it is sent. The
 * wait is counted from the first time, however often the call comes back.
 */
static void
link_call_wait(struct sbx_call *c)
{
	if (c->retry != NULL)
		return;		/* waiting already */
	if (c->timer != NULL) {
		kore_timer_remove(c->timer);
		c->timer = NULL;
	}
	if (c->wait_until == 0)
		c->wait_until = clock_ms() + SBX_WAIT_MS;
	c->retry = kore_timer_add(link_call_retry, SBX_RETRY_MS, c,
	    KORE_TIMER_ONESHOT);
}

static struct sbx_call *
link_call_start(json_t *msg, int timeout_ms, struct http_request *req,
    sbx_cb cb, void *arg, int health)
{
	struct sbx_call	*c;

	c = kore_calloc(1, sizeof(*c));
	c->id = ++link_.next_id;
	c->req = req;
	c->cb = cb;
	c->arg = arg;
	c->generation = circuit_generation();
	if (link_.fd != -1 && circuit_link_stale(link_.connect_ms,
	    &link_.generation, c->generation))
		link_fail_all("the sandbox supervisor died");
	TAILQ_INSERT_TAIL(&link_.calls, c, list);
	if (health)
		c->circuit = CIRCUIT_UNCOUNTED;
	else if ((c->circuit = circuit_allow(clock_ms())) ==
	    CIRCUIT_UNCOUNTED) {
		json_decref(msg);
		link_call_finish(c, link_error_reply(c->id, SBX_ERR_SANDBOX,
		    CIRCUIT_OPEN_MESSAGE));
		return (c);
	}
	c->pending = msg;
	c->timeout_ms = timeout_ms;
	if (!link_init || (link_connect() == -1 && health)) {
		link_call_finish(c, link_error_reply(c->id, SBX_ERR_SANDBOX,
		    "the sandbox is unavailable"));
		return (c);
	}
	if (link_.fd == -1) {
		link_call_wait(c);
		return (c);
	}
	link_call_send(c);
	return (c);
}

struct sbx_call *
sbx_call_start(json_t *msg, int timeout_ms, struct http_request *req,
    sbx_cb cb, void *arg)
{
	return (link_call_start(msg, timeout_ms, req, cb, arg, 0));
}

/*
 * Readiness and metrics ask the sandbox itself, past the breaker: they
 * must say the truth the moment the sandbox is back, not after the
 * breaker's reset time. A health check never waits for a supervisor.
 */
struct sbx_call *
sbx_health_start(int timeout_ms, struct http_request *req, sbx_cb cb,
    void *arg)
{
	return (link_call_start(json_pack("{s:s}", "op", SBX_OP_HEALTH),
	    timeout_ms, req, cb, arg, 1));
}

int
sbx_call_done(const struct sbx_call *c)
{
	return (c->done);
}

json_t *
sbx_call_reply(const struct sbx_call *c)
{
	return (c->reply);
}

/* Ask the sandbox to kill the call's child; its answer still arrives. */
void
sbx_call_cancel(struct sbx_call *c)
{
	link_call_op(c, SBX_OP_CANCEL, NULL);
}

/* The answer to the call's question `ask` (SBX_OP_ASK): a result
 * object, or an error message. */
void
sbx_call_answer(struct sbx_call *c, json_int_t ask, json_t *result,
    const char *error)
{
	link_call_op(c, SBX_OP_ANSWER, error != NULL ? json_pack("{s:I, s:s}",
	    "ask", ask, "error", error) : json_pack("{s:I, s:O}", "ask", ask,
	    "result", result));
}

/*
 * The owner lets go. A call still running is cancelled and detached: its
 * answer, when it comes, is dropped instead of waking a freed request.
 */
void
sbx_call_free(struct sbx_call *c)
{
	if (c == NULL)
		return;
	if (!c->done && c->pending != NULL) {
		/* Never sent: nothing to cancel, nothing will answer. */
		c->detached = 1;
		link_call_finish(c, link_error_reply(c->id, SBX_ERR_SANDBOX,
		    "abandoned"));
		return;
	}
	if (!c->done) {
		sbx_call_cancel(c);
		c->detached = 1;
		c->req = NULL;
		c->cb = NULL;
		return;
	}
	json_decref(c->reply);
	json_decref(c->notes);
	kore_free(c);
}

/* A new owner: a callback, run for each notification and the answer. */
void
sbx_call_rebind(struct sbx_call *c, sbx_cb cb, void *arg)
{
	c->req = NULL;
	c->cb = cb;
	c->arg = arg;
}

/* The notifications that came since the last take (an array), or NULL. */
json_t *
sbx_call_take_notes(struct sbx_call *c)
{
	json_t	*n = c->notes;

	c->notes = NULL;
	return (n);
}
