/*
 * zygote.c -- the process every child is forked from, and the
 * supervisor's handle on it.
 *
 * The zygote is forked by the supervisor first thing at start-up, before
 * the supervisor has read a single request, and it never holds one: it
 * initialises CPython and the harness, then only forks.  A child's
 * request, arguments, secrets and code reach it after the fork, over the
 * pipes the supervisor created for that child alone (the zygote receives
 * the child's ends with SCM_RIGHTS and closes them at once).  So whatever
 * a child can read of its own address space -- and tool code is assumed to
 * read all of it -- holds nothing but its own call and the interpreter.
 *
 * Isolation of the zygote itself, in order:
 *   - own PID, mount, IPC, network and UTS namespaces (when the kernel and
 *     our privileges allow; else one warning line and plain fork): children
 *     see no host process, no host network, a /proc of their own;
 *   - the sandbox uid (when started as root), NO_NEW_PRIVS, not dumpable;
 *   - a seccomp filter of its own (no exec, no ptrace, no sockets, no new
 *     namespaces, no shared mappings), and the audit hook in import mode,
 *     both before any installed package is imported: package code is tool
 *     code and never runs as root or in the supervisor.
 * Children stack the strict per-call filter on top.
 *
 * The zygote is pid 1 of its namespace; the intermediate process that
 * created the namespaces exits at once and the supervisor, a subreaper,
 * inherits the zygote.  Messages both ways are fixed-size records on a
 * SOCK_SEQPACKET pair: spawn (with the two fds) and kill one way, ready
 * and exited the other.  The supervisor never forks a second zygote: if
 * this one dies, the supervisor exits and its keeper restarts both.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sbx.h"

enum { ZM_SPAWN = 1, ZM_KILL, ZM_READY, ZM_EXITED };

struct zmsg {
	uint32_t	op;
	uint32_t	tag;
	int32_t		status;
	int32_t		isolated;
	char		text[32];
};

#define ZYGOTE_CTL_FD	3
#define ZYGOTE_MAX	4096
#define NS_FLAGS	(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | \
			 CLONE_NEWNET | CLONE_NEWUTS)

/* ---- supervisor side ---- */
static int		ctl = -1;
static uint32_t		next_tag;
static char		python[32];
static int		isolated;

int
sbx_zygote_fd(void)
{
	return (ctl);
}

const char *
sbx_zygote_python(void)
{
	return (python);
}

int
sbx_zygote_isolated(void)
{
	return (isolated);
}

/* ---- zygote side ---- */
struct zkid {
	uint32_t	tag;
	pid_t		pid;
};

static struct zkid	kids[ZYGOTE_MAX];
static size_t		nkids;

static void
zygote_send(int fd, uint32_t op, uint32_t tag, int status, const char *text,
    int iso)
{
	struct zmsg	m;
	ssize_t		n;

	memset(&m, 0, sizeof(m));
	m.op = op;
	m.tag = tag;
	m.status = status;
	m.isolated = iso;
	if (text != NULL)
		snprintf(m.text, sizeof(m.text), "%s", text);
	do {
		n = send(fd, &m, sizeof(m), MSG_NOSIGNAL);
	} while (n == -1 && errno == EINTR);
}

static void
zygote_log(const char *level, const char *event, const char *msg, int err)
{
	json_t	*f = json_pack("{s:s}", "message", msg);

	if (err)
		json_object_set_new(f, "reason", json_string(strerror(err)));
	sbx_log(level, event, f);
}

static void __attribute__((noreturn))
zygote_exit(void)
{
	size_t	i;

	for (i = 0; i < nkids; i++)
		kill(kids[i].pid, SIGKILL);
	_exit(0);
}

static void
zygote_spawn(const struct zmsg *m, int rfd, int wfd)
{
	pid_t	pid;

	pid = nkids < ZYGOTE_MAX ? sbx_child_fork(rfd, wfd) : -1;
	close(rfd);
	close(wfd);
	if (pid == -1) {
		/* Exit status 120: "sandbox set-up failed". */
		zygote_send(ZYGOTE_CTL_FD, ZM_EXITED, m->tag, 120 << 8, NULL,
		    0);
		return;
	}
	kids[nkids].tag = m->tag;
	kids[nkids].pid = pid;
	nkids++;
}

static void
zygote_kill(uint32_t tag)
{
	size_t	i;

	for (i = 0; i < nkids; i++) {
		/* Not reaped yet, so the pid cannot have been reused. */
		if (kids[i].tag == tag)
			kill(kids[i].pid, SIGKILL);
	}
}

