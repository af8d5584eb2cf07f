/*
 * Who is calling: DNS-rebinding protection and remote mode.
 *
 * A web page the admin visits can make their browser talk to 127.0.0.1
 * under a hostile name. So Host must be a localhost name (or the public
 * URL's host), and Origin, when a browser sends one, must be a localhost
 * origin or one listed in MCPBOX_ALLOWED_ORIGINS (MCP transports §
 * security warning). A service token marks a caller remote.
 */
#include <string.h>

#include "mcp/mcp.h"

/* host[:port] (or [v6]:port) is a loopback name. */
static int
local_host(const char *h, size_t len)
{
	static const char *const names[] = { "localhost", "127.0.0.1",
	    "[::1]", NULL };
	size_t	n;
	int	i;

	for (i = 0; names[i] != NULL; i++) {
		n = strlen(names[i]);
		if (len >= n && strncasecmp(h, names[i], n) == 0 &&
		    (len == n || h[n] == ':'))
			return (1);
	}
	return (0);
}

/* The host name of MCPBOX_PUBLIC_URL (no port) equals h[0..len). */
static int
public_host(const char *h, size_t len)
{
	const char	*u, *end;

	if ((u = mcpbox_cfg.public_url) == NULL)
		return (0);
	u += strncmp(u, "https://", 8) == 0 ? 8 : 7;
	end = u + strcspn(u, ":/?#");
	return ((size_t)(end - u) == len && strncasecmp(u, h, len) == 0);
}

static int
origin_listed(const char *origin)
{
	const char	*p, *end;
	size_t		olen, n;

	if (mcpbox_cfg.allowed_origins == NULL)
		return (0);
	olen = strlen(origin);
	for (p = mcpbox_cfg.allowed_origins; *p != '\0';
	    p = (*end == ',') ? end + 1 : end) {
		while (*p == ' ')
			p++;
		end = p + strcspn(p, ",");
		n = (size_t)(end - p);
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if (n == olen && strncasecmp(p, origin, n) == 0)
			return (1);
	}
	return (0);
}

int
mcp_origin_ok(struct http_request *req)
{
	const char	*host, *origin, *h;

	if (!http_request_header(req, "host", &host))
		return (0);
	if (!local_host(host, strlen(host)) &&
	    !public_host(host, strcspn(host, ":")))
		return (0);
	if (!http_request_header(req, "origin", &origin))
		return (1);
	if (strcmp(origin, "null") == 0)
		return (0);
	if (origin_listed(origin))
		return (1);
	if (strncmp(origin, "http://", 7) == 0)
		h = origin + 7;
	else if (strncmp(origin, "https://", 8) == 0)
		h = origin + 8;
	else
		return (0);
	if (local_host(h, strlen(h)))
		return (1);
	return (public_host(h, strcspn(h, ":")));
}

/*
 * 1 when the caller may go on (remote set), 0 when a service token was
 * sent and is wrong (the caller must get 403, not 401: a 401 would make
 * clients start an OAuth dance).
 */
int
mcp_caller_remote(struct http_request *req, int *remote)
{
	const char	*tok;
	size_t		len;

	*remote = 0;
	if (!http_request_header(req, "x-mcpbox-service-token", &tok))
		return (1);
	if (mcpbox_cfg.service_token == NULL)
		return (0);
	len = strlen(mcpbox_cfg.service_token);
	if (strlen(tok) != len ||
	    !crypto_ct_equal(tok, mcpbox_cfg.service_token, len))
		return (0);
	*remote = 1;
	return (1);
}
