/* Statements for tools and their versions (api/tools.c). */
#include "db/sql.h"

/* $1 server id, $2 offset, $3 limit, $4 page, $5 page_size */
const char SQL_TOOLS_LIST_RESPOND[] =
    "SELECT CASE WHEN EXISTS (SELECT 1 FROM servers WHERE id = $1::uuid) "
    "  THEN 200 ELSE 404 END, "
    "  CASE WHEN EXISTS (SELECT 1 FROM servers WHERE id = $1::uuid) THEN "
    "  json_build_object('items', coalesce((SELECT json_agg(tool_json(t, "
    "  false) ORDER BY t.name) FROM (SELECT * FROM tools WHERE server_id = "
    "  $1::uuid ORDER BY name OFFSET $2::int LIMIT $3::int) t), '[]'), "
    "  'total', (SELECT count(*) FROM tools WHERE server_id = $1::uuid), "
    "  'page', $4::int, 'page_size', $5::int) "
    "  ELSE api_error('not_found', 'no such server') END";

/*
 * $1 server id, $2 name, $3 description, $4 code, $5 schema|NULL,
 * $6 timeout|NULL, $7 actor, $8 request id, $9 created_by, $10 source,
 * $11 title, $12 annotations, $13 icons, $14 output schema (NULL or ""
 * for none; core/tooldef.c checked them), $15 kind, $16 definition (NULL
 * for a tool; core/itemdef.c checked it)
 */
const char SQL_TOOLS_CREATE_RESPOND[] =
    "WITH s AS (SELECT id FROM servers WHERE id = $1::uuid), "
    "ins AS (INSERT INTO tools (server_id, name, description, python_code, "
    "  input_schema, timeout_ms, created_by, title, annotations, icons, "
    "  output_schema, kind, definition) SELECT s.id, $2, $3, $4, "
    "  coalesce($5::jsonb, '{\"type\":\"object\",\"properties\":{}}'), "
    "  $6::int, $9, nullif($11, ''), nullif($12, '')::jsonb, "
    "  nullif($13, '')::jsonb, nullif($14, '')::jsonb, "
    "  coalesce($15, 'tool'), $16::jsonb FROM s "
    "  RETURNING tools.*), "
    "v AS (INSERT INTO tool_versions (tool_id, version, name, description, "
    "  python_code, input_schema, enabled, timeout_ms, change_summary, "
    "  change_source, title, annotations, icons, output_schema, kind, "
    "  definition) "
    "  SELECT id, 1, name, description, python_code, input_schema, "
    "  enabled, timeout_ms, 'created', $10, title, annotations, icons, "
    "  output_schema, kind, definition FROM ins), "
    "a AS (SELECT audit($7, ins.kind || '.create', ins.kind || ' created', "
    "  jsonb_build_object('tool', name, 'tool_id', id), $8, server_id) "
    "  FROM ins) "
    "SELECT CASE WHEN EXISTS (SELECT 1 FROM ins) THEN 201 ELSE 404 END, "
    "  coalesce((SELECT tool_json(ins::tools, true) FROM ins), "
    "  api_error('not_found', 'no such server')::jsonb) "
    "  FROM (SELECT count(*) FROM a) x";

/* $1 tool id */
const char SQL_TOOLS_GET_RESPOND[] =
    "SELECT 200, tool_json(t, true) FROM tools t WHERE t.id = $1::uuid";

/*
 * A real change bumps the version and snapshots it. A change of a
 * reviewed field (name, description, code, schema, timeout, title,
 * annotations, icons, output schema) sends an approved tool back to
 * review (SEC-001): what was approved is no longer what callers see or
 * what would run; a "read-only" hint is a claim a client acts on, so it
 * is reviewed like the code it describes. `enabled` is not reviewed: it
 * is the admin's switch (the MCP management tool refuses it).
 * $1 id, $2 name, $3 description, $4 code, $5 schema, $6 enabled,
 * $7 timeout, $8 actor, $9 request id, $10 source ('manual'|'llm'),
 * $11 change summary, $12 title, $13 annotations, $14 icons, $15 output
 * schema (each NULL to keep, "" to clear), $16 definition (NULL to keep;
 * a resource's or prompt's only, and reviewed like code), $17 the kind
 * the caller means (NULL: any; another kind is "no such tool")
 */
