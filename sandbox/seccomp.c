/*
 * seccomp.c -- the child's system-call allowlist.  Default action: kill
 * the process.  The filter is compiled once in the supervisor with
 * libseccomp and exported as raw BPF, so a child installs it with a single
 * seccomp(2) call and no allocation after fork.
 *
 * What a child needs after lockdown was measured by tracing every allowed
 * module, exceptions, MemoryError and the broker path; a minimal set breaks
 * on rarer paths (mremap for huge parser trees), so the list is the wider
 * one.  Probes that well-behaved library code makes (open, stat, ioctl,
 * socket) fail with an errno instead of killing, so imports and feature
 * tests degrade cleanly; anything that creates processes, maps executable
 * memory or talks to the kernel about other processes is fatal or refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sbx.h"

static struct sock_fprog	prog;

static const char *allow[] = {
	"read", "write", "readv", "writev", "close", "lseek", "fstat",
	"futex", "munmap", "mremap", "brk", "madvise", "rt_sigaction",
	"rt_sigprocmask", "rt_sigreturn", "sigaltstack", "exit", "exit_group",
	"getrandom", "nanosleep", "gettimeofday", "time", "getpid", "gettid",
	"getppid", "getuid", "geteuid", "getgid", "getegid", "sched_yield",
	"restart_syscall", "getrusage", NULL
};

/*
 * Clocks: no negative ids.  A negative id names the CPU clock of another
 * process or thread (glibc's ((~pid) << 3) | type) or a clock fd, a timing
 * side channel on other calls; the fixed clocks (CLOCK_REALTIME ...
 * CLOCK_TAI, and this process's own CPU clocks) are small and positive.
 * The kernel reads the id as a 32-bit int, so the test is bit 31 of the
 * low word, whatever the upper word holds.
 */
static const char *clocks[] = {
	"clock_gettime", "clock_getres", "clock_nanosleep", NULL
};

/* Never, in the zygote or a child: other processes, the kernel, the clock. */
static const char *zygote_deny[] = {
	"execve", "execveat", "ptrace", "process_vm_readv",
	"process_vm_writev", "process_madvise", "pidfd_open", "pidfd_getfd",
	"mount", "umount2", "pivot_root", "chroot", "unshare", "setns",
	"move_mount", "open_tree", "fsopen", "fsmount", "fspick", "bpf",
	"perf_event_open", "keyctl", "add_key", "request_key", "init_module",
	"finit_module", "delete_module", "kexec_load", "kexec_file_load",
	"reboot", "swapon", "swapoff", "socket", "socketpair", "connect",
	"bind", "listen", "accept", "accept4", "userfaultfd", "io_uring_setup",
	"io_uring_enter", "io_uring_register", "memfd_create", "memfd_secret",
	"shmget", "shmat", "msgget", "semget", "mq_open", "clock_settime",
	"clock_adjtime", "adjtimex", "settimeofday", "personality", "acct",
	"quotactl", "syslog", "sethostname", "setdomainname", "setuid",
	"setgid", "setreuid", "setregid", "setresuid", "setresgid",
	"setgroups", "capset", "iopl", "ioperm", "lookup_dcookie",
	"name_to_handle_at", "open_by_handle_at", "vhangup", NULL
};

static struct sock_fprog	zprog;

/* errno instead of death: library probes, not attacks in themselves. */
static const struct {
	const char	*name;
	int		 err;
} soft[] = {
	{ "openat", EACCES }, { "open", EACCES }, { "newfstatat", EACCES },
	{ "stat", EACCES }, { "lstat", EACCES }, { "statx", EACCES },
	{ "access", EACCES }, { "faccessat", EACCES }, { "faccessat2", EACCES },
	{ "readlink", EACCES }, { "readlinkat", EACCES },
	{ "getcwd", EACCES }, { "getdents64", EACCES },
	{ "ioctl", ENOTTY }, { "fcntl", EPERM }, { "socket", EPERM },
	{ "socketpair", EPERM }, { "kill", EPERM }, { "tkill", EPERM },
	{ "tgkill", EPERM }, { "sysinfo", EPERM }, { "uname", EPERM },
	{ "pipe2", EPERM }, { "dup", EPERM }, { "dup2", EPERM },
	{ "dup3", EPERM },
	{ NULL, 0 }
};

static int
sc_add(scmp_filter_ctx ctx, uint32_t act, const char *name, unsigned n,
    const struct scmp_arg_cmp *cmp)
{
	int	nr;

	nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return (0);	/* not on this architecture */
	return (seccomp_rule_add_array(ctx, act, nr, n, cmp));
}

