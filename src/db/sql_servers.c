/* Statements for servers (api/servers.c). */
#include "db/sql.h"

/* $1 offset, $2 limit, $3 page, $4 page_size */
const char SQL_SERVERS_LIST_RESPOND[] =
    "SELECT 200, json_build_object("
    "  'items', coalesce((SELECT json_agg(server_json(s) ORDER BY s.name) "
    "    FROM (SELECT * FROM servers ORDER BY name OFFSET $1::int "
    "    LIMIT $2::int) s), '[]'), "
    "  'total', (SELECT count(*) FROM servers), "
    "  'page', $3::int, 'page_size', $4::int)";

/* $1 name, $2 description, $3 actor, $4 request id, $5 created_by */
const char SQL_SERVERS_CREATE_RESPOND[] =
    "WITH ins AS (INSERT INTO servers (name, description, created_by) "
    "  VALUES ($1, $2, $5) RETURNING servers.*), "
    "a AS (SELECT audit($3, 'server.create', 'server created', "
    "  jsonb_build_object('name', name), $4, id) FROM ins) "
    "SELECT 201, server_json(ins::servers) FROM ins, "
    "  (SELECT count(*) FROM a) x";

/* $1 id */
const char SQL_SERVERS_GET_RESPOND[] =
    "SELECT 200, server_json(s) || jsonb_build_object('tools', "
    "  coalesce((SELECT jsonb_agg(tool_json(t, false) ORDER BY t.name) "
    "  FROM tools t WHERE t.server_id = s.id), '[]'), "
    "  'secrets', coalesce((SELECT jsonb_agg(jsonb_build_object('key', "
    "  key_name, 'has_value', value_ciphertext IS NOT NULL) ORDER BY "
    "  key_name) FROM server_secrets WHERE server_id = s.id), '[]')) "
    "FROM servers s WHERE s.id = $1::uuid";

/* $1 id, $2 name|NULL, $3 description|NULL, $4 timeout|NULL, $5 actor,
 * $6 request id */
const char SQL_SERVERS_UPDATE_RESPOND[] =
    "WITH up AS (UPDATE servers SET name = coalesce($2, name), "
    "  description = coalesce($3, description), "
    "  default_timeout_ms = coalesce($4::int, default_timeout_ms), "
    "  updated_at = now() WHERE id = $1::uuid RETURNING servers.*), "
    "a AS (SELECT audit($5, 'server.update', 'server updated', "
    "  jsonb_build_object('name', name), $6, id) FROM up), "
    "n AS (SELECT notify_tools_changed('server.update') FROM up "
    "  WHERE up.status = 'running' AND $2 IS NOT NULL) "
    "SELECT 200, server_json(up::servers) FROM up, "
    "  (SELECT count(*) FROM a) x, (SELECT count(*) FROM n) y";

/* $1 id, $2 actor, $3 request id */
const char SQL_SERVERS_DELETE_RESPOND[] =
    "WITH del AS (DELETE FROM servers WHERE id = $1::uuid "
    "  RETURNING id, name, status), "
    "a AS (SELECT audit($2, 'server.delete', 'server deleted', "
    "  jsonb_build_object('name', name, 'id', id), $3) FROM del), "
    "n AS (SELECT notify_tools_changed('server.delete') FROM del "
    "  WHERE status = 'running') "
    "SELECT 200, json_build_object('deleted', true, 'id', id) FROM del, "
    "  (SELECT count(*) FROM a) x, (SELECT count(*) FROM n) y";

