/*
 * Shared handler plumbing: running statements, mapping database errors to
 * HTTP, reading the JSON body, checking fields, paging.
 *
 * Database errors never reach the caller as text: the SQLSTATE picks the
 * status (a unique violation is a conflict, a check violation invalid
 * input) and the message is ours. The server log keeps the detail.
 */
#include <ctype.h>
#include <string.h>

#include "api/api.h"

enum db_status
api_sql(struct http_request *req, struct api_ctx *c, const char *sql, int n,
    const char **params)
{
	return (db_call_run(&c->db, req, sql, n, params));
}

/* Move a multi-statement handler on to `step` with c->db idle. */
void
api_next(struct api_ctx *c, int step)
{
	db_call_clear(&c->db);
	c->step = step;
}

/* A statement on the route's id ($1) and its row sent. */
int
api_respond_id(struct http_request *req, struct api_ctx *c, const char *sql)
{
	const char	*p[1];

	p[0] = c->param[0];
	return (api_sql_respond(req, c, sql, 1, p));
}

/* The same for a change: $2 the admin who made it, $3 the request id. */
int
api_respond_id_by(struct http_request *req, struct api_ctx *c,
    const char *sql)
{
	const char	*p[3];

	p[0] = c->param[0];
	p[1] = c->actor;
	p[2] = hx_request_id(req);
	return (api_sql_respond(req, c, sql, 3, p));
}

/* A plain list: $1 offset, $2 limit, $3 page, $4 page_size. */
int
api_list_respond(struct http_request *req, struct api_ctx *c, const char *sql)
{
	long		page, size;
	char		off[24], lim[24], pg[24], ps[24];
	const char	*p[4];

	if (api_page(req, &page, &size, off, lim) == HX_ANSWERED)
		return (KORE_RESULT_OK);
	(void)snprintf(pg, sizeof(pg), "%ld", page);
	(void)snprintf(ps, sizeof(ps), "%ld", size);
	p[0] = off;
	p[1] = lim;
	p[2] = pg;
	p[3] = ps;
	return (api_sql_respond(req, c, sql, 4, p));
}

int
api_result(enum hx_turn turn)
{
	return (turn == HX_WAIT ? KORE_RESULT_RETRY : KORE_RESULT_OK);
}

int
api_db_error(struct http_request *req, struct api_ctx *c)
{
	const char	*s = c->db.sqlstate;

	if (strcmp(s, "23505") == 0)
		return (hx_error(req, 409, "conflict",
		    "a resource with that name already exists"));
	if (strcmp(s, "23503") == 0)
		return (hx_error(req, 404, "not_found",
		    "a referenced resource does not exist"));
	if (strcmp(s, "23514") == 0 || strcmp(s, "22P02") == 0 ||
	    strcmp(s, "22001") == 0 || strcmp(s, "22023") == 0)
		return (hx_error(req, 422, "invalid",
		    "a value is not acceptable"));
	if (strcmp(s, "40001") == 0 || strcmp(s, "40P01") == 0)
		return (hx_error(req, 409, "conflict",
		    "a concurrent change won; retry"));
	http_response_header(req, "retry-after", "1");
	return (hx_error(req, 503, "database_unavailable",
	    "the database is unavailable; retry shortly"));
}

int
api_sql_respond(struct http_request *req, struct api_ctx *c, const char *sql,
    int n, const char **params)
{
	enum db_status	st;
	const char	*body;
	int		status;

	st = api_sql(req, c, sql, n, params);
	if (st == DB_PENDING)
		return (KORE_RESULT_RETRY);
	if (st == DB_FAILED)
		return (api_db_error(req, c));
	if (db_ntuples(&c->db) < 1)
		return (hx_error(req, 404, "not_found", "no such resource"));
	status = atoi(db_value(&c->db, 0, 0));
	body = db_value(&c->db, 0, 1);
	if (status < 200 || status > 599 || db_isnull(&c->db, 0, 1))
		return (hx_error(req, 500, "internal", "unexpected result"));
	return (hx_json_text(req, status, body, strlen(body)));
}

/* Parse the body once into c->body; HX_ANSWERED when a 4xx was sent. */
enum hx_turn
api_body(struct http_request *req, struct api_ctx *c)
{
	return (api_body_max(req, c, HX_BODY_MAX_DEFAULT));
}

static void
api_field_error(json_t *fields, const char *key, const char *msg)
{
	if (json_object_get(fields, key) == NULL)
		json_object_set_new(fields, key, json_string(msg));
}

int
api_field_str(json_t *body, const char *key, int required, size_t maxlen,
    const char **out, json_t *fields)
{
	json_t	*v;

	*out = NULL;
	v = json_object_get(body, key);
	if (v == NULL || json_is_null(v)) {
		if (required)
			api_field_error(fields, key, "required");
		return (required ? -1 : 0);
	}
	if (!json_is_string(v)) {
		api_field_error(fields, key, "must be a string");
		return (-1);
	}
	if (json_string_length(v) > maxlen) {
		api_field_error(fields, key, "too long");
		return (-1);
	}
	if (memchr(json_string_value(v), '\0', json_string_length(v))) {
		api_field_error(fields, key, "must not contain NUL");
		return (-1);
	}
	*out = json_string_value(v);
	return (0);
}

