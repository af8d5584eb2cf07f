/*
 * main.c -- mcpbox-sandbox: command line, start-up order, exit.
 *
 * Start-up order matters: the environment is made minimal first (by
 * re-executing with a built one if the caller left anything else in it),
 * then the zygote is forked -- before the supervisor has a socket, a
 * request or libcurl -- and brings up the interpreter, the harness and the
 * seccomp programs; only then does the supervisor initialise libcurl and
 * open the socket.  All JSON the supervisor allocates is zeroed when
 * freed, so request data does not linger in its heap.
 *
 * `--broker-helper` is the exec'd HTTP helper (broker.c), never started by
 * hand.
 */
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sbx.h"

static void *
main_zmalloc(size_t n)
{
	return (malloc(n));
}

static void
main_zfree(void *p)
{
	if (p != NULL) {
		explicit_bzero(p, malloc_usable_size(p));
		free(p);
	}
}

/* What may stay in the environment; nothing of the server's. */
static const char *env_keep[] = {
	"PATH=", "LANG=", "LC_ALL=", "TZ=", "ASAN_OPTIONS=", "UBSAN_OPTIONS=",
	NULL
};

/*
 * /proc/PID/environ and the initial stack keep whatever the process was
 * started with, whatever clearenv() does later: so the only clean
 * environment is one we exec with.
 */
static void
main_clean_environment(char **argv)
{
	extern char	**environ;
	char		 *keep[8], **e, self[PATH_MAX];
	ssize_t		  len;
	const char	**k;
	int		  n = 0, dirty = 0, ok;

	for (e = environ; e && *e; e++) {
		for (ok = 0, k = env_keep; *k && !ok; k++)
			ok = strncmp(*e, *k, strlen(*k)) == 0;
		if (ok && n < 7)
			keep[n++] = *e;
		else
			dirty = 1;
	}
	if (!dirty)
		return;
	keep[n] = NULL;
	/* The real path, not /proc/self/exe: ps would then say "exe". */
	if ((len = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0) {
		self[len] = '\0';
		execve(self, argv, keep);
	}
	sbx_log("error", "start", json_pack("{s:s}", "message",
	    "cannot re-execute with a clean environment"));
	exit(1);
}

static void __attribute__((noreturn))
main_usage(const char *msg)
{
	if (msg)
		sbx_log("error", "usage", json_pack("{s:s}", "message", msg));
	fprintf(stderr, "usage: mcpbox-sandbox --socket PATH [--allow-uid UID]... "
	    "[--concurrency N] [--queue N] [--packages-dir DIR] "
	    "[--run-as-uid UID] [--supervisor-uid UID] [--python-path DIR]... "
	    "[--module NAME]... [--self-door HOST:PORT]..."
#ifdef SBX_TESTING
	    " [--test-loopback-port PORT] [--test-cafile FILE]"
#endif
	    "\n");
	exit(2);
}

static long
main_num(const char *s, long lo, long hi, const char *what)
{
	char	*end;
	long	 v;

	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < lo || v > hi)
		main_usage(what);
	return (v);
}

