/*
 * The REST route table: the one place that says which method and path
 * reach which handler, which few need no token, and which role each
 * needs: viewers read, reviewers also decide on what waits for review,
 * admins do everything else (docs/USERS-AND-TOKENS.md).
 */
#include "api/api.h"

#define G	HTTP_METHOD_GET
#define P	HTTP_METHOD_POST
#define U	HTTP_METHOD_PUT
#define A	HTTP_METHOD_PATCH
#define D	HTTP_METHOD_DELETE

/* Who may: no token, or the least role (api.h). */
#define OPEN	API_OPEN
#define VIEW	API_VIEWER
#define REVIEW	API_REVIEWER
#define ADMIN	API_ADMIN

const struct api_route api_routes[] = {
	{ G, "/api/auth/status", "auth_status", api_auth_status, OPEN },
	{ P, "/api/auth/setup", "auth_setup", api_auth_setup, OPEN },
	{ P, "/api/auth/login", "auth_login", api_auth_login, OPEN },
	{ P, "/api/auth/refresh", "auth_refresh", api_auth_refresh, OPEN },
	{ P, "/api/auth/logout", "auth_logout", api_auth_logout, VIEW },
	{ P, "/api/auth/change-password", "auth_change_password",
	    api_auth_change_password, VIEW },
	{ G, "/api/auth/me", "auth_me", api_auth_me, VIEW },

	{ G, "/api/servers", "servers_list", api_servers_list, VIEW },
	{ P, "/api/servers", "servers_create", api_servers_create, ADMIN },
	{ G, "/api/servers/:id", "servers_get", api_servers_get, VIEW },
	{ A, "/api/servers/:id", "servers_update", api_servers_update, ADMIN },
	{ D, "/api/servers/:id", "servers_delete", api_servers_delete, ADMIN },
	{ P, "/api/servers/:id/start", "servers_start", api_servers_start, ADMIN },
	{ P, "/api/servers/:id/stop", "servers_stop", api_servers_stop, ADMIN },
	{ P, "/api/servers/:id/allowed-hosts", "servers_host_add",
	    api_servers_host_add, ADMIN },
	{ D, "/api/servers/:id/allowed-hosts", "servers_host_remove",
	    api_servers_host_remove, ADMIN },

	{ G, "/api/servers/:id/tools", "tools_list", api_tools_list, VIEW },
	{ P, "/api/servers/:id/tools", "tools_create", api_tools_create, ADMIN },
	{ G, "/api/tools/:id", "tools_get", api_tools_get, VIEW },
	{ A, "/api/tools/:id", "tools_update", api_tools_update, ADMIN },
	{ D, "/api/tools/:id", "tools_delete", api_tools_delete, ADMIN },
	{ G, "/api/tools/:id/versions", "tools_versions", api_tools_versions,
	    VIEW },
	{ G, "/api/tools/:id/versions/:n", "tools_version_get",
	    api_tools_version_get, VIEW },
	{ P, "/api/tools/:id/rollback", "tools_rollback", api_tools_rollback,
	    ADMIN },
	{ G, "/api/tools/:id/logs", "tools_logs", api_tools_logs, VIEW },

	{ G, "/api/servers/:id/secrets", "secrets_list", api_secrets_list,
	    VIEW },
	{ P, "/api/servers/:id/secrets", "secrets_create",
	    api_secrets_create, ADMIN },
	{ U, "/api/servers/:id/secrets/:key", "secrets_set", api_secrets_set,
	    ADMIN },
	{ D, "/api/servers/:id/secrets/:key", "secrets_delete",
	    api_secrets_delete, ADMIN },

	{ G, "/api/approvals/stats", "approvals_stats", api_approvals_stats,
	    VIEW },
	{ G, "/api/approvals/tools", "approvals_tools", api_approvals_tools,
	    VIEW },
	{ G, "/api/approvals/modules", "approvals_modules",
	    api_approvals_modules, VIEW },
	{ G, "/api/approvals/network", "approvals_network",
	    api_approvals_network, VIEW },
	{ G, "/api/approvals/sources", "approvals_sources",
	    api_approvals_sources, VIEW },
	{ P, "/api/approvals/sources/:id/action", "approvals_source_action",
	    api_approvals_source_action, REVIEW },
	{ P, "/api/approvals/sources/:id/revoke", "approvals_source_revoke",
	    api_approvals_source_revoke, REVIEW },
	{ P, "/api/approvals/sources/bulk-action", "approvals_source_bulk",
	    api_approvals_source_bulk, REVIEW },
	{ P, "/api/approvals/tools/:id/action", "approvals_tool_action",
	    api_approvals_tool_action, REVIEW },
	{ P, "/api/approvals/modules/:id/action", "approvals_module_action",
	    api_approvals_module_action, REVIEW },
	{ P, "/api/approvals/network/:id/action", "approvals_network_action",
	    api_approvals_network_action, REVIEW },
	{ P, "/api/approvals/tools/:id/revoke", "approvals_tool_revoke",
	    api_approvals_tool_revoke, REVIEW },
	{ P, "/api/approvals/modules/:id/revoke", "approvals_module_revoke",
	    api_approvals_module_revoke, REVIEW },
	{ P, "/api/approvals/network/:id/revoke", "approvals_network_revoke",
	    api_approvals_network_revoke, REVIEW },
	{ P, "/api/approvals/tools/bulk-action", "approvals_tool_bulk",
	    api_approvals_tool_bulk, REVIEW },
	{ P, "/api/approvals/modules/bulk-action", "approvals_module_bulk",
	    api_approvals_module_bulk, REVIEW },
	{ P, "/api/approvals/network/bulk-action", "approvals_network_bulk",
	    api_approvals_network_bulk, REVIEW },

	{ G, "/api/settings/security-policy", "settings_policy_get",
	    api_settings_policy_get, VIEW },
	{ A, "/api/settings/security-policy", "settings_policy_patch",
	    api_settings_policy_patch, ADMIN },
	{ G, "/api/settings/modules", "settings_modules_get",
	    api_settings_modules_get, VIEW },
	{ A, "/api/settings/modules", "settings_modules_patch",
	    api_settings_modules_patch, ADMIN },

	{ G, "/api/activity/logs", "activity_logs", api_activity_logs, VIEW },
	{ G, "/api/activity/stream", "activity_stream", api_activity_stream,
	    VIEW },
	{ G, "/api/execution-logs", "execution_logs", api_execution_logs, VIEW },
	{ G, "/api/servers/:id/execution-logs", "server_execution_logs",
	    api_server_execution_logs, VIEW },

	{ G, "/api/dashboard", "dashboard", api_dashboard, VIEW },

	{ G, "/api/users", "users_list", api_users_list, ADMIN },
	{ P, "/api/users", "users_create", api_users_create, ADMIN },
	{ G, "/api/users/:id", "users_get", api_users_get, ADMIN },
	{ A, "/api/users/:id", "users_update", api_users_update, ADMIN },
	{ D, "/api/users/:id", "users_delete", api_users_delete, ADMIN },

	{ G, "/api/client-tokens", "client_tokens_list", api_client_tokens_list,
	    ADMIN },
	{ P, "/api/client-tokens", "client_tokens_create",
	    api_client_tokens_create, ADMIN },
	{ D, "/api/client-tokens/:id", "client_tokens_delete",
	    api_client_tokens_delete, ADMIN },

	{ G, "/api/export", "export", api_export, ADMIN },
	{ P, "/api/import", "import", api_import, ADMIN },

	{ G, "/api/remote", "remote_get", api_remote_get, VIEW },
	{ U, "/api/remote", "remote_put", api_remote_put, ADMIN },
	{ D, "/api/remote/clients/:id", "remote_client_revoke",
	    api_remote_client_revoke, ADMIN },

	{ G, "/api/servers/:id/external-sources", "external_list",
	    api_external_list, VIEW },
	{ P, "/api/servers/:id/external-sources", "external_create",
	    api_external_create, ADMIN },
	{ G, "/api/external-sources/:id", "external_get", api_external_get,
	    VIEW },
	{ D, "/api/external-sources/:id", "external_delete",
	    api_external_delete, ADMIN },
	{ P, "/api/external-sources/:id/discover", "external_discover",
	    api_external_discover, ADMIN },
	{ P, "/api/external-sources/:id/import", "external_import",
	    api_external_import, ADMIN },
	{ P, "/api/external-sources/:id/oauth/start", "external_oauth_start",
	    api_external_oauth_start, ADMIN },
	{ P, "/api/external-sources/oauth/exchange", "external_oauth_exchange",
	    api_external_oauth_exchange, ADMIN },

	/* Outside /api, routed here for the same admin check (ops/). */
	{ G, "/health/circuits", "health_circuits", api_health_circuits, OPEN },
	{ P, "/health/circuits/reset", "health_circuits_reset",
	    api_health_circuits_reset, ADMIN },
};

const size_t api_routes_count = sizeof(api_routes) / sizeof(api_routes[0]);
