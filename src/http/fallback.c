/*
 * Routes of last resort. A catch-all regex route at the end of the config
 * sends our JSON 404 (Kore's own 404 has neither the security headers nor
 * a JSON body), and the panel's entry page is wrapped so it carries the
 * same headers as everything else.
 */
#include "http/http.h"
#include "assets.h"

int
hx_not_found(struct http_request *req)
{
	hx_begin(req, "not_found");
	return (hx_error(req, 404, "not_found", "no such path"));
}

int
hx_asset_index(struct http_request *req)
{
	hx_begin(req, "panel");
	if (!hx_origin_ok(req))
		return (hx_origin_refused(req));
	if (req->method != HTTP_METHOD_GET)
		return (hx_method_not_allowed(req, "GET"));
	hx_security_headers(req, 1);
	return (asset_serve_index_html(req));
}
