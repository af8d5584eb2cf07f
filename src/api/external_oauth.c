/*
 * OAuth 2.1 authorization of an external MCP source, driven by the admin
 * in the panel (docs/EXTERNAL-SOURCES.md, "OAuth sources"):
 *
 *   POST /api/external-sources/{id}/oauth/start  {"redirect_uri"}
 *	discovers the source's authorization server, registers MCPbox as
 *	a client, keeps the PKCE verifier here and answers the URL the
 *	admin's browser opens;
 *   POST /api/external-sources/oauth/exchange    {"state","code"}
 *	the panel page the authorization server sent the browser back to
 *	hands over the code; MCPbox exchanges it with the verifier and
 *	seals the tokens.
 *
 * Both are ordinary admin routes: the code only ever travels from the
 * browser to MCPbox behind the admin's token, and the state is single
 * use and expires after 10 minutes.
 */
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "db/sql.h"
#include "ext/ext.h"
#include "oauth/oauth.h"

#define CALLBACK_PATH		"/oauth/external-callback"
#define PKCE_LEN		64

/* Starting an authorization: its steps (c->step). */
enum start_step {
	START_CHECK = 0,	/* the body, the redirect URI */
	START_LOAD,		/* the source; PKCE; start the job */
	START_WAIT,		/* the job discovers the endpoints */
	START_STORE,		/* the flow row, the authorize URL */
};

/* Taking the code back: its steps. */
enum exchange_step {
	EXCHANGE_CHECK = 0,	/* the body */
	EXCHANGE_TAKE,		/* the flow row, once; start the job */
	EXCHANGE_WAIT,		/* the job swaps the code for tokens */
	EXCHANGE_STORE,		/* sealed tokens on the source */
};

/*
 * The redirect URI must be this panel's own callback page, on the host
 * the admin is using: an authorization code never goes anywhere else.
 */
static int
eoauth_redirect_ok(struct http_request *req, const char *uri)
{
	const char	*host, *rest;
	size_t		 n;

	if (!http_request_header(req, "host", &host) || *host == '\0')
		return (0);
	if (strncmp(uri, "https://", 8) == 0)
		rest = uri + 8;
	else if (strncmp(uri, "http://", 7) == 0)
		rest = uri + 7;
	else
		return (0);
	n = strlen(host);
	return (strncasecmp(rest, host, n) == 0 &&
	    strcmp(rest + n, CALLBACK_PATH) == 0);
}

/* What the thread needs to discover and build the URL. */
static json_t *
eoauth_start_source(struct api_ctx *c, const char *redirect, json_t *pk)
{
	json_t		*col, *src;

	col = json_loads(db_value(&c->db, 0, 9), 0, NULL);
	src = json_pack("{s:s, s:s, s:s, s:o, s:s, s:O, s:O}", "id",
	    c->param[0], "url", db_value(&c->db, 0, 0), "transport",
	    db_value(&c->db, 0, 1), "approved", json_loads(db_value(&c->db, 0,
	    6), 0, NULL), "redirect_uri", redirect, "state",
	    json_object_get(pk, "state"), "code_challenge",
	    json_object_get(pk, "challenge"));
	if (src != NULL && json_is_string(json_object_get(col, "client_id"))) {
		json_object_set(src, "client_id", json_object_get(col,
		    "client_id"));
		json_object_set(src, "issuer", json_object_get(col, "issuer"));
		json_object_set(src, "registered_redirect_uri",
		    json_object_get(col, "redirect_uri"));
	}
	json_decref(col);
	return (src);
}

