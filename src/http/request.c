/*
 * The per-request context and the access log.
 *
 * Kore gives a request one state slot (http_state_create) and one onfree
 * callback. We take both for the context, and hand handlers a second slot
 * (hx_data) so they keep their own state without losing ours.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <string.h>

#include "http/http.h"

static void	hx_free(struct http_request *);

const char *
hx_method_name(int m)
{
	switch (m) {
	case HTTP_METHOD_GET:
		return ("GET");
	case HTTP_METHOD_POST:
		return ("POST");
	case HTTP_METHOD_PUT:
		return ("PUT");
	case HTTP_METHOD_DELETE:
		return ("DELETE");
	case HTTP_METHOD_HEAD:
		return ("HEAD");
	case HTTP_METHOD_PATCH:
		return ("PATCH");
	case HTTP_METHOD_OPTIONS:
		return ("OPTIONS");
	default:
		return ("OTHER");
	}
}

/*
 * The server a path names after `prefix` ("/mcp/{server}"): 1 with its
 * name in out, 0 for the prefix alone (out ""), -1 when anything else
 * follows, such as what is not a server name as core/names.c allows it.
 * The routes in conf/ let only names through; this keeps it so.
 */
int
hx_path_server(const char *path, const char *prefix, char *out,
    size_t outlen)
{
	size_t	n = strlen(prefix);

	out[0] = '\0';
	if (path == NULL || strncmp(path, prefix, n) != 0)
		return (-1);
	if (path[n] == '\0')
		return (0);
	if (path[n] != '/' || strlen(path + n + 1) >= outlen ||
	    !ident_valid(path + n + 1))
		return (-1);
	(void)snprintf(out, outlen, "%s", path + n + 1);
	return (1);
}

int
hx_public_door(struct http_request *req)
{
	struct connection	*c = req->owner;

	/* A request whose client left: treat it as the stricter door. */
	if (c == NULL || c->owner == NULL || c->owner->server == NULL)
		return (1);
	return (strcmp(c->owner->server->name, HX_DOOR_PUBLIC) == 0);
}

static const char *
hx_peer_ip(struct connection *c, char *buf, size_t len)
{
	if (c->family == AF_INET)
		return (inet_ntop(AF_INET, &c->addr.ipv4.sin_addr, buf,
		    (socklen_t)len));
	if (c->family == AF_INET6)
		return (inet_ntop(AF_INET6, &c->addr.ipv6.sin6_addr, buf,
		    (socklen_t)len));
	(void)snprintf(buf, len, "unix");
	return (buf);
}

/*
 * The last X-Forwarded-For entry (the one our own proxy appended), when
 * it is an address. Earlier entries are the client's own words.
 */
static int
hx_forwarded_for(struct http_request *req, char *buf, size_t len)
{
	const char	*h, *last;
	char		 tmp[64];
	size_t		 n;
	struct in6_addr	 a6;
	struct in_addr	 a4;

	if (!http_request_header(req, "x-forwarded-for", &h))
		return (0);
	last = strrchr(h, ',');
	last = last != NULL ? last + 1 : h;
	while (*last == ' ' || *last == '\t')
		last++;
	n = strcspn(last, " \t");
	if (n == 0 || n >= sizeof(tmp))
		return (0);
	memcpy(tmp, last, n);
	tmp[n] = '\0';
	if (inet_pton(AF_INET, tmp, &a4) != 1 &&
	    inet_pton(AF_INET6, tmp, &a6) != 1)
		return (0);
	(void)snprintf(buf, len, "%s", tmp);
	return (1);
}

/*
 * The client's address for rate limits and logs. Forwarded headers count
 * only on the public door and only from a peer in MCPBOX_TRUSTED_PROXIES:
 * anywhere else anyone could claim any address.
 */
const char *
hx_client_ip(struct http_request *req, char *buf, size_t len)
{
	struct connection	*c = req->owner;

	/* A request freed after its client left has no connection. */
	if (c == NULL) {
		(void)snprintf(buf, len, "gone");
		return (buf);
	}
	if (hx_peer_ip(c, buf, len) == NULL)
		return (NULL);
	if (hx_public_door(req) &&
	    cidr_list_match(&mcpbox_cfg.trusted_proxies, buf))
		(void)hx_forwarded_for(req, buf, len);
	return (buf);
}

/* One access log line per request, written when Kore lets go of it. */
static void
hx_free(struct http_request *req)
{
	struct hx	*x;
	json_t		*f;

	if ((x = http_state_get(req)) == NULL)
		return;
	if (x->data != NULL && x->data_free != NULL)
		x->data_free(x->data);
	x->data = NULL;
	/* Shared-memory counters for /metrics (core/metrics.c). */
	metrics_http(x->route, (int)req->status,
	    (clock_ms_precise() - x->start_ms) / 1000.0);
	f = json_pack("{s:s, s:s, s:s, s:s, s:i, s:f, s:s}",
	    "request_id", x->request_id,
	    "method", hx_method_name(req->method),
	    "route", x->route != NULL ? x->route : "unknown",
	    "path", "",
	    "status", (int)req->status,
	    /* Microseconds are enough, and a short number reads better. */
	    "duration_ms", (double)(long long)((clock_ms_precise() -
	    x->start_ms) * 1000.0 + 0.5) / 1000.0,
	    "ip", x->ip);
	if (f != NULL) {
		char	*clean;

		/* Paths are attacker-chosen bytes: make them valid UTF-8. */
		clean = log_utf8_clean(req->path, strlen(req->path));
		if (clean != NULL) {
			json_object_set_new(f, "path", json_string(clean));
			free(clean);
		}
		log_emit(req->status >= 500 ? LOG_LEVEL_WARN : LOG_LEVEL_INFO,
		    "request", f);
		json_decref(f);
	}
	free(x->body);
	x->body = NULL;
	http_state_cleanup(req);
}

struct hx *
hx_begin(struct http_request *req, const char *route)
{
	struct hx	*x;
	const char	*incoming;

	if (http_state_exists(req))
		return (http_state_get(req));
	x = http_state_create(req, sizeof(*x), hx_free);
	x->start_ms = clock_ms_precise();
	x->route = route;
	if (!http_request_header(req, "x-request-id", &incoming))
		incoming = NULL;
	reqid_choose(incoming, x->request_id);
	if (hx_client_ip(req, x->ip, sizeof(x->ip)) == NULL)
		(void)snprintf(x->ip, sizeof(x->ip), "?");
	return (x);
}

/* A zeroed handler slot of `len` bytes, created on first use. */
void *
hx_data(struct http_request *req, size_t len, void (*onfree)(void *))
{
	struct hx	*x = http_state_get(req);

	if (x->data == NULL) {
		x->data = kore_calloc(1, len);
		x->data_free = onfree;
	}
	return (x->data);
}

const char *
hx_request_id(struct http_request *req)
{
	return (((struct hx *)http_state_get(req))->request_id);
}
