/*
 * Statements for the activity log and execution logs (api/activity.c).
 * Filters arrive as text, '' meaning "any"; a bad timestamp is answered
 * with 400 by the statement itself (try_timestamptz) rather than failing.
 */
#include "db/sql.h"

#define EXEC_LOG_COLUMNS						\
    "id, tool_id, server_id, tool_name, input_args, result, error, "	\
    "stdout, duration_ms, success, is_test, caller_source, "		\
    "client_token, request_id, created_at"

/*
 * $1 log_type, $2 level, $3 server id, $4 since, $5 text in message,
 * $6 offset, $7 limit, $8 page, $9 page_size
 */
const char SQL_ACTIVITY_LOGS_RESPOND[] =
    "WITH f AS (SELECT * FROM activity_logs l WHERE "
    "  ($1 = '' OR l.log_type = $1) AND ($2 = '' OR l.level = $2) "
    "  AND ($3 = '' OR l.server_id = nullif($3, '')::uuid) "
    "  AND ($4 = '' OR l.created_at >= try_timestamptz($4)) "
    "  AND ($5 = '' OR strpos(lower(l.message), lower($5)) > 0)) "
    "SELECT CASE WHEN $4 <> '' AND try_timestamptz($4) IS NULL THEN 400 "
    "  ELSE 200 END, "
    "  CASE WHEN $4 <> '' AND try_timestamptz($4) IS NULL THEN "
    "  api_error('bad_filter', "
    "  'since must be a timestamp such as 2025-01-31T12:00:00Z') "
    "  ELSE json_build_object('items', coalesce(("
    "  SELECT json_agg(row_to_json(x) ORDER BY x.created_at DESC) FROM "
    "  (SELECT id, server_id, log_type, level, message, details, actor, "
    "  request_id, duration_ms, created_at FROM f ORDER BY created_at DESC "
    "  OFFSET $6::int LIMIT $7::int) x), '[]'), "
    "  'total', (SELECT count(*) FROM f), "
    "  'page', $8::int, 'page_size', $9::int) END";

/* $1 tool id, $2 server id, $3 success ('', 't', 'f'), $4 offset,
 * $5 limit, $6 page, $7 page_size */
const char SQL_EXECUTION_LOGS_RESPOND[] =
    "WITH f AS (SELECT " EXEC_LOG_COLUMNS " FROM tool_execution_logs l "
    "  WHERE ($1 = '' OR l.tool_id = nullif($1, '')::uuid) "
    "  AND ($2 = '' OR l.server_id = nullif($2, '')::uuid) "
    "  AND ($3 = '' OR l.success = ($3 = 't'))) "
    "SELECT 200, json_build_object('items', coalesce((SELECT json_agg("
    "  row_to_json(x) ORDER BY x.created_at DESC) FROM (SELECT * FROM f "
    "  ORDER BY created_at DESC OFFSET $4::int LIMIT $5::int) x), '[]'), "
    "  'total', (SELECT count(*) FROM f), "
    "  'page', $6::int, 'page_size', $7::int)";

/* $1 server id, $2 success, $3 offset, $4 limit, $5 page, $6 page_size */
const char SQL_SERVER_EXECUTION_LOGS_RESPOND[] =
    "WITH f AS (SELECT " EXEC_LOG_COLUMNS " FROM tool_execution_logs l "
    "  WHERE l.server_id = $1::uuid AND ($2 = '' OR l.success = ($2 = 't'))) "
    "SELECT CASE WHEN EXISTS (SELECT 1 FROM servers WHERE id = $1::uuid) "
    "  THEN 200 ELSE 404 END, "
    "  CASE WHEN EXISTS (SELECT 1 FROM servers WHERE id = $1::uuid) THEN "
    "  json_build_object('items', coalesce((SELECT json_agg(row_to_json(x) "
    "  ORDER BY x.created_at DESC) FROM (SELECT * FROM f ORDER BY "
    "  created_at DESC OFFSET $3::int LIMIT $4::int) x), '[]'), "
    "  'total', (SELECT count(*) FROM f), "
    "  'page', $5::int, 'page_size', $6::int) "
    "  ELSE api_error('not_found', 'no such server') END";
