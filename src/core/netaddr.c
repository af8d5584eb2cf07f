/*
 * The address table behind every outbound-request rule (netaddr.h).
 * Pure functions: tests/unit/test_netaddr.c pins the kinds and classes,
 * the sandbox's unit tests the blocked set.
 *
 * Metadata entries come before the range they sit in: 100.100.100.200
 * (Alibaba) is inside CGNAT, fd00:ec2::/48 (AWS) inside the ULA range,
 * and a homelab may use both ranges for real hosts.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#include "netaddr.h"

static const struct {
	uint32_t	net;
	int		bits;
	int		kind;
} v4_ranges[] = {
	{ 0x00000000, 8, NETADDR_KIND_UNSPEC },		/* "this" network */
	{ 0x0A000000, 8, NETADDR_KIND_LAN },		/* RFC 1918 */
	{ 0x646464C8, 32, NETADDR_KIND_METADATA },	/* Alibaba Cloud */
	{ 0x64400000, 10, NETADDR_KIND_LAN },		/* CGNAT, Tailscale */
	{ 0x7F000000, 8, NETADDR_KIND_LOOPBACK },
	{ 0xA83F8110, 32, NETADDR_KIND_METADATA },	/* Azure WireServer */
	{ 0xA9FEA9FE, 32, NETADDR_KIND_METADATA },	/* 169.254.169.254 */
	{ 0xA9FEAA02, 32, NETADDR_KIND_METADATA },	/* ECS task creds */
	{ 0xA9FEAA17, 32, NETADDR_KIND_METADATA },	/* EKS Pod Identity */
	{ 0xA9FE0000, 16, NETADDR_KIND_LINKLOCAL },
	{ 0xAC100000, 12, NETADDR_KIND_LAN },		/* RFC 1918 */
	{ 0xC0000000, 24, NETADDR_KIND_RESERVED },	/* IETF assignments */
	{ 0xC0000200, 24, NETADDR_KIND_RESERVED },	/* TEST-NET-1 */
	{ 0xC0586300, 24, NETADDR_KIND_RESERVED },	/* 6to4 relay anycast */
	{ 0xC0A80000, 16, NETADDR_KIND_LAN },		/* RFC 1918 */
	{ 0xC6120000, 15, NETADDR_KIND_RESERVED },	/* benchmarking */
	{ 0xC6336400, 24, NETADDR_KIND_RESERVED },	/* TEST-NET-2 */
	{ 0xCB007100, 24, NETADDR_KIND_RESERVED },	/* TEST-NET-3 */
	{ 0xE0000000, 4, NETADDR_KIND_RESERVED },	/* multicast */
	{ 0xF0000000, 4, NETADDR_KIND_RESERVED },	/* reserved, broadcast */
};

int
netaddr_kind_v4(uint32_t a)
{
	size_t	i;

	for (i = 0; i < sizeof(v4_ranges) / sizeof(v4_ranges[0]); i++) {
		if ((a >> (32 - v4_ranges[i].bits)) ==
		    (v4_ranges[i].net >> (32 - v4_ranges[i].bits)))
			return (v4_ranges[i].kind);
	}
	return (NETADDR_KIND_PUBLIC);
}

int
netaddr_kind_v6(const uint8_t *b)
{
	static const uint8_t	z[16];
	/* GCP's metadata server over IPv6, fd20:ce::254. */
	static const uint8_t	gcp[16] = { 0xfd, 0x20, 0x00, 0xce, 0, 0, 0,
				    0, 0, 0, 0, 0, 0, 0, 0x02, 0x54 };

	if (memcmp(b, z, 15) == 0 && b[15] == 1)
		return (NETADDR_KIND_LOOPBACK);			/* ::1 */
	if (memcmp(b, z, 16) == 0)
		return (NETADDR_KIND_UNSPEC);			/* :: */
	if (memcmp(b, z, 10) == 0 && b[10] == 0xff && b[11] == 0xff)
		return (netaddr_kind_v4((uint32_t)b[12] << 24 |
		    (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15]));
	if (memcmp(b, z, 12) == 0)
		return (NETADDR_KIND_RESERVED);		/* v4-compatible */
	if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b)
		return (NETADDR_KIND_RESERVED);		/* NAT64 64:ff9b::/32 */
	if (b[0] == 0x01 && b[1] == 0x00 && memcmp(b + 2, z, 6) == 0)
		return (NETADDR_KIND_RESERVED);		/* discard 100::/64 */
	/* AWS's instance services (IMDS, DNS, NTP, EKS Pod Identity). */
	if (b[0] == 0xfd && b[1] == 0x00 && b[2] == 0x0e && b[3] == 0xc2 &&
	    b[4] == 0 && b[5] == 0)
		return (NETADDR_KIND_METADATA);		/* fd00:ec2::/48 */
	if (memcmp(b, gcp, 16) == 0)
		return (NETADDR_KIND_METADATA);
	if ((b[0] & 0xfe) == 0xfc)
		return (NETADDR_KIND_LAN);			/* ULA */
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return (NETADDR_KIND_LINKLOCAL);
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
		return (NETADDR_KIND_RESERVED);		/* site-local */
	if (b[0] == 0xff)
		return (NETADDR_KIND_RESERVED);		/* multicast */
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
		return (NETADDR_KIND_RESERVED);		/* documentation */
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00)
		return (NETADDR_KIND_RESERVED);	/* Teredo embeds any v4 */
	if (b[0] == 0x20 && b[1] == 0x02)
		return (NETADDR_KIND_RESERVED);	/* 6to4 embeds any v4 */
	return (NETADDR_KIND_PUBLIC);
}

