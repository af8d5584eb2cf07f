/*
 * Every SQL statement the workers run, by resource. Handlers refer to them
 * by name; nothing outside db/ writes SQL.
 *
 * Convention: statements named *_RESPOND return one row (status, body):
 * the HTTP status and the JSON body, decided inside the statement so that a
 * check and the change it guards happen atomically.
 */
#ifndef MCPBOX_DB_SQL_H
#define MCPBOX_DB_SQL_H

/* auth */
extern const char	SQL_AUTH_TOKEN_STATE[];
extern const char	SQL_AUTH_STATUS_RESPOND[];
extern const char	SQL_AUTH_ADMIN_EXISTS[];
extern const char	SQL_AUTH_SETUP_RESPOND[];
extern const char	SQL_AUTH_USER[];
extern const char	SQL_AUTH_LOGIN_OK[];
extern const char	SQL_AUTH_LOGIN_FAILED[];
extern const char	SQL_AUTH_REFRESH_USE[];
extern const char	SQL_AUTH_LOGOUT_RESPOND[];
extern const char	SQL_AUTH_PASSWORD_SET[];
extern const char	SQL_AUTH_ME_RESPOND[];

/* servers */
extern const char	SQL_SERVERS_LIST_RESPOND[];
extern const char	SQL_SERVERS_CREATE_RESPOND[];
extern const char	SQL_SERVERS_GET_RESPOND[];
extern const char	SQL_SERVERS_UPDATE_RESPOND[];
extern const char	SQL_SERVERS_DELETE_RESPOND[];
extern const char	SQL_SERVERS_SET_STATUS_RESPOND[];
extern const char	SQL_SERVERS_HOST_ADD_RESPOND[];
extern const char	SQL_SERVERS_HOST_REMOVE_RESPOND[];

/* tools */
extern const char	SQL_TOOLS_LIST_RESPOND[];
extern const char	SQL_TOOLS_CREATE_RESPOND[];
extern const char	SQL_TOOLS_GET_RESPOND[];
extern const char	SQL_TOOLS_UPDATE_RESPOND[];
extern const char	SQL_TOOLS_DELETE_RESPOND[];
extern const char	SQL_TOOLS_VERSIONS_RESPOND[];
extern const char	SQL_TOOLS_VERSION_GET_RESPOND[];
extern const char	SQL_TOOLS_ROLLBACK_RESPOND[];
extern const char	SQL_TOOLS_LOGS_RESPOND[];

/* mcp gateway */
extern const char	SQL_MCP_SESSION_UPSERT[];
extern const char	SQL_MCP_SESSION_GET[];
extern const char	SQL_MCP_SESSION_DELETE[];
extern const char	SQL_MCP_SESSION_LEVEL[];
extern const char	SQL_MCP_TOOLS_LIST[];
extern const char	SQL_MCP_RESOURCES_LIST[];
extern const char	SQL_MCP_PROMPTS_LIST[];
extern const char	SQL_MCP_RESOURCE_CANDIDATES[];
extern const char	SQL_MCP_PROMPT_GET[];
extern const char	SQL_MCP_SUBSCRIBE[];
extern const char	SQL_MCP_UNSUBSCRIBE[];
extern const char	SQL_MCP_SUBSCRIPTIONS_CHANGED[];
extern const char	SQL_MCP_SERVER_TOOLS_LIST[];
extern const char	SQL_MCP_TOOL_FOR_CALL[];
extern const char	SQL_MCP_SESSION_FOR_CALL[];
extern const char	SQL_MCP_EXEC_LOG_ROWS[];
extern const char	SQL_MCP_OUTBOX_PUT[];
extern const char	SQL_MCP_NOTIFY_MESSAGE[];
extern const char	SQL_MCP_OUTBOX_TAKE[];
extern const char	SQL_MCP_NOTIFY_CANCEL[];
extern const char	SQL_MCP_NOTIFY_ANSWER[];
extern const char	SQL_MCP_STREAM_PUT[];
extern const char	SQL_MCP_STREAM_AFTER[];
extern const char	SQL_MCP_ANSWER_PUT[];
extern const char	SQL_MCP_POLICY[];

