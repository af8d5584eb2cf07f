/*
 * Statements of the operations code (src/ops/): alert entries written by
 * the alert process, and the retention job.
 */
#ifndef MCPBOX_SQL_OPS_H
#define MCPBOX_SQL_OPS_H

extern const char	SQL_OPS_ALERT_ACTIVITY[];
extern const char	SQL_OPS_RETENTION[];
extern const char	SQL_OPS_CIRCUIT_RESET_AUDIT[];

#endif
