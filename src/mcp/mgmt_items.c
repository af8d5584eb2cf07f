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

/* The definition checked; "" with *def NULL when none is given. */
static int
item_definition_ok(struct mcp_ex *ex, const char *kind, int create,
    char **text)
{
	json_t		*def = item_definition(ex, kind);
	const char	*code = mgmt_arg_str(ex, "python_code");
	char		 why[256], msg[300];
	int		 has_code = code != NULL && *code != '\0';

	*text = NULL;
	if (def == NULL && !create)
		return (0);
	if (def == NULL)
		def = json_object();
	/* An update without code keeps the stored code, which may exist. */
	if (itemdef_check(kind, def, has_code, why, sizeof(why)) == -1 &&
	    (create || has_code || itemdef_check(kind, def, 1, msg,
	    sizeof(msg)) == -1)) {
		json_decref(def);
		(void)snprintf(msg, sizeof(msg), "%s: %s", kind, why);
		return (mgmt_fail(ex, msg), -1);
	}
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
	    item_definition_ok(ex, kind, 1, &def) == -1)
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

enum hx_turn
mgmt_update_item(struct http_request *req, struct mcp_ex *ex)
{
	const char	*p[17], *id, *kind = item_kind_of(ex), *code;
	char		*def, idkey[16];
	json_t		*title;
	enum hx_turn	 rc;

	(void)snprintf(idkey, sizeof(idkey), "%s_id", kind);
	if (mgmt_arg_uuid(ex, idkey, &id) == HX_ANSWERED)
		return (HX_ANSWERED);
	if (item_common_ok(ex, 0) == -1 ||
	    item_definition_ok(ex, kind, 0, &def) == -1)
		return (HX_ANSWERED);
	code = mgmt_arg_str(ex, "python_code");
	if (code != NULL && *code != '\0' && ex->out == NULL &&
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
