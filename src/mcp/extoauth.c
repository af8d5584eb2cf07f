/*
 * The external MCP client's OAuth 2.1 side, on a job's thread
 * (extclient.h). MCPbox is the client of the source's authorization
 * server, as the MCP authorization spec describes:
 *
 *   1. an unauthenticated request to the source; its 401 may name the
 *      protected-resource metadata (RFC 9728) and a scope,
 *   2. that metadata (or the well-known URLs derived from the source's
 *      URL) names the authorization server,
 *   3. its metadata (RFC 8414, or OpenID discovery) gives the endpoints;
 *      S256 PKCE must be offered or MCPbox refuses to go on,
 *   4. dynamic client registration (RFC 7591) as a public client,
 *   5. the authorization URL (code + S256 + state + resource, RFC 8707)
 *      that the admin's browser opens; then, in a second job, the code
 *      and the PKCE verifier are exchanged for tokens,
 *   6. during calls an access token that is about to expire, or that the
 *      source refused with 401, is refreshed once.
 *
 * Every URL fetched here goes through the same address rules as the
 * source itself (extaddr.c): a metadata document cannot point MCPbox at
 * an internal address. Nothing of a token ever goes into a message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "core/core.h"
#include "mcp/extclient.h"
#include "mcp/extjob.h"

#define OAUTH_BODY_MAX		(256 * 1024)
#define OAUTH_STEP_MS		15000
#define OAUTH_PROBE_MS		5000
#define OAUTH_TOKEN_MAX		6000
#define OAUTH_REFRESH_AHEAD_S	60

/* One request to an OAuth or metadata URL, on its own pinned target. */
struct ohttp {
	struct conn	 t;
	CURL		*easy;
	CURLcode	 rc;
	long		 code;
	char		*body;
	size_t		 blen;
	int		 probe;		/* stop reading a 2xx answer */
	char		 www[1024];	/* WWW-Authenticate */
};

static size_t
oh_header(char *p, size_t size, size_t n, void *arg)
{
	struct ohttp	*o = arg;
	size_t		 len = size * n, k;

	if (len > 17 && strncasecmp(p, "www-authenticate:", 17) == 0) {
		k = len - 17 < sizeof(o->www) - 1 ? len - 17 :
		    sizeof(o->www) - 1;
		memcpy(o->www, p + 17, k);
		o->www[k] = '\0';
		o->www[strcspn(o->www, "\r\n")] = '\0';
	}
	return (len);
}

static size_t
oh_body(char *p, size_t size, size_t n, void *arg)
{
	struct ohttp	*o = arg;
	size_t		 len = size * n;
	long		 code;

	if (o->probe) {
		/* A source that answers without credentials may stream. */
		code = 0;
		curl_easy_getinfo(o->easy, CURLINFO_RESPONSE_CODE, &code);
		if (code >= 200 && code < 300)
			return (0);
	}
	if (o->blen + len > OAUTH_BODY_MAX) {
		o->t.too_big = 1;
		return (0);
	}
	if ((o->body = realloc(o->body, o->blen + len + 1)) == NULL)
		return (0);
	memcpy(o->body + o->blen, p, len);
	o->blen += len;
	o->body[o->blen] = '\0';
	return (len);
}

static void
oh_free(struct ohttp *o)
{
	if (o->easy != NULL)
		curl_easy_cleanup(o->easy);
	curl_slist_free_all(o->t.resolve);
	if (o->body != NULL)
		explicit_bzero(o->body, o->blen);
	free(o->body);
	memset(o, 0, sizeof(*o));
}

/*
 * GET `url` (body NULL) or POST `body` as `ctype`. R_OK_ once an HTTP
 * answer arrived, whatever its status (o->code).
 */
