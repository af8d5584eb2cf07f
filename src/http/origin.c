/*
 * Host and Origin on the local door: DNS-rebinding protection.
 *
 * A web page the admin visits can make their browser talk to 127.0.0.1
 * under a hostile name, or send a hostile Origin. So on the local door
 * Host must be a loopback name (or the host of an MCPBOX_ALLOWED_ORIGINS
 * entry, for a panel reached over the LAN), and Origin, when a browser
 * sends one, must be a loopback origin or one listed there -- for every
 * route that does anything (API, panel, MCP, metrics). The public door
 * needs none of this: nothing there works without a token, and a caller's
 * headers never make it local.
 *
 * Host names are compared in one normal form (hx_host_normal): lower
 * case, no port, no trailing dot, so "LOCALHOST.:8000" is "localhost" and
 * "127.0.0.2." is "127.0.0.2".
 */
#include <ctype.h>
#include <string.h>

#include "http/http.h"

/*
 * host[:port] (or [v6][:port]) -> its normal form in out; -1 when it is
 * empty, too long or holds characters no host name has.
 */
int
hx_host_normal(const char *h, size_t len, char *out, size_t outlen)
{
	size_t	n, i;

	if (len == 0 || len >= outlen)
		return (-1);
	if (h[0] == '[') {
		for (n = 1; n < len && h[n] != ']'; n++)
			;
		if (n == len)
			return (-1);
		n++;
		if (n < len && h[n] != ':')
			return (-1);
	} else
		n = strcspn(h, ":") < len ? strcspn(h, ":") : len;
	while (n > 0 && h[n - 1] == '.')
		n--;
	if (n == 0)
		return (-1);
	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)h[i]) &&
		    strchr(".-_[]:", h[i]) == NULL)
			return (-1);
		out[i] = (char)tolower((unsigned char)h[i]);
	}
	out[n] = '\0';
	return (0);
}

static int
origin_loopback_name(const char *norm)
{
	return (strcmp(norm, "localhost") == 0 ||
	    strcmp(norm, "127.0.0.1") == 0 || strcmp(norm, "[::1]") == 0);
}

/* An MCPBOX_ALLOWED_ORIGINS entry (scheme://host[:port]) with this host. */
static int
origin_allowed_host(const char *norm)
{
	const char	*cur = mcpbox_cfg.allowed_origins, *p, *h;
	char		 e[CONFIG_HOST_MAX];
	size_t		 n;

	while (list_next(&cur, &p, &n)) {
		if ((h = memmem(p, n, "://", 3)) == NULL)
			continue;
		h += 3;
		if (hx_host_normal(h, (size_t)(p + n - h), e, sizeof(e)) == 0 &&
		    strcmp(e, norm) == 0)
			return (1);
	}
	return (0);
}

static int
origin_listed(const char *origin)
{
	const char	*cur = mcpbox_cfg.allowed_origins, *p;
	size_t		olen, n;

	olen = strlen(origin);
	while (list_next(&cur, &p, &n)) {
		if (n == olen && strncasecmp(p, origin, n) == 0)
			return (1);
	}
	return (0);
}

int
hx_origin_ok(struct http_request *req)
{
	const char	*host, *origin, *h;
	char		 norm[CONFIG_HOST_MAX];

	if (hx_public_door(req))
		return (1);
	if (!http_request_header(req, "host", &host) ||
	    hx_host_normal(host, strlen(host), norm, sizeof(norm)) == -1 ||
	    (!origin_loopback_name(norm) && !origin_allowed_host(norm)))
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
	return (hx_host_normal(h, strlen(h), norm, sizeof(norm)) == 0 &&
	    origin_loopback_name(norm));
}

/* The 403 every local-door route answers a foreign Host or Origin with. */
int
hx_origin_refused(struct http_request *req)
{
	return (hx_error(req, 403, "forbidden_origin", "the Host or Origin "
	    "header is not allowed on this listener (DNS-rebinding "
	    "protection); list the panel's address in MCPBOX_ALLOWED_ORIGINS"));
}
