/*
 * cidr: lists of address ranges ("127.0.0.0/8,::1/128"), parsed once at
 * start-up and matched against a peer's textual address. Used for the
 * proxies whose forwarded headers the public door believes
 * (MCPBOX_TRUSTED_PROXIES).
 */
#ifndef MCPBOX_CIDR_H
#define MCPBOX_CIDR_H

#include <stddef.h>
#include <stdint.h>

#define CIDR_MAX	32

struct cidr {
	int	family;		/* AF_INET or AF_INET6 */
	uint8_t	addr[16];
	int	prefix;
};

struct cidr_list {
	struct cidr	item[CIDR_MAX];
	size_t		n;
};

/* 0, or -1 for any malformed entry (the list is then left empty). */
int	cidr_list_parse(const char *, struct cidr_list *);
/* 1 when the address (textual, v4, v6 or v4-mapped v6) is in the list. */
int	cidr_list_match(const struct cidr_list *, const char *);

#endif
