/* Statements only the mcpbox_* management tools use (mcp/mgmt_*.c). */
#include "db/sql.h"

const char SQL_MGMT_SERVER_MODULES_RESPOND[] =
    "SELECT 200, json_build_object('allowed_modules', value, 'note', "
    "  'other modules need mcpbox_request_module and an admin''s approval')"
    " FROM settings WHERE key = 'allowed_modules'";

/* $1 tool id, $2 notes, $3 request id */
const char SQL_MGMT_REQUEST_PUBLISH_RESPOND[] =
    "WITH t AS (SELECT * FROM tools WHERE id = $1::uuid FOR UPDATE), "
    "auto AS (SELECT coalesce(policy('tool_approval_mode'), "
    "  'require_approval') = 'auto_approve' AS yes), "
    "up AS (UPDATE tools x SET approval_status = CASE WHEN auto.yes THEN "
    "  'approved' ELSE 'pending_review' END, approval_requested_at = now(), "
    "  publish_notes = $2, approved_at = CASE WHEN auto.yes THEN now() END, "
    "  approved_by = CASE WHEN auto.yes THEN 'policy:auto_approve' END, "
    "  approved_version = CASE WHEN auto.yes THEN x.current_version ELSE "
    "  x.approved_version END, rejection_reason = NULL, updated_at = now() "
    "  FROM t, auto "
    "  WHERE x.id = t.id AND t.approval_status IN ('draft', 'rejected') "
    "  RETURNING x.*), "
    "a AS (SELECT audit('llm', 'tool.request_publish', 'publish requested', "
    "  jsonb_build_object('tool', name, 'tool_id', id, 'status', "
    "  approval_status), $3, server_id) FROM up), "
    "n AS (SELECT notify_tools_changed('tool.auto_approve') FROM up, "
    "  servers s WHERE s.id = up.server_id AND s.status = 'running' AND "
    "  up.approval_status = 'approved') "
    "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM t) THEN 404 "
    "  WHEN NOT EXISTS (SELECT 1 FROM up) THEN 409 ELSE 200 END, "
    "  CASE WHEN NOT EXISTS (SELECT 1 FROM t) THEN "
    "  api_error('not_found', 'no such tool') "
    "  WHEN NOT EXISTS (SELECT 1 FROM up) THEN api_error('conflict', "
    "  'the tool is already ' || (SELECT approval_status FROM t) || "
    "  '; nothing to publish') "
    "  ELSE (SELECT json_build_object('tool_id', id, 'approval_status', "
    "  approval_status, 'message', CASE approval_status WHEN 'approved' "
    "  THEN 'approved automatically by the security policy' ELSE "
    "  'submitted for review; an admin must approve it in the MCPbox "
    "panel' END) FROM up) END "
    "FROM (SELECT count(*) FROM a) x, (SELECT count(*) FROM n) y";

/*
 * $1 tool (or resource, prompt) id, $2 server id, either NULL: the modules
 * code for it may import (migration 0057); with neither, the allowlist.
 */
const char SQL_MGMT_CODE_MODULES[] =
    "SELECT (CASE WHEN $1::uuid IS NOT NULL THEN tool_allowed_modules("
    "$1::uuid) ELSE server_allowed_modules($2::uuid) END)::text";

