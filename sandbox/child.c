/*
 * child.c -- fork a child in the zygote and lock it down.
 *
 * The order matters and is the same for every child: file descriptors
 * (only the two pipes survive, as fds 3 and 4), resource limits, the
 * unprivileged uid (the zygote already runs as it when started as root),
 * NO_NEW_PRIVS, the seccomp filter, and only then the interpreter's
 * after-fork hooks (which may be package code), the audit hook and
 * untrusted input.  A
 * child may be pre-forked: it locks down, optionally runs a warm-up call
 * to take its copy-on-write faults, and blocks on fd 3 until a request
 * arrives; the per-call memory and CPU limits are applied then, by
 * lowering limits it cannot raise again.  Every child serves exactly one
 * request and exits.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "sbx.h"

#define MAX_MEMORY_MB	4096
#define MAX_CPU_S	601

uid_t		sbx_child_uid = SBX_CALL_UID;
static size_t	base_vsize;

static void __attribute__((noreturn))
child_fail(int code)
{
	_exit(code);
}

static void
child_setlim(int res, rlim_t soft, rlim_t hard)
{
	struct rlimit	rl = { soft, hard };

	if (setrlimit(res, &rl) == -1)
		child_fail(120);
}

static size_t
child_own_vsize(void)
{
	char	buf[64];
	ssize_t	n;
	int	fd;

	if ((fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)) == -1)
		return (0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return (0);
	buf[n] = '\0';
	return ((size_t)strtoul(buf, NULL, 10) * (size_t)sysconf(_SC_PAGESIZE));
}

static void
child_setup_fds(int rfd, int wfd)
{
	int	nul, r, w;

	/* Move both ends out of the way before they land on 3 and 4. */
	if ((r = fcntl(rfd, F_DUPFD, 10)) == -1 ||
	    (w = fcntl(wfd, F_DUPFD, 10)) == -1)
		child_fail(121);
	if (dup2(r, 3) == -1 || dup2(w, 4) == -1)
		child_fail(121);
	if ((nul = open("/dev/null", O_RDWR)) == -1)
		child_fail(121);
	dup2(nul, 0);
	dup2(nul, 1);
#ifndef SBX_KEEP_STDERR
	dup2(nul, 2);
#endif
	close_range(5, ~0U, 0);
	if (nul > 4)
		close(nul);
}

static void
child_lockdown(void)
{
	sigset_t	all;
	int		sig;

	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);

#ifdef SBX_TESTING
	/* Test builds: the read-any-byte primitive, opened while we still can. */
	sbx_testscan_open();
#endif
	base_vsize = child_own_vsize();
#ifndef SBX_ASAN
	/* ASan reserves terabytes of shadow; its builds go without AS. */
	child_setlim(RLIMIT_AS, base_vsize + ((rlim_t)MAX_MEMORY_MB << 20),
	    base_vsize + ((rlim_t)MAX_MEMORY_MB << 20));
