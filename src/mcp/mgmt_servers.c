/* mcpbox_* tools for servers, secrets and external sources. */
#include <string.h>

#include "mcp/mcp.h"
#include "db/sql.h"

#define LLM	"llm"

enum hx_turn
mgmt_list_servers(struct http_request *req, struct mcp_ex *ex)
{
	json_t		*jp, *js;
	json_int_t	page, size;
	char		off[24], lim[24], pg[24], ps[24];
	const char	*p[5];

	jp = json_object_get(ex->args, "page");
	js = json_object_get(ex->args, "page_size");
	page = json_is_integer(jp) ? json_integer_value(jp) : 1;
	size = json_is_integer(js) ? json_integer_value(js) : 50;
	if (page < 1 || size < 1 || size > 100)
		return (mgmt_fail(ex, "page must be ≥ 1 and page_size 1-100"));
	(void)snprintf(off, sizeof(off), "%lld", (long long)((page - 1) * size));
	(void)snprintf(lim, sizeof(lim), "%lld", (long long)size);
	(void)snprintf(pg, sizeof(pg), "%lld", (long long)page);
	(void)snprintf(ps, sizeof(ps), "%lld", (long long)size);
	p[0] = off;
	p[1] = lim;
	p[2] = pg;
	p[3] = ps;
	p[4] = mcp_token_param(&ex->token);
	return (mgmt_sql(req, ex, SQL_MGMT_SERVERS_LIST_RESPOND, 5, p));
}

static enum hx_turn
mgmt_by_server(struct http_request *req, struct mcp_ex *ex, const char *sql)
{
	const char	*p[1];

	if (mgmt_arg_uuid(ex, "server_id", &p[0]) == HX_ANSWERED)
		return (HX_ANSWERED);
	return (mgmt_sql(req, ex, sql, 1, p));
}

enum hx_turn
mgmt_get_server(struct http_request *req, struct mcp_ex *ex)
{
	return (mgmt_by_server(req, ex, SQL_SERVERS_GET_RESPOND));
}

enum hx_turn
mgmt_create_server(struct http_request *req, struct mcp_ex *ex)
{
	const char	*p[5], *name, *desc;

	name = mgmt_arg_str(ex, "name");
	desc = mgmt_arg_str(ex, "description");
	if (name == NULL || !ident_valid(name))
		return (mgmt_fail(ex, "name: " IDENT_RULE));
	p[0] = name;
	p[1] = desc != NULL ? desc : "";
	p[2] = LLM;
	p[3] = ex->request_id;
	p[4] = LLM;
	return (mgmt_sql(req, ex, SQL_SERVERS_CREATE_RESPOND, 5, p));
}

static enum hx_turn
mgmt_server_action(struct http_request *req, struct mcp_ex *ex, const char *sql,
    const char *status)
{
	const char	*p[4];
	int		n;

	if (mgmt_arg_uuid(ex, "server_id", &p[0]) == HX_ANSWERED)
		return (HX_ANSWERED);
	n = 0;
	if (status != NULL) {
		p[1] = status;
		p[2] = LLM;
		p[3] = ex->request_id;
		n = 4;
	} else {
		p[1] = LLM;
		p[2] = ex->request_id;
		n = 3;
	}
	return (mgmt_sql(req, ex, sql, n, p));
}

enum hx_turn
mgmt_delete_server(struct http_request *req, struct mcp_ex *ex)
{
	return (mgmt_server_action(req, ex, SQL_SERVERS_DELETE_RESPOND, NULL));
}

enum hx_turn
mgmt_start_server(struct http_request *req, struct mcp_ex *ex)
{
	return (mgmt_server_action(req, ex, SQL_SERVERS_SET_STATUS_RESPOND,
	    "running"));
}

enum hx_turn
mgmt_stop_server(struct http_request *req, struct mcp_ex *ex)
{
	return (mgmt_server_action(req, ex, SQL_SERVERS_SET_STATUS_RESPOND,
	    "stopped"));
}

enum hx_turn
mgmt_get_server_modules(struct http_request *req, struct mcp_ex *ex)
{
	return (mgmt_sql(req, ex, SQL_MGMT_SERVER_MODULES_RESPOND, 0, NULL));
}

enum hx_turn
mgmt_create_server_secret(struct http_request *req, struct mcp_ex *ex)
{
	const char	*p[4], *key, *desc;

	if (mgmt_arg_uuid(ex, "server_id", &p[0]) == HX_ANSWERED)
		return (HX_ANSWERED);
	key = mgmt_arg_str(ex, "key");
	desc = mgmt_arg_str(ex, "description");
	if (key == NULL || !secret_key_valid(key))
		return (mgmt_fail(ex, "key: " SECRET_KEY_RULE));
	if (json_object_get(ex->args, "value") != NULL)
		return (mgmt_fail(ex, "secret values are set by the admin in "
		    "the MCPbox panel, never through MCP"));
	p[1] = key;
	p[2] = desc != NULL ? desc : "";
	p[3] = ex->request_id;
	return (mgmt_sql(req, ex, SQL_MGMT_SECRET_CREATE_RESPOND, 4, p));
}

enum hx_turn
mgmt_list_server_secrets(struct http_request *req, struct mcp_ex *ex)
{
	return (mgmt_by_server(req, ex, SQL_MGMT_SECRETS_LIST_RESPOND));
}

enum hx_turn
mgmt_add_external_source(struct http_request *req, struct mcp_ex *ex)
{
	const char	*p[8], *name, *url, *auth, *tr;

	if (mgmt_arg_uuid(ex, "server_id", &p[0]) == HX_ANSWERED)
		return (HX_ANSWERED);
	name = mgmt_arg_str(ex, "name");
	url = mgmt_arg_str(ex, "url");
	auth = mgmt_arg_str(ex, "auth_type");
	tr = mgmt_arg_str(ex, "transport_type");
	if (name == NULL || !ident_valid(name))
		return (mgmt_fail(ex, "name: " IDENT_RULE));
	if (url == NULL || (strncmp(url, "https://", 8) != 0 &&
	    strncmp(url, "http://", 7) != 0) || strlen(url) > 2048)
		return (mgmt_fail(ex, "url must be an http(s) URL"));
	if (auth == NULL)
		auth = "none";
	if (strcmp(auth, "none") != 0 && strcmp(auth, "bearer") != 0 &&
	    strcmp(auth, "header") != 0 && strcmp(auth, "oauth") != 0)
		return (mgmt_fail(ex, "auth_type must be none, bearer, header "
		    "or oauth"));
	if (tr == NULL)
		tr = "streamable_http";
	if (strcmp(tr, "streamable_http") != 0 && strcmp(tr, "sse") != 0)
		return (mgmt_fail(ex, "transport_type must be streamable_http "
		    "or sse"));
	p[1] = name;
	p[2] = url;
	p[3] = auth;
	p[4] = mgmt_arg_str(ex, "auth_secret_name");
	p[5] = mgmt_arg_str(ex, "auth_header_name");
	p[6] = tr;
	p[7] = ex->request_id;
	return (mgmt_sql(req, ex, SQL_MGMT_EXTERNAL_ADD_RESPOND, 8, p));
}

enum hx_turn
mgmt_list_external_sources(struct http_request *req, struct mcp_ex *ex)
{
	return (mgmt_by_server(req, ex, SQL_MGMT_EXTERNAL_LIST_RESPOND));
}
