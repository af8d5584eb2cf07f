/*
 * privdrop.c -- the supervisor's own privileges.
 *
 * Started as root, the supervisor needs root only to set up: the zygote
 * (forked first, it creates the namespaces and drops to the call uid
 * itself), the listening socket (bound and handed to the workers' uid)
 * and the packages directory (opened and made ours).  It then becomes a
 * uid of its own -- not the workers' (they hold the keys), not the calls'
 * (children must not reach it) -- and keeps three capabilities:
 *   - CAP_SETUID and CAP_SETGID, because every broker helper it forks
 *     becomes the call uid before it execs;
 *   - CAP_KILL, because a broker past its deadline runs as that other uid.
 * CAP_SETUID alone would let a hijacked supervisor become root again, so a
 * seccomp filter of its own allows uid and gid changes only to the call
 * uid, and setgroups only to an empty list.  Everything else is out of the
 * bounding set, root gets nothing from an exec (SECBIT_NOROOT, locked),
 * and the drop is verified: a supervisor that could still become root, or
 * anyone else, refuses to start.
 */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sbx.h"

uid_t		sbx_supervisor_uid = SBX_SUPERVISOR_UID;
static int	started_root = -1;
#ifdef SBX_TESTING
/* Test builds: leave the filter out, to see the verification refuse. */
int		sbx_test_no_uid_filter;
#endif

#define KEPT_CAPS	((1u << CAP_SETUID) | (1u << CAP_SETGID) | \
			 (1u << CAP_KILL))

/* Read once, before the drop changes the answer of geteuid(). */
int
sbx_started_as_root(void)
{
	if (started_root == -1)
		started_root = geteuid() == 0;
	return (started_root);
}

static int
privdrop_capset(uint32_t keep)
{
	struct __user_cap_header_struct	h;
	struct __user_cap_data_struct	d[2];

	memset(&h, 0, sizeof(h));
	memset(d, 0, sizeof(d));
	h.version = _LINUX_CAPABILITY_VERSION_3;
	d[0].effective = d[0].permitted = keep;
	return ((int)syscall(SYS_capset, &h, d));
}

/* In a helper the supervisor forked, after its uid change, before exec. */
void
sbx_helper_caps_clear(void)
{
	if (sbx_started_as_root())
		(void)privdrop_capset(0);
}

static void
privdrop_fail(const char *msg)
{
	json_t	*f = json_pack("{s:s}", "message", msg);

	if (errno != 0)
		json_object_set_new(f, "reason", json_string(strerror(errno)));
	sbx_log("error", "privileges", f);
}

/* Nothing of root may be left: not the uid, not a way back to it. */
static int
privdrop_verify(void)
{
	uid_t	r, e, s;
	pid_t	pid;
	int	st;

	if (getresuid(&r, &e, &s) == -1 || r != sbx_supervisor_uid ||
	    e != sbx_supervisor_uid || s != sbx_supervisor_uid)
		return (-1);
	/* Tried in a child, so a success changes nothing of ours. */
	if ((pid = fork()) == -1)
		return (-1);
	if (pid == 0)
		_exit(setresuid(0, 0, 0) == 0 || setresuid(1, 1, 1) == 0 ||
		    setresgid(0, 0, 0) == 0 || setgroups(1, &(gid_t){ 0 }) ==
		    0 ? 1 : 0);
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return (-1);
	return (WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1);
}

int
sbx_supervisor_drop(void)
{
	uid_t	u = sbx_supervisor_uid;
	int	c;

	if (!sbx_started_as_root())
		return (0);
	errno = 0;
	for (c = 0; c < 64; c++) {
		if (c < 32 && (KEPT_CAPS & (1u << c)))
			continue;
		/* EINVAL: past the kernel's last capability. */
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == -1 && errno != EINVAL)
			return (privdrop_fail("cannot drop capabilities"), -1);
	}
	errno = 0;
	if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED,
	    0, 0, 0) == -1 ||
	    prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1 ||
	    setgroups(0, NULL) == -1 || setresgid(u, u, u) == -1 ||
	    setresuid(u, u, u) == -1 || privdrop_capset(KEPT_CAPS) == -1 ||
	    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) == -1 ||
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return (privdrop_fail("cannot become the supervisor's uid"),
		    -1);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#ifdef SBX_TESTING
	if (!sbx_test_no_uid_filter)
#endif
	if (sbx_seccomp_apply_supervisor(sbx_child_uid) == -1)
		return (privdrop_fail("cannot bound the uid changes"), -1);
	errno = 0;
	if (privdrop_verify() == -1)
		return (privdrop_fail("the supervisor could still change to "
		    "another uid"), -1);
	sbx_log("info", "privileges", json_pack("{s:i,s:s}", "uid", (int)u,
	    "kept", "setuid setgid kill"));
	return (0);
}
