/*
 * Resources, prompts and completion over MCP: resources/list,
 * resources/templates/list, resources/read, resources/subscribe and
 * unsubscribe, prompts/list, prompts/get, completion/complete.
 *
 * Items are read at request time from the approved version of approved,
 * enabled items of running servers (db/sql_items.c).  A static item is
 * answered here from its definition; a computed one (python_code) runs in
 * the sandbox through the tool-call path (call.c, which checks approval
 * once more in its own statement), its result shaped by item_result.c.
 *
 * On /mcp every server's items meet, so prompt names carry the server
 * ("{server}__{name}", as tools do) and resource URIs the server's
 * scheme: "mcpbox://{server}/" in front of the URI as authored.  On
 * /mcp/{server} both are as authored.
 */
#include <string.h>
#include <strings.h>

#include "mcp/mcp.h"
#include "db/sql.h"

#define ITEMS_URI_PREFIX	"mcpbox://"
#define COMPLETE_MAX		100

static const char *const item_methods[] = {
	"resources/list", "resources/templates/list", "resources/read",
	"resources/subscribe", "resources/unsubscribe", "prompts/list",
	"prompts/get", "completion/complete", NULL
};

int
mcp_items_method(const char *method)
{
	size_t	i;

	for (i = 0; item_methods[i] != NULL; i++)
		if (strcmp(item_methods[i], method) == 0)
			return (1);
	return (0);
}

/* The server a name or URI belongs to, and the rest as authored. */
static int
item_locate(struct mcp_ex *ex, const char *what, int is_uri, char *server,
    size_t slen, const char **rest)
{
	const char	*p, *slash;
	char		 item[80];

	if (what == NULL)
		return (-1);
	if (ex->scope[0] != '\0') {
		(void)snprintf(server, slen, "%s", ex->scope);
		*rest = what;
		return (0);
	}
	if (!is_uri) {
		if (mcp_split_name(what, server, slen, item, sizeof(item)) == -1)
			return (-1);
		*rest = strstr(what, "__") + 2;
		return (0);
	}
	if (strncmp(what, ITEMS_URI_PREFIX, strlen(ITEMS_URI_PREFIX)) != 0)
		return (-1);
	p = what + strlen(ITEMS_URI_PREFIX);
	if ((slash = strchr(p, '/')) == NULL || slash == p ||
	    (size_t)(slash - p) >= slen || slash[1] == '\0')
		return (-1);
	memcpy(server, p, (size_t)(slash - p));
	server[slash - p] = '\0';
	*rest = slash + 1;
	return (0);
}

static enum hx_turn
item_db_failed(struct mcp_ex *ex)
{
	return (mcp_ex_error(ex, RPC_INTERNAL_ERROR,
	    "the item store is unavailable; retry"));
}

/* A scoped endpoint's server must exist and run (status from column 0). */
static enum hx_turn
item_scope_ok(struct mcp_ex *ex)
{
	char	msg[192];

	if (db_value(&ex->db, 0, 0) == NULL || *db_value(&ex->db, 0, 0) ==
	    '\0')
		return (mcp_ex_unknown_server(ex));
	if (strcmp(db_value(&ex->db, 0, 0), "running") != 0) {
		(void)snprintf(msg, sizeof(msg), "the MCPbox server %s is "
		    "stopped; an admin starts it in the panel", ex->scope);
		return (mcp_ex_error(ex, RPC_INVALID_REQUEST, msg));
	}
	return (HX_GO_ON);
}

static enum hx_turn
item_list(struct http_request *req, struct mcp_ex *ex, const char *sql,
    const char *filter, const char *key)
{
	const char	*p[3];
	enum db_status	 st;
	enum hx_turn	 rc;
	json_t		*all, *res;

	p[0] = ex->scope;
	p[1] = filter != NULL ? filter : mcp_token_param(&ex->token);
	p[2] = mcp_token_param(&ex->token);
	st = db_call_run(&ex->db, req, sql, filter != NULL ? 3 : 2, p);
	if (st == DB_PENDING)
		return (HX_WAIT);
	if (st == DB_FAILED)
		return (item_db_failed(ex));
	if ((rc = item_scope_ok(ex)) != HX_GO_ON)
		return (rc);
	all = json_loads(db_value(&ex->db, 0, 1), 0, NULL);
	res = mcp_list_page(ex, all, key);
	json_decref(all);
	if (res == NULL)
		return (mcp_ex_error(ex, RPC_INVALID_PARAMS, "invalid cursor"));
	return (mcp_ex_result(ex, res));
}