static void
zygote_read_ctl(void)
{
	union {
		struct cmsghdr	h;
		char		buf[CMSG_SPACE(2 * sizeof(int))];
	} cm;
	struct zmsg	 m;
	struct msghdr	 mh;
	struct iovec	 iov;
	struct cmsghdr	*c;
	ssize_t		 n;
	int		 fds[2];

	for (;;) {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = &m;
		iov.iov_len = sizeof(m);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof(cm.buf);
		n = recvmsg(ZYGOTE_CTL_FD, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0)
			zygote_exit();	/* the supervisor is gone */
		fds[0] = fds[1] = -1;
		for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == SOL_SOCKET &&
			    c->cmsg_type == SCM_RIGHTS &&
			    c->cmsg_len == CMSG_LEN(2 * sizeof(int)))
				memcpy(fds, CMSG_DATA(c), sizeof(fds));
		if (n != sizeof(m))
			m.op = 0;
		if (m.op == ZM_SPAWN && fds[0] != -1 && fds[1] != -1) {
			zygote_spawn(&m, fds[0], fds[1]);
			continue;
		}
		if (fds[0] != -1)
			close(fds[0]);
		if (fds[1] != -1)
			close(fds[1]);
		if (m.op == ZM_KILL)
			zygote_kill(m.tag);
	}
}

static void
zygote_reap(int sfd)
{
	struct signalfd_siginfo	si;
	pid_t			pid;
	size_t			i;
	int			st;

	while (read(sfd, &si, sizeof(si)) == sizeof(si))
		;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < nkids; i++) {
			if (kids[i].pid != pid)
				continue;
			zygote_send(ZYGOTE_CTL_FD, ZM_EXITED, kids[i].tag, st,
			    NULL, 0);
			kids[i] = kids[--nkids];
			break;
		}
	}
}

static void __attribute__((noreturn))
zygote_loop(void)
{
	struct pollfd	pfd[2];
	sigset_t	set;
	int		sfd;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		_exit(1);
	for (;;) {
		pfd[0].fd = ZYGOTE_CTL_FD;
		pfd[0].events = POLLIN;
		pfd[1].fd = sfd;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) == -1 && errno != EINTR)
			zygote_exit();
		if (pfd[1].revents)
			zygote_reap(sfd);
		if (pfd[0].revents)
			zygote_read_ctl();
	}
}

/* Root only: the sandbox uid for the zygote and so for every child. */
static void
zygote_drop(void)
{
	struct rlimit	rl = { 0, 0 };

	setrlimit(RLIMIT_CORE, &rl);
	if (geteuid() == 0 && (setgroups(0, NULL) == -1 ||
	    setresgid(sbx_child_uid, sbx_child_uid, sbx_child_uid) == -1 ||
	    setresuid(sbx_child_uid, sbx_child_uid, sbx_child_uid) == -1)) {
		zygote_log("error", "zygote", "cannot drop to the sandbox uid",
		    errno);
		_exit(1);
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		_exit(1);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/*
 * Install directories live under the server's private run directory,
 * which the sandbox uid may not traverse.  Opened now, while we may, they
 * are reached through /proc/self/fd: a path that starts at the directory
 * itself and needs no right on its parents.
 */
static void
zygote_open_paths(const struct sbx_pyconf *pc)
{
	static char	paths[16][32];
	size_t		i;
	int		fd;

	for (i = 0; i < pc->n_extra_paths && i < 16; i++) {
		fd = open(pc->extra_paths[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd == -1) {
			zygote_log("warning", "zygote", "cannot open a package "
			    "directory", errno);
			continue;
		}
		snprintf(paths[i], sizeof(paths[i]), "/proc/self/fd/%d", fd);
		pc->extra_paths[i] = paths[i];
	}
}

static void __attribute__((noreturn))
zygote_main(const struct sbx_pyconf *pc, int ns)
{
	int	nul, sig;

	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	if ((nul = open("/dev/null", O_RDWR | O_CLOEXEC)) != -1) {
		dup2(nul, 0);
		dup2(nul, 1);
	}
	close_range(ZYGOTE_CTL_FD + 1, ~0U, 0);
	if (ns) {
		/* A /proc of our own PID namespace: children see only us. */
		if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV |
		    MS_NOEXEC, NULL) == -1)
			zygote_log("warning", "zygote",
			    "cannot mount /proc for the "
			    "sandbox's PID namespace", errno);
		if (sethostname("mcpbox-sandbox", 14) == -1)
			zygote_log("warning", "zygote",
			    "cannot set the hostname",
			    errno);
	}
	zygote_open_paths(pc);
	zygote_drop();
	if (sbx_py_init(pc) == -1) {
		zygote_log("error", "start",
		    "cannot initialise the interpreter", 0);
		_exit(1);
	}
	if (sbx_seccomp_build() == -1 || sbx_seccomp_apply_zygote() == -1) {
		zygote_log("error", "start", "cannot build the seccomp filters",
		    0);
		_exit(1);
	}
	/*
	 * Installed packages: only now, as the sandbox uid under seccomp.
	 * Dumpable for the while, or our own /proc/self/fd would be root's.
	 */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	sbx_py_import_extra(pc);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	sbx_zygote_settle_heap();
	zygote_send(ZYGOTE_CTL_FD, ZM_READY, 0, 0, sbx_py_version(), ns);
	zygote_loop();
}

/*
 * In the supervisor, before anything else: fork the zygote (through an
 * intermediate that creates its namespaces) and wait until it is ready.
 */
int
sbx_zygote_start(const struct sbx_pyconf *pc)
{
	struct pollfd	pfd;
	struct zmsg	m;
	pid_t		pid, z;
	int		sv[2], ns, err, st;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		return (-1);
	/* The zygote's parent exits at once: we inherit the zygote. */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	if ((pid = fork()) == -1)
		return (-1);
	if (pid == 0) {
		close(sv[0]);
		if (dup2(sv[1], ZYGOTE_CTL_FD) == -1)
			_exit(1);
		ns = unshare(NS_FLAGS) == 0;
		err = ns ? 0 : errno;
		if (ns && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ==
		    -1)
			_exit(1);
		if ((z = fork()) != 0)
			_exit(z == -1 ? 1 : 0);
		if (!ns)
			zygote_log("warning", "namespaces",
			    "no PID, mount, IPC and "
			    "network namespaces for the sandbox (seccomp still "
			    "keeps children from other processes)", err);
		zygote_main(pc, ns);
	}
	close(sv[1]);
	ctl = sv[0];
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	pfd.fd = ctl;
	pfd.events = POLLIN;
	/* Importing packages can take a while; the keeper waits for us. */
	if (poll(&pfd, 1, 120000) != 1 ||
	    recv(ctl, &m, sizeof(m), 0) != (ssize_t)sizeof(m) ||
	    m.op != ZM_READY) {
		close(ctl);
		ctl = -1;
		return (-1);
	}
	m.text[sizeof(python) - 1] = '\0';
	memcpy(python, m.text, sizeof(python));
	isolated = m.isolated;
	fcntl(ctl, F_SETFL, O_NONBLOCK);
	return (0);
}

static int
zygote_ctl_send(struct zmsg *m, const int *fds)
{
	union {
		struct cmsghdr	h;
		char		buf[CMSG_SPACE(2 * sizeof(int))];
	} cm;
	struct msghdr	 mh;
	struct iovec	 iov;
	struct pollfd	 pfd;
	struct cmsghdr	*c;
	ssize_t		 n;

	memset(&mh, 0, sizeof(mh));
	iov.iov_base = m;
	iov.iov_len = sizeof(*m);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (fds != NULL) {
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof(cm.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(2 * sizeof(int));
		memcpy(CMSG_DATA(c), fds, 2 * sizeof(int));
	}
	for (;;) {
		n = sendmsg(ctl, &mh, MSG_NOSIGNAL);
		if (n == sizeof(*m))
			return (0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* The zygote only forks: it drains quickly. */
			pfd.fd = ctl;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, 1000) == 1)
				continue;
		}
		return (-1);
	}
}

