/*
 * Statements of the OAuth authorization server (src/oauth) and the remote
 * access admin routes (src/api/remote.c). Tokens and codes arrive here as
 * SHA-256 hex digests only.
 */
#include "db/sql.h"

/*
 * $1 client name, $2 redirect URIs (JSON array), $3 ip. A client that never
 * completed a grant within a day expires here, so the cap of 1000 live
 * clients cannot be used up for good by registrations alone.
 */
#define CLIENT_IDLE	"c.created_at < now() - interval '1 day' AND NOT " \
    "EXISTS (SELECT 1 FROM oauth_refresh_tokens t WHERE t.client_id = " \
    "c.id) AND NOT EXISTS (SELECT 1 FROM oauth_codes k WHERE k.client_id " \
    "= c.id AND k.used_at IS NOT NULL)"
const char SQL_OAUTH_CLIENT_REGISTER_RESPOND[] =
    "WITH gc AS (DELETE FROM oauth_clients c WHERE " CLIENT_IDLE "), "
    "n AS (SELECT count(*) AS c FROM oauth_clients c "
    "    WHERE revoked_at IS NULL AND NOT (" CLIENT_IDLE ")), "
    "ins AS (INSERT INTO oauth_clients (client_name, redirect_uris, "
    "    created_ip) SELECT $1, $2::jsonb, $3 FROM n WHERE n.c < 1000 "
    "    RETURNING id, client_name, redirect_uris, created_at) "
    "SELECT 201, jsonb_build_object('client_id', id, 'client_name', "
    "    client_name, 'redirect_uris', redirect_uris, "
    "    'client_id_issued_at', extract(epoch FROM created_at)::bigint, "
    "    'grant_types', jsonb_build_array('authorization_code', "
    "    'refresh_token'), 'response_types', jsonb_build_array('code'), "
    "    'token_endpoint_auth_method', 'none') FROM ins "
    "UNION ALL SELECT 400, jsonb_build_object('error', "
    "    'invalid_client_metadata', 'error_description', "
    "    'too many registered clients; revoke some in the admin panel') "
    "    WHERE NOT EXISTS (SELECT 1 FROM ins)";

/*
 * Record a consent request for a known, live client whose registered
 * redirect URIs contain $3 exactly; no row means "don't redirect".
 * $1 token hash, $2 client id, $3 redirect uri, $4 challenge, $5 state
 * (NULL-able as ''), $6 resource, $7 scope
 */
const char SQL_OAUTH_REQUEST_PUT[] =
    "WITH gc AS (DELETE FROM oauth_requests WHERE expires_at < now()), "
    "gc2 AS (DELETE FROM oauth_codes WHERE expires_at < now() - "
    "    interval '1 day'), "
    /* Bounded: 20 open consent pages per client, 2000 in all. */
    "room AS (SELECT (SELECT count(*) FROM oauth_requests r WHERE "
    "    r.client_id::text = $2 AND r.expires_at >= now()) < 20 AND "
    "    (SELECT count(*) FROM oauth_requests) < 2000 AS ok) "
    "INSERT INTO oauth_requests (token_hash, client_id, redirect_uri, "
    "    code_challenge, state, resource, scope) "
    "SELECT $1, id, $3, $4, NULLIF($5, ''), $6, $7 FROM oauth_clients, room "
    "WHERE id::text = $2 AND revoked_at IS NULL AND redirect_uris ? $3 "
    "    AND room.ok "
    "RETURNING (SELECT client_name FROM oauth_clients WHERE id::text = $2)";

/* $1 token hash: the pending request, if live. */
const char SQL_OAUTH_REQUEST_GET[] =
    "SELECT c.client_name, r.redirect_uri, coalesce(r.state, ''), "
    "    r.state IS NOT NULL "
    "FROM oauth_requests r JOIN oauth_clients c ON c.id = r.client_id "
    "WHERE r.token_hash = $1 AND r.expires_at > now() "
    "    AND c.revoked_at IS NULL";

/*
 * Approve: the request is consumed and becomes a code for $3 (the admin
 * who logged in), with a client token row for what the admin chose ($4
 * servers json|NULL, $5 scope), which the code's tokens carry. Servers
 * that do not exist consume nothing: one row with only their names.
 * $1 token hash, $2 code hash, $3 subject -> redirect uri, state, has
 * state, missing servers|NULL
 */
