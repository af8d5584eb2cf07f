/*
 * External MCP sources: what a worker needs to
 * connect to one, the discovery cache, passthrough imports, and the REST
 * views. The MCP tools and the REST routes run the same statements.
 */
#include "db/sql.h"

/*
 * Everything a connection needs, in one row: 0 url, 1 transport,
 * 2 auth_type, 3 auth header name, 4 the auth secret's sealed row as a
 * one-element array [{key, ct, nonce}] (empty when unset), 5 server id,
 * 6 approved hosts, 7 auth secret name, 8 source name, 9 the OAuth state
 * (sealed tokens, endpoints, client; null unless auth_type is oauth),
 * 10 the source's approval status (nothing connects unless 'approved').
 */
/*
 * The definition an imported tool pins, from one entry of the source's
 * tools/list: what a reviewer sees and what calls are checked against.
 * Title, annotations and outputSchema are pinned when the source gives
 * them (a definition pinned without them stays equal if it still has
 * none); icons are not taken, as the panel never loads a source's URLs.
 */
#define UPSTREAM_DEF(x) \
    "(jsonb_build_object('name', " x " ->> 'name', 'description', " \
    "coalesce(" x " ->> 'description', ''), 'inputSchema', " x \
    " -> 'inputSchema') || CASE WHEN " x " ? 'title' THEN " \
    "jsonb_build_object('title', " x " -> 'title') ELSE '{}' END || " \
    "CASE WHEN " x " ? 'annotations' THEN jsonb_build_object(" \
    "'annotations', " x " -> 'annotations') ELSE '{}' END || CASE WHEN " \
    x " ? 'outputSchema' THEN jsonb_build_object('outputSchema', " x \
    " -> 'outputSchema') ELSE '{}' END)"
/*
 * The tool's own columns from a pinned definition, as core/tooldef.c
 * would take them: a title of at most 200, the four boolean hints, an
 * object outputSchema of at most 64 KiB; anything else is left out.
 */
#define UPSTREAM_TITLE(d) \
    "CASE WHEN jsonb_typeof((" d ") -> 'title') = 'string' THEN " \
    "left((" d ") ->> 'title', 200) END"
#define UPSTREAM_ANNOTATIONS(d) \
    "(SELECT jsonb_object_agg(k, v) FROM jsonb_each(CASE WHEN " \
    "jsonb_typeof((" d ") -> 'annotations') = 'object' THEN (" d ") -> " \
    "'annotations' ELSE '{}' END) h(k, v) WHERE k IN ('readOnlyHint', " \
    "'destructiveHint', 'idempotentHint', 'openWorldHint') AND " \
    "jsonb_typeof(v) = 'boolean')"
#define UPSTREAM_OUTPUT(d) \
    "CASE WHEN jsonb_typeof((" d ") -> 'outputSchema') = 'object' AND " \
    "(" d ") -> 'outputSchema' ->> 'type' = 'object' AND length((" d ") " \
    "->> 'outputSchema') <= 65536 THEN (" d ") -> 'outputSchema' END"
/* Its input schema as the tool's own (an object schema, or an empty one). */
#define UPSTREAM_SCHEMA(d) \
    "CASE WHEN jsonb_typeof((" d ") -> 'inputSchema') = 'object' THEN " \
    "(" d ") -> 'inputSchema' ELSE " \
    "'{\"type\":\"object\",\"properties\":{}}'::jsonb END"

#define EXT_SOURCE_COLUMNS \
    "SELECT e.url, e.transport_type, e.auth_type, e.auth_header_name, " \
    "  coalesce((SELECT json_agg(json_build_object('key', key_name, 'ct', " \
    "  encode(value_ciphertext, 'hex'), 'nonce', encode(nonce, 'hex'))) " \
    "  FROM server_secrets WHERE server_id = e.server_id AND key_name = " \
    "  e.auth_secret_name AND value_ciphertext IS NOT NULL), '[]'), " \
    "  e.server_id, server_allowed_hosts(e.server_id), " \
    "  coalesce(e.auth_secret_name, ''), e.name, " \
    "  CASE WHEN e.auth_type = 'oauth' THEN json_build_object('ct', " \
    "  encode(e.oauth_tokens_ciphertext, 'hex'), 'nonce', " \
    "  encode(e.oauth_token_nonce, 'hex'), 'token_endpoint', " \
    "  e.oauth_token_endpoint, 'client_id', e.oauth_client_id, " \
    "  'issuer', e.oauth_issuer, 'resource', e.oauth_resource, " \
    "  'redirect_uri', e.oauth_redirect_uri, 'expires_at', " \
    "  floor(extract(epoch FROM e.oauth_expires_at))::bigint) END, " \
    "  e.approval_status "