/* Ask for a child; its pipes are ours at once, the process follows. */
int
sbx_zygote_spawn(struct sbx_child *c)
{
	struct zmsg	m;
	int		to[2], from[2], fds[2];

	if (ctl == -1 || pipe2(to, O_CLOEXEC) == -1)
		return (-1);
	if (pipe2(from, O_CLOEXEC) == -1) {
		close(to[0]);
		close(to[1]);
		return (-1);
	}
	memset(&m, 0, sizeof(m));
	m.op = ZM_SPAWN;
	if (++next_tag == 0)
		next_tag = 1;
	m.tag = next_tag;
	fds[0] = to[0];
	fds[1] = from[1];
	if (zygote_ctl_send(&m, fds) == -1) {
		close(to[0]);
		close(to[1]);
		close(from[0]);
		close(from[1]);
		return (-1);
	}
	close(to[0]);
	close(from[1]);
	fcntl(to[1], F_SETFL, O_NONBLOCK);
	fcntl(from[0], F_SETFL, O_NONBLOCK);
	c->tag = m.tag;
	c->to_fd = to[1];
	c->from_fd = from[0];
	c->warmed = 0;
	return (0);
}

void
sbx_zygote_kill(uint32_t tag)
{
	struct zmsg	m;

	memset(&m, 0, sizeof(m));
	m.op = ZM_KILL;
	m.tag = tag;
	(void)zygote_ctl_send(&m, NULL);
}

void
sbx_zygote_stop(void)
{
	if (ctl != -1)
		close(ctl);
	ctl = -1;
}

/* One exit report: 1 (tag, status set), 0 none pending, -1 zygote gone. */
int
sbx_zygote_event(uint32_t *tag, int *status)
{
	struct zmsg	m;
	ssize_t		n;

	for (;;) {
		n = recv(ctl, &m, sizeof(m), MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return (0);
		if (n != sizeof(m))
			return (-1);
		if (m.op != ZM_EXITED)
			continue;
		*tag = m.tag;
		*status = m.status;
		return (1);
	}
}
