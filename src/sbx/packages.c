/*
 * The keeper's package installer (sbx/packages.h).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <sys/time.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "db/blocking.h"
#include "core/core.h"
#include "core/frame.h"
#include "db/sql.h"
#include "sbx/packages.h"

#define PKG_ACTIVE_MAX		64
#define PKG_INSTALL_WAIT_MS	330000	/* the op's own limit is 300 s */
#define PKG_RECONNECT_MS	5000

static PGconn	*pg;
static uint64_t	 next_connect;
static int	 pending;
static char	 pkgdir[300];
static char	 sockpath[108];
static char	*held[PKG_ACTIVE_MAX * 2];	/* strings argv points into */
static int	 nheld;

void
sbx_pkg_init(const char *run_dir, const char *sock)
{
	(void)snprintf(pkgdir, sizeof(pkgdir), "%s/sandbox/packages",
	    run_dir);
	(void)snprintf(sockpath, sizeof(sockpath), "%s", sock);
	if (mkdir(pkgdir, 0755) == -1 && errno != EEXIST)
		log_error("cannot create %s: %s", pkgdir, strerror(errno));
}

static int
pkg_pg_ready(void)
{
	PGresult	*r;
	char		 err[256];

	if (pg != NULL && PQstatus(pg) == CONNECTION_OK)
		return (0);
	if (pg != NULL) {
		PQfinish(pg);
		pg = NULL;
	}
	if (clock_ms() < next_connect)
		return (-1);
	next_connect = clock_ms() + PKG_RECONNECT_MS;
	/* Bounded: the supervisor's start waits for this. */
	if ((pg = db_blocking_connect(mcpbox_cfg.database_url, err,
	    sizeof(err))) == NULL)
		return (-1);
	r = PQexec(pg, SQL_PKG_LISTEN);
	PQclear(r);
	r = PQexec(pg, SQL_PKG_REQUEUE);
	PQclear(r);
	/* Anything queued while no keeper listened. */
	pending = 1;
	return (0);
}

int
sbx_pkg_args(const char **argv, int n, int max, int bare)
{
	PGresult	*r;
	struct stat	 st;
	char		*names, *name, *save;
	const char	*dir;
	int		 i;

	for (i = 0; i < nheld; i++)
		free(held[i]);
	nheld = 0;
	if (n + 2 > max)
		return (n);
	argv[n++] = "--packages-dir";
	argv[n++] = pkgdir;
	if (bare || pkg_pg_ready() == -1)
		return (n);
	r = PQexecParams(pg, SQL_PKG_ACTIVE, 0, NULL, NULL, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		log_error("installed packages cannot be listed; the sandbox "
		    "starts without them");
		PQclear(r);
		return (n);
	}
	for (i = 0; i < PQntuples(r) && nheld < PKG_ACTIVE_MAX * 2 - 1;
	    i++) {
		dir = PQgetvalue(r, i, 0);
		/* Only our own install directories, and only if still there. */
		if (strncmp(dir, pkgdir, strlen(pkgdir)) != 0 ||
		    dir[strlen(pkgdir)] != '/' || strstr(dir, "/..") != NULL ||
		    stat(dir, &st) == -1 || !S_ISDIR(st.st_mode) ||
		    n + 2 > max)
			continue;
		held[nheld] = strdup(dir);
		argv[n++] = "--python-path";
		argv[n++] = held[nheld++];
		names = strdup(PQgetvalue(r, i, 1));
		for (name = strtok_r(names, ",", &save); name != NULL &&
		    n + 2 <= max && nheld < PKG_ACTIVE_MAX * 2;
		    name = strtok_r(NULL, ",", &save)) {
			held[nheld] = strdup(name);
			argv[n++] = "--module";
			argv[n++] = held[nheld++];
		}
		free(names);
	}
	PQclear(r);
	return (n);
}

