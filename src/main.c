/*
 * Process lifecycle: the Kore hooks.
 *
 * The parent reads and validates the configuration, takes over stdout for
 * JSON logging, applies migrations, binds the listener named by
 * MCPBOX_LISTEN and registers the database, all before Kore forks the
 * workers. Doing this in code rather than in conf/mcpbox.conf is what lets
 * one embedded configuration honour the environment (src/core/config.c).
 *
 * `mcpbox migrate` applies migrations and exits; `mcpbox version` prints
 * the version. Any other argument is a usage error.
 */
#include <sys/stat.h>
#include <pwd.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kore/kore.h>
#include <kore/hooks.h>
#include <kore/pgsql.h>
#include <kore/seccomp.h>

#include "core/core.h"
#include "db/db.h"
#include "db/rotate.h"
#include "api/api.h"
#include "http/http.h"
#include "sbx/sbx.h"
#include "sbx/keeper.h"
#include "mcp/mcp.h"
#include "ops/ops.h"
#include "oauth/oauth.h"

static const char	*main_env_get(const char *);

/*
 * Syscalls our workers need on top of Kore's list,
 * each for a library path a worker really takes.
 */
static struct sock_filter	mcpbox_filter[] = {
	/* glibc's stat() is newfstatat; libpq stats ~/.pgpass. */
	KORE_SYSCALL_ALLOW(newfstatat),
	/* libpq lists a directory during connection set-up. */
	KORE_SYSCALL_ALLOW(getdents64),
	/* OpenSSL 3 (JWT HMAC, AES-GCM) reads ids and the kernel name. */
	KORE_SYSCALL_ALLOW(getgid),
	KORE_SYSCALL_ALLOW(getegid),
	KORE_SYSCALL_ALLOW(uname),
	KORE_SYSCALL_ALLOW(getpeername),
	/* Threads (libcurl's resolver): clone3 falls back to clone. */
	KORE_SYSCALL_DENY(clone3, ENOSYS),
	KORE_SYSCALL_ALLOW(rseq),
};

#if defined(MCPBOX_SANITIZE)
#include <sys/prctl.h>

/*
 * The `asan` build only (conf/build.conf, make test-leaks; DECISIONS.md
 * D28): what the AddressSanitizer/LeakSanitizer runtime calls in a worker
 * once the filter is on. ASan reads thread ids and yields in its locks.
 * LSan's leak check at exit clones a tracer (clone, already allowed for
 * Kore's tasks) that ptrace-stops every thread of the worker to read its
 * registers, paced by wait4, getppid and sched_yield; prctl, for the four
 * options it uses only, makes the tracer allowed to attach. Everything
 * else stays as in the release build, whose filter never has ptrace.
 */
static struct sock_filter	sanitize_filter[] = {
	KORE_SYSCALL_ALLOW(gettid),
	KORE_SYSCALL_ALLOW(sched_yield),
	KORE_SYSCALL_ALLOW(ptrace),
	KORE_SYSCALL_ALLOW(wait4),
	KORE_SYSCALL_ALLOW(getppid),
	KORE_SYSCALL_ALLOW(getdents),
	KORE_SYSCALL_ALLOW(sched_getaffinity),
	KORE_SYSCALL_ALLOW_ARG(prctl, 0, PR_GET_DUMPABLE),
	KORE_SYSCALL_ALLOW_ARG(prctl, 0, PR_SET_DUMPABLE),
	KORE_SYSCALL_ALLOW_ARG(prctl, 0, PR_SET_PDEATHSIG),
	KORE_SYSCALL_ALLOW_ARG(prctl, 0, PR_SET_PTRACER),
};
#endif

void
kore_seccomp_hook(void)
{
	kore_seccomp_filter("mcpbox", mcpbox_filter,
	    KORE_FILTER_LEN(mcpbox_filter));
#if defined(MCPBOX_SANITIZE)
	kore_seccomp_filter("sanitize", sanitize_filter,
	    KORE_FILTER_LEN(sanitize_filter));
#endif
}

static const char *
main_env_get(const char *name)
{
	return (getenv(name));
}

static void
main_usage_exit(void)
{
	fprintf(stderr, "usage: mcpbox [-f] [-n] [-r] [-q] [migrate | "
	    "rotate-key | version]\n");
	exit(2);
}

static void
main_run_migrations(void)
{
	char	err[1024];
	int	n;

	if ((n = db_migrate(mcpbox_cfg.database_url, db_migrations,
	    db_migrations_count, 30, err, sizeof(err))) == -1) {
		log_error("%s", err);
		exit(1);
	}
	log_info("database schema is current (%d migration%s applied now)",
	    n, n == 1 ? "" : "s");
}