#endif
	child_setlim(RLIMIT_CPU, MAX_CPU_S, MAX_CPU_S + 1);
	child_setlim(RLIMIT_NOFILE, 8, 8);
	child_setlim(RLIMIT_FSIZE, 0, 0);
	child_setlim(RLIMIT_CORE, 0, 0);
	child_setlim(RLIMIT_NPROC, 0, 0);
	child_setlim(RLIMIT_MEMLOCK, 0, 0);
	child_setlim(RLIMIT_MSGQUEUE, 0, 0);

	/* RLIMIT_NPROC means nothing to root: drop the uid first. */
	if (geteuid() == 0) {
		if (setgroups(0, NULL) == -1 ||
		    setresgid(sbx_child_uid, sbx_child_uid, sbx_child_uid) ==
		    -1 || setresuid(sbx_child_uid, sbx_child_uid,
		    sbx_child_uid) == -1)
			child_fail(122);
	}
	/* Set after the uid change, which clears it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1)
		child_fail(123);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		child_fail(123);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (sbx_seccomp_apply() == -1)
		child_fail(124);
}

static void
child_per_call_limits(const json_t *req)
{
	json_int_t	mem, cpu;

	mem = json_integer_value(json_object_get(req, "memory_mb"));
	cpu = json_integer_value(json_object_get(req, "cpu_s"));
	if (mem < 16 || mem > MAX_MEMORY_MB)
		mem = 256;
	if (cpu < 1 || cpu > MAX_CPU_S - 1)
		cpu = MAX_CPU_S - 1;
#ifndef SBX_ASAN
	child_setlim(RLIMIT_AS, base_vsize + ((rlim_t)mem << 20),
	    base_vsize + ((rlim_t)mem << 20));
#endif
	child_setlim(RLIMIT_CPU, (rlim_t)cpu, (rlim_t)cpu + 1);
}

static void __attribute__((noreturn))
child_main(int rfd, int wfd)
{
	struct sbx_buf	 b = { 0 };
	json_t		*req;
	char		*in, *out;
	uint32_t	 inlen;
	size_t		 outlen;
	int		 layers = 1, warmed = 0;

	child_setup_fds(rfd, wfd);
	child_lockdown();
	/* After lockdown: at-fork hooks registered by packages run here. */
	PyOS_AfterFork_Child();
	for (;;) {
		if (sbx_frame_read_fd(3, SBX_FRAME_MAX + 4096, &in,
		    &inlen) == -1)
			_exit(0);
		if (inlen != sizeof(SBX_WARM_FRAME) - 1 ||
		    memcmp(in, SBX_WARM_FRAME, inlen) != 0)
			break;
		/* The supervisor is idle: take the faults now, not later. */
		free(in);
		if (!warmed)
			sbx_py_warm_child();
		warmed = 1;
	}
	if ((req = json_loadb(in, inlen, 0, NULL)) == NULL)
		_exit(125);
	child_per_call_limits(req);
#ifdef SBX_TESTING
	/* Test builds only: the kernel corpus runs without Python layers. */
	if (json_is_false(json_object_get(req, "python_layers")))
		layers = 0;
#endif
	json_decref(req);
	sbx_py_audit_arm(layers);
	if (sbx_py_run(in, inlen, &out, &outlen) == -1)
		_exit(126);
	free(in);
	if (sbx_frame_put(&b, out, outlen) == -1 ||
	    sbx_frame_write_fd(4, b.data, b.len) == -1)
		_exit(127);
	_exit(0);
}

/* In the zygote: fork one child on the pipe ends the supervisor sent. */
pid_t
sbx_child_fork(int rfd, int wfd)
{
	pid_t	pid;

	PyOS_BeforeFork();
	pid = fork();
	if (pid == 0)
		child_main(rfd, wfd);
	PyOS_AfterFork_Parent();
	return (pid);
}

/*
 * Ask a waiting spare for its warm-up run. Only when the supervisor is
 * idle: under load the run would just compete with real calls for the
 * same cores, and a cold spare costs no more than a warm one did.
 */
void
sbx_child_warm(struct sbx_child *c)
{
	static const uint8_t	frame[] = { 0, 0, 0,
	    sizeof(SBX_WARM_FRAME) - 1, 'w', 'a', 'r', 'm' };
	ssize_t			n;

	if (c->warmed || c->to_fd == -1)
		return;
	do {
		n = write(c->to_fd, frame, sizeof(frame));
	} while (n == -1 && errno == EINTR);
	/* An empty pipe takes it whole (< PIPE_BUF); if not, stay cold. */
	c->warmed = 1;
}

/* Kill (through the zygote, its parent) and close; the zygote reports the exit. */
void
sbx_child_kill(struct sbx_child *c)
{
	if (c->tag != 0)
		sbx_zygote_kill(c->tag);
	if (c->to_fd != -1)
		close(c->to_fd);
	if (c->from_fd != -1)
		close(c->from_fd);
	c->to_fd = c->from_fd = -1;
}