/* One install or resolve op on the supervisor's socket; the answer, or NULL. */
static json_t *
pkg_install_op(const char *op, const char *package)
{
	struct sockaddr_un	 sun;
	struct sbx_buf		 out = { 0 };
	struct timeval		 tv;
	json_t			*msg, *reply;
	char			*buf;
	uint32_t		 len;
	int			 fd;

	msg = json_pack("{s:s, s:i, s:[s]}", "op", op, "id", 1,
	    "packages", package);
	if (mcpbox_cfg.pip_index_url != NULL)
		json_object_set_new(msg, "index_url",
		    json_string(mcpbox_cfg.pip_index_url));
	if (mcpbox_cfg.pip_find_links != NULL)
		json_object_set_new(msg, "find_links",
		    json_string(mcpbox_cfg.pip_find_links));
	reply = NULL;
	buf = NULL;
	fd = -1;
	if (sbx_frame_put_json(&out, msg) == -1 ||
	    (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		goto done;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sockpath);
	/* Each read waits at most this long: pip may take its time. */
	tv.tv_sec = PKG_INSTALL_WAIT_MS / 1000;
	tv.tv_usec = (PKG_INSTALL_WAIT_MS % 1000) * 1000;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    sbx_frame_write_fd(fd, out.data, out.len) == -1 ||
	    sbx_frame_read_fd(fd, SBX_FRAME_MAX, &buf, &len) == -1)
		goto done;
	reply = json_loadb(buf, len, 0, NULL);
done:
	if (fd != -1)
		(void)close(fd);
	free(buf);
	sbx_buf_free(&out);
	json_decref(msg);
	return (reply);
}

static void
pkg_record(const char *id, const char *status, const char *message,
    const char *target, const char *version)
{
	const char	*p[5];
	char		 err[256];

	p[0] = id;
	p[1] = status;
	p[2] = message;
	p[3] = target;
	p[4] = version;
	if (db_blocking_exec(pg, SQL_PKG_DONE, 5, p, err, sizeof(err)) == -1)
		log_error("package install result not recorded: %s", err);
}

/* PEP 440 spellings; the sandbox checks the pinned spec again. */
#define VERSION_CHARS	"0123456789abcdefghijklmnopqrstuvwxyz" \
			"ABCDEFGHIJKLMNOPQRSTUVWXYZ.!+_-"
#define NO_SOURCE	"no package source is configured: set " \
			"MCPBOX_PIP_INDEX_URL or MCPBOX_PIP_FIND_LINKS"

/*
 * Which version would an install of pkg take?  0 with ver filled, or -1
 * with why filled.  Runs before any approval: pip only downloads the wheel.
 */
static int
pkg_resolve_version(const char *pkg, char *ver, size_t verlen, char *why,
    size_t whylen)
{
	json_t		*reply, *hit;
	const char	*v, *msg;

	if (mcpbox_cfg.pip_index_url == NULL &&
	    mcpbox_cfg.pip_find_links == NULL) {
		(void)snprintf(why, whylen, "%s", NO_SOURCE);
		return (-1);
	}
	reply = pkg_install_op(SBX_OP_RESOLVE, pkg);
	hit = json_array_get(json_object_get(reply, "resolved"), 0);
	v = json_string_value(json_object_get(hit, "version"));
	if (!json_is_true(json_object_get(reply, "ok")) || v == NULL ||
	    v[0] == '\0' || strlen(v) > 64 || strspn(v, VERSION_CHARS) !=
	    strlen(v)) {
		msg = json_string_value(json_object_get(json_object_get(reply,
		    "error"), "message"));
		(void)snprintf(why, whylen, "%s cannot be installed: %s", pkg,
		    msg != NULL ? msg : "the sandbox did not answer");
		json_decref(reply);
		return (-1);
	}
	(void)snprintf(ver, verlen, "%s", v);
	json_decref(reply);
	return (0);
}