const char SQL_TOOLS_UPDATE_RESPOND[] =
    "WITH old AS (SELECT * FROM tools WHERE id = $1::uuid AND "
    "  ($17::text IS NULL OR kind = $17) FOR UPDATE), "
    "new AS (SELECT old.id, coalesce($2, old.name) AS name, "
    "  coalesce($3, old.description) AS description, "
    "  coalesce($4, old.python_code) AS python_code, "
    "  coalesce($5::jsonb, old.input_schema) AS input_schema, "
    "  coalesce($6::boolean, old.enabled) AS enabled, "
    "  CASE WHEN $7 = 'null' THEN NULL ELSE coalesce($7::int, "
    "  old.timeout_ms) END AS timeout_ms, "
    "  CASE WHEN $12::text IS NULL THEN old.title ELSE nullif($12, '') "
    "  END AS title, CASE WHEN $13::text IS NULL THEN old.annotations "
    "  ELSE nullif($13, '')::jsonb END AS annotations, "
    "  CASE WHEN $14::text IS NULL THEN old.icons "
    "  ELSE nullif($14, '')::jsonb END AS icons, "
    "  CASE WHEN $15::text IS NULL THEN old.output_schema "
    "  ELSE nullif($15, '')::jsonb END AS output_schema, "
    "  coalesce($16::jsonb, old.definition) AS definition, old.kind "
    "  FROM old), "
    /*
     * The reviewed fields, defined once: what a caller sees and what runs.
     * Changing any of them sends an approved tool back to review.
     */
    "d AS (SELECT new.*, (new.name, new.description, new.python_code, "
    "  new.input_schema, new.timeout_ms, new.title, new.annotations, "
    "  new.icons, new.output_schema, new.definition) IS DISTINCT FROM "
    "  (old.name, old.description, old.python_code, old.input_schema, "
    "  old.timeout_ms, old.title, old.annotations, old.icons, "
    "  old.output_schema, old.definition) AS code_changed, "
    "  (new.name, new.description, new.python_code, new.input_schema, "
    "  new.enabled, new.timeout_ms, new.title, new.annotations, "
    "  new.icons, new.output_schema, new.definition) IS DISTINCT FROM "
    "  (old.name, old.description, old.python_code, old.input_schema, "
    "  old.enabled, old.timeout_ms, old.title, old.annotations, old.icons, "
    "  old.output_schema, old.definition) AS changed, "
    "  old.approval_status AS old_status, old.server_id, "
    /*
     * A static item has its content, a computed one its code, never
     * both or neither: checked on what the row becomes, since a change
     * may give the one without the other (core/itemdef.c says the same
     * of what is given).
     */
    "  CASE new.kind WHEN 'resource' THEN (new.python_code IS NULL) <> "
    "  (new.definition ? 'text' OR new.definition ? 'blob') "
    "  WHEN 'prompt' THEN (new.python_code IS NULL) <> "
    "  (new.definition ? 'messages') ELSE false END AS bad_shape "
    "  FROM new, old), "
    "up AS (UPDATE tools t SET name = d.name, description = d.description, "
    "  python_code = d.python_code, input_schema = d.input_schema, "
    "  enabled = d.enabled, timeout_ms = d.timeout_ms, title = d.title, "
    "  annotations = d.annotations, icons = d.icons, output_schema = "
    "  d.output_schema, definition = d.definition, "
    "  current_version = t.current_version + 1, updated_at = now(), "
    "  approval_status = CASE WHEN d.code_changed AND t.approval_status = "
    "  'approved' THEN 'pending_review' ELSE t.approval_status END, "
    "  approval_requested_at = CASE WHEN d.code_changed AND "
    "  t.approval_status = 'approved' THEN now() ELSE "
    "  t.approval_requested_at END "
    "  FROM d WHERE t.id = d.id AND d.changed AND NOT d.bad_shape "
    "  RETURNING t.*), "
    "v AS (INSERT INTO tool_versions (tool_id, version, name, description, "
    "  python_code, input_schema, enabled, timeout_ms, change_summary, "
    "  change_source, title, annotations, icons, output_schema, kind, "
    "  definition) "
    "  SELECT id, current_version, name, description, python_code, "
    "  input_schema, enabled, timeout_ms, left(coalesce($11, 'updated'), "
    "  500), $10, title, annotations, icons, output_schema, kind, "
    "  definition FROM up), "
    "a AS (SELECT audit($8, 'tool.update', 'tool updated', "
    "  jsonb_build_object('tool', up.name, 'tool_id', up.id, "
    "  'version', up.current_version, 'code_changed', d.code_changed, "
    "  'approval_status', up.approval_status), $9, up.server_id) "
    "  FROM up, d), "
    "n AS (SELECT notify_tools_changed('tool.update') FROM d, servers s "
    "  WHERE s.id = d.server_id AND s.status = 'running' AND "
    "  d.old_status = 'approved' AND d.changed) "
    "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM old) THEN 404 "
    "  WHEN (SELECT bad_shape FROM d) THEN 400 ELSE 200 END, "
    "  CASE WHEN (SELECT bad_shape FROM d) THEN api_error('invalid', "
    "  'a static ' || (SELECT kind FROM d) || ' has its content and no "
    "python_code, a computed one python_code and no content')::jsonb "
    "  ELSE coalesce((SELECT tool_json(up::tools, true) FROM up), "
    "  (SELECT tool_json(old::tools, true) FROM old), "
    "  api_error('not_found', 'no such tool')::jsonb) END "
    "  FROM (SELECT count(*) FROM a) x, (SELECT count(*) FROM n) y";