/* $1 tool id, $2 module, $3 justification, $4 request id */
const char SQL_MGMT_REQUEST_MODULE_RESPOND[] =
    "WITH t AS (SELECT id, server_id FROM tools WHERE id = $1::uuid), "
    "allowed AS (SELECT 1 FROM t WHERE tool_allowed_modules(t.id) ? $2), "
    "refused AS (SELECT 1 FROM module_requests r, t WHERE r.tool_id = t.id "
    "  AND r.module_name = $2 AND r.status = 'rejected'), "
    /*
     * What no approval can make work is refused now, with the reason: a
     * module the policy never allows, or a standard module the sandbox
     * does not load (it offers default_allowed_modules() and installed
     * packages; approving another would only break the tool's calls).
     */
    "cannot AS (SELECT CASE WHEN module_refused($2) THEN "
    "  'this module can never be allowed: it reaches the system or the "
    "interpreter' WHEN module_is_stdlib($2) AND NOT "
    "  default_allowed_modules() ? $2 THEN "
    "  'the sandbox does not offer this standard-library module; it "
    "offers: ' || (SELECT string_agg(m, ', ' ORDER BY m) FROM "
    "  jsonb_array_elements_text(default_allowed_modules()) m) END AS why), "
    "auto AS (SELECT coalesce(policy('module_approval_mode'), "
    "  'require_approval') = 'auto_approve' AND module_is_stdlib($2) AND "
    "  NOT module_refused($2) AS yes), "
    "ins AS (INSERT INTO module_requests (tool_id, server_id, module_name, "
    "  justification, requested_by, status, reviewed_at, reviewed_by) "
    "  SELECT t.id, t.server_id, $2, $3, 'llm', CASE WHEN auto.yes THEN "
    "  'approved' ELSE 'pending' END, CASE WHEN auto.yes THEN now() END, "
    "  CASE WHEN auto.yes THEN 'policy:auto_approve' END FROM t, auto "
    "  WHERE NOT EXISTS (SELECT 1 FROM allowed) AND NOT EXISTS "
    "  (SELECT 1 FROM refused) AND (SELECT why FROM cannot) IS NULL "
    "  ON CONFLICT DO NOTHING RETURNING id, status), "
    "a AS (SELECT audit('llm', 'module.request', 'module requested', "
    "  jsonb_build_object('module', $2::text, 'tool_id', $1::text), $4, "
    "  (SELECT server_id FROM t)) FROM ins) "
    "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM t) THEN 404 "
    "  WHEN EXISTS (SELECT 1 FROM allowed) THEN 200 "
    "  WHEN (SELECT why FROM cannot) IS NOT NULL THEN 422 "
    "  WHEN EXISTS (SELECT 1 FROM refused) THEN 409 "
    "  WHEN NOT EXISTS (SELECT 1 FROM ins) THEN 409 ELSE 201 END, "
    "  CASE WHEN NOT EXISTS (SELECT 1 FROM t) THEN "
    "  api_error('not_found', 'no such tool') "
    "  WHEN (SELECT why FROM cannot) IS NOT NULL THEN "
    "  api_error('module_unavailable', (SELECT why FROM cannot)) "
    "  WHEN EXISTS (SELECT 1 FROM allowed) THEN json_build_object("
    "  'module', $2::text, 'status', 'allowed', 'message', "
    "  'this module is already allowed for the tool') "
    "  WHEN EXISTS (SELECT 1 FROM refused) THEN api_error('conflict', "
    "  'an admin rejected this module for this tool') "
    "  WHEN NOT EXISTS (SELECT 1 FROM ins) THEN api_error('conflict', "
    "  'a request for this module is already pending') "
    "  ELSE (SELECT json_build_object('request_id', id, 'module', $2::text, "
    "  'status', status, 'message', CASE status WHEN 'approved' THEN "
    "  'approved automatically by the security policy' ELSE 'pending; an "
    "admin must approve it in the MCPbox panel' END) FROM ins) END "
    "FROM (SELECT count(*) FROM a) x";

/*
 * $1 tool id, $2 host, $3 port|NULL, $4 justification, $5 request id,
 * $6 kind ('public' or 'private', as the lookup found it: D37). A host is
 * allowed, refused or pending as that kind: approved as a public host, it
 * is asked for again once it resolves to the local network.
 */
