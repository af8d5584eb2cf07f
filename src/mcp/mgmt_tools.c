/*
 * mcpbox_* tools for tools: CRUD, versions, validation, test runs and the
 * approval requests an LLM may make (never the approval itself); the
 * network request, which looks its host up first, is mgmt_network.c.
 *
 * Code from an LLM is validated by the sandbox (in a locked-down child)
 * before it is stored, and the input schema comes from main's signature;
 * the output schema from main's return annotation unless given.
 */
#include <string.h>

#include "mcp/mcp.h"
#include "db/sql.h"

#define LLM		"llm"
#define VALIDATE_MS	10000

static enum hx_turn
mgmt_by_tool(struct http_request *req, struct mcp_ex *ex, const char *sql)
{
	const char	*p[1];

	if (mgmt_arg_uuid(ex, "tool_id", &p[0]) == HX_ANSWERED)
		return (HX_ANSWERED);
	return (mgmt_sql(req, ex, sql, 1, p));
}

/*
 * The output schema the sandbox derived, or JSON null. The sandbox's word
 * is held to the rules an author's schema meets (core/tooldef.c): one the
 * result check could not evaluate would fail every call.
 */
static json_t *
mgmt_output_schema_of(json_t *reply)
{
	json_t		*o, *s;
	const char	*bad;
	char		 why[64];

	s = json_object_get(reply, "output_schema");
	if (!json_is_object(s))
		return (json_null());
	o = json_pack("{s:O}", "output_schema", s);
	if (tooldef_check(o, &bad, why, sizeof(why)) == -1)
		s = json_null();
	json_decref(o);
	return (s);
}

/*
 * The authored presentation fields (title, annotations, icons, output
 * schema), checked before the code goes to the sandbox: -1 after failing
 * the call.
 */
static int
mgmt_presentation_ok(struct mcp_ex *ex)
{
	const char	*bad;
	char		 why[256], msg[320];

	if (tooldef_check(ex->args, &bad, why, sizeof(why)) == -1) {
		(void)snprintf(msg, sizeof(msg), "%s: %s", bad, why);
		mgmt_fail(ex, msg);
		return (-1);
	}
	return (0);
}

/*
 * Those fields as parameters p[0..3], NULL each when absent. The output
 * schema derived by validation (ex->out) stands in when the author gave
 * none: explicit beats derived.
 */
static void
mgmt_presentation(struct mcp_ex *ex, const char **p)
{
	json_t	*d;

	p[0] = tooldef_param(ex->args, "title");
	p[1] = tooldef_param(ex->args, "annotations");
	p[2] = tooldef_param(ex->args, "icons");
	p[3] = tooldef_param(ex->args, "output_schema");
	if (p[3] == NULL && ex->out != NULL &&
	    (d = json_object_get(ex->out, "output_schema")) != NULL)
		p[3] = json_is_null(d) ? strdup("") : json_dumps(d,
		    JSON_COMPACT);
}

static void
mgmt_presentation_free(const char **p)
{
	int	i;

	for (i = 0; i < 4; i++)
		free((char *)p[i]);
}

/*
 * The modules the code may import, into ex->modules: those of the tool
 * (or resource, prompt) it is for, else of its server, else the global
 * allowlist (SQL_MGMT_CODE_MODULES), the very list a call gets. Ids were
 * checked by the caller; an optional one here.
 */