int
api_field_int(json_t *body, const char *key, int required, long min,
    long max, long *out, int *present, json_t *fields)
{
	json_t		*v;
	json_int_t	i;

	*present = 0;
	v = json_object_get(body, key);
	if (v == NULL || json_is_null(v)) {
		if (required)
			api_field_error(fields, key, "required");
		return (required ? -1 : 0);
	}
	if (!json_is_integer(v)) {
		api_field_error(fields, key, "must be an integer");
		return (-1);
	}
	i = json_integer_value(v);
	if (i < min || i > max) {
		api_field_error(fields, key, "out of range");
		return (-1);
	}
	*out = (long)i;
	*present = 1;
	return (0);
}

int
api_field_bool(json_t *body, const char *key, int *out, int *present,
    json_t *fields)
{
	json_t	*v;

	*present = 0;
	v = json_object_get(body, key);
	if (v == NULL || json_is_null(v))
		return (0);
	if (!json_is_boolean(v)) {
		api_field_error(fields, key, "must be true or false");
		return (-1);
	}
	*out = json_is_true(v);
	*present = 1;
	return (0);
}

/* Unknown fields are rejected, so a typo never silently does nothing. */
int
api_fields_only(json_t *body, const char *const *allowed, json_t *fields)
{
	const char	*key;
	json_t		*v;
	size_t		i;
	int		bad;

	bad = 0;
	json_object_foreach(body, key, v) {
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(allowed[i], key) == 0)
				break;
		if (allowed[i] == NULL) {
			api_field_error(fields, key, "unknown field");
			bad = -1;
		}
	}
	return (bad);
}

/* Takes ownership of `fields`. */
int
api_invalid(struct http_request *req, json_t *fields)
{
	return (hx_error_fields(req, 422, "validation_failed",
	    "some fields are invalid", fields));
}

static enum hx_turn
api_page_refused(struct http_request *req)
{
	hx_error(req, 400, "bad_paging",
	    "page must be ≥ 1 and page_size 1-100");
	return (HX_ANSWERED);
}

/*
 * page (≥ 1) and page_size (1..100, default 50) from the query string,
 * with the statement's offset and limit; else the 400 is sent.
 */
enum hx_turn
api_page(struct http_request *req, long *page, long *page_size,
    char *offset, char *limit)
{
	char	buf[16], *end;
	long	v;

	*page = 1;
	*page_size = 50;
	if (hx_query(req, "page", buf, sizeof(buf))) {
		v = strtol(buf, &end, 10);
		if (*end != '\0' || v < 1 || v > 1000000)
			return (api_page_refused(req));
		*page = v;
	}
	if (hx_query(req, "page_size", buf, sizeof(buf))) {
		v = strtol(buf, &end, 10);
		if (*end != '\0' || v < 1 || v > 100)
			return (api_page_refused(req));
		*page_size = v;
	}
	(void)snprintf(offset, 16, "%ld", (*page - 1) * *page_size);
	(void)snprintf(limit, 16, "%ld", *page_size);
	return (HX_GO_ON);
}

int
api_uuid_valid(const char *s)
{
	return (uuid_valid(s));
}

/*
 * Like api_body for routes whose body is optional (a POST that only names
 * an action): an empty body reads as {}.
 */
enum hx_turn
api_body_optional(struct http_request *req, struct api_ctx *c)
{
	if (c->body == NULL && req->content_length == 0) {
		c->body = json_object();
		return (HX_GO_ON);
	}
	return (api_body(req, c));
}

/* api_body with a larger limit, for the few routes that take documents. */
enum hx_turn
api_body_max(struct http_request *req, struct api_ctx *c, size_t max)
{
	if (c->body != NULL)
		return (HX_GO_ON);
	return (hx_body_json(req, max, &c->body));
}

/*
 * One-of filter from the query string: 0 with `def` (or the value) copied
 * to out, -1 when the value is not one of `allowed`.
 */
int
api_query_enum(struct http_request *req, const char *name,
    const char *const *allowed, const char *def, char *out, size_t outlen)
{
	char	buf[64];
	size_t	i;

	if (!hx_query(req, name, buf, sizeof(buf))) {
		(void)snprintf(out, outlen, "%s", def);
		return (0);
	}
	for (i = 0; allowed[i] != NULL; i++) {
		if (strcmp(allowed[i], buf) == 0) {
			(void)snprintf(out, outlen, "%s", buf);
			return (0);
		}
	}
	return (-1);
}

/* Optional ?name=<uuid>: "" when absent, -1 when not a UUID. */
int
api_query_uuid(struct http_request *req, const char *name, char out[37])
{
	char	buf[64];

	out[0] = '\0';
	if (!hx_query(req, name, buf, sizeof(buf)))
		return (0);
	if (!api_uuid_valid(buf))
		return (-1);
	memcpy(out, buf, 37);
	return (0);
}

