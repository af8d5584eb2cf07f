/*
 * The external MCP client's address rules (extclient.h): which host a
 * source may reach, resolved once and pinned. The ranges come from the
 * one table in core/netaddr.c that the sandbox broker uses too; private
 * addresses pass only when the admin approved the host for the server.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <arpa/inet.h>
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
#include "mcp/extclient.h"
#include "mcp/extjob.h"

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

/* Parse and check the URL, resolve once, decide, and pin the address. */
int
ext_target_check(struct conn *c)
{
	CURLU		*u;
	char		*scheme, *host, *port, *user;
	struct addrinfo	 hints, *res, *ai;
	int		 approved, cls, worst, rc;
	char		 ip[INET6_ADDRSTRLEN], pin[600];
	const char	*h;

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
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(c->host, NULL, &hints, &res) != 0) {
		ext_fail(c, "the source host name %s does not resolve", c->host);
		rc = R_NOT_SENT;
		goto out;
	}
	worst = NETADDR_PUBLIC;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		cls = netaddr_class_sa(ai->ai_addr);
		if (cls > worst)
			worst = cls;
	}
	ip[0] = '\0';
	if (res->ai_family == AF_INET)
		(void)inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)
		    res->ai_addr)->sin_addr, ip, sizeof(ip));
	else if (res->ai_family == AF_INET6)
		(void)inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)
		    res->ai_addr)->sin6_addr, ip, sizeof(ip));
	freeaddrinfo(res);
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
	if (ip[0] == '\0') {
		ext_fail(c, "the source host %s has no usable address", c->host);
		goto out;
	}
	(void)snprintf(c->pinned, sizeof(c->pinned), "%s", ip);
	(void)snprintf(pin, sizeof(pin), strchr(ip, ':') != NULL ?
	    "%s:%d:[%s]" : "%s:%d:%s", c->host, c->port, ip);
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
	char		 ip[INET6_ADDRSTRLEN];

	ip[0] = '\0';
	if (a->family == AF_INET)
		(void)inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)
		    &a->addr)->sin_addr, ip, sizeof(ip));
	else if (a->family == AF_INET6)
		(void)inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)
		    &a->addr)->sin6_addr, ip, sizeof(ip));
	if (strcmp(ip, c->pinned) != 0)
		return (CURL_SOCKET_BAD);
	return (socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol));
}

/* One SSE event: the JSON-RPC message it carries, or the endpoint. */
