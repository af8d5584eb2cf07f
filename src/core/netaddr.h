/*
 * netaddr: which IP addresses outbound requests may reach. The one table,
 * compiled into both the server (external MCP sources) and the sandbox
 * (its HTTP broker, via sandbox/Makefile's vpath), so the two can never
 * disagree about what "private" means.
 *
 *   NETADDR_PUBLIC   reachable without any approval
 *   NETADDR_PRIVATE  RFC 1918, CGNAT, loopback, ULA: reachable only where
 *                    a caller lets an admin's approval open them (external
 *                    sources do; the sandbox broker never does)
 *   NETADDR_NEVER    "this" network, link-local (cloud metadata),
 *                    multicast, reserved, documentation and the v6
 *                    transition ranges that embed arbitrary v4 addresses
 */
#ifndef MCPBOX_NETADDR_H
#define MCPBOX_NETADDR_H

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define NETADDR_PUBLIC	0
#define NETADDR_PRIVATE	1
#define NETADDR_NEVER	2

int	netaddr_class_v4(uint32_t host_order);
int	netaddr_class_v6(const uint8_t *addr16);
int	netaddr_class_sa(const struct sockaddr *);
/* Textual address; anything that does not parse is NETADDR_NEVER. */
int	netaddr_class_str(const char *);

/* netresolve.c: resolve once, classify every answer, pin one. */
#define NETADDR_ANSWERS_MAX	16

struct netaddr_answer {
	struct sockaddr_storage	ss;
	int			class;			/* NETADDR_* */
	char			ip[INET6_ADDRSTRLEN];	/* numeric */
};

/* At most `max` answers for `host` (brackets allowed); 0: no answer. */
size_t	netaddr_resolve(const char *host, struct netaddr_answer *out,
	    size_t max);
/* The worst class among the answers. */
int	netaddr_worst(const struct netaddr_answer *, size_t);
/* The answer to pin: the first IPv4 one, else the first; NULL if none. */
const struct netaddr_answer	*netaddr_pick(const struct netaddr_answer *,
	    size_t);
int	netaddr_same_ip(const struct sockaddr *,
	    const struct sockaddr_storage *pin);
/* A close-on-exec socket for the pinned address only; -1 for any other
 * (the core of a curl open-socket callback). */
int	netaddr_socket_pinned(const struct sockaddr *, int socktype,
	    int protocol, const struct sockaddr_storage *pin);

#endif
