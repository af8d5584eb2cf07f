/*
 * /api/approvals: the admin's review of tools, external sources, module
 * requests and network requests.
 *
 * The state machines live in the statements (db/sql_approvals.c): each
 * action is one UPDATE guarded by the statuses it may leave, so a check
 * and its change can't be separated by a concurrent request. Here we only
 * validate input and, for bulk actions, run the same single-item statement
 * once per id and report each outcome; one illegal item never blocks the
 * others and every applied change has its own audit entry.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "db/sql.h"

#define REASON_MAX	1000
#define BULK_MAX	100

enum kind {
	KIND_TOOL = 0,
	KIND_MODULE,
	KIND_NETWORK,
	KIND_SOURCE,
};

static const char *const	action_sql[] = {
	SQL_APPROVALS_TOOL_ACTION_RESPOND,
	SQL_APPROVALS_MODULE_ACTION_RESPOND,
	SQL_APPROVALS_NETWORK_ACTION_RESPOND,
	SQL_APPROVALS_SOURCE_ACTION_RESPOND,
};

/* Tools and sources are versioned: a review names the version it saw. */
#define VERSIONED(k)	((k) == KIND_TOOL || (k) == KIND_SOURCE)
/* A statement's parameters: $6 is the version, or a network action's
 * doors (appr_doors). */
#define NPARAMS(k)	(VERSIONED(k) || (k) == KIND_NETWORK ? 6 : 5)

struct appr_bulk {
	json_t		*ids;
	size_t		next;
	json_t		*results;
	int		ok;
};

static void
appr_bulk_free(void *arg)
{
	struct appr_bulk	*b = arg;

	json_decref(b->ids);
	json_decref(b->results);
	kore_free(b);
}

static int
appr_blank(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if (!isspace((unsigned char)*s))
			return (0);
	return (1);
}

/*
 * Check {action, reason} into `fields` (the action is fixed for revoke).
 * A rejection must say why: the reason is what the tool's author (often an
 * LLM) reads next. On success the action and reason go to c->scratch.
 */
static void
appr_action_check(struct api_ctx *c, const char *fixed, int appr_bulk,
    json_t *fields)
{
	static const char *const allowed[] = { "action", "reason", "version",
	    NULL };
	static const char *const revoke_allowed[] = { "reason", NULL };
	static const char *const bulk_allowed[] = { "ids", "action", "reason",
	    "versions", NULL };
	const char	*action, *reason;

	api_fields_only(c->body, appr_bulk ? bulk_allowed : fixed != NULL ?
	    revoke_allowed : allowed, fields);
	api_field_str(c->body, "reason", 0, REASON_MAX, &reason, fields);
	action = fixed;
	if (fixed == NULL) {
		api_field_str(c->body, "action", 1, 16, &action, fields);
		if (action != NULL && strcmp(action, "approve") != 0 &&
		    strcmp(action, "reject") != 0 && (!appr_bulk ||
		    strcmp(action, "revoke") != 0)) {
			json_object_set_new(fields, "action",
			    json_string(appr_bulk ?
			    "must be approve, reject or revoke" :
			    "must be approve or reject"));
			action = NULL;
		}
	}
	if (action != NULL && strcmp(action, "reject") == 0 &&
	    appr_blank(reason))
		json_object_set_new(fields, "reason",
		    json_string("a rejection needs a reason"));
	if (json_object_size(fields) > 0 || action == NULL)
		return;
	c->scratch = json_pack("{s:s}", "action", action);
	if (reason != NULL && !appr_blank(reason))
		json_object_set_new(c->scratch, "reason", json_string(reason));
}

/*
 * Approve what you saw: approving or rejecting a tool or a source names
 * the version the reviewer was shown, and the statement acts only on it.
 * 1 with the version in buf, 0 when none is needed (revoke, requests),
 * -1 after filling fields.
 */
