/*
 * /api/servers/{id}/external-sources and /api/external-sources/{id}:
 * external MCP sources for the panel. Discovery connects with the same
 * client and rules as mcpbox_discover_external_tools (ext/client.c);
 * import creates passthrough drafts that go through the usual review.
 */
#include <string.h>

#include "api/api.h"
#include "db/sql.h"
#include "ext/ext.h"


/* The route's id is a UUID; else the 404 saying `what` is sent. */
static enum hx_turn
external_id_param(struct http_request *req, struct api_ctx *c, const char *what)
{
	if (!api_uuid_valid(c->param[0])) {
		hx_error(req, 404, "not_found", what);
		return (HX_ANSWERED);
	}
	return (HX_GO_ON);
}

int
api_external_list(struct http_request *req, struct api_ctx *c)
{
	if (external_id_param(req, c, "no such server") == HX_ANSWERED)
		return (KORE_RESULT_OK);
	return (api_respond_id(req, c, SQL_EXT_LIST_RESPOND));
}

static int
external_one_of(const char *v, const char *const *allowed)
{
	for (; *allowed != NULL; allowed++) {
		if (strcmp(v, *allowed) == 0)
			return (1);
	}
	return (0);
}

int
api_external_create(struct http_request *req, struct api_ctx *c)
{
	static const char *const allowed[] = { "name", "url", "auth_type",
	    "auth_secret_name", "auth_header_name", "transport_type", NULL };
	static const char *const auths[] = { "none", "bearer", "header",
	    "oauth", NULL };
	static const char *const trs[] = { "streamable_http", "sse", NULL };
	const char	*name, *url, *auth, *sec, *hdr, *tr, *p[9];
	json_t		*fields;

	if (external_id_param(req, c, "no such server") == HX_ANSWERED)
		return (KORE_RESULT_OK);
	if (c->step == API_CHECK) {
		if (api_body(req, c) == HX_ANSWERED)
			return (KORE_RESULT_OK);
		fields = json_object();
		api_fields_only(c->body, allowed, fields);
		api_field_str(c->body, "name", 1, 64, &name, fields);
		api_field_str(c->body, "url", 1, 2048, &url, fields);
		api_field_str(c->body, "auth_type", 0, 16, &auth, fields);
		api_field_str(c->body, "auth_secret_name", 0, 64, &sec, fields);
		api_field_str(c->body, "auth_header_name", 0, 64, &hdr, fields);
		api_field_str(c->body, "transport_type", 0, 32, &tr, fields);
		if (name != NULL && !ident_valid(name))
			json_object_set_new(fields, "name",
			    json_string(IDENT_RULE));
		if (url != NULL && strncmp(url, "https://", 8) != 0 &&
		    strncmp(url, "http://", 7) != 0)
			json_object_set_new(fields, "url", json_string(
			    "must be an http(s) URL"));
		if (auth != NULL && !external_one_of(auth, auths))
			json_object_set_new(fields, "auth_type", json_string(
			    "none, bearer, header or oauth"));
		if (tr != NULL && !external_one_of(tr, trs))
			json_object_set_new(fields, "transport_type",
			    json_string("streamable_http or sse"));
		if (auth != NULL && (strcmp(auth, "bearer") == 0 ||
		    strcmp(auth, "header") == 0) &&
		    (sec == NULL || !secret_key_valid(sec)))
			json_object_set_new(fields, "auth_secret_name",
			    json_string("the name of a server secret holding "
			    "the token"));
		if (auth != NULL && strcmp(auth, "header") == 0 &&
		    (hdr == NULL || *hdr == '\0'))
			json_object_set_new(fields, "auth_header_name",
			    json_string("required for header auth"));
		if (json_object_size(fields) > 0)
			return (api_invalid(req, fields));
		json_decref(fields);
		c->step = API_RUN;
	}
	auth = json_string_value(json_object_get(c->body, "auth_type"));
	tr = json_string_value(json_object_get(c->body, "transport_type"));
	p[0] = c->param[0];
	p[1] = json_string_value(json_object_get(c->body, "name"));
	p[2] = json_string_value(json_object_get(c->body, "url"));
	p[3] = auth != NULL ? auth : "none";
	p[4] = json_string_value(json_object_get(c->body, "auth_secret_name"));
	p[5] = json_string_value(json_object_get(c->body, "auth_header_name"));
	p[6] = tr != NULL ? tr : "streamable_http";
	p[7] = hx_request_id(req);
	p[8] = c->actor;
	return (api_sql_respond(req, c, SQL_EXT_CREATE_RESPOND, 9, p));
}

int
api_external_get(struct http_request *req, struct api_ctx *c)
{
	if (external_id_param(req, c, "no such external source") == HX_ANSWERED)
		return (KORE_RESULT_OK);
	return (api_respond_id(req, c, SQL_EXT_GET_RESPOND));
}

int
api_external_delete(struct http_request *req, struct api_ctx *c)
{
	if (external_id_param(req, c, "no such external source") == HX_ANSWERED)
		return (KORE_RESULT_OK);
	return (api_respond_id_by(req, c, SQL_EXT_DELETE_RESPOND));
}

static void
external_job_free(void *arg)
{
	ext_job_free(arg);
}