/*
 * `mcpbox rotate-key`: re-encrypt every stored secret under
 * MCPBOX_ENCRYPTION_KEY, reading it with MCPBOX_ENCRYPTION_KEY_OLD, in one
 * transaction. Prints the counts; nothing changes on failure.
 */
static void
main_rotate_key(void)
{
	char	err[512];
	int	rotated, skipped;

	if (!mcpbox_cfg.has_old_key) {
		fprintf(stderr, "mcpbox: rotate-key needs "
		    "MCPBOX_ENCRYPTION_KEY_OLD (the previous key)\n");
		exit(1);
	}
	if (db_rotate_key(mcpbox_cfg.database_url, mcpbox_cfg.enc_key,
	    mcpbox_cfg.enc_key_old, err, sizeof(err), &rotated,
	    &skipped) == -1) {
		fprintf(stderr, "mcpbox: key rotation failed, nothing changed: "
		    "%s\n", err);
		exit(1);
	}
	printf("rotated=%d skipped=%d\n", rotated, skipped);
}

/*
 * Two doors (conf/mcpbox.conf has a domain for each): "default" is the
 * local door, "public" the remote one. The public server always exists,
 * so the configuration can attach to it; it listens only when
 * MCPBOX_PUBLIC_LISTEN is set.
 */
static void
main_listen_configured(void)
{
	struct kore_server	*srv, *pub;

	srv = kore_server_create(HX_DOOR_LOCAL);
	srv->tls = 0;
	if (!kore_server_bind(srv, mcpbox_cfg.listen_host,
	    mcpbox_cfg.listen_port, HX_ACCEPT_HOOK)) {
		log_error("MCPBOX_LISTEN: cannot listen on %s:%s",
		    mcpbox_cfg.listen_host, mcpbox_cfg.listen_port);
		exit(1);
	}
	log_info("listening on http://%s:%s (local door: panel, API, MCP for "
	    "local clients)", mcpbox_cfg.listen_host, mcpbox_cfg.listen_port);
	pub = kore_server_create(HX_DOOR_PUBLIC);
	pub->tls = 0;
	if (!mcpbox_cfg.has_public_listen)
		return;
	if (!kore_server_bind(pub, mcpbox_cfg.public_listen_host,
	    mcpbox_cfg.public_listen_port, HX_ACCEPT_HOOK)) {
		log_error("MCPBOX_PUBLIC_LISTEN: cannot listen on %s:%s",
		    mcpbox_cfg.public_listen_host,
		    mcpbox_cfg.public_listen_port);
		exit(1);
	}
	log_info("listening on http://%s:%s (public door for %s: MCP with "
	    "a token, OAuth; nothing else)", mcpbox_cfg.public_listen_host,
	    mcpbox_cfg.public_listen_port, mcpbox_cfg.public_url);
}

/*
 * Started as root, the workers drop to an unprivileged user: MCPBOX_RUNAS,
 * else "mcpbox" if that user exists, else "nobody" ("root" keeps root, for
 * those who isolate otherwise). The keeper gives them the run directory
 * and runs calls under yet another uid. Not root: one uid for all.
 */
static uid_t	worker_uid = (uid_t)-1;
static gid_t	worker_gid = (gid_t)-1;

/*
 * Where Kore spools bodies over http_body_disk_offload (conf/mcpbox.conf):
 * MCPBOX_BODY_DIR, else a directory of the workers' in the run directory
 * (the image points it at its larger /tmp: its run directory is a 1 MiB
 * tmpfs).
 */
static void
main_body_spool(void)
{
	char		 dir[256];
	const char	*env = getenv("MCPBOX_BODY_DIR");

	(void)mkdir(mcpbox_cfg.run_dir, 0700);
	if (env != NULL && *env != '\0' && env[0] == '/')
		(void)snprintf(dir, sizeof(dir), "%s", env);
	else
		(void)snprintf(dir, sizeof(dir), "%s/bodies",
		    mcpbox_cfg.run_dir);
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		log_error("cannot create %s: %s", dir, strerror(errno));
		exit(1);
	}
	if (worker_uid != (uid_t)-1 && chown(dir, worker_uid, worker_gid) == -1) {
		log_error("cannot give %s to the workers: %s", dir,
		    strerror(errno));
		exit(1);
	}
	http_body_disk_path = kore_strdup(dir);
}

