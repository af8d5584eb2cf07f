/*
 * The retention job: activity entries and execution logs older than the
 * security policy's log_retention_days are deleted, and each tool keeps at
 * most its newest RETENTION_KEEP_PER_TOOL execution logs, so a tool called
 * in a tight loop cannot fill the disk within the retention period.
 *
 * Worker 1 runs it shortly after start and then every
 * MCPBOX_RETENTION_INTERVAL_S (default one hour). It is one detached
 * statement (db/sql_ops.c) that also writes the activity entry with the
 * counts, so nothing here waits on the database; a failure is logged by
 * the detached statement and the next run tries again. Timers are
 * one-shots re-armed from the callback.
 */
#include <stdio.h>

#include "core/core.h"
#include "db/db.h"
#include "db/sql_ops.h"
#include "ops/ops.h"

#define RETENTION_FIRST_MS	10000

static int	retention_interval_s;

static void
retention_run(void *arg, u_int64_t now)
{
	const char	*p[3];
	char		keep[16], idle[16], rows[16];

	(void)arg;
	(void)now;
	(void)snprintf(keep, sizeof(keep), "%d", RETENTION_KEEP_PER_TOOL);
	(void)snprintf(idle, sizeof(idle), "%d", mcpbox_cfg.session_idle_s);
	(void)snprintf(rows, sizeof(rows), "%d", mcpbox_cfg.log_max_rows);
	p[0] = keep;
	p[1] = idle;
	p[2] = rows;
	log_debug("retention job running");
	db_exec_detached(SQL_OPS_RETENTION, 3, p);
	(void)kore_timer_add(retention_run,
	    (u_int64_t)retention_interval_s * 1000, NULL, KORE_TIMER_ONESHOT);
}

void
retention_start(int interval_s)
{
	u_int64_t	first;

	retention_interval_s = interval_s;
	/* Soon after start, but not before the pool is warm. */
	first = (u_int64_t)interval_s * 1000;
	if (first > RETENTION_FIRST_MS)
		first = RETENTION_FIRST_MS;
	(void)kore_timer_add(retention_run, first, NULL, KORE_TIMER_ONESHOT);
}
