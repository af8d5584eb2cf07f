/*
 * mcpbox_create_resource / _prompt and mcpbox_update_resource / _prompt:
 * an LLM authors the other two MCP primitives as it authors tools.  They
 * are stored, versioned and reviewed as tools are (db/sql_tools.c, the
 * same statements), so mcpbox_get_tool, _list_tools, _delete_tool,
 * _list_tool_versions, _rollback_tool and _request_publish serve them
 * too; what differs is the definition (core/itemdef.c), built here from
 * flat arguments an LLM gets right the first time.
 */
#include <string.h>

#include "mcp/mcp.h"
#include "db/sql.h"

#define LLM	"llm"

static const char *const resource_keys[] = { "uri", "mime_type", "text",
	"blob", "variables", NULL };
static const char *const prompt_keys[] = { "arguments", "messages", NULL };

static const char *
item_kind_of(const struct mcp_ex *ex)
{
	return (strstr(ex->mgmt->name, "resource") != NULL ? "resource" :
	    "prompt");
}

/* The definition from the arguments; NULL when none of its keys is set. */
static json_t *
item_definition(const struct mcp_ex *ex, const char *kind)
{
	const char *const	*k = strcmp(kind, "resource") == 0 ?
	    resource_keys : prompt_keys;
	json_t			*def = json_object(), *v;

	for (; *k != NULL; k++)
		if ((v = json_object_get(ex->args, *k)) != NULL &&
		    !json_is_null(v))
			json_object_set(def, *k, v);
	if (json_object_size(def) == 0) {
		json_decref(def);
		return (NULL);
	}
	return (def);
}

/* name, description and title as they may be given; -1: answered. */
static int
item_common_ok(struct mcp_ex *ex, int create)
{
	const char	*name = mgmt_arg_str(ex, "name");
	const char	*desc = mgmt_arg_str(ex, "description");
	json_t		*title = json_object_get(ex->args, "title");

	if ((create || name != NULL) && (name == NULL || !ident_valid(name)))
		return (mgmt_fail(ex, "name: " IDENT_RULE), -1);
	if (create && (desc == NULL || *desc == '\0'))
		return (mgmt_fail(ex, "description is required: clients show "
		    "it to the model and the user"), -1);
	if (title != NULL && !json_is_null(title) && (!json_is_string(title) ||
	    json_string_length(title) > TOOLDEF_TITLE_MAX))
		return (mgmt_fail(ex, "title: a string of at most "
		    SBX_STR(TOOLDEF_TITLE_MAX) " characters"), -1);
	return (0);
}

/*
 * The definition checked as the item will be stored: the one given or,
 * for an update that gives none, the stored one (`stored`), with the code
 * given or, for an update that gives none, the stored code.  Checking an
 * update against either possibility let a static resource lose its text
 * (or a static prompt its messages) by an update of its uri (arguments)
 * alone.  *text: the definition to store as text (a create's, or an
 * update's when given), else NULL.
 */
static int
item_definition_ok(struct mcp_ex *ex, const char *kind, int create,
    const json_t *stored, int stored_code, char **text)
{
	json_t		*def = item_definition(ex, kind);
	const char	*code = mgmt_arg_str(ex, "python_code");
	char		 why[256], msg[300];
	int		 has_code = code != NULL && *code != '\0';
	int		 given = def != NULL;

	*text = NULL;
	/* A rename or a new description leaves the definition as it is. */
	if (!given && !has_code && !create)
		return (0);
	if (!given)
		def = create || !json_is_object(stored) ? json_object() :
		    json_deep_copy(stored);
	if (itemdef_check(kind, def, has_code || (!create && stored_code),
	    why, sizeof(why)) == -1) {
		json_decref(def);
		(void)snprintf(msg, sizeof(msg), "%s: %s", kind, why);
		return (mgmt_fail(ex, msg), -1);
	}
	if (given || create)
		*text = json_dumps(def, JSON_COMPACT);
	json_decref(def);
	return (0);
}

