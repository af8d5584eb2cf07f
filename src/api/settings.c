/*
 * /api/settings: the security policy and the global module allow-list.
 *
 * Only keys that something enforces can be stored (a key accepted and
 * never read would promise a control that does not exist). The keys and
 * their values are the ones seeded by migration 0003, which also names
 * the code that enforces each. Which modules can never be allowed is SQL's
 * module_refused(), so the settings route and module approvals can't
 * disagree.
 */
#include <string.h>

#include "api/api.h"
#include "db/sql.h"

#define MODULE_LIST_MAX	200

static const struct {
	const char	*key;
	const char	*values[3];	/* one of these strings, or */
	long		min, max;	/* an integer in range */
} policy_keys[] = {
	{ "tool_approval_mode", { "require_approval", "auto_approve" }, 0, 0 },
	{ "module_approval_mode", { "require_approval", "auto_approve" }, 0,
	    0 },
	{ "remote_tool_editing", { "disabled", "enabled" }, 0, 0 },
	{ "local_requires_token", { "disabled", "enabled" }, 0, 0 },
	{ "mcp_rate_limit_rpm", { NULL }, 10, 10000 },
	{ "log_retention_days", { NULL }, 1, 3650 },
};

#define POLICY_NKEYS	(sizeof(policy_keys) / sizeof(policy_keys[0]))

int
api_settings_policy_get(struct http_request *req, struct api_ctx *c)
{
	return (api_sql_respond(req, c, SQL_SETTINGS_POLICY_GET_RESPOND, 0,
	    NULL));
}

/* Validate one policy key into `changes`. */
static void
settings_policy_check(json_t *body, size_t i, json_t *changes, json_t *fields)
{
	const char	*key = policy_keys[i].key, *s;
	char		msg[128];
	long		v;
	int		present, j;

	if (json_object_get(body, key) == NULL)
		return;
	if (policy_keys[i].values[0] == NULL) {
		if (api_field_int(body, key, 1, policy_keys[i].min,
		    policy_keys[i].max, &v, &present, fields) == 0)
			json_object_set_new(changes, key, json_integer(v));
		else {
			(void)snprintf(msg, sizeof(msg), "an integer from %ld "
			    "to %ld", policy_keys[i].min, policy_keys[i].max);
			json_object_set_new(fields, key, json_string(msg));
		}
		return;
	}
	if (api_field_str(body, key, 1, 64, &s, fields) == -1)
		return;
	for (j = 0; j < 3 && policy_keys[i].values[j] != NULL; j++) {
		if (strcmp(s, policy_keys[i].values[j]) == 0) {
			json_object_set_new(changes, key, json_string(s));
			return;
		}
	}
	(void)snprintf(msg, sizeof(msg), "must be %s or %s",
	    policy_keys[i].values[0], policy_keys[i].values[1]);
	json_object_set_new(fields, key, json_string(msg));
}

int
api_settings_policy_patch(struct http_request *req, struct api_ctx *c)
{
	const char	*allowed[POLICY_NKEYS + 1], *p[3];
	json_t		*fields, *changes;
	char		*text;
	size_t		i;

	if (c->step == API_CHECK) {
		if (api_body(req, c) == HX_ANSWERED)
			return (KORE_RESULT_OK);
		for (i = 0; i < POLICY_NKEYS; i++)
			allowed[i] = policy_keys[i].key;
		allowed[i] = NULL;
		fields = json_object();
		changes = json_object();
		api_fields_only(c->body, allowed, fields);
		for (i = 0; i < POLICY_NKEYS; i++)
			settings_policy_check(c->body, i, changes, fields);
		if (json_object_size(fields) == 0 &&
		    json_object_size(changes) == 0)
			json_object_set_new(fields, "body",
			    json_string("name at least one setting to change"));
		if (json_object_size(fields) > 0) {
			json_decref(changes);
			return (api_invalid(req, fields));
		}
		json_decref(fields);
		text = json_dumps(changes, JSON_COMPACT);
		c->scratch = json_pack("{s:s}", "changes", text);
		free(text);
		json_decref(changes);
		c->step = API_RUN;
	}
	p[0] = json_string_value(json_object_get(c->scratch, "changes"));
	p[1] = c->actor;
	p[2] = hx_request_id(req);
	return (api_sql_respond(req, c, SQL_SETTINGS_POLICY_PATCH_RESPOND, 3,
	    p));
}

int
api_settings_modules_get(struct http_request *req, struct api_ctx *c)
{
	return (api_sql_respond(req, c, SQL_SETTINGS_MODULES_GET_RESPOND, 0,
	    NULL));
}

/* A list of module names under `key`, as compact JSON text (or "[]"). */
static char *
settings_module_list(json_t *body, const char *key, json_t *fields)
{
	json_t	*v, *m;
	size_t	i;

	v = json_object_get(body, key);
	if (v == NULL || json_is_null(v))
		return (strdup("[]"));
	if (!json_is_array(v) || json_array_size(v) > MODULE_LIST_MAX) {
		json_object_set_new(fields, key,
		    json_string("a list of at most 200 module names"));
		return (NULL);
	}
	json_array_foreach(v, i, m) {
		if (!json_is_string(m) || !module_name_valid(
		    json_string_value(m))) {
			json_object_set_new(fields, key, json_sprintf(
			    "item %zu: " MODULE_NAME_RULE, i));
			return (NULL);
		}
	}
	return (json_dumps(v, JSON_COMPACT));
}

int
api_settings_modules_patch(struct http_request *req, struct api_ctx *c)
{
	static const char *const allowed[] = { "add", "remove", "reset",
	    NULL };
	const char	*p[5];
	char		*add, *remove;
	json_t		*fields;
	int		reset, has_reset;

	if (c->step == API_CHECK) {
		if (api_body(req, c) == HX_ANSWERED)
			return (KORE_RESULT_OK);
		fields = json_object();
		reset = 0;
		api_fields_only(c->body, allowed, fields);
		api_field_bool(c->body, "reset", &reset, &has_reset, fields);
		add = settings_module_list(c->body, "add", fields);
		remove = settings_module_list(c->body, "remove", fields);
		if (reset && (strcmp(add ? add : "", "[]") != 0 ||
		    strcmp(remove ? remove : "", "[]") != 0))
			json_object_set_new(fields, "reset", json_string(
			    "reset can't be combined with add or remove"));
		else if (!reset && add != NULL && remove != NULL &&
		    strcmp(add, "[]") == 0 && strcmp(remove, "[]") == 0 &&
		    json_object_size(fields) == 0)
			json_object_set_new(fields, "body", json_string(
			    "name modules to add or remove, or reset: true"));
		if (json_object_size(fields) > 0) {
			free(add);
			free(remove);
			return (api_invalid(req, fields));
		}
		json_decref(fields);
		c->scratch = json_pack("{s:s, s:s, s:s}", "add", add,
		    "remove", remove, "reset", reset ? "t" : "f");
		free(add);
		free(remove);
		c->step = API_RUN;
	}
	p[0] = json_string_value(json_object_get(c->scratch, "add"));
	p[1] = json_string_value(json_object_get(c->scratch, "remove"));
	p[2] = json_string_value(json_object_get(c->scratch, "reset"));
	p[3] = c->actor;
	p[4] = hx_request_id(req);
	return (api_sql_respond(req, c, SQL_SETTINGS_MODULES_PATCH_RESPOND, 5,
	    p));
}
