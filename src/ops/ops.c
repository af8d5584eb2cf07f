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

static pid_t	alerter_pid = -1;

void
ops_parent_init(void)
{
	int	rfd;

	/*
	 * A probe may be a full tool call: its lease must outlast the
	 * sandbox timeout plus the client's grace, or a slow probe would
	 * let a second one through.
	 */
	if (metrics_init() == -1 || circuit_init(mcpbox_cfg.circuit_threshold,
	    mcpbox_cfg.circuit_reset_s,
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
	    mcpbox_cfg.alert_webhook_url != NULL ?
	    (mcpbox_cfg.alert_format == ALERT_FORMAT_SLACK ?
	    "webhook, Slack format" :
	    mcpbox_cfg.alert_format == ALERT_FORMAT_DISCORD ?
	    "webhook, Discord format" :
	    "webhook, generic JSON") : "activity log only (no webhook URL)",
	    mcpbox_cfg.alert_dedup_s);
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
		retention_start(mcpbox_cfg.retention_interval_s);
}
