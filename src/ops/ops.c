/*
 * Operations set-up: the parent maps the shared segments (metrics, the
 * circuit breaker) and forks the alert sender before it forks anything
 * else, so the workers and the sandbox keeper all inherit the same pages
 * and the write end of the alert pipe. Worker 1 alone runs the retention
 * timer: one deleter per instance is enough, and several instances against
 * one database only repeat an idempotent statement.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"
#include "sbx/circuit.h"
#include "ops/ops.h"

struct ops_conf	ops_conf = {
	.circuit_threshold = 5,
	.circuit_reset_s = 30,
	.retention_interval_s = 3600,
};

static pid_t	alerter_pid = -1;

static void
ops_fail(const char *fmt, const char *name, long lo, long hi)
{
	fprintf(stderr, "mcpbox: configuration error: ");
	fprintf(stderr, fmt, name, lo, hi);
	fprintf(stderr, "\n");
	exit(1);
}

/* An optional integer setting in [lo, hi]; anything else stops start-up. */
static int
ops_env_int(const char *name, int def, long lo, long hi)
{
	const char	*v;
	char		*end;
	long		n;

	if ((v = getenv(name)) == NULL || *v == '\0')
		return (def);
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < lo || n > hi)
		ops_fail("%s: must be an integer from %ld to %ld", name, lo, hi);
	return ((int)n);
}

void
ops_parent_init(void)
{
	int	rfd, fmt;

	alert_conf.dedup_s = ops_env_int("MCPBOX_ALERT_DEDUP_S", 900, 1,
	    86400);
	fmt = alert_format_for(mcpbox_cfg.alert_webhook_url,
	    getenv("MCPBOX_ALERT_WEBHOOK_FORMAT"));
	if (fmt == -1) {
		fprintf(stderr, "mcpbox: configuration error: "
		    "MCPBOX_ALERT_WEBHOOK_FORMAT: must be generic, slack or "
		    "discord\n");
		exit(1);
	}
	alert_conf.format = fmt;
	ops_conf.circuit_threshold = ops_env_int("MCPBOX_CIRCUIT_THRESHOLD",
	    5, 1, 1000);
	ops_conf.circuit_reset_s = ops_env_int("MCPBOX_CIRCUIT_RESET_S", 30, 1,
	    3600);
	/* An MCP session nobody used this long is gone (404, as the spec
	 * says for an expired session): clients that never DELETE theirs
	 * would otherwise keep every row forever. */
	ops_conf.session_idle_s = ops_env_int("MCPBOX_SESSION_IDLE_S", 86400,
	    60, 365 * 86400);
	/* Retention by size too: age alone let a busy instance grow by
	 * hundreds of MB an hour. Per table, the newest rows are kept. */
	ops_conf.log_max_rows = ops_env_int("MCPBOX_LOG_MAX_ROWS", 1000000,
	    1000, 1000000000);
	ops_conf.retention_interval_s = ops_env_int(
	    "MCPBOX_RETENTION_INTERVAL_S", 3600, 1, 7 * 86400);

	/*
	 * A probe may be a full tool call: its lease must outlast the
	 * sandbox timeout plus the client's grace, or a slow probe would
	 * let a second one through.
	 */
	if (metrics_init() == -1 || circuit_init(ops_conf.circuit_threshold,
	    ops_conf.circuit_reset_s,
	    (int)(mcpbox_cfg.sandbox_timeout_ms / 1000) + 5) == -1) {
		log_error("cannot map the shared metrics segment");
		exit(1);
	}
	if (alert_pipe(&rfd) == -1) {
		log_error("cannot create the alert pipe: %s", strerror(errno));
		exit(1);
	}
	if ((alerter_pid = alerter_start(rfd)) == -1)
		log_error("cannot start the alert sender; alerts are logged "
		    "only");
	(void)close(rfd);
	log_info("alerts: %s (de-duplicated per %d s)",
	    mcpbox_cfg.alert_webhook_url != NULL ? (alert_conf.format ==
	    ALERT_FORMAT_SLACK ? "webhook, Slack format" : alert_conf.format ==
	    ALERT_FORMAT_DISCORD ? "webhook, Discord format" :
	    "webhook, generic JSON") : "activity log only (no webhook URL)",
	    alert_conf.dedup_s);
}

void
ops_parent_teardown(void)
{
	if (alerter_pid > 0)
		(void)kill(alerter_pid, SIGTERM);
	alerter_pid = -1;
}

void
ops_worker_init(void)
{
	/* The alert sender's read end was closed in the parent already. */
	if (worker->id == 1)
		retention_start(ops_conf.retention_interval_s);
}
