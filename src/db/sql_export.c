/*
 * Statements for export and import (api/export.c).
 *
 * An export carries what it takes to rebuild the servers elsewhere and
 * nothing that grants trust: tool code without its approval, secret keys
 * without values, allowed hosts as data. An import therefore lands every
 * tool in pending_review and every host as a pending network request, so
 * the admin reviews what arrived before any of it can run.
 */
#include "db/sql.h"

/* The unsigned document. $1 actor, $2 request id */
const char SQL_EXPORT_DOCUMENT[] =
    "WITH a AS (SELECT audit($1, 'export', 'configuration exported', "
    "  jsonb_build_object('servers', (SELECT count(*) FROM servers)), $2)) "
    "SELECT json_build_object('format', 'mcpbox-export', 'version', 1, "
    "  'exported_at', to_char(now() AT TIME ZONE 'UTC', "
    "  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "  'servers', coalesce((SELECT json_agg(json_build_object("
    "  'name', s.name, 'description', s.description, "
    "  'default_timeout_ms', s.default_timeout_ms, "
    "  'tools', coalesce((SELECT json_agg(json_build_object('name', t.name, "
    "  'description', t.description, 'python_code', t.python_code, "
    "  'input_schema', t.input_schema, 'timeout_ms', t.timeout_ms, "
    "  'enabled', t.enabled, 'title', t.title, 'annotations', "
    "  t.annotations, 'icons', t.icons, 'output_schema', t.output_schema, "
    "  'kind', t.kind, 'definition', t.definition) "
    "  ORDER BY t.name) FROM tools t WHERE "
    "  t.server_id = s.id AND t.tool_type = 'python_code' AND "
    "  (t.python_code IS NOT NULL OR t.kind <> 'tool')), '[]'), "
    "  'secrets', coalesce((SELECT json_agg(json_build_object('key', "
    "  k.key_name, 'description', k.description) ORDER BY k.key_name) "
    "  FROM server_secrets k WHERE k.server_id = s.id), '[]'), "
    "  'allowed_hosts', server_allowed_hosts(s.id)) ORDER BY s.name) "
    "  FROM servers s), '[]')) FROM (SELECT count(*) FROM a) x";

/*
 * $1 the verified, validated document; $2 actor, $3 request id.
 * Names that exist are skipped, never renamed; the
 * insert's ON CONFLICT makes that hold against a concurrent create too.
 */
const char SQL_IMPORT_RESPOND[] =
    "WITH src AS (SELECT e.value AS s, e.ord FROM jsonb_array_elements("
    "  $1::jsonb -> 'servers') WITH ORDINALITY e(value, ord)), "
    "firsts AS (SELECT DISTINCT ON (s ->> 'name') s, ord FROM src "
    "  ORDER BY s ->> 'name', ord), "
    "ins AS (INSERT INTO servers (name, description, default_timeout_ms, "
    "  created_by) SELECT f.s ->> 'name', coalesce(f.s ->> 'description', "
    "  ''), coalesce((f.s ->> 'default_timeout_ms')::int, 30000), 'import' "
    "  FROM firsts f ORDER BY f.ord ON CONFLICT (name) DO NOTHING "
    "  RETURNING id, name), "
    "fresh AS (SELECT ins.id, f.s, f.ord FROM ins JOIN firsts f ON "
    "  f.s ->> 'name' = ins.name), "
    "tins AS (INSERT INTO tools (server_id, name, description, python_code, "
    "  input_schema, timeout_ms, enabled, approval_status, "
    "  approval_requested_at, created_by, title, annotations, icons, "
    "  output_schema, kind, definition) SELECT fresh.id, t ->> 'name', "
    "  coalesce(t ->> 'description', ''), t ->> 'python_code', "
    "  coalesce(nullif(t -> 'input_schema', 'null'::jsonb), "
    "  '{\"type\":\"object\",\"properties\":{}}'), "
    "  (t ->> 'timeout_ms')::int, coalesce((t ->> 'enabled')::boolean, "
    "  true), 'pending_review', now(), 'import', nullif(t ->> 'title', ''), "
    "  nullif(t -> 'annotations', 'null'::jsonb), nullif(t -> 'icons', "
    "  'null'::jsonb), nullif(t -> 'output_schema', 'null'::jsonb), "
    "  coalesce(t ->> 'kind', 'tool'), nullif(t -> 'definition', "
    "  'null'::jsonb) FROM fresh, "
    "  jsonb_array_elements(coalesce(fresh.s -> 'tools', '[]')) t "
    "  RETURNING tools.*), "
    "tv AS (INSERT INTO tool_versions (tool_id, version, name, description, "
    "  python_code, input_schema, enabled, timeout_ms, change_summary, "
    "  change_source, title, annotations, icons, output_schema, kind, "
    "  definition) SELECT id, "
    "  1, name, description, python_code, input_schema, enabled, "
    "  timeout_ms, 'imported', 'import', title, annotations, icons, "
    "  output_schema, kind, definition FROM tins "
    "  RETURNING 1), "
    "sec AS (INSERT INTO server_secrets (server_id, key_name, description) "
    "  SELECT fresh.id, k ->> 'key', coalesce(k ->> 'description', '') "
    "  FROM fresh, jsonb_array_elements(coalesce(fresh.s -> 'secrets', "
    "  '[]')) k ON CONFLICT DO NOTHING RETURNING 1), "
    "hosts AS (INSERT INTO network_access_requests (server_id, host, port, "
    "  justification, requested_by, status) SELECT fresh.id, h ->> 'host', "
    "  (h ->> 'port')::int, 'allowed in the imported configuration', "
    "  'import', 'pending' FROM fresh, jsonb_array_elements(coalesce("
    "  fresh.s -> 'allowed_hosts', '[]')) h ON CONFLICT DO NOTHING "
    "  RETURNING 1), "
    "skipped AS (SELECT src.s ->> 'name' AS name, src.ord, CASE WHEN "
    "  EXISTS (SELECT 1 FROM firsts f WHERE f.ord = src.ord) THEN "
    "  'a server with this name already exists' ELSE "
    "  'the name appears more than once in the file' END AS reason "
    "  FROM src WHERE NOT EXISTS (SELECT 1 FROM fresh WHERE "
    "  fresh.ord = src.ord)), "
    "a AS (SELECT audit($2, 'import', 'configuration imported', "
    "  jsonb_build_object('imported', (SELECT coalesce(jsonb_agg(name), "
    "  '[]') FROM ins), 'skipped', (SELECT coalesce(jsonb_agg(name), '[]') "
    "  FROM skipped), 'tools', (SELECT count(*) FROM tins)), $3)) "
    "SELECT 200, json_build_object('imported', coalesce((SELECT json_agg("
    "  json_build_object('id', fresh.id, 'name', fresh.s ->> 'name', "
    "  'tools', (SELECT count(*) FROM tins WHERE tins.server_id = fresh.id)) "
    "  ORDER BY fresh.ord) FROM fresh), '[]'), 'skipped', coalesce((SELECT "
    "  json_agg(json_build_object('name', name, 'reason', reason) ORDER BY "
    "  ord) FROM skipped), '[]')) FROM (SELECT count(*) FROM a) x, "
    "  (SELECT count(*) FROM tv) y, (SELECT count(*) FROM sec) z, "
    "  (SELECT count(*) FROM hosts) w";
