/*
 * The authorization endpoint: code flow with PKCE S256 only (OAuth 2.1
 * §4.1; "plain" would let anyone who sees the redirect redeem the code).
 *
 * GET validates the request, stores it under a fresh random token and
 * shows a consent page: a plain HTML form, no script (the CSP forbids
 * inline script and the page needs none). The form carries the token back;
 * unguessable and single-use, it is the CSRF token and the request handle
 * at once. The admin chooses what the client may do (call only, or author
 * too) and on which servers. POST checks that an admin's username and
 * password (argon2id in a task thread, never in the event loop), then
 * trades the request for a code, and the choice for a client token row
 * the client's access tokens name (D36), and redirects to the client.
 *
 * Errors before the client and its redirect URI are known to match are
 * shown as a page, never redirected (RFC 6749 §4.1.2.1): redirecting to an
 * unverified URI would make us an open redirector.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "oauth/oauth.h"
#include "db/sql.h"

/*
 * Consent-page password attempts have buckets of their own, so guesses
 * through the public door never lock the admin out of the local login:
 * 5 failures a minute per visitor, and 20 a minute in all (a guesser with
 * many addresses still gets no more than that).
 */
#define CONSENT_LIMIT		5
#define CONSENT_ALL_LIMIT	20
#define CONSENT_WINDOW		60
/* Consent pages a visitor may open a minute (each stores a request). */
#define AUTHORIZE_LIMIT		60

static const char page_head[] =
    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
    "<title>MCPbox: authorize</title><style>"
    "body{font:16px system-ui,sans-serif;max-width:28rem;margin:3rem auto;"
    "padding:0 1rem;color:#1d232a}h1{font-size:1.3rem}"
    "label{display:block;margin:.8rem 0 .2rem}"
    "input[type=text],input[type=password]{width:100%;padding:.5rem;"
    "box-sizing:border-box}button{margin:1rem .5rem 0 0;padding:.5rem 1rem}"
    ".err{color:#b00020}.muted{color:#555;font-size:.9rem}"
    "</style></head><body>";

/* Text for the page's HTML. */
static char *
authorize_html_escape(const char *s)
{
	struct kore_buf	b;
	char		*out;

	kore_buf_init(&b, 128);
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			kore_buf_append(&b, "&amp;", 5);
			break;
		case '<':
			kore_buf_append(&b, "&lt;", 4);
			break;
		case '>':
			kore_buf_append(&b, "&gt;", 4);
			break;
		case '"':
			kore_buf_append(&b, "&quot;", 6);
			break;
		case '\'':
			kore_buf_append(&b, "&#39;", 5);
			break;
		default:
			kore_buf_append(&b, s, 1);
		}
	}
	out = kore_buf_stringify(&b, NULL);
	out = kore_strdup(out);
	kore_buf_cleanup(&b);
	return (out);
}

static void
authorize_page_send(struct http_request *req, int status, struct kore_buf *b,
    const char *redirect_uri)
{
	char	csp[1024];
	size_t	n;

	/*
	 * form-action also covers the redirect after the POST: the origin of
	 * the registered URI, from the one parser that admitted it.
	 */
	n = 0;
	if (redirect_uri != NULL && redirect_uri_check(redirect_uri, &n) == -1)
		n = 0;
	(void)snprintf(csp, sizeof(csp), "default-src 'none'; "
	    "style-src 'unsafe-inline'; form-action 'self'%s%.*s; "
	    "frame-ancestors 'none'; base-uri 'none'", n > 0 ? " " : "",
	    (int)n, redirect_uri != NULL ? redirect_uri : "");
	kore_buf_appendf(b, "</body></html>");
	http_response_header(req, "content-security-policy", csp);
	http_response_header(req, "x-content-type-options", "nosniff");
	http_response_header(req, "x-frame-options", "DENY");
	http_response_header(req, "referrer-policy", "no-referrer");
	http_response_header(req, "cache-control", "no-store");
	http_response_header(req, "content-type", "text/html; charset=utf-8");
	http_response(req, status, b->data, b->offset);
}

