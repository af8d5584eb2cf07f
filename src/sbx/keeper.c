/*
 * The sandbox keeper: a small process the parent forks once, whose only job
 * is to keep one mcpbox-sandbox supervisor running.
 *
 * Kore's parent reaps every child it has with waitpid(-1) and ignores the
 * ones it does not know, so it can never tell us that the sandbox died. The
 * keeper owns the supervisor instead: it restarts it when it exits (with a
 * short back-off so a crash loop doesn't spin), logs each restart, and
 * leaves, taking the supervisor with it, when the parent goes away.
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"
#include "sbx/sbx.h"
#include "sbx/keeper.h"
#include "sbx/circuit.h"
#include "sbx/packages.h"

static pid_t			keeper_pid = -1;
static volatile sig_atomic_t	keeper_quit;
static pid_t			child_pid = -1;

static void
keeper_signal(int sig)
{
	(void)sig;
	keeper_quit = 1;
	if (child_pid > 0)
		(void)kill(child_pid, SIGTERM);
}

/*
 * Nothing to do but interrupt: the package poll between waitpid checks
 * returns at once when the supervisor dies, so the workers learn it is
 * restarting before their lost calls could open the breaker (the poll
 * used to sleep up to 200 ms first).
 */
static void
keeper_child(int sig)
{
	(void)sig;
}

/*
 * The supervisor's whole environment; it needs nothing else (its settings
 * come as arguments, nothing secret among them).
 */
static const char *const sandbox_envp[] = {
	"PATH=/usr/bin:/bin", "LANG=C.UTF-8", NULL
};

/*
 * Started as root, the workers run as an unprivileged user (main.c): the
 * run directory and the socket's are theirs, the supervisor lets that uid
 * connect, becomes a third uid itself once set up, and calls run under
 * another uid still, so no two of them share a uid. -1: not started as
 * root, everything is one uid.
 */
static long	worker_uid = -1;
static long	worker_gid = -1;

void
sbx_keeper_set_worker_user(uid_t uid, gid_t gid)
{
	worker_uid = (long)uid;
	worker_gid = (long)gid;
}

/* The uid calls run under: nobody's, unless the workers are nobody. */
long
sbx_keeper_call_uid(void)
{
	return (worker_uid == SBX_CALL_UID ? SBX_CALL_UID - 1 : SBX_CALL_UID);
}

/* The supervisor's, once it has set up: the workers' is never it. */
long
sbx_keeper_supervisor_uid(void)
{
	return (worker_uid == SBX_SUPERVISOR_UID ? SBX_SUPERVISOR_UID - 1 :
	    SBX_SUPERVISOR_UID);
}

/*
 * MCPbox's own listeners as --self-door HOST:PORT: the broker runs in the
 * server's network and refuses them whatever a tool was allowed (D37).
 */
static int
keeper_door_args(const char **argv, int n, char doors[2][300])
{
	const char	*h[2], *p[2];
	int		 i, k;

	h[0] = mcpbox_cfg.listen_host;
	p[0] = mcpbox_cfg.listen_port;
	h[1] = mcpbox_cfg.public_listen_host;
	p[1] = mcpbox_cfg.public_listen_port;
	k = mcpbox_cfg.has_public_listen ? 2 : 1;
	for (i = 0; i < k; i++) {
		(void)snprintf(doors[i], sizeof(doors[i]), strchr(h[i], ':') ?
		    "[%s]:%s" : "%s:%s", h[i], p[i]);
		argv[n++] = "--self-door";
		argv[n++] = doors[i];
	}
	return (n);
}

static pid_t
keeper_spawn(const char *bin, const char *sock, int concurrency, int bare)
{
	const char	*argv[160];
	char		 conc[16], allow[24], callas[24], self[24];
	char		 doors[2][300];
	pid_t		 pid;
	int		 fd, n;

	(void)snprintf(conc, sizeof(conc), "%d", concurrency);
	argv[0] = "mcpbox-sandbox";
	argv[1] = "--socket";
	argv[2] = sock;
	argv[3] = "--concurrency";
	argv[4] = conc;
	n = 5;
	if (worker_uid >= 0) {
		(void)snprintf(allow, sizeof(allow), "%ld", worker_uid);
		(void)snprintf(callas, sizeof(callas), "%ld",
		    sbx_keeper_call_uid());
		argv[n++] = "--allow-uid";
		argv[n++] = allow;
		argv[n++] = "--run-as-uid";
		argv[n++] = callas;
		(void)snprintf(self, sizeof(self), "%ld",
		    sbx_keeper_supervisor_uid());
		argv[n++] = "--supervisor-uid";
		argv[n++] = self;
	}
	n = keeper_door_args(argv, n, doors);
	/* Installed packages: --packages-dir and their activations. */
	n = sbx_pkg_args(argv, n, 159, bare);
	argv[n] = NULL;
	if ((pid = fork()) != 0)
		return (pid);
	(void)signal(SIGTERM, SIG_DFL);
	(void)signal(SIGINT, SIG_IGN);
	(void)signal(SIGPIPE, SIG_DFL);
	/* The sandbox logs JSON lines to stderr: send them to our stdout. */
	(void)dup2(log_fd(), STDERR_FILENO);
	(void)dup2(log_fd(), STDOUT_FILENO);
	for (fd = 3; fd < 1024; fd++)
		(void)close(fd);
	/* Nothing of the server's environment (keys, database URL). */
	execve(bin, (char *const *)(uintptr_t)argv,
	    (char *const *)(uintptr_t)sandbox_envp);
	_exit(127);
}

