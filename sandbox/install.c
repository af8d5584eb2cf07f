/*
 * install.c -- the package installer op.
 *
 * pip runs in its own process, exec'd with a fixed argument vector (no
 * shell) and a clean environment, so the supervisor only waits for a pipe.
 * `--only-binary :all:` means no sdist is ever built, so no setup.py of a
 * package ever runs; `--no-deps` means every package that lands in the
 * directory was named (and can be pinned) by the caller, never pulled in
 * transitively; `--target` gives every install its own fresh directory,
 * which is deleted again when pip fails, so a failed install leaves
 * nothing behind.  With only `find_links`, `--no-index` keeps pip off the
 * network.
 *
 * The resolve op answers which distribution and version an install would
 * take, before anyone approves it: `pip download` of the same single wheel
 * into a scratch directory (no package code runs: wheels are only
 * fetched), its file name read, the directory removed.  The install that
 * follows an approval then names exactly that version.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sbx.h"

#define PIP_PYTHON	"/usr/bin/python3.11"
#define MAX_PACKAGES	32
static int	pkg_fd = -1;
static char	pkg_path[PATH_MAX];

/*
 * At start, before the drop: the packages directory is held open (its
 * path may be out of the supervisor uid's reach) and, started as root,
 * made the supervisor's, so installs land there as that uid and nothing a
 * call runs as can change an installed package.
 */
