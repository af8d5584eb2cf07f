/* Statements of the MCP gateway (mcp/). */
#include "db/sql.h"

/*
 * $1 id, $2 protocol version, $3 client info json, $4 source, $5 scope,
 * $6 client capabilities json, $7 client token id|NULL. A session belongs
 * to its token: another token cannot take it over, and a server the token
 * does not see is, to it, a server there is not (no row).
 */
const char SQL_MCP_SESSION_UPSERT[] =
    "INSERT INTO mcp_sessions (id, protocol_version, client_info, source, "
    "  scope, client_capabilities, token_id) SELECT $1::text, $2::text, "
    "  $3::jsonb, $4::text, $5::text, $6::jsonb, $7::uuid "
    "  WHERE token_live($7::uuid) AND ($5::text IS NULL OR "
    "  (EXISTS (SELECT 1 FROM servers WHERE name = $5) AND "
    "  token_sees($7::uuid, $5::text))) "
    "ON CONFLICT (id) DO UPDATE SET "
    "protocol_version = EXCLUDED.protocol_version, client_info = "
    "EXCLUDED.client_info, client_capabilities = "
    "EXCLUDED.client_capabilities, last_seen_at = now() "
    "WHERE mcp_sessions.token_id IS NOT DISTINCT FROM EXCLUDED.token_id "
    "RETURNING id";

/*
 * $1 id, $2 the request's client token id|NULL -> protocol_version,
 * source; no row unless the session is that token's and the token lives.
 * Touches last_seen_at at most once a minute so a busy session doesn't
 * turn every call into a write.
 */
const char SQL_MCP_SESSION_GET[] =
    "WITH t AS (UPDATE mcp_sessions SET last_seen_at = now() WHERE id = $1 "
    "  AND last_seen_at < now() - interval '1 minute') "
    "SELECT protocol_version, source FROM mcp_sessions WHERE id = $1 "
    "  AND token_id IS NOT DISTINCT FROM $2::uuid AND token_live($2::uuid)";

/* $1 id, $2 client token id|NULL. Every worker of every instance forgets
 * the session (session_cache.c). */
const char SQL_MCP_SESSION_DELETE[] =
    "WITH d AS (DELETE FROM mcp_sessions WHERE id = $1 AND token_id IS NOT "
    "  DISTINCT FROM $2::uuid RETURNING id) "
    "SELECT id, pg_notify('mcpbox_session_ended', id) FROM d";

/* $1 id, $2 level */
const char SQL_MCP_SESSION_LEVEL[] =
    "UPDATE mcp_sessions SET log_level = $2 WHERE id = $1 RETURNING id";

/*
 * Callable user tools and whether remote callers may edit. Each tool as
 * its approved version defines it (tool_mcp_json, migration 0052).
 * $1 the caller's client token id|NULL: its servers' tools only.
 */
const char SQL_MCP_TOOLS_LIST[] =
    "SELECT coalesce(jsonb_agg(j ORDER BY sname, tname), '[]'), "
    "  coalesce(policy('remote_tool_editing'), 'disabled') "
    "FROM (SELECT s.name AS sname, t.name AS tname, tool_mcp_json(t, "
    "  s.name || '__' || t.name) AS j "
    "  FROM tools t JOIN servers s ON s.id = t.server_id "
    "  WHERE t.kind = 'tool' AND t.approval_status = 'approved' AND "
    "  t.enabled AND s.status = 'running' AND token_sees($1::uuid, "
    "  s.name)) x WHERE j IS NOT NULL";

/*
 * One server's endpoint: the server's status and its callable tools under
 * their own names; no row when there is no such server, or the caller's
 * client token does not see it.
 * $1 server name, $2 client token id|NULL -> status, tools json
 */
