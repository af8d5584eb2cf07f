/*
 * Discovery (MCP authorization spec §2.3): protected-resource metadata
 * (RFC 9728) names this server as its own authorization server, whose
 * metadata (RFC 8414) lists the endpoints. Both exist only with a public
 * URL: without one there is no issuer to name.
 */
#include <stdlib.h>
#include <string.h>

#include "oauth/oauth.h"
#include "db/sql.h"

static int
meta_send(struct http_request *req, json_t *o)
{
	http_response_header(req, "cache-control", "public, max-age=300");
	/* Browser-based clients read these cross-origin (no credentials). */
	http_response_header(req, "access-control-allow-origin", "*");
	return (hx_json(req, 200, o));
}

int
oauth_protected_resource(struct http_request *req)
{
	char	res[OAUTH_URL_MAX];

	hx_begin(req, "oauth_prm");
	if (!oauth_enabled())
		return (hx_error(req, 404, "not_found", "no such path"));
	if (req->method != HTTP_METHOD_GET)
		return (hx_method_not_allowed(req, "GET"));
	oauth_resource_of(req->path, res, sizeof(res));
	return (meta_send(req, json_pack("{s:s, s:[s], s:[s], s:[], s:s}",
	    "resource", res, "authorization_servers", mcpbox_cfg.public_url,
	    "bearer_methods_supported", "header", "scopes_supported",
	    "resource_name", "MCPbox")));
}

int
oauth_server_metadata(struct http_request *req)
{
	const char	*u;
	char		a[OAUTH_URL_MAX], t[OAUTH_URL_MAX], r[OAUTH_URL_MAX],
			v[OAUTH_URL_MAX];

	hx_begin(req, "oauth_asm");
	if (!oauth_enabled())
		return (hx_error(req, 404, "not_found", "no such path"));
	if (req->method != HTTP_METHOD_GET)
		return (hx_method_not_allowed(req, "GET"));
	u = mcpbox_cfg.public_url;
	(void)snprintf(a, sizeof(a), "%s/oauth/authorize", u);
	(void)snprintf(t, sizeof(t), "%s/oauth/token", u);
	(void)snprintf(r, sizeof(r), "%s/oauth/register", u);
	(void)snprintf(v, sizeof(v), "%s/oauth/revoke", u);
	return (meta_send(req, json_pack("{s:s, s:s, s:s, s:s, s:s, s:[s], "
	    "s:[s,s], s:[s], s:[s], s:[s], s:b}",
	    "issuer", u, "authorization_endpoint", a, "token_endpoint", t,
	    "registration_endpoint", r, "revocation_endpoint", v,
	    "response_types_supported", "code",
	    "grant_types_supported", "authorization_code", "refresh_token",
	    "code_challenge_methods_supported", "S256",
	    "token_endpoint_auth_methods_supported", "none",
	    "revocation_endpoint_auth_methods_supported", "none",
	    "authorization_response_iss_parameter_supported", 1)));
}

/*
 * RFC 7591 registration, open as the MCP spec expects (clients can't be
 * pre-registered with every server), so it is limited per IP and capped in
 * total. Only public clients: redirect URIs, a name, nothing else matters.
 */
int
oauth_register(struct http_request *req)
{
	struct oauth_ctx	*c;
	json_t			*body, *uris, *u, *name, *m;
	const char		*p[3];
	char			ip[64], ra[16];
	enum db_status		st;
	size_t			i;
	int			retry;

	hx_begin(req, "oauth_register");
	c = oauth_ctx_get(req);
	if (!oauth_enabled())
		return (hx_error(req, 404, "not_found", "no such path"));
	if (c->step == OAUTH_CHECK) {
		if (req->method != HTTP_METHOD_POST)
			return (hx_method_not_allowed(req, "POST"));
		hx_client_ip(req, ip, sizeof(ip));
		if (!ratelimit_take("oauth_register", ip, 10, 60, clock_ms(),
		    &retry)) {
			(void)snprintf(ra, sizeof(ra), "%d", retry);
			http_response_header(req, "retry-after", ra);
			return (oauth_error(req, 429, "slow_down",
			    "too many registrations; retry later"));
		}
		if (hx_body_json(req, 65536, &body) == HX_ANSWERED)
			return (KORE_RESULT_OK);
		if (!json_is_object(body)) {
			json_decref(body);
			return (oauth_error(req, 400, "invalid_client_metadata",
			    "the body must be a JSON object"));
		}
		uris = json_object_get(body, "redirect_uris");
		if (!json_is_array(uris) || json_array_size(uris) == 0 ||
		    json_array_size(uris) > 10) {
			json_decref(body);
			return (oauth_error(req, 400, "invalid_redirect_uri",
			    "redirect_uris: 1 to 10 URIs are required"));
		}
		json_array_foreach(uris, i, u) {
			if (!json_is_string(u) ||
			    redirect_uri_check(json_string_value(u), NULL) != 0) {
				json_decref(body);
				return (oauth_error(req, 400,
				    "invalid_redirect_uri", "redirect URIs must "
				    "be https:// or http:// on localhost, "
				    "127.0.0.1 or [::1], without a fragment"));
			}
		}
		m = json_object_get(body, "token_endpoint_auth_method");
		if (m != NULL && (!json_is_string(m) ||
		    strcmp(json_string_value(m), "none") != 0)) {
			/* RFC 7591 §2: the server may replace it; we do. */
			json_object_del(body, "token_endpoint_auth_method");
		}
		name = json_object_get(body, "client_name");
		(void)snprintf(c->client_name, sizeof(c->client_name), "%s",
		    json_is_string(name) ? json_string_value(name) : "");
		c->form = json_dumps(uris, JSON_COMPACT);
		c->form_len = c->form != NULL ? strlen(c->form) : 0;
		json_decref(body);
		if (c->form == NULL)
			return (oauth_error(req, 500, "server_error",
			    "out of memory"));
		/* Kore's allocator frees it with the context. */
		{
			char	*k = kore_strdup(c->form);

			free(c->form);
			c->form = k;
		}
		c->step = OAUTH_RUN;
	}
	hx_client_ip(req, ip, sizeof(ip));
	p[0] = c->client_name;
	p[1] = c->form;
	p[2] = ip;
	st = db_call_run(&c->db, req, SQL_OAUTH_CLIENT_REGISTER_RESPOND, 3, p);
	if (st == DB_PENDING)
		return (KORE_RESULT_RETRY);
	if (st == DB_FAILED || db_ntuples(&c->db) != 1)
		return (oauth_error(req, 500, "server_error",
		    "the client could not be stored"));
	http_response_header(req, "cache-control", "no-store");
	return (hx_json_text(req, atoi(db_value(&c->db, 0, 0)),
	    db_value(&c->db, 0, 1), strlen(db_value(&c->db, 0, 1))));
}
