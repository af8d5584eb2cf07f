/*
 * api/: the REST API under /api, one file per resource.
 *
 * Every /api request enters through api_dispatch (router.c): the path is
 * checked for tricks, matched against the route table, the admin's access
 * token is verified (signature, type, expiry, then the blacklist and the
 * password version in PostgreSQL, so a logout is effective on every worker
 * at once), and only then is the resource handler called.
 *
 * A handler parses and validates input, runs its statement from db/ and
 * renders the result. Most statements return one row (status, body): the
 * SQL decides 200/404/409 atomically inside one statement, so a state
 * machine such as approval can't race between a check and an update.
 */
#ifndef MCPBOX_API_H
#define MCPBOX_API_H

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/tasks.h>

#include "http/http.h"
#include "db/db.h"
#include "ext/ext.h"

#define API_PARAMS_MAX	3
#define API_PARAM_LEN	96

struct api_ctx;
typedef int	(*api_handler)(struct http_request *, struct api_ctx *);

/*
 * What a route needs: no token, or a user of at least this role. The
 * order is the roles' rank: each role may do all that the one below may.
 */
enum api_access {
	API_OPEN = 0,
	API_VIEWER,		/* reads */
	API_REVIEWER,		/* also approves, rejects and revokes */
	API_ADMIN,		/* everything */
};

struct api_route {
	int		method;
	const char	*pattern;	/* "/api/servers/:id/tools" */
	const char	*name;		/* for logs and metrics */
	api_handler	fn;
	enum api_access	access;
};

/* A role's rank ("viewer" API_VIEWER ...), API_OPEN for no role. */
enum api_access	api_role_rank(const char *role);

enum api_step {
	API_CHECK = 0,		/* the input, once */
	API_RUN,		/* the statement, until it answers */
};

struct api_ctx {
	const struct api_route	*route;
	char			param[API_PARAMS_MAX][API_PARAM_LEN];
	int			nparams;
	int			authed;
	char			actor[128];
	char			role[16];	/* the user's, read per request */
	char			jti[64];
	char			sid[64];	/* the login's family */
	int64_t			token_exp;
	int			pv;
	struct db_call		db;
	/* The router's token check: its own steps, before the handler's. */
	enum { AUTH_TOKEN = 0, AUTH_REVOKED }	auth_step;
	/*
	 * The handler's own state machine. A handler that checks its
	 * input and then runs one statement uses enum api_step; one with
	 * more steps declares its own enum beside it.
	 */
	int			step;
	json_t			*body;
	json_t			*scratch;	/* handler-owned JSON, freed */
	void			*state;
	void			(*state_free)(void *);
	struct kore_task	task;
	int			task_used;
};

int	api_dispatch(struct http_request *);

/* Run `sql` on c->db; DB_PENDING means return KORE_RESULT_RETRY. */
enum db_status	api_sql(struct http_request *, struct api_ctx *,
		    const char *sql, int n, const char **params);
/* Run a (status int, body json) statement and send its row. */
int	api_sql_respond(struct http_request *, struct api_ctx *,
	    const char *sql, int n, const char **params);
/* The same with the route's id as $1 (and, _by, the actor and request). */
int	api_respond_id(struct http_request *, struct api_ctx *, const char *);
int	api_respond_id_by(struct http_request *, struct api_ctx *,
	    const char *);
/* A plain paged list: $1 offset, $2 limit, $3 page, $4 page_size. */
int	api_list_respond(struct http_request *, struct api_ctx *,
	    const char *sql);
int	api_db_error(struct http_request *, struct api_ctx *);
enum hx_turn	api_body(struct http_request *, struct api_ctx *);
void	api_next(struct api_ctx *, int step);
/* A check's turn as a page handler's result. */
int	api_result(enum hx_turn);

/* Input checks: 0 ok; else a field error was added to `fields`. */
int	api_field_str(json_t *body, const char *key, int required,
	    size_t maxlen, const char **out, json_t *fields);
