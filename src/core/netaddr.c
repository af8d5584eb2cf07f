/*
 * The address table behind every outbound-request rule (netaddr.h).
 * Pure functions: the sandbox's unit tests pin the blocked set down and
 * tests/unit/test_netaddr.c pins the private/never split.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "netaddr.h"

static const struct {
	uint32_t	net;
	int		bits;
	int		cls;
} v4_ranges[] = {
	{ 0x00000000, 8, NETADDR_NEVER },	/* "this" network */
	{ 0x0A000000, 8, NETADDR_PRIVATE },	/* RFC 1918 */
	{ 0x64400000, 10, NETADDR_PRIVATE },	/* CGNAT */
	{ 0x7F000000, 8, NETADDR_PRIVATE },	/* loopback */
	{ 0xA9FE0000, 16, NETADDR_NEVER },	/* link-local, 169.254.169.254 */
	{ 0xAC100000, 12, NETADDR_PRIVATE },	/* RFC 1918 */
	{ 0xC0000000, 24, NETADDR_NEVER },	/* IETF protocol assignments */
	{ 0xC0000200, 24, NETADDR_NEVER },	/* TEST-NET-1 */
	{ 0xC0586300, 24, NETADDR_NEVER },	/* 6to4 relay anycast */
	{ 0xC0A80000, 16, NETADDR_PRIVATE },	/* RFC 1918 */
	{ 0xC6120000, 15, NETADDR_NEVER },	/* benchmarking */
	{ 0xC6336400, 24, NETADDR_NEVER },	/* TEST-NET-2 */
	{ 0xCB007100, 24, NETADDR_NEVER },	/* TEST-NET-3 */
	{ 0xE0000000, 4, NETADDR_NEVER },	/* multicast */
	{ 0xF0000000, 4, NETADDR_NEVER },	/* reserved, broadcast */
};

int
netaddr_class_v4(uint32_t a)
{
	size_t	i;

	for (i = 0; i < sizeof(v4_ranges) / sizeof(v4_ranges[0]); i++) {
		if ((a >> (32 - v4_ranges[i].bits)) ==
		    (v4_ranges[i].net >> (32 - v4_ranges[i].bits)))
			return (v4_ranges[i].cls);
	}
	return (NETADDR_PUBLIC);
}

int
netaddr_class_v6(const uint8_t *b)
{
	static const uint8_t	z[16];
	static const uint8_t	ec2[16] = { 0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0,
				    0, 0, 0, 0, 0, 0, 0, 0x02, 0x54 };

	if (memcmp(b, z, 15) == 0 && b[15] == 1)
		return (NETADDR_PRIVATE);			/* ::1 */
	if (memcmp(b, z, 16) == 0)
		return (NETADDR_NEVER);				/* :: */
	if (memcmp(b, z, 10) == 0 && b[10] == 0xff && b[11] == 0xff)
		return (netaddr_class_v4((uint32_t)b[12] << 24 |
		    (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15]));
	if (memcmp(b, z, 12) == 0)
		return (NETADDR_NEVER);			/* v4-compatible */
	if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b)
		return (NETADDR_NEVER);			/* NAT64 64:ff9b::/32 */
	if (b[0] == 0x01 && b[1] == 0x00 && memcmp(b + 2, z, 6) == 0)
		return (NETADDR_NEVER);			/* discard 100::/64 */
	if (memcmp(b, ec2, 16) == 0)
		return (NETADDR_NEVER);		/* AWS metadata inside the ULA */
	if ((b[0] & 0xfe) == 0xfc)
		return (NETADDR_PRIVATE);			/* ULA */
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return (NETADDR_NEVER);				/* link-local */
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
		return (NETADDR_NEVER);				/* site-local */
	if (b[0] == 0xff)
		return (NETADDR_NEVER);				/* multicast */
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
		return (NETADDR_NEVER);			/* documentation */
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00)
		return (NETADDR_NEVER);		/* Teredo embeds any v4 */
	if (b[0] == 0x20 && b[1] == 0x02)
		return (NETADDR_NEVER);		/* 6to4 embeds any v4 */
	return (NETADDR_PUBLIC);
}

int
netaddr_class_sa(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (netaddr_class_v4(ntohl(
		    ((const struct sockaddr_in *)(const void *)sa)->
		    sin_addr.s_addr)));
	if (sa->sa_family == AF_INET6)
		return (netaddr_class_v6(((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr.s6_addr));
	return (NETADDR_NEVER);
}

int
netaddr_class_str(const char *ip)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	if (inet_pton(AF_INET, ip, &a4) == 1)
		return (netaddr_class_v4(ntohl(a4.s_addr)));
	if (inet_pton(AF_INET6, ip, &a6) == 1)
		return (netaddr_class_v6(a6.s6_addr));
	return (NETADDR_NEVER);
}
