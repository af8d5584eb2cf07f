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
 * MCP sessions idle for longer than $2 seconds are deleted (their
 * clients get 404 and start a new one, as the spec says), and so are
 * legacy-SSE outbox rows nobody collected within 5 minutes: their stream
 * is gone.
 *
 * Each log table keeps at most $3 rows: the newest (only rows younger
 * than the age cut are looked at, for the reason above).
 *
 * $1 rows to keep per tool, $2 session idle seconds, $3 rows per table
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
    "sa AS (DELETE FROM activity_logs WHERE created_at >= (SELECT t FROM "
    "  cut) AND created_at < (SELECT created_at FROM activity_logs ORDER "
    "  BY created_at DESC OFFSET $3::int LIMIT 1) RETURNING 1), "
    "se AS (DELETE FROM tool_execution_logs WHERE created_at >= (SELECT t "
    "  FROM cut) AND created_at < (SELECT created_at FROM "
    "  tool_execution_logs ORDER BY created_at DESC OFFSET $3::int LIMIT 1) "
    "  AND id NOT IN (SELECT id FROM (SELECT id, row_number() OVER "
    "  (PARTITION BY tool_id ORDER BY created_at DESC, id) AS rn FROM "
    "  tool_execution_logs WHERE created_at >= (SELECT t FROM cut)) r "
    "  WHERE rn > $1::int) RETURNING 1), "
    "s AS (DELETE FROM mcp_sessions WHERE last_seen_at < now() - "
    "  make_interval(secs => $2::int) RETURNING 1), "
    "o AS (DELETE FROM mcp_outbox WHERE created_at < now() - "
    "  interval '5 minutes' RETURNING 1), "
    "n AS (SELECT (SELECT count(*) FROM a) AS act, "
    "  (SELECT count(*) FROM e) AS old, (SELECT count(*) FROM k) AS capped, "
    "  (SELECT count(*) FROM s) AS sessions, (SELECT count(*) FROM o) AS "
    "  outbox, (SELECT count(*) FROM sa) + (SELECT count(*) FROM se) AS "
    "  sized, (SELECT days FROM cut) AS days) "
    "INSERT INTO activity_logs (log_type, level, message, details) "
    "SELECT 'system', 'info', format('retention: deleted %s activity "
    "entries and %s execution logs older than %s days, %s execution "
    "logs beyond the newest %s per tool, %s rows beyond %s per table, %s "
    "idle MCP sessions and %s undelivered outbox rows', act, old, days, "
    "  capped, $1::int, sized, $3::int, sessions, outbox), "
    "  jsonb_build_object('job', 'retention', 'activity_deleted', act, "
    "  'execution_logs_deleted', old, 'execution_logs_capped', capped, "
    "  'sessions_expired', sessions, 'outbox_deleted', outbox, "
    "  'size_capped', sized, 'max_rows', $3::int, "
    "  'retention_days', days, 'keep_per_tool', $1::int) "
    "FROM n WHERE act + old + capped + sessions + outbox + sized > 0";

/* $1 actor, $2 request id */
const char SQL_OPS_CIRCUIT_RESET_AUDIT[] =
    "SELECT audit($1, 'circuit_reset', 'sandbox circuit breaker reset', "
    "'{\"circuit\": \"sandbox\"}'::jsonb, $2)";
