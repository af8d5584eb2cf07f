/*
 * listen.c -- the supervisor's listening socket and who may use it.
 *
 * The socket lives in a directory that must already exist with mode 0700
 * and belong to whoever started us, to the uid we drop to, or to an
 * allowed uid; every peer's uid (SO_PEERCRED) must be the starter's or
 * one allowed explicitly.  The starter is remembered before the drop: a
 * supervisor started as root keeps answering root (its keeper) after it
 * has become a uid of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sbx.h"

static const struct sbx_config	*cfg;
static uid_t			 starter;
static int			 dir_fd = -1;
static char			 base[108];

static void
listen_log(const char *msg)
{
	sbx_log("error", "socket", json_pack("{s:s}", "message", msg));
}

int
sbx_listen_peer_allowed(uid_t uid)
{
	size_t	i;

	if (uid == starter)
		return (1);
	for (i = 0; i < cfg->n_allow_uid; i++)
		if (cfg->allow_uid[i] == uid)
			return (1);
	return (0);
}

/* The directory, held open: after the drop its path may be out of reach. */
static int
listen_dir(const char *path, struct stat *st)
{
	char	*dup, *dir;

	if ((dup = strdup(path)) == NULL)
		return (-1);
	dir = dirname(dup);
	dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	free(dup);
	(void)snprintf(base, sizeof(base), "%s", strrchr(path, '/') ?
	    strrchr(path, '/') + 1 : path);
	if (dir_fd == -1 || fstat(dir_fd, st) == -1 ||
	    (st->st_mode & 07777) != 0700 || (st->st_uid != starter &&
	    !(sbx_started_as_root() && st->st_uid == sbx_supervisor_uid) &&
	    !sbx_listen_peer_allowed(st->st_uid))) {
		listen_log("the socket's directory must exist, be mode 0700 "
		    "and belong to us or an allowed uid");
		return (-1);
	}
	return (0);
}

int
sbx_listen_open(const struct sbx_config *c)
{
	struct sockaddr_un	 sa;
	struct stat		 st, dst;
	const char		*path = c->socket_path;
	char			 tmp[sizeof(sa.sun_path)];
	int			 fd;

	cfg = c;
	starter = geteuid();
	if (strlen(path) + sizeof(".new") > sizeof(sa.sun_path)) {
		listen_log("socket path too long");
		return (-1);
	}
	if (listen_dir(path, &dst) == -1)
		return (-1);
	if (lstat(path, &st) == 0 && (!S_ISSOCK(st.st_mode) ||
	    unlink(path) == -1)) {
		listen_log("socket path exists and is not a stale socket");
		return (-1);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return (-1);
	/*
	 * Bound, owned and listening under a temporary name, then renamed:
	 * a client that sees the path can connect (a path that appeared at
	 * bind time refused connections until listen).
	 */
	(void)snprintf(tmp, sizeof(tmp), "%s.new", path);
	(void)unlink(tmp);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, tmp, strlen(tmp) + 1);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    chmod(tmp, 0600) == -1 || listen(fd, 128) == -1) {
		listen_log(strerror(errno));
		(void)unlink(tmp);
		close(fd);
		return (-1);
	}
	/* Root serving a worker's directory: the worker owns the socket. */
	if (dst.st_uid != starter && chown(tmp, dst.st_uid, dst.st_gid) == -1)
		sbx_log("warning", "socket", json_pack("{s:s}", "message",
		    "cannot chown the socket"));
	if (rename(tmp, path) == -1) {
		listen_log(strerror(errno));
		(void)unlink(tmp);
		close(fd);
		return (-1);
	}
	return (fd);
}

/*
 * At exit, if the directory lets the uid we are now remove it; else the
 * keeper that started us removes it, and a new supervisor replaces a
 * stale one in any case.
 */
void
sbx_listen_unlink(void)
{
	if (dir_fd != -1)
		(void)unlinkat(dir_fd, base, 0);
}
