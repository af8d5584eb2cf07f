/* /api/servers: CRUD, start/stop and allowed hosts. */
#include <string.h>

#include "api/api.h"
#include "db/sql.h"

int
api_servers_list(struct http_request *req, struct api_ctx *c)
{
	return (api_list_respond(req, c, SQL_SERVERS_LIST_RESPOND));
}

int
api_servers_create(struct http_request *req, struct api_ctx *c)
{
	static const char *const allowed[] = { "name", "description", NULL };
	const char	*name, *desc, *p[5];
	json_t		*fields;

	if (c->step == API_CHECK) {
		if (api_body(req, c) == HX_ANSWERED)
			return (KORE_RESULT_OK);
		fields = json_object();
		api_fields_only(c->body, allowed, fields);
		api_field_str(c->body, "name", 1, 64, &name, fields);
		api_field_str(c->body, "description", 0, 2000, &desc, fields);
		if (name != NULL && !ident_valid(name))
			json_object_set_new(fields, "name",
			    json_string(IDENT_RULE));
		if (json_object_size(fields) > 0)
			return (api_invalid(req, fields));
		json_decref(fields);
		c->step = API_RUN;
	}
	name = json_string_value(json_object_get(c->body, "name"));
	desc = json_string_value(json_object_get(c->body, "description"));
	p[0] = name;
	p[1] = desc != NULL ? desc : "";
	p[2] = c->actor;
	p[3] = hx_request_id(req);
	p[4] = "admin";
	return (api_sql_respond(req, c, SQL_SERVERS_CREATE_RESPOND, 5, p));
}

int
api_servers_get(struct http_request *req, struct api_ctx *c)
{
	return (api_respond_id(req, c, SQL_SERVERS_GET_RESPOND));
}

int
api_servers_update(struct http_request *req, struct api_ctx *c)
{
	static const char *const allowed[] = { "name", "description",
	    "default_timeout_ms", NULL };
	const char	*name, *desc, *p[6];
	json_t		*fields;
	long		timeout;
	int		has_timeout;

	if (c->step == API_CHECK) {
		if (api_body(req, c) == HX_ANSWERED)
			return (KORE_RESULT_OK);
		fields = json_object();
		api_fields_only(c->body, allowed, fields);
		api_field_str(c->body, "name", 0, 64, &name, fields);
		api_field_str(c->body, "description", 0, 2000, &desc, fields);
		api_field_int(c->body, "default_timeout_ms", 0,
		    SBX_TIMEOUT_MIN_MS, SBX_TIMEOUT_MAX_MS,
		    &timeout, &has_timeout, fields);
		if (name != NULL && !ident_valid(name))
			json_object_set_new(fields, "name",
			    json_string(IDENT_RULE));
		if (json_object_size(fields) > 0)
			return (api_invalid(req, fields));
		json_decref(fields);
		c->scratch = json_pack("{s:s}", "timeout", "");
		if (has_timeout)
			json_object_set_new(c->scratch, "timeout",
			    json_sprintf("%ld", timeout));
		c->step = API_RUN;
	}
	p[0] = c->param[0];
	p[1] = json_string_value(json_object_get(c->body, "name"));
	p[2] = json_string_value(json_object_get(c->body, "description"));
	p[3] = json_string_value(json_object_get(c->scratch, "timeout"));
	if (p[3] != NULL && *p[3] == '\0')
		p[3] = NULL;
	p[4] = c->actor;
	p[5] = hx_request_id(req);
	return (api_sql_respond(req, c, SQL_SERVERS_UPDATE_RESPOND, 6, p));
}

int
api_servers_delete(struct http_request *req, struct api_ctx *c)
{
	return (api_respond_id_by(req, c, SQL_SERVERS_DELETE_RESPOND));
}

static int
servers_set_status(struct http_request *req, struct api_ctx *c,
    const char *status)
{
	const char	*p[4];

	p[0] = c->param[0];
	p[1] = status;
	p[2] = c->actor;
	p[3] = hx_request_id(req);
	return (api_sql_respond(req, c, SQL_SERVERS_SET_STATUS_RESPOND, 4, p));
}

int
api_servers_start(struct http_request *req, struct api_ctx *c)
{
	return (servers_set_status(req, c, "running"));
}

int
api_servers_stop(struct http_request *req, struct api_ctx *c)
{
	return (servers_set_status(req, c, "stopped"));
}

/* host (+ optional port) from the JSON body or, for DELETE, the query. */
static int
servers_host_input(struct http_request *req, struct api_ctx *c, int from_query)
{
	static const char *const allowed[] = { "host", "port", NULL };
	const char	*host;
	char		buf[300], norm[256];
	long		port;
	int		has_port;
	json_t		*fields;

	if (from_query) {
		c->body = json_object();
		if (hx_query(req, "host", buf, sizeof(buf)))
			json_object_set_new(c->body, "host", json_string(buf));
		if (hx_query(req, "port", buf, sizeof(buf)))
			json_object_set_new(c->body, "port",
			    json_integer(strtol(buf, NULL, 10)));
	} else if (api_body(req, c) == HX_ANSWERED) {
		return (-1);
	}
	fields = json_object();
	api_fields_only(c->body, allowed, fields);
	api_field_str(c->body, "host", 1, 253, &host, fields);
	api_field_int(c->body, "port", 0, 1, 65535, &port, &has_port, fields);
	if (host != NULL && host_normalize(host, norm, sizeof(norm)) == -1)
		json_object_set_new(fields, "host",
		    json_string(HOST_RULE));
	if (json_object_size(fields) > 0) {
		api_invalid(req, fields);
		return (-1);
	}
	json_decref(fields);
	c->scratch = json_pack("{s:s}", "host", norm);
	if (has_port)
		json_object_set_new(c->scratch, "port",
		    json_sprintf("%ld", port));
	return (0);
}

static int
servers_host_change(struct http_request *req, struct api_ctx *c,
    const char *sql,
    int from_query)
{
	const char	*p[5];

	if (c->step == API_CHECK) {
		if (servers_host_input(req, c, from_query) == -1)
			return (KORE_RESULT_OK);
		c->step = API_RUN;
	}
	p[0] = c->param[0];
	p[1] = json_string_value(json_object_get(c->scratch, "host"));
	p[2] = json_string_value(json_object_get(c->scratch, "port"));
	p[3] = c->actor;
	p[4] = hx_request_id(req);
	return (api_sql_respond(req, c, sql, 5, p));
}

int
api_servers_host_add(struct http_request *req, struct api_ctx *c)
{
	return (servers_host_change(req, c, SQL_SERVERS_HOST_ADD_RESPOND, 0));
}

int
api_servers_host_remove(struct http_request *req, struct api_ctx *c)
{
	return (servers_host_change(req, c, SQL_SERVERS_HOST_REMOVE_RESPOND,
	    1));
}