/* $1 id, $2 actor, $3 request id */
const char SQL_TOOLS_DELETE_RESPOND[] =
    "WITH del AS (DELETE FROM tools WHERE id = $1::uuid RETURNING id, "
    "  name, server_id, approval_status), "
    "a AS (SELECT audit($2, 'tool.delete', 'tool deleted', "
    "  jsonb_build_object('tool', name, 'tool_id', id), $3, server_id) "
    "  FROM del), "
    "n AS (SELECT notify_tools_changed('tool.delete') FROM del, servers s "
    "  WHERE s.id = del.server_id AND s.status = 'running' AND "
    "  del.approval_status = 'approved') "
    "SELECT 200, json_build_object('deleted', true, 'id', id) FROM del, "
    "  (SELECT count(*) FROM a) x, (SELECT count(*) FROM n) y";

/* $1 tool id */
const char SQL_TOOLS_VERSIONS_RESPOND[] =
    "SELECT CASE WHEN EXISTS (SELECT 1 FROM tools WHERE id = $1::uuid) "
    "  THEN 200 ELSE 404 END, "
    "  CASE WHEN EXISTS (SELECT 1 FROM tools WHERE id = $1::uuid) THEN "
    "  json_build_object('items', coalesce((SELECT json_agg("
    "  json_build_object('version', version, 'name', name, 'description', "
    "  description, 'title', title, 'enabled', enabled, 'timeout_ms', "
    "  timeout_ms, "
    "  'change_summary', change_summary, 'change_source', change_source, "
    "  'created_at', created_at) ORDER BY version DESC) FROM tool_versions "
    "  WHERE tool_id = $1::uuid), '[]')) "
    "  ELSE api_error('not_found', 'no such tool') END";

/* $1 tool id, $2 version */
const char SQL_TOOLS_VERSION_GET_RESPOND[] =
    "SELECT 200, json_build_object('version', version, 'name', name, "
    "  'description', description, 'python_code', python_code, "
    "  'input_schema', input_schema, 'title', title, 'annotations', "
    "  annotations, 'icons', icons, 'output_schema', output_schema, "
    "  'kind', kind, 'definition', definition, "
    "  'enabled', enabled, 'timeout_ms', "
    "  timeout_ms, 'change_summary', change_summary, 'change_source', "
    "  change_source, 'created_at', created_at) FROM tool_versions "
    "  WHERE tool_id = $1::uuid AND version = $2::int";

