/*
 * main.c -- mcpbox-sandbox: command line, start-up order, exit.
 *
 * Start-up order matters: the interpreter and harness come up first (the
 * zygote must be complete before any fork), then the seccomp program is
 * compiled once, libcurl is initialised (before any helper forks), and
 * only then does the socket open.  All JSON the process allocates is
 * zeroed when freed, so secrets of finished calls do not linger in pages
 * a later child would inherit.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sbx.h"

static void *
zmalloc(size_t n)
{
	return (malloc(n));
}

static void
zfree(void *p)
{
	if (p != NULL) {
		explicit_bzero(p, malloc_usable_size(p));
		free(p);
	}
}

static void __attribute__((noreturn))
usage(const char *msg)
{
	if (msg)
		sbx_log("error", "usage", json_pack("{s:s}", "message", msg));
	fprintf(stderr, "usage: mcpbox-sandbox --socket PATH [--allow-uid UID]... "
	    "[--concurrency N] [--queue N] [--packages-dir DIR] "
	    "[--run-as-uid UID] [--python-path DIR]... [--module NAME]..."
#ifdef SBX_TESTING
	    " [--test-loopback-port PORT] [--test-cafile FILE]"
#endif
	    "\n");
	exit(2);
}

static long
num(const char *s, long lo, long hi, const char *what)
{
	char	*end;
	long	 v;

	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < lo || v > hi)
		usage(what);
	return (v);
}

int
main(int argc, char **argv)
{
	static const char	*paths[16], *mods[64];
	struct sbx_config	 cfg;
	struct sbx_pyconf	 pc;
	const char		*env;
	long			 ncpu;
	int			 i;

	json_set_alloc_funcs(zmalloc, zfree);
	memset(&cfg, 0, sizeof(cfg));
	memset(&pc, 0, sizeof(pc));
	pc.extra_paths = paths;
	pc.extra_modules = mods;
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cfg.concurrency = (int)(ncpu > 0 ? ncpu * 2 : 2);
	cfg.queue = 64;
	if ((env = getenv("MCPBOX_SANDBOX_CONCURRENCY")) != NULL && *env)
		cfg.concurrency = (int)num(env, 1, 1024,
		    "MCPBOX_SANDBOX_CONCURRENCY must be 1-1024");
#ifdef SBX_TESTING
	pc.testing = 1;
#endif
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (v == NULL)
			usage("missing option value");
		if (strcmp(a, "--socket") == 0)
			cfg.socket_path = v;
		else if (strcmp(a, "--allow-uid") == 0) {
			if (cfg.n_allow_uid == 16)
				usage("too many --allow-uid");
			cfg.allow_uid[cfg.n_allow_uid++] =
			    (uid_t)num(v, 0, 2147483647, "bad --allow-uid");
		} else if (strcmp(a, "--concurrency") == 0)
			cfg.concurrency = (int)num(v, 1, 1024,
			    "--concurrency must be 1-1024");
		else if (strcmp(a, "--queue") == 0)
			cfg.queue = (int)num(v, 0, 100000,
			    "--queue must be 0-100000");
		else if (strcmp(a, "--packages-dir") == 0)
			cfg.packages_dir = v;
		else if (strcmp(a, "--run-as-uid") == 0)
			sbx_child_uid = (uid_t)num(v, 1, 2147483647,
			    "--run-as-uid must not be 0");
		else if (strcmp(a, "--python-path") == 0 &&
		    pc.n_extra_paths < 16 && v[0] == '/')
			paths[pc.n_extra_paths++] = v;
		else if (strcmp(a, "--module") == 0 &&
		    pc.n_extra_modules < 64)
			mods[pc.n_extra_modules++] = v;
#ifdef SBX_TESTING
		else if (strcmp(a, "--test-loopback-port") == 0)
			sbx_broker_test_port = (int)num(v, 1, 65535,
			    "bad --test-loopback-port");
		else if (strcmp(a, "--test-cafile") == 0)
			sbx_broker_test_cafile = v;
#endif
		else
			usage("unknown option");
		i++;
	}
	if (cfg.socket_path == NULL)
		usage("--socket is required");
	if (cfg.packages_dir != NULL && cfg.packages_dir[0] != '/')
		usage("--packages-dir must be absolute");
	if (sbx_py_init(&pc) == -1) {
		sbx_log("error", "start", json_pack("{s:s}", "message",
		    "cannot initialise the interpreter"));
		return (1);
	}
	if (sbx_seccomp_build() == -1) {
		sbx_log("error", "start", json_pack("{s:s}", "message",
		    "cannot build the seccomp filter"));
		return (1);
	}
	sbx_broker_global_init();
	return (sbx_server_run(&cfg) == 0 ? 0 : 1);
}