/* Resolve one queued request; -1 none left, 0 done. */
static int
pkg_resolve_next(void)
{
	PGresult	*r;
	const char	*p[4];
	char		 id[40], pkg[160], ver[80], text[800], err[256];
	int		 ok;

	r = PQexecParams(pg, SQL_PKG_RESOLVE_CLAIM, 0, NULL, NULL, NULL, NULL,
	    0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		PQclear(r);
		return (-1);
	}
	(void)snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
	(void)snprintf(pkg, sizeof(pkg), "%s", PQgetvalue(r, 0, 1));
	PQclear(r);
	ok = pkg_resolve_version(pkg, ver, sizeof(ver), text,
	    sizeof(text)) == 0;
	if (ok)
		(void)snprintf(text, sizeof(text), "an approval installs %s "
		    "%s", pkg, ver);
	p[0] = id;
	p[1] = ok ? "resolved" : "failed";
	p[2] = ok ? ver : "";
	p[3] = text;
	if (db_blocking_exec(pg, SQL_PKG_RESOLVED, 4, p, err, sizeof(err)) == -1)
		log_error("package resolution not recorded: %s", err);
	log_info("%s", text);
	return (0);
}

/* Claim and install one queued package; -1 none, 0 failed, 1 installed. */
static int
pkg_install_next(void)
{
	PGresult	*r;
	json_t		*reply;
	const char	*msg, *dist, *dash, *target;
	char		 id[40], pkg[160], ver[80], spec[256], text[800];
	int		 ok;

	r = PQexecParams(pg, SQL_PKG_CLAIM, 0, NULL, NULL, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		PQclear(r);
		return (-1);
	}
	(void)snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
	(void)snprintf(pkg, sizeof(pkg), "%s", PQgetvalue(r, 0, 1));
	(void)snprintf(ver, sizeof(ver), "%s", PQgetvalue(r, 0, 2));
	PQclear(r);
	if (mcpbox_cfg.pip_index_url == NULL &&
	    mcpbox_cfg.pip_find_links == NULL) {
		pkg_record(id, "failed", NO_SOURCE, "", "");
		return (0);
	}
	/* Born approved (an import) without a pin: pin it now. */
	if (ver[0] == '\0' && pkg_resolve_version(pkg, ver, sizeof(ver), text,
	    sizeof(text)) == -1) {
		pkg_record(id, "failed", text, "", "");
		return (0);
	}
	/* Exactly the version that was reviewed, never a newer one. */
	(void)snprintf(spec, sizeof(spec), "%s==%s", pkg, ver);
	log_info("installing package %s", spec);
	reply = pkg_install_op(SBX_OP_INSTALL, spec);
	ok = json_is_true(json_object_get(reply, "ok"));
	if (!ok) {
		msg = json_string_value(json_object_get(json_object_get(reply,
		    "error"), "message"));
		(void)snprintf(text, sizeof(text), "installing %s failed: %s",
		    spec, msg != NULL ? msg : "the sandbox did not answer");
		pkg_record(id, "failed", text, "", "");
		log_warn("%s", text);
		json_decref(reply);
		return (0);
	}
	dist = json_string_value(json_array_get(json_object_get(reply,
	    "installed"), 0));
	target = json_string_value(json_object_get(reply, "target"));
	dash = dist != NULL ? strrchr(dist, '-') : NULL;
	(void)snprintf(text, sizeof(text), "installed %s; available to "
	    "tools after the sandbox reload", dist != NULL ? dist : pkg);
	pkg_record(id, "installed", text, target != NULL ? target : "",
	    dash != NULL ? dash + 1 : "");
	log_info("%s", text);
	json_decref(reply);
	return (1);
}

int
sbx_pkg_poll(int ms)
{
	struct pollfd	 pfd;
	PGnotify	*nf;
	int		 reload, rc;

	if (pkg_pg_ready() == -1) {
		(void)usleep((useconds_t)ms * 1000);
		return (0);
	}
	pfd.fd = PQsocket(pg);
	pfd.events = POLLIN;
	if (!pending && poll(&pfd, 1, ms) > 0) {
		if (!PQconsumeInput(pg))
			return (0);
		while ((nf = PQnotifies(pg)) != NULL) {
			pending = 1;
			PQfreemem(nf);
		}
	}
	if (!pending)
		return (0);
	pending = 0;
	reload = 0;
	while (pkg_resolve_next() != -1)
		;
	while ((rc = pkg_install_next()) != -1) {
		if (rc == 1)
			reload = 1;
	}
	return (reload);
}
