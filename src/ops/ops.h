/*
 * ops/: what an operator needs to run MCPbox — /metrics, the alert
 * sender process and the retention job.
 *
 * The counters and thresholds are plain C in core/ (metrics.c, alert.c);
 * the breaker is sbx/circuit.c next to the sandbox client it guards (its
 * endpoints are in api/health.c). This
 * folder wires them into Kore: the parent maps the shared segments and
 * forks the alert sender, worker 1 runs the retention timer, and the
 * handlers render what the shared memory holds.
 */
#ifndef MCPBOX_OPS_H
#define MCPBOX_OPS_H

#include <kore/kore.h>
#include <kore/http.h>

#include "http/http.h"

/* Tuning comes from core/config.c (mcpbox_cfg). */

/* Parent: shared segments and the alert sender, before any other fork. */
void	ops_parent_init(void);
void	ops_parent_teardown(void);
/* Each worker (kore_worker_configure). */
void	ops_worker_init(void);
/* Worker 1, once after start: database and sandbox reachable (reachable.c). */
void	ops_reachability_check(void);

/* The alert sender process (alerter.c). */
pid_t	alerter_start(int read_fd);

/* Retention (retention.c). */
#define RETENTION_KEEP_PER_TOOL	100
void	retention_start(int interval_s);

/* Handlers. */
int	ops_metrics(struct http_request *);

#endif