/*
 * The source named by the route (SQL_EXT_SOURCE_LOAD) into c->db:
 * HX_GO_ON once it is there; a 404 or database error is answered.
 */
enum hx_turn
api_ext_source_load(struct http_request *req, struct api_ctx *c)
{
	enum db_status	 st;
	const char	*p[1];

	p[0] = c->param[0];
	if ((st = api_sql(req, c, SQL_EXT_SOURCE_LOAD, 1, p)) == DB_PENDING)
		return (HX_WAIT);
	if (st == DB_FAILED)
		return (api_db_error(req, c), HX_ANSWERED);
	if (db_ntuples(&c->db) != 1)
		return (hx_error(req, 404, "not_found",
		    "no such external source"), HX_ANSWERED);
	return (HX_GO_ON);
}

/*
 * Start an external-client job that the request owns (freed with it) and
 * move the handler on to step `next`, where it waits for the job.
 */
void
api_ext_job(struct http_request *req, struct api_ctx *c, enum ext_op op,
    json_t *src, int timeout_ms, int next)
{
	c->state = ext_job_start(req, op, src, NULL, NULL, timeout_ms);
	c->state_free = external_job_free;
	api_next(c, next);
}

/* 1 once the request's job is done; else the request sleeps until then. */
int
api_ext_job_done(struct http_request *req, struct api_ctx *c)
{
	if (ext_job_done(c->state))
		return (1);
	http_request_sleep(req);
	return (0);
}

/* A discovery's steps (c->step). */
enum discover_step {
	DISCOVER_START = 0,	/* load the source, start the job */
	DISCOVER_WAIT,		/* the job talks to the source */
	DISCOVER_SAVE,		/* cache what it found, answer */
	DISCOVER_MARK_ERROR,	/* record the failure, answer */
};

int
api_external_discover(struct http_request *req, struct api_ctx *c)
{
	const char	*p[4], *why;
	json_t		*src, *tools;
	char		*text;
	enum hx_turn	 turn;

	if (external_id_param(req, c, "no such external source") == HX_ANSWERED)
		return (KORE_RESULT_OK);
	p[0] = c->param[0];
	switch ((enum discover_step)c->step) {
	case DISCOVER_MARK_ERROR:
		if (api_sql(req, c, SQL_EXT_MARK_ERROR, 1, p) == DB_PENDING)
			return (KORE_RESULT_RETRY);
		return (hx_error(req, 502, "external_source_failed",
		    ext_job_error(c->state)));
	case DISCOVER_START:
		if ((turn = api_ext_source_load(req, c)) != HX_GO_ON)
			return (api_result(turn));
		src = ext_source_open(&c->db, p[0], &why);
		if (src == NULL)
			return (hx_error(req, 409, "source_unusable", why));
		api_ext_job(req, c, EXT_LIST, src, EXT_DISCOVER_TIMEOUT_MS,
		    DISCOVER_WAIT);
		/* FALLTHROUGH */
	case DISCOVER_WAIT:
		if (!api_ext_job_done(req, c))
			return (KORE_RESULT_RETRY);
		if ((tools = ext_job_result(c->state)) == NULL) {
			/* The source's status is updated before we answer. */
			c->step = DISCOVER_MARK_ERROR;
			return (api_external_discover(req, c));
		}
		text = json_dumps(tools, JSON_COMPACT);
		c->scratch = json_string(text != NULL ? text : "[]");
		free(text);
		c->step = DISCOVER_SAVE;
		/* FALLTHROUGH */
	case DISCOVER_SAVE:
	default:
		p[1] = json_string_value(c->scratch);
		p[2] = c->actor;
		p[3] = hx_request_id(req);
		return (api_sql_respond(req, c, SQL_EXT_DISCOVER_SAVE_RESPOND,
		    4, p));
	}
}

int
api_external_import(struct http_request *req, struct api_ctx *c)
{
	static const char *const allowed[] = { "tool_names", NULL };
	const char	*p[5];
	json_t		*fields, *names, *n;
	size_t		 i;
	char		*text;
	int		 rc;

	if (external_id_param(req, c, "no such external source") == HX_ANSWERED)
		return (KORE_RESULT_OK);
	if (c->step == API_CHECK) {
		if (api_body(req, c) == HX_ANSWERED)
			return (KORE_RESULT_OK);
		fields = json_object();
		api_fields_only(c->body, allowed, fields);
		names = json_object_get(c->body, "tool_names");
		if (!json_is_array(names) || json_array_size(names) == 0 ||
		    json_array_size(names) > 100)
			json_object_set_new(fields, "tool_names", json_string(
			    "a list of 1 to 100 discovered tool names"));
		json_array_foreach(names, i, n) {
			if (!json_is_string(n) || json_string_length(n) > 128)
				json_object_set_new(fields, "tool_names",
				    json_string("names must be strings"));
		}
		if (json_object_size(fields) > 0)
			return (api_invalid(req, fields));
		json_decref(fields);
		c->step = API_RUN;
	}
	text = json_dumps(json_object_get(c->body, "tool_names"),
	    JSON_COMPACT);
	p[0] = c->param[0];
	p[1] = text;
	p[2] = c->actor;
	p[3] = hx_request_id(req);
	rc = api_sql_respond(req, c, SQL_EXT_IMPORT_RESPOND, 4, p);
	free(text);
	return (rc);
}
