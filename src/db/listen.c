/*
 * LISTEN/NOTIFY for the workers: one dedicated libpq connection per
 * worker, outside Kore's pool (a pooled connection is handed back after
 * each query and would miss notifications), driven by Kore's event loop.
 *
 * This is what makes several workers and several instances behave as one:
 * a change on any of them is a NOTIFY, and every worker pushes it to the
 * streams it holds. If the connection breaks, a timer reconnects; changes
 * made meanwhile are covered by a synthetic "tools changed" on reconnect.
 */
#include <sys/socket.h>

#include <errno.h>
#include <string.h>

#include "core/core.h"
#include "db/db.h"

#define LISTEN_EVENT_TYPE	0x5c
#define LISTEN_RETRY_MS		1000

struct db_listener {
	struct kore_event	evt;
	PGconn			*conn;
	int			fd;
	int			connecting;
	struct kore_timer	*timer;
	db_notify_fn		fn;
	char			conninfo[4096];
	const char		*const *channels;
	int			ever_connected;
};

static struct db_listener	dl;

static void	listen_schedule(void);

static void
listen_drop(void)
{
	if (dl.conn != NULL) {
		if (dl.fd != -1)
			kore_platform_disable_read(dl.fd);
		PQfinish(dl.conn);
	}
	dl.conn = NULL;
	dl.fd = -1;
	dl.connecting = 0;
}

/* Bytes wait on the socket (libpq has not read them yet). */
static int
listen_socket_pending(int fd)
{
	char	c;

	return (fd >= 0 && recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) > 0);
}

static void
listen_event(void *arg, int error)
{
	PostgresPollingStatusType	ps;
	PGnotify			*n;
	PGresult			*r;
	char				q[512];
	size_t				off;
	int				i, got;

	if (error) {
		log_warn("notification connection lost");
		listen_drop();
		listen_schedule();
		return;
	}
	if (dl.connecting) {
		ps = PQconnectPoll(dl.conn);
		if (ps == PGRES_POLLING_FAILED) {
			listen_drop();
			listen_schedule();
			return;
		}
		if (ps != PGRES_POLLING_OK) {
			dl.evt.flags &= ~(KORE_EVENT_READ | KORE_EVENT_WRITE);
			return;
		}
		dl.connecting = 0;
		(void)PQsetnonblocking(dl.conn, 1);
		q[0] = '\0';
		for (i = 0, off = 0; dl.channels[i] != NULL; i++)
			off += (size_t)snprintf(q + off, sizeof(q) - off,
			    "LISTEN %s;", dl.channels[i]);
		/* Results are drained below as they arrive; never wait. */
		if (!PQsendQuery(dl.conn, q)) {
			listen_drop();
			listen_schedule();
			return;
		}
		/* Anything may have changed while we were away. */
		if (dl.ever_connected)
			dl.fn("mcpbox_tools_changed", "reconnect");
		dl.ever_connected = 1;
	}
	/*
	 * Kore's events are edge-triggered and PQconsumeInput reads one
	 * buffer's worth: read until the socket is empty, or a burst of
	 * NOTIFYs (one transaction's worth of activity) stayed unread until
	 * the next one arrived -- 21 of 3,000 feed entries were delivered.
	 */
	for (;;) {
		if (!PQconsumeInput(dl.conn)) {
			log_warn("notification connection lost");
			listen_drop();
			listen_schedule();
			return;
		}
		while (!PQisBusy(dl.conn) && (r = PQgetResult(dl.conn)) != NULL)
			PQclear(r);
		got = 0;
		while ((n = PQnotifies(dl.conn)) != NULL) {
			dl.fn(n->relname, n->extra);
			PQfreemem(n);
			got++;
		}
		if (got == 0 && !listen_socket_pending(PQsocket(dl.conn)))
			break;
	}
	dl.evt.flags &= ~(KORE_EVENT_READ | KORE_EVENT_WRITE);
}

static void
listen_connect(void *arg, u_int64_t now)
{
	dl.timer = NULL;
	dl.conn = PQconnectStart(dl.conninfo);
	if (dl.conn == NULL || PQstatus(dl.conn) == CONNECTION_BAD ||
	    (dl.fd = PQsocket(dl.conn)) < 0) {
		if (dl.conn != NULL)
			PQfinish(dl.conn);
		dl.conn = NULL;
		dl.fd = -1;
		listen_schedule();
		return;
	}
	dl.connecting = 1;
	dl.evt.flags = 0;
	kore_platform_event_all(dl.fd, &dl);
	/* The first poll may already be decidable. */
	listen_event(&dl, 0);
}

static void
listen_schedule(void)
{
	if (dl.timer == NULL)
		dl.timer = kore_timer_add(listen_connect, LISTEN_RETRY_MS, NULL,
		    KORE_TIMER_ONESHOT);
}

void
db_listen_start(const char *conninfo, const char *const *channels,
    db_notify_fn fn)
{
	memset(&dl, 0, sizeof(dl));
	dl.fd = -1;
	dl.evt.type = LISTEN_EVENT_TYPE;
	dl.evt.handle = listen_event;
	dl.fn = fn;
	dl.channels = channels;
	(void)snprintf(dl.conninfo, sizeof(dl.conninfo), "%s", conninfo);
	listen_connect(NULL, 0);
}
