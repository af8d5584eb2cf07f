/*
 * Authentication of the panel's users: setup, login, refresh with
 * rotation, logout, own password change, me.
 *
 * Hashing and verifying run in a task thread (pwjob.c). Unknown users get
 * a dummy verify
 * of the same cost, and failed logins count against the caller's IP in the
 * shared rate-limit table (5 per minute across all workers).
 */
#include <string.h>

#include "api/api.h"
#include "db/sql.h"

#define ACCESS_TTL	(15 * 60)
#define REFRESH_TTL	(7 * 24 * 3600)
#define LOGIN_LIMIT	5
#define LOGIN_WINDOW	60

/* First-run setup's steps (c->step). */
enum setup_step {
	SETUP_CHECK = 0,	/* the body */
	SETUP_FIRST,		/* refused once an admin exists */
	SETUP_HASH,		/* argon2id in a task */
	SETUP_STORE,
};

/* Login's steps. */
enum login_step {
	LOGIN_CHECK = 0,	/* rate limit, the body */
	LOGIN_LOAD,		/* the user's hash */
	LOGIN_VERIFY,		/* argon2id in a task */
	LOGIN_FAILED,		/* count it, alert */
	LOGIN_FAILED_RECORD,	/* the audit row */
	LOGIN_OK,		/* the audit row, the tokens */
};

/* A password change's steps. */
enum password_step {
	PASSWORD_CHECK = 0,	/* the body, the policy */
	PASSWORD_LOAD,		/* the current hash */
	PASSWORD_VERIFY,	/* the current password */
	PASSWORD_HASH,		/* the new one */
	PASSWORD_STORE,
};

/* Issue an access + refresh pair for `user` at password version `pv`. */
static int
auth_send_tokens(struct http_request *req, int status, const char *user, int pv,
    const char *sid)
{
	char	jti_a[37], jti_r[37], fresh[37], *access, *refresh;
	int64_t	exp_a, exp_r, now;
	json_t	*o;

	/* A login starts a family; a refresh carries its family on. */
	if (sid == NULL) {
		crypto_uuid4(fresh);
		sid = fresh;
	}
	now = (int64_t)time(NULL);
	access = jwt_issue(mcpbox_cfg.jwt_secret, mcpbox_cfg.jwt_secret_len,
	    user, "access", pv, sid, ACCESS_TTL, now, jti_a, &exp_a);
	refresh = jwt_issue(mcpbox_cfg.jwt_secret, mcpbox_cfg.jwt_secret_len,
	    user, "refresh", pv, sid, REFRESH_TTL, now, jti_r, &exp_r);
	if (access == NULL || refresh == NULL) {
		free(access);
		free(refresh);
		return (hx_error(req, 500, "internal", "token issue failed"));
	}
	o = json_pack("{s:s, s:s, s:s, s:i, s:i, s:s}", "access_token", access,
	    "refresh_token", refresh, "token_type", "bearer", "expires_in",
	    ACCESS_TTL, "refresh_expires_in", REFRESH_TTL, "username", user);
	explicit_bzero(access, strlen(access));
	explicit_bzero(refresh, strlen(refresh));
	free(access);
	free(refresh);
	return (hx_json(req, status, o));
}

int
api_auth_status(struct http_request *req, struct api_ctx *c)
{
	const char	*p[1] = { MCPBOX_VERSION };

	return (api_sql_respond(req, c, SQL_AUTH_STATUS_RESPOND, 1, p));
}

