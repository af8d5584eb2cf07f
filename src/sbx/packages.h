/*
 * sbx/packages.c: the sandbox keeper's package installer. Approved
 * module requests naming a non-stdlib package are queued in PostgreSQL
 * (migration 0040); the keeper LISTENs for them, installs each through
 * the supervisor's `install` op (wheels only), records the outcome, and
 * asks for a "sandbox reload": the supervisor is restarted with the
 * install directories activated (--python-path/--module), so tools see
 * the package through the same filtered stand-ins as every module.
 *
 * The keeper is a plain process outside the workers' event loops and
 * seccomp filter, so blocking libpq and socket I/O are fine here.
 */
#ifndef MCPBOX_SANDBOX_PACKAGES_H
#define MCPBOX_SANDBOX_PACKAGES_H

void	sbx_pkg_init(const char *run_dir, const char *sock);
/*
 * Append the supervisor's package arguments to argv (from index n, at
 * most max entries in all); returns the new count. `bare` leaves out the
 * activations (a supervisor that died right after a reload).
 */
int	sbx_pkg_args(const char **argv, int n, int max, int bare);
/* Wait up to ms for queued installs and run them; 1: reload needed. */
int	sbx_pkg_poll(int ms);

#endif