/*
 * A source's tool name made into an MCPbox identifier (core/names.c's
 * rule): lower case, other characters as '_', no '__' (which separates
 * server and tool), none at the end, a letter first, at most 64.
 */
#define LOCAL_NAME(n) \
    "rtrim(left((SELECT CASE WHEN s ~ '^[a-z]' THEN s ELSE 't_' || " \
    "ltrim(s, '_') END FROM (SELECT regexp_replace(regexp_replace(lower(" \
    n "), '[^a-z0-9_]', '_', 'g'), '_{2,}', '_', 'g') AS s) l), 64), '_')"

/* $1 source id */
const char SQL_EXT_SOURCE_LOAD[] =
    EXT_SOURCE_COLUMNS
    "FROM external_mcp_sources e WHERE e.id = $1::uuid";

/*
 * A passthrough tool's source: the same columns as SQL_EXT_SOURCE_LOAD
 * plus 11 the source id, 12 the tool's name at the source, 13 status,
 * 14 the tool's approved input schema.
 * $1 tool id
 */
const char SQL_EXT_SOURCE_FOR_TOOL[] =
    EXT_SOURCE_COLUMNS ", e.id, t.external_tool_name, e.status, "
    "  t.input_schema "
    "FROM tools t JOIN external_mcp_sources e ON e.id = "
    "  t.external_source_id WHERE t.id = $1::uuid";

/*
 * Cache a successful discovery. An imported tool pins the upstream
 * definition it was reviewed with (name, description, inputSchema): when
 * the source now describes it differently, the tool takes the new
 * description and schema as a new version and, if it was approved, goes
 * back to review, so nothing reaches callers or the source that no admin
 * saw. The answer names the tools sent back and those the source no
 * longer has.
 * $1 source id, $2 tools json array, $3 actor, $4 request id
 */
const char SQL_EXT_DISCOVER_SAVE_RESPOND[] =
    "WITH u AS (UPDATE external_mcp_sources SET discovered_tools = "
    "  $2::jsonb, tool_count = jsonb_array_length($2::jsonb), "
    "  last_discovered_at = now(), status = 'active', updated_at = now() "
    "  WHERE id = $1::uuid RETURNING *), "
    "defs AS (SELECT t.id, t.upstream_definition AS old, "
    "  " UPSTREAM_DEF("x") " AS new FROM tools t JOIN u ON "
    "  t.external_source_id = u.id CROSS JOIN LATERAL (SELECT x FROM "
    "  jsonb_array_elements(u.discovered_tools) x WHERE x ->> 'name' = "
    "  t.external_tool_name LIMIT 1) d), "
    "chg AS (UPDATE tools t SET upstream_definition = defs.new, "
    "  description = left(defs.new ->> 'description', 2000), "
    "  input_schema = " UPSTREAM_SCHEMA("defs.new") ", "
    "  title = " UPSTREAM_TITLE("defs.new") ", "
    "  annotations = " UPSTREAM_ANNOTATIONS("defs.new") ", "
    "  output_schema = " UPSTREAM_OUTPUT("defs.new") ", "
    "  current_version = t.current_version + 1, updated_at = now(), "
    "  approval_status = CASE WHEN t.approval_status = 'approved' THEN "
    "  'pending_review' ELSE t.approval_status END, "
    "  approval_requested_at = CASE WHEN t.approval_status = 'approved' "
    "  THEN now() ELSE t.approval_requested_at END "
    "  FROM defs, tools o WHERE t.id = defs.id AND o.id = defs.id AND "
    "  defs.old IS DISTINCT FROM defs.new RETURNING t.*, "
    "  o.approval_status AS was), "
    "v AS (INSERT INTO tool_versions (tool_id, version, name, description, "
    "  python_code, input_schema, enabled, timeout_ms, change_summary, "
    "  change_source, title, annotations, icons, output_schema) SELECT id, "
    "  current_version, name, description, NULL, input_schema, enabled, "
    "  timeout_ms, 'the source changed this tool''s definition', "
    "  'upstream', title, annotations, icons, output_schema FROM chg "
    "  RETURNING 1), "
    "ca AS (SELECT audit($3, 'tool.upstream_changed', 'the external "
    "source changed a tool''s definition: back to review', "
    "  jsonb_build_object('tool', chg.name, 'tool_id', chg.id, 'version', "
    "  chg.current_version, 'from', chg.was, 'to', chg.approval_status), "
    "  $4, chg.server_id) FROM chg), "
    "n AS (SELECT notify_tools_changed('tool.upstream_changed') FROM "
    "  (SELECT 1 FROM chg JOIN servers s ON s.id = chg.server_id WHERE "
    "  chg.was = 'approved' AND s.status = 'running' LIMIT 1) z), "
    "a AS (SELECT audit($3, 'external_source.discover', 'external tools "
    "discovered', jsonb_build_object('source', name, 'tool_count', "
    "  tool_count), $4, server_id) FROM u) "
    "SELECT CASE WHEN EXISTS (SELECT 1 FROM u) THEN 200 ELSE 404 END, "
    "  coalesce((SELECT json_build_object('source_id', id, 'tool_count', "
    "  tool_count, 'last_discovered_at', last_discovered_at, 'tools', "
    "  (SELECT coalesce(json_agg(json_build_object('name', x ->> 'name', "
    "  'description', coalesce(x ->> 'description', ''), "
    "  'input_schema', x -> 'inputSchema')), '[]') FROM "
    "  jsonb_array_elements(u.discovered_tools) x), "
    "  'changed', (SELECT coalesce(json_agg(json_build_object('tool_id', "
    "  id, 'name', name, 'approval_status', approval_status)), '[]') "
    "  FROM chg), "
    "  'missing', (SELECT coalesce(json_agg(t.name), '[]') FROM tools t "
    "  WHERE t.external_source_id = u.id AND NOT EXISTS (SELECT 1 FROM "
    "  defs WHERE defs.id = t.id))) FROM u), "
    "  api_error('not_found', 'no such external source')) "
    "FROM (SELECT count(*) FROM a) y, (SELECT count(*) FROM ca) y2, "
    "  (SELECT count(*) FROM v) y3, (SELECT count(*) FROM n) y4";