int	api_field_int(json_t *body, const char *key, int required,
	    long min, long max, long *out, int *present, json_t *fields);
int	api_field_bool(json_t *body, const char *key, int *out,
	    int *present, json_t *fields);
int	api_fields_only(json_t *body, const char *const *allowed,
	    json_t *fields);
int	api_invalid(struct http_request *, json_t *fields);
enum hx_turn	api_page(struct http_request *, long *page,
	    long *page_size, char *offset, char *limit);
int	api_uuid_valid(const char *);

/* Password work in a task thread (pwjob.c), the route's c->state. */
enum pw_op {
	PW_HASH = 1,
	PW_VERIFY,
};

struct pw_job {
	enum pw_op	op;
	char		password[160];
	char		encoded[192];	/* in for verify, out for hash */
	int		have_encoded;
	int		ok;
	/* Kept across steps. */
	char		username[64];
	char		new_password[160];
	int		pv;
	/* A user's other fields (users.c). */
	char		role[16];
	int		active;		/* 0 unchanged, 1 active, 2 not */
};
struct pw_job	*api_pw_job(struct api_ctx *);
/* KORE_RESULT_RETRY while the task runs, KORE_RESULT_OK once j->ok says. */
int	api_pw_run(struct http_request *, struct api_ctx *);
/* 3-50 letters, digits or _, starting with a letter (as the table). */
int	api_username_valid(const char *);
#define USERNAME_RULE	"3-50 letters, digits or _, starting with a letter"

/* Resources. */
int	api_auth_status(struct http_request *, struct api_ctx *);
int	api_auth_setup(struct http_request *, struct api_ctx *);
int	api_auth_login(struct http_request *, struct api_ctx *);
int	api_auth_refresh(struct http_request *, struct api_ctx *);
int	api_auth_logout(struct http_request *, struct api_ctx *);
int	api_auth_change_password(struct http_request *, struct api_ctx *);
int	api_auth_me(struct http_request *, struct api_ctx *);

int	api_servers_list(struct http_request *, struct api_ctx *);
int	api_servers_create(struct http_request *, struct api_ctx *);
int	api_servers_get(struct http_request *, struct api_ctx *);
int	api_servers_update(struct http_request *, struct api_ctx *);
int	api_servers_delete(struct http_request *, struct api_ctx *);
int	api_servers_start(struct http_request *, struct api_ctx *);
int	api_servers_stop(struct http_request *, struct api_ctx *);
int	api_servers_host_add(struct http_request *, struct api_ctx *);
int	api_servers_host_remove(struct http_request *, struct api_ctx *);

int	api_tools_list(struct http_request *, struct api_ctx *);
int	api_tools_create(struct http_request *, struct api_ctx *);
int	api_tools_get(struct http_request *, struct api_ctx *);
int	api_tools_update(struct http_request *, struct api_ctx *);
int	api_tools_delete(struct http_request *, struct api_ctx *);
int	api_tools_versions(struct http_request *, struct api_ctx *);
int	api_tools_version_get(struct http_request *, struct api_ctx *);
int	api_tools_rollback(struct http_request *, struct api_ctx *);
int	api_tools_logs(struct http_request *, struct api_ctx *);

/* Health (outside /api). */
int	api_health(struct http_request *);
int	api_health_ready(struct http_request *);
int	api_health_circuits(struct http_request *, struct api_ctx *);
int	api_health_circuits_reset(struct http_request *, struct api_ctx *);

/* Helpers for the review, settings, activity and export routes. */
enum hx_turn	api_body_optional(struct http_request *, struct api_ctx *);
enum hx_turn	api_body_max(struct http_request *, struct api_ctx *, size_t);
int	api_query_enum(struct http_request *, const char *,
	    const char *const *allowed, const char *def, char *, size_t);
int	api_query_uuid(struct http_request *, const char *, char out[37]);

