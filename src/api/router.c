/*
 * The /api front door: path check, route match, the user's authentication
 * and role, then the resource handler. One Kore route (^/api(/.*)?$) leads here, so no
 * admin path can be reached without passing the same checks.
 */
#include <string.h>

#include "api/api.h"
#include "db/sql.h"

extern const struct api_route	api_routes[];
extern const size_t		api_routes_count;

static int		router_route_match(const struct api_route *,
    const char *,
			    struct api_ctx *);
static int		router_api_authenticate(struct http_request *,
			    struct api_ctx *);

/* Segment-wise match; ":name" segments capture into c->param. */
static int
router_route_match(const struct api_route *r, const char *path,
    struct api_ctx *c)
{
	const char	*p, *q, *pe, *qe;
	size_t		plen, qlen;
	int		n;

	n = 0;
	for (p = r->pattern, q = path; *p != '\0' && *q != '\0';) {
		if (*p != '/' || *q != '/')
			return (0);
		p++;
		q++;
		pe = strchr(p, '/');
		qe = strchr(q, '/');
		plen = pe ? (size_t)(pe - p) : strlen(p);
		qlen = qe ? (size_t)(qe - q) : strlen(q);
		if (*p == ':') {
			if (qlen == 0 || qlen >= API_PARAM_LEN ||
			    n >= API_PARAMS_MAX)
				return (0);
			memcpy(c->param[n], q, qlen);
			c->param[n][qlen] = '\0';
			/* ":id" segments are UUIDs; anything else is no match. */
			if (plen == 3 && strncmp(p, ":id", 3) == 0 &&
			    !uuid_valid(c->param[n]))
				return (0);
			n++;
		} else if (plen != qlen || strncmp(p, q, plen) != 0) {
			return (0);
		}
		p += plen;
		q += qlen;
	}
	if (*p != '\0' || *q != '\0')
		return (0);
	c->nparams = n;
	return (1);
}

static void
router_ctx_free(void *arg)
{
	struct api_ctx	*c = arg;

	if (c->state != NULL && c->state_free != NULL)
		c->state_free(c->state);
	if (c->task_used)
		kore_task_destroy(&c->task);
	db_call_clear(&c->db);
	json_decref(c->body);
	json_decref(c->scratch);
	kore_free(c);
}

/*
 * Verify the bearer token, then ask PostgreSQL whether it was revoked or
 * its password version is stale. Returns KORE_RESULT_OK when c->authed is
 * set, KORE_RESULT_RETRY while waiting, or sends 401 itself.
 */
static int
router_api_authenticate(struct http_request *req, struct api_ctx *c)
{
	struct jwt_claims	cl;
	const char		*hdr, *params[3];
	enum db_status		st;

	if (c->auth_step == AUTH_TOKEN) {
		if (!http_request_header(req, "authorization", &hdr) ||
		    strncasecmp(hdr, "Bearer ", 7) != 0 ||
		    jwt_check(mcpbox_cfg.jwt_secret, mcpbox_cfg.jwt_secret_len,
		    hdr + 7, "access", time(NULL), &cl) == -1) {
			http_response_header(req, "www-authenticate", "Bearer");
			hx_error(req, 401, "unauthorized",
			    "a valid access token is required");
			return (KORE_RESULT_ERROR);
		}
		(void)snprintf(c->actor, sizeof(c->actor), "%s", cl.sub);
		(void)snprintf(c->jti, sizeof(c->jti), "%s", cl.jti);
		(void)snprintf(c->sid, sizeof(c->sid), "%s", cl.sid);
		c->token_exp = cl.exp;
		c->pv = cl.pv;
		c->auth_step = AUTH_REVOKED;
	}
	params[0] = c->actor;
	params[1] = c->jti;
	params[2] = c->sid;
	st = api_sql(req, c, SQL_AUTH_TOKEN_STATE, 3, params);
	if (st == DB_PENDING)
		return (KORE_RESULT_RETRY);
	if (st == DB_FAILED) {
		api_db_error(req, c);
		return (KORE_RESULT_ERROR);
	}
	if (db_ntuples(&c->db) != 1 || atoi(db_value(&c->db, 0, 0)) != c->pv ||
	    strcmp(db_value(&c->db, 0, 1), "f") != 0) {
		http_response_header(req, "www-authenticate", "Bearer");
		hx_error(req, 401, "unauthorized", "the token was revoked");
		return (KORE_RESULT_ERROR);
	}
	(void)snprintf(c->role, sizeof(c->role), "%s", db_value(&c->db, 0, 2));
	db_call_clear(&c->db);
	c->authed = 1;
	return (KORE_RESULT_OK);
}

enum api_access
api_role_rank(const char *role)
{
	if (strcmp(role, "admin") == 0)
		return (API_ADMIN);
	if (strcmp(role, "reviewer") == 0)
		return (API_REVIEWER);
	if (strcmp(role, "viewer") == 0)
		return (API_VIEWER);
	return (API_OPEN);
}

int
api_dispatch(struct http_request *req)
{
	struct hx		*x;
	struct api_ctx		*c;
	size_t			i;
	int			path_found, rc;

	x = hx_begin(req, "api");
	c = hx_data(req, sizeof(*c), router_ctx_free);
	/* The admin API exists on the local door only (conf/mcpbox.conf). */
	if (c->route == NULL && !hx_origin_ok(req))
		return (hx_origin_refused(req));
	if (c->route == NULL) {
		if (pathguard_classify(hx_method_name(req->method), req->path) ==
		    GUARD_REJECT)
			return (hx_error(req, 400, "bad_path",
			    "the path is not in canonical form"));
		path_found = 0;
		for (i = 0; i < api_routes_count; i++) {
			if (!router_route_match(&api_routes[i], req->path, c))
				continue;
			path_found = 1;
			if (api_routes[i].method == req->method) {
				c->route = &api_routes[i];
				break;
			}
		}
		if (c->route == NULL) {
			if (path_found)
				return (hx_error(req, 405,
				    "method_not_allowed",
				    "method not allowed on this path"));
			return (hx_error(req, 404, "not_found",
			    "no such API path"));
		}
		x->route = c->route->name;
		/* Route and guard must agree; the guard is the stricter. */
		if (c->route->access == API_OPEN && pathguard_classify(
		    hx_method_name(req->method), req->path) != GUARD_OPEN)
			c->route = NULL;
		if (c->route == NULL)
			return (hx_error(req, 404, "not_found",
			    "no such API path"));
	}
	if (c->route->access != API_OPEN && !c->authed) {
		rc = router_api_authenticate(req, c);
		if (rc == KORE_RESULT_RETRY)
			return (KORE_RESULT_RETRY);
		if (rc == KORE_RESULT_ERROR)
			return (KORE_RESULT_OK);
		/* The panel hides what a role may not do; this enforces it. */
		if (api_role_rank(c->role) < c->route->access)
			return (hx_error(req, 403, "forbidden",
			    c->route->access == API_ADMIN ? "this needs the "
			    "admin role" : "this needs the reviewer or admin "
			    "role"));
	}
	return (c->route->fn(req, c));
}