/* management tools */
extern const char	SQL_MGMT_SERVER_MODULES_RESPOND[];
extern const char	SQL_MGMT_REQUEST_PUBLISH_RESPOND[];
extern const char	SQL_MGMT_CODE_MODULES[];
extern const char	SQL_MGMT_REQUEST_MODULE_RESPOND[];
extern const char	SQL_MGMT_REQUEST_NETWORK_RESPOND[];
extern const char	SQL_MGMT_TOOL_STATUS_RESPOND[];
extern const char	SQL_MGMT_PENDING_RESPOND[];
extern const char	SQL_MGMT_SERVERS_LIST_RESPOND[];
extern const char	SQL_MGMT_TARGET_SERVER[];
extern const char	SQL_MGMT_SECRET_CREATE_RESPOND[];
extern const char	SQL_MGMT_SECRETS_LIST_RESPOND[];
extern const char	SQL_MGMT_TOOL_FOR_TEST[];
extern const char	SQL_MGMT_EXTERNAL_ADD_RESPOND[];
extern const char	SQL_MGMT_EXTERNAL_LIST_RESPOND[];

/* external MCP sources (sql_external.c) */
extern const char	SQL_EXT_SOURCE_LOAD[];
extern const char	SQL_EXT_SOURCE_FOR_TOOL[];
extern const char	SQL_EXT_DISCOVER_SAVE_RESPOND[];
extern const char	SQL_EXT_MARK_ERROR[];
extern const char	SQL_EXT_IMPORT_RESPOND[];
extern const char	SQL_EXT_LIST_RESPOND[];
extern const char	SQL_EXT_GET_RESPOND[];
extern const char	SQL_EXT_DELETE_RESPOND[];
extern const char	SQL_EXT_CREATE_RESPOND[];
extern const char	SQL_EXT_OAUTH_FLOW_SAVE_RESPOND[];
extern const char	SQL_EXT_OAUTH_FLOW_TAKE[];
extern const char	SQL_EXT_OAUTH_TOKENS_SAVE_RESPOND[];
extern const char	SQL_EXT_OAUTH_TOKENS_REFRESHED[];

/* One source as the API and the tools show it (no secrets, no tokens). */
/*
 * Adding an external source, one statement for both callers (REST and
 * mcpbox_add_external_source). $1 server id, $2 name, $3 url, $4
 * auth_type, $5 secret name, $6 header name, $7 transport, $8 request
 * id; `actor` names who adds it, `approver` who approved it (NULL: it
 * waits for review; an admin's own source is approved by that admin).
 * Its answer is EXT_JSON of the new row plus `extra` (a jsonb
 * expression over ins, '{}' for none); 404 and 409 as api_error.
 */
#define EXT_SOURCE_ADD(actor, approver, extra) \
    "WITH s AS (SELECT id FROM servers WHERE id = $1::uuid), " \
    "ins AS (INSERT INTO external_mcp_sources (server_id, name, url, " \
    "  auth_type, auth_secret_name, auth_header_name, transport_type, " \
    "  created_by, approval_status, approved_version, approved_at, " \
    "  approved_by) SELECT s.id, $2, $3, $4, nullif($5, ''), " \
    "  nullif($6, ''), $7, " actor ", CASE WHEN " approver " IS NULL " \
    "  THEN 'pending_review' ELSE 'approved' END, CASE WHEN " approver \
    " IS NULL THEN NULL ELSE 1 END, CASE WHEN " approver " IS NULL " \
    "  THEN NULL ELSE now() END, " approver " FROM s " \
    "  ON CONFLICT (server_id, name) DO NOTHING RETURNING *), " \
    "a AS (SELECT audit(" actor ", 'external_source.add', 'external " \
    "source added', jsonb_build_object('name', name, 'url', url), $8, " \
    "  server_id) FROM ins) " \
    "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM s) THEN 404 " \
    "  WHEN NOT EXISTS (SELECT 1 FROM ins) THEN 409 ELSE 201 END, " \
    "  CASE WHEN NOT EXISTS (SELECT 1 FROM s) THEN api_error('not_found', " \
    "  'no such server') WHEN NOT EXISTS (SELECT 1 FROM ins) THEN " \
    "  api_error('conflict', 'a source with that name exists') ELSE " \
    "  (SELECT (" EXT_JSON("ins") "::jsonb || " extra ")::json FROM ins) " \
    "  END FROM (SELECT count(*) FROM a) x"