int
main(int argc, char **argv)
{
	static const char	*paths[16], *mods[64];
	struct sbx_config	 cfg;
	struct sbx_pyconf	 pc;
	long			 ncpu;
	int			 i;

	main_clean_environment(argv);
	json_set_alloc_funcs(main_zmalloc, main_zfree);
	if (argc >= 2 && strcmp(argv[1], "--broker-helper") == 0) {
		for (i = 2; i + 1 < argc; i += 2) {
			if (strcmp(argv[i], "--self-door") == 0)
				(void)sbx_door_add(argv[i + 1]);
#ifdef SBX_TESTING
			else if (strcmp(argv[i], "--test-loopback-port") == 0)
				sbx_broker_test_port = atoi(argv[i + 1]);
			else if (strcmp(argv[i], "--test-cafile") == 0)
				sbx_broker_test_cafile = argv[i + 1];
#endif
		}
		return (sbx_broker_helper_main());
	}
	memset(&cfg, 0, sizeof(cfg));
	memset(&pc, 0, sizeof(pc));
	pc.extra_paths = paths;
	pc.extra_modules = mods;
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cfg.concurrency = (int)(ncpu > 0 ? ncpu * 2 : 2);
	cfg.queue = 64;
#ifdef SBX_TESTING
	pc.testing = 1;
#endif
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (v == NULL)
			main_usage("missing option value");
		if (strcmp(a, "--socket") == 0)
			cfg.socket_path = v;
		else if (strcmp(a, "--allow-uid") == 0) {
			if (cfg.n_allow_uid == 16)
				main_usage("too many --allow-uid");
			cfg.allow_uid[cfg.n_allow_uid++] =
			    (uid_t)main_num(v, 0, 2147483647,
			    "bad --allow-uid");
		} else if (strcmp(a, "--concurrency") == 0)
			cfg.concurrency = (int)main_num(v, 1, 1024,
			    "--concurrency must be 1-1024");
		else if (strcmp(a, "--queue") == 0)
			cfg.queue = (int)main_num(v, 0, 100000,
			    "--queue must be 0-100000");
		else if (strcmp(a, "--packages-dir") == 0)
			cfg.packages_dir = v;
		else if (strcmp(a, "--run-as-uid") == 0)
			sbx_child_uid = (uid_t)main_num(v, 1, 2147483647,
			    "--run-as-uid must not be 0");
		else if (strcmp(a, "--supervisor-uid") == 0)
			sbx_supervisor_uid = (uid_t)main_num(v, 1, 2147483647,
			    "--supervisor-uid must not be 0");
		else if (strcmp(a, "--python-path") == 0 &&
		    pc.n_extra_paths < 16 && v[0] == '/')
			paths[pc.n_extra_paths++] = v;
		else if (strcmp(a, "--module") == 0 &&
		    pc.n_extra_modules < 64)
			mods[pc.n_extra_modules++] = v;
		else if (strcmp(a, "--self-door") == 0) {
			if (sbx_door_add(v) == -1)
				main_usage("bad --self-door (HOST:PORT, at most "
				    "4)");
		}
#ifdef SBX_TESTING
		else if (strcmp(a, "--test-loopback-port") == 0)
			sbx_broker_test_port = (int)main_num(v, 1, 65535,
			    "bad --test-loopback-port");
		else if (strcmp(a, "--test-cafile") == 0)
			sbx_broker_test_cafile = v;
		else if (strcmp(a, "--test-no-uid-filter") == 0)
			sbx_test_no_uid_filter = atoi(v);
#endif
		else
			main_usage("unknown option");
		i++;
	}
	if (cfg.socket_path == NULL)
		main_usage("--socket is required");
	/* Three uids that must differ: a call's, ours, a client's. */
	for (i = 0; i < (int)cfg.n_allow_uid; i++)
		if (cfg.allow_uid[i] == sbx_supervisor_uid ||
		    cfg.allow_uid[i] == sbx_child_uid)
			main_usage("--allow-uid must differ from --run-as-uid "
			    "and --supervisor-uid");
	if (sbx_supervisor_uid == sbx_child_uid)
		main_usage("--supervisor-uid must differ from --run-as-uid");
	(void)sbx_started_as_root();
	if (cfg.packages_dir != NULL && cfg.packages_dir[0] != '/')
		main_usage("--packages-dir must be absolute");
	if (sbx_zygote_start(&pc) == -1) {
		sbx_log("error", "start", json_pack("{s:s}", "message",
		    "the zygote did not start (see its log lines above)"));
		return (1);
	}
	/* Only now: the zygote never maps libcurl (curl_dl.h). */
	if (sbx_broker_global_init() == -1)
		return (1);
	return (sbx_server_run(&cfg) == 0 ? 0 : 1);
}