/*
 * A computed item runs as a call of the item by name: call.c loads it
 * with its server's secrets, checks approval, runs it and shapes the
 * result by ex->item.
 */
static enum hx_turn
item_run_code(struct http_request *req, struct mcp_ex *ex,
    enum mcp_item kind, const char *server, const char *name, json_t *args,
    json_t *def)
{
	char	full[164];

	if (ex->scope[0] != '\0')
		(void)snprintf(full, sizeof(full), "%s", name);
	else
		(void)snprintf(full, sizeof(full), "%s__%s", server, name);
	json_object_set_new(ex->params, "name", json_string(full));
	ex->item = kind;
	ex->item_def = def;
	ex->args = args;
	mcp_ex_track(ex);
	db_call_clear(&ex->db);
	ex->method_step = 0;
	return (mcp_call_user_tool(req, ex));
}

/*
 * A static item's answer goes to the execution log and activity feed as a
 * call's does (mcp_call_log, once the answer is out): reads of what an
 * admin published are as visible as calls.  `row` of the statement holds
 * the item's ids in columns 4 and 5; takes `args` and `result`.
 */
static enum hx_turn
item_logged(struct mcp_ex *ex, int row, const char *name, json_t *args,
    json_t *result)
{
	char	*text;

	text = json_dumps(result, JSON_COMPACT);
	json_decref(ex->tool);
	ex->tool = json_pack("{s:s, s:s, s:s}", "tool_id", db_value(&ex->db,
	    row, 4), "server_id", db_value(&ex->db, row, 5), "name", name);
	json_decref(ex->out);
	ex->out = json_pack("{s:b, s:s, s:s, s:s}", "success", 1, "result",
	    text != NULL ? text : "", "error", "", "stdout", "");
	free(text);
	json_decref(ex->args);
	ex->args = args;
	ex->log_pending = 1;
	return (mcp_ex_result(ex, result));
}

/* The row of the resource `uri` names, and its template's values. */
static int
item_resource_find(struct mcp_ex *ex, const char *uri, json_t **def,
    json_t **vars, int *has_code, const char **name, int *row)
{
	const char	*u;
	int		 i, n = db_ntuples(&ex->db);
	json_t		*d;

	for (i = 0; i < n; i++) {
		if ((d = json_loads(db_value(&ex->db, i, 1), 0, NULL)) == NULL)
			continue;
		u = json_string_value(json_object_get(d, "uri"));
		*vars = NULL;
		if (u != NULL && (strcmp(u, uri) == 0 ? (*vars = json_object())
		    != NULL : (uritemplate_is_template(u) &&
		    uritemplate_match(u, uri, vars) == 0))) {
			*def = d;
			*has_code = strcmp(db_value(&ex->db, i, 2), "t") == 0;
			*name = db_value(&ex->db, i, 0);
			*row = i;
			return (0);
		}
		json_decref(d);
	}
	return (-1);
}