enum hx_turn
mgmt_create_item(struct http_request *req, struct mcp_ex *ex)
{
	const char	*p[16], *sid, *kind = item_kind_of(ex), *code;
	char		*def;
	enum hx_turn	 rc;

	if (mgmt_arg_uuid(ex, "server_id", &sid) == HX_ANSWERED)
		return (HX_ANSWERED);
	if (item_common_ok(ex, 1) == -1 ||
	    item_definition_ok(ex, kind, 1, NULL, 0, &def) == -1)
		return (HX_ANSWERED);
	code = mgmt_arg_str(ex, "python_code");
	if (code != NULL && *code == '\0')
		code = NULL;
	/* A prompt's code runs main(**arguments), a resource's read(). */
	if (code != NULL && ex->out == NULL && (rc = mgmt_validate(req, ex,
	    code, strcmp(kind, "prompt") == 0)) != HX_GO_ON) {
		free(def);
		return (rc);
	}
	memset(p, 0, sizeof(p));
	p[0] = sid;
	p[1] = mgmt_arg_str(ex, "name");
	p[2] = mgmt_arg_str(ex, "description");
	p[3] = code;
	p[6] = LLM;
	p[7] = ex->request_id;
	p[8] = LLM;
	p[9] = LLM;
	p[10] = mgmt_arg_str(ex, "title");
	p[14] = kind;
	p[15] = def;
	rc = mgmt_sql(req, ex, SQL_TOOLS_CREATE_RESPOND, 16, p);
	free(def);
	return (rc);
}

/* mcpbox_update_resource / _prompt's own steps (ex->method_step). */
enum item_update_step {
	ITEM_UPDATE_LOAD = 0,	/* the stored item, to check the change on */
	ITEM_UPDATE_SAVE,
};

/* The stored item loaded, the change checked on it; -1: answered. */
static int
item_update_ok(struct mcp_ex *ex, const char *kind, enum db_status st,
    char **def)
{
	json_t		*row;
	const char	*k, *code;
	char		 msg[64];
	int		 rc;

	if (st == DB_FAILED)
		return (mgmt_unavailable(ex), -1);
	row = db_ntuples(&ex->db) == 1 ? json_loads(db_value(&ex->db, 0, 1),
	    0, NULL) : NULL;
	k = json_string_value(json_object_get(row, "kind"));
	if (k == NULL || strcmp(k, kind) != 0) {
		json_decref(row);
		(void)snprintf(msg, sizeof(msg), "no such %s", kind);
		return (mgmt_fail(ex, msg), -1);
	}
	code = json_string_value(json_object_get(row, "python_code"));
	rc = item_definition_ok(ex, kind, 0, json_object_get(row,
	    "definition"), code != NULL && *code != '\0', def);
	json_decref(row);
	return (rc);
}

enum hx_turn
mgmt_update_item(struct http_request *req, struct mcp_ex *ex)
{
	const char	*p[17], *id, *kind = item_kind_of(ex), *code;
	char		*def, idkey[16];
	json_t		*title, *given;
	enum db_status	 st;
	enum hx_turn	 rc;

	(void)snprintf(idkey, sizeof(idkey), "%s_id", kind);
	if (mgmt_arg_uuid(ex, idkey, &id) == HX_ANSWERED)
		return (HX_ANSWERED);
	if (ex->method_step == ITEM_UPDATE_LOAD) {
		if (item_common_ok(ex, 0) == -1)
			return (HX_ANSWERED);
		p[0] = id;
		st = db_call_run(&ex->db, req, SQL_TOOLS_GET_RESPOND, 1, p);
		if (st == DB_PENDING)
			return (HX_WAIT);
		if (item_update_ok(ex, kind, st, &def) == -1)
			return (HX_ANSWERED);
		free(def);
		db_call_clear(&ex->db);
		ex->method_step = ITEM_UPDATE_SAVE;
	}
	given = item_definition(ex, kind);
	def = given != NULL ? json_dumps(given, JSON_COMPACT) : NULL;
	json_decref(given);
	code = mgmt_arg_str(ex, "python_code");
	if (code != NULL && *code == '\0')
		code = NULL;
	if (code != NULL && ex->out == NULL &&
	    (rc = mgmt_validate(req, ex, code, strcmp(kind, "prompt") == 0)) !=
	    HX_GO_ON) {
		free(def);
		return (rc);
	}
	title = json_object_get(ex->args, "title");
	memset(p, 0, sizeof(p));
	p[0] = id;
	p[1] = mgmt_arg_str(ex, "name");
	p[2] = mgmt_arg_str(ex, "description");
	p[3] = code;
	p[7] = LLM;
	p[8] = ex->request_id;
	p[9] = LLM;
	p[10] = mgmt_arg_str(ex, "change_summary");
	p[11] = title == NULL ? NULL : json_is_null(title) ? "" :
	    json_string_value(title);
	p[15] = def;
	p[16] = kind;
	rc = mgmt_sql(req, ex, SQL_TOOLS_UPDATE_RESPOND, 17, p);
	free(def);
	return (rc);
}