int	api_secrets_list(struct http_request *, struct api_ctx *);
int	api_secrets_create(struct http_request *, struct api_ctx *);
int	api_secrets_set(struct http_request *, struct api_ctx *);
int	api_secrets_delete(struct http_request *, struct api_ctx *);

int	api_approvals_stats(struct http_request *, struct api_ctx *);
int	api_approvals_tools(struct http_request *, struct api_ctx *);
int	api_approvals_modules(struct http_request *, struct api_ctx *);
int	api_approvals_network(struct http_request *, struct api_ctx *);
int	api_approvals_sources(struct http_request *, struct api_ctx *);
int	api_approvals_source_action(struct http_request *, struct api_ctx *);
int	api_approvals_source_revoke(struct http_request *, struct api_ctx *);
int	api_approvals_source_bulk(struct http_request *, struct api_ctx *);
int	api_approvals_tool_action(struct http_request *, struct api_ctx *);
int	api_approvals_module_action(struct http_request *, struct api_ctx *);
int	api_approvals_network_action(struct http_request *, struct api_ctx *);
int	api_approvals_tool_revoke(struct http_request *, struct api_ctx *);
int	api_approvals_module_revoke(struct http_request *, struct api_ctx *);
int	api_approvals_network_revoke(struct http_request *, struct api_ctx *);
int	api_approvals_tool_bulk(struct http_request *, struct api_ctx *);
int	api_approvals_module_bulk(struct http_request *, struct api_ctx *);
int	api_approvals_network_bulk(struct http_request *, struct api_ctx *);

int	api_settings_policy_get(struct http_request *, struct api_ctx *);
int	api_settings_policy_patch(struct http_request *, struct api_ctx *);
int	api_settings_modules_get(struct http_request *, struct api_ctx *);
int	api_settings_modules_patch(struct http_request *, struct api_ctx *);

/* Call once per worker (kore_worker_configure); idempotent. */
void	api_activity_init(void);
int	api_activity_logs(struct http_request *, struct api_ctx *);
int	api_activity_stream(struct http_request *, struct api_ctx *);
int	api_execution_logs(struct http_request *, struct api_ctx *);
int	api_server_execution_logs(struct http_request *, struct api_ctx *);

int	api_dashboard(struct http_request *, struct api_ctx *);

int	api_users_list(struct http_request *, struct api_ctx *);
int	api_users_create(struct http_request *, struct api_ctx *);
int	api_users_get(struct http_request *, struct api_ctx *);
int	api_users_update(struct http_request *, struct api_ctx *);
int	api_users_delete(struct http_request *, struct api_ctx *);

int	api_client_tokens_list(struct http_request *, struct api_ctx *);
int	api_client_tokens_create(struct http_request *, struct api_ctx *);
int	api_client_tokens_delete(struct http_request *, struct api_ctx *);

int	api_export(struct http_request *, struct api_ctx *);
int	api_import(struct http_request *, struct api_ctx *);

int	api_remote_get(struct http_request *, struct api_ctx *);
int	api_remote_put(struct http_request *, struct api_ctx *);
int	api_remote_client_revoke(struct http_request *, struct api_ctx *);

int	api_external_list(struct http_request *, struct api_ctx *);
int	api_external_create(struct http_request *, struct api_ctx *);
int	api_external_get(struct http_request *, struct api_ctx *);
int	api_external_delete(struct http_request *, struct api_ctx *);
int	api_external_discover(struct http_request *, struct api_ctx *);
int	api_external_import(struct http_request *, struct api_ctx *);
/* External sources: the route's source, and client jobs owned by a
 * request (external.c). */
enum hx_turn	api_ext_source_load(struct http_request *, struct api_ctx *);
void	api_ext_job(struct http_request *, struct api_ctx *, enum ext_op,
	    json_t *src, int timeout_ms, int next);
int	api_ext_job_done(struct http_request *, struct api_ctx *);
int	api_external_oauth_start(struct http_request *, struct api_ctx *);
int	api_external_oauth_exchange(struct http_request *, struct api_ctx *);

#endif