/*
 * Tell the workers once the new supervisor accepts connections (it binds
 * its socket after the zygote is up; at most 5 s is waited here, and the
 * package poll waits on).
 */
static void
keeper_supervisor_listening(const char *sock)
{
	struct stat	st;
	int		i;

	for (i = 0; i < 250; i++) {
		if (stat(sock, &st) == 0 && S_ISSOCK(st.st_mode)) {
			circuit_sandbox_up();
			return;
		}
		usleep(20000);
	}
	circuit_sandbox_up();
}

static void
keeper_main(const char *bin, const char *sock, int concurrency, pid_t parent)
{
	struct sigaction	sa;
	int			status, restarts, backoff_ms, reload, bare;
	uint64_t		started;
	pid_t			r;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = keeper_signal;
	(void)sigaction(SIGTERM, &sa, NULL);
	/* No SA_RESTART: SIGCHLD must cut the poll short. */
	sa.sa_handler = keeper_child;
	(void)sigaction(SIGCHLD, &sa, NULL);
	(void)signal(SIGINT, SIG_IGN);
	(void)signal(SIGHUP, SIG_IGN);
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(0);
	env_wipe_secrets();
	log_set_process("sandbox-keeper");
	restarts = 0;
	backoff_ms = 100;
	reload = bare = 0;
	while (!keeper_quit) {
		started = clock_ms();
		(void)unlink(sock);
		child_pid = keeper_spawn(bin, sock, concurrency, bare);
		if (child_pid == -1) {
			log_error("cannot fork the sandbox: %s", strerror(errno));
			sleep(1);
			continue;
		}
		log_info("sandbox supervisor started (pid %d)", (int)child_pid);
		keeper_supervisor_listening(sock);
		/* Between checks on the supervisor, run queued installs. */
		while ((r = waitpid(child_pid, &status, WNOHANG)) == 0 ||
		    (r == -1 && errno == EINTR)) {
			if (!reload && !keeper_quit && sbx_pkg_poll(200)) {
				log_info("packages installed: reloading the "
				    "sandbox supervisor");
				reload = 1;
				(void)kill(child_pid, SIGTERM);
			}
		}
		child_pid = -1;
		circuit_sandbox_down();
		if (keeper_quit)
			break;
		if (reload && WIFEXITED(status)) {
			reload = bare = 0;
			continue;
		}
		/* A supervisor that dies at once with packages activated
		 * starts bare next time: one bad package must not keep tools
		 * from running. */
		if (!bare && clock_ms() - started < 5000 && reload == 0)
			bare = 1;
		reload = 0;
		restarts++;
		if (WIFSIGNALED(status))
			log_error("sandbox supervisor died (signal %d); "
			    "restarting (restart #%d)", WTERMSIG(status),
			    restarts);
		else
			log_error("sandbox supervisor exited (status %d); "
			    "restarting (restart #%d)", WEXITSTATUS(status),
			    restarts);
		alert_sandbox_restarted(status, restarts);
		/* A supervisor that ran a while gets an immediate restart. */
		if (clock_ms() - started > 5000)
			backoff_ms = 100;
		else if (backoff_ms < 5000)
			backoff_ms *= 2;
		usleep((useconds_t)backoff_ms * 1000);
	}
	(void)unlink(sock);
	_exit(0);
}

int
sbx_keeper_start(const char *bin, const char *run_dir, int concurrency)
{
	char		dir[256], sock[108];
	pid_t		parent;
	struct stat	st;
	int		i;

	if (access(bin, X_OK) == -1) {
		log_error("MCPBOX_SANDBOX_BIN: %s is not an executable; tool "
		    "calls will fail until it exists", bin);
		return (-1);
	}
	(void)mkdir(run_dir, 0700);
	(void)snprintf(dir, sizeof(dir), "%s/sandbox", run_dir);
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		log_error("cannot create %s: %s", dir, strerror(errno));
		return (-1);
	}
	(void)chmod(dir, 0700);
	/* The workers' directories: they connect to the socket in there. */
	if (worker_uid >= 0 && (chown(run_dir, (uid_t)worker_uid,
	    (gid_t)worker_gid) == -1 || chown(dir, (uid_t)worker_uid,
	    (gid_t)worker_gid) == -1)) {
		log_error("cannot give %s to the workers' uid %ld: %s", run_dir,
		    worker_uid, strerror(errno));
		return (-1);
	}
	sbx_socket_path(run_dir, sock, sizeof(sock));
	parent = getpid();
	if ((keeper_pid = fork()) == -1)
		return (-1);
	if (keeper_pid == 0) {
		sbx_pkg_init(run_dir, sock);
		keeper_main(bin, sock, concurrency, parent);
	}
	/* Give the first supervisor a moment so early calls find it. */
	for (i = 0; i < 100 && stat(sock, &st) == -1; i++)
		usleep(20000);
	return (0);
}

void
sbx_keeper_stop(void)
{
	if (keeper_pid > 0)
		(void)kill(keeper_pid, SIGTERM);
	keeper_pid = -1;
}
