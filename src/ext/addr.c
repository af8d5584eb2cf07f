/*
 * The external MCP client's address rules (ext.h): which host a
 * source may reach, resolved once and pinned. The ranges come from the
 * one table in core/netaddr.c that the sandbox broker uses too; private
 * addresses pass only when the admin approved the host for the server.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>
#include "core/core.h"
#include "core/netaddr.h"
#include "ext/ext.h"
#include "ext/job.h"

int
ext_host_approved(struct conn *c)
{
	json_t		*e;
	size_t		 i;
	const char	*h;

	json_array_foreach(json_object_get(c->j->src, "approved"), i, e) {
		h = json_string_value(json_object_get(e, "host"));
		if (h == NULL || strcasecmp(h, c->host) != 0)
			continue;
		/*
		 * No port approved means 443, as for tools' HTTP (the sandbox
		 * broker): never any port, never plain http on port 80.
		 */
		if ((json_is_integer(json_object_get(e, "port")) ?
		    json_integer_value(json_object_get(e, "port")) : 443) ==
		    c->port)
			return (1);
	}
	return (0);
}

/* ip (textual) is one of this machine's own addresses. */
static int
addr_local_address(const char *ip)
{
	struct ifaddrs	*ifs, *i;
	char		 a[INET6_ADDRSTRLEN];
	int		 hit = 0;

	if (strcmp(ip, "127.0.0.1") == 0 || strcmp(ip, "::1") == 0)
		return (1);
	if (getifaddrs(&ifs) == -1)
		return (0);
	for (i = ifs; i != NULL && !hit; i = i->ifa_next) {
		if (i->ifa_addr == NULL)
			continue;
		a[0] = '\0';
		if (i->ifa_addr->sa_family == AF_INET)
			(void)inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)
			    i->ifa_addr)->sin_addr, a, sizeof(a));
		else if (i->ifa_addr->sa_family == AF_INET6)
			(void)inet_ntop(AF_INET6, &((struct sockaddr_in6 *)
			    (void *)i->ifa_addr)->sin6_addr, a, sizeof(a));
		hit = a[0] != '\0' && strcmp(a, ip) == 0;
	}
	freeifaddrs(ifs);
	return (hit);
}

/* One of our own doors, by address or through the public URL. */
static int
addr_door(const char *lhost, const char *lport, const char *ip, int port)
{
	if (atoi(lport) != port)
		return (0);
	if (strcmp(lhost, "0.0.0.0") == 0 || strcmp(lhost, "::") == 0)
		return (addr_local_address(ip));
	if (strcmp(lhost, "localhost") == 0)
		return (strcmp(ip, "127.0.0.1") == 0 || strcmp(ip, "::1") == 0);
	return (strcmp(lhost, ip) == 0);
}

/*
 * MCPbox as its own source would let a tool reach the management tools
 * around every rule that keeps them from remote callers: refused, by the
 * resolved address and port (either door) and by the public URL's host.
 */
static int
addr_ext_is_self(const struct conn *c, const char *ip)
{
	const char	*u, *end;
	char		 h[256];
	int		 port;

	if (addr_door(mcpbox_cfg.listen_host, mcpbox_cfg.listen_port, ip,
	    c->port) ||
	    (mcpbox_cfg.has_public_listen &&
	    addr_door(mcpbox_cfg.public_listen_host,
	    mcpbox_cfg.public_listen_port,
	    ip, c->port)))
		return (1);
	if ((u = mcpbox_cfg.public_url) == NULL)
		return (0);
	port = strncmp(u, "https://", 8) == 0 ? 443 : 80;
	u += strncmp(u, "https://", 8) == 0 ? 8 : 7;
	end = u + strcspn(u, ":/");
	(void)snprintf(h, sizeof(h), "%.*s", (int)(end - u), u);
	if (*end == ':')
		port = atoi(end + 1);
	return (strcasecmp(h, c->host) == 0 && port == c->port);
}

/* Parse and check the URL, resolve once, decide, and pin the address. */
int
ext_target_check(struct conn *c)
{
	CURLU		*u;
	char		*scheme, *host, *port, *user;
	struct netaddr_answer		 ans[NETADDR_ANSWERS_MAX];
	const struct netaddr_answer	*pick;
	size_t				 n;
	int				 approved, worst, rc;
	char				 pin[600];
	const char			*h;

	u = curl_url();
	scheme = host = port = user = NULL;
	rc = R_FAIL;
	if (curl_url_set(u, CURLUPART_URL, c->url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
	    CURLUE_OK) {
		ext_fail(c, "the source URL is not a valid URL%s", NULL);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
		ext_fail(c, "the source URL may not carry credentials; use a "
		    "server secret%s", NULL);
		goto out;
	}
	if (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0) {
		ext_fail(c, "the source URL must be http(s)%s", NULL);
		goto out;
	}
	h = host;
	/* curl keeps the brackets of an IPv6 literal. */
	if (h[0] == '[') {
		(void)snprintf(c->host, sizeof(c->host), "%.*s",
		    (int)strlen(h) - 2, h + 1);
	} else
		(void)snprintf(c->host, sizeof(c->host), "%s", h);
	c->port = atoi(port);
	(void)snprintf(c->origin, sizeof(c->origin), "%s://%s:%d", scheme,
	    host, c->port);
	approved = ext_host_approved(c);
	if (strcmp(scheme, "http") == 0 && !approved) {
		ext_fail(c, "plain http is allowed only to a host an admin approved "
		    "as network access for this server; use https%s", NULL);
		goto out;
	}
	if ((n = netaddr_resolve(c->host, ans, NETADDR_ANSWERS_MAX)) == 0) {
		ext_fail(c, "the source host name %s does not resolve", c->host);
		rc = R_NOT_SENT;
		goto out;
	}
	worst = netaddr_worst(ans, n);
	pick = netaddr_pick(ans, n);
	if (worst == NETADDR_NEVER) {
		ext_fail(c, "the source host %s resolves to an address MCPbox never "
		    "connects to (link-local, metadata, multicast or reserved)",
		    c->host);
		goto out;
	}
	if (worst == NETADDR_PRIVATE && !approved) {
		ext_fail(c, "the source host %s is on a private network; an admin "
		    "must approve it as network access for this server first",
		    c->host);
		goto out;
	}
	if (pick == NULL) {
		ext_fail(c, "the source host %s has no usable address", c->host);
		goto out;
	}
	if (addr_ext_is_self(c, pick->ip)) {
		ext_fail(c, "the source %s is this MCPbox itself; its own tools "
		    "cannot be imported as a source", c->origin);
		goto out;
	}
	memcpy(&c->pinned, &pick->ss, sizeof(c->pinned));
	(void)snprintf(pin, sizeof(pin), strchr(pick->ip, ':') != NULL ?
	    "%s:%d:[%s]" : "%s:%d:%s", c->host, c->port, pick->ip);
	c->resolve = curl_slist_append(NULL, pin);
	rc = R_OK_;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(user);
	curl_url_cleanup(u);
	return (rc);
}

/* The socket curl opens must go to the address we checked. */
curl_socket_t
ext_open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct conn	*c = arg;
	int		 fd;

	fd = netaddr_socket_pinned(&a->addr, a->socktype, a->protocol,
	    &c->pinned);
	return (fd == -1 ? CURL_SOCKET_BAD : fd);
}

/* One SSE event: the JSON-RPC message it carries, or the endpoint. */