static int
appr_tool_version(const json_t *v, const char *action, char *buf, size_t len,
    json_t *fields, const char *key)
{
	if (action == NULL || strcmp(action, "revoke") == 0)
		return (0);
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > INT32_MAX) {
		json_object_set_new(fields, key, json_string("the version you "
		    "reviewed (its current_version) is required"));
		return (-1);
	}
	(void)snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	return (1);
}

/*
 * MCPbox's own doors as "host:port host:port", which no network approval
 * may open (D37): a row written by any path is approved only if a tool
 * could ever reach its host.
 */
static const char *
appr_doors(void)
{
	static char	buf[2 * (CONFIG_HOST_MAX + 10)];

	(void)snprintf(buf, sizeof(buf), strchr(mcpbox_cfg.listen_host, ':') ?
	    "[%s]:%s" : "%s:%s", mcpbox_cfg.listen_host,
	    mcpbox_cfg.listen_port);
	if (mcpbox_cfg.has_public_listen)
		(void)snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
		    strchr(mcpbox_cfg.public_listen_host, ':') ? " [%s]:%s" :
		    " %s:%s", mcpbox_cfg.public_listen_host,
		    mcpbox_cfg.public_listen_port);
	return (buf);
}

static void
appr_action_params(struct http_request *req, struct api_ctx *c, const char *id,
    const char *p[6], const char *version, enum kind k)
{
	p[0] = id;
	p[1] = json_string_value(json_object_get(c->scratch, "action"));
	p[2] = json_string_value(json_object_get(c->scratch, "reason"));
	p[3] = c->actor;
	p[4] = hx_request_id(req);
	p[5] = k == KIND_NETWORK ? appr_doors() : version;
}

static int
appr_act(struct http_request *req, struct api_ctx *c, enum kind k,
    const char *fixed)
{
	const char	*p[6];
	json_t		*fields;
	char		 ver[16];

	if (!api_uuid_valid(c->param[0]))
		return (hx_error(req, 404, "not_found", "no such resource"));
	ver[0] = '\0';
	if (c->step == API_CHECK) {
		if (api_body_optional(req, c) == HX_ANSWERED)
			return (KORE_RESULT_OK);
		fields = json_object();
		appr_action_check(c, fixed, 0, fields);
		if (VERSIONED(k) && c->scratch != NULL)
			(void)appr_tool_version(json_object_get(c->body,
			    "version"),
			    json_string_value(json_object_get(c->scratch,
			    "action")), ver, sizeof(ver), fields, "version");
		if (json_object_size(fields) > 0)
			return (api_invalid(req, fields));
		json_decref(fields);
		if (ver[0] != '\0')
			json_object_set_new(c->scratch, "version",
			    json_string(ver));
		c->step = API_RUN;
	}
	appr_action_params(req, c, c->param[0], p, json_object_get(c->scratch,
	    "version") != NULL ? json_string_value(json_object_get(c->scratch,
	    "version")) : "", k);
	return (api_sql_respond(req, c, action_sql[k], NPARAMS(k), p));
}

int
api_approvals_tool_action(struct http_request *req, struct api_ctx *c)
{
	return (appr_act(req, c, KIND_TOOL, NULL));
}

int
api_approvals_module_action(struct http_request *req, struct api_ctx *c)
{
	return (appr_act(req, c, KIND_MODULE, NULL));
}

int
api_approvals_network_action(struct http_request *req, struct api_ctx *c)
{
	return (appr_act(req, c, KIND_NETWORK, NULL));
}

int
api_approvals_source_action(struct http_request *req, struct api_ctx *c)
{
	return (appr_act(req, c, KIND_SOURCE, NULL));
}

int
api_approvals_tool_revoke(struct http_request *req, struct api_ctx *c)
{
	return (appr_act(req, c, KIND_TOOL, "revoke"));
}

int
api_approvals_module_revoke(struct http_request *req, struct api_ctx *c)
{
	return (appr_act(req, c, KIND_MODULE, "revoke"));
}