static enum hx_turn
item_resources_read(struct http_request *req, struct mcp_ex *ex)
{
	char		 server[80], *text;
	const char	*uri, *rest, *p[2], *name, *mime;
	enum db_status	 st;
	json_t		*def, *vars, *c;
	int		 code, row;

	uri = json_string_value(json_object_get(ex->params, "uri"));
	if (uri == NULL || strlen(uri) > URITEMPLATE_URI_MAX + 100)
		return (mcp_ex_error(ex, RPC_INVALID_PARAMS,
		    "resources/read needs params.uri"));
	if (item_locate(ex, uri, 1, server, sizeof(server), &rest) == -1)
		return (mcp_ex_error(ex, RPC_RESOURCE_NOT_FOUND,
		    "resource not found"));
	p[0] = server;
	p[1] = mcp_token_param(&ex->token);
	st = db_call_run(&ex->db, req, SQL_MCP_RESOURCE_CANDIDATES, 2, p);
	if (st == DB_PENDING)
		return (HX_WAIT);
	if (st == DB_FAILED)
		return (item_db_failed(ex));
	if (item_resource_find(ex, rest, &def, &vars, &code, &name,
	    &row) == -1)
		return (mcp_ex_error(ex, RPC_RESOURCE_NOT_FOUND,
		    "resource not found"));
	ex->item_uri = kore_strdup(uri);
	if (code)
		return (item_run_code(req, ex, ITEM_RESOURCE, server, name,
		    vars, def));
	/* Stored before updates were checked against the stored item. */
	if (!json_is_string(json_object_get(def, "text")) &&
	    !json_is_string(json_object_get(def, "blob"))) {
		json_decref(def);
		json_decref(vars);
		return (mcp_ex_error(ex, RPC_INTERNAL_ERROR, "the resource has "
		    "no content; its author must give its text again"));
	}
	mime = json_string_value(json_object_get(def, "mime_type"));
	c = json_pack("{s:s}", "uri", uri);
	if (mime != NULL)
		json_object_set_new(c, "mimeType", json_string(mime));
	if (json_is_string(json_object_get(def, "text"))) {
		text = mcp_text_fill(json_string_value(json_object_get(def,
		    "text")), vars);
		json_object_set_new(c, "text", json_string(text));
		kore_free(text);
	} else {
		json_object_set(c, "blob", json_object_get(def, "blob"));
	}
	json_decref(def);
	return (item_logged(ex, row, name, vars, json_pack("{s:[o]}",
	    "contents", c)));
}

/* The arguments of prompts/get: an object of strings, required ones set. */
static const char *
item_prompt_args(const json_t *def, const json_t *args)
{
	const char	*k;
	json_t		*a, *v;
	size_t		 i;

	if (args != NULL && !json_is_object(args) && !json_is_null(args))
		return ("arguments must be an object of strings");
	json_object_foreach((json_t *)args, k, v)
		if (!json_is_string(v))
			return ("arguments must be an object of strings");
	json_array_foreach(json_object_get(def, "arguments"), i, a)
		if (json_is_true(json_object_get(a, "required")) &&
		    json_object_get(args, json_string_value(
		    json_object_get(a, "name"))) == NULL)
			return ("a required argument is missing");
	return (NULL);
}

static enum hx_turn
item_prompts_get(struct http_request *req, struct mcp_ex *ex)
{
	char		 server[80], msg[160];
	const char	*name, *rest, *p[3], *why;
	enum db_status	 st;
	json_t		*def, *args, *res, *a;
	size_t		 i;

	name = json_string_value(json_object_get(ex->params, "name"));
	if (name == NULL)
		return (mcp_ex_error(ex, RPC_INVALID_PARAMS,
		    "prompts/get needs params.name"));
	if (item_locate(ex, name, 0, server, sizeof(server), &rest) == -1)
		return (mcp_ex_error(ex, RPC_INVALID_PARAMS, "unknown prompt"));
	p[0] = server;
	p[1] = rest;
	p[2] = mcp_token_param(&ex->token);
	st = db_call_run(&ex->db, req, SQL_MCP_PROMPT_GET, 3, p);
	if (st == DB_PENDING)
		return (HX_WAIT);
	if (st == DB_FAILED)
		return (item_db_failed(ex));
	if (db_ntuples(&ex->db) != 1 ||
	    (def = json_loads(db_value(&ex->db, 0, 0), 0, NULL)) == NULL)
		return (mcp_ex_error(ex, RPC_INVALID_PARAMS, "unknown prompt"));
	args = json_object_get(ex->params, "arguments");
	if ((why = item_prompt_args(def, args)) != NULL) {
		(void)snprintf(msg, sizeof(msg), "%s (prompt %s)", why, name);
		json_decref(def);
		return (mcp_ex_error(ex, RPC_INVALID_PARAMS, msg));
	}
	args = json_is_object(args) ? json_deep_copy(args) : json_object();
	if (strcmp(db_value(&ex->db, 0, 1), "t") == 0)
		return (item_run_code(req, ex, ITEM_PROMPT, server, rest, args,
		    def));
	/* A declared argument not given is empty, not a literal "{name}". */
	json_array_foreach(json_object_get(def, "arguments"), i, a)
		if (json_object_get(args, json_string_value(json_object_get(a,
		    "name"))) == NULL)
			json_object_set_new(args, json_string_value(
			    json_object_get(a, "name")), json_string(""));
	if (!json_is_array(json_object_get(def, "messages"))) {
		json_decref(def);
		json_decref(args);
		return (mcp_ex_error(ex, RPC_INTERNAL_ERROR, "the prompt has no "
		    "messages; its author must give them again"));
	}
	res = json_pack("{s:s, s:o}", "description", db_value(&ex->db, 0, 2),
	    "messages", mcp_prompt_fill(json_object_get(def, "messages"),
	    args));
	json_decref(def);
	return (item_logged(ex, 0, name, args, res));
}

