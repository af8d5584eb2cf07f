/*
 * /api/servers/{id}/tools and /api/tools/{id}: tool CRUD, versions,
 * rollback and execution logs. Approval itself lives in approvals.c; here a
 * code change can only ever take approval away, never grant it.
 */
#include <string.h>

#include "api/api.h"
#include "db/sql.h"


/* An input_schema must be a JSON object whose type is "object". */
static int
tools_schema_check(json_t *body, json_t *fields, char **out)
{
	json_t	*v;

	*out = NULL;
	v = json_object_get(body, "input_schema");
	if (v == NULL || json_is_null(v))
		return (0);
	if (!json_is_object(v) || !json_is_string(json_object_get(v, "type")) ||
	    strcmp(json_string_value(json_object_get(v, "type")), "object")) {
		json_object_set_new(fields, "input_schema", json_string(
		    "must be a JSON Schema object with \"type\": \"object\""));
		return (-1);
	}
	*out = json_dumps(v, JSON_COMPACT);
	return (0);
}

/* Title, annotations, icons, output_schema: core/tooldef.c's rules. */
static void
tools_presentation_check(json_t *body, json_t *fields)
{
	const char	*bad;
	char		 why[256];

	if (tooldef_check(body, &bad, why, sizeof(why)) == -1)
		json_object_set_new(fields, bad, json_string(why));
}

/* The four as parameters p[0..3] of a statement; tools_params_free. */
static void
tools_params(json_t *body, const char **p)
{
	p[0] = tooldef_param(body, "title");
	p[1] = tooldef_param(body, "annotations");
	p[2] = tooldef_param(body, "icons");
	p[3] = tooldef_param(body, "output_schema");
}

static void
tools_params_free(const char **p)
{
	int	i;

	for (i = 0; i < 4; i++)
		free((char *)p[i]);
}

/* The kind a create names ("resource", "prompt"); NULL for a tool. */
static const char *
tools_kind(const json_t *body)
{
	const char	*k = json_string_value(json_object_get(body, "kind"));

	return (k != NULL && strcmp(k, "tool") != 0 ? k : NULL);
}

/*
 * A resource's or prompt's definition (core/itemdef.c), into the scratch
 * as text. An update does not know the kind, so it takes a definition
 * either kind accepts; the statement keeps a tool's NULL (0054).
 */
static void
tools_definition_check(struct api_ctx *c, int create, json_t *fields)
{
	const char	*kind = tools_kind(c->body);
	json_t		*def = json_object_get(c->body, "definition");
	int		 code = json_is_string(json_object_get(c->body,
	    "python_code"));
	char		 why[256], why2[256];
	char		*text;

	if (json_object_get(c->body, "kind") != NULL &&
	    (!create || !itemdef_kind_valid(json_string_value(
	    json_object_get(c->body, "kind"))))) {
		json_object_set_new(fields, "kind", json_string(create ?
		    "one of tool, resource, prompt" : "cannot change"));
		return;
	}
	if (def == NULL) {
		if (create && kind != NULL)
			json_object_set_new(fields, "definition", json_string(
			    "required for a resource or prompt"));
		return;
	}
	if (create && kind == NULL) {
		json_object_set_new(fields, "definition",
		    json_string("a tool has no definition"));
		return;
	}
	/* With or without code: the statement checks it on the stored row. */
	if (create ? itemdef_check(kind, def, code, why, sizeof(why)) == -1 :
	    (itemdef_check("resource", def, code, why, sizeof(why)) == -1 &&
	    itemdef_check("resource", def, !code, why2, sizeof(why2)) == -1 &&
	    itemdef_check("prompt", def, code, why2, sizeof(why2)) == -1 &&
	    itemdef_check("prompt", def, !code, why2, sizeof(why2)) == -1)) {
		json_object_set_new(fields, "definition", json_string(why));
		return;
	}
	text = json_dumps(def, JSON_COMPACT);
	json_object_set_new(c->scratch, "definition", json_string(text));
	free(text);
}

int
api_tools_list(struct http_request *req, struct api_ctx *c)
{
	long		page, size;
	char		off[16], lim[16], pg[16], ps[16];
	const char	*p[5];

	if (api_page(req, &page, &size, off, lim) == HX_ANSWERED)
		return (KORE_RESULT_OK);
	(void)snprintf(pg, sizeof(pg), "%ld", page);
	(void)snprintf(ps, sizeof(ps), "%ld", size);
	p[0] = c->param[0];
	p[1] = off;
	p[2] = lim;
	p[3] = pg;
	p[4] = ps;
	return (api_sql_respond(req, c, SQL_TOOLS_LIST_RESPOND, 5, p));
}

