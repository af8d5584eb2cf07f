/*
 * What every OAuth route reads and answers with: its per-request state,
 * urlencoded bodies and query strings (RFC 6749 §3.1), and the error
 * shape of RFC 6749 §5.2.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oauth/oauth.h"

static void
oauth_ctx_free(void *arg)
{
	struct oauth_ctx	*c = arg;

	if (c->task_used)
		kore_task_destroy(&c->task);
	db_call_clear(&c->db);
	if (c->form != NULL) {
		explicit_bzero(c->form, c->form_len);
		kore_free(c->form);
	}
	free(c->grant_servers);
	explicit_bzero(c, sizeof(*c));
	kore_free(c);
}

struct oauth_ctx *
oauth_ctx_get(struct http_request *req)
{
	return (hx_data(req, sizeof(struct oauth_ctx), oauth_ctx_free));
}

/* Read an application/x-www-form-urlencoded body into c->form. */
enum hx_turn
oauth_form_read(struct http_request *req, struct oauth_ctx *c)
{
	struct hx	*x = http_state_get(req);
	const char	*ct;
	int		status;

	if (c->form != NULL)
		return (HX_GO_ON);
	if (!http_request_header(req, "content-type", &ct) ||
	    strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0)
		return (oauth_error(req, 400, "invalid_request", "the body "
		    "must be application/x-www-form-urlencoded"), HX_ANSWERED);
	if (hx_body_read(req, 16384, &status) == -1)
		return (oauth_error(req, status, "invalid_request",
		    "the body could not be read"), HX_ANSWERED);
	c->form = kore_malloc(x->body_len + 1);
	memcpy(c->form, x->body, x->body_len);
	c->form[x->body_len] = '\0';
	c->form_len = x->body_len;
	if (strlen(c->form) != c->form_len)
		return (oauth_error(req, 400, "invalid_request",
		    "the body has a NUL byte"), HX_ANSWERED);
	return (HX_GO_ON);
}

/*
 * One parameter of a urlencoded string: 1 with the value, 0 when absent,
 * malformed, or present twice (RFC 6749 §3.1: a repeated parameter is an
 * error, and reading it as absent makes every caller refuse it).
 */
int
oauth_form(const char *form, const char *name, char *out, size_t outlen)
{
	if (hx_form_find(form, name, out, outlen) == 1)
		return (1);
	out[0] = '\0';
	return (0);
}

int
oauth_query(struct http_request *req, const char *name, char *out,
    size_t outlen)
{
	return (oauth_form(req->query_string, name, out, outlen));
}

/* RFC 6749 §5.2 error body; never cached. */
int
oauth_error(struct http_request *req, int status, const char *error,
    const char *description)
{
	http_response_header(req, "cache-control", "no-store");
	return (hx_json(req, status, json_pack("{s:s, s:s}", "error", error,
	    "error_description", description)));
}
