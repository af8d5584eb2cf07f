/*
 * Once, shortly after start, worker 1 checks that the workers -- as the
 * user they run as -- reach the database and the sandbox, and logs an
 * error with the reason if not. Without it a server whose workers cannot
 * open the cluster's socket (a privilege drop, a wrong URL) looked healthy
 * in its log and failed every call; /health/ready says the same, but only
 * to whoever asks.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <kore/kore.h>
#include <libpq-fe.h>

#include "core/core.h"
#include "ops/ops.h"
#include "sbx/sbx.h"

#define REACH_DELAY_MS	1500

static void
reach_check(void *arg, u_int64_t now)
{
	struct sockaddr_un	 sa;
	PGconn			*pg;
	char			 sock[108], *nl;
	int			 fd;

	pg = PQconnectdb(mcpbox_cfg.database_url);
	if (PQstatus(pg) != CONNECTION_OK) {
		/* libpq's message: the host, socket or role, never the URL. */
		nl = strchr(PQerrorMessage(pg), '\n');
		if (nl != NULL)
			*nl = '\0';
		log_error("the workers (uid %u) cannot reach the database: %s",
		    (unsigned)getuid(), PQerrorMessage(pg));
	}
	PQfinish(pg);
	sbx_socket_path(mcpbox_cfg.run_dir, sock, sizeof(sock));
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	(void)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1)
		log_error("the workers (uid %u) cannot reach the sandbox at "
		    "%s: %s", (unsigned)getuid(), sock, strerror(errno));
	if (fd != -1)
		(void)close(fd);
}

void
ops_reachability_check(void)
{
	if (worker->id == 1)
		(void)kore_timer_add(reach_check, REACH_DELAY_MS, NULL,
		    KORE_TIMER_ONESHOT);
}