/* Raw BPF of a built filter, so applying it after fork allocates nothing. */
static int
sc_export(scmp_filter_ctx ctx, struct sock_fprog *out)
{
	off_t	len;
	int	fd;

	if ((fd = memfd_create("sbx-bpf", MFD_CLOEXEC)) == -1)
		return (-1);
	if (seccomp_export_bpf(ctx, fd) < 0 ||
	    (len = lseek(fd, 0, SEEK_CUR)) <= 0) {
		close(fd);
		return (-1);
	}
	free(out->filter);
	if ((out->filter = malloc((size_t)len)) == NULL ||
	    pread(fd, out->filter, (size_t)len, 0) != len) {
		close(fd);
		return (-1);
	}
	close(fd);
	out->len = (unsigned short)((size_t)len / sizeof(struct sock_filter));
	return (0);
}

/*
 * The zygote's own filter: default allow (it imports packages and forks),
 * minus everything that reaches other processes, the kernel's state, the
 * network or new privileges.  Refusals are errors, not kills, so a package
 * that probes them fails to import instead of taking the zygote down.
 * Shared mappings are refused so nothing the zygote (or a package in it)
 * sets up can be written by one child and read by another; clone may not
 * create namespaces, and clone3 (whose flags seccomp cannot see) reports
 * ENOSYS so libc falls back to clone.
 */
static int
sc_build_zygote(void)
{
	scmp_filter_ctx		 ctx;
	struct scmp_arg_cmp	 shared = SCMP_A3(SCMP_CMP_MASKED_EQ,
	    MAP_SHARED | MAP_SHARED_VALIDATE, MAP_SHARED);
	struct scmp_arg_cmp	 validate = SCMP_A3(SCMP_CMP_MASKED_EQ,
	    MAP_SHARED | MAP_SHARED_VALIDATE, MAP_SHARED_VALIDATE);
	static const int	 nsflags[] = { CLONE_NEWNS, CLONE_NEWUSER,
	    CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS,
	    CLONE_NEWCGROUP };
	struct scmp_arg_cmp	 other_clock = SCMP_A0(SCMP_CMP_MASKED_EQ,
	    0x80000000u, 0x80000000u);
	struct scmp_arg_cmp	 newns;
	const char		**p;
	size_t			 i;
	int			 rc = -1;

	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL)
		return (-1);
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) < 0)
		goto out;
	for (p = zygote_deny; *p; p++)
		if (sc_add(ctx, SCMP_ACT_ERRNO(EPERM), *p, 0, NULL) < 0)
			goto out;
	for (p = clocks; *p; p++)
		if (sc_add(ctx, SCMP_ACT_ERRNO(EINVAL), *p, 1,
		    &other_clock) < 0)
			goto out;
	for (i = 0; i < sizeof(nsflags) / sizeof(nsflags[0]); i++) {
		newns = SCMP_A0(SCMP_CMP_MASKED_EQ, (scmp_datum_t)nsflags[i],
		    (scmp_datum_t)nsflags[i]);
		if (sc_add(ctx, SCMP_ACT_ERRNO(EPERM), "clone", 1, &newns) < 0)
			goto out;
	}
	if (sc_add(ctx, SCMP_ACT_ERRNO(EPERM), "mmap", 1, &shared) < 0 ||
	    sc_add(ctx, SCMP_ACT_ERRNO(EPERM), "mmap", 1, &validate) < 0 ||
	    sc_add(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL) < 0)
		goto out;
	rc = sc_export(ctx, &zprog);
out:
	seccomp_release(ctx);
	return (rc);
}