int
api_approvals_network_revoke(struct http_request *req, struct api_ctx *c)
{
	return (appr_act(req, c, KIND_NETWORK, "revoke"));
}

int
api_approvals_source_revoke(struct http_request *req, struct api_ctx *c)
{
	return (appr_act(req, c, KIND_SOURCE, "revoke"));
}

/*
 * {"ids": [...], "action", "reason", "versions": {id: version}}: the ids,
 * each a UUID, 1..100; for tools a version per id (approve and reject).
 */
static int
appr_bulk_input(struct http_request *req, struct api_ctx *c, enum kind k)
{
	struct appr_bulk	*b;
	json_t		*ids, *v, *fields, *vers;
	size_t		i;
	char		buf[16];

	fields = json_object();
	appr_action_check(c, NULL, 1, fields);
	ids = json_object_get(c->body, "ids");
	if (!json_is_array(ids) || json_array_size(ids) == 0 ||
	    json_array_size(ids) > BULK_MAX) {
		json_object_set_new(fields, "ids", json_string(
		    "a list of 1 to 100 ids"));
	} else {
		json_array_foreach(ids, i, v) {
			if (!json_is_string(v) ||
			    !api_uuid_valid(json_string_value(v))) {
				json_object_set_new(fields, "ids",
				    json_sprintf("item %zu is not an id", i));
				break;
			}
		}
	}
	/* Tools and sources: every id with the version its card showed. */
	if (VERSIONED(k) && c->scratch != NULL && json_object_size(fields) ==
	    0) {
		vers = json_object_get(c->body, "versions");
		json_array_foreach(ids, i, v) {
			if (appr_tool_version(json_object_get(vers,
			    json_string_value(v)), json_string_value(
			    json_object_get(c->scratch, "action")), buf,
			    sizeof(buf), fields, "versions") == -1)
				break;
		}
	}
	if (json_object_size(fields) > 0) {
		api_invalid(req, fields);
		return (-1);
	}
	json_decref(fields);
	b = kore_calloc(1, sizeof(*b));
	b->ids = json_incref(ids);
	b->results = json_array();
	c->state = b;
	c->state_free = appr_bulk_free;
	return (0);
}

static int
appr_bulk(struct http_request *req, struct api_ctx *c, enum kind k)
{
	struct appr_bulk	*b;
	const char	*p[6], *id;
	enum db_status	st;
	json_t		*item, *body, *v;
	int		status;
	char		ver[16];

	if (c->step == API_CHECK) {
		if (api_body(req, c) == HX_ANSWERED)
			return (KORE_RESULT_OK);
		if (appr_bulk_input(req, c, k) == -1)
			return (KORE_RESULT_OK);
		c->step = API_RUN;
	}
	b = c->state;
	while (b->next < json_array_size(b->ids)) {
		id = json_string_value(json_array_get(b->ids, b->next));
		ver[0] = '\0';
		v = json_object_get(json_object_get(c->body, "versions"), id);
		if (VERSIONED(k) && json_is_integer(v))
			(void)snprintf(ver, sizeof(ver), "%lld",
			    (long long)json_integer_value(v));
		appr_action_params(req, c, id, p, ver, k);
		st = api_sql(req, c, action_sql[k], NPARAMS(k), p);
		if (st == DB_PENDING)
			return (KORE_RESULT_RETRY);
		if (st == DB_FAILED || db_ntuples(&c->db) != 1) {
			status = 503;
			body = json_pack("{s:{s:s, s:s}}", "error", "code",
			    "database_unavailable", "message",
			    "the database is unavailable; retry shortly");
		} else {
			status = atoi(db_value(&c->db, 0, 0));
			body = json_loads(db_value(&c->db, 0, 1), 0, NULL);
		}
		item = json_pack("{s:s, s:i, s:b}", "id", id, "status", status,
		    "ok", status == 200);
		if (body != NULL && status == 200)
			json_object_set(item, "result", body);
		else if (body != NULL)
			json_object_set(item, "error",
			    json_object_get(body, "error"));
		json_decref(body);
		json_array_append_new(b->results, item);
		if (status == 200)
			b->ok++;
		db_call_clear(&c->db);
		b->next++;
	}
	return (hx_json(req, 200, json_pack("{s:O, s:i, s:i}", "results",
	    b->results, "succeeded", b->ok, "failed",
	    (int)json_array_size(b->ids) - b->ok)));
}