/* A failed discovery marks the source. $1 source id */
const char SQL_EXT_MARK_ERROR[] =
    "UPDATE external_mcp_sources SET status = 'error', updated_at = now() "
    "WHERE id = $1::uuid AND status <> 'disabled'";

/*
 * Import discovered tools as passthrough drafts. A name the cache lacks
 * is reported, a name already taken on the server is skipped: the
 * caller sees exactly what happened to each. Tool names are the external
 * names made into MCPbox identifiers.
 * $1 source id, $2 json array of names, $3 actor, $4 request id
 */
const char SQL_EXT_IMPORT_RESPOND[] =
    "WITH e AS (SELECT * FROM external_mcp_sources WHERE id = $1::uuid), "
    "want AS (SELECT DISTINCT w AS name FROM "
    "  jsonb_array_elements_text($2::jsonb) w), "
    "found AS (SELECT want.name, x AS def, " LOCAL_NAME("want.name")
    "  AS local FROM want JOIN e ON true CROSS JOIN LATERAL "
    "  (SELECT x FROM jsonb_array_elements(coalesce(e.discovered_tools, "
    "  '[]')) x WHERE x ->> 'name' = want.name LIMIT 1) d), "
    "ins AS (INSERT INTO tools (server_id, name, description, tool_type, "
    "  input_schema, external_source_id, external_tool_name, created_by, "
    "  upstream_definition, title, annotations, output_schema) SELECT "
    "  e.server_id, f.local, left(f.pin ->> 'description', 2000), "
    "  'mcp_passthrough', " UPSTREAM_SCHEMA("f.pin") ", e.id, f.name, $3, "
    "  f.pin, " UPSTREAM_TITLE("f.pin") ", " UPSTREAM_ANNOTATIONS("f.pin")
    ", " UPSTREAM_OUTPUT("f.pin") " "
    "  FROM (SELECT found.*, " UPSTREAM_DEF("found.def") " AS pin FROM "
    "  found) f JOIN e ON true "
    "  ON CONFLICT (server_id, name) DO NOTHING RETURNING tools.*), "
    "v AS (INSERT INTO tool_versions (tool_id, version, name, description, "
    "  python_code, input_schema, enabled, timeout_ms, change_summary, "
    "  change_source, title, annotations, icons, output_schema) SELECT id, "
    "  1, name, description, NULL, input_schema, enabled, timeout_ms, "
    "  'imported from ' || (SELECT name FROM e), 'import', title, "
    "  annotations, icons, output_schema FROM ins), "
    "a AS (SELECT audit($3, 'external_source.import', 'external tools "
    "imported', jsonb_build_object('source', e.name, 'tools', "
    "  (SELECT jsonb_agg(name) FROM ins)), $4, e.server_id) FROM e "
    "  WHERE EXISTS (SELECT 1 FROM ins)) "
    "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM e) THEN 404 "
    "  WHEN (SELECT discovered_tools FROM e) IS NULL THEN 409 ELSE 200 END, "
    "  CASE WHEN NOT EXISTS (SELECT 1 FROM e) THEN api_error('not_found', "
    "  'no such external source') WHEN (SELECT discovered_tools FROM e) IS "
    "  NULL THEN api_error('conflict', 'discover the source''s tools "
    "first') ELSE json_build_object("
    "  'imported', (SELECT coalesce(json_agg(json_build_object('tool_id', "
    "  id, 'name', name, 'external_tool_name', external_tool_name, "
    "  'approval_status', approval_status)), '[]') FROM ins), "
    "  'skipped', (SELECT coalesce(json_agg(json_build_object('name', "
    "  f.name, 'reason', 'a tool named ' || f.local || ' already exists "
    "on this server')), '[]') FROM found f WHERE f.local NOT IN (SELECT "
    "  name FROM ins)), "
    "  'not_found', (SELECT coalesce(json_agg(w.name), '[]') FROM want w "
    "  WHERE w.name NOT IN (SELECT name FROM found)), "
    "  'message', 'imported tools are drafts: call mcpbox_request_publish "
    "(or approve them in the panel) before they can run') END "
    "FROM (SELECT count(*) FROM a) y";