static enum hx_turn
mgmt_code_modules(struct http_request *req, struct mcp_ex *ex)
{
	static const char	*item_keys[] = { "tool_id", "resource_id",
	    "prompt_id" };
	const char		*p[2];
	enum db_status		 st;
	size_t			 i;

	p[0] = p[1] = NULL;
	for (i = 0; i < sizeof(item_keys) / sizeof(item_keys[0]); i++)
		if (p[0] == NULL && mgmt_arg_str(ex, item_keys[i]) != NULL &&
		    mgmt_arg_uuid(ex, item_keys[i], &p[0]) == HX_ANSWERED)
			return (HX_ANSWERED);
	if (mgmt_arg_str(ex, "server_id") != NULL &&
	    mgmt_arg_uuid(ex, "server_id", &p[1]) == HX_ANSWERED)
		return (HX_ANSWERED);
	st = db_call_run(&ex->db, req, SQL_MGMT_CODE_MODULES, 2, p);
	if (st == DB_PENDING)
		return (HX_WAIT);
	if (st == DB_DONE && db_ntuples(&ex->db) == 1)
		ex->modules = json_loads(db_value(&ex->db, 0, 0), 0, NULL);
	db_call_clear(&ex->db);
	if (!json_is_array(ex->modules))
		return (mgmt_unavailable(ex));
	return (HX_GO_ON);
}

/*
 * Start the sandbox's check of `code` and wait for it: HX_GO_ON with the
 * reply in *r once the check ran (whatever it found); the exchange is
 * answered when the code is too large or the check could not run.
 */
static enum hx_turn
mgmt_validate_reply(struct http_request *req, struct mcp_ex *ex,
    const char *code, json_t **r)
{
	const char	*m;
	char		 msg[512];
	enum hx_turn	 turn;

	*r = NULL;
	if (ex->sbx == NULL && strlen(code) > SBX_CODE_MAX)
		return (mgmt_fail(ex, "code is larger than "
		    SBX_STR(SBX_CODE_MAX_KIB) " KiB"));
	if (ex->modules == NULL && (turn = mgmt_code_modules(req, ex)) !=
	    HX_GO_ON)
		return (turn);
	if (ex->sbx == NULL)
		ex->sbx = sbx_call_start(json_pack("{s:s, s:s, s:O}", "op",
		    SBX_OP_VALIDATE, "code", code, "allowed_modules",
		    ex->modules), VALIDATE_MS, req, NULL, NULL);
	if (!sbx_call_done(ex->sbx)) {
		http_request_sleep(req);
		return (HX_WAIT);
	}
	*r = sbx_call_reply(ex->sbx);
	if (!json_is_true(json_object_get(*r, "ok"))) {
		m = json_string_value(json_object_get(json_object_get(*r,
		    "error"), "message"));
		(void)snprintf(msg, sizeof(msg), "validation could not run: %s",
		    m != NULL ? m : "the sandbox is unavailable; retry");
		return (mgmt_fail(ex, msg));
	}
	return (HX_GO_ON);
}

/*
 * Code that is to be stored: HX_GO_ON when valid, with the schema derived
 * from main's signature in ex->out (as "schema") and the one from its
 * return annotation (as "output_schema", null for none); else the
 * exchange is answered with what is wrong.
 */
enum hx_turn
mgmt_validate(struct http_request *req, struct mcp_ex *ex, const char *code,
    int need_main)
{
	json_t		*r, *errs, *e;
	char		 msg[1024];
	size_t		 i, off;
	enum hx_turn	 turn;

	if ((turn = mgmt_validate_reply(req, ex, code, &r)) != HX_GO_ON)
		return (turn);
	if (!json_is_true(json_object_get(r, "valid"))) {
		errs = json_object_get(r, "errors");
		off = (size_t)snprintf(msg, sizeof(msg), "the code is not "
		    "acceptable:");
		json_array_foreach(errs, i, e) {
			if (off >= sizeof(msg) - 1 || i >= 5)
				break;
			off += (size_t)snprintf(msg + off, sizeof(msg) - off,
			    " line %lld: %s.", (long long)json_integer_value(
			    json_object_get(e, "line")), json_string_value(
			    json_object_get(e, "message")));
		}
		return (mgmt_fail(ex, msg));
	}
	if (need_main && !json_is_true(json_object_get(r, "has_main")))
		return (mgmt_fail(ex, "the code must define def main(...) or "
		    "async def main(...)"));
	ex->out = json_pack("{s:O, s:O}", "schema",
	    json_object_get(r, "input_schema"), "output_schema",
	    mgmt_output_schema_of(r));
	return (HX_GO_ON);
}

