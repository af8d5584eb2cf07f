/*
 * bench.c -- round-trip latency of a trivial tool through mcpbox-sandbox.
 *
 * Starts the real binary on a private socket, sends N sequential execute
 * calls of `def main(x): return x+1` and times each from the first byte
 * written to the last byte of the answer read.  The baseline runs the same
 * request through the harness in this process: no fork, no isolation --
 * the price of the layers is the difference.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sbx.h"

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

static int
roundtrip(int fd, int i)
{
	struct sbx_buf	 in = { 0 }, out = { 0 };
	char		 req[512], buf[65536];
	uint32_t	 len;
	ssize_t		 n;
	int		 st, ok;

	snprintf(req, sizeof(req), REQ, i);
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
	pid_t			 pid;
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
		if (roundtrip(fd, i) == -1)
			return (1);
	for (i = 0; i < n; i++) {
		t0 = sbx_now_ms();
		if (roundtrip(fd, i) == -1) {
			fprintf(stderr, "bench: call %d failed\n", i);
			return (1);
		}
		v[i] = sbx_now_ms() - t0;
	}
	close(fd);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	rmdir(dir);
	printf("BENCH sandbox_calls %d\n", n);
	report("sandbox_roundtrip", v, n);

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
	free(v);
	return (0);
}
