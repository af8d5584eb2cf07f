/*
 * Address-range lists (cidr.h). An IPv4-mapped IPv6 peer (::ffff:a.b.c.d,
 * what a dual-stack listener reports) matches the IPv4 ranges.
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>

#include "core/core.h"

static int
cidr_parse_addr(const char *s, int *family, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = AF_INET;
		return (0);
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = AF_INET6;
		return (0);
	}
	return (-1);
}

static int
cidr_parse_one(const char *s, size_t n, struct cidr *c)
{
	char	buf[64], *slash, *end;
	long	p;
	int	max;

	if (n == 0 || n >= sizeof(buf))
		return (-1);
	memcpy(buf, s, n);
	buf[n] = '\0';
	if ((slash = strchr(buf, '/')) != NULL)
		*slash = '\0';
	if (cidr_parse_addr(buf, &c->family, c->addr) == -1)
		return (-1);
	max = c->family == AF_INET ? 32 : 128;
	if (slash == NULL)
		p = max;
	else {
		p = strtol(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end != '\0' || p < 0 || p > max)
			return (-1);
	}
	c->prefix = (int)p;
	return (0);
}

int
cidr_list_parse(const char *s, struct cidr_list *l)
{
	const char	*cur = s, *p;
	size_t		 n;

	memset(l, 0, sizeof(*l));
	while (list_next(&cur, &p, &n)) {
		/* Trailing spaces after the last comma end the list. */
		if (n == 0 && *cur == '\0')
			break;
		if (l->n == CIDR_MAX || cidr_parse_one(p, n,
		    &l->item[l->n]) == -1) {
			memset(l, 0, sizeof(*l));
			return (-1);
		}
		l->n++;
	}
	return (0);
}

static int
cidr_prefix_equal(const uint8_t *a, const uint8_t *b, int bits)
{
	int	full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)full) != 0)
		return (0);
	if (rest == 0)
		return (1);
	return ((a[full] ^ b[full]) >> (8 - rest) == 0);
}

int
cidr_list_match(const struct cidr_list *l, const char *ip)
{
	static const uint8_t	mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	uint8_t			a[16], v4[4];
	size_t			i;
	int			fam;

	if (ip == NULL || cidr_parse_addr(ip, &fam, a) == -1)
		return (0);
	if (fam == AF_INET6 && memcmp(a, mapped, 12) == 0) {
		memcpy(v4, a + 12, 4);
		memset(a, 0, 16);
		memcpy(a, v4, 4);
		fam = AF_INET;
	}
	for (i = 0; i < l->n; i++)
		if (l->item[i].family == fam &&
		    cidr_prefix_equal(l->item[i].addr, a, l->item[i].prefix))
			return (1);
	return (0);
}
