/*
 * Resolve, pin, connect: the other half of the outbound rules, compiled
 * into both programs with netaddr.c (the server's external MCP client and
 * the sandbox's HTTP broker). A host is resolved once; every answer is
 * classified, so a caller can refuse a name with any bad answer; one
 * answer is pinned (IPv4 first: a dual-stack name's AAAA often has no
 * route from a home network), and the socket that is opened later must go
 * to that address and no other, so a second lookup cannot swap it.
 * netaddr_door tells one of MCPbox's own listeners from any other host,
 * for the sandbox's broker (which runs beside the server, in its network).
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <ifaddrs.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "netaddr.h"

size_t
netaddr_resolve(const char *host, struct netaddr_answer *out, size_t max)
{
	struct addrinfo	 hint, *res = NULL, *a;
	char		 h[256];
	size_t		 n = strlen(host), got = 0;

	/* An IPv6 literal may keep the brackets a URL gives it. */
	if (host[0] == '[' && n > 2 && n < sizeof(h) && host[n - 1] == ']')
		(void)snprintf(h, sizeof(h), "%.*s", (int)n - 2, host + 1);
	else
		(void)snprintf(h, sizeof(h), "%s", host);
	memset(&hint, 0, sizeof(hint));
	hint.ai_family = AF_UNSPEC;
	hint.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(h, NULL, &hint, &res) != 0)
		return (0);
	for (a = res; a != NULL && got < max; a = a->ai_next) {
		if ((a->ai_family != AF_INET && a->ai_family != AF_INET6) ||
		    a->ai_addrlen > sizeof(out[got].ss))
			continue;
		if (getnameinfo(a->ai_addr, a->ai_addrlen, out[got].ip,
		    sizeof(out[got].ip), NULL, 0, NI_NUMERICHOST) != 0)
			continue;
		memset(&out[got].ss, 0, sizeof(out[got].ss));
		memcpy(&out[got].ss, a->ai_addr, a->ai_addrlen);
		out[got].class = netaddr_class_sa(a->ai_addr);
		out[got].kind = netaddr_kind_sa(a->ai_addr);
		got++;
	}
	freeaddrinfo(res);
	return (got);
}

int
netaddr_worst(const struct netaddr_answer *a, size_t n)
{
	size_t	i;
	int	worst = NETADDR_PUBLIC;

	for (i = 0; i < n; i++)
		if (a[i].class > worst)
			worst = a[i].class;
	return (worst);
}

const struct netaddr_answer *
netaddr_pick(const struct netaddr_answer *a, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (a[i].ss.ss_family == AF_INET)
			return (&a[i]);
	return (n > 0 ? &a[0] : NULL);
}

int
netaddr_same_ip(const struct sockaddr *sa, const struct sockaddr_storage *pin)
{
	if (sa->sa_family != pin->ss_family)
		return (0);
	if (sa->sa_family == AF_INET)
		return (((const struct sockaddr_in *)(const void *)sa)->
		    sin_addr.s_addr == ((const struct sockaddr_in *)
		    (const void *)pin)->sin_addr.s_addr);
	if (sa->sa_family == AF_INET6)
		return (memcmp(&((const struct sockaddr_in6 *)(const void *)
		    sa)->sin6_addr, &((const struct sockaddr_in6 *)
		    (const void *)pin)->sin6_addr, 16) == 0);
	return (0);
}

int
netaddr_socket_pinned(const struct sockaddr *sa, int socktype, int protocol,
    const struct sockaddr_storage *pin)
{
	if (!netaddr_same_ip(sa, pin))
		return (-1);
	return (socket(sa->sa_family, socktype | SOCK_CLOEXEC, protocol));
}

/* ip is one of this machine's addresses. */
static int
netaddr_local(const char *ip)
{
	struct ifaddrs	*ifs, *i;
	char		 a[INET6_ADDRSTRLEN];
	int		 hit = 0;

	if (getifaddrs(&ifs) == -1)
		return (0);
	for (i = ifs; i != NULL && !hit; i = i->ifa_next) {
		if (i->ifa_addr == NULL || (i->ifa_addr->sa_family != AF_INET &&
		    i->ifa_addr->sa_family != AF_INET6))
			continue;
		if (getnameinfo(i->ifa_addr, i->ifa_addr->sa_family == AF_INET ?
		    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6), a,
		    sizeof(a), NULL, 0, NI_NUMERICHOST) == 0)
			hit = strcasecmp(a, ip) == 0;
	}
	freeifaddrs(ifs);
	return (hit);
}

int
netaddr_door(const char *lhost, int lport, const char *ip, int port)
{
	struct netaddr_answer	ans[NETADDR_ANSWERS_MAX];
	size_t			n, i;

	if (lport != port || *lhost == '\0')
		return (0);
	/* A wildcard listener is every address this machine has, and
	 * Linux connects 0.0.0.0 and :: to the machine itself. */
	if (strcmp(lhost, "0.0.0.0") == 0 || strcmp(lhost, "::") == 0)
		return (netaddr_kind_str(ip) == NETADDR_KIND_UNSPEC ||
		    netaddr_kind_str(ip) == NETADDR_KIND_LOOPBACK ||
		    netaddr_local(ip));
	n = netaddr_resolve(lhost, ans, NETADDR_ANSWERS_MAX);
	for (i = 0; i < n; i++)
		if (strcasecmp(ans[i].ip, ip) == 0)
			return (1);
	return (0);
}
