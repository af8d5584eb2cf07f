/*
 * /api/users: the panel's users and their roles (admins only, routes.c).
 * A password set here is hashed in a task thread (pwjob.c); a new one
 * ends the user's logins. The last active admin stays (db/sql_users.c).
 */
#include <string.h>

#include "api/api.h"
#include "db/sql.h"

/* Create's and update's steps (c->step). */
enum users_step {
	USERS_CHECK = 0,	/* the body */
	USERS_HASH,		/* argon2id, when a password was given */
	USERS_STORE,
};

#define ROLE_RULE	"admin, reviewer or viewer"

int
api_users_list(struct http_request *req, struct api_ctx *c)
{
	return (api_list_respond(req, c, SQL_USERS_LIST_RESPOND));
}

int
api_users_get(struct http_request *req, struct api_ctx *c)
{
	return (api_respond_id(req, c, SQL_USERS_GET_RESPOND));
}

int
api_users_delete(struct http_request *req, struct api_ctx *c)
{
	return (api_respond_id_by(req, c, SQL_USERS_DELETE_RESPOND));
}

/* The password, checked against the policy, into the job to be hashed. */
static void
users_password(struct api_ctx *c, struct pw_job *j, int required,
    json_t *fields)
{
	const char	*pw;
	char		 msg[128];

	if (api_field_str(c->body, "password", required, 128, &pw,
	    fields) == -1 || pw == NULL)
		return;
	if (password_policy(pw, msg, sizeof(msg)) == -1) {
		json_object_set_new(fields, "password", json_string(msg));
		return;
	}
	(void)snprintf(j->password, sizeof(j->password), "%s", pw);
	j->op = PW_HASH;
}

/* The role, kept across steps. */
static void
users_role(struct api_ctx *c, struct pw_job *j, int required, json_t *fields)
{
	const char	*role;

	if (api_field_str(c->body, "role", required, 16, &role, fields) == -1 ||
	    role == NULL)
		return;
	/* The roles are the router's (api_role_rank): one list. */
	if (api_role_rank(role) == API_OPEN)
		json_object_set_new(fields, "role", json_string(ROLE_RULE));
	else
		(void)snprintf(j->role, sizeof(j->role), "%s", role);
}

/* Hash the password if one was given; RETRY while the task runs. */
static int
users_hash(struct http_request *req, struct api_ctx *c, struct pw_job *j)
{
	if (j->op != PW_HASH)
		return (KORE_RESULT_OK);
	if (api_pw_run(req, c) == KORE_RESULT_RETRY)
		return (KORE_RESULT_RETRY);
	explicit_bzero(j->password, sizeof(j->password));
	if (!j->ok) {
		(void)hx_error(req, 500, "internal", "hashing failed");
		return (KORE_RESULT_ERROR);
	}
	j->have_encoded = 1;
	return (KORE_RESULT_OK);
}

/*
 * Create and update share their steps: the input (check: 1 to go on, 0
 * when it answered), the password's hash when one was given, the
 * statement (store).
 */
static int
users_run(struct http_request *req, struct api_ctx *c,
    int (*check)(struct http_request *, struct api_ctx *, struct pw_job *),
    int (*store)(struct http_request *, struct api_ctx *, struct pw_job *))
{
	struct pw_job	*j;
	int		 rc;

	j = api_pw_job(c);
	switch ((enum users_step)c->step) {
	case USERS_CHECK:
		if (api_body(req, c) == HX_ANSWERED || !check(req, c, j))
			return (KORE_RESULT_OK);
		c->step = USERS_HASH;
		/* FALLTHROUGH */
	case USERS_HASH:
		if ((rc = users_hash(req, c, j)) != KORE_RESULT_OK)
			return (rc == KORE_RESULT_RETRY ? rc : KORE_RESULT_OK);
		c->step = USERS_STORE;
		/* FALLTHROUGH */
	case USERS_STORE:
	default:
		return (store(req, c, j));
	}
}

static int
users_create_check(struct http_request *req, struct api_ctx *c,
    struct pw_job *j)
{
	static const char *const allowed[] = { "username", "password", "role",
	    NULL };
	const char	*user;
	json_t		*fields;

	fields = json_object();
	api_fields_only(c->body, allowed, fields);
	api_field_str(c->body, "username", 1, 50, &user, fields);
	if (user != NULL && !api_username_valid(user))
		json_object_set_new(fields, "username",
		    json_string(USERNAME_RULE));
	users_password(c, j, 1, fields);
	users_role(c, j, 1, fields);
	if (json_object_size(fields) > 0)
		return (api_invalid(req, fields), 0);
	json_decref(fields);
	(void)snprintf(j->username, sizeof(j->username), "%s", user);
	return (1);
}

static int
users_create_store(struct http_request *req, struct api_ctx *c,
    struct pw_job *j)
{
	const char	*p[5];

	p[0] = j->username;
	p[1] = j->encoded;
	p[2] = j->role;
	p[3] = c->actor;
	p[4] = hx_request_id(req);
	return (api_sql_respond(req, c, SQL_USERS_CREATE_RESPOND, 5, p));
}

int
api_users_create(struct http_request *req, struct api_ctx *c)
{
	return (users_run(req, c, users_create_check, users_create_store));
}

static int
users_update_check(struct http_request *req, struct api_ctx *c,
    struct pw_job *j)
{
	static const char *const allowed[] = { "password", "role", "is_active",
	    NULL };
	json_t		*fields;
	int		 active, present;

	fields = json_object();
	api_fields_only(c->body, allowed, fields);
	users_password(c, j, 0, fields);
	users_role(c, j, 0, fields);
	if (api_field_bool(c->body, "is_active", &active, &present,
	    fields) == 0 && present)
		j->active = active ? 1 : 2;
	if (json_object_size(fields) == 0 && j->op != PW_HASH &&
	    j->role[0] == '\0' && j->active == 0)
		json_object_set_new(fields, "body", json_string(
		    "give password, role or is_active"));
	if (json_object_size(fields) > 0)
		return (api_invalid(req, fields), 0);
	json_decref(fields);
	return (1);
}

static int
users_update_store(struct http_request *req, struct api_ctx *c,
    struct pw_job *j)
{
	const char	*p[6];

	p[0] = c->param[0];
	p[1] = j->role[0] != '\0' ? j->role : NULL;
	p[2] = j->active == 0 ? NULL : j->active == 1 ? "t" : "f";
	p[3] = j->have_encoded ? j->encoded : NULL;
	p[4] = c->actor;
	p[5] = hx_request_id(req);
	return (api_sql_respond(req, c, SQL_USERS_UPDATE_RESPOND, 6, p));
}

int
api_users_update(struct http_request *req, struct api_ctx *c)
{
	return (users_run(req, c, users_update_check, users_update_store));
}