/* Declared values that start with what the user typed, at most 100. */
static json_t *
item_completion(const json_t *values, const char *typed)
{
	json_t		*out = json_array(), *v;
	size_t		 i, total = 0, n = strlen(typed);

	json_array_foreach((json_t *)values, i, v) {
		if (strncasecmp(json_string_value(v), typed, n) != 0)
			continue;
		if (total++ < COMPLETE_MAX)
			json_array_append(out, v);
	}
	return (json_pack("{s:{s:o, s:I, s:b}}", "completion", "values", out,
	    "total", (json_int_t)total, "hasMore", total > COMPLETE_MAX));
}

static enum hx_turn
item_complete(struct http_request *req, struct mcp_ex *ex)
{
	json_t		*ref, *arg, *def, *vars, *values = NULL, *a, *res;
	const char	*type, *what, *rest, *argname, *typed, *p[3], *name;
	char		 server[80];
	enum db_status	 st;
	size_t		 i;
	int		 prompt, code, row;

	ref = json_object_get(ex->params, "ref");
	arg = json_object_get(ex->params, "argument");
	type = json_string_value(json_object_get(ref, "type"));
	argname = json_string_value(json_object_get(arg, "name"));
	typed = json_string_value(json_object_get(arg, "value"));
	if (type == NULL || argname == NULL || typed == NULL ||
	    (strcmp(type, "ref/prompt") != 0 && strcmp(type,
	    "ref/resource") != 0))
		return (mcp_ex_error(ex, RPC_INVALID_PARAMS, "completion/"
		    "complete needs ref {type: ref/prompt|ref/resource} and "
		    "argument {name, value}"));
	prompt = strcmp(type, "ref/prompt") == 0;
	what = json_string_value(json_object_get(ref, prompt ? "name" :
	    "uri"));
	if (item_locate(ex, what, !prompt, server, sizeof(server), &rest) ==
	    -1)
		return (mcp_ex_error(ex, RPC_INVALID_PARAMS, prompt ?
		    "unknown prompt" : "unknown resource template"));
	/* The prompt by its name, or the server's resource candidates. */
	p[0] = server;
	p[1] = prompt ? rest : mcp_token_param(&ex->token);
	p[2] = mcp_token_param(&ex->token);
	st = db_call_run(&ex->db, req, prompt ? SQL_MCP_PROMPT_GET :
	    SQL_MCP_RESOURCE_CANDIDATES, prompt ? 3 : 2, p);
	if (st == DB_PENDING)
		return (HX_WAIT);
	if (st == DB_FAILED)
		return (item_db_failed(ex));
	row = 0;
	if (prompt) {
		if (db_ntuples(&ex->db) != 1 || (def = json_loads(
		    db_value(&ex->db, 0, 0), 0, NULL)) == NULL)
			return (mcp_ex_error(ex, RPC_INVALID_PARAMS,
			    "unknown prompt"));
		json_array_foreach(json_object_get(def, "arguments"), i, a)
			if (strcmp(json_string_value(json_object_get(a,
			    "name")), argname) == 0)
				values = json_object_get(a, "values");
	} else {
		/* The template itself names the resource it completes. */
		if (item_resource_find(ex, rest, &def, &vars, &code, &name,
		    &row) == -1)
			return (mcp_ex_error(ex, RPC_INVALID_PARAMS,
			    "unknown resource template"));
		json_decref(vars);
		values = json_object_get(json_object_get(json_object_get(def,
		    "variables"), argname), "values");
	}
	/* No declared values: the item's own complete(), if it has one. */
	if (!json_is_array(values) && strcmp(db_value(&ex->db, row, 3),
	    "t") == 0) {
		ex->item_complete = 1;
		return (item_run_code(req, ex, prompt ? ITEM_PROMPT :
		    ITEM_RESOURCE, server, prompt ? rest : name, json_pack(
		    "{s:s, s:s}", "argument", argname, "value", typed), def));
	}
	res = item_completion(json_is_array(values) ? values : NULL, typed);
	json_decref(def);
	return (mcp_ex_result(ex, res));
}

