/*
 * api/: HTTP handlers, one file per resource. A handler parses and checks
 * its input, calls one domain or db function and renders the result; it
 * never builds SQL or sandbox frames itself.
 */
#ifndef MCPBOX_API_H
#define MCPBOX_API_H

#include "http/http.h"

int	api_health(struct http_request *);
int	api_health_ready(struct http_request *);

#endif