int
api_auth_setup(struct http_request *req, struct api_ctx *c)
{
	static const char *const allowed[] = { "username", "password", NULL };
	struct pw_job	*j;
	const char	*user, *pw, *p[3];
	json_t		*fields;
	enum db_status	st;
	char		msg[128];

	j = api_pw_job(c);
	switch ((enum setup_step)c->step) {
	case SETUP_CHECK:
		if (api_body(req, c) == HX_ANSWERED)
			return (KORE_RESULT_OK);
		fields = json_object();
		api_fields_only(c->body, allowed, fields);
		api_field_str(c->body, "username", 1, 50, &user, fields);
		api_field_str(c->body, "password", 1, 128, &pw, fields);
		if (user != NULL && !api_username_valid(user))
			json_object_set_new(fields, "username", json_string(
			    USERNAME_RULE));
		if (pw != NULL && password_policy(pw, msg, sizeof(msg)) == -1)
			json_object_set_new(fields, "password", json_string(msg));
		if (json_object_size(fields) > 0)
			return (api_invalid(req, fields));
		json_decref(fields);
		(void)snprintf(j->username, sizeof(j->username), "%s", user);
		(void)snprintf(j->password, sizeof(j->password), "%s", pw);
		c->step = SETUP_FIRST;
		/* FALLTHROUGH */
	case SETUP_FIRST:
		/* Refuse before paying for a hash once an admin exists. */
		st = api_sql(req, c, SQL_AUTH_ADMIN_EXISTS, 0, NULL);
		if (st == DB_PENDING)
			return (KORE_RESULT_RETRY);
		if (st == DB_FAILED)
			return (api_db_error(req, c));
		if (strcmp(db_value(&c->db, 0, 0), "t") == 0)
			return (hx_error(req, 409, "conflict",
			    "an admin account already exists"));
		api_next(c, SETUP_HASH);
		j->op = PW_HASH;
		/* FALLTHROUGH */
	case SETUP_HASH:
		if (api_pw_run(req, c) == KORE_RESULT_RETRY)
			return (KORE_RESULT_RETRY);
		if (!j->ok)
			return (hx_error(req, 500, "internal", "hashing failed"));
		explicit_bzero(j->password, sizeof(j->password));
		c->step = SETUP_STORE;
		/* FALLTHROUGH */
	case SETUP_STORE:
	default:
		p[0] = j->username;
		p[1] = j->encoded;
		p[2] = hx_request_id(req);
		return (api_sql_respond(req, c, SQL_AUTH_SETUP_RESPOND, 3, p));
	}
}

static int
auth_login_failed(struct http_request *req, struct api_ctx *c, const char *ip)
{
	const char	*p[3];
	struct pw_job	*j = c->state;
	enum db_status	st;

	if (c->step == LOGIN_FAILED) {
		ratelimit_fail("login", ip, LOGIN_WINDOW, clock_ms());
		alert_login_failure(ip);
		c->step = LOGIN_FAILED_RECORD;
	}
	p[0] = j->username;
	p[1] = hx_request_id(req);
	p[2] = ip;
	st = api_sql(req, c, SQL_AUTH_LOGIN_FAILED, 3, p);
	if (st == DB_PENDING)
		return (KORE_RESULT_RETRY);
	return (hx_error(req, 401, "invalid_credentials",
	    "wrong username or password"));
}

int
api_auth_login(struct http_request *req, struct api_ctx *c)
{
	static const char *const allowed[] = { "username", "password", NULL };
	struct pw_job	*j;
	const char	*user, *pw, *p[3];
	json_t		*fields;
	enum db_status	st;
	char		ip[64], ra[16];
	int		retry;

	j = api_pw_job(c);
	hx_client_ip(req, ip, sizeof(ip));
	switch ((enum login_step)c->step) {
	case LOGIN_CHECK:
		if (ratelimit_blocked("login", ip, LOGIN_LIMIT, LOGIN_WINDOW,
		    clock_ms(), &retry)) {
			(void)snprintf(ra, sizeof(ra), "%d", retry);
			http_response_header(req, "retry-after", ra);
			return (hx_error(req, 429, "rate_limited",
			    "too many failed logins; wait and retry"));
		}
		if (api_body(req, c) == HX_ANSWERED)
			return (KORE_RESULT_OK);
		fields = json_object();
		api_fields_only(c->body, allowed, fields);
		api_field_str(c->body, "username", 1, 128, &user, fields);
		api_field_str(c->body, "password", 1, 128, &pw, fields);
		if (json_object_size(fields) > 0)
			return (api_invalid(req, fields));
		json_decref(fields);
		(void)snprintf(j->username, sizeof(j->username), "%s", user);
		(void)snprintf(j->password, sizeof(j->password), "%s", pw);
		c->step = LOGIN_LOAD;
		/* FALLTHROUGH */
	case LOGIN_LOAD:
		p[0] = j->username;
		st = api_sql(req, c, SQL_AUTH_USER, 1, p);
		if (st == DB_PENDING)
			return (KORE_RESULT_RETRY);
		if (st == DB_FAILED)
			return (api_db_error(req, c));
		if (db_ntuples(&c->db) == 1) {
			(void)snprintf(j->encoded, sizeof(j->encoded), "%s",
			    db_value(&c->db, 0, 0));
			j->have_encoded = 1;
			j->pv = atoi(db_value(&c->db, 0, 1));
		}
		api_next(c, LOGIN_VERIFY);
		j->op = PW_VERIFY;
		/* FALLTHROUGH */
	case LOGIN_VERIFY:
		if (api_pw_run(req, c) == KORE_RESULT_RETRY)
			return (KORE_RESULT_RETRY);
		explicit_bzero(j->password, sizeof(j->password));
		if (!j->ok || !j->have_encoded) {
			c->step = LOGIN_FAILED;
			return (auth_login_failed(req, c, ip));
		}
		ratelimit_clear("login", ip);
		c->step = LOGIN_OK;
		break;
	case LOGIN_FAILED:
	case LOGIN_FAILED_RECORD:
		return (auth_login_failed(req, c, ip));
	case LOGIN_OK:
	default:
		break;
	}
	p[0] = j->username;
	p[1] = hx_request_id(req);
	p[2] = ip;
	st = api_sql(req, c, SQL_AUTH_LOGIN_OK, 3, p);
	if (st == DB_PENDING)
		return (KORE_RESULT_RETRY);
	if (st == DB_FAILED)
		return (api_db_error(req, c));
	return (auth_send_tokens(req, 200, j->username, j->pv, NULL));
}

