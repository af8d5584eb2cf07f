/*
 * OAuth discovery for an external source, on a job's thread: MCPbox is
 * the client of the source's authorization server, as the MCP
 * authorization spec describes:
 *
 *   1. an unauthenticated request to the source; its 401 may name the
 *      protected-resource metadata (RFC 9728) and a scope,
 *   2. that metadata (or the well-known URLs derived from the source's
 *      URL) names the authorization server,
 *   3. its metadata (RFC 8414, or OpenID discovery) gives the endpoints;
 *      S256 PKCE must be offered or MCPbox refuses to go on,
 *   4. dynamic client registration (RFC 7591) as a public client,
 *   5. the authorization URL (code + S256 + state + resource, RFC 8707)
 *      that the admin's browser opens.
 *
 * Every URL fetched goes through ext_http_run (oauth.c): a metadata
 * document cannot point MCPbox at an internal address.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "core/core.h"
#include "ext/ext.h"
#include "ext/job.h"

#define OAUTH_PROBE_MS		5000

/* "scheme://host[:port]" and the path without a trailing slash. */
static int
disc_url_split(const char *url, char *origin, size_t olen, char *path,
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
disc_same_url(const char *a, const char *b)
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
disc_array_has(json_t *arr, const char *want)
{
	json_t	*v;
	size_t	 i;

	json_array_foreach(arr, i, v) {
		if (json_is_string(v) &&
		    strcmp(json_string_value(v), want) == 0)
			return (1);
	}
	return (0);
}

/* The first of `n` URLs that answers with a JSON object, or none. A 404
 * is an answer; no answer at all (unreachable, refused) is final. */
static int
disc_first_json(struct conn *c, char cand[][2100], int n, json_t **out)
{
	struct ext_http	 o;
	int		 i, rc;

	*out = NULL;
	for (i = 0; i < n && *out == NULL; i++) {
		rc = ext_http_run(c, &o, cand[i], NULL, NULL,
		    "application/json", OAUTH_STEP_MS, 0);
		if (rc == R_OK_)
			*out = ext_http_json(&o);
		ext_http_free(&o);
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
disc_find_resource(struct conn *c, json_t *out)
{
	struct ext_http	 o;
	char		 origin[600], path[1200], meta[2100], scope[512];
	char		 cand[2][2100];
	json_t		*prm, *as, *init;
	const char	*res;
	char		*text;
	int		 n, rc, sse;

	if (disc_url_split(c->url, origin, sizeof(origin), path,
	    sizeof(path)) ==
	    -1) {
		ext_fail(c, "the source URL is not a valid URL%s", NULL);
		return (R_FAIL);
	}
	meta[0] = scope[0] = '\0';
	sse = c->sse_transport;
	init = json_pack("{s:s, s:i, s:s, s:o}", "jsonrpc", "2.0", "id", 1,
	    "method", "initialize", "params", ext_initialize_params());
	text = json_dumps(init, JSON_COMPACT);
	json_decref(init);
	rc = ext_http_run(c, &o, c->url, sse ? NULL : "application/json",
	    sse ? NULL : text, sse ? "text/event-stream" :
	    "application/json, text/event-stream", OAUTH_PROBE_MS, 1);
	free(text);
	if (rc == R_OK_ && o.code == 401) {
		(void)wwwauth_param(o.www, "resource_metadata", meta,
		    sizeof(meta));
		(void)wwwauth_param(o.www, "scope", scope, sizeof(scope));
	}
	/* Only a silent source is tolerated here: the metadata may still
	 * be found at its well-known URL. */
	if (rc != R_OK_ && o.rc != CURLE_OPERATION_TIMEDOUT) {
		ext_http_free(&o);
		return (rc);
	}
	ext_http_free(&o);
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
	if ((rc = disc_first_json(c, cand, n, &prm)) != R_OK_)
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
disc_find_server(struct conn *c, json_t *out)
{
	const char	*issuer, *got;
	char		 origin[600], path[1200], cand[3][2100], why[240];
	json_t		*md, *methods;
	int		 n, rc;

	issuer = json_string_value(json_object_get(out, "issuer"));
	if (disc_url_split(issuer, origin, sizeof(origin), path,
	    sizeof(path)) ==
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
	if ((rc = disc_first_json(c, cand, n, &md)) != R_OK_)
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
	    !disc_same_url(got, issuer))
		(void)snprintf(why, sizeof(why), "its metadata names another "
		    "issuer");
	else if (!json_is_string(json_object_get(md,
	    "authorization_endpoint")) || !json_is_string(json_object_get(md,
	    "token_endpoint")))
		(void)snprintf(why, sizeof(why), "its metadata lacks the "
		    "authorization or token endpoint");
	else if (!disc_array_has(methods, "S256"))
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
disc_register_client(struct conn *c, json_t *out)
{
	struct ext_http	 o;
	json_t		*src = c->j->src, *req, *ans;
	const char	*redirect, *cid, *meth, *reg;
	char		*text;
	int		 rc;

	redirect = json_string_value(json_object_get(src, "redirect_uri"));
	cid = json_string_value(json_object_get(src, "client_id"));
	reg = json_string_value(json_object_get(src,
	    "registered_redirect_uri"));
	if (cid != NULL && reg != NULL && redirect != NULL &&
	    strcmp(redirect, reg) == 0 && disc_same_url(json_string_value(
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
	rc = ext_http_run(c, &o, json_string_value(json_object_get(out,
	    "registration_endpoint")), "application/json", text,
	    "application/json", OAUTH_STEP_MS, 0);
	free(text);
	if (rc != R_OK_) {
		ext_http_free(&o);
		return (rc);
	}
	ans = ext_http_json(&o);
	ext_http_free(&o);
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

/* Plain http only to a host the admin approved for the server. */
static int
disc_plain_http_ok(struct conn *c, const char *url)
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
disc_authorization_url(struct conn *c, json_t *out)
{
	json_t		*src = c->j->src;
	const char	*ep;
	char		*q, *url;
	size_t		 len;

	ep = json_string_value(json_object_get(out, "authorization_endpoint"));
	/* The browser goes there, not MCPbox; still no plain http but to
	 * an approved host, and nothing but http(s). */
	if (strncmp(ep, "https://", 8) != 0 && !(strncmp(ep, "http://",
	    7) == 0 && disc_plain_http_ok(c, ep))) {
		ext_fail(c, "the authorization server's authorization endpoint "
		    "is not an https URL%s", NULL);
		return (R_FAIL);
	}
	q = NULL;
	ext_form_add(&q, "response_type", "code");
	ext_form_add(&q, "client_id", json_string_value(json_object_get(out,
	    "client_id")));
	ext_form_add(&q, "redirect_uri", json_string_value(json_object_get(src,
	    "redirect_uri")));
	ext_form_add(&q, "code_challenge", json_string_value(
	    json_object_get(src, "code_challenge")));
	ext_form_add(&q, "code_challenge_method", "S256");
	ext_form_add(&q, "state", json_string_value(json_object_get(src,
	    "state")));
	ext_form_add(&q, "scope", json_string_value(json_object_get(out,
	    "scope")));
	ext_form_add(&q, "resource", json_string_value(json_object_get(out,
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

/* EXT_OAUTH_START: steps 1 to 5a, the URL in out. */
int
ext_oauth_discover(struct conn *c, json_t *out)
{
	int	rc;

	if ((rc = disc_find_resource(c, out)) == R_OK_ &&
	    (rc = disc_find_server(c, out)) == R_OK_ &&
	    (rc = disc_register_client(c, out)) == R_OK_)
		rc = disc_authorization_url(c, out);
	json_object_del(out, "issuer_named");
	json_object_del(out, "registration_endpoint");
	json_object_del(out, "authorization_endpoint");
	return (rc);
}
