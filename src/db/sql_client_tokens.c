/*
 * Statements for client tokens (api/client_tokens.c). A token is stored
 * as its SHA-256 only and never read back: the list shows what it may do.
 */
#include "db/sql.h"

#define TOKEN_JSON(t) \
    "json_build_object('id', " t ".id, 'name', " t ".name, 'servers', " \
    t ".servers, 'scope', " t ".scope, 'source', " t ".source, " \
    "'expires_at', " t ".expires_at, 'created_by', " t ".created_by, " \
    "'created_at', " t ".created_at, 'last_used_at', " t ".last_used_at)"

/* $1 offset, $2 limit, $3 page, $4 page_size */
const char SQL_CLIENT_TOKENS_LIST_RESPOND[] =
    "SELECT 200, json_build_object('items', coalesce((SELECT json_agg("
    TOKEN_JSON("t") " ORDER BY t.created_at DESC) FROM (SELECT * FROM "
    "  client_tokens ORDER BY created_at DESC OFFSET $1::int "
    "  LIMIT $2::int) t), '[]'), "
    "  'total', (SELECT count(*) FROM client_tokens), "
    "  'page', $3::int, 'page_size', $4::int)";

/*
 * $1 name, $2 hash, $3 servers (json array)|NULL, $4 scope, $5 expires_at
 * text|NULL, $6 actor, $7 request id -> 201 with the row (the handler adds
 * the token), or 422 naming servers there are not or a bad expiry.
 */
const char SQL_CLIENT_TOKENS_CREATE_RESPOND[] =
    "WITH want AS (SELECT CASE WHEN $3::jsonb IS NULL THEN NULL ELSE "
    "  ARRAY(SELECT jsonb_array_elements_text($3::jsonb)) END AS servers, "
    "  timestamptz_or_null($5) AS expires), "
    "missing AS (SELECT string_agg(n, ', ' ORDER BY n) AS names FROM want, "
    "  unnest(want.servers) n WHERE NOT EXISTS (SELECT 1 FROM servers s "
    "  WHERE s.name = n)), "
    "bad AS (SELECT CASE WHEN (SELECT names FROM missing) IS NOT NULL THEN "
    "  json_build_object('servers', 'no such server: ' || (SELECT names "
    "  FROM missing)) WHEN $5 IS NOT NULL AND (SELECT expires FROM want) "
    "  IS NULL THEN json_build_object('expires_at', 'an ISO 8601 date and "
    "time') WHEN (SELECT expires FROM want) <= now() THEN "
    "  json_build_object('expires_at', 'must be in the future') END AS f), "
    "ins AS (INSERT INTO client_tokens (name, hash, servers, scope, "
    "  expires_at, created_by) SELECT $1, $2, servers, $4, expires, $6 "
    "  FROM want WHERE (SELECT f FROM bad) IS NULL RETURNING *), "
    "a AS (SELECT audit($6, 'client_tokens.create', 'client token created', "
    "  jsonb_build_object('name', name, 'scope', scope, 'servers', "
    "  servers), $7) FROM ins) "
    "SELECT CASE WHEN (SELECT f FROM bad) IS NOT NULL THEN 422 ELSE 201 END, "
    "  CASE WHEN (SELECT f FROM bad) IS NOT NULL THEN json_build_object("
    "  'error', json_build_object('code', 'validation_failed', 'message', "
    "  'the token cannot be made as asked', 'fields', (SELECT f FROM bad))) "
    "  ELSE (SELECT " TOKEN_JSON("ins") " FROM ins) END "
    "FROM (SELECT count(*) FROM a) x";

/* $1 id, $2 actor, $3 request id. Its sessions end with it (0055). */
const char SQL_CLIENT_TOKENS_DELETE_RESPOND[] =
    "WITH del AS (DELETE FROM client_tokens WHERE id = $1::uuid "
    "  RETURNING name, source), "
    "a AS (SELECT audit($2, 'client_tokens.revoke', 'client token revoked', "
    "  jsonb_build_object('name', name, 'source', source), $3) FROM del) "
    "SELECT CASE WHEN EXISTS (SELECT 1 FROM del) THEN 200 ELSE 404 END, "
    "  CASE WHEN EXISTS (SELECT 1 FROM del) THEN json_build_object('ok', "
    "  true) ELSE api_error('not_found', 'no such client token') END "
    "FROM (SELECT count(*) FROM a) x";

/*
 * The live token a request names (mcp/transport_common.c): $1 the hash of
 * the secret it sent, or $2 the row an OAuth access token names -> id,
 * name, scope, servers json|NULL. Its last use is noted at most once a
 * minute, so a busy client doesn't turn every request into a write.
 */
const char SQL_CLIENT_TOKEN_FIND[] =
    "WITH t AS (SELECT id, name, scope, to_json(servers) AS servers "
    "  FROM client_tokens WHERE ((hash = $1 AND $1 IS NOT NULL) OR "
    "  (hash IS NULL AND id = $2::uuid)) AND (expires_at IS NULL OR "
    "  expires_at > now())), "
    "u AS (UPDATE client_tokens c SET last_used_at = now() FROM t "
    "  WHERE c.id = t.id AND (c.last_used_at IS NULL OR "
    "  c.last_used_at < now() - interval '1 minute')) "
    "SELECT id, name, scope, servers FROM t";