/* $1 server id */
const char SQL_EXT_LIST_RESPOND[] =
    "SELECT CASE WHEN EXISTS (SELECT 1 FROM servers WHERE id = $1::uuid) "
    "  THEN 200 ELSE 404 END, CASE WHEN EXISTS (SELECT 1 FROM servers "
    "  WHERE id = $1::uuid) THEN json_build_object('items', coalesce(("
    "  SELECT json_agg(" EXT_JSON("e") " ORDER BY e.name) FROM "
    "  external_mcp_sources e WHERE e.server_id = $1::uuid), '[]')) "
    "  ELSE api_error('not_found', 'no such server') END";

/* $1 source id */
const char SQL_EXT_GET_RESPOND[] =
    "SELECT 200, " EXT_JSON("e") "::jsonb || jsonb_build_object("
    "  'discovered_tools', coalesce((SELECT jsonb_agg(jsonb_build_object("
    "  'name', x ->> 'name', 'description', coalesce(x ->> 'description', "
    "  ''), 'input_schema', x -> 'inputSchema', 'imported', EXISTS (SELECT "
    "  1 FROM tools t WHERE t.external_source_id = e.id AND "
    "  t.external_tool_name = x ->> 'name'))) FROM "
    "  jsonb_array_elements(e.discovered_tools) x), '[]')) "
    "FROM external_mcp_sources e WHERE e.id = $1::uuid";

/* $1 source id, $2 actor, $3 request id */
const char SQL_EXT_DELETE_RESPOND[] =
    "WITH d AS (DELETE FROM external_mcp_sources WHERE id = $1::uuid "
    "  RETURNING *), "
    "a AS (SELECT audit($2, 'external_source.delete', 'external source "
    "deleted', jsonb_build_object('name', name), $3, server_id) FROM d) "
    "SELECT CASE WHEN EXISTS (SELECT 1 FROM d) THEN 200 ELSE 404 END, "
    "  CASE WHEN EXISTS (SELECT 1 FROM d) THEN json_build_object("
    "  'deleted', true) ELSE api_error('not_found', 'no such external "
    "source') END FROM (SELECT count(*) FROM a) x";

/* An admin adds a source, approved by that admin: EXT_SOURCE_ADD with
 * $9 the actor. */
const char SQL_EXT_CREATE_RESPOND[] =
    EXT_SOURCE_ADD("$9::text", "$9::text", "'{}'::jsonb");