static int
authorize_error_page(struct http_request *req, int status, const char *msg)
{
	struct kore_buf	b;
	char		*m;

	kore_buf_init(&b, 1024);
	kore_buf_append(&b, page_head, sizeof(page_head) - 1);
	m = authorize_html_escape(msg);
	kore_buf_appendf(&b, "<h1>Authorization failed</h1><p class=\"err\">"
	    "%s</p><p class=\"muted\">Start again from your MCP client.</p>",
	    m);
	kore_free(m);
	authorize_page_send(req, status, &b, NULL);
	kore_buf_cleanup(&b);
	return (KORE_RESULT_OK);
}

static int
authorize_consent_page(struct http_request *req, int status, const char *token,
    const char *client, const char *redirect_uri, const char *error)
{
	struct kore_buf	b;
	char		*c, *r, *e;

	kore_buf_init(&b, 4096);
	kore_buf_append(&b, page_head, sizeof(page_head) - 1);
	c = authorize_html_escape(*client != '\0' ? client : "An MCP client");
	r = authorize_html_escape(redirect_uri);
	kore_buf_appendf(&b, "<h1>Allow %s to use your MCPbox?</h1>"
	    "<p>It will be able to list and call your approved tools. Approve "
	    "only if you started this from your own client.</p>"
	    "<p class=\"muted\">Redirects to %s</p>", c, r);
	if (error != NULL) {
		e = authorize_html_escape(error);
		kore_buf_appendf(&b, "<p class=\"err\">%s</p>", e);
		kore_free(e);
	}
	kore_buf_appendf(&b, "<form method=\"post\" action=\"/oauth/authorize\">"
	    "<input type=\"hidden\" name=\"request\" value=\"%s\">"
	    "<fieldset><legend>It may</legend>"
	    "<label><input type=\"radio\" name=\"scope\" value=\"call\" "
	    "checked> call approved tools, resources and prompts</label>"
	    "<label><input type=\"radio\" name=\"scope\" value=\"author\">"
	    " also write tools for review (the mcpbox_* tools)</label>"
	    "</fieldset>"
	    "<label for=\"s\">On the servers</label>"
	    "<input id=\"s\" type=\"text\" name=\"servers\" "
	    "placeholder=\"every server\">"
	    "<p class=\"muted\">Server names separated by commas; empty for "
	    "every server.</p>"
	    "<label for=\"u\">Admin username</label>"
	    "<input id=\"u\" type=\"text\" name=\"username\" "
	    "autocomplete=\"username\" required>"
	    "<label for=\"p\">Password</label>"
	    "<input id=\"p\" type=\"password\" name=\"password\" "
	    "autocomplete=\"current-password\" required>"
	    "<button type=\"submit\" name=\"action\" value=\"approve\">Approve"
	    "</button><button type=\"submit\" name=\"action\" value=\"deny\" "
	    "formnovalidate>Deny</button></form>", token);
	kore_free(c);
	kore_free(r);
	authorize_page_send(req, status, &b, redirect_uri);
	kore_buf_cleanup(&b);
	return (KORE_RESULT_OK);
}

/* Append k=urlencoded(v) to b. */
static void
authorize_query_add(struct kore_buf *b, const char *k, const char *v,
    int *first)
{
	static const char	hex[] = "0123456789ABCDEF";
	const unsigned char	*p;

	kore_buf_appendf(b, "%s%s=", *first ? "" : "&", k);
	*first = 0;
	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL) {
			kore_buf_append(b, p, 1);
		} else {
			kore_buf_appendf(b, "%%%c%c", hex[*p >> 4],
			    hex[*p & 15]);
		}
	}
}

static int
authorize_redirect(struct http_request *req, const char *uri, const char *code,
    const char *error, const char *state, int has_state)
{
	struct kore_buf	b;
	char		*loc;
	int		first;

	kore_buf_init(&b, 512);
	kore_buf_appendf(&b, "%s%c", uri, strchr(uri, '?') ? '&' : '?');
	first = 1;
	if (code != NULL)
		authorize_query_add(&b, "code", code, &first);
	else
		authorize_query_add(&b, "error", error, &first);
	if (has_state)
		authorize_query_add(&b, "state", state, &first);
	authorize_query_add(&b, "iss", mcpbox_cfg.public_url, &first);
	loc = kore_buf_stringify(&b, NULL);
	hx_security_headers(req, 0);
	http_response_header(req, "location", loc);
	http_response(req, 302, NULL, 0);
	kore_buf_cleanup(&b);
	return (KORE_RESULT_OK);
}