int
api_external_oauth_start(struct http_request *req, struct api_ctx *c)
{
	static const char *const allowed[] = { "redirect_uri", NULL };
	const char	*p[11], *uri, *why;
	json_t		*fields, *res, *src;
	enum hx_turn	 turn;
	char		 verifier[PKCE_LEN], challenge[PKCE_LEN];
	char		 state[PKCE_LEN];
	char		 hash[OAUTH_TOKEN_HEX];

	if (!api_uuid_valid(c->param[0]))
		return (hx_error(req, 404, "not_found",
		    "no such external source"));
	switch ((enum start_step)c->step) {
	case START_CHECK:
		if (api_body(req, c) == HX_ANSWERED)
			return (KORE_RESULT_OK);
		fields = json_object();
		api_fields_only(c->body, allowed, fields);
		api_field_str(c->body, "redirect_uri", 1, 600, &uri, fields);
		if (uri != NULL && !eoauth_redirect_ok(req, uri))
			json_object_set_new(fields, "redirect_uri",
			    json_string("must be this panel's " CALLBACK_PATH
			    " page on the host you are using"));
		if (json_object_size(fields) > 0)
			return (api_invalid(req, fields));
		json_decref(fields);
		c->step = START_LOAD;
		/* FALLTHROUGH */
	case START_LOAD:
		if ((turn = api_ext_source_load(req, c)) != HX_GO_ON)
			return (api_result(turn));
		if (strcmp(db_value(&c->db, 0, 2), "oauth") != 0)
			return (hx_error(req, 409, "not_oauth", "this source "
			    "does not use OAuth; its auth type is set when it "
			    "is added"));
		if ((why = ext_source_unapproved(&c->db)) != NULL)
			return (hx_error(req, 409, "source_unapproved", why));
		if (ext_pkce_new(verifier, challenge, state, PKCE_LEN) == -1)
			return (hx_error(req, 503, "unavailable",
			    "no randomness; retry"));
		c->scratch = json_pack("{s:s, s:s, s:s}", "verifier", verifier,
		    "challenge", challenge, "state", state);
		explicit_bzero(verifier, sizeof(verifier));
		src = eoauth_start_source(c,
		    json_string_value(json_object_get(c->body,
		    "redirect_uri")), c->scratch);
		api_ext_job(req, c, EXT_OAUTH_START, src, EXT_DISCOVER_TIMEOUT_MS,
		    START_WAIT);
		/* FALLTHROUGH */
	case START_WAIT:
		if (!api_ext_job_done(req, c))
			return (KORE_RESULT_RETRY);
		if (ext_job_result(c->state) == NULL)
			return (hx_error(req, 502, "external_source_failed",
			    ext_job_error(c->state)));
		c->step = START_STORE;
		/* FALLTHROUGH */
	case START_STORE:
	default:
		res = ext_job_result(c->state);
		crypto_sha256_hex(json_string_value(json_object_get(c->scratch,
		    "state")), hash);
		p[0] = c->param[0];
		p[1] = hash;
		p[2] = json_string_value(json_object_get(c->scratch,
		    "verifier"));
		p[3] = json_string_value(json_object_get(c->body,
		    "redirect_uri"));
		p[4] = json_string_value(json_object_get(res, "issuer"));
		p[5] = json_string_value(json_object_get(res, "client_id"));
		p[6] = json_string_value(json_object_get(res,
		    "token_endpoint"));
		p[7] = json_string_value(json_object_get(res, "resource"));
		p[8] = c->actor;
		p[9] = hx_request_id(req);
		p[10] = json_string_value(json_object_get(res,
		    "authorization_url"));
		return (api_sql_respond(req, c,
		    SQL_EXT_OAUTH_FLOW_SAVE_RESPOND, 11, p));
	}
}

/* The thread's token request for a taken flow row. */
static json_t *
eoauth_exchange_source(struct api_ctx *c, const char *code)
{
	return (json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:s}", "id",
	    db_value(&c->db, 0, 0), "url", db_value(&c->db, 0, 3), "approved",
	    json_loads(db_value(&c->db, 0, 7), 0, NULL), "code", code,
	    "code_verifier", db_value(&c->db, 0, 1), "redirect_uri",
	    db_value(&c->db, 0, 2), "client_id", db_value(&c->db, 0, 4),
	    "resource", db_value(&c->db, 0, 5)));
}