/* Invalid code is a normal answer here (valid: false), not a failure. */
enum hx_turn
mgmt_validate_code(struct http_request *req, struct mcp_ex *ex)
{
	const char	*code;
	json_t		*r, *errors;
	enum hx_turn	 turn;
	int		 has_main;

	if ((code = mgmt_arg_str(ex, "code")) == NULL)
		return (mgmt_fail(ex, "code is required"));
	if ((turn = mgmt_validate_reply(req, ex, code, &r)) != HX_GO_ON)
		return (turn);
	/* Valid means the tool could run: the checks of creation, names
	 * that would fail when their line runs ("runs"), and a main. */
	has_main = json_is_true(json_object_get(r, "has_main"));
	errors = json_deep_copy(json_object_get(r, "errors"));
	if (!json_is_array(errors)) {
		json_decref(errors);
		errors = json_array();
	}
	if (!has_main)
		json_array_append_new(errors, json_pack("{s:i, s:i, s:s}",
		    "line", 1, "col", 1, "message", "the code defines no "
		    "main(): write def main(arg: type, ...) -> type, whose "
		    "type hints become the tool's input schema"));
	return (mgmt_done(ex, json_pack("{s:b, s:b, s:o, s:O, s:O}",
	    "valid", json_is_true(json_object_get(r, "runs")) && has_main,
	    "has_main", has_main,
	    "errors", errors,
	    "input_schema", json_object_get(r, "input_schema"),
	    "output_schema", mgmt_output_schema_of(r))));
}

enum hx_turn
mgmt_list_tools(struct http_request *req, struct mcp_ex *ex)
{
	const char	*p[5];

	if (mgmt_arg_uuid(ex, "server_id", &p[0]) == HX_ANSWERED)
		return (HX_ANSWERED);
	p[1] = "0";
	p[2] = "100";
	p[3] = "1";
	p[4] = "100";
	return (mgmt_sql(req, ex, SQL_TOOLS_LIST_RESPOND, 5, p));
}

enum hx_turn
mgmt_get_tool(struct http_request *req, struct mcp_ex *ex)
{
	return (mgmt_by_tool(req, ex, SQL_TOOLS_GET_RESPOND));
}

enum hx_turn
mgmt_create_tool(struct http_request *req, struct mcp_ex *ex)
{
	const char	*p[16], *sid, *name, *code, *desc;
	char		*schema;
	json_t		*given;
	enum hx_turn	rc;

	if (mgmt_arg_uuid(ex, "server_id", &sid) == HX_ANSWERED)
		return (HX_ANSWERED);
	name = mgmt_arg_str(ex, "name");
	code = mgmt_arg_str(ex, "python_code");
	desc = mgmt_arg_str(ex, "description");
	given = json_object_get(ex->args, "input_schema");
	if (name == NULL || !ident_valid(name))
		return (mgmt_fail(ex, "name: " IDENT_RULE));
	if (code == NULL || *code == '\0')
		return (mgmt_fail(ex, "python_code is required"));
	if (given != NULL && (!json_is_object(given) ||
	    !json_is_string(json_object_get(given, "type")) ||
	    strcmp(json_string_value(json_object_get(given, "type")),
	    "object") != 0))
		return (mgmt_fail(ex, "input_schema must be a JSON Schema "
		    "object with \"type\": \"object\""));
	if (ex->out == NULL && mgmt_presentation_ok(ex) == -1)
		return (HX_ANSWERED);
	if (ex->out == NULL && (rc = mgmt_validate(req, ex, code,
	    1)) != HX_GO_ON)
		return (rc);
	mgmt_presentation(ex, &p[10]);
	/* An explicit schema is what the author means: kept verbatim. */
	schema = json_dumps(given != NULL ? given : json_object_get(ex->out,
	    "schema"), JSON_COMPACT);
	p[0] = sid;
	p[1] = name;
	p[2] = desc != NULL ? desc : "";
	p[3] = code;
	p[4] = schema;
	p[5] = NULL;
	p[6] = LLM;
	p[7] = ex->request_id;
	p[8] = LLM;
	p[9] = LLM;
	p[14] = NULL;		/* a tool */
	p[15] = NULL;
	rc = mgmt_sql(req, ex, SQL_TOOLS_CREATE_RESPOND, 16, p);
	free(schema);
	mgmt_presentation_free(&p[10]);
	return (rc);
}