const char SQL_MCP_SERVER_TOOLS_LIST[] =
    "SELECT s.status, coalesce((SELECT jsonb_agg(j ORDER BY tname) FROM "
    "  (SELECT t.name AS tname, tool_mcp_json(t, t.name) AS j FROM tools t "
    "  WHERE t.server_id = s.id AND t.kind = 'tool' AND "
    "  t.approval_status = 'approved' AND t.enabled) x "
    "  WHERE j IS NOT NULL), '[]') "
    "FROM servers s WHERE s.name = $1 AND token_sees($2::uuid, s.name)";

/*
 * Everything a call needs, checked at call time (never from a cache),
 * with the session check folded in (migration 0020).
 * $1 session, $2 server name, $3 tool name -> session_ok, tool_id,
 * server_id, python_code, timeout_ms, approval_status, enabled,
 * server_status, modules, hosts, secrets [{key, ct, nonce}] (hex),
 * tool_type (migration 0049), log_level, client_capabilities,
 * output_schema of the approved version (0052); read by name
 * (mcp/call.c).
 */
const char SQL_MCP_TOOL_FOR_CALL[] =
    "SELECT f.*, (SELECT n FROM definitions_generation)::text AS defs_gen "
    "FROM mcp_tool_for_call($1, $2, $3, $4::uuid) f";

/*
 * A call whose definition the worker holds: the session part of
 * mcp_tool_for_call (0055) and the definitions' generation (0058), in one
 * snapshot. No row: the session is not the caller's.
 * $1 session, $2 server, $3 client token id or NULL.
 */
const char SQL_MCP_SESSION_FOR_CALL[] =
    "SELECT 't' AS session_ok, s.log_level, s.client_capabilities, "
    "  (SELECT n FROM definitions_generation)::text AS defs_gen "
    "FROM mcp_sessions s WHERE s.id = $1 AND (s.scope IS NULL OR "
    "  s.scope = $2) AND s.token_id IS NOT DISTINCT FROM $3::uuid AND "
    "  token_live($3::uuid)";

/*
 * Execution log rows and their activity entries, any number at once
 * (db/execlog.c): $1 a JSON array of rows {id, aid (the entry's id), at,
 * tool_id, server_id, tool_name, args (json text), result, error, stdout,
 * ms, ok, source, request_id, is_test, token}. The entry is the feed's
 * line and points at the log; the arguments live in the log only. Both
 * ids are made by the worker, so a batch sent twice (its worker died
 * before it saw the answer) inserts nothing the second time. A row whose
 * tool or server is gone meanwhile is skipped rather than failing the
 * batch for every other row; its entry stays, as it would had the tool
 * been deleted after the write. -> rows logged, entries written.
 */
const char SQL_MCP_EXEC_LOG_ROWS[] =
    "WITH r AS (SELECT * FROM json_to_recordset($1::json) AS x(id uuid, "
    "  aid uuid, at timestamptz, tool_id uuid, server_id uuid, "
    "  tool_name text, args text, result text, error text, stdout text, "
    "  ms int, ok boolean, source text, request_id text, is_test boolean, "
    "  token text)), "
    "l AS (INSERT INTO tool_execution_logs (id, tool_id, server_id, "
    "  tool_name, input_args, result, error, stdout, duration_ms, success, "
    "  caller_source, request_id, is_test, client_token, created_at) "
    "  SELECT id, tool_id, server_id, tool_name, args::jsonb, "
    "  left(result, 10240), left(error, 5120), left(stdout, 10240), ms, ok, "
    "  source, request_id, is_test, nullif(token, ''), at FROM r "
    "  WHERE (tool_id IS NULL OR EXISTS (SELECT 1 FROM tools t "
    "  WHERE t.id = r.tool_id)) AND (server_id IS NULL OR EXISTS "
    "  (SELECT 1 FROM servers s WHERE s.id = r.server_id)) "
    "  ON CONFLICT (id) DO NOTHING RETURNING 1), "
    "a AS (INSERT INTO activity_logs (id, server_id, log_type, level, "
    "  message, details, request_id, duration_ms, created_at) "
    "  SELECT aid, (SELECT s.id FROM servers s WHERE s.id = r.server_id), "
    "  'mcp_request', CASE WHEN ok THEN 'info' ELSE 'warning' END, "
    "  'tools/call ' || tool_name || CASE WHEN ok THEN ' ok' ELSE "
    "  ' failed' END, json_build_object('tool', tool_name, 'source', "
    "  source, 'execution_log_id', id, 'is_test', is_test, 'client_token', "
    "  nullif(token, ''))::jsonb, request_id, ms, at FROM r "
    "  ON CONFLICT (id) DO NOTHING RETURNING 1) "
    "SELECT (SELECT count(*) FROM l), (SELECT count(*) FROM a)";

