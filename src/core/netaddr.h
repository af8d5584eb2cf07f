/*
 * netaddr: which IP addresses outbound requests may reach. The one table,
 * compiled into both the server (external MCP sources, the check of a
 * tool's network request) and the sandbox (its HTTP broker, via
 * sandbox/Makefile's vpath), so the programs can never disagree about what
 * "private" means.
 *
 * Every address has a kind; the class is what the external-source client
 * reads of it:
 *
 *   kind        class    what
 *   PUBLIC      PUBLIC   reachable after an admin approved the host
 *   LAN         PRIVATE  RFC 1918, CGNAT 100.64/10, ULA fc00::/7: a tool
 *                        reaches it only under an approval of its own kind
 *                        (D37); an external source once approved
 *   LOOPBACK    PRIVATE  127/8, ::1: an external source once approved (the
 *                        tests' sources live there); never a tool
 *   METADATA    NEVER    cloud metadata and credential endpoints
 *   LINKLOCAL   NEVER    the rest of 169.254/16 and fe80::/10
 *   UNSPEC      NEVER    0.0.0.0/8 and ::, which Linux connects to itself
 *   RESERVED    NEVER    multicast, reserved, documentation, and the v6
 *                        transition ranges that embed arbitrary v4 addresses
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

#define NETADDR_KIND_PUBLIC	0
#define NETADDR_KIND_LAN	1
#define NETADDR_KIND_LOOPBACK	2
#define NETADDR_KIND_METADATA	3
#define NETADDR_KIND_LINKLOCAL	4
#define NETADDR_KIND_UNSPEC	5
#define NETADDR_KIND_RESERVED	6
/* Not of an address alone: one of MCPbox's own doors (netaddr_door). */
#define NETADDR_KIND_SELF	7
/* Not of one address: a name with both public and LAN answers. */
#define NETADDR_KIND_MIXED	8

int	netaddr_kind_v4(uint32_t host_order);
int	netaddr_kind_v6(const uint8_t *addr16);
int	netaddr_kind_sa(const struct sockaddr *);
/* Textual address; anything that does not parse is RESERVED. */
int	netaddr_kind_str(const char *);
/* The kind a name always means (localhost, metadata.google.internal...);
 * -1 when the name itself says nothing and its addresses decide. */
int	netaddr_kind_of_name(const char *host);
/* A number inet_aton takes but that is not a dotted quad (2130706433,
 * 127.1, 0x7f.0.0.1, 0177.0.0.1): curl reads it as an address but
 * names it differently, so an allowlist entry of it could never match. */
int	netaddr_numeric_odd(const char *host);
/* "public", "private", "loopback", "metadata", ... (the JSON names). */
const char	*netaddr_kind_name(int kind);
/* The kind of such a name; RESERVED for any other (the worst but one). */
int		 netaddr_kind_parse(const char *name);
/* Why a tool may never reach such an address; NULL for PUBLIC and LAN. */
const char	*netaddr_kind_why(int kind);
/* PUBLIC or LAN: what a host whose addresses have these kinds is; any
 * other kind (or public and LAN together, MIXED) refuses it: -1 with
 * that kind in *bad. No address at all is PUBLIC (it decides at call
 * time, under the public rules). */
int	netaddr_host_verdict(const int *kinds, size_t n, int *bad);

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
	int			kind;			/* NETADDR_KIND_* */
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
/*
 * ip:port is the door MCPbox listens on as lhost:lport (an address, a
 * name, or 0.0.0.0 / :: for every address of this machine). Names and
 * this machine's addresses are looked up, so it blocks: for helpers and
 * threads, never a worker's loop.
 */
int	netaddr_door(const char *lhost, int lport, const char *ip, int port);

#endif