int
api_external_oauth_exchange(struct http_request *req, struct api_ctx *c)
{
	static const char *const allowed[] = { "state", "code", NULL };
	enum db_status	 st;
	const char	*p[6], *state, *code;
	json_t		*fields, *res;
	char		 hash[OAUTH_TOKEN_HEX], *cthex, exp[24];
	char		 nhex[2 * SECRETBOX_NONCE_LEN + 1];

	switch ((enum exchange_step)c->step) {
	case EXCHANGE_CHECK:
		if (api_body(req, c) == HX_ANSWERED)
			return (KORE_RESULT_OK);
		fields = json_object();
		api_fields_only(c->body, allowed, fields);
		api_field_str(c->body, "state", 1, 256, &state, fields);
		api_field_str(c->body, "code", 1, 2048, &code, fields);
		if (json_object_size(fields) > 0)
			return (api_invalid(req, fields));
		json_decref(fields);
		c->step = EXCHANGE_TAKE;
		/* FALLTHROUGH */
	case EXCHANGE_TAKE:
		crypto_sha256_hex(json_string_value(json_object_get(c->body,
		    "state")), hash);
		p[0] = hash;
		if ((st = api_sql(req, c, SQL_EXT_OAUTH_FLOW_TAKE, 1, p)) ==
		    DB_PENDING)
			return (KORE_RESULT_RETRY);
		if (st == DB_FAILED)
			return (api_db_error(req, c));
		if (db_ntuples(&c->db) != 1)
			return (hx_error(req, 400, "unknown_state", "this "
			    "authorization is unknown or was already used; "
			    "start it again from the source's Authorize "
			    "button"));
		if (strcmp(db_value(&c->db, 0, 6), "t") != 0)
			return (hx_error(req, 400, "expired", "this "
			    "authorization took longer than 10 minutes; start "
			    "it again"));
		if (strcmp(db_value(&c->db, 0, 9), "approved") != 0)
			return (hx_error(req, 409, "source_unapproved", "the "
			    "source changed since the authorization started "
			    "and waits for review; approve it and authorize "
			    "again"));
		c->scratch = json_pack("{s:s, s:s}", "source_id",
		    db_value(&c->db, 0, 0), "server_id",
		    db_value(&c->db, 0, 8));
		api_ext_job(req, c, EXT_OAUTH_TOKEN, eoauth_exchange_source(c,
		    json_string_value(json_object_get(c->body, "code"))),
		    EXT_DISCOVER_TIMEOUT_MS, EXCHANGE_WAIT);
		/* FALLTHROUGH */
	case EXCHANGE_WAIT:
		if (!api_ext_job_done(req, c))
			return (KORE_RESULT_RETRY);
		if ((res = ext_job_result(c->state)) == NULL)
			return (hx_error(req, 502, "external_source_failed",
			    ext_job_error(c->state)));
		if (ext_tokens_seal(json_string_value(json_object_get(
		    c->scratch, "source_id")), res, &cthex, nhex) == -1)
			return (hx_error(req, 500, "internal",
			    "the tokens could not be sealed"));
		json_object_set_new(c->scratch, "ct", json_string(cthex));
		free(cthex);
		json_object_set_new(c->scratch, "nonce", json_string(nhex));
		c->step = EXCHANGE_STORE;
		/* FALLTHROUGH */
	case EXCHANGE_STORE:
	default:
		(void)snprintf(exp, sizeof(exp), "%lld", (long long)
		    json_integer_value(json_object_get(ext_job_result(c->state),
		    "expires_in")));
		p[0] = json_string_value(json_object_get(c->scratch,
		    "source_id"));
		p[1] = json_string_value(json_object_get(c->scratch, "ct"));
		p[2] = json_string_value(json_object_get(c->scratch, "nonce"));
		p[3] = exp;
		p[4] = c->actor;
		p[5] = hx_request_id(req);
		return (api_sql_respond(req, c,
		    SQL_EXT_OAUTH_TOKENS_SAVE_RESPOND, 6, p));
	}
}
