/*
 * policy.c -- the sandbox's policy tables, in one place: which addresses
 * the HTTP broker may never reach, which hosts a call may name, which
 * methods and headers pass, and what a package spec may look like.
 * Everything here is pure so the unit tests can pin it down.
 *
 * Address rule: every DNS answer of a host must be of the kind its
 * approval is (public, or LAN for a private one), so a name that resolves
 * to both cannot be used to pick the other kind later (broker.c).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sbx.h"
#include "netaddr.h"

/*
 * The ranges themselves live in src/core/netaddr.c, shared with the
 * server; "blocked" is what a public approval never reaches.
 */
int
sbx_policy_v4_blocked(uint32_t a)
{
	return (netaddr_class_v4(a) != NETADDR_PUBLIC);
}

/* Textual form; anything that does not parse as an address is blocked. */
int
sbx_policy_ip_blocked(const char *ip)
{
	return (netaddr_class_str(ip) != NETADDR_PUBLIC);
}

/* An allowlist entry must be a plain DNS name or an address literal. */
int
sbx_policy_hostname_ok(const char *h)
{
	size_t	n = strlen(h), i;

	if (n == 0 || n > 253)
		return (0);
	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)h[i]) && h[i] != '.' &&
		    h[i] != '-' && h[i] != ':' && h[i] != '[' && h[i] != ']')
			return (0);
	}
	return (1);
}

/* A host as compared: an IPv6 literal without its brackets. */
static void
policy_host_bare(const char *h, const char **p, size_t *n)
{
	*p = h;
	*n = strlen(h);
	if (*n >= 2 && h[0] == '[' && h[*n - 1] == ']') {
		(*p)++;
		*n -= 2;
	}
}

/*
 * Exact host match (case-insensitive; "[fd12::1]" as curl names it is the
 * request's "fd12::1"); port 0 in a rule means 443.
 */
const struct sbx_hostrule *
sbx_policy_host_rule(const struct sbx_hostrule *r, size_t n,
    const char *host, int port)
{
	const char	*a, *b;
	size_t		 i, la, lb;
	int		 want;

	policy_host_bare(host, &a, &la);
	for (i = 0; i < n; i++) {
		want = r[i].port ? r[i].port : 443;
		policy_host_bare(r[i].host, &b, &lb);
		if (want == port && la == lb && strncasecmp(a, b, la) == 0)
			return (&r[i]);
	}
	return (NULL);
}

int
sbx_policy_host_allowed(const struct sbx_hostrule *r, size_t n,
    const char *host, int port)
{
	return (sbx_policy_host_rule(r, n, host, port) != NULL);
}

/*
 * How host:port was approved: SBX_APPROVED_PUBLIC, SBX_APPROVED_PRIVATE,
 * both (two approvals), or 0 when it is not on the allowlist.
 */
int
sbx_policy_host_kinds(const struct sbx_hostrule *r, size_t n,
    const char *host, int port)
{
	const struct sbx_hostrule	*m;
	int				 k = 0;

	while ((m = sbx_policy_host_rule(r, n, host, port)) != NULL) {
		k |= m->private ? SBX_APPROVED_PRIVATE : SBX_APPROVED_PUBLIC;
		n -= (size_t)(m - r) + 1;
		r = m + 1;
	}
	return (k);
}

struct sbx_door	sbx_doors[SBX_DOORS_MAX];
int		sbx_ndoors;

/* "host:port" or "[v6]:port", as the server's MCPBOX_*LISTEN are. */
int
sbx_door_add(const char *s)
{
	const char	*colon;
	size_t		 hl;
	long		 port;
	char		*end;

	if (sbx_ndoors == SBX_DOORS_MAX || (colon = strrchr(s, ':')) == NULL)
		return (-1);
	hl = (size_t)(colon - s);
	if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') {
		s++;
		hl -= 2;
	}
	port = strtol(colon + 1, &end, 10);
	if (hl == 0 || hl >= sizeof(sbx_doors[0].host) || *end != '\0' ||
	    port < 1 || port > 65535)
		return (-1);
	memcpy(sbx_doors[sbx_ndoors].host, s, hl);
	sbx_doors[sbx_ndoors].host[hl] = '\0';
	sbx_doors[sbx_ndoors].port = (int)port;
	sbx_ndoors++;
	return (0);
}

