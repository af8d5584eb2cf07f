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
#include <stdint.h>

#define NETADDR_PUBLIC	0
#define NETADDR_PRIVATE	1
#define NETADDR_NEVER	2

int	netaddr_class_v4(uint32_t host_order);
int	netaddr_class_v6(const uint8_t *addr16);
int	netaddr_class_sa(const struct sockaddr *);
/* Textual address; anything that does not parse is NETADDR_NEVER. */
int	netaddr_class_str(const char *);

#endif
