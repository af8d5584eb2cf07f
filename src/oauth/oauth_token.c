/*
 * The token endpoint (authorization_code with PKCE, refresh_token with
 * rotation) and revocation (RFC 7009). Public clients: client_id names
 * the client, PKCE and the single-use code prove it. The decisions that
 * must be atomic (code burnt once, refresh token rotated once, replay
 * kills the family) happen inside one PostgreSQL function call each
 * (migration 0030); this file checks shapes and mints the tokens.
 */
#include <stdlib.h>
#include <string.h>

#include "oauth/oauth.h"
#include "db/sql.h"

#define TOKEN_LIMIT	60	/* per IP and minute */

/* RFC 7636 §4.1: 43-128 unreserved characters. */
static int
token_pkce_verifier_ok(const char *v)
{
	size_t	n = strlen(v);

	return (n >= 43 && n <= 128 && strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-._~") == n);
}

/* Over the per-IP limit: HX_ANSWERED with the 429 sent. */
static enum hx_turn
token_limited(struct http_request *req)
{
	char	ip[64], ra[16];
	int	retry;

	hx_client_ip(req, ip, sizeof(ip));
	if (ratelimit_take("oauth_token", ip, TOKEN_LIMIT, 60, clock_ms(),
	    &retry))
		return (HX_GO_ON);
	(void)snprintf(ra, sizeof(ra), "%d", retry);
	http_response_header(req, "retry-after", ra);
	oauth_error(req, 429, "slow_down", "too many token requests");
	return (HX_ANSWERED);
}

/* The SQL said 200: mint the access token, send the pair. */
static int
token_send_tokens(struct http_request *req, struct oauth_ctx *c)
{
	json_t		*o, *out, *pv;
	const char	*sub, *cid, *res, *scope, *ctid;
	char		*access;

	o = json_loads(db_value(&c->db, 0, 1), 0, NULL);
	sub = json_string_value(json_object_get(o, "subject"));
	pv = json_object_get(o, "pv");
	cid = json_string_value(json_object_get(o, "client_id"));
	res = json_string_value(json_object_get(o, "resource"));
	scope = json_string_value(json_object_get(o, "scope"));
	/* The consent's client token row: what the client may see. */
	ctid = json_string_value(json_object_get(o, "ctid"));
	if (o == NULL || sub == NULL || cid == NULL || res == NULL ||
	    scope == NULL || !json_is_integer(pv) ||
	    (access = oauth_access_issue(sub, (int)json_integer_value(pv), cid,
	    res, scope, ctid, (int64_t)time(NULL))) == NULL) {
		json_decref(o);
		return (oauth_error(req, 500, "server_error",
		    "the token could not be issued"));
	}
	out = json_pack("{s:s, s:s, s:i, s:s}", "access_token", access,
	    "token_type", "Bearer", "expires_in", OAUTH_ACCESS_TTL,
	    "refresh_token", c->secret2);
	if (*scope != '\0')
		json_object_set_new(out, "scope", json_string(scope));
	explicit_bzero(access, strlen(access));
	free(access);
	json_decref(o);
	http_response_header(req, "cache-control", "no-store");
	http_response_header(req, "pragma", "no-cache");
	return (hx_json(req, 200, out));
}

int
oauth_token(struct http_request *req)
{
	struct oauth_ctx	*c;
	char			grant[32], client[64], uri[600], verifier[160],
				res[OAUTH_URL_MAX], want[OAUTH_URL_MAX], ttl[16];
	const char		*p[7];
	enum db_status		st;
	int			is_code, n;

	hx_begin(req, "oauth_token");
	c = oauth_ctx_get(req);
	if (!oauth_enabled())
		return (hx_error(req, 404, "not_found", "no such path"));
	if (req->method != HTTP_METHOD_POST)
		return (hx_method_not_allowed(req, "POST"));
	if (c->step == OAUTH_CHECK && token_limited(req) == HX_ANSWERED)
		return (KORE_RESULT_OK);
	if (oauth_form_read(req, c) == HX_ANSWERED)
		return (KORE_RESULT_OK);
	if (!oauth_form(c->form, "grant_type", grant, sizeof(grant)))
		return (oauth_error(req, 400, "invalid_request",
		    "grant_type is required"));
	is_code = strcmp(grant, "authorization_code") == 0;
	if (!is_code && strcmp(grant, "refresh_token") != 0)
		return (oauth_error(req, 400, "unsupported_grant_type",
		    "authorization_code or refresh_token"));
	if (!oauth_form(c->form, "client_id", client, sizeof(client)) ||
	    !uuid_valid(client))
		return (oauth_error(req, 401, "invalid_client",
		    "client_id is missing or malformed"));
	/* RFC 8707: a resource, when named, must be ours. */
	res[0] = '\0';
	if (oauth_form(c->form, "resource", want, sizeof(want))) {
		if (oauth_resource_ok(want, res, sizeof(res)) == -1)
			return (oauth_error(req, 400, "invalid_target",
			    "this server issues tokens only for its /mcp and "
			    "its servers' /mcp/{server}"));
	}
	if (c->step == OAUTH_CHECK) {
		if (!oauth_form(c->form, is_code ? "code" : "refresh_token",
		    c->secret, sizeof(c->secret)))
			return (oauth_error(req, 400, "invalid_request", is_code ?
			    "code is required" : "refresh_token is required"));
		crypto_sha256_hex(c->secret, c->hash);
		explicit_bzero(c->secret, sizeof(c->secret));
		if (crypto_random_token(c->secret2, sizeof(c->secret2)) == -1)
			return (oauth_error(req, 500, "server_error",
			    "no randomness"));
		crypto_sha256_hex(c->secret2, c->hash2);
		c->step = OAUTH_RUN;
	}
	(void)snprintf(ttl, sizeof(ttl), "%d", OAUTH_REFRESH_TTL);
	if (is_code) {
		if (!oauth_form(c->form, "redirect_uri", uri, sizeof(uri)))
			return (oauth_error(req, 400, "invalid_request",
			    "redirect_uri is required"));
		if (!oauth_form(c->form, "code_verifier", verifier,
		    sizeof(verifier)) || !token_pkce_verifier_ok(verifier))
			return (oauth_error(req, 400, "invalid_request",
			    "code_verifier is required (43-128 characters)"));
		p[0] = c->hash;
		p[1] = client;
		p[2] = uri;
		p[3] = verifier;
		p[4] = c->hash2;
		p[5] = res;
		p[6] = ttl;
		n = 7;
	} else {
		p[0] = c->hash;
		p[1] = client;
		p[2] = c->hash2;
		p[3] = res;
		p[4] = ttl;
		n = 5;
	}
	st = db_call_run(&c->db, req, is_code ? SQL_OAUTH_CODE_EXCHANGE :
	    SQL_OAUTH_REFRESH_ROTATE, n, p);
	if (st == DB_PENDING)
		return (KORE_RESULT_RETRY);
	if (st == DB_FAILED || db_ntuples(&c->db) != 1)
		return (oauth_error(req, 500, "server_error", "database error"));
	if (atoi(db_value(&c->db, 0, 0)) != 200) {
		http_response_header(req, "cache-control", "no-store");
		return (hx_json_text(req, atoi(db_value(&c->db, 0, 0)),
		    db_value(&c->db, 0, 1), strlen(db_value(&c->db, 0, 1))));
	}
	return (token_send_tokens(req, c));
}

/*
 * RFC 7009: always 200, whatever the token was (§2.2: an invalid token is
 * no error). Only refresh tokens have state to revoke; access tokens end
 * by themselves within OAUTH_ACCESS_TTL.
 */
int
oauth_revoke(struct http_request *req)
{
	struct oauth_ctx	*c;
	const char		*p[1];
	enum db_status		st;

	hx_begin(req, "oauth_revoke");
	c = oauth_ctx_get(req);
	if (!oauth_enabled())
		return (hx_error(req, 404, "not_found", "no such path"));
	if (req->method != HTTP_METHOD_POST)
		return (hx_method_not_allowed(req, "POST"));
	if (c->step == OAUTH_CHECK) {
		if (token_limited(req) == HX_ANSWERED)
			return (KORE_RESULT_OK);
		if (oauth_form_read(req, c) == HX_ANSWERED)
			return (KORE_RESULT_OK);
		if (!oauth_form(c->form, "token", c->secret, sizeof(c->secret)))
			return (oauth_error(req, 400, "invalid_request",
			    "token is required"));
		crypto_sha256_hex(c->secret, c->hash);
		explicit_bzero(c->secret, sizeof(c->secret));
		c->step = OAUTH_RUN;
	}
	p[0] = c->hash;
	st = db_call_run(&c->db, req, SQL_OAUTH_REVOKE, 1, p);
	if (st == DB_PENDING)
		return (KORE_RESULT_RETRY);
	if (st == DB_FAILED)
		return (oauth_error(req, 503, "temporarily_unavailable",
		    "database error"));
	http_response_header(req, "cache-control", "no-store");
	return (hx_json(req, 200, json_object()));
}