static void
main_privileges(void)
{
	const char	*u = getenv("MCPBOX_RUNAS");
	struct passwd	*pw;

	if (getuid() != 0) {
		skip_runas = 1;
		log_info("not started as root: workers, the sandbox and its "
		    "calls run as uid %u", (unsigned)getuid());
		return;
	}
	if (u == NULL || *u == '\0')
		u = getpwnam("mcpbox") != NULL ? "mcpbox" : "nobody";
	if ((pw = getpwnam(u)) == NULL) {
		log_error("MCPBOX_RUNAS=%s: no such user; create it (useradd "
		    "--system %s) or name another", u, u);
		exit(1);
	}
	if (pw->pw_uid == 0) {
		skip_runas = 1;
		log_warn("MCPBOX_RUNAS=%s: the workers keep root", u);
		return;
	}
	kore_runas_user = kore_strdup(u);
	sbx_keeper_set_worker_user(pw->pw_uid, pw->pw_gid);
	worker_uid = pw->pw_uid;
	worker_gid = pw->pw_gid;
	log_info("workers run as %s (uid %u); sandboxed calls as uid %ld", u,
	    (unsigned)pw->pw_uid, sbx_keeper_call_uid());
}

void
kore_parent_configure(int argc, char **argv)
{
	const char	*cmd;
	char		err[512];
	long		ncpu;

	kore_default_getopt(argc, argv);
	cmd = optind < argc ? argv[optind] : NULL;
	if (cmd != NULL && strcmp(cmd, "version") == 0) {
		printf("mcpbox %s\n", MCPBOX_VERSION);
		exit(0);
	}
	if (cmd != NULL && strcmp(cmd, "migrate") != 0 &&
	    strcmp(cmd, "rotate-key") != 0)
		main_usage_exit();

	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (config_load(&mcpbox_cfg, main_env_get, (int)ncpu, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "mcpbox: configuration error: %s\n", err);
		exit(1);
	}
	log_init(mcpbox_cfg.log_level, STDOUT_FILENO);
	log_set_process("parent");
	if (cmd != NULL) {
		main_run_migrations();
		if (strcmp(cmd, "rotate-key") == 0)
			main_rotate_key();
		exit(0);
	}
	if (log_capture_stdout() == -1)
		log_warn("cannot capture stdout; Kore's lines stay plain text");
	if (mcpbox_cfg.jwt_secret_derived)
		log_warn("MCPBOX_JWT_SECRET is not set; deriving it from the "
		    "encryption key (admin sessions then end when the key is "
		    "rotated). To silence this, set MCPBOX_JWT_SECRET to 32 or "
		    "more random characters, e.g. $(openssl rand -hex 32)");

	/* libpq: never wait forever on a dead host, skip GSSAPI probing. */
	(void)setenv("PGCONNECT_TIMEOUT", "3", 0);
	(void)setenv("PGGSSENCMODE", "disable", 0);

	main_run_migrations();
	if (oauth_parent_init() == -1)
		exit(1);

	/* We need our own files (run dir, sockets): never chroot. */
	skip_chroot = 1;
	main_privileges();
	main_body_spool();

	if (ratelimit_init(8192) == -1 || stats_init() == -1 ||
	    spread_init() == -1 ||
	    db_execlog_init((unsigned int)mcpbox_cfg.workers) == -1) {
		log_error("cannot map the shared rate-limit table");
		exit(1);
	}
	/* Metrics, breaker, alert sender: before the keeper inherits them. */
	ops_parent_init();
	/* Before the listener exists, so the keeper never holds it. */
	(void)sbx_keeper_start(mcpbox_cfg.sandbox_bin, mcpbox_cfg.run_dir,
	    mcpbox_cfg.sandbox_concurrency);

	worker_count = (u_int8_t)mcpbox_cfg.workers;
	main_listen_configured();

	pgsql_conn_max = 8;
	kore_pgsql_register(DB_NAME, mcpbox_cfg.database_url);
}

void
kore_parent_teardown(void)
{
	sbx_keeper_stop();
	ops_parent_teardown();
	log_info("stopped");
}

void
kore_worker_configure(void)
{
	char	name[16];

	char	sock[108];

	(void)snprintf(name, sizeof(name), "worker-%u", worker->id);
	log_set_process(name);
	sbx_socket_path(mcpbox_cfg.run_dir, sock, sizeof(sock));
	sbx_client_init(sock);
	spread_worker_init();
	db_execlog_worker_init();
	mcp_streams_init();
	mcp_ask_init();
	mcp_resume_init();
	mcp_session_cache_init();
	oauth_worker_init();
	api_activity_init();
	mcp_policy_init();
	events_start();
	ops_worker_init();
	ops_reachability_check();
	cfaccess_init();
	if (worker->restarted) {
		log_error("worker %u started again after the previous one died "
		    "(%d stream slots it held given back)", worker->id,
		    stats_sse_reclaim(worker->id));
		alert_worker_restarted(worker->id);
	}
}

void
kore_worker_teardown(void)
{
	sse_close_all();
	db_execlog_teardown();
}
