/*
 * SQL of the operations code: the alert activity entry and the retention
 * job. Both run outside any request: the first from the alert process
 * over plain libpq, the second as a detached statement in worker 1.
 */
#include "db/sql_ops.h"

/* $1 level (warning|error), $2 message, $3 the alert as JSON */
const char SQL_OPS_ALERT_ACTIVITY[] =
    "INSERT INTO activity_logs (log_type, level, message, details) "
    "VALUES ('alert', $1, $2, $3::jsonb)";

/*
 * One statement, so the counts in the activity entry are exactly what was
 * deleted. The age cut uses the security policy's log_retention_days
 * (a missing or non-positive value means the default of 30 days). The
 * per-tool cap only looks at rows younger than the cut, so the two
 * deletions never touch the same row (PostgreSQL leaves it unpredictable
 * which of two modifications of one row in a statement wins).
 *
 * The entry is written only when something was deleted: an hourly "0 rows"
 * line would bury the activity feed.
 *
 * $1 rows to keep per tool
 */
const char SQL_OPS_RETENTION[] =
    "WITH p AS (SELECT CASE WHEN coalesce(policy('log_retention_days'), '') "
    "  ~ '^[0-9]{1,5}$' AND policy('log_retention_days')::int > 0 "
    "  THEN policy('log_retention_days')::int ELSE 30 END AS days), "
    "cut AS (SELECT now() - make_interval(days => days) AS t, days FROM p), "
    "a AS (DELETE FROM activity_logs WHERE created_at < (SELECT t FROM cut) "
    "  RETURNING 1), "
    "e AS (DELETE FROM tool_execution_logs WHERE created_at < "
    "  (SELECT t FROM cut) RETURNING 1), "
    "k AS (DELETE FROM tool_execution_logs WHERE id IN (SELECT id FROM "
    "  (SELECT id, row_number() OVER (PARTITION BY tool_id ORDER BY "
    "  created_at DESC, id) AS rn FROM tool_execution_logs WHERE "
    "  created_at >= (SELECT t FROM cut)) r WHERE rn > $1::int) "
    "  RETURNING 1), "
    "n AS (SELECT (SELECT count(*) FROM a) AS act, "
    "  (SELECT count(*) FROM e) AS old, (SELECT count(*) FROM k) AS capped, "
    "  (SELECT days FROM cut) AS days) "
    "INSERT INTO activity_logs (log_type, level, message, details) "
    "SELECT 'system', 'info', format('retention: deleted %s activity "
    "  entries and %s execution logs older than %s days, and %s execution "
    "  logs beyond the newest %s per tool', act, old, days, capped, $1::int), "
    "  jsonb_build_object('job', 'retention', 'activity_deleted', act, "
    "  'execution_logs_deleted', old, 'execution_logs_capped', capped, "
    "  'retention_days', days, 'keep_per_tool', $1::int) "
    "FROM n WHERE act + old + capped > 0";

/* $1 actor, $2 request id */
const char SQL_OPS_CIRCUIT_RESET_AUDIT[] =
    "SELECT audit($1, 'circuit_reset', 'sandbox circuit breaker reset', "
    "'{\"circuit\": \"sandbox\"}'::jsonb, $2)";
