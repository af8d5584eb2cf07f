/*
 * Statements for settings (api/settings.c). The handler has checked keys
 * and value types; these merge, record the change and return the result.
 * Module policy (the defaults, the names never allowed) is defined once,
 * in SQL functions of migration 0005, and read from there only.
 */
#include "db/sql.h"

const char SQL_SETTINGS_POLICY_GET_RESPOND[] =
    "SELECT 200, value FROM settings WHERE key = 'security_policy'";

/*
 * A PATCH merges: keys not named keep their value, and the merge happens
 * in the UPDATE itself, so concurrent PATCHes of different keys both land.
 * The audit entry keeps the previous values of the keys named; `old` reads
 * the statement's snapshot (no FOR UPDATE: a row this statement updates
 * would be skipped by it).
 * $1 changes (jsonb object), $2 actor, $3 request id
 */
const char SQL_SETTINGS_POLICY_PATCH_RESPOND[] =
    "WITH old AS (SELECT value FROM settings WHERE key = 'security_policy'), "
    "up AS (INSERT INTO settings (key, value) VALUES ('security_policy', "
    "  $1::jsonb) ON CONFLICT (key) DO UPDATE SET value = settings.value "
    "  || EXCLUDED.value, updated_at = now() RETURNING value), "
    "a AS (SELECT audit($2, 'settings.security_policy', "
    "  'security policy changed', jsonb_build_object('changes', $1::jsonb, "
    "  'previous', (SELECT jsonb_object_agg(k, old.value -> k) FROM old, "
    "  jsonb_object_keys($1::jsonb) k)), $3)), "
    /* Every worker of every instance applies it at once (mcp/policy.c). */
    "n AS (SELECT pg_notify('mcpbox_policy_changed', '') FROM up) "
    "SELECT 200, value FROM up, (SELECT count(*) FROM a) x, "
    "  (SELECT count(*) FROM n) y";

const char SQL_SETTINGS_MODULES_GET_RESPOND[] =
    "SELECT 200, json_build_object('allowed_modules', coalesce((SELECT "
    "  jsonb_agg(m ORDER BY m) FROM settings, jsonb_array_elements_text("
    "  value) m WHERE key = 'allowed_modules'), '[]'), "
    "  'defaults', default_allowed_modules(), "
    "  'approved_requests', coalesce((SELECT jsonb_agg(DISTINCT "
    "  module_name) FROM module_requests WHERE status = 'approved'), '[]'))";

/*
 * add/remove, or reset to default_allowed_modules(). A name that
 * module_refused() names fails the whole change with 422. `cur` is locked
 * and read before the upsert (which depends on it), so concurrent PATCHes
 * apply one after the other instead of losing one.
 * $1 add (jsonb array), $2 remove (jsonb array), $3 reset ('t'|'f'),
 * $4 actor, $5 request id
 */
const char SQL_SETTINGS_MODULES_PATCH_RESPOND[] =
    "WITH bad AS (SELECT string_agg(m, ', ' ORDER BY m) AS l FROM "
    "  jsonb_array_elements_text($1::jsonb) m WHERE module_refused(m)), "
    "cur AS (SELECT value FROM settings WHERE key = 'allowed_modules' "
    "  FOR UPDATE), "
    "new AS (SELECT CASE WHEN $3 = 't' THEN default_allowed_modules() "
    "  ELSE coalesce((SELECT jsonb_agg(DISTINCT m ORDER BY m) FROM "
    "  (SELECT jsonb_array_elements_text(coalesce((SELECT value FROM cur), "
    "  '[]')) m UNION SELECT jsonb_array_elements_text($1::jsonb)) x "
    "  WHERE m NOT IN (SELECT jsonb_array_elements_text($2::jsonb))), "
    "  '[]'::jsonb) END AS value), "
    "up AS (INSERT INTO settings (key, value) SELECT 'allowed_modules', "
    "  value FROM new WHERE (SELECT l FROM bad) IS NULL "
    "  ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, "
    "  updated_at = now() RETURNING value), "
    "a AS (SELECT audit($4, 'settings.modules', CASE WHEN $3 = 't' THEN "
    "  'allowed modules reset to the defaults' ELSE "
    "  'allowed modules changed' END, jsonb_build_object('add', $1::jsonb, "
    "  'remove', $2::jsonb, 'reset', $3 = 't'), $5) FROM up) "
    "SELECT CASE WHEN (SELECT l FROM bad) IS NOT NULL THEN 422 ELSE 200 END, "
    "  CASE WHEN (SELECT l FROM bad) IS NOT NULL THEN json_build_object("
    "  'error', json_build_object('code', 'validation_failed', 'message', "
    "  'some modules can never be allowed', 'fields', json_build_object("
    "  'add', 'never allowed (they reach the system or the interpreter): ' "
    "  || (SELECT l FROM bad)))) "
    "  ELSE json_build_object('allowed_modules', (SELECT value FROM up), "
    "  'defaults', default_allowed_modules()) END "
    "  FROM (SELECT count(*) FROM a) x";