int
netaddr_kind_sa(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (netaddr_kind_v4(ntohl(
		    ((const struct sockaddr_in *)(const void *)sa)->
		    sin_addr.s_addr)));
	if (sa->sa_family == AF_INET6)
		return (netaddr_kind_v6(((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr.s6_addr));
	return (NETADDR_KIND_RESERVED);
}

int
netaddr_kind_str(const char *ip)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	if (inet_pton(AF_INET, ip, &a4) == 1)
		return (netaddr_kind_v4(ntohl(a4.s_addr)));
	if (inet_pton(AF_INET6, ip, &a6) == 1)
		return (netaddr_kind_v6(a6.s6_addr));
	return (NETADDR_KIND_RESERVED);
}

/* host equals name, or (suffix) ends in "." name; a final dot is one. */
static int
netaddr_name_is(const char *host, const char *name, int suffix)
{
	size_t	h = strlen(host), n = strlen(name);

	if (h > 0 && host[h - 1] == '.')
		h--;
	if (h == n && strncasecmp(host, name, n) == 0)
		return (1);
	return (suffix && h > n + 1 && host[h - n - 1] == '.' &&
	    strncasecmp(host + h - n, name, n) == 0);
}

int
netaddr_kind_of_name(const char *host)
{
	/* RFC 6761: localhost and every name under it are loopback. */
	static const char *const loop[] = { "localhost.localdomain",
	    "ip6-localhost", "ip6-loopback", "localhost6",
	    "localhost6.localdomain6", NULL };
	static const char *const meta[] = { "metadata.google.internal",
	    "metadata.goog", "metadata", "instance-data",
	    "instance-data.ec2.internal", "metadata.tencentyun.com", NULL };
	const char *const	*p;

	if (netaddr_name_is(host, "localhost", 1))
		return (NETADDR_KIND_LOOPBACK);
	for (p = loop; *p != NULL; p++)
		if (netaddr_name_is(host, *p, 0))
			return (NETADDR_KIND_LOOPBACK);
	for (p = meta; *p != NULL; p++)
		if (netaddr_name_is(host, *p, 0))
			return (NETADDR_KIND_METADATA);
	return (-1);
}

int
netaddr_numeric_odd(const char *host)
{
	struct in_addr	a;

	return (inet_aton(host, &a) == 1 && inet_pton(AF_INET, host, &a) != 1);
}

static const char *const kind_names[] = { "public", "private", "loopback",
    "metadata", "link-local", "unspecified", "reserved", "self", "mixed" };

const char *
netaddr_kind_name(int kind)
{
	if (kind < 0 || kind > NETADDR_KIND_MIXED)
		return ("reserved");
	return (kind_names[kind]);
}

int
netaddr_kind_parse(const char *name)
{
	int	k;

	for (k = 0; name != NULL && k <= NETADDR_KIND_MIXED; k++)
		if (strcmp(kind_names[k], name) == 0)
			return (k);
	return (NETADDR_KIND_RESERVED);
}

const char *
netaddr_kind_why(int kind)
{
	switch (kind) {
	case NETADDR_KIND_PUBLIC:
	case NETADDR_KIND_LAN:
		return (NULL);
	case NETADDR_KIND_LOOPBACK:
		return ("a loopback address (this machine itself), which tools "
		    "can never reach");
	case NETADDR_KIND_METADATA:
		return ("a cloud metadata address, which tools can never "
		    "reach");
	case NETADDR_KIND_LINKLOCAL:
		return ("a link-local address (169.254.0.0/16, fe80::/10, "
		    "where cloud metadata and credential services live), "
		    "which tools can never reach");
	case NETADDR_KIND_UNSPEC:
		return ("the unspecified address (0.0.0.0, ::), which "
		    "connects to this machine itself; tools can never reach "
		    "it");
	case NETADDR_KIND_SELF:
		return ("MCPbox's own address, which tools can never reach");
	case NETADDR_KIND_MIXED:
		return ("both public and private addresses, so whether a call "
		    "would reach the internet or the local network is not "
		    "the host's to decide; ask for a name or an address "
		    "that is one or the other");
	default:
		return ("a reserved, multicast or documentation address, which "
		    "tools can never reach");
	}
}

int
netaddr_host_verdict(const int *kinds, size_t n, int *bad)
{
	size_t	i;
	int	pub = 0, lan = 0;

	*bad = NETADDR_KIND_PUBLIC;
	for (i = 0; i < n; i++) {
		if (kinds[i] == NETADDR_KIND_PUBLIC)
			pub = 1;
		else if (kinds[i] == NETADDR_KIND_LAN)
			lan = 1;
		else {
			*bad = kinds[i];
			return (-1);
		}
	}
	if (pub && lan) {
		*bad = NETADDR_KIND_MIXED;
		return (-1);
	}
	return (lan ? NETADDR_KIND_LAN : NETADDR_KIND_PUBLIC);
}

/* The external-source client's view: LAN and loopback are one class. */
static int
netaddr_class_of(int kind)
{
	if (kind == NETADDR_KIND_PUBLIC)
		return (NETADDR_PUBLIC);
	if (kind == NETADDR_KIND_LAN || kind == NETADDR_KIND_LOOPBACK)
		return (NETADDR_PRIVATE);
	return (NETADDR_NEVER);
}

int
netaddr_class_v4(uint32_t a)
{
	return (netaddr_class_of(netaddr_kind_v4(a)));
}

int
netaddr_class_v6(const uint8_t *b)
{
	return (netaddr_class_of(netaddr_kind_v6(b)));
}

int
netaddr_class_sa(const struct sockaddr *sa)
{
	return (netaddr_class_of(netaddr_kind_sa(sa)));
}

int
netaddr_class_str(const char *ip)
{
	return (netaddr_class_of(netaddr_kind_str(ip)));
}