int
api_approvals_tool_bulk(struct http_request *req, struct api_ctx *c)
{
	return (appr_bulk(req, c, KIND_TOOL));
}

int
api_approvals_module_bulk(struct http_request *req, struct api_ctx *c)
{
	return (appr_bulk(req, c, KIND_MODULE));
}

int
api_approvals_network_bulk(struct http_request *req, struct api_ctx *c)
{
	return (appr_bulk(req, c, KIND_NETWORK));
}

int
api_approvals_source_bulk(struct http_request *req, struct api_ctx *c)
{
	return (appr_bulk(req, c, KIND_SOURCE));
}

int
api_approvals_stats(struct http_request *req, struct api_ctx *c)
{
	return (api_sql_respond(req, c, SQL_APPROVALS_STATS_RESPOND, 0, NULL));
}

/*
 * ?status= &search= &server_id= &page= &page_size=; `extra` ($8), when
 * not NULL: the network queue's doors, to mark what can never be approved.
 */
static int
appr_queue(struct http_request *req, struct api_ctx *c, const char *sql,
    const char *const *statuses, const char *def, const char *extra)
{
	long		page, size;
	char		off[16], lim[16], pg[16], ps[16], status[32];
	char		search[256], server[37];
	const char	*p[8];

	if (api_page(req, &page, &size, off, lim) == HX_ANSWERED)
		return (KORE_RESULT_OK);
	if (api_query_enum(req, "status", statuses, def, status,
	    sizeof(status)) == -1)
		return (hx_error(req, 400, "bad_filter",
		    "unknown status filter"));
	if (api_query_uuid(req, "server_id", server) == -1)
		return (hx_error(req, 400, "bad_filter",
		    "server_id must be a server id"));
	if (!hx_query(req, "search", search, sizeof(search)))
		search[0] = '\0';
	(void)snprintf(pg, sizeof(pg), "%ld", page);
	(void)snprintf(ps, sizeof(ps), "%ld", size);
	p[0] = status;
	p[1] = search;
	p[2] = server;
	p[3] = off;
	p[4] = lim;
	p[5] = pg;
	p[6] = ps;
	p[7] = extra;
	return (api_sql_respond(req, c, sql, extra != NULL ? 8 : 7, p));
}

int
api_approvals_tools(struct http_request *req, struct api_ctx *c)
{
	static const char *const st[] = { "draft", "pending_review",
	    "approved", "rejected", "all", NULL };

	return (appr_queue(req, c, SQL_APPROVALS_TOOLS_RESPOND, st,
	    "pending_review", NULL));
}

int
api_approvals_modules(struct http_request *req, struct api_ctx *c)
{
	static const char *const st[] = { "pending", "approved", "rejected",
	    "all", NULL };

	return (appr_queue(req, c, SQL_APPROVALS_MODULES_RESPOND, st,
	    "pending", NULL));
}

int
api_approvals_network(struct http_request *req, struct api_ctx *c)
{
	static const char *const st[] = { "pending", "approved", "rejected",
	    "all", NULL };

	return (appr_queue(req, c, SQL_APPROVALS_NETWORK_RESPOND, st,
	    "pending", appr_doors()));
}

int
api_approvals_sources(struct http_request *req, struct api_ctx *c)
{
	static const char *const st[] = { "pending_review", "approved",
	    "rejected", "all", NULL };

	return (appr_queue(req, c, SQL_APPROVALS_SOURCES_RESPOND, st,
	    "pending_review", NULL));
}