int
sbx_install_open_dir(const char *pkgdir)
{
	uid_t	u = sbx_supervisor_uid;

	if (pkgdir == NULL)
		return (0);
	(void)snprintf(pkg_path, sizeof(pkg_path), "%s", pkgdir);
	if ((pkg_fd = open(pkgdir, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    (sbx_started_as_root() && fchownat(pkg_fd, "", u, u,
	    AT_EMPTY_PATH) == -1)) {
		sbx_log("error", "start", json_pack("{s:s,s:s}", "message",
		    "cannot open the packages directory", "reason",
		    strerror(errno)));
		return (-1);
	}
	return (0);
}

static const char *
install_name(const char *path)
{
	const char	*slash = strrchr(path, '/');

	return (slash != NULL ? slash + 1 : path);
}

/* rm -r, through fds: nothing in there is followed. */
static void
install_rm_tree(int dfd, const char *name, int depth)
{
	DIR		*d;
	struct dirent	*de;
	int		 fd;

	if (unlinkat(dfd, name, 0) == 0 || errno != EISDIR || depth > 32)
		return;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1)
		return;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			install_rm_tree(dirfd(d), de->d_name, depth + 1);
	closedir(d);
	(void)unlinkat(dfd, name, AT_REMOVEDIR);
}

static int
install_copy_file(int sdir, const char *sname, int ddir, const char *name,
    mode_t mode)
{
	char	buf[65536];
	ssize_t	n = 0;
	int	s, d, rc = 0;

	s = openat(sdir, sname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	d = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, mode & 0755);
	while (s != -1 && d != -1 && (n = read(s, buf, sizeof(buf))) > 0)
		if (write(d, buf, (size_t)n) != n) {
			rc = -1;
			break;
		}
	if (s == -1 || d == -1 || n == -1)
		rc = -1;
	if (s != -1)
		close(s);
	if (d != -1)
		close(d);
	return (rc);
}

/* cp -r of what pip left: directories and regular files only. */
static int
install_copy_tree(int sdir, const char *sname, int ddir, const char *name,
    int depth)
{
	struct stat	 st;
	struct dirent	*de;
	DIR		*dp;
	int		 s, d, rc = 0;

	if (depth > 32 || fstatat(sdir, sname, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return (-1);
	if (S_ISREG(st.st_mode))
		return (install_copy_file(sdir, sname, ddir, name, st.st_mode));
	if (!S_ISDIR(st.st_mode) || mkdirat(ddir, name, 0755) == -1)
		return (-1);
	s = openat(sdir, sname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	d = openat(ddir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s == -1 || d == -1 || (dp = fdopendir(s)) == NULL) {
		if (s != -1)
			close(s);
		if (d != -1)
			close(d);
		return (-1);
	}
	while (rc == 0 && (de = readdir(dp)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			rc = install_copy_tree(dirfd(dp), de->d_name, d,
			    de->d_name, depth + 1);
	closedir(dp);
	close(d);
	return (rc);
}

/*
 * pip works in a scratch directory of its own: in the packages directory
 * when the supervisor uid can reach it by its path, else under /tmp (pip
 * resolves every path it is given, and after the drop the real path may
 * run through directories that uid cannot enter).  A finished install is
 * renamed in through the fd held since start (copied when /tmp is another
 * file system), and the scratch directory goes.
 */
static int
install_move_in(const char *scratch, char *final, size_t flen)
{
	const char	*name = install_name(scratch);
	int		 rc;

	if ((size_t)snprintf(final, flen, "%s/%s", pkg_path, name) >= flen)
		return (-1);
	if (renameat(AT_FDCWD, scratch, pkg_fd, name) == 0)
		return (0);
	if (errno != EXDEV)
		return (-1);
	if ((rc = install_copy_tree(AT_FDCWD, scratch, pkg_fd, name, 0)) == -1)
		install_rm_tree(pkg_fd, name, 0);
	install_rm_tree(AT_FDCWD, scratch, 0);
	return (rc);
}

/*
 * Validate the request and start pip.  On success returns the pid, fills
 * target with the install directory and *fd with pip's output pipe; on a
 * bad request returns 0 and fills err.
 */
pid_t
sbx_install_spawn(const json_t *req, int resolve,
    char *target, size_t tlen, int *fd, char *err, size_t errlen)
{
	const char	*argv[32 + MAX_PACKAGES], *idx, *fl;
	char		*envp[] = { "PATH=/usr/bin:/bin", "LC_ALL=C.UTF-8",
	    "PIP_NO_INPUT=1", "PIP_DISABLE_PIP_VERSION_CHECK=1",
	    "PYTHONDONTWRITEBYTECODE=1", "HOME=/nonexistent", NULL };
	json_t		*pk, *v;
	size_t		 i, a = 0;
	pid_t		 pid;
	int		 p[2], nul;

	pk = json_object_get(req, "packages");
	if (!json_is_array(pk) || json_array_size(pk) == 0 ||
	    json_array_size(pk) > MAX_PACKAGES) {
		snprintf(err, errlen, "packages must be a list of 1 to %d "
		    "names", MAX_PACKAGES);
		return (0);
	}
	json_array_foreach(pk, i, v) {
		if (!json_is_string(v) ||
		    !sbx_policy_package_ok(json_string_value(v))) {
			snprintf(err, errlen, "invalid package name; use "
			    "\"name\" or \"name==version\"");
			return (0);
		}
	}
	idx = json_string_value(json_object_get(req, "index_url"));
	fl = json_string_value(json_object_get(req, "find_links"));
	if ((json_object_get(req, "index_url") && (idx == NULL ||
	    !sbx_policy_source_ok(idx, 0))) ||
	    (json_object_get(req, "find_links") && (fl == NULL ||
	    !sbx_policy_source_ok(fl, 1)))) {
		snprintf(err, errlen, "index_url must be an https URL and "
		    "find_links an https URL or an absolute directory");
		return (0);
	}
	(void)snprintf(target, tlen, "%s/mcpbox-%s-XXXXXX",
	    access(pkg_path, W_OK | X_OK) == 0 ? pkg_path : "/tmp",
	    resolve ? "resolve" : "install");
	/* Readable by the zygote once moved in; mkdtemp makes it 0700. */
	if (pkg_fd == -1 || mkdtemp(target) == NULL ||
	    chmod(target, 0755) == -1) {
		snprintf(err, errlen, "cannot create the install directory");
		return (0);
	}
	argv[a++] = PIP_PYTHON;
	argv[a++] = "-I";
	argv[a++] = "-m";
	argv[a++] = "pip";
	argv[a++] = resolve ? "download" : "install";
	argv[a++] = "--isolated";
	argv[a++] = "--no-cache-dir";
	argv[a++] = "--disable-pip-version-check";
	argv[a++] = "--no-input";
	argv[a++] = "--only-binary";
	argv[a++] = ":all:";
	argv[a++] = "--no-deps";
	if (resolve) {
		argv[a++] = "--dest";
		argv[a++] = target;
	} else {
		argv[a++] = "--no-compile";
		argv[a++] = "--target";
		argv[a++] = target;
	}
	if (idx) {
		argv[a++] = "--index-url";
		argv[a++] = idx;
	} else if (fl)
		argv[a++] = "--no-index";
	if (fl) {
		argv[a++] = "--find-links";
		argv[a++] = fl;
	}
	json_array_foreach(pk, i, v)
		argv[a++] = json_string_value(v);
	argv[a] = NULL;

	if (pipe2(p, O_CLOEXEC) == -1) {
		rmdir(target);
		snprintf(err, errlen, "cannot start pip");
		return (0);
	}
	if ((pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		rmdir(target);
		snprintf(err, errlen, "cannot start pip");
		return (0);
	}
	if (pid == 0) {
		int sig;
		sigset_t none;

		for (sig = 1; sig < NSIG; sig++)
			signal(sig, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if ((nul = open("/dev/null", O_RDONLY)) == -1 ||
		    dup2(nul, 0) == -1 || dup2(p[1], 1) == -1 ||
		    dup2(p[1], 2) == -1)
			_exit(127);
		close_range(3, ~0U, 0);
		sbx_helper_caps_clear();
		if (chdir(target) == -1)
			_exit(127);
		execve(PIP_PYTHON, (char *const *)argv, envp);
		_exit(127);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	*fd = p[0];
	return (pid);
}

/* pip's own reason: its ERROR lines, trimmed; else the output's tail. */
static char *
install_pip_reason(const char *out, size_t n)
{
	struct sbx_buf	 b = { 0 };
	const char	*p = out, *nl, *end = out + n;
	char		*clean;
	size_t		 cl;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if ((size_t)(nl - p) > 7 && strncmp(p, "ERROR: ", 7) == 0 &&
		    b.len < 600) {
			if (b.len)
				sbx_buf_append(&b, " ", 1);
			sbx_buf_append(&b, p + 7, (size_t)(nl - p - 7));
		}
		p = nl + 1;
	}
	if (b.len == 0) {
		p = n > 300 ? end - 300 : out;
		sbx_buf_append(&b, p, (size_t)(end - p));
	}
	if (b.len > 600)
		b.len = 600;
	clean = sbx_policy_utf8_clean(b.data ? (char *)b.data : "", b.len,
	    &cl);
	sbx_buf_free(&b);
	return (clean);
}

/*
 * pip has exited with status st.  Returns the answer body (without id):
 * the installed distributions, or an InstallError with nothing left on
 * disk.
 */
/*
 * A downloaded wheel's name: {distribution}-{version}(-{build})?-{python}-
 * {abi}-{platform}.whl; the first two fields are what the install pins.
 */
static json_t *
install_wheel_names(const char *target)
{
	DIR		*d;
	struct dirent	*de;
	json_t		*out;
	const char	*dash, *ver_end;
	size_t		 l;

	if ((d = opendir(target)) == NULL)
		return (NULL);
	out = json_array();
	while ((de = readdir(d)) != NULL) {
		l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".whl") != 0 ||
		    (dash = strchr(de->d_name, '-')) == NULL ||
		    (ver_end = strchr(dash + 1, '-')) == NULL)
			continue;
		json_array_append_new(out, json_pack("{s:s%,s:s%}", "package",
		    de->d_name, (size_t)(dash - de->d_name), "version",
		    dash + 1, (size_t)(ver_end - dash - 1)));
	}
	closedir(d);
	return (out);
}

json_t *
sbx_install_finish(const char *target, int st, const char *out, size_t n,
    int resolve)
{
	DIR		*d;
	struct dirent	*de;
	json_t		*names, *r;
	char		*reason, *msg, final[PATH_MAX];
	size_t		 l;

	if (resolve && st == 0 &&
	    (names = install_wheel_names(target)) != NULL) {
		install_rm_tree(AT_FDCWD, target, 0);
		if (json_array_size(names) > 0)
			return (json_pack("{s:b,s:o}", "ok", 1, "resolved",
			    names));
		json_decref(names);
		return (json_pack("{s:b,s:{s:s,s:s}}", "ok", 0, "error", "type",
		    SBX_ERR_INSTALL, "message", "pip found no wheel"));
	}
	if (!resolve && st == 0 && (d = opendir(target)) != NULL) {
		names = json_array();
		while ((de = readdir(d)) != NULL) {
			l = strlen(de->d_name);
			if (l > 10 && strcmp(de->d_name + l - 10,
			    ".dist-info") == 0)
				json_array_append_new(names,
				    json_stringn(de->d_name, l - 10));
		}
		closedir(d);
		if (json_array_size(names) > 0 &&
		    install_move_in(target, final, sizeof(final)) == 0)
			return (json_pack("{s:b,s:o,s:s}", "ok", 1,
			    "installed", names, "target", final));
		l = json_array_size(names);
		json_decref(names);
		if (l > 0) {
			install_rm_tree(AT_FDCWD, target, 0);
			return (json_pack("{s:b,s:{s:s,s:s}}", "ok", 0,
			    "error", "type", SBX_ERR_INSTALL, "message",
			    "cannot move the install into the packages "
			    "directory"));
		}
	}
	install_rm_tree(AT_FDCWD, target, 0);
	reason = install_pip_reason(out, n);
	if (asprintf(&msg, "pip failed: %s%s", reason ? reason : "",
	    reason && strstr(reason, "satisfies the requirement") ?
	    " (only binary wheels are installed; source distributions are "
	    "refused)" : "") == -1)
		msg = NULL;
	r = json_pack("{s:b,s:{s:s,s:s}}", "ok", 0, "error", "type",
	    SBX_ERR_INSTALL, "message", msg ? msg : "pip failed");
	free(reason);
	free(msg);
	return (r);
}