const char SQL_MGMT_REQUEST_NETWORK_RESPOND[] =
    "WITH t AS (SELECT id, server_id FROM tools WHERE id = $1::uuid), "
    /*
     * A host approved without a port is port 443 (https), as the sandbox's
     * broker reads it: not "any port".
     */
    "allowed AS (SELECT 1 FROM t, jsonb_array_elements("
    "  tool_allowed_hosts(t.id)) h WHERE h->>'host' = $2 AND "
    "  coalesce((h->>'port')::int, 443) = coalesce($3::int, 443) AND "
    "  (h->>'private')::boolean = ($6 = 'private')), "
    /* An admin said no: the same request is not filed again. */
    "refused AS (SELECT 1 FROM network_access_requests r, t WHERE "
    "  r.tool_id = t.id AND r.host = $2 AND coalesce(r.port, 443) = "
    "  coalesce($3::int, 443) AND r.kind = $6 AND r.status = 'rejected'), "
    "ins AS (INSERT INTO network_access_requests (tool_id, server_id, host, "
    "  port, justification, requested_by, kind) SELECT t.id, t.server_id, "
    "  $2, $3::int, $4, 'llm', $6 FROM t WHERE NOT EXISTS (SELECT 1 FROM "
    "  allowed) AND NOT EXISTS (SELECT 1 FROM refused) "
    "  ON CONFLICT DO NOTHING RETURNING id), "
    "a AS (SELECT audit('llm', 'network.request', 'network access "
    "requested', jsonb_build_object('host', $2::text, 'port', $3::int, "
    "  'kind', $6::text, 'tool_id', $1::text), $5, (SELECT server_id FROM "
    "  t)) FROM ins) "
    "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM t) THEN 404 "
    "  WHEN EXISTS (SELECT 1 FROM allowed) THEN 200 "
    "  WHEN NOT EXISTS (SELECT 1 FROM ins) THEN 409 ELSE 201 END, "
    "  CASE WHEN NOT EXISTS (SELECT 1 FROM t) THEN "
    "  api_error('not_found', 'no such tool') "
    "  WHEN EXISTS (SELECT 1 FROM allowed) THEN json_build_object('host', "
    "  $2::text, 'kind', $6::text, 'status', 'allowed', 'message', "
    "  'this host is already allowed for the tool') "
    "  WHEN EXISTS (SELECT 1 FROM refused) THEN api_error('conflict', "
    "  'an admin rejected this host for this tool') "
    "  WHEN NOT EXISTS (SELECT 1 FROM ins) THEN api_error('conflict', "
    "  'a request for this host is already pending') "
    "  ELSE (SELECT json_build_object('request_id', id, 'host', $2::text, "
    "  'port', $3::int, 'kind', $6::text, 'status', 'pending', 'message', "
    "  'pending; an admin must approve it in the MCPbox panel' || CASE "
    "  WHEN $6 = 'private' THEN ' (a host on the private network: once "
    "approved, tools reach it over http or https)' ELSE ' (tools reach it "
    "over https)' END) FROM ins) END "
    "FROM (SELECT count(*) FROM a) x";

/* $1 tool id */
const char SQL_MGMT_TOOL_STATUS_RESPOND[] =
    "SELECT 200, json_build_object('tool_id', t.id, 'name', t.name, "
    "  'approval_status', t.approval_status, 'approval_requested_at', "
    "  t.approval_requested_at, 'approved_at', t.approved_at, "
    "  'approved_by', t.approved_by, 'rejection_reason', "
    "  t.rejection_reason, 'enabled', t.enabled, 'current_version', "
    "  t.current_version, 'server_status', s.status, "
    "  'module_requests', coalesce((SELECT json_agg(json_build_object("
    "  'id', id, 'module', module_name, 'status', status, "
    "  'rejection_reason', rejection_reason) ORDER BY created_at) FROM "
    "  module_requests WHERE tool_id = t.id), '[]'), "
    "  'network_requests', coalesce((SELECT json_agg(json_build_object("
    "  'id', id, 'host', host, 'port', port, 'kind', kind, 'status', "
    "  status, 'rejection_reason', rejection_reason) ORDER BY created_at) "
    "  FROM "
    "  network_access_requests WHERE tool_id = t.id), '[]')) "
    "FROM tools t JOIN servers s ON s.id = t.server_id WHERE t.id = $1::uuid";

/* $1 the caller's client token id|NULL: what waits, on the servers the
 * token sees. */
