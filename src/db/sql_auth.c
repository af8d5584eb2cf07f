/* Statements for admin authentication (api/auth.c, api/router.c). */
#include "db/sql.h"

/*
 * $1 username, $2 jti, $3 the login's family -> password_version, revoked,
 * role (read at each request, so a changed role holds at once).
 * A logout revokes the family ("family:" || sid) with the access token.
 */
const char SQL_AUTH_TOKEN_STATE[] =
    "SELECT password_version, EXISTS (SELECT 1 FROM token_blacklist "
    "WHERE jti = $2 OR jti = 'family:' || $3), role FROM admin_users "
    "WHERE username = $1 AND is_active";

/* $1 version */
const char SQL_AUTH_STATUS_RESPOND[] =
    "SELECT 200, json_build_object('setup_required', NOT EXISTS "
    "(SELECT 1 FROM admin_users), 'version', $1::text)";

const char SQL_AUTH_ADMIN_EXISTS[] =
    "SELECT EXISTS (SELECT 1 FROM admin_users)";

/* $1 username, $2 hash, $3 request id. The unique index on (true) makes
 * a second admin impossible even when two setups race. */
const char SQL_AUTH_SETUP_RESPOND[] =
    "WITH ins AS (INSERT INTO admin_users (username, password_hash) "
    "  SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM admin_users) "
    "  ON CONFLICT DO NOTHING RETURNING username, created_at), "
    "act AS (INSERT INTO activity_logs (log_type, message, details, actor, "
    "  request_id) SELECT 'audit', 'admin account created', "
    "  json_build_object('action', 'auth.setup')::jsonb, username, $3 "
    "  FROM ins) "
    "SELECT CASE WHEN EXISTS (SELECT 1 FROM ins) THEN 201 ELSE 409 END, "
    "  CASE WHEN EXISTS (SELECT 1 FROM ins) THEN (SELECT json_build_object("
    "  'username', username, 'created_at', created_at) FROM ins) ELSE "
    "  json_build_object('error', json_build_object('code', 'conflict', "
    "  'message', 'an admin account already exists')) END";

/* $1 username -> password_hash, password_version */
const char SQL_AUTH_USER[] =
    "SELECT password_hash, password_version FROM admin_users "
    "WHERE username = $1 AND is_active";

/* $1 username, $2 request id, $3 ip */
const char SQL_AUTH_LOGIN_OK[] =
    "WITH u AS (UPDATE admin_users SET last_login_at = now() "
    "  WHERE username = $1 RETURNING username) "
    "INSERT INTO activity_logs (log_type, message, details, actor, "
    "  request_id) SELECT 'audit', 'admin logged in', json_build_object("
    "  'action', 'auth.login', 'ip', $3::text)::jsonb, username, $2 FROM u";

/* $1 attempted username, $2 request id, $3 ip */
const char SQL_AUTH_LOGIN_FAILED[] =
    "INSERT INTO activity_logs (log_type, level, message, details, actor, "
    "  request_id) VALUES ('audit', 'warning', 'failed admin login', "
    "  json_build_object('action', 'auth.login_failed', 'ip', $3::text, "
    "  'username', left($1, 64))::jsonb, NULL, $2)";

/*
 * Spend a refresh token: $1 username, $2 jti, $3 exp (unix), $4 pv,
 * $5 family. Returns 1 only the first time, only while the password
 * version still matches and only while its login was not logged out:
 * rotation means a used refresh token is dead.
 */
const char SQL_AUTH_REFRESH_USE[] =
    "WITH u AS (SELECT 1 FROM admin_users WHERE username = $1 AND is_active "
    "  AND password_version = $4::int AND NOT EXISTS (SELECT 1 FROM "
    "  token_blacklist WHERE jti = 'family:' || $5)), "
    "ins AS (INSERT INTO token_blacklist (jti, expires_at) "
    "  SELECT $2, to_timestamp($3::bigint) FROM u "
    "  ON CONFLICT DO NOTHING RETURNING 1) "
    "SELECT count(*) FROM ins";

/* $1 access jti, $2 access exp, $3 refresh jti or '', $4 refresh exp,
 * $5 actor, $6 request id, $7 family, $8 family expiry */
const char SQL_AUTH_LOGOUT_RESPOND[] =
    "WITH a AS (INSERT INTO token_blacklist (jti, expires_at) VALUES "
    "  ($1, to_timestamp($2::bigint)) ON CONFLICT DO NOTHING), "
    "f AS (INSERT INTO token_blacklist (jti, expires_at) VALUES "
    "  ('family:' || $7, to_timestamp($8::bigint)) ON CONFLICT DO NOTHING), "
    "r AS (INSERT INTO token_blacklist (jti, expires_at) SELECT $3, "
    "  to_timestamp($4::bigint) WHERE $3 <> '' ON CONFLICT DO NOTHING), "
    "act AS (INSERT INTO activity_logs (log_type, message, details, actor, "
    "  request_id) VALUES ('audit', 'admin logged out', "
    "  '{\"action\":\"auth.logout\"}', $5, $6)) "
    "SELECT 200, json_build_object('ok', true)";

/* $1 username, $2 new hash, $3 expected pv, $4 request id -> new pv */
const char SQL_AUTH_PASSWORD_SET[] =
    "WITH u AS (UPDATE admin_users SET password_hash = $2, "
    "  password_version = nextval('admin_users_pv'), updated_at = now() "
    "  WHERE username = $1 AND password_version = $3::int "
    "  RETURNING username, password_version), "
    "act AS (INSERT INTO activity_logs (log_type, message, details, actor, "
    "  request_id) SELECT 'audit', 'admin password changed', "
    "  '{\"action\":\"auth.change_password\"}', username, $4 FROM u) "
    "SELECT password_version FROM u";

/* $1 username */
const char SQL_AUTH_ME_RESPOND[] =
    "SELECT 200, json_build_object('id', id, 'username', username, 'role', "
    "  role, 'created_at', created_at, 'last_login_at', last_login_at, "
    "  'password_version', password_version) FROM admin_users "
    "  WHERE username = $1";