static int
oh_run(struct conn *c, struct ohttp *o, const char *url, const char *ctype,
    const char *body, const char *accept, int max_ms)
{
	struct curl_slist	*h;
	char			 hb[160];
	CURLcode		 rc;
	int			 r, ms;

	memset(o, 0, sizeof(*o));
	o->t.j = c->j;
	o->t.deadline = c->deadline;
	if (url == NULL || strlen(url) >= sizeof(o->t.url)) {
		ext_fail(c, "the authorization server gave MCPbox an unusable "
		    "URL%s", NULL);
		return (R_FAIL);
	}
	(void)snprintf(o->t.url, sizeof(o->t.url), "%s", url);
	if ((r = ext_target_check(&o->t)) != R_OK_)
		return (r);
	if ((o->easy = curl_easy_init()) == NULL) {
		ext_fail(c, "out of memory%s", NULL);
		return (R_FAIL);
	}
	ext_easy_common(&o->t, o->easy, url);
	(void)snprintf(hb, sizeof(hb), "Accept: %s", accept);
	h = curl_slist_append(NULL, hb);
	if (body != NULL) {
		(void)snprintf(hb, sizeof(hb), "Content-Type: %s", ctype);
		h = curl_slist_append(h, hb);
		curl_easy_setopt(o->easy, CURLOPT_POSTFIELDS, body);
	}
	curl_easy_setopt(o->easy, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(o->easy, CURLOPT_HEADERFUNCTION, oh_header);
	curl_easy_setopt(o->easy, CURLOPT_HEADERDATA, o);
	curl_easy_setopt(o->easy, CURLOPT_WRITEFUNCTION, oh_body);
	curl_easy_setopt(o->easy, CURLOPT_WRITEDATA, o);
	ms = ext_remaining_ms(c);
	if (ms > max_ms)
		ms = max_ms;
	curl_easy_setopt(o->easy, CURLOPT_TIMEOUT_MS, (long)(ms > 0 ? ms : 1));
	rc = o->rc = curl_easy_perform(o->easy);
	curl_easy_getinfo(o->easy, CURLINFO_RESPONSE_CODE, &o->code);
	curl_easy_setopt(o->easy, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(h);
	if (rc == CURLE_WRITE_ERROR && o->probe && o->code >= 200 &&
	    o->code < 300)
		return (R_OK_);
	if (rc != CURLE_OK)
		return (ext_curl_failure(&o->t, rc));
	return (R_OK_);
}

/* The answer as a JSON object when it is one with status 200/201. */
static json_t *
oh_json(struct ohttp *o)
{
	json_t	*v;

	if ((o->code != 200 && o->code != 201) || o->body == NULL)
		return (NULL);
	v = json_loadb(o->body, o->blen, 0, NULL);
	if (!json_is_object(v)) {
		json_decref(v);
		return (NULL);
	}
	return (v);
}

/* Text from a server that is safe to put in a message: short, printable. */
static void
clean_text(const char *in, char *out, size_t outlen)
{
	size_t	i, k;

	for (i = k = 0; in != NULL && in[i] != '\0' && k < outlen - 1 &&
	    i < 200; i++) {
		if ((unsigned char)in[i] >= 0x20 && (unsigned char)in[i] < 0x7f)
			out[k++] = in[i];
	}
	out[k] = '\0';
}

/* `name="value"` or `name=value` from a WWW-Authenticate header. */
static int
www_param(const char *www, const char *name, char *out, size_t outlen)
{
	const char	*p, *v;
	size_t		 n, k;

	n = strlen(name);
	for (p = www; (p = strcasestr(p, name)) != NULL; p += n) {
		if (p != www && p[-1] != ' ' && p[-1] != ',')
			continue;
		if (p[n] != '=')
			continue;
		v = p + n + 1;
		if (*v == '"') {
			v++;
			k = strcspn(v, "\"");
		} else
			k = strcspn(v, " ,");
		if (k == 0 || k >= outlen)
			return (0);
		memcpy(out, v, k);
		out[k] = '\0';
		return (1);
	}
	return (0);
}

/* "scheme://host[:port]" and the path without a trailing slash. */
static int
url_split(const char *url, char *origin, size_t olen, char *path,
    size_t plen)
{
	CURLU	*u;
	char	*scheme, *host, *port, *p;
	int	 ok;

	u = curl_url();
	scheme = host = port = p = NULL;
	ok = curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PATH, &p, 0) == CURLUE_OK;
	if (ok) {
		if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK)
			(void)snprintf(origin, olen, "%s://%s:%s", scheme, host,
			    port);
		else
			(void)snprintf(origin, olen, "%s://%s", scheme, host);
		(void)snprintf(path, plen, "%s", p);
		while (strlen(path) > 0 && path[strlen(path) - 1] == '/')
			path[strlen(path) - 1] = '\0';
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(p);
	curl_url_cleanup(u);
	return (ok ? 0 : -1);
}

static int
same_url(const char *a, const char *b)
{
	size_t	la, lb;

	if (a == NULL || b == NULL)
		return (0);
	la = strlen(a);
	lb = strlen(b);
	while (la > 0 && a[la - 1] == '/')
		la--;
	while (lb > 0 && b[lb - 1] == '/')
		lb--;
	return (la == lb && strncmp(a, b, la) == 0);
}

static int
array_has(json_t *arr, const char *want)
{
	json_t	*v;
	size_t	 i;

	json_array_foreach(arr, i, v) {
		if (json_is_string(v) && strcmp(json_string_value(v), want) == 0)
			return (1);
	}
	return (0);
}

/* The first of `n` URLs that answers with a JSON object, or none. A 404
 * is an answer; no answer at all (unreachable, refused) is final. */
static int
first_json(struct conn *c, char cand[][2100], int n, json_t **out)
{
	struct ohttp	 o;
	int		 i, rc;

	*out = NULL;
	for (i = 0; i < n && *out == NULL; i++) {
		rc = oh_run(c, &o, cand[i], NULL, NULL, "application/json",
		    OAUTH_STEP_MS);
		if (rc == R_OK_)
			*out = oh_json(&o);
		oh_free(&o);
		if (rc != R_OK_)
			return (rc);
	}
	return (R_OK_);
}

/*
 * Steps 1 and 2: the protected-resource metadata. Sets *issuer, the
 * resource and the scope to ask for; falls back to the source's origin
 * as the authorization server when no metadata exists (MCP 2025-03-26).
 */
static int
find_resource(struct conn *c, json_t *out)
{
	struct ohttp	 o;
	char		 origin[600], path[1200], meta[2100], scope[512];
	char		 cand[2][2100];
	json_t		*prm, *as, *init;
	const char	*res;
	char		*text;
	int		 n, rc, sse;

	if (url_split(c->url, origin, sizeof(origin), path, sizeof(path)) ==
	    -1) {
		ext_fail(c, "the source URL is not a valid URL%s", NULL);
		return (R_FAIL);
	}
	meta[0] = scope[0] = '\0';
	sse = c->sse_transport;
	init = json_pack("{s:s, s:i, s:s, s:{s:s, s:{}, s:{s:s, s:s}}}",
	    "jsonrpc", "2.0", "id", 1, "method", "initialize", "params",
	    "protocolVersion", EXT_PROTO, "capabilities", "clientInfo", "name",
	    "MCPbox", "version", "1.0");
	text = json_dumps(init, JSON_COMPACT);
	json_decref(init);
	memset(&o, 0, sizeof(o));
	rc = oh_run(c, &o, c->url, sse ? NULL : "application/json",
	    sse ? NULL : text, sse ? "text/event-stream" :
	    "application/json, text/event-stream", OAUTH_PROBE_MS);
	free(text);
	if (rc == R_OK_ && o.code == 401) {
		(void)www_param(o.www, "resource_metadata", meta, sizeof(meta));
		(void)www_param(o.www, "scope", scope, sizeof(scope));
	}
	/* Only a silent source is tolerated here: the metadata may still
	 * be found at its well-known URL. */
	if (rc != R_OK_ && o.rc != CURLE_OPERATION_TIMEDOUT) {
		oh_free(&o);
		return (rc);
	}
	oh_free(&o);
	c->j->error[0] = '\0';
	n = 0;
	if (meta[0] != '\0')
		(void)snprintf(cand[n++], sizeof(cand[0]), "%s", meta);
	else {
		if (path[0] != '\0')
			(void)snprintf(cand[n++], sizeof(cand[0]),
			    "%s/.well-known/oauth-protected-resource%s", origin,
			    path);
		(void)snprintf(cand[n++], sizeof(cand[0]),
		    "%s/.well-known/oauth-protected-resource", origin);
	}
	if ((rc = first_json(c, cand, n, &prm)) != R_OK_)
		return (rc);
	as = json_array_get(json_object_get(prm, "authorization_servers"), 0);
	if (prm != NULL && !json_is_string(as)) {
		json_decref(prm);
		ext_fail(c, "the source's protected-resource metadata names no "
		    "authorization server%s", NULL);
		return (R_FAIL);
	}
	if (prm != NULL) {
		json_object_set(out, "issuer", as);
		json_object_set_new(out, "issuer_named", json_true());
		res = json_string_value(json_object_get(prm, "resource"));
		json_object_set_new(out, "resource", json_string(res != NULL ?
		    res : c->url));
		if (scope[0] == '\0' && json_is_array(json_object_get(prm,
		    "scopes_supported"))) {
			json_t	*s;
			size_t	 k;

			json_array_foreach(json_object_get(prm,
			    "scopes_supported"), k, s) {
				size_t	used = strlen(scope);

				if (!json_is_string(s) || used +
				    json_string_length(s) + 2 >= sizeof(scope))
					continue;
				(void)snprintf(scope + used, sizeof(scope) -
				    used, "%s%s", used > 0 ? " " : "",
				    json_string_value(s));
			}
		}
		json_decref(prm);
	} else {
		json_object_set_new(out, "issuer", json_string(origin));
		json_object_set_new(out, "resource", json_string(c->url));
	}
	if (scope[0] != '\0')
		json_object_set_new(out, "scope", json_string(scope));
	return (R_OK_);
}

/* Step 3: the authorization server's metadata, checked. */
static int
find_server(struct conn *c, json_t *out)
{
	const char	*issuer, *got;
	char		 origin[600], path[1200], cand[3][2100], why[240];
	json_t		*md, *methods;
	int		 n, rc;

	issuer = json_string_value(json_object_get(out, "issuer"));
	if (url_split(issuer, origin, sizeof(origin), path, sizeof(path)) ==
	    -1) {
		ext_fail(c, "the source names an authorization server that is "
		    "not a valid URL%s", NULL);
		return (R_FAIL);
	}
	n = 0;
	(void)snprintf(cand[n++], sizeof(cand[0]),
	    "%s/.well-known/oauth-authorization-server%s", origin, path);
	(void)snprintf(cand[n++], sizeof(cand[0]),
	    "%s/.well-known/openid-configuration%s", origin, path);
	if (path[0] != '\0')
		(void)snprintf(cand[n++], sizeof(cand[0]),
		    "%s%s/.well-known/openid-configuration", origin, path);
	if ((rc = first_json(c, cand, n, &md)) != R_OK_)
		return (rc);
	if (md == NULL) {
		ext_fail(c, "no OAuth authorization-server metadata (RFC 8414) "
		    "was found for the source; MCPbox needs it to connect%s",
		    NULL);
		return (R_FAIL);
	}
	why[0] = '\0';
	got = json_string_value(json_object_get(md, "issuer"));
	methods = json_object_get(md, "code_challenge_methods_supported");
	/* RFC 8414 §3.3: the metadata must be the issuer's own (mix-up). */
	if (json_is_true(json_object_get(out, "issuer_named")) &&
	    !same_url(got, issuer))
		(void)snprintf(why, sizeof(why), "its metadata names another "
		    "issuer");
	else if (!json_is_string(json_object_get(md,
	    "authorization_endpoint")) || !json_is_string(json_object_get(md,
	    "token_endpoint")))
		(void)snprintf(why, sizeof(why), "its metadata lacks the "
		    "authorization or token endpoint");
	else if (!array_has(methods, "S256"))
		(void)snprintf(why, sizeof(why), "it does not offer PKCE with "
		    "S256");
	else if (!json_is_string(json_object_get(md,
	    "registration_endpoint")))
		(void)snprintf(why, sizeof(why), "it offers no dynamic client "
		    "registration (RFC 7591)");
	if (why[0] != '\0') {
		json_decref(md);
		ext_fail(c, "the source's authorization server cannot be used: "
		    "%s", why);
		return (R_FAIL);
	}
	json_object_set_new(out, "issuer", json_string(got != NULL ? got :
	    issuer));
	json_object_set(out, "authorization_endpoint", json_object_get(md,
	    "authorization_endpoint"));
	json_object_set(out, "token_endpoint", json_object_get(md,
	    "token_endpoint"));
	json_object_set(out, "registration_endpoint", json_object_get(md,
	    "registration_endpoint"));
	json_decref(md);
	return (R_OK_);
}

/* Step 4: a client id for our redirect URI, registered or reused. */
static int
register_client(struct conn *c, json_t *out)
{
	struct ohttp	 o;
	json_t		*src = c->j->src, *req, *ans;
	const char	*redirect, *cid, *meth, *reg;
	char		*text;
	int		 rc;

	redirect = json_string_value(json_object_get(src, "redirect_uri"));
	cid = json_string_value(json_object_get(src, "client_id"));
	reg = json_string_value(json_object_get(src,
	    "registered_redirect_uri"));
	if (cid != NULL && reg != NULL && redirect != NULL &&
	    strcmp(redirect, reg) == 0 && same_url(json_string_value(
	    json_object_get(src, "issuer")), json_string_value(
	    json_object_get(out, "issuer")))) {
		json_object_set_new(out, "client_id", json_string(cid));
		return (R_OK_);
	}
	req = json_pack("{s:s, s:[s], s:[s, s], s:[s], s:s}", "client_name",
	    "MCPbox", "redirect_uris", redirect, "grant_types",
	    "authorization_code", "refresh_token", "response_types", "code",
	    "token_endpoint_auth_method", "none");
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	rc = oh_run(c, &o, json_string_value(json_object_get(out,
	    "registration_endpoint")), "application/json", text,
	    "application/json", OAUTH_STEP_MS);
	free(text);
	if (rc != R_OK_) {
		oh_free(&o);
		return (rc);
	}
	ans = oh_json(&o);
	oh_free(&o);
	cid = json_string_value(json_object_get(ans, "client_id"));
	meth = json_string_value(json_object_get(ans,
	    "token_endpoint_auth_method"));
	if (cid == NULL || strlen(cid) > 256) {
		json_decref(ans);
		ext_fail(c, "the authorization server refused to register "
		    "MCPbox as a client%s", NULL);
		return (R_FAIL);
	}
	if (meth != NULL && strcmp(meth, "none") != 0) {
		json_decref(ans);
		ext_fail(c, "the authorization server registered MCPbox as a "
		    "confidential client; MCPbox registers as a public client "
		    "with PKCE%s", NULL);
		return (R_FAIL);
	}
	json_object_set_new(out, "client_id", json_string(cid));
	json_decref(ans);
	return (R_OK_);
}

/* "&name=value", escaped; nothing when value is NULL or empty. */
static void
form_add(char **form, const char *name, const char *value)
{
	char	*e, *n;
	size_t	 len;

	if (value == NULL || *value == '\0')
		return;
	e = curl_easy_escape(NULL, value, 0);
	if (e == NULL)
		return;
	len = (*form != NULL ? strlen(*form) : 0) + strlen(name) +
	    strlen(e) + 3;
	if ((n = malloc(len)) != NULL) {
		(void)snprintf(n, len, "%s%s%s=%s", *form != NULL ? *form : "",
		    *form != NULL && **form != '\0' ? "&" : "", name, e);
		if (*form != NULL) {
			explicit_bzero(*form, strlen(*form));
			free(*form);
		}
		*form = n;
	}
	explicit_bzero(e, strlen(e));
	curl_free(e);
}

/* Plain http only to a host the admin approved for the server. */
static int
plain_http_ok(struct conn *c, const char *url)
{
	struct conn	*t;
	CURLU		*u;
	char		*host, *port;
	int		 ok;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return (0);
	t->j = c->j;
	u = curl_url();
	host = port = NULL;
	ok = curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ==
	    CURLUE_OK;
	if (ok) {
		(void)snprintf(t->host, sizeof(t->host), "%s", host);
		t->port = atoi(port);
		ok = ext_host_approved(t);
	}
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	free(t);
	return (ok);
}

/* Step 5a: the URL the admin's browser opens. */
static int
authorization_url(struct conn *c, json_t *out)
{
	json_t		*src = c->j->src;
	const char	*ep;
	char		*q, *url;
	size_t		 len;

	ep = json_string_value(json_object_get(out, "authorization_endpoint"));
	/* The browser goes there, not MCPbox; still no plain http but to
	 * an approved host, and nothing but http(s). */
	if (strncmp(ep, "https://", 8) != 0 && !(strncmp(ep, "http://",
	    7) == 0 && plain_http_ok(c, ep))) {
		ext_fail(c, "the authorization server's authorization endpoint "
		    "is not an https URL%s", NULL);
		return (R_FAIL);
	}
	q = NULL;
	form_add(&q, "response_type", "code");
	form_add(&q, "client_id", json_string_value(json_object_get(out,
	    "client_id")));
	form_add(&q, "redirect_uri", json_string_value(json_object_get(src,
	    "redirect_uri")));
	form_add(&q, "code_challenge", json_string_value(json_object_get(src,
	    "code_challenge")));
	form_add(&q, "code_challenge_method", "S256");
	form_add(&q, "state", json_string_value(json_object_get(src,
	    "state")));
	form_add(&q, "scope", json_string_value(json_object_get(out,
	    "scope")));
	form_add(&q, "resource", json_string_value(json_object_get(out,
	    "resource")));
	if (q == NULL) {
		ext_fail(c, "out of memory%s", NULL);
		return (R_FAIL);
	}
	len = strlen(ep) + strlen(q) + 2;
	url = malloc(len);
	if (url == NULL) {
		free(q);
		ext_fail(c, "out of memory%s", NULL);
		return (R_FAIL);
	}
	(void)snprintf(url, len, "%s%c%s", ep, strchr(ep, '?') ? '&' : '?', q);
	json_object_set_new(out, "authorization_url", json_string(url));
	free(url);
	free(q);
	return (R_OK_);
}

/*
 * A token request (code or refresh). *tokens gets {access_token,
 * refresh_token?, expires_in?}; the server's refusal becomes a message.
 */
static int
token_request(struct conn *c, const char *endpoint, const char *form,
    json_t **tokens)
{
	struct ohttp	 o;
	json_t		*ans, *exp;
	const char	*at, *rt, *tt, *err;
	char		 e1[80], e2[200], msg[320];
	int		 rc;

	*tokens = NULL;
	rc = oh_run(c, &o, endpoint, "application/x-www-form-urlencoded", form,
	    "application/json", OAUTH_STEP_MS);
	if (rc != R_OK_) {
		oh_free(&o);
		return (rc);
	}
	if (o.code == 200)
		ans = oh_json(&o);
	else
		ans = o.body != NULL ? json_loadb(o.body, o.blen, 0, NULL) :
		    NULL;
	if (o.code != 200) {
		err = json_string_value(json_object_get(ans, "error"));
		clean_text(err != NULL ? err : "", e1, sizeof(e1));
		clean_text(json_string_value(json_object_get(ans,
		    "error_description")), e2, sizeof(e2));
		(void)snprintf(msg, sizeof(msg), "%s%s%s%s", e1[0] ? e1 :
		    "HTTP error", e2[0] ? " (" : "", e2, e2[0] ? ")" : "");
		json_decref(ans);
		oh_free(&o);
		ext_fail(c, "the authorization server refused the token "
		    "request: %s", msg);
		c->auth_problem = 1;
		return (R_FAIL);
	}
	oh_free(&o);
	at = json_string_value(json_object_get(ans, "access_token"));
	rt = json_string_value(json_object_get(ans, "refresh_token"));
	tt = json_string_value(json_object_get(ans, "token_type"));
	exp = json_object_get(ans, "expires_in");
	if (at == NULL || *at == '\0' || strlen(at) > OAUTH_TOKEN_MAX ||
	    strpbrk(at, "\r\n") != NULL || (rt != NULL &&
	    strlen(rt) > OAUTH_TOKEN_MAX) || (tt != NULL &&
	    strcasecmp(tt, "bearer") != 0)) {
		json_decref(ans);
		ext_fail(c, "the authorization server's token answer is not a "
		    "usable bearer token%s", NULL);
		return (R_FAIL);
	}
	*tokens = json_pack("{s:s, s:I}", "access_token", at, "expires_in",
	    (json_int_t)(json_is_integer(exp) && json_integer_value(exp) > 0 &&
	    json_integer_value(exp) < 10 * 365 * 86400 ?
	    json_integer_value(exp) : 0));
	if (rt != NULL && *rt != '\0')
		json_object_set_new(*tokens, "refresh_token", json_string(rt));
	json_decref(ans);
	return (R_OK_);
}

/* EXT_OAUTH_START and EXT_OAUTH_TOKEN. */
int
ext_oauth_run(struct conn *c)
{
	json_t		*src = c->j->src, *out, *tokens;
	char		*form;
	int		 rc;

	if (c->j->op == EXT_OAUTH_TOKEN) {
		form = NULL;
		form_add(&form, "grant_type", "authorization_code");
		form_add(&form, "code", json_string_value(json_object_get(src,
		    "code")));
		form_add(&form, "redirect_uri", json_string_value(
		    json_object_get(src, "redirect_uri")));
		form_add(&form, "client_id", json_string_value(
		    json_object_get(src, "client_id")));
		form_add(&form, "code_verifier", json_string_value(
		    json_object_get(src, "code_verifier")));
		form_add(&form, "resource", json_string_value(
		    json_object_get(src, "resource")));
		rc = token_request(c, c->url, form, &tokens);
		if (form != NULL)
			explicit_bzero(form, strlen(form));
		free(form);
		if (rc == R_OK_)
			c->j->result = tokens;
		return (rc);
	}
	out = json_object();
	if ((rc = find_resource(c, out)) == R_OK_ &&
	    (rc = find_server(c, out)) == R_OK_ &&
	    (rc = register_client(c, out)) == R_OK_)
		rc = authorization_url(c, out);
	if (rc != R_OK_) {
		json_decref(out);
		return (rc);
	}
	json_object_del(out, "issuer_named");
	json_object_del(out, "registration_endpoint");
	json_object_del(out, "authorization_endpoint");
	c->j->result = out;
	return (R_OK_);
}

/* Step 6: a new access token from the refresh token, into c->auth. */
int
ext_oauth_refresh(struct conn *c)
{
	json_t		*o = json_object_get(c->j->src, "oauth"), *tokens;
	const char	*rt;
	char		*form;
	int		 rc;

	rt = json_string_value(json_object_get(o, "refresh_token"));
	c->auth_problem = 1;
	if (rt == NULL || *rt == '\0') {
		ext_fail(c, "the source's OAuth access token is no longer "
		    "accepted and there is no refresh token; an admin must "
		    "authorize the source again in the MCPbox panel%s", NULL);
		return (R_FAIL);
	}
	form = NULL;
	form_add(&form, "grant_type", "refresh_token");
	form_add(&form, "refresh_token", rt);
	form_add(&form, "client_id", json_string_value(json_object_get(o,
	    "client_id")));
	form_add(&form, "resource", json_string_value(json_object_get(o,
	    "resource")));
	rc = token_request(c, json_string_value(json_object_get(o,
	    "token_endpoint")), form, &tokens);
	if (form != NULL)
		explicit_bzero(form, strlen(form));
	free(form);
	if (rc != R_OK_) {
		c->j->error[0] = '\0';
		ext_fail(c, "the source's OAuth authorization could not be "
		    "refreshed; an admin must authorize the source again in "
		    "the MCPbox panel%s", NULL);
		return (rc);
	}
	/* Servers that do not rotate keep the refresh token we had. */
	if (json_object_get(tokens, "refresh_token") == NULL)
		json_object_set_new(tokens, "refresh_token", json_string(rt));
	(void)snprintf(c->auth, sizeof(c->auth), "Authorization: Bearer %s",
	    json_string_value(json_object_get(tokens, "access_token")));
	json_decref(c->j->new_tokens);
	c->j->new_tokens = tokens;
	c->auth_problem = 0;
	return (R_OK_);
}

/* Before a session: refresh an access token that is about to expire. */
int
ext_oauth_fresh(struct conn *c)
{
	json_t		*o = json_object_get(c->j->src, "oauth");
	json_int_t	 exp;

	if (o == NULL)
		return (R_OK_);
	exp = json_integer_value(json_object_get(o, "expires_at"));
	if (exp <= 0 || (json_int_t)time(NULL) + OAUTH_REFRESH_AHEAD_S < exp)
		return (R_OK_);
	if (json_string_value(json_object_get(o, "refresh_token")) == NULL)
		return (R_OK_);	/* try it; a 401 says what to do */
	return (ext_oauth_refresh(c));
}