const char SQL_MGMT_PENDING_RESPOND[] =
    "WITH vis AS (SELECT id, name FROM servers WHERE "
    "  token_sees($1::uuid, name)), "
    "vt AS (SELECT * FROM tools WHERE server_id IN (SELECT id FROM vis)), "
    "pt AS (SELECT * FROM vt WHERE approval_status = 'pending_review'), "
    "pm AS (SELECT * FROM module_requests WHERE status = 'pending' AND "
    "  tool_id IN (SELECT id FROM vt)), "
    "pn AS (SELECT * FROM network_access_requests WHERE status = "
    "  'pending' AND tool_id IN (SELECT id FROM vt)), "
    "ps AS (SELECT * FROM external_mcp_sources WHERE approval_status = "
    "  'pending_review' AND server_id IN (SELECT id FROM vis)) "
    "SELECT 200, json_build_object("
    "  'tools', coalesce((SELECT json_agg(json_build_object('tool_id', t.id,"
    "  'name', s.name || '__' || t.name, 'requested_at', "
    "  t.approval_requested_at)) FROM (SELECT * FROM pt ORDER BY "
    "  approval_requested_at LIMIT 50) t JOIN vis s ON s.id = t.server_id), "
    "  '[]'), "
    "  'modules', coalesce((SELECT json_agg(json_build_object('id', id, "
    "  'module', module_name, 'tool_id', tool_id)) FROM (SELECT * FROM pm "
    "  ORDER BY created_at LIMIT 50) m), '[]'), "
    "  'network', coalesce((SELECT json_agg(json_build_object('id', id, "
    "  'host', host, 'port', port, 'kind', kind, 'tool_id', tool_id)) "
    "  FROM (SELECT * "
    "  FROM pn ORDER BY created_at LIMIT 50) n), '[]'), "
    "  'sources', coalesce((SELECT json_agg(json_build_object('source_id', "
    "  id, 'name', name, 'url', url, 'server_id', server_id)) FROM "
    "  (SELECT * FROM ps ORDER BY updated_at LIMIT 50) e), '[]'), "
    "  'totals', json_build_object('tools', (SELECT count(*) FROM pt), "
    "  'modules', (SELECT count(*) FROM pm), 'network', (SELECT count(*) "
    "  FROM pn), 'sources', (SELECT count(*) FROM ps)))";

/* $1 offset, $2 limit, $3 page, $4 page_size, $5 the caller's client
 * token id|NULL: the servers it sees. */
const char SQL_MGMT_SERVERS_LIST_RESPOND[] =
    "SELECT 200, json_build_object("
    "  'items', coalesce((SELECT json_agg(server_json(s) ORDER BY s.name) "
    "    FROM (SELECT * FROM servers WHERE token_sees($5::uuid, name) "
    "    ORDER BY name OFFSET $1::int LIMIT $2::int) s), '[]'), "
    "  'total', (SELECT count(*) FROM servers WHERE token_sees($5::uuid, "
    "    name)), "
    "  'page', $3::int, 'page_size', $4::int)";

/* $1 server id, $2 key, $3 description, $4 request id */
const char SQL_MGMT_SECRET_CREATE_RESPOND[] =
    "WITH s AS (SELECT id FROM servers WHERE id = $1::uuid), "
    "ins AS (INSERT INTO server_secrets (server_id, key_name, description) "
    "  SELECT s.id, $2, $3 FROM s ON CONFLICT (server_id, key_name) "
    "  DO NOTHING RETURNING key_name), "
    "a AS (SELECT audit('llm', 'secret.declare', 'secret declared', "
    "  jsonb_build_object('key', $2::text), $4, $1::uuid) FROM ins) "
    "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM s) THEN 404 "
    "  WHEN NOT EXISTS (SELECT 1 FROM ins) THEN 409 ELSE 201 END, "
    "  CASE WHEN NOT EXISTS (SELECT 1 FROM s) THEN api_error('not_found', "
    "  'no such server') WHEN NOT EXISTS (SELECT 1 FROM ins) THEN "
    "  api_error('conflict', 'that secret already exists') ELSE "
    "  json_build_object('key', $2::text, 'has_value', false, 'message', "
    "  'declared; an admin must enter its value in the MCPbox panel. "
    "Tools read it as secrets[\"' || $2 || '\"]') END "
    "FROM (SELECT count(*) FROM a) x";

