/*
 * broker_spawn.c -- the broker's process side: the supervisor starts one
 * helper per allowed request (this binary, exec'd afresh through an fd
 * opened before anything could replace it), and the helper's main reads
 * its one request and answers with one frame.  What the helper does with
 * the request is broker.c.  A lookup (the server checking a network
 * request) is a helper too: resolving blocks, and the supervisor's loop
 * never does.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <grp.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "curl_dl.h"
#include "netaddr.h"
#include "sbx.h"

static int	self_fd = -1;

/*
 * Before anything can replace the binary on disk under our feet.  The
 * helper is exec'd through this fd, not a path: after the uid drop the
 * sandbox uid may not be able to traverse the checkout's parents.
 */
int
sbx_broker_global_init(void)
{
	int	fd;

	if (sbx_curl_load() == -1)
		return (-1);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	/* Kept above the helper's fixed fds 3-5 so the dup2s cannot clobber it. */
	if ((fd = open("/proc/self/exe", O_PATH | O_CLOEXEC)) != -1) {
		self_fd = fcntl(fd, F_DUPFD_CLOEXEC, 64);
		close(fd);
	}
	return (0);
}

static json_t *
broker_hosts_json(const struct sbx_hostrule *hosts, size_t nhosts)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < nhosts; i++)
		json_array_append_new(a, json_pack("{s:s,s:i,s:b}", "host",
		    hosts[i].host, "port", hosts[i].port, "private",
		    hosts[i].private));
	return (a);
}

/*
 * Start a helper for one request; *fd receives its answer frame.  The
 * request goes in a memfd (no pipe to keep fed); the helper drops to the
 * sandbox uid and NO_NEW_PRIVS before it execs.
 */
pid_t
sbx_broker_spawn(const json_t *req, const struct sbx_hostrule *hosts,
    size_t nhosts, long budget_ms, int *fd)
{
	static char *const	 envp[] = { "PATH=/usr/bin:/bin",
	    "LANG=C.UTF-8", NULL };
	const char		*argv[8 + 2 * SBX_DOORS_MAX];
	char			 doors[SBX_DOORS_MAX][300];
	struct rlimit		 rl;
	json_t			*job;
	pid_t			 pid;
	int			 p[2], mfd, sig, a = 0, i;
#ifdef SBX_TESTING
	char			 port[16];
#endif

	if (self_fd == -1 ||
	    (mfd = memfd_create("sbx-broker", MFD_CLOEXEC)) == -1)
		return (-1);
	job = json_pack("{s:O,s:o,s:I}", "request", req, "hosts",
	    broker_hosts_json(hosts, nhosts), "budget_ms",
	    (json_int_t)budget_ms);
	if (job == NULL || json_dumpfd(job, mfd, JSON_COMPACT) == -1 ||
	    pipe2(p, O_CLOEXEC) == -1) {
		json_decref(job);
		close(mfd);
		return (-1);
	}
	json_decref(job);
	argv[a++] = "mcpbox-sandbox";
	argv[a++] = "--broker-helper";
	for (i = 0; i < sbx_ndoors; i++) {
		snprintf(doors[i], sizeof(doors[i]), strchr(sbx_doors[i].host,
		    ':') ? "[%s]:%d" : "%s:%d", sbx_doors[i].host,
		    sbx_doors[i].port);
		argv[a++] = "--self-door";
		argv[a++] = doors[i];
	}
#ifdef SBX_TESTING
	if (sbx_broker_test_port != 0) {
		snprintf(port, sizeof(port), "%d", sbx_broker_test_port);
		argv[a++] = "--test-loopback-port";
		argv[a++] = port;
	}
	if (sbx_broker_test_cafile != NULL) {
		argv[a++] = "--test-cafile";
		argv[a++] = sbx_broker_test_cafile;
	}
#endif
	argv[a] = NULL;
	if ((pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		close(mfd);
		return (-1);
	}
	if (pid > 0) {
		close(p[1]);
		close(mfd);
		fcntl(p[0], F_SETFL, O_NONBLOCK);
		*fd = p[0];
		return (pid);
	}
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	if (dup2(mfd, 3) == -1 || dup2(p[1], 4) == -1 ||
	    dup3(self_fd, 5, O_CLOEXEC) == -1)
		_exit(1);
	close_range(6, ~0U, 0);
	rl.rlim_cur = rl.rlim_max = 30;
	setrlimit(RLIMIT_CPU, &rl);
	rl.rlim_cur = rl.rlim_max = 0;
	setrlimit(RLIMIT_CORE, &rl);
	if (sbx_started_as_root() && (setgroups(0, NULL) == -1 ||
	    setresgid(sbx_child_uid, sbx_child_uid, sbx_child_uid) == -1 ||
	    setresuid(sbx_child_uid, sbx_child_uid, sbx_child_uid) == -1))
		_exit(1);
	sbx_helper_caps_clear();
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	syscall(SYS_execveat, 5, "", (char *const *)(uintptr_t)argv, envp,
	    AT_EMPTY_PATH);
	_exit(1);
}

/* The exec'd helper: one request from fd 3, one answer frame on fd 4. */
int
sbx_broker_helper_main(void)
{
	struct sbx_buf		 b = { 0 };
	struct sbx_hostrule	*hosts;
	json_error_t		 je;
	json_t			*job, *h, *out, *req;
	const char		*look;
	size_t			 i, n;
	int			 rc;

	signal(SIGPIPE, SIG_IGN);
	lseek(3, 0, SEEK_SET);
	if ((job = json_loadfd(3, 0, &je)) == NULL)
		return (1);
	n = json_array_size(json_object_get(job, "hosts"));
	if (n > SBX_MAX_HOSTS || (hosts = calloc(n + 1, sizeof(*hosts))) ==
	    NULL)
		return (1);
	json_array_foreach(json_object_get(job, "hosts"), i, h) {
		snprintf(hosts[i].host, sizeof(hosts[i].host), "%s",
		    json_string_value(json_object_get(h, "host")) ?
		    json_string_value(json_object_get(h, "host")) : "");
		hosts[i].port = (int)json_integer_value(json_object_get(h,
		    "port"));
		hosts[i].private = json_is_true(json_object_get(h, "private"));
	}
	if (sbx_curl_load() == -1) {
		free(hosts);
		json_decref(job);
		return (1);
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	req = json_object_get(job, "request");
	if ((look = json_string_value(json_object_get(req, "lookup"))) != NULL)
		out = sbx_broker_lookup(look, (int)json_integer_value(
		    json_object_get(req, "port")));
	else
		out = sbx_broker_perform(req, hosts, n, (long)
		    json_integer_value(json_object_get(job, "budget_ms")));
	free(hosts);
	json_decref(job);
	rc = out == NULL || sbx_frame_put_json(&b, out) == -1 ||
	    sbx_frame_write_fd(4, b.data, b.len) == -1;
	json_decref(out);
	sbx_buf_free(&b);
	return (rc);
}
