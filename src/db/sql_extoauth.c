/*
 * OAuth 2.1 for external MCP sources (migration 0042): the pending flow
 * between "Authorize" in the panel and the browser's return with a code,
 * and the sealed tokens in the source's row.
 */
#include "db/sql.h"

/*
 * Remember a started flow (and drop expired ones) and answer the panel.
 * $1 source id, $2 sha256(state) hex, $3 code verifier, $4 redirect uri,
 * $5 issuer, $6 client id, $7 token endpoint, $8 resource, $9 actor,
 * $10 request id, $11 authorization URL
 */
const char SQL_EXT_OAUTH_FLOW_SAVE_RESPOND[] =
    "WITH x AS (DELETE FROM external_oauth_flows WHERE expires_at < now()), "
    "u AS (UPDATE external_mcp_sources SET oauth_issuer = $5, "
    "  oauth_client_id = $6, oauth_redirect_uri = $4, "
    "  oauth_token_endpoint = $7, oauth_resource = nullif($8, ''), "
    "  updated_at = now() WHERE id = $1::uuid AND auth_type = 'oauth' "
    "  RETURNING id, server_id, name), "
    "i AS (INSERT INTO external_oauth_flows (state_hash, source_id, "
    "  code_verifier, redirect_uri, issuer, client_id, token_endpoint, "
    "  resource, created_by) SELECT $2, id, $3, $4, $5, $6, $7, "
    "  nullif($8, ''), $9 FROM u RETURNING source_id), "
    "a AS (SELECT audit($9, 'external_source.oauth_start', 'external "
    "source authorization started', jsonb_build_object('source', "
    "  name, 'issuer', $5::text), $10, server_id) FROM u) "
    "SELECT CASE WHEN EXISTS (SELECT 1 FROM i) THEN 200 ELSE 404 END, "
    "  CASE WHEN EXISTS (SELECT 1 FROM i) THEN json_build_object("
    "  'source_id', $1::uuid, 'authorization_url', $11::text, "
    "  'issuer', $5::text, 'expires_in', 600) ELSE api_error('not_found', "
    "  'no such OAuth source') END "
    "FROM (SELECT count(*) FROM a) y";

/*
 * Take a flow by its state, once: the row is gone whether or not it is
 * still fresh. 0 source id, 1 verifier, 2 redirect uri, 3 token
 * endpoint, 4 client id, 5 resource, 6 fresh (t/f), 7 approved hosts,
 * 8 server id, 9 the source's approval status.
 * $1 sha256(state) hex
 */
const char SQL_EXT_OAUTH_FLOW_TAKE[] =
    "WITH f AS (DELETE FROM external_oauth_flows WHERE state_hash = $1 "
    "  RETURNING *) "
    "SELECT f.source_id, f.code_verifier, f.redirect_uri, f.token_endpoint, "
    "  f.client_id, coalesce(f.resource, ''), f.expires_at > now(), "
    "  server_allowed_hosts(e.server_id), e.server_id, e.approval_status "
    "FROM f JOIN external_mcp_sources e ON e.id = f.source_id";

/*
 * Store the tokens of a finished flow and answer with the source.
 * $1 source id, $2 sealed tokens hex, $3 nonce hex, $4 expires_in
 * seconds (0 unknown), $5 actor, $6 request id
 */
const char SQL_EXT_OAUTH_TOKENS_SAVE_RESPOND[] =
    "WITH u AS (UPDATE external_mcp_sources SET "
    "  oauth_tokens_ciphertext = decode($2, 'hex'), "
    "  oauth_token_nonce = decode($3, 'hex'), oauth_expires_at = CASE "
    "  WHEN $4::bigint > 0 THEN now() + make_interval(secs => $4::bigint) "
    "  END, oauth_authorized_at = now(), status = 'active', "
    "  updated_at = now() WHERE id = $1::uuid RETURNING *), "
    "a AS (SELECT audit($5, 'external_source.oauth_authorized', "
    "  'external source authorized', jsonb_build_object('source', name, "
    "  'issuer', oauth_issuer), $6, server_id) FROM u) "
    "SELECT CASE WHEN EXISTS (SELECT 1 FROM u) THEN 200 ELSE 404 END, "
    "  coalesce((SELECT " EXT_JSON("u") " FROM u), api_error('not_found', "
    "  'the source was deleted during its authorization')) "
    "FROM (SELECT count(*) FROM a) y";

/*
 * Tokens a call refreshed on its way (fire-and-forget from the worker).
 * $1 source id, $2 sealed tokens hex, $3 nonce hex, $4 expires_in
 */
const char SQL_EXT_OAUTH_TOKENS_REFRESHED[] =
    "UPDATE external_mcp_sources SET "
    "  oauth_tokens_ciphertext = decode($2, 'hex'), "
    "  oauth_token_nonce = decode($3, 'hex'), oauth_expires_at = CASE "
    "  WHEN $4::bigint > 0 THEN now() + make_interval(secs => $4::bigint) "
    "  END, updated_at = now() WHERE id = $1::uuid AND auth_type = 'oauth'";
