/*
 * server.c -- the supervisor's event loop.
 *
 * One thread, one poll(): the listening socket, a signalfd (SIGCHLD,
 * SIGTERM, SIGINT), the zygote's control socket (exit reports of
 * children), client connections, and the pipes of children, broker
 * helpers and installers.  The supervisor never forks a child itself and
 * never initialises Python: children come from the zygote, and the only
 * processes it forks (broker helpers, pip) exec at once, so nothing of
 * the requests it holds reaches another process's memory.  Nothing in the loop blocks on another
 * process: children and helpers are only ever read and written without
 * blocking, and the only synchronous work is parsing frames and forking.
 * Started as root, it drops to its own uid once the socket, the zygote
 * and the packages directory are set up (privdrop.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "server.h"

struct sbx_state	S;

enum { P_LISTEN, P_SIG, P_CONN, P_CHILD, P_BROKER, P_INSTALL, P_POOL,
	P_ZYGOTE };

struct slot {
	int	 type;
	void	*ptr;
	int	 idx;
};

double
sbx_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6);
}

static void
srv_log_msg(const char *level, const char *event, const char *msg)
{
	sbx_log(level, event, json_pack("{s:s}", "message", msg));
}

static int
srv_conn_flush(struct conn *c)
{
	ssize_t	n;

	while (c->out.len > 0) {
		n = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return (0);
		if (n <= 0)
			return (-1);
		sbx_buf_consume(&c->out, (size_t)n);
	}
	return (0);
}

/* Queue one answer (ownership taken) and try to write it right away. */
void
conn_send(struct conn *c, json_t *r)
{
	if (r == NULL)
		return;
	if (c->out.len > CONN_OUT_MAX || sbx_frame_put_json(&c->out, r) == -1)
		c->closing = 2;		/* a client that never reads */
	json_decref(r);
	if (c->closing != 2 && srv_conn_flush(c) == -1)
		c->closing = 2;
}

static void
srv_conn_close(struct conn *c)
{
	struct conn	**pp;

	job_conn_gone(c);
	for (pp = &S.conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	close(c->fd);
	sbx_buf_free(&c->in);
	sbx_buf_free(&c->out);
	free(c);
	S.nconns--;
}

static void
srv_accept_conns(void)
{
	struct ucred	 cred;
	socklen_t	 len;
	struct conn	*c;
	int		 fd;

	while ((fd = accept4(S.lfd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) != -1) {
		len = sizeof(cred);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1 ||
		    !sbx_listen_peer_allowed(cred.uid)) {
			sbx_log("warning", "peer_refused", json_pack("{s:i}",
			    "uid", (int)cred.uid));
			close(fd);
			continue;
		}
		if (S.nconns >= MAX_CONNS || (c = calloc(1, sizeof(*c))) ==
		    NULL) {
			srv_log_msg("warning", "conn_refused",
			    "too many connections");
			close(fd);
			continue;
		}
		c->fd = fd;
		c->uid = cred.uid;
		c->in.wipe = 1;
		c->next = S.conns;
		S.conns = c;
		S.nconns++;
	}
}

static void
srv_conn_readable(struct conn *c)
{
	uint8_t		 buf[65536];
	char		 err[200];
	ssize_t		 n;
	uint32_t	 len;
	json_t		*req;
	int		 st;

	for (;;) {
		n = recv(c->fd, buf, sizeof(buf), 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			c->closing = 2;
			break;
		}
		if (sbx_buf_append(&c->in, buf, (size_t)n) == -1) {
			c->closing = 2;
			break;
		}
		while (!c->closing && (st = sbx_frame_next(&c->in,
		    SBX_FRAME_MAX, &len)) != SBX_FRAME_NEED) {
			if (st == SBX_FRAME_TOOBIG) {
				conn_send(c, json_pack("{s:n,s:b,s:{s:s,s:s}}",
				    "id", "ok", 0, "error", "type",
				    SBX_ERR_PROTOCOL, "message",
				    "frame larger than 8 MiB"));
				if (!c->closing)
					c->closing = 1;
				sbx_buf_free(&c->in);
				break;
			}
			req = sbx_frame_parse(c->in.data + 4, len, err,
			    sizeof(err));
			sbx_buf_consume(&c->in, 4 + (size_t)len);
			if (req == NULL)
				conn_send(c, json_pack("{s:n,s:b,s:{s:s,s:s}}",
				    "id", "ok", 0, "error", "type",
				    SBX_ERR_PROTOCOL, "message", err));
			else {
				job_request(c, req);
				json_decref(req);
			}
		}
		if (c->closing)
			break;
	}
}

static struct job *
srv_job_by_pid(pid_t pid, int *broker)
{
	struct job	*j;

	for (j = S.jobs; j; j = j->next) {
		if (j->kind == JOB_INSTALL && j->child_live && j->pid == pid) {
			*broker = 0;
			return (j);
		}
		if (j->broker_pid == pid) {
			*broker = 1;
			return (j);
		}
	}
	return (NULL);
}

static void
srv_reap(void)
{
	struct job	*j;
	pid_t		 pid;
	int		 st, broker;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if ((j = srv_job_by_pid(pid, &broker)) == NULL)
			continue;
		if (broker) {
			j->broker_pid = 0;
			if (j->broker_fd != -1)
				job_broker_readable(j);
		} else
			job_reaped(j, st);
	}
}

