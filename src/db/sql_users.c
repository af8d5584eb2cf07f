/*
 * Statements for users (api/users.c). A user never leaves with its hash.
 *
 * "The last admin" is decided inside the changing statement: `adm` locks
 * every active admin's row, so of two statements that would each take
 * away one of the last two admins the second waits, sees the first's
 * change when it re-reads the locked rows, and is refused.
 */
#include "db/sql.h"

#define USER_JSON(u) \
    "json_build_object('id', " u ".id, 'username', " u ".username, " \
    "'role', " u ".role, 'is_active', " u ".is_active, 'created_at', " \
    u ".created_at, 'created_by', " u ".created_by, 'last_login_at', " \
    u ".last_login_at)"

/* $1 offset, $2 limit, $3 page, $4 page_size */
const char SQL_USERS_LIST_RESPOND[] =
    "SELECT 200, json_build_object('items', coalesce((SELECT json_agg("
    USER_JSON("u") " ORDER BY u.username) FROM (SELECT * FROM admin_users "
    "  ORDER BY username OFFSET $1::int LIMIT $2::int) u), '[]'), "
    "  'total', (SELECT count(*) FROM admin_users), "
    "  'page', $3::int, 'page_size', $4::int)";

/* $1 id */
const char SQL_USERS_GET_RESPOND[] =
    "SELECT 200, " USER_JSON("u") " FROM admin_users u WHERE u.id = $1::uuid";

/* $1 username, $2 hash, $3 role, $4 actor, $5 request id */
const char SQL_USERS_CREATE_RESPOND[] =
    "WITH ins AS (INSERT INTO admin_users (username, password_hash, role, "
    "  created_by) VALUES ($1, $2, $3, $4) RETURNING *), "
    "a AS (SELECT audit($4, 'users.create', 'user created', "
    "  jsonb_build_object('username', username, 'role', role), $5) "
    "  FROM ins) "
    "SELECT 201, " USER_JSON("ins") " FROM ins, (SELECT count(*) FROM a) x";

/* The admin rows that make "the last admin", locked (see above). */
#define LOCK_ADMINS \
    "adm AS (SELECT id FROM admin_users WHERE role = 'admin' AND " \
    "  is_active FOR UPDATE), "
#define LAST_ADMIN_ERROR \
    "api_error('last_admin', 'the last active admin cannot be removed, " \
    "demoted or deactivated')"

/*
 * $1 id, $2 role|NULL, $3 is_active ('t'|'f')|NULL, $4 new hash|NULL,
 * $5 actor, $6 request id. A new password or a deactivation ends the
 * user's logins (its password version moves on, migration 0055).
 */
const char SQL_USERS_UPDATE_RESPOND[] =
    "WITH " LOCK_ADMINS
    "tgt AS (SELECT * FROM admin_users WHERE id = $1::uuid), "
    "ok AS (SELECT NOT (tgt.role = 'admin' AND tgt.is_active AND "
    "  (coalesce($2, tgt.role) <> 'admin' OR NOT coalesce($3::boolean, "
    "  true)) AND (SELECT count(*) FROM adm) <= 1) AS fine FROM tgt), "
    "up AS (UPDATE admin_users u SET role = coalesce($2, u.role), "
    "  is_active = coalesce($3::boolean, u.is_active), password_hash = "
    "  coalesce($4, u.password_hash), password_version = CASE WHEN $4 IS "
    "  NOT NULL OR ($3::boolean IS FALSE AND u.is_active) THEN "
    "  nextval('admin_users_pv') ELSE u.password_version END, "
    "  updated_at = now() FROM ok WHERE u.id = $1::uuid AND ok.fine "
    "  RETURNING u.*), "
    "a AS (SELECT audit($5, 'users.update', 'user changed', "
    "  jsonb_build_object('username', up.username, 'role', up.role, "
    "  'is_active', up.is_active, 'password_reset', $4 IS NOT NULL), $6) "
    "  FROM up) "
    "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM tgt) THEN 404 "
    "  WHEN NOT EXISTS (SELECT 1 FROM up) THEN 409 ELSE 200 END, "
    "  CASE WHEN NOT EXISTS (SELECT 1 FROM tgt) THEN "
    "  api_error('not_found', 'no such user') WHEN NOT EXISTS (SELECT 1 "
    "  FROM up) THEN " LAST_ADMIN_ERROR " ELSE (SELECT " USER_JSON("up")
    "  FROM up) END FROM (SELECT count(*) FROM a) x";

/* $1 id, $2 actor, $3 request id */
const char SQL_USERS_DELETE_RESPOND[] =
    "WITH " LOCK_ADMINS
    "tgt AS (SELECT * FROM admin_users WHERE id = $1::uuid), "
    "del AS (DELETE FROM admin_users u USING tgt WHERE u.id = tgt.id AND "
    "  NOT (tgt.role = 'admin' AND tgt.is_active AND (SELECT count(*) "
    "  FROM adm) <= 1) RETURNING u.username, u.role), "
    "a AS (SELECT audit($2, 'users.delete', 'user deleted', "
    "  jsonb_build_object('username', username, 'role', role), $3) "
    "  FROM del) "
    "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM tgt) THEN 404 "
    "  WHEN NOT EXISTS (SELECT 1 FROM del) THEN 409 ELSE 200 END, "
    "  CASE WHEN NOT EXISTS (SELECT 1 FROM tgt) THEN "
    "  api_error('not_found', 'no such user') WHEN NOT EXISTS (SELECT 1 "
    "  FROM del) THEN " LAST_ADMIN_ERROR " ELSE json_build_object('ok', "
    "  true) END FROM (SELECT count(*) FROM a) x";