/*
 * Rollback writes a new version from an old snapshot and always needs a
 * fresh review, whatever the status was: the code that will run changed.
 * $1 tool id, $2 version, $3 actor, $4 request id, $5 source
 */
const char SQL_TOOLS_ROLLBACK_RESPOND[] =
    "WITH old AS (SELECT * FROM tools WHERE id = $1::uuid FOR UPDATE), "
    "snap AS (SELECT v.* FROM tool_versions v, old WHERE v.tool_id = old.id "
    "  AND v.version = $2::int), "
    "up AS (UPDATE tools t SET name = snap.name, description = "
    "  snap.description, python_code = snap.python_code, input_schema = "
    "  snap.input_schema, enabled = snap.enabled, timeout_ms = "
    "  snap.timeout_ms, title = snap.title, annotations = "
    "  snap.annotations, icons = snap.icons, output_schema = "
    "  snap.output_schema, definition = snap.definition, "
    "  current_version = t.current_version + 1, "
    "  approval_status = 'pending_review', approval_requested_at = now(), "
    "  approved_at = NULL, approved_by = NULL, updated_at = now() "
    "  FROM snap WHERE t.id = snap.tool_id RETURNING t.*), "
    "v AS (INSERT INTO tool_versions (tool_id, version, name, description, "
    "  python_code, input_schema, enabled, timeout_ms, change_summary, "
    "  change_source, title, annotations, icons, output_schema, kind, "
    "  definition) "
    "  SELECT id, current_version, name, description, python_code, "
    "  input_schema, enabled, timeout_ms, 'rollback to v' || $2::int, "
    "  'rollback', title, annotations, icons, output_schema, kind, "
    "  definition FROM up), "
    "a AS (SELECT audit($3, 'tool.rollback', 'tool rolled back', "
    "  jsonb_build_object('tool', name, 'tool_id', id, 'to_version', "
    "  $2::int, 'source', $5::text), $4, server_id) FROM up), "
    "n AS (SELECT notify_tools_changed('tool.rollback') FROM old, servers s "
    "  WHERE s.id = old.server_id AND s.status = 'running' AND "
    "  old.approval_status = 'approved' AND EXISTS (SELECT 1 FROM up)) "
    "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM old) THEN 404 "
    "  WHEN NOT EXISTS (SELECT 1 FROM snap) THEN 404 ELSE 200 END, "
    "  coalesce((SELECT tool_json(up::tools, true) FROM up), "
    "  api_error('not_found', CASE WHEN EXISTS (SELECT 1 FROM old) THEN "
    "  'no such version' ELSE 'no such tool' END)::jsonb) "
    "  FROM (SELECT count(*) FROM a) x, (SELECT count(*) FROM n) y";

/* $1 tool id, $2 offset, $3 limit, $4 success filter ('', 't', 'f'),
 * $5 page, $6 page_size */
const char SQL_TOOLS_LOGS_RESPOND[] =
    "SELECT CASE WHEN EXISTS (SELECT 1 FROM tools WHERE id = $1::uuid) "
    "  THEN 200 ELSE 404 END, "
    "  CASE WHEN EXISTS (SELECT 1 FROM tools WHERE id = $1::uuid) THEN "
    "  json_build_object('items', coalesce((SELECT json_agg(row_to_json(l) "
    "  ORDER BY l.created_at DESC) FROM (SELECT id, tool_id, tool_name, "
    "  input_args, result, error, stdout, duration_ms, success, is_test, "
    "  caller_source, client_token, request_id, created_at FROM "
    "  tool_execution_logs "
    "  WHERE tool_id = $1::uuid AND ($4 = '' OR success = ($4 = 't')) "
    "  ORDER BY created_at DESC OFFSET $2::int LIMIT $3::int) l), '[]'), "
    "  'total', (SELECT count(*) FROM tool_execution_logs WHERE tool_id = "
    "  $1::uuid AND ($4 = '' OR success = ($4 = 't'))), "
    "  'page', $5::int, 'page_size', $6::int) "
    "  ELSE api_error('not_found', 'no such tool') END";