static void
srv_handle_signals(void)
{
	struct signalfd_siginfo	si;

	while (read(S.sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			S.stopping = 1;
	}
	srv_reap();
}

static void
srv_pool_fill(void)
{
	while (!S.stopping && S.npool < POOL_MAX &&
	    S.npool < S.cfg->concurrency) {
		if (sbx_zygote_spawn(&S.pool[S.npool]) == -1)
			return;
		S.npool++;
	}
}

/* Exit reports from the zygote: a spare that died, or a call's child. */
static void
srv_zygote_readable(void)
{
	uint32_t	tag;
	int		st, rc, i;

	while ((rc = sbx_zygote_event(&tag, &st)) == 1) {
		for (i = 0; i < S.npool; i++) {
			if (S.pool[i].tag == tag) {
				S.pool[i].tag = 0;
				sbx_child_kill(&S.pool[i]);
				S.pool[i] = S.pool[--S.npool];
				break;
			}
		}
		job_child_exited(tag, st);
	}
	if (rc == -1) {
		/* Never fork a new zygote from here: we hold requests. */
		srv_log_msg("error", "zygote",
		    "the zygote died; the supervisor "
		    "exits so that its keeper starts both afresh");
		S.stopping = 1;
		S.failed = 1;
	}
}

/* Spares waiting without their warm-up run (that can still take it). */
static int
srv_pool_cold(void)
{
	int	i;

	for (i = 0; i < S.npool; i++) {
		if (!S.pool[i].warmed && S.pool[i].to_fd != -1)
			return (1);
	}
	return (0);
}

static void
srv_pool_warm(void)
{
	int	i;

	for (i = 0; i < S.npool; i++)
		sbx_child_warm(&S.pool[i]);
}

static struct pollfd	*pfd;
static struct slot	*slots;
static size_t		 pcap;

static void
srv_add(int fd, short ev, int type, void *ptr, int idx, size_t *n)
{
	if (*n == pcap) {
		pcap = pcap ? pcap * 2 : 64;
		pfd = reallocarray(pfd, pcap, sizeof(*pfd));
		slots = reallocarray(slots, pcap, sizeof(*slots));
		if (pfd == NULL || slots == NULL)
			abort();
	}
	pfd[*n].fd = fd;
	pfd[*n].events = ev;
	pfd[*n].revents = 0;
	slots[*n].type = type;
	slots[*n].ptr = ptr;
	slots[*n].idx = idx;
	(*n)++;
}

static size_t
srv_build(void)
{
	struct conn	*c;
	struct job	*j;
	size_t		 n = 0;
	int		 i;

	srv_add(S.sfd, POLLIN, P_SIG, NULL, 0, &n);
	srv_add(sbx_zygote_fd(), POLLIN, P_ZYGOTE, NULL, 0, &n);
	if (!S.stopping)
		srv_add(S.lfd, POLLIN, P_LISTEN, NULL, 0, &n);
	for (c = S.conns; c; c = c->next)
		srv_add(c->fd, (short)((c->closing ? 0 : POLLIN) |
		    (c->out.len ? POLLOUT : 0)), P_CONN, c, 0, &n);
	for (j = S.jobs; j; j = j->next) {
		if (j->kind == JOB_INSTALL) {
			if (j->child.from_fd != -1)
				srv_add(j->child.from_fd, POLLIN, P_INSTALL, j,
				    0,
				    &n);
			continue;
		}
		if (j->child.from_fd != -1)
			srv_add(j->child.from_fd, POLLIN, P_CHILD, j, 0, &n);
		if (j->child.to_fd != -1 && j->req.len)
			srv_add(j->child.to_fd, POLLOUT, P_CHILD, j, 1, &n);
		if (j->broker_fd != -1)
			srv_add(j->broker_fd, POLLIN, P_BROKER, j, 0, &n);
	}
	for (i = 0; i < S.npool; i++)
		srv_add(S.pool[i].from_fd, POLLIN, P_POOL, NULL, i, &n);
	return (n);
}

static void
srv_dispatch(size_t n)
{
	struct conn	*c;
	struct job	*j;
	size_t		 i;
	int		 k;

	for (i = 0; i < n; i++) {
		if (pfd[i].revents == 0)
			continue;
		switch (slots[i].type) {
		case P_SIG:
			srv_handle_signals();
			break;
		case P_ZYGOTE:
			srv_zygote_readable();
			break;
		case P_LISTEN:
			srv_accept_conns();
			break;
		case P_CONN:
			c = slots[i].ptr;
			if (pfd[i].revents & POLLOUT && srv_conn_flush(c) == -1)
				c->closing = 2;
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				srv_conn_readable(c);
			break;
		case P_CHILD:
			j = slots[i].ptr;
			if (slots[i].idx == 1 && j->child.to_fd == pfd[i].fd)
				job_child_writable(j);
			else if (slots[i].idx == 0 &&
			    j->child.from_fd == pfd[i].fd)
				job_child_readable(j);
			break;
		case P_BROKER:
			j = slots[i].ptr;
			if (j->broker_fd == pfd[i].fd)
				job_broker_readable(j);
			break;
		case P_INSTALL:
			job_install_readable(slots[i].ptr);
			break;
		case P_POOL:
			/* A spare child that says anything, or dies, goes. */
			for (k = 0; k < S.npool; k++) {
				if (S.pool[k].from_fd != pfd[i].fd)
					continue;
				sbx_child_kill(&S.pool[k]);
				S.pool[k] = S.pool[--S.npool];
				break;
			}
			break;
		}
	}
}

static void
srv_close_finished_conns(void)
{
	struct conn	*c, *next;

	for (c = S.conns; c; c = next) {
		next = c->next;
		if (c->closing == 2 || (c->closing == 1 && c->out.len == 0))
			srv_conn_close(c);
	}
}

static void
srv_shutdown_all(void)
{
	double	until = sbx_now_ms() + 2000;

	job_kill_all();
	while (S.conns)
		srv_conn_close(S.conns);
	/* The zygote leaves on EOF, and its children with it. */
	sbx_zygote_stop();
	while (sbx_now_ms() < until && waitpid(-1, NULL, WNOHANG) >= 0)
		usleep(1000);
	sbx_listen_unlink();
	srv_log_msg("info", "stopped", "supervisor stopped");
}

int
sbx_server_run(const struct sbx_config *cfg)
{
	sigset_t	set;
	size_t		n;
	int		rc, tmo, cold;

	S.cfg = cfg;
	S.started = sbx_now_ms();
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((S.sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		return (-1);
	if ((S.lfd = sbx_listen_open(cfg)) == -1)
		return (-1);
	if (sbx_install_open_dir(cfg->packages_dir) == -1 ||
	    sbx_supervisor_drop() == -1) {
		sbx_listen_unlink();
		return (-1);
	}
	sbx_log("info", "listening", json_pack("{s:s,s:i,s:i,s:s,s:b}",
	    "socket", cfg->socket_path, "concurrency", cfg->concurrency,
	    "queue", cfg->queue, "python", sbx_zygote_python(), "namespaces",
	    sbx_zygote_isolated()));
	while (!S.stopping) {
		job_start_queued();
		job_free_finished();
		n = srv_build();
		/* Refill the pool only when nothing is waiting to be served. */
		if (S.npool < POOL_MAX && poll(pfd, n, 0) == 0) {
			srv_pool_fill();
			n = srv_build();
		}
		tmo = job_next_deadline(sbx_now_ms());
		/*
		 * Spares warm up while no call runs: then the cores are free,
		 * and the next call finds its child's first faults taken.
		 * Under load a call is nearly always running, so spares
		 * forked then wait cold rather than compete with calls.
		 * (Waiting for 2 ms of idleness instead warmed none at one
		 * connection, where the next call comes within a millisecond.)
		 */
		cold = S.running == 0 && srv_pool_cold();
		if (cold)
			tmo = 0;
		rc = poll(pfd, n, tmo);
		if (rc == -1 && errno != EINTR) {
			srv_log_msg("error", "poll", strerror(errno));
			break;
		}
		if (rc == 0 && cold)
			srv_pool_warm();
		if (rc > 0)
			srv_dispatch(n);
		job_check_deadlines(sbx_now_ms());
		srv_close_finished_conns();
	}
	srv_shutdown_all();
	return (S.failed ? -1 : 0);
}