/*
 * A subscription is to a URI of one server: the updates it hears of are
 * the changes of that server's resources (mcp/streams.c).
 */
static enum hx_turn
item_subscription(struct http_request *req, struct mcp_ex *ex, int on)
{
	const char	*p[3], *rest;
	char		 server[80];
	enum db_status	 st;

	p[0] = ex->session;
	p[1] = json_string_value(json_object_get(ex->params, "uri"));
	if (p[1] == NULL || strlen(p[1]) > URITEMPLATE_URI_MAX + 100)
		return (mcp_ex_error(ex, RPC_INVALID_PARAMS,
		    "resources/subscribe needs params.uri"));
	if (item_locate(ex, p[1], 1, server, sizeof(server), &rest) == -1)
		return (mcp_ex_error(ex, RPC_INVALID_PARAMS, "on /mcp a "
		    "resource URI starts with mcpbox://{server}/"));
	p[2] = server;
	if (ex->session[0] == '\0')
		return (mcp_ex_error(ex, RPC_INVALID_REQUEST,
		    "subscriptions need a session; initialize first"));
	st = db_call_run(&ex->db, req, on ? SQL_MCP_SUBSCRIBE :
	    SQL_MCP_UNSUBSCRIBE, on ? 3 : 2, p);
	if (st == DB_PENDING)
		return (HX_WAIT);
	if (st == DB_FAILED)
		return (item_db_failed(ex));
	return (mcp_ex_result(ex, json_object()));
}

enum hx_turn
mcp_items_run(struct http_request *req, struct mcp_ex *ex)
{
	const char	*m = ex->method;

	/* A computed item already handed to the call path stays there. */
	if (ex->item != ITEM_TOOL)
		return (mcp_call_user_tool(req, ex));
	if (strcmp(m, "resources/list") == 0)
		return (item_list(req, ex, SQL_MCP_RESOURCES_LIST, "uri",
		    "resources"));
	if (strcmp(m, "resources/templates/list") == 0)
		return (item_list(req, ex, SQL_MCP_RESOURCES_LIST,
		    "uriTemplate", "resourceTemplates"));
	if (strcmp(m, "prompts/list") == 0)
		return (item_list(req, ex, SQL_MCP_PROMPTS_LIST, NULL,
		    "prompts"));
	if (strcmp(m, "resources/read") == 0)
		return (item_resources_read(req, ex));
	if (strcmp(m, "prompts/get") == 0)
		return (item_prompts_get(req, ex));
	if (strcmp(m, "completion/complete") == 0)
		return (item_complete(req, ex));
	return (item_subscription(req, ex, strcmp(m,
	    "resources/subscribe") == 0));
}