static int
authorize_get(struct http_request *req, struct oauth_ctx *c)
{
	char		client[64], uri[600], chal[160], meth[16], state[520],
			res[OAUTH_URL_MAX], want[OAUTH_URL_MAX], scope[260],
			rt[16];
	const char	*p[7];
	enum db_status	st;
	char		ip[64], ra[16];
	int		retry;

	if (c->secret[0] == '\0') {
		hx_client_ip(req, ip, sizeof(ip));
		if (!ratelimit_take("oauth_authorize", ip, AUTHORIZE_LIMIT, 60,
		    clock_ms(), &retry)) {
			(void)snprintf(ra, sizeof(ra), "%d", retry);
			http_response_header(req, "retry-after", ra);
			return (authorize_error_page(req, 429,
			    "Too many authorization "
			    "requests; wait a minute."));
		}
	}
	if (!oauth_query(req, "client_id", client, sizeof(client)) ||
	    !uuid_valid(client))
		return (authorize_error_page(req, 400,
		    "client_id is missing or unknown."));
	if (!oauth_query(req, "redirect_uri", uri, sizeof(uri)))
		return (authorize_error_page(req, 400,
		    "redirect_uri is missing."));
	if (!oauth_query(req, "response_type", rt, sizeof(rt)) ||
	    strcmp(rt, "code") != 0)
		return (authorize_error_page(req, 400,
		    "response_type must be code."));
	if (!oauth_query(req, "code_challenge_method", meth, sizeof(meth)) ||
	    strcmp(meth, "S256") != 0)
		return (authorize_error_page(req, 400, "PKCE is required with "
		    "code_challenge_method=S256; plain is refused."));
	if (!oauth_query(req, "code_challenge", chal, sizeof(chal)) ||
	    strlen(chal) != 43 || strspn(chal, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_") != 43)
		return (authorize_error_page(req, 400,
		    "code_challenge must be the "
		    "base64url SHA-256 of the verifier (43 characters)."));
	if (!oauth_query(req, "resource", want, sizeof(want)))
		oauth_resource(want, sizeof(want));
	if (oauth_resource_ok(want, res, sizeof(res)) == -1)
		return (authorize_error_page(req, 400, "resource names another "
		    "server; this one protects only its /mcp and its "
		    "servers' /mcp/{server}."));
	if (!oauth_query(req, "state", state, sizeof(state)))
		state[0] = '\0';
	if (!oauth_query(req, "scope", scope, sizeof(scope)))
		scope[0] = '\0';
	if (c->secret[0] == '\0') {
		if (crypto_random_token(c->secret, sizeof(c->secret)) == -1)
			return (authorize_error_page(req, 500,
			    "internal error"));
		crypto_sha256_hex(c->secret, c->hash);
	}
	p[0] = c->hash;
	p[1] = client;
	p[2] = uri;
	p[3] = chal;
	p[4] = state;
	p[5] = res;
	p[6] = scope;
	st = db_call_run(&c->db, req, SQL_OAUTH_REQUEST_PUT, 7, p);
	if (st == DB_PENDING)
		return (KORE_RESULT_RETRY);
	if (st == DB_FAILED)
		return (authorize_error_page(req, 500,
		    "the request could not be stored"));
	if (db_ntuples(&c->db) != 1)
		return (authorize_error_page(req, 400,
		    "Unknown client, a redirect_uri the "
		    "client did not register, or too many open consent pages "
		    "for it; retry in ten minutes."));
	return (authorize_consent_page(req, 200, c->secret, db_value(&c->db, 0,
	    0), uri,
	    NULL));
}

/*
 * The consent's choice from the form into c->grant_*: 0, or -1 with a
 * message for the page. A form without the fields (an old page) means
 * what a grant used to: every server, tools to author included.
 */
static int
authorize_choice(struct oauth_ctx *c, const char **why)
{
	char	scope[16], list[1024], *name, *save;
	json_t	*names;

	if (!oauth_form(c->form, "scope", scope, sizeof(scope)))
		(void)snprintf(scope, sizeof(scope), "author");
	if (strcmp(scope, "call") != 0 && strcmp(scope, "author") != 0) {
		*why = "Choose what the client may do.";
		return (-1);
	}
	(void)snprintf(c->grant_scope, sizeof(c->grant_scope), "%s", scope);
	free(c->grant_servers);
	c->grant_servers = NULL;
	if (!oauth_form(c->form, "servers", list, sizeof(list)))
		return (0);
	names = json_array();
	for (name = strtok_r(list, ", ", &save); name != NULL;
	    name = strtok_r(NULL, ", ", &save)) {
		if (!ident_valid(name) || json_array_size(names) >= 64) {
			json_decref(names);
			*why = "Servers: names separated by commas (" IDENT_RULE
			    ").";
			return (-1);
		}
		json_array_append_new(names, json_string(name));
	}
	if (json_array_size(names) > 0)
		c->grant_servers = json_dumps(names, JSON_COMPACT);
	json_decref(names);
	return (0);
}

/* Runs in a task thread: touches only the context's password fields. */
static int
authorize_verify_task(struct kore_task *t)
{
	struct oauth_ctx	*c;

	c = (struct oauth_ctx *)(void *)((char *)t -
	    offsetof(struct oauth_ctx, task));
	c->ok = password_verify(c->have_encoded ? c->encoded : NULL,
	    c->password);
	return (KORE_RESULT_OK);
}

/* The authorize form's POST: its steps (c->step). */
enum authorize_step {
	S_START = 0,
	S_REQUEST,
	S_DENY,
	S_USER,
	S_VERIFY,
	S_APPROVE,
};

static int
authorize_post(struct http_request *req, struct oauth_ctx *c)
{
	const char	*p[5], *why;
	enum db_status	st;
	char		ip[64], action[16], uri[600], state[520], msg[160];
	int		retry, has_state;

	hx_client_ip(req, ip, sizeof(ip));
	switch (c->step) {
	case S_START:
		if (oauth_form_read(req, c) == HX_ANSWERED)
			return (KORE_RESULT_OK);
		if (!oauth_form(c->form, "request", c->secret,
		    sizeof(c->secret)))
			return (authorize_error_page(req, 400,
			    "The form is incomplete."));
		crypto_sha256_hex(c->secret, c->hash);
		c->step = S_REQUEST;
		/* FALLTHROUGH */
	case S_REQUEST:
		p[0] = c->hash;
		st = db_call_run(&c->db, req, SQL_OAUTH_REQUEST_GET, 1, p);
		if (st == DB_PENDING)
			return (KORE_RESULT_RETRY);
		if (st == DB_FAILED)
			return (authorize_error_page(req, 500,
			    "database error"));
		if (db_ntuples(&c->db) != 1)
			return (authorize_error_page(req, 400,
			    "This authorization request "
			    "expired or was already answered."));
		(void)snprintf(c->client_name, sizeof(c->client_name), "%s",
		    db_value(&c->db, 0, 0));
		(void)snprintf(c->redirect_uri, sizeof(c->redirect_uri), "%s",
		    db_value(&c->db, 0, 1));
		db_call_clear(&c->db);
		if (oauth_form(c->form, "action", action, sizeof(action)) &&
		    strcmp(action, "deny") == 0) {
			c->step = S_DENY;
			return (authorize_post(req, c));
		}
		if (ratelimit_blocked("consent", ip, CONSENT_LIMIT,
		    CONSENT_WINDOW, clock_ms(), &retry) ||
		    ratelimit_blocked("consent_all", "*", CONSENT_ALL_LIMIT,
		    CONSENT_WINDOW, clock_ms(), &retry))
			return (authorize_consent_page(req, 429, c->secret,
			    c->client_name,
			    c->redirect_uri, "Too many failed logins; wait a minute."));
		if (!oauth_form(c->form, "username", c->user, sizeof(c->user)) ||
		    !oauth_form(c->form, "password", c->password,
		    sizeof(c->password)))
			return (authorize_consent_page(req, 400, c->secret,
			    c->client_name,
			    c->redirect_uri, "Enter the admin username and password."));
		if (authorize_choice(c, &why) == -1)
			return (authorize_consent_page(req, 400, c->secret,
			    c->client_name, c->redirect_uri, why));
		c->step = S_USER;
		/* FALLTHROUGH */
	case S_USER:
		/* Only an admin may let a client in. */
		p[0] = c->user;
		st = db_call_run(&c->db, req, SQL_OAUTH_CONSENTER, 1, p);
		if (st == DB_PENDING)
			return (KORE_RESULT_RETRY);
		if (st == DB_FAILED)
			return (authorize_error_page(req, 500,
			    "database error"));
		if (db_ntuples(&c->db) == 1) {
			(void)snprintf(c->encoded, sizeof(c->encoded), "%s",
			    db_value(&c->db, 0, 0));
			c->have_encoded = 1;
		}
		db_call_clear(&c->db);
		kore_task_create(&c->task, authorize_verify_task);
		kore_task_bind_request(&c->task, req);
		c->task_used = 1;
		c->step = S_VERIFY;
		kore_task_run(&c->task);
		return (KORE_RESULT_RETRY);
	case S_VERIFY:
		if (kore_task_state(&c->task) != KORE_TASK_STATE_FINISHED) {
			http_request_sleep(req);
			return (KORE_RESULT_RETRY);
		}
		kore_task_destroy(&c->task);
		c->task_used = 0;
		explicit_bzero(c->password, sizeof(c->password));
		if (!c->ok || !c->have_encoded) {
			ratelimit_fail("consent", ip, CONSENT_WINDOW, clock_ms());
			ratelimit_fail("consent_all", "*", CONSENT_WINDOW,
			    clock_ms());
			log_warn("oauth consent: failed admin login from %s", ip);
			return (authorize_consent_page(req, 401, c->secret,
			    c->client_name,
			    c->redirect_uri, "Wrong username or password."));
		}
		ratelimit_clear("consent", ip);
		if (crypto_random_token(c->secret2, sizeof(c->secret2)) == -1)
			return (authorize_error_page(req, 500,
			    "internal error"));
		crypto_sha256_hex(c->secret2, c->hash2);
		c->step = S_APPROVE;
		/* FALLTHROUGH */
	case S_APPROVE:
		p[0] = c->hash;
		p[1] = c->hash2;
		p[2] = c->user;
		p[3] = c->grant_servers;
		p[4] = c->grant_scope;
		st = db_call_run(&c->db, req, SQL_OAUTH_REQUEST_APPROVE, 5, p);
		if (st == DB_DONE && db_ntuples(&c->db) == 1 &&
		    !db_isnull(&c->db, 0, 3)) {
			/* Named servers there are not: choose again. */
			(void)snprintf(msg, sizeof(msg), "No such server: %s.",
			    db_value(&c->db, 0, 3));
			db_call_clear(&c->db);
			return (authorize_consent_page(req, 400, c->secret,
			    c->client_name, c->redirect_uri, msg));
		}
		break;
	case S_DENY:
		p[0] = c->hash;
		st = db_call_run(&c->db, req, SQL_OAUTH_REQUEST_DENY, 1, p);
		break;
	default:
		return (authorize_error_page(req, 500, "internal error"));
	}
	if (st == DB_PENDING)
		return (KORE_RESULT_RETRY);
	if (st == DB_FAILED)
		return (authorize_error_page(req, 500, "database error"));
	if (db_ntuples(&c->db) != 1)
		return (authorize_error_page(req, 400,
		    "This authorization request "
		    "expired or was already answered."));
	(void)snprintf(uri, sizeof(uri), "%s", db_value(&c->db, 0, 0));
	(void)snprintf(state, sizeof(state), "%s", db_value(&c->db, 0, 1));
	has_state = strcmp(db_value(&c->db, 0, 2), "t") == 0;
	if (c->step == S_DENY)
		return (authorize_redirect(req, uri, NULL, "access_denied",
		    state,
		    has_state));
	log_info("oauth: %s approved client %s", c->user, c->client_name);
	return (authorize_redirect(req, uri, c->secret2, NULL, state,
	    has_state));
}

int
oauth_authorize(struct http_request *req)
{
	struct oauth_ctx	*c;

	hx_begin(req, "oauth_authorize");
	c = oauth_ctx_get(req);
	if (!oauth_enabled())
		return (hx_error(req, 404, "not_found", "no such path"));
	if (req->method == HTTP_METHOD_GET)
		return (authorize_get(req, c));
	if (req->method == HTTP_METHOD_POST)
		return (authorize_post(req, c));
	return (hx_method_not_allowed(req, "GET, POST"));
}