enum hx_turn
mgmt_update_tool(struct http_request *req, struct mcp_ex *ex)
{
	const char	*p[17], *tid, *name, *code;
	char		*schema, timeout[16];
	json_t		*en, *to;
	enum hx_turn	rc;

	if (mgmt_arg_uuid(ex, "tool_id", &tid) == HX_ANSWERED)
		return (HX_ANSWERED);
	name = mgmt_arg_str(ex, "name");
	code = mgmt_arg_str(ex, "python_code");
	if (name != NULL && !ident_valid(name))
		return (mgmt_fail(ex, "name: " IDENT_RULE));
	en = json_object_get(ex->args, "enabled");
	to = json_object_get(ex->args, "timeout_ms");
	/* Switching a tool on or off is the admin's, never the author's. */
	if (en != NULL)
		return (mgmt_fail(ex, "enabled is the admin's switch (the panel "
		    "or PATCH /api/tools/{id}); it cannot be changed here"));
	if (to != NULL && (!json_is_integer(to) || json_integer_value(to) <
	    SBX_TIMEOUT_MIN_MS || json_integer_value(to) > SBX_TIMEOUT_MAX_MS))
		return (mgmt_fail(ex, "timeout_ms must be "
		    SBX_STR(SBX_TIMEOUT_MIN_MS) "-" SBX_STR(SBX_TIMEOUT_MAX_MS)));
	if (ex->out == NULL && mgmt_presentation_ok(ex) == -1)
		return (HX_ANSWERED);
	schema = NULL;
	if (code != NULL) {
		if (ex->out == NULL &&
		    (rc = mgmt_validate(req, ex, code, 1)) != HX_GO_ON)
			return (rc);
		schema = json_dumps(json_object_get(ex->out, "schema"),
		    JSON_COMPACT);
	}
	timeout[0] = '\0';
	if (to != NULL)
		(void)snprintf(timeout, sizeof(timeout), "%lld",
		    (long long)json_integer_value(to));
	p[0] = tid;
	p[1] = name;
	p[2] = mgmt_arg_str(ex, "description");
	p[3] = code;
	p[4] = schema;
	p[5] = en == NULL ? NULL : (json_is_true(en) ? "true" : "false");
	p[6] = to == NULL ? NULL : timeout;
	p[7] = LLM;
	p[8] = ex->request_id;
	p[9] = LLM;
	p[10] = NULL;
	mgmt_presentation(ex, &p[11]);
	p[15] = NULL;
	p[16] = "tool";
	rc = mgmt_sql(req, ex, SQL_TOOLS_UPDATE_RESPOND, 17, p);
	free(schema);
	mgmt_presentation_free(&p[11]);
	return (rc);
}

enum hx_turn
mgmt_delete_tool(struct http_request *req, struct mcp_ex *ex)
{
	const char	*p[3];

	if (mgmt_arg_uuid(ex, "tool_id", &p[0]) == HX_ANSWERED)
		return (HX_ANSWERED);
	p[1] = LLM;
	p[2] = ex->request_id;
	return (mgmt_sql(req, ex, SQL_TOOLS_DELETE_RESPOND, 3, p));
}

enum hx_turn
mgmt_list_tool_versions(struct http_request *req, struct mcp_ex *ex)
{
	return (mgmt_by_tool(req, ex, SQL_TOOLS_VERSIONS_RESPOND));
}