/*
 * What creating and updating a tool check alike, into `fields`: name,
 * description, code (required when creating), timeout, schema, title,
 * annotations, icons and output schema. What
 * the statement takes beyond the body goes to c->scratch: the schema as
 * text and the timeout ("null" clears it on an update).
 */
static void
tools_check_common(struct api_ctx *c, int create, json_t *fields)
{
	const char	*name, *desc, *code;
	json_t		*t;
	char		*schema;
	long		 timeout;
	int		 has_timeout;

	api_field_str(c->body, "name", create, 64, &name, fields);
	api_field_str(c->body, "description", 0, 2000, &desc, fields);
	api_field_str(c->body, "python_code", create && tools_kind(c->body) ==
	    NULL, SBX_CODE_MAX, &code, fields);
	t = json_object_get(c->body, "timeout_ms");
	has_timeout = 0;
	if (t != NULL && !json_is_null(t))
		api_field_int(c->body, "timeout_ms", 0, SBX_TIMEOUT_MIN_MS,
		    SBX_TIMEOUT_MAX_MS, &timeout, &has_timeout, fields);
	tools_schema_check(c->body, fields, &schema);
	tools_presentation_check(c->body, fields);
	if (name != NULL && !ident_valid(name))
		json_object_set_new(fields, "name", json_string(IDENT_RULE));
	if (code != NULL && *code == '\0')
		json_object_set_new(fields, "python_code",
		    json_string("must not be empty"));
	c->scratch = json_object();
	tools_definition_check(c, create, fields);
	if (schema != NULL)
		json_object_set_new(c->scratch, "schema", json_string(schema));
	free(schema);
	if (has_timeout)
		json_object_set_new(c->scratch, "timeout",
		    json_sprintf("%ld", timeout));
	else if (!create && json_is_null(t))
		json_object_set_new(c->scratch, "timeout", json_string("null"));
}

int
api_tools_create(struct http_request *req, struct api_ctx *c)
{
	static const char *const allowed[] = { "name", "description",
	    "python_code", "input_schema", "timeout_ms", "title",
	    "annotations", "icons", "output_schema", "kind", "definition",
	    NULL };
	const char	*desc, *p[16];
	json_t		*fields;
	int		 rc;

	if (c->step == API_CHECK) {
		if (api_body(req, c) == HX_ANSWERED)
			return (KORE_RESULT_OK);
		fields = json_object();
		api_fields_only(c->body, allowed, fields);
		tools_check_common(c, 1, fields);
		if (json_object_size(fields) > 0)
			return (api_invalid(req, fields));
		json_decref(fields);
		c->step = API_RUN;
	}
	desc = json_string_value(json_object_get(c->body, "description"));
	p[0] = c->param[0];
	p[1] = json_string_value(json_object_get(c->body, "name"));
	p[2] = desc != NULL ? desc : "";
	p[3] = json_string_value(json_object_get(c->body, "python_code"));
	p[4] = json_string_value(json_object_get(c->scratch, "schema"));
	p[5] = json_string_value(json_object_get(c->scratch, "timeout"));
	p[6] = c->actor;
	p[7] = hx_request_id(req);
	p[8] = "admin";
	p[9] = "manual";
	tools_params(c->body, &p[10]);
	p[14] = tools_kind(c->body);
	p[15] = json_string_value(json_object_get(c->scratch, "definition"));
	rc = api_sql_respond(req, c, SQL_TOOLS_CREATE_RESPOND, 16, p);
	tools_params_free(&p[10]);
	return (rc);
}

int
api_tools_get(struct http_request *req, struct api_ctx *c)
{
	return (api_respond_id(req, c, SQL_TOOLS_GET_RESPOND));
}