int
sbx_policy_method_ok(const char *m)
{
	static const char	*ok[] = { "GET", "POST", "PUT", "PATCH",
	    "DELETE", "HEAD", NULL };
	const char		**p;

	for (p = ok; *p; p++)
		if (strcmp(*p, m) == 0)
			return (1);
	return (0);
}

/*
 * Headers that would change routing or message framing are dropped, as is
 * anything that could smuggle a second header line.
 */
int
sbx_policy_header_ok(const char *k, const char *v)
{
	static const char	*deny[] = { "host", "connection",
	    "transfer-encoding", "content-length", "upgrade", "te",
	    "expect", "keep-alive", "trailer", NULL };
	const char		**p;
	const char		 *c;

	if (*k == '\0' || strlen(k) > 256 || strlen(v) > 8192)
		return (0);
	for (c = k; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_')
			return (0);
	for (c = v; *c; c++)
		if (*c == '\r' || *c == '\n')
			return (0);
	if (strncasecmp(k, "proxy-", 6) == 0)
		return (0);
	for (p = deny; *p; p++)
		if (strcasecmp(*p, k) == 0)
			return (0);
	return (1);
}

/*
 * "name" or "name==version" per PEP 508 names; nothing that pip could read
 * as an option, a URL, a path or a requirement file.
 */
int
sbx_policy_package_ok(const char *s)
{
	const char	*eq, *c;
	size_t		 nlen;

	eq = strstr(s, "==");
	nlen = eq ? (size_t)(eq - s) : strlen(s);
	if (nlen == 0 || nlen > 100 || !isalnum((unsigned char)s[0]) ||
	    !isalnum((unsigned char)s[nlen - 1]))
		return (0);
	for (c = s; c < s + nlen; c++)
		if (!isalnum((unsigned char)*c) && *c != '.' && *c != '_' &&
		    *c != '-')
			return (0);
	if (eq == NULL)
		return (1);
	c = eq + 2;
	if (*c == '\0' || strlen(c) > 64 || !isalnum((unsigned char)*c))
		return (0);
	for (; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '.' && *c != '!' &&
		    *c != '+' && *c != '_' && *c != '-')
			return (0);
	return (1);
}

/*
 * An index URL must be https; find_links may also be an absolute local
 * directory (allow_path).  No whitespace or control characters either way.
 */
int
sbx_policy_source_ok(const char *s, int allow_path)
{
	const char	*c;

	if (*s == '\0' || strlen(s) > 2048)
		return (0);
	for (c = s; *c; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f)
			return (0);
	if (strncmp(s, "https://", 8) == 0)
		return (1);
	if (allow_path && s[0] == '/' && strstr(s, "/../") == NULL)
		return (1);
	return (0);
}

/*
 * Copy bytes, replacing every invalid UTF-8 sequence with U+FFFD, so a
 * response body always fits in a JSON string.
 */
char *
sbx_policy_utf8_clean(const char *s, size_t n, size_t *outlen)
{
	const uint8_t	*p = (const uint8_t *)s;
	uint8_t		*o, *q;
	size_t		 i = 0, k, need;
	uint32_t	 cp;

	if ((o = malloc(n * 3 + 1)) == NULL)
		return (NULL);
	q = o;
	while (i < n) {
		uint8_t c = p[i];
		if (c < 0x80) {
			*q++ = c;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			cp = c & 0x07;
		} else
			goto bad;
		for (k = 1; k <= need; k++) {
			if (i + k >= n || (p[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if ((need == 2 && (cp < 0x800 || (cp >= 0xd800 &&
		    cp <= 0xdfff))) || (need == 3 && (cp < 0x10000 ||
		    cp > 0x10ffff)))
			goto bad;
		memcpy(q, p + i, need + 1);
		q += need + 1;
		i += need + 1;
		continue;
bad:
		*q++ = 0xef;
		*q++ = 0xbf;
		*q++ = 0xbd;
		i++;
	}
	*q = '\0';
	*outlen = (size_t)(q - o);
	return ((char *)o);
}