/* $1 session, $2 body -> id */
const char SQL_MCP_OUTBOX_PUT[] =
    "WITH o AS (INSERT INTO mcp_outbox (session_id, body) VALUES ($1, $2) "
    "  RETURNING id) "
    "SELECT pg_notify('mcpbox_mcp_message', json_build_object('s', $1::text, "
    "  'ref', o.id)::text) FROM o";

/* $1 session, $2 message json (small enough for NOTIFY) */
const char SQL_MCP_NOTIFY_MESSAGE[] =
    "SELECT pg_notify('mcpbox_mcp_message', json_build_object('s', "
    "  $1::text, 'm', $2::json)::text)";

/* $1 id -> body (and the row is consumed) */
const char SQL_MCP_OUTBOX_TAKE[] =
    "DELETE FROM mcp_outbox WHERE id = $1::bigint RETURNING body";

/* A client's answer to a tool's question, for the worker that asked:
 * $1 session, $2 our request id, $3 the response message json. */
const char SQL_MCP_NOTIFY_ANSWER[] =
    "SELECT pg_notify('mcpbox_mcp_answer', json_build_object('s', "
    "  $1::text, 'r', $2::text, 'm', $3::json)::text)";

/* The same, too large for a NOTIFY: parked in the outbox. */
const char SQL_MCP_ANSWER_PUT[] =
    "WITH o AS (INSERT INTO mcp_outbox (session_id, body) VALUES ($1, $3) "
    "  RETURNING id) "
    "SELECT pg_notify('mcpbox_mcp_answer', json_build_object('s', $1::text, "
    "  'r', $2::text, 'ref', o.id)::text) FROM o";

/* One event of a call whose stream was closed (migration 0053):
 * $1 stream, $2 seq, $3 session, $4 body, $5 last */
const char SQL_MCP_STREAM_PUT[] =
    "WITH d AS (DELETE FROM mcp_stream_events WHERE created_at < now() - "
    "  interval '15 minutes') "
    "INSERT INTO mcp_stream_events (stream, seq, session_id, body, last) "
    "VALUES ($1, $2::bigint, $3, $4, $5::boolean) "
    "RETURNING pg_notify('mcpbox_stream_event', json_build_object('s', "
    "  $1::text, 'q', $2::bigint)::text)";

/* A stream's events after $3 for session $2, and its row 0 (which says
 * the stream is a closed call's): $1 stream -> seq, body, last */
const char SQL_MCP_STREAM_AFTER[] =
    "SELECT seq, body, last FROM mcp_stream_events WHERE stream = $1 AND "
    "  session_id = $2 AND (seq > $3::bigint OR seq = 0) ORDER BY seq";

/* $1 session, $2 request id json */
const char SQL_MCP_NOTIFY_CANCEL[] =
    "SELECT pg_notify('mcpbox_mcp_cancel', json_build_object('s', $1::text, "
    "  'r', $2::json)::text)";

const char SQL_MCP_POLICY[] =
    "SELECT policy('mcp_rate_limit_rpm'), policy('remote_tool_editing'), "
    "  policy('local_requires_token')";
