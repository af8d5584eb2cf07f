/*
 * /static/<name>: the panel's files, compiled into the binary by kodev
 * from assets/. One route serves them all through a table generated at
 * build time (scripts/embed-assets-table -> assets_table.c), so a name is
 * either one of our files or a 404; nothing is read from disk and no path
 * is ever built from the request.
 */
#include <string.h>

#include "http/http.h"

#define STATIC_PREFIX	"/static/"

typedef int	(*hx_static_fn)(struct http_request *);
hx_static_fn	hx_static_find(const char *);
int		hx_asset_static(struct http_request *);

int
hx_asset_static(struct http_request *req)
{
	hx_static_fn	fn;
	const char	*name;

	hx_begin(req, "static");
	if (req->method != HTTP_METHOD_GET)
		return (hx_method_not_allowed(req, "GET"));
	if (strncmp(req->path, STATIC_PREFIX, strlen(STATIC_PREFIX)) != 0)
		return (hx_error(req, 404, "not_found", "no such file"));
	name = req->path + strlen(STATIC_PREFIX);
	/* index.html is the page at "/", not a file of its own. */
	if (strcmp(name, "index.html") == 0 ||
	    (fn = hx_static_find(name)) == NULL)
		return (hx_error(req, 404, "not_found", "no such file"));
	hx_security_headers(req, 1);
	return (fn(req));
}