int
sbx_seccomp_build(void)
{
	scmp_filter_ctx		 ctx;
	struct scmp_arg_cmp	 noexec = SCMP_A2(SCMP_CMP_MASKED_EQ,
	    PROT_EXEC, 0);
	struct scmp_arg_cmp	 exec = SCMP_A2(SCMP_CMP_MASKED_EQ,
	    PROT_EXEC, PROT_EXEC);
	struct scmp_arg_cmp	 self = SCMP_A0(SCMP_CMP_EQ, 0);
	struct scmp_arg_cmp	 other = SCMP_A0(SCMP_CMP_NE, 0);
	struct scmp_arg_cmp	 fixed_clock = SCMP_A0(SCMP_CMP_MASKED_EQ,
	    0x80000000u, 0);
	struct scmp_arg_cmp	 other_clock = SCMP_A0(SCMP_CMP_MASKED_EQ,
	    0x80000000u, 0x80000000u);
	const char		**p;
	int			 i, rc = -1;

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL)
		return (-1);
	/* The child sets NO_NEW_PRIVS itself, before this filter. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) < 0)
		goto out;
	for (p = allow; *p; p++)
		if (sc_add(ctx, SCMP_ACT_ALLOW, *p, 0, NULL) < 0)
			goto out;
	for (i = 0; soft[i].name; i++)
		if (sc_add(ctx, SCMP_ACT_ERRNO(soft[i].err), soft[i].name, 0,
		    NULL) < 0)
			goto out;
	/* W^X: nothing executable may be mapped once untrusted code runs. */
	if (sc_add(ctx, SCMP_ACT_ALLOW, "mmap", 1, &noexec) < 0 ||
	    sc_add(ctx, SCMP_ACT_ALLOW, "mprotect", 1, &noexec) < 0 ||
	    sc_add(ctx, SCMP_ACT_ERRNO(EPERM), "mmap", 1, &exec) < 0 ||
	    sc_add(ctx, SCMP_ACT_ERRNO(EPERM), "mprotect", 1, &exec) < 0)
		goto out;
	/*
	 * Own limits only.  The child has no capabilities, so it can lower a
	 * hard limit but never raise one; the supervisor's per-call limits are
	 * applied this way in pre-forked children.  The same for the one
	 * scheduler query CPython makes (os.cpu_count paths): pid 0 only.
	 */
	if (sc_add(ctx, SCMP_ACT_ALLOW, "prlimit64", 1, &self) < 0 ||
	    sc_add(ctx, SCMP_ACT_ALLOW, "sched_getaffinity", 1, &self) < 0 ||
	    sc_add(ctx, SCMP_ACT_ERRNO(EPERM), "sched_getaffinity", 1,
	    &other) < 0)
		goto out;
	for (p = clocks; *p; p++)
		if (sc_add(ctx, SCMP_ACT_ALLOW, *p, 1, &fixed_clock) < 0 ||
		    sc_add(ctx, SCMP_ACT_ERRNO(EINVAL), *p, 1,
		    &other_clock) < 0)
			goto out;
	rc = sc_export(ctx, &prog);
out:
	seccomp_release(ctx);
	if (rc == 0)
		rc = sc_build_zygote();
	return (rc);
}

unsigned
sbx_seccomp_len(void)
{
	return (prog.len);
}

/*
 * The supervisor's own filter, loaded once it has dropped root: default
 * allow, but its CAP_SETUID and CAP_SETGID may only ever make a process
 * the call uid (a broker helper before exec), and no process of ours may
 * take a supplementary group.  So a hijacked supervisor cannot use them to
 * become root or anyone else.
 */
int
sbx_seccomp_apply_supervisor(uid_t call_uid)
{
	static const char	*const ids[] = { "setresuid", "setresgid" };
	static const char	*const never[] = { "setuid", "setgid",
	    "setreuid", "setregid", "setfsuid", "setfsgid", NULL };
	scmp_filter_ctx		 ctx;
	struct scmp_arg_cmp	 other;
	const char		*const *p;
	size_t			 i;
	unsigned		 a;
	int			 rc = -1;

	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL)
		return (-1);
	for (p = never; *p; p++)
		if (sc_add(ctx, SCMP_ACT_ERRNO(EPERM), *p, 0, NULL) < 0)
			goto out;
	for (i = 0; i < 2; i++)
		for (a = 0; a < 3; a++) {
			other = (struct scmp_arg_cmp){ a, SCMP_CMP_NE,
			    (scmp_datum_t)call_uid, 0 };
			if (sc_add(ctx, SCMP_ACT_ERRNO(EPERM), ids[i], 1,
			    &other) < 0)
				goto out;
		}
	other = SCMP_A0(SCMP_CMP_NE, 0);
	if (sc_add(ctx, SCMP_ACT_ERRNO(EPERM), "setgroups", 1, &other) < 0)
		goto out;
	rc = seccomp_load(ctx) < 0 ? -1 : 0;
out:
	seccomp_release(ctx);
	return (rc);
}

/* The zygote, after NO_NEW_PRIVS and before it imports any package. */
int
sbx_seccomp_apply_zygote(void)
{
	if (zprog.filter == NULL)
		return (-1);
	return ((int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &zprog));
}

/* Called in the child after NO_NEW_PRIVS; nothing here allocates. */
int
sbx_seccomp_apply(void)
{
	if (prog.filter == NULL)
		return (-1);
	return ((int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog));
}
