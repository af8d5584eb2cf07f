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
	"getrandom", "clock_gettime", "clock_getres", "clock_nanosleep",
	"nanosleep", "gettimeofday", "time", "getpid", "gettid", "getppid",
	"getuid", "geteuid", "getgid", "getegid", "sched_yield",
	"restart_syscall", "getrusage", "sched_getaffinity", NULL
};

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
add(scmp_filter_ctx ctx, uint32_t act, const char *name, unsigned n,
    const struct scmp_arg_cmp *cmp)
{
	int	nr;

	nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return (0);	/* not on this architecture */
	return (seccomp_rule_add_array(ctx, act, nr, n, cmp));
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
	const char		**p;
	int			 fd, i, rc = -1;
	off_t			 len;

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL)
		return (-1);
	/* The child sets NO_NEW_PRIVS itself, before this filter. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) < 0)
		goto out;
	for (p = allow; *p; p++)
		if (add(ctx, SCMP_ACT_ALLOW, *p, 0, NULL) < 0)
			goto out;
	for (i = 0; soft[i].name; i++)
		if (add(ctx, SCMP_ACT_ERRNO(soft[i].err), soft[i].name, 0,
		    NULL) < 0)
			goto out;
	/* W^X: nothing executable may be mapped once untrusted code runs. */
	if (add(ctx, SCMP_ACT_ALLOW, "mmap", 1, &noexec) < 0 ||
	    add(ctx, SCMP_ACT_ALLOW, "mprotect", 1, &noexec) < 0 ||
	    add(ctx, SCMP_ACT_ERRNO(EPERM), "mmap", 1, &exec) < 0 ||
	    add(ctx, SCMP_ACT_ERRNO(EPERM), "mprotect", 1, &exec) < 0)
		goto out;
	/*
	 * Own limits only.  The child has no capabilities, so it can lower a
	 * hard limit but never raise one; the supervisor's per-call limits are
	 * applied this way in pre-forked children.
	 */
	if (add(ctx, SCMP_ACT_ALLOW, "prlimit64", 1, &self) < 0)
		goto out;
	if ((fd = memfd_create("sbx-bpf", MFD_CLOEXEC)) == -1)
		goto out;
	if (seccomp_export_bpf(ctx, fd) < 0 ||
	    (len = lseek(fd, 0, SEEK_CUR)) <= 0) {
		close(fd);
		goto out;
	}
	free(prog.filter);
	if ((prog.filter = malloc((size_t)len)) == NULL ||
	    pread(fd, prog.filter, (size_t)len, 0) != len) {
		close(fd);
		goto out;
	}
	close(fd);
	prog.len = (unsigned short)((size_t)len / sizeof(struct sock_filter));
	rc = 0;
out:
	seccomp_release(ctx);
	return (rc);
}

unsigned
sbx_seccomp_len(void)
{
	return (prog.len);
}

/* Called in the child after NO_NEW_PRIVS; nothing here allocates. */
int
sbx_seccomp_apply(void)
{
	if (prog.filter == NULL)
		return (-1);
	return ((int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog));
}
