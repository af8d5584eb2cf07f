/*
 * Redirect URIs a client may register (RFC 8252 §7.3, OAuth 2.1): https
 * anywhere, or http on a loopback host for native apps. The authority is
 * parsed once, here, for every branch: a host name, an IPv4 address or a
 * bracketed IPv6 literal, then an optional port -- no userinfo
 * ("http://localhost:80@evil.example/cb" is not loopback), and no
 * character a host cannot hold, so the origin the consent page puts in
 * its CSP (form-action) can never carry ";" or "," into the header.
 */
#include <arpa/inet.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

static int
redirect_port_ok(const char *p, size_t n)
{
	long	v = 0;
	size_t	i;

	if (n == 0 || n > 5)
		return (0);
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return (0);
		v = v * 10 + (p[i] - '0');
	}
	return (v >= 1 && v <= 65535);
}

/* host[:port]; sets *loopback for localhost, 127.0.0.1 and [::1]. */
static int
redirect_authority_ok(const char *a, size_t n, int *loopback)
{
	char		 v6[64];
	struct in6_addr	 in6;
	const char	*end;
	size_t		 hlen, i;

	*loopback = 0;
	if (n == 0)
		return (0);
	if (a[0] == '[') {
		if ((end = memchr(a, ']', n)) == NULL)
			return (0);
		hlen = (size_t)(end - a) + 1;
		if (hlen - 2 >= sizeof(v6) || hlen < 4)
			return (0);
		memcpy(v6, a + 1, hlen - 2);
		v6[hlen - 2] = '\0';
		if (strspn(v6, "0123456789abcdefABCDEF:.") != hlen - 2 ||
		    inet_pton(AF_INET6, v6, &in6) != 1)
			return (0);
		*loopback = strcmp(v6, "::1") == 0;
	} else {
		hlen = strcspn(a, ":");
		if (hlen > n)
			hlen = n;
		if (hlen == 0 || hlen > 253)
			return (0);
		for (i = 0; i < hlen; i++)
			if (!isalnum((unsigned char)a[i]) && a[i] != '.' &&
			    a[i] != '-')
				return (0);
		*loopback = (hlen == 9 && strncasecmp(a, "localhost", 9) == 0) ||
		    (hlen == 9 && strncmp(a, "127.0.0.1", 9) == 0);
	}
	if (hlen == n)
		return (1);
	return (a[hlen] == ':' && redirect_port_ok(a + hlen + 1, n - hlen - 1));
}

int
redirect_uri_check(const char *u, size_t *origin_len)
{
	const char	*a;
	size_t		 n, i, alen;
	int		 https, loopback;

	n = strlen(u);
	if (n < 10 || n > 512 || strchr(u, '#') != NULL)
		return (-1);
	for (i = 0; i < n; i++)
		if ((unsigned char)u[i] <= 0x20 || (unsigned char)u[i] >= 0x7f ||
		    strchr("\"<>\\^`{|}", u[i]) != NULL)
			return (-1);
	if (strncmp(u, "https://", 8) == 0) {
		https = 1;
		a = u + 8;
	} else if (strncmp(u, "http://", 7) == 0) {
		https = 0;
		a = u + 7;
	} else
		return (-1);
	alen = strcspn(a, "/?");
	if (!redirect_authority_ok(a, alen, &loopback) || (!https && !loopback))
		return (-1);
	if (origin_len != NULL)
		*origin_len = (size_t)(a - u) + alen;
	return (0);
}
