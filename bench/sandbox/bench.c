/*
 * bench.c -- round-trip latency of a trivial tool through mcpbox-sandbox,
 * and what a call costs each process.
 *
 * Starts the real binary on a private socket, sends N sequential execute
 * calls of `def main(x): return x+1` and times each from the first byte
 * written to the last byte of the answer read.  Around the timed calls it
 * reads /proc/PID/stat of the supervisor and of the zygote: minor faults
 * and CPU (user+sys) of each, and, from the zygote's counters for reaped
 * children, of the children -- all divided by the number of calls.  The
 * baseline runs the same request through the harness in this process: no
 * fork, no isolation -- the price of the layers is the difference.  Last,
 * this process (the same interpreter, initialised the same way) forks
 * children that exit at once: the cost of fork() and of tearing an address
 * space down, without any call.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sbx.h"

/* As the server sends a tool's call: with the modules it may import. */
#define REQ_LISTED	"{\"op\":\"execute\",\"id\":%d,\"code\":" \
    "\"def main(x):\\n    return x + 1\\n\",\"args\":{\"x\":41}," \
    "\"allowed_modules\":[\"json\",\"math\",\"re\",\"datetime\"]," \
    "\"timeout_ms\":5000,\"memory_mb\":128}"
#define REQ	"{\"op\":\"execute\",\"id\":%d,\"code\":" \
    "\"def main(x):\\n    return x + 1\\n\",\"args\":{\"x\":41}," \
    "\"timeout_ms\":5000,\"memory_mb\":128}"

static int
cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return ((x > y) - (x < y));
}

static void
report(const char *name, double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	printf("BENCH %s_p50 %.3f ms\n", name, v[n / 2]);
	printf("BENCH %s_p99 %.3f ms\n", name, v[(int)(n * 0.99)]);
}

/* The counters of /proc/PID/stat we use; CPU in ms. */
struct pstat {
	double	minflt, cminflt, cpu, ccpu;
};

static int
pstat_read(pid_t pid, struct pstat *p)
{
	char	path[64], buf[1024], *s;
	double	tick = (double)sysconf(_SC_CLK_TCK);
	unsigned long	minflt, cminflt, ut, st, cut, cst;
	FILE	*f;
	size_t	n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Fields after the command name, which may hold spaces: 3 is state. */
	if ((s = strrchr(buf, ')')) == NULL || sscanf(s + 2,
	    "%*c %*d %*d %*d %*d %*d %*u %lu %lu %*u %*u %lu %lu %lu %lu",
	    &minflt, &cminflt, &ut, &st, &cut, &cst) != 6)
		return (-1);
	p->minflt = (double)minflt;
	p->cminflt = (double)cminflt;
	p->cpu = (double)(ut + st) * 1000.0 / tick;
	p->ccpu = (double)(cut + cst) * 1000.0 / tick;
	return (0);
}

/* The zygote: the supervisor's child (it is the supervisor's subreaper). */
static pid_t
find_zygote(pid_t sup)
{
	char		 path[300], buf[512], *s;
	struct dirent	*d;
	DIR		*dir;
	pid_t		 pid = -1;
	int		 ppid;
	FILE		*f;
	size_t		 n;

	if ((dir = opendir("/proc")) == NULL)
		return (-1);
	while (pid == -1 && (d = readdir(dir)) != NULL) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", d->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		if ((s = strrchr(buf, ')')) != NULL &&
		    sscanf(s + 2, "%*c %d", &ppid) == 1 && ppid == sup)
			pid = atoi(d->d_name);
	}
	closedir(dir);
	return (pid);
}

static void
per_call(const char *name, double before, double after, int n,
    const char *unit)
{
	printf("BENCH %s %.3f %s\n", name, (after - before) / n, unit);
}

static int
roundtrip(int fd, int i, const char *fmt)
{
	struct sbx_buf	 in = { 0 }, out = { 0 };
	char		 req[512], buf[65536];
	uint32_t	 len;
	ssize_t		 n;
	int		 st, ok;

	snprintf(req, sizeof(req), fmt, i);
	sbx_frame_put(&out, req, strlen(req));
	if (sbx_frame_write_fd(fd, out.data, out.len) == -1)
		return (-1);
	sbx_buf_free(&out);
	while ((st = sbx_frame_next(&in, SBX_FRAME_MAX, &len)) ==
	    SBX_FRAME_NEED) {
		if ((n = read(fd, buf, sizeof(buf))) <= 0)
			return (-1);
		sbx_buf_append(&in, buf, (size_t)n);
	}
	ok = st == SBX_FRAME_READY && memmem(in.data + 4, len,
	    "\"result\":42", 11) != NULL;
	sbx_buf_free(&in);
	return (ok ? 0 : -1);
}