const char SQL_OAUTH_REQUEST_APPROVE[] =
    "WITH want AS (SELECT CASE WHEN $4::jsonb IS NULL THEN NULL ELSE "
    "    ARRAY(SELECT jsonb_array_elements_text($4::jsonb)) END AS servers), "
    "missing AS (SELECT string_agg(n, ', ' ORDER BY n) AS names FROM want, "
    "    unnest(want.servers) n WHERE NOT EXISTS (SELECT 1 FROM servers s "
    "    WHERE s.name = n)), "
    "r AS (DELETE FROM oauth_requests WHERE token_hash = $1 "
    "    AND expires_at > now() AND (SELECT names FROM missing) IS NULL "
    "    RETURNING *), "
    "k AS (INSERT INTO client_tokens (name, servers, scope, source, "
    "    oauth_client_id, oauth_subject, created_by) SELECT 'oauth ' || "
    "    coalesce(nullif(left(regexp_replace(c.client_name, "
    "    '[^A-Za-z0-9 ._-]', '', 'g'), 50), ''), left(c.id::text, 8)), "
    "    (SELECT servers FROM want), $5, 'oauth', c.id, $3, $3 "
    "    FROM r JOIN oauth_clients c ON c.id = r.client_id RETURNING id), "
    "c AS (INSERT INTO oauth_codes (code_hash, client_id, redirect_uri, "
    "    code_challenge, resource, scope, subject, client_token_id) "
    "    SELECT $2, client_id, redirect_uri, code_challenge, resource, "
    "    scope, $3, (SELECT id FROM k) FROM r RETURNING 1) "
    "SELECT r.redirect_uri, coalesce(r.state, ''), r.state IS NOT NULL, "
    "    NULL::text FROM r, c "
    "UNION ALL SELECT NULL, NULL, NULL, names FROM missing "
    "    WHERE names IS NOT NULL";

/* $1 username -> password_hash, password_version: an active admin only
 * may consent to a client. */
const char SQL_OAUTH_CONSENTER[] =
    "SELECT password_hash, password_version FROM admin_users "
    "WHERE username = $1 AND is_active AND role = 'admin'";

/* Deny: $1 token hash; the request is consumed. */
const char SQL_OAUTH_REQUEST_DENY[] =
    "DELETE FROM oauth_requests WHERE token_hash = $1 "
    "    AND expires_at > now() "
    "RETURNING redirect_uri, coalesce(state, ''), state IS NOT NULL";

/*
 * A granted token carries the password version of the admin it is for
 * (oauth_gate.c refuses it once that changes).
 */
#define WITH_PV	"SELECT status, body || jsonb_build_object('pv', (SELECT " \
    "password_version FROM admin_users WHERE username = body->>'subject' " \
    "AND is_active AND role = 'admin')) FROM "

/* $1 code hash, $2 client id, $3 redirect uri, $4 verifier, $5 new
 * refresh hash, $6 resource or '', $7 refresh lifetime in seconds */
const char SQL_OAUTH_CODE_EXCHANGE[] =
    WITH_PV "oauth_code_exchange($1, $2, $3, $4, $5, $6, $7::integer)";

/* $1 old refresh hash, $2 client id, $3 new hash, $4 resource or '',
 * $5 lifetime in seconds */
const char SQL_OAUTH_REFRESH_ROTATE[] =
    WITH_PV "oauth_refresh_rotate($1, $2, $3, $4, $5::integer)";

/* RFC 7009: revoking a refresh token ends its whole family. $1 hash */
const char SQL_OAUTH_REVOKE[] =
    "UPDATE oauth_refresh_tokens SET revoked_at = now() "
    "WHERE revoked_at IS NULL AND family = (SELECT family FROM "
    "    oauth_refresh_tokens WHERE token_hash = $1)";

/* GET /api/remote: $1 the settings part (JSON built from the config). */
const char SQL_REMOTE_GET_RESPOND[] =
    "SELECT 200, $1::jsonb || jsonb_build_object('remote_tool_editing', "
    "    policy('remote_tool_editing'), 'clients', "
    "    coalesce((SELECT jsonb_agg(jsonb_build_object('id', c.id, "
    "    'client_name', c.client_name, 'redirect_uris', c.redirect_uris, "
    "    'created_at', c.created_at, 'last_used_at', c.last_used_at, "
    "    'active_grants', (SELECT count(DISTINCT family) FROM "
    "    oauth_refresh_tokens t WHERE t.client_id = c.id AND "
    "    t.revoked_at IS NULL AND t.used_at IS NULL AND "
    "    t.expires_at > now())) ORDER BY c.created_at DESC) "
    "    FROM oauth_clients c WHERE c.revoked_at IS NULL), '[]'::jsonb))";

/* DELETE /api/remote/clients/:id: $1 id */
const char SQL_REMOTE_CLIENT_REVOKE_RESPOND[] =
    "WITH c AS (UPDATE oauth_clients SET revoked_at = now() "
    "    WHERE id::text = $1 AND revoked_at IS NULL RETURNING id), "
    "t AS (UPDATE oauth_refresh_tokens SET revoked_at = now() "
    "    WHERE client_id IN (SELECT id FROM c) AND revoked_at IS NULL), "
    "q AS (DELETE FROM oauth_requests WHERE client_id IN "
    "    (SELECT id FROM c)), "
    /* Its access tokens name these rows: refused at once (D36). */
    "k AS (DELETE FROM client_tokens WHERE oauth_client_id IN "
    "    (SELECT id FROM c)) "
    "SELECT 200, jsonb_build_object('revoked', id) FROM c "
    "UNION ALL SELECT 404, api_error('not_found', 'no such client')::jsonb "
    "    WHERE NOT EXISTS (SELECT 1 FROM c)";