/* $1 id, $2 status, $3 actor, $4 request id */
const char SQL_SERVERS_SET_STATUS_RESPOND[] =
    "WITH cur AS (SELECT id, stopped_by_admin FROM servers WHERE "
    "  id = $1::uuid), "
    /* An admin's stop holds against the LLM (actor 'llm'). */
    "up AS (UPDATE servers SET status = $2, updated_at = now(), "
    "  stopped_by_admin = CASE WHEN $2 = 'stopped' THEN $3 <> 'llm' "
    "  ELSE false END "
    "  WHERE id = $1::uuid AND NOT ($2 = 'running' AND $3 = 'llm' AND "
    "  stopped_by_admin) RETURNING servers.*), "
    "a AS (SELECT audit($3, 'server.' || CASE $2 WHEN 'running' THEN "
    "  'start' ELSE 'stop' END, 'server ' || CASE $2 WHEN 'running' THEN "
    "  'started' ELSE 'stopped' END, jsonb_build_object('name', name), $4, "
    "  id) FROM up), "
    "n AS (SELECT notify_tools_changed('server.' || $2) FROM up) "
    "SELECT 200, server_json(up::servers) FROM up, "
    "  (SELECT count(*) FROM a) x, (SELECT count(*) FROM n) y "
    "UNION ALL SELECT 409, api_error('stopped_by_admin', 'an admin stopped "
    "this server; only an admin can start it again (in the panel)')::jsonb "
    "  FROM cur WHERE NOT EXISTS (SELECT 1 FROM up)";

/*
 * An admin-added host is an approved request without a tool, so the
 * request table stays the single source of truth for allowed hosts.
 * $1 server id, $2 host, $3 port|NULL, $4 actor, $5 request id
 */
const char SQL_SERVERS_HOST_ADD_RESPOND[] =
    "WITH s AS (SELECT id, status FROM servers WHERE id = $1::uuid), "
    "dup AS (SELECT 1 FROM network_access_requests r, s WHERE "
    "  r.server_id = s.id AND r.tool_id IS NULL AND r.status = 'approved' "
    "  AND r.host = $2 AND r.port IS NOT DISTINCT FROM $3::int), "
    "ins AS (INSERT INTO network_access_requests (server_id, host, port, "
    "  justification, requested_by, status, reviewed_at, reviewed_by) "
    "  SELECT s.id, $2, $3::int, 'added by admin', 'admin', 'approved', "
    "  now(), $4 FROM s WHERE NOT EXISTS (SELECT 1 FROM dup) "
    "  RETURNING id), "
    "a AS (SELECT audit($4, 'server.allowed_host_add', 'allowed host added',"
    "  jsonb_build_object('host', $2::text, 'port', $3::int), $5, s.id) "
    "  FROM s, ins) "
    "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM s) THEN 404 "
    "  WHEN EXISTS (SELECT 1 FROM dup) THEN 200 ELSE 201 END, "
    "  CASE WHEN NOT EXISTS (SELECT 1 FROM s) THEN "
    "  api_error('not_found', 'no such server') ELSE json_build_object("
    "  'host', $2::text, 'port', $3::int, 'added', NOT EXISTS "
    "  (SELECT 1 FROM dup)) END FROM (SELECT count(*) FROM a) x";

/* Revokes every approved grant of host[:port] on the server.
 * $1 server id, $2 host, $3 port|NULL, $4 actor, $5 request id */
const char SQL_SERVERS_HOST_REMOVE_RESPOND[] =
    "WITH s AS (SELECT id FROM servers WHERE id = $1::uuid), "
    "up AS (UPDATE network_access_requests r SET status = 'rejected', "
    "  rejection_reason = 'removed by admin', reviewed_by = $4, "
    "  reviewed_at = now(), updated_at = now() "
    "  FROM s WHERE r.status = 'approved' AND r.host = $2 AND "
    "  r.port IS NOT DISTINCT FROM $3::int AND (r.server_id = s.id OR "
    "  r.tool_id IN (SELECT id FROM tools WHERE server_id = s.id)) "
    "  RETURNING r.id), "
    "a AS (SELECT audit($4, 'server.allowed_host_remove', "
    "  'allowed host removed', jsonb_build_object('host', $2::text, "
    "  'port', $3::int), $5, s.id) FROM s WHERE EXISTS (SELECT 1 FROM up)) "
    "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM s) THEN 404 "
    "  WHEN NOT EXISTS (SELECT 1 FROM up) THEN 404 ELSE 200 END, "
    "  CASE WHEN NOT EXISTS (SELECT 1 FROM s) THEN "
    "  api_error('not_found', 'no such server') WHEN NOT EXISTS "
    "  (SELECT 1 FROM up) THEN api_error('not_found', "
    "  'that host is not allowed on this server') ELSE json_build_object("
    "  'removed', (SELECT count(*) FROM up)) END "
    "  FROM (SELECT count(*) FROM a) x";