int
api_auth_refresh(struct http_request *req, struct api_ctx *c)
{
	static const char *const allowed[] = { "refresh_token", NULL };
	struct jwt_claims	*cl;
	const char		*tok, *p[5];
	json_t			*fields;
	enum db_status		st;
	char			exp[24], pv[16];

	if (c->state == NULL) {
		if (api_body(req, c) == HX_ANSWERED)
			return (KORE_RESULT_OK);
		fields = json_object();
		api_fields_only(c->body, allowed, fields);
		api_field_str(c->body, "refresh_token", 1, 4096, &tok, fields);
		if (json_object_size(fields) > 0)
			return (api_invalid(req, fields));
		json_decref(fields);
		c->state = kore_calloc(1, sizeof(*cl));
		c->state_free = kore_free;
		if (jwt_check(mcpbox_cfg.jwt_secret, mcpbox_cfg.jwt_secret_len,
		    tok, "refresh", time(NULL), c->state) == -1)
			return (hx_error(req, 401, "unauthorized",
			    "the refresh token is invalid or expired"));
	}
	cl = c->state;
	(void)snprintf(exp, sizeof(exp), "%lld", (long long)cl->exp);
	(void)snprintf(pv, sizeof(pv), "%d", cl->pv);
	p[0] = cl->sub;
	p[1] = cl->jti;
	p[2] = exp;
	p[3] = pv;
	p[4] = cl->sid;
	st = api_sql(req, c, SQL_AUTH_REFRESH_USE, 5, p);
	if (st == DB_PENDING)
		return (KORE_RESULT_RETRY);
	if (st == DB_FAILED)
		return (api_db_error(req, c));
	if (strcmp(db_value(&c->db, 0, 0), "1") != 0)
		return (hx_error(req, 401, "unauthorized",
		    "the refresh token was already used or revoked"));
	return (auth_send_tokens(req, 200, cl->sub, cl->pv, cl->sid));
}

int
api_auth_logout(struct http_request *req, struct api_ctx *c)
{
	static const char *const allowed[] = { "refresh_token", NULL };
	struct jwt_claims	rcl;
	const char		*tok, *p[8];
	json_t			*fields;
	char			aexp[24], rexp[24], rjti[64], fexp[24];

	if (req->content_length > 0) {
		if (api_body(req, c) == HX_ANSWERED)
			return (KORE_RESULT_OK);
	} else if (c->body == NULL) {
		c->body = json_object();
	}
	fields = json_object();
	api_fields_only(c->body, allowed, fields);
	api_field_str(c->body, "refresh_token", 0, 4096, &tok, fields);
	if (json_object_size(fields) > 0)
		return (api_invalid(req, fields));
	json_decref(fields);
	rjti[0] = '\0';
	rexp[0] = '0';
	rexp[1] = '\0';
	/* Only a refresh token of the same admin can be revoked here. */
	if (tok != NULL && jwt_check(mcpbox_cfg.jwt_secret,
	    mcpbox_cfg.jwt_secret_len, tok, "refresh", time(NULL), &rcl) == 0 &&
	    strcmp(rcl.sub, c->actor) == 0) {
		(void)snprintf(rjti, sizeof(rjti), "%s", rcl.jti);
		(void)snprintf(rexp, sizeof(rexp), "%lld", (long long)rcl.exp);
	}
	(void)snprintf(aexp, sizeof(aexp), "%lld", (long long)c->token_exp);
	/* The whole login: every refresh token it ever had, for their life. */
	(void)snprintf(fexp, sizeof(fexp), "%lld", (long long)time(NULL) +
	    REFRESH_TTL);
	p[0] = c->jti;
	p[1] = aexp;
	p[2] = rjti;
	p[3] = rexp;
	p[4] = c->actor;
	p[5] = hx_request_id(req);
	p[6] = c->sid;
	p[7] = fexp;
	return (api_sql_respond(req, c, SQL_AUTH_LOGOUT_RESPOND, 8, p));
}

