/*
 * Statements for server secrets (api/secrets.c). Values arrive here
 * already sealed (hex of ciphertext and nonce) and never leave: no
 * statement below returns value_ciphertext, and audit details name the key
 * and whether it has a value, never the value.
 */
#include "db/sql.h"

#define SECRET_JSON(x)							\
    "json_build_object('key', " x ".key_name, 'description', "		\
    x ".description, 'has_value', " x ".value_ciphertext IS NOT NULL, "	\
    "'created_at', " x ".created_at, 'updated_at', " x ".updated_at)"

/* $1 server id */
const char SQL_SECRETS_LIST_RESPOND[] =
    "SELECT CASE WHEN EXISTS (SELECT 1 FROM servers WHERE id = $1::uuid) "
    "  THEN 200 ELSE 404 END, "
    "  CASE WHEN EXISTS (SELECT 1 FROM servers WHERE id = $1::uuid) THEN "
    "  json_build_object('items', coalesce((SELECT json_agg(" SECRET_JSON("s")
    "  ORDER BY s.key_name) FROM server_secrets s WHERE s.server_id = "
    "  $1::uuid), '[]')) ELSE api_error('not_found', 'no such server') END";

/*
 * $1 server id, $2 key, $3 description, $4 ciphertext hex|NULL,
 * $5 nonce hex|NULL, $6 actor, $7 request id
 */
const char SQL_SECRETS_CREATE_RESPOND[] =
    "WITH s AS (SELECT id FROM servers WHERE id = $1::uuid), "
    "ins AS (INSERT INTO server_secrets (server_id, key_name, description, "
    "  value_ciphertext, nonce) SELECT s.id, $2, $3, decode($4, 'hex'), "
    "  decode($5, 'hex') FROM s ON CONFLICT (server_id, key_name) "
    "  DO NOTHING RETURNING server_secrets.*), "
    "a AS (SELECT audit($6, 'secret.create', 'secret created', "
    "  jsonb_build_object('key', key_name, 'has_value', "
    "  value_ciphertext IS NOT NULL), $7, server_id) FROM ins) "
    "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM s) THEN 404 "
    "  WHEN NOT EXISTS (SELECT 1 FROM ins) THEN 409 ELSE 201 END, "
    "  CASE WHEN NOT EXISTS (SELECT 1 FROM s) THEN "
    "  api_error('not_found', 'no such server') "
    "  WHEN NOT EXISTS (SELECT 1 FROM ins) THEN api_error('conflict', "
    "  'this server already has a secret with that key') "
    "  ELSE (SELECT " SECRET_JSON("ins") " FROM ins) END "
    "  FROM (SELECT count(*) FROM a) x";

/*
 * $1 server id, $2 key, $3 ciphertext hex, $4 nonce hex, $5 actor,
 * $6 request id
 */
const char SQL_SECRETS_SET_RESPOND[] =
    "WITH up AS (UPDATE server_secrets SET value_ciphertext = "
    "  decode($3, 'hex'), nonce = decode($4, 'hex'), updated_at = now() "
    "  WHERE server_id = $1::uuid AND key_name = $2 "
    "  RETURNING server_secrets.*), "
    "a AS (SELECT audit($5, 'secret.set', 'secret value set', "
    "  jsonb_build_object('key', key_name), $6, server_id) FROM up) "
    "SELECT CASE WHEN EXISTS (SELECT 1 FROM up) THEN 200 ELSE 404 END, "
    "  coalesce((SELECT " SECRET_JSON("up") " FROM up), "
    "  api_error('not_found', CASE WHEN EXISTS (SELECT 1 FROM servers "
    "  WHERE id = $1::uuid) THEN 'no such secret' ELSE 'no such server' "
    "  END)) FROM (SELECT count(*) FROM a) x";

/* $1 server id, $2 key, $3 actor, $4 request id */
const char SQL_SECRETS_DELETE_RESPOND[] =
    "WITH del AS (DELETE FROM server_secrets WHERE server_id = $1::uuid "
    "  AND key_name = $2 RETURNING server_id, key_name), "
    "a AS (SELECT audit($3, 'secret.delete', 'secret deleted', "
    "  jsonb_build_object('key', key_name), $4, server_id) FROM del) "
    "SELECT CASE WHEN EXISTS (SELECT 1 FROM del) THEN 200 ELSE 404 END, "
    "  coalesce((SELECT json_build_object('deleted', true, 'key', "
    "  key_name) FROM del), api_error('not_found', CASE WHEN EXISTS "
    "  (SELECT 1 FROM servers WHERE id = $1::uuid) THEN 'no such secret' "
    "  ELSE 'no such server' END)) FROM (SELECT count(*) FROM a) x";