/* $1 server id */
const char SQL_MGMT_SECRETS_LIST_RESPOND[] =
    "SELECT CASE WHEN EXISTS (SELECT 1 FROM servers WHERE id = $1::uuid) "
    "  THEN 200 ELSE 404 END, CASE WHEN EXISTS (SELECT 1 FROM servers "
    "  WHERE id = $1::uuid) THEN json_build_object('secrets', coalesce(("
    "  SELECT json_agg(json_build_object('key', key_name, 'description', "
    "  description, 'has_value', value_ciphertext IS NOT NULL) ORDER BY "
    "  key_name) FROM server_secrets WHERE server_id = $1::uuid), '[]')) "
    "  ELSE api_error('not_found', 'no such server') END";

/* $1 tool id -> the columns of SQL_MCP_TOOL_FOR_CALL, by the same names,
 * plus full_name and approval_mode; a test runs the current code, so its
 * result is checked against the current output_schema */
const char SQL_MGMT_TOOL_FOR_TEST[] =
    "SELECT true AS session_ok, t.id AS tool_id, s.id AS server_id, "
    "  t.python_code, coalesce(t.timeout_ms, s.default_timeout_ms) AS "
    "  timeout_ms, t.approval_status, t.enabled, s.status AS server_status, "
    "  tool_allowed_modules(t.id) AS modules, tool_allowed_hosts(t.id) AS "
    "  hosts, coalesce((SELECT json_agg(json_build_object('key', key_name, "
    "  'ct', encode(value_ciphertext, 'hex'), 'nonce', encode(nonce, "
    "  'hex'))) FROM server_secrets WHERE server_id = s.id AND "
    "  value_ciphertext IS NOT NULL), '[]') AS secrets, t.tool_type, "
    "  s.name || '__' || t.name AS full_name, "
    "  coalesce(policy('tool_approval_mode'), 'require_approval') AS "
    "  approval_mode, t.output_schema, t.input_schema "
    "FROM tools t JOIN servers s ON s.id = t.server_id WHERE t.id = $1::uuid";

/* The LLM adds a source; it waits for review (EXT_SOURCE_ADD). */
const char SQL_MGMT_EXTERNAL_ADD_RESPOND[] =
    EXT_SOURCE_ADD("'llm'", "NULL::text", "jsonb_build_object('version', "
    "ins.current_version, 'next_step', 'an admin must approve this source "
    "in the MCPbox panel (Approvals, Sources) before MCPbox connects to "
    "it' || CASE WHEN ins.auth_type = 'oauth' THEN ', and then an admin "
    "must authorize it (the server''s External tab, Authorize)' ELSE '' "
    "END || '; then call mcpbox_discover_external_tools')");

/* $1 server id */
const char SQL_MGMT_EXTERNAL_LIST_RESPOND[] =
    "SELECT CASE WHEN EXISTS (SELECT 1 FROM servers WHERE id = $1::uuid) "
    "  THEN 200 ELSE 404 END, CASE WHEN EXISTS (SELECT 1 FROM servers "
    "  WHERE id = $1::uuid) THEN json_build_object('sources', coalesce(("
    "  SELECT json_agg(json_build_object('source_id', id, 'name', name, "
    "  'url', url, 'auth_type', auth_type, 'transport_type', "
    "  transport_type, 'status', status, 'approval_status', "
    "  approval_status, 'tool_count', tool_count, "
    "  'last_discovered_at', last_discovered_at, 'oauth_authorized', "
    "  CASE WHEN auth_type = 'oauth' THEN oauth_tokens_ciphertext IS NOT "
    "  NULL END) ORDER BY name) FROM "
    "  external_mcp_sources WHERE server_id = $1::uuid), '[]')) "
    "  ELSE api_error('not_found', 'no such server') END";

/* $1 a management tool's arguments -> the server they point at|NULL
 * (migration 0055), for tokens limited to some servers. */
const char SQL_MGMT_TARGET_SERVER[] =
    "SELECT mgmt_target_server($1::jsonb)";