enum hx_turn
mgmt_rollback_tool(struct http_request *req, struct mcp_ex *ex)
{
	const char	*p[5];
	json_t		*v;
	char		ver[16];

	if (mgmt_arg_uuid(ex, "tool_id", &p[0]) == HX_ANSWERED)
		return (HX_ANSWERED);
	v = json_object_get(ex->args, "version");
	if (!json_is_integer(v) || json_integer_value(v) < 1)
		return (mgmt_fail(ex, "version must be a positive integer"));
	(void)snprintf(ver, sizeof(ver), "%lld",
	    (long long)json_integer_value(v));
	p[1] = ver;
	p[2] = LLM;
	p[3] = ex->request_id;
	p[4] = LLM;
	return (mgmt_sql(req, ex, SQL_TOOLS_ROLLBACK_RESPOND, 5, p));
}

enum hx_turn
mgmt_request_publish(struct http_request *req, struct mcp_ex *ex)
{
	const char	*p[3];

	if (mgmt_arg_uuid(ex, "tool_id", &p[0]) == HX_ANSWERED)
		return (HX_ANSWERED);
	p[1] = mgmt_arg_str(ex, "notes");
	p[2] = ex->request_id;
	return (mgmt_sql(req, ex, SQL_MGMT_REQUEST_PUBLISH_RESPOND, 3, p));
}

enum hx_turn
mgmt_request_module(struct http_request *req, struct mcp_ex *ex)
{
	const char	*p[4], *mod, *why;

	if (mgmt_arg_uuid(ex, "tool_id", &p[0]) == HX_ANSWERED)
		return (HX_ANSWERED);
	mod = mgmt_arg_str(ex, "module_name");
	why = mgmt_arg_str(ex, "justification");
	if (mod == NULL || !module_name_valid(mod))
		return (mgmt_fail(ex, "module_name: " MODULE_NAME_RULE));
	if (why == NULL || *why == '\0')
		return (mgmt_fail(ex, "justification is required"));
	p[1] = mod;
	p[2] = why;
	p[3] = ex->request_id;
	return (mgmt_sql(req, ex, SQL_MGMT_REQUEST_MODULE_RESPOND, 4, p));
}

enum hx_turn
mgmt_get_tool_status(struct http_request *req, struct mcp_ex *ex)
{
	return (mgmt_by_tool(req, ex, SQL_MGMT_TOOL_STATUS_RESPOND));
}

enum hx_turn
mgmt_list_pending_requests(struct http_request *req, struct mcp_ex *ex)
{
	const char	*p[1];

	p[0] = mcp_token_param(&ex->token);
	return (mgmt_sql(req, ex, SQL_MGMT_PENDING_RESPOND, 1, p));
}

enum hx_turn
mgmt_get_tool_logs(struct http_request *req, struct mcp_ex *ex)
{
	const char	*p[6];
	json_t		*jl;
	char		lim[8];

	if (mgmt_arg_uuid(ex, "tool_id", &p[0]) == HX_ANSWERED)
		return (HX_ANSWERED);
	jl = json_object_get(ex->args, "limit");
	if (jl != NULL && (!json_is_integer(jl) || json_integer_value(jl) < 1 ||
	    json_integer_value(jl) > 50))
		return (mgmt_fail(ex, "limit must be 1-50"));
	(void)snprintf(lim, sizeof(lim), "%lld",
	    jl != NULL ? (long long)json_integer_value(jl) : 10LL);
	p[1] = "0";
	p[2] = lim;
	p[3] = "";
	p[4] = "1";
	p[5] = lim;
	return (mgmt_sql(req, ex, SQL_TOOLS_LOGS_RESPOND, 6, p));
}

enum hx_turn
mgmt_test_code(struct http_request *req, struct mcp_ex *ex)
{
	json_t	*a;

	a = json_object_get(ex->args, "arguments");
	if (a != NULL && !json_is_object(a))
		return (mgmt_fail(ex, "arguments must be an object"));
	return (mcp_call_user_tool(req, ex));
}