int
api_auth_change_password(struct http_request *req, struct api_ctx *c)
{
	static const char *const allowed[] = { "current_password",
	    "new_password", NULL };
	struct pw_job	*j;
	const char	*cur, *nw, *p[4];
	json_t		*fields;
	enum db_status	st;
	char		msg[128], pv[16];

	j = api_pw_job(c);
	switch ((enum password_step)c->step) {
	case PASSWORD_CHECK:
		if (api_body(req, c) == HX_ANSWERED)
			return (KORE_RESULT_OK);
		fields = json_object();
		api_fields_only(c->body, allowed, fields);
		api_field_str(c->body, "current_password", 1, 128, &cur, fields);
		api_field_str(c->body, "new_password", 1, 128, &nw, fields);
		if (nw != NULL && password_policy(nw, msg, sizeof(msg)) == -1)
			json_object_set_new(fields, "new_password",
			    json_string(msg));
		if (json_object_size(fields) > 0)
			return (api_invalid(req, fields));
		json_decref(fields);
		(void)snprintf(j->password, sizeof(j->password), "%s", cur);
		(void)snprintf(j->new_password, sizeof(j->new_password), "%s",
		    nw);
		c->step = PASSWORD_LOAD;
		/* FALLTHROUGH */
	case PASSWORD_LOAD:
		p[0] = c->actor;
		st = api_sql(req, c, SQL_AUTH_USER, 1, p);
		if (st == DB_PENDING)
			return (KORE_RESULT_RETRY);
		if (st == DB_FAILED)
			return (api_db_error(req, c));
		if (db_ntuples(&c->db) != 1)
			return (hx_error(req, 401, "unauthorized",
			    "the account no longer exists"));
		(void)snprintf(j->encoded, sizeof(j->encoded), "%s",
		    db_value(&c->db, 0, 0));
		j->have_encoded = 1;
		api_next(c, PASSWORD_VERIFY);
		j->op = PW_VERIFY;
		/* FALLTHROUGH */
	case PASSWORD_VERIFY:
		if (api_pw_run(req, c) == KORE_RESULT_RETRY)
			return (KORE_RESULT_RETRY);
		if (!j->ok)
			return (hx_error_fields(req, 422, "validation_failed",
			    "the current password is wrong", json_pack("{s:s}",
			    "current_password", "wrong password")));
		(void)snprintf(j->password, sizeof(j->password), "%s",
		    j->new_password);
		explicit_bzero(j->new_password, sizeof(j->new_password));
		j->op = PW_HASH;
		c->step = PASSWORD_HASH;
		/* FALLTHROUGH */
	case PASSWORD_HASH:
		if (api_pw_run(req, c) == KORE_RESULT_RETRY)
			return (KORE_RESULT_RETRY);
		explicit_bzero(j->password, sizeof(j->password));
		if (!j->ok)
			return (hx_error(req, 500, "internal", "hashing failed"));
		c->step = PASSWORD_STORE;
		/* FALLTHROUGH */
	case PASSWORD_STORE:
	default:
		(void)snprintf(pv, sizeof(pv), "%d", c->pv);
		p[0] = c->actor;
		p[1] = j->encoded;
		p[2] = pv;
		p[3] = hx_request_id(req);
		st = api_sql(req, c, SQL_AUTH_PASSWORD_SET, 4, p);
		if (st == DB_PENDING)
			return (KORE_RESULT_RETRY);
		if (st == DB_FAILED)
			return (api_db_error(req, c));
		if (db_ntuples(&c->db) != 1)
			return (hx_error(req, 409, "conflict",
			    "the password changed meanwhile; log in again"));
		/* Every older token is dead now; hand out fresh ones. */
		return (auth_send_tokens(req, 200, c->actor,
		    atoi(db_value(&c->db, 0, 0)), NULL));
	}
}

int
api_auth_me(struct http_request *req, struct api_ctx *c)
{
	const char	*p[1] = { c->actor };

	return (api_sql_respond(req, c, SQL_AUTH_ME_RESPOND, 1, p));
}