/*
 * fork() of this interpreter and a child that exits at once: the floor
 * under every call, paid in the zygote (page tables copied) and in the
 * child (its own faults, and the address space torn down at exit).
 */
static void
bare_forks(double *v, int n)
{
	struct rusage	ru;
	double		t0, flt = 0, cpu = 0;
	pid_t		pid;
	int		i, st;

	for (i = 0; i < n; i++) {
		t0 = sbx_now_ms();
		if ((pid = fork()) == 0)
			_exit(0);
		v[i] = sbx_now_ms() - t0;
		if (pid == -1 || wait4(pid, &st, 0, &ru) == -1)
			return;
		flt += (double)ru.ru_minflt;
		cpu += (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
		    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	}
	report("fork", v, n);
	printf("BENCH bare_child_faults %.1f faults\n", flt / n);
	printf("BENCH bare_child_cpu %.3f ms\n", cpu / n);
}

int
main(int argc, char **argv)
{
	struct sockaddr_un	 sa;
	struct sbx_pyconf	 pc;
	const char		*bin = "build/mcpbox-sandbox";
	char			 dir[] = "/tmp/sbx-bench-XXXXXX", sock[108];
	char			 req[512], *out;
	double			*v, t0;
	size_t			 outlen;
	struct pstat		 s0, s1, z0, z1, zl;
	pid_t			 pid, zyg;
	int			 i, n = 1000, fd = -1, tries;

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--binary") == 0)
			bin = argv[i + 1];
		else if (strcmp(argv[i], "--calls") == 0)
			n = atoi(argv[i + 1]);
	}
	if (n < 500)
		n = 500;
	v = calloc((size_t)n, sizeof(*v));

	if (mkdtemp(dir) == NULL)
		return (1);
	chmod(dir, 0700);
	snprintf(sock, sizeof(sock), "%s/s.sock", dir);
	if ((pid = fork()) == 0) {
		execl(bin, bin, "--socket", sock, (char *)NULL);
		_exit(127);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	for (tries = 0; tries < 2000; tries++) {
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		close(fd);
		fd = -1;
		usleep(10000);
	}
	if (fd == -1) {
		fprintf(stderr, "bench: supervisor did not start\n");
		return (1);
	}
	for (i = 0; i < 50; i++)		/* warm-up, not timed */
		if (roundtrip(fd, i, REQ) == -1)
			return (1);
	if ((zyg = find_zygote(pid)) == -1 || pstat_read(pid, &s0) == -1 ||
	    pstat_read(zyg, &z0) == -1) {
		fprintf(stderr, "bench: cannot read the processes' counters\n");
		return (1);
	}
	for (i = 0; i < n; i++) {
		t0 = sbx_now_ms();
		if (roundtrip(fd, i, REQ) == -1) {
			fprintf(stderr, "bench: call %d failed\n", i);
			return (1);
		}
		v[i] = sbx_now_ms() - t0;
	}
	usleep(100000);		/* the last child reaped, its spare forked */
	if (pstat_read(pid, &s1) == -1 || pstat_read(zyg, &z1) == -1)
		return (1);
	for (i = 0; i < n / 2; i++)
		if (roundtrip(fd, i, REQ_LISTED) == -1)
			return (1);
	usleep(100000);
	if (pstat_read(zyg, &zl) == -1)
		return (1);
	close(fd);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	rmdir(dir);
	printf("BENCH sandbox_calls %d\n", n);
	report("sandbox_roundtrip", v, n);
	/* Spares alive at either end are alike in number: they cancel out. */
	per_call("child_faults_per_call", z0.cminflt, z1.cminflt, n, "faults");
	per_call("zygote_faults_per_call", z0.minflt, z1.minflt, n, "faults");
	per_call("supervisor_faults_per_call", s0.minflt, s1.minflt, n,
	    "faults");
	per_call("child_cpu_per_call", z0.ccpu, z1.ccpu, n, "ms");
	per_call("zygote_cpu_per_call", z0.cpu, z1.cpu, n, "ms");
	per_call("supervisor_cpu_per_call", s0.cpu, s1.cpu, n, "ms");
	per_call("child_faults_per_call_listed_modules", z1.cminflt,
	    zl.cminflt, n / 2, "faults");

	memset(&pc, 0, sizeof(pc));
	if (sbx_py_init(&pc) == -1)
		return (1);
	snprintf(req, sizeof(req), REQ, 0);
	for (i = 0; i < n; i++) {
		t0 = sbx_now_ms();
		if (sbx_py_run(req, strlen(req), &out, &outlen) == -1 ||
		    strstr(out, "\"result\":42") == NULL)
			return (1);
		free(out);
		v[i] = sbx_now_ms() - t0;
	}
	report("inprocess_baseline", v, n);
	bare_forks(v, n);
	free(v);
	return (0);
}