int
api_tools_update(struct http_request *req, struct api_ctx *c)
{
	static const char *const allowed[] = { "name", "description",
	    "python_code", "input_schema", "timeout_ms", "enabled",
	    "change_summary", "title", "annotations", "icons",
	    "output_schema", "definition", NULL };
	const char	*sum, *p[17];
	json_t		*fields;
	int		enabled, has_enabled, rc;

	if (c->step == API_CHECK) {
		if (api_body(req, c) == HX_ANSWERED)
			return (KORE_RESULT_OK);
		fields = json_object();
		api_fields_only(c->body, allowed, fields);
		tools_check_common(c, 0, fields);
		api_field_str(c->body, "change_summary", 0, 500, &sum, fields);
		api_field_bool(c->body, "enabled", &enabled, &has_enabled,
		    fields);
		if (json_object_size(fields) > 0)
			return (api_invalid(req, fields));
		json_decref(fields);
		if (has_enabled)
			json_object_set_new(c->scratch, "enabled",
			    json_string(enabled ? "true" : "false"));
		c->step = API_RUN;
	}
	p[0] = c->param[0];
	p[1] = json_string_value(json_object_get(c->body, "name"));
	p[2] = json_string_value(json_object_get(c->body, "description"));
	p[3] = json_string_value(json_object_get(c->body, "python_code"));
	p[4] = json_string_value(json_object_get(c->scratch, "schema"));
	p[5] = json_string_value(json_object_get(c->scratch, "enabled"));
	p[6] = json_string_value(json_object_get(c->scratch, "timeout"));
	p[7] = c->actor;
	p[8] = hx_request_id(req);
	p[9] = "manual";
	p[10] = json_string_value(json_object_get(c->body, "change_summary"));
	tools_params(c->body, &p[11]);
	p[15] = json_string_value(json_object_get(c->scratch, "definition"));
	p[16] = NULL;
	rc = api_sql_respond(req, c, SQL_TOOLS_UPDATE_RESPOND, 17, p);
	tools_params_free(&p[11]);
	return (rc);
}

int
api_tools_delete(struct http_request *req, struct api_ctx *c)
{
	return (api_respond_id_by(req, c, SQL_TOOLS_DELETE_RESPOND));
}

int
api_tools_versions(struct http_request *req, struct api_ctx *c)
{
	return (api_respond_id(req, c, SQL_TOOLS_VERSIONS_RESPOND));
}

static int
tools_version_param(const char *s, char *out, size_t outlen)
{
	char	*end;
	long	v;

	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 1 || v > 1000000)
		return (-1);
	(void)snprintf(out, outlen, "%ld", v);
	return (0);
}

int
api_tools_version_get(struct http_request *req, struct api_ctx *c)
{
	const char	*p[2];
	char		v[16];

	if (tools_version_param(c->param[1], v, sizeof(v)) == -1)
		return (hx_error(req, 404, "not_found", "no such version"));
	p[0] = c->param[0];
	p[1] = v;
	return (api_sql_respond(req, c, SQL_TOOLS_VERSION_GET_RESPOND, 2, p));
}

int
api_tools_rollback(struct http_request *req, struct api_ctx *c)
{
	static const char *const allowed[] = { "version", NULL };
	const char	*p[5];
	json_t		*fields;
	long		version;
	int		has;

	if (c->step == API_CHECK) {
		if (api_body(req, c) == HX_ANSWERED)
			return (KORE_RESULT_OK);
		fields = json_object();
		api_fields_only(c->body, allowed, fields);
		api_field_int(c->body, "version", 1, 1, 1000000, &version, &has,
		    fields);
		if (json_object_size(fields) > 0)
			return (api_invalid(req, fields));
		json_decref(fields);
		c->scratch = json_pack("{s:o}", "v",
		    json_sprintf("%ld", version));
		c->step = API_RUN;
	}
	p[0] = c->param[0];
	p[1] = json_string_value(json_object_get(c->scratch, "v"));
	p[2] = c->actor;
	p[3] = hx_request_id(req);
	p[4] = "admin";
	return (api_sql_respond(req, c, SQL_TOOLS_ROLLBACK_RESPOND, 5, p));
}

int
api_tools_logs(struct http_request *req, struct api_ctx *c)
{
	long		page, size;
	char		off[16], lim[16], pg[16], ps[16], ok[8];
	const char	*p[6], *succ;

	if (api_page(req, &page, &size, off, lim) == HX_ANSWERED)
		return (KORE_RESULT_OK);
	succ = "";
	if (hx_query(req, "success", ok, sizeof(ok))) {
		if (strcmp(ok, "true") == 0)
			succ = "t";
		else if (strcmp(ok, "false") == 0)
			succ = "f";
		else
			return (hx_error(req, 400, "bad_filter",
			    "success must be true or false"));
	}
	(void)snprintf(pg, sizeof(pg), "%ld", page);
	(void)snprintf(ps, sizeof(ps), "%ld", size);
	p[0] = c->param[0];
	p[1] = off;
	p[2] = lim;
	p[3] = succ;
	p[4] = pg;
	p[5] = ps;
	return (api_sql_respond(req, c, SQL_TOOLS_LOGS_RESPOND, 6, p));
}