#define EXT_JSON(e) \
    "json_build_object('source_id', " e ".id, 'id', " e ".id, " \
    "'server_id', " e ".server_id, 'name', " e ".name, 'url', " e ".url, " \
    "'auth_type', " e ".auth_type, 'auth_secret_name', " \
    e ".auth_secret_name, 'auth_header_name', " e ".auth_header_name, " \
    "'transport_type', " e ".transport_type, 'status', " e ".status, " \
    "'tool_count', " e ".tool_count, 'last_discovered_at', " \
    e ".last_discovered_at, 'created_at', " e ".created_at, " \
    "'oauth_authorized', " e ".oauth_tokens_ciphertext IS NOT NULL, " \
    "'oauth_issuer', " e ".oauth_issuer, 'oauth_authorized_at', " \
    e ".oauth_authorized_at, 'approval_status', " e ".approval_status, " \
    "'current_version', " e ".current_version, 'approved_version', " \
    e ".approved_version, 'approved_at', " e ".approved_at, " \
    "'approved_by', " e ".approved_by, 'rejection_reason', " \
    e ".rejection_reason, 'created_by', " e ".created_by)"


/* package installs (sql_packages.c), run by the sandbox keeper */
extern const char	SQL_PKG_LISTEN[];
extern const char	SQL_PKG_CLAIM[];
extern const char	SQL_PKG_RESOLVE_CLAIM[];
extern const char	SQL_PKG_RESOLVED[];
extern const char	SQL_PKG_DONE[];
extern const char	SQL_PKG_ACTIVE[];
extern const char	SQL_PKG_REQUEUE[];

/* secrets */
extern const char	SQL_SECRETS_LIST_RESPOND[];
extern const char	SQL_SECRETS_CREATE_RESPOND[];
extern const char	SQL_SECRETS_SET_RESPOND[];
extern const char	SQL_SECRETS_DELETE_RESPOND[];

/* approvals */
extern const char	SQL_APPROVALS_STATS_RESPOND[];
extern const char	SQL_APPROVALS_TOOLS_RESPOND[];
extern const char	SQL_APPROVALS_MODULES_RESPOND[];
extern const char	SQL_APPROVALS_NETWORK_RESPOND[];
extern const char	SQL_APPROVALS_TOOL_ACTION_RESPOND[];
extern const char	SQL_APPROVALS_MODULE_ACTION_RESPOND[];
extern const char	SQL_APPROVALS_NETWORK_ACTION_RESPOND[];
extern const char	SQL_APPROVALS_SOURCES_RESPOND[];
extern const char	SQL_APPROVALS_SOURCE_ACTION_RESPOND[];

/* settings */
extern const char	SQL_SETTINGS_POLICY_GET_RESPOND[];
extern const char	SQL_SETTINGS_POLICY_PATCH_RESPOND[];
extern const char	SQL_SETTINGS_MODULES_GET_RESPOND[];
extern const char	SQL_SETTINGS_MODULES_PATCH_RESPOND[];

/* activity and execution logs */
extern const char	SQL_ACTIVITY_LOGS_RESPOND[];
extern const char	SQL_EXECUTION_LOGS_RESPOND[];
extern const char	SQL_SERVER_EXECUTION_LOGS_RESPOND[];

/* dashboard */
extern const char	SQL_DASHBOARD_RESPOND[];

/* users */
extern const char	SQL_USERS_LIST_RESPOND[];
extern const char	SQL_USERS_GET_RESPOND[];
extern const char	SQL_USERS_CREATE_RESPOND[];
extern const char	SQL_USERS_UPDATE_RESPOND[];
extern const char	SQL_USERS_DELETE_RESPOND[];

/* client tokens */
extern const char	SQL_CLIENT_TOKENS_LIST_RESPOND[];
extern const char	SQL_CLIENT_TOKENS_CREATE_RESPOND[];
extern const char	SQL_CLIENT_TOKENS_DELETE_RESPOND[];
extern const char	SQL_CLIENT_TOKEN_FIND[];

/* export / import */
extern const char	SQL_EXPORT_DOCUMENT[];
extern const char	SQL_IMPORT_RESPOND[];

/* oauth (src/oauth) and remote access (src/api/remote.c) */
extern const char	SQL_OAUTH_CLIENT_REGISTER_RESPOND[];
extern const char	SQL_OAUTH_REQUEST_PUT[];
extern const char	SQL_OAUTH_REQUEST_GET[];
extern const char	SQL_OAUTH_REQUEST_APPROVE[];
extern const char	SQL_OAUTH_CONSENTER[];
extern const char	SQL_OAUTH_REQUEST_DENY[];
extern const char	SQL_OAUTH_CODE_EXCHANGE[];
extern const char	SQL_OAUTH_REFRESH_ROTATE[];
extern const char	SQL_OAUTH_REVOKE[];
extern const char	SQL_REMOTE_GET_RESPOND[];
extern const char	SQL_REMOTE_CLIENT_REVOKE_RESPOND[];

#endif
