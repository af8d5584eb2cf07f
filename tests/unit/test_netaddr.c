/*
 * Unit tests for src/core/netaddr.c: the split between addresses an
 * admin's approval may open (private) and those nothing opens (never),
 * and the finer kinds a tool's network request is judged by (D37): which
 * addresses are a LAN, which names always mean loopback or metadata, and
 * the verdict over all of a host's addresses. The sandbox's own tests
 * (tests/unit/sandbox/) pin the blocked set.
 */
#include <check.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/netaddr.h"

START_TEST(public_addresses)
{
	ck_assert_int_eq(netaddr_class_str("93.184.216.34"), NETADDR_PUBLIC);
	ck_assert_int_eq(netaddr_class_str("2606:4700::1111"),
	    NETADDR_PUBLIC);
	ck_assert_int_eq(netaddr_class_str("::ffff:8.8.8.8"), NETADDR_PUBLIC);
}
END_TEST

START_TEST(private_addresses)
{
	ck_assert_int_eq(netaddr_class_str("127.0.0.1"), NETADDR_PRIVATE);
	ck_assert_int_eq(netaddr_class_str("10.1.2.3"), NETADDR_PRIVATE);
	ck_assert_int_eq(netaddr_class_str("172.31.0.1"), NETADDR_PRIVATE);
	ck_assert_int_eq(netaddr_class_str("192.168.1.1"), NETADDR_PRIVATE);
	ck_assert_int_eq(netaddr_class_str("100.64.0.1"), NETADDR_PRIVATE);
	ck_assert_int_eq(netaddr_class_str("::1"), NETADDR_PRIVATE);
	ck_assert_int_eq(netaddr_class_str("fd12::1"), NETADDR_PRIVATE);
	ck_assert_int_eq(netaddr_class_str("::ffff:10.0.0.1"),
	    NETADDR_PRIVATE);
}
END_TEST

START_TEST(never_addresses)
{
	ck_assert_int_eq(netaddr_class_str("169.254.169.254"), NETADDR_NEVER);
	ck_assert_int_eq(netaddr_class_str("fd00:ec2::254"), NETADDR_NEVER);
	ck_assert_int_eq(netaddr_class_str("0.0.0.0"), NETADDR_NEVER);
	ck_assert_int_eq(netaddr_class_str("::"), NETADDR_NEVER);
	ck_assert_int_eq(netaddr_class_str("224.0.0.1"), NETADDR_NEVER);
	ck_assert_int_eq(netaddr_class_str("fe80::1"), NETADDR_NEVER);
	ck_assert_int_eq(netaddr_class_str("::ffff:169.254.169.254"),
	    NETADDR_NEVER);
	ck_assert_int_eq(netaddr_class_str("2002:a9fe:a9fe::1"),
	    NETADDR_NEVER);
	ck_assert_int_eq(netaddr_class_str("not-an-ip"), NETADDR_NEVER);
}
END_TEST

START_TEST(address_kinds)
{
	static const struct {
		const char	*ip;
		int		 kind;
	} t[] = {
		{ "93.184.216.34", NETADDR_KIND_PUBLIC },
		{ "2606:4700::1111", NETADDR_KIND_PUBLIC },
		{ "10.0.0.1", NETADDR_KIND_LAN },
		{ "172.16.5.4", NETADDR_KIND_LAN },
		{ "172.32.0.1", NETADDR_KIND_PUBLIC },
		{ "192.168.77.10", NETADDR_KIND_LAN },
		{ "100.64.0.1", NETADDR_KIND_LAN },
		{ "100.127.255.254", NETADDR_KIND_LAN },
		{ "100.128.0.1", NETADDR_KIND_PUBLIC },
		{ "fd12:3456::1", NETADDR_KIND_LAN },
		{ "fc00::1", NETADDR_KIND_LAN },
		{ "::ffff:192.168.1.2", NETADDR_KIND_LAN },
		{ "127.0.0.1", NETADDR_KIND_LOOPBACK },
		{ "127.255.0.9", NETADDR_KIND_LOOPBACK },
		{ "::1", NETADDR_KIND_LOOPBACK },
		{ "::ffff:127.0.0.1", NETADDR_KIND_LOOPBACK },
		{ "169.254.169.254", NETADDR_KIND_METADATA },
		{ "169.254.170.2", NETADDR_KIND_METADATA },
		{ "169.254.170.23", NETADDR_KIND_METADATA },
		{ "100.100.100.200", NETADDR_KIND_METADATA },
		{ "168.63.129.16", NETADDR_KIND_METADATA },
		{ "fd00:ec2::254", NETADDR_KIND_METADATA },
		{ "fd00:ec2::23", NETADDR_KIND_METADATA },
		{ "fd20:ce::254", NETADDR_KIND_METADATA },
		{ "::ffff:169.254.169.254", NETADDR_KIND_METADATA },
		{ "169.254.1.1", NETADDR_KIND_LINKLOCAL },
		{ "fe80::1", NETADDR_KIND_LINKLOCAL },
		{ "0.0.0.0", NETADDR_KIND_UNSPEC },
		{ "0.1.2.3", NETADDR_KIND_UNSPEC },
		{ "::", NETADDR_KIND_UNSPEC },
		{ "224.0.0.1", NETADDR_KIND_RESERVED },
		{ "255.255.255.255", NETADDR_KIND_RESERVED },
		{ "192.0.2.1", NETADDR_KIND_RESERVED },
		{ "2001:db8::1", NETADDR_KIND_RESERVED },
		{ "2002:c0a8:101::1", NETADDR_KIND_RESERVED },
		{ "64:ff9b::c0a8:101", NETADDR_KIND_RESERVED },
		{ "nas.lan", NETADDR_KIND_RESERVED },
	};
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(netaddr_kind_str(t[i].ip) == t[i].kind,
		    "%s: kind %d, not %d", t[i].ip, netaddr_kind_str(t[i].ip),
		    t[i].kind);
	/* The external-source client's classes follow from the kinds. */
	ck_assert_int_eq(netaddr_class_str("100.100.100.200"), NETADDR_NEVER);
	ck_assert_int_eq(netaddr_class_str("168.63.129.16"), NETADDR_NEVER);
	ck_assert_int_eq(netaddr_class_str("100.64.0.1"), NETADDR_PRIVATE);
}
END_TEST

START_TEST(names_that_decide)
{
	ck_assert_int_eq(netaddr_kind_of_name("localhost"),
	    NETADDR_KIND_LOOPBACK);
	ck_assert_int_eq(netaddr_kind_of_name("LOCALHOST."),
	    NETADDR_KIND_LOOPBACK);
	ck_assert_int_eq(netaddr_kind_of_name("app.localhost"),
	    NETADDR_KIND_LOOPBACK);
	ck_assert_int_eq(netaddr_kind_of_name("ip6-localhost"),
	    NETADDR_KIND_LOOPBACK);
	ck_assert_int_eq(netaddr_kind_of_name("metadata.google.internal"),
	    NETADDR_KIND_METADATA);
	ck_assert_int_eq(netaddr_kind_of_name("metadata.goog"),
	    NETADDR_KIND_METADATA);
	ck_assert_int_eq(netaddr_kind_of_name("example.com"), -1);
	ck_assert_int_eq(netaddr_kind_of_name("notlocalhost"), -1);
	ck_assert_int_eq(netaddr_kind_of_name("localhost.example.com"), -1);
	ck_assert_int_eq(netaddr_kind_of_name("metadata.example.com"), -1);
	/* Numbers curl would read as another address than they spell. */
	ck_assert(netaddr_numeric_odd("2130706433"));
	ck_assert(netaddr_numeric_odd("127.1"));
	ck_assert(netaddr_numeric_odd("0x7f.0.0.1"));
	ck_assert(netaddr_numeric_odd("0177.0.0.1"));
	ck_assert(!netaddr_numeric_odd("127.0.0.1"));
	ck_assert(!netaddr_numeric_odd("192.168.77.10"));
	ck_assert(!netaddr_numeric_odd("example.com"));
	ck_assert(!netaddr_numeric_odd("1.2.3.4.5"));
}
END_TEST

START_TEST(host_verdict)
{
	int	pub[] = { NETADDR_KIND_PUBLIC, NETADDR_KIND_PUBLIC };
	int	lan[] = { NETADDR_KIND_LAN, NETADDR_KIND_LAN };
	int	mix[] = { NETADDR_KIND_PUBLIC, NETADDR_KIND_LAN };
	int	loop[] = { NETADDR_KIND_LAN, NETADDR_KIND_LOOPBACK };
	int	meta[] = { NETADDR_KIND_PUBLIC, NETADDR_KIND_METADATA };
	int	bad, k;

	ck_assert_int_eq(netaddr_host_verdict(pub, 2, &bad),
	    NETADDR_KIND_PUBLIC);
	ck_assert_int_eq(netaddr_host_verdict(lan, 2, &bad), NETADDR_KIND_LAN);
	ck_assert_int_eq(netaddr_host_verdict(mix, 2, &bad), -1);
	ck_assert_int_eq(bad, NETADDR_KIND_MIXED);
	ck_assert_int_eq(netaddr_host_verdict(loop, 2, &bad), -1);
	ck_assert_int_eq(bad, NETADDR_KIND_LOOPBACK);
	ck_assert_int_eq(netaddr_host_verdict(meta, 2, &bad), -1);
	ck_assert_int_eq(bad, NETADDR_KIND_METADATA);
	/* No answer now: the broker decides at call time, as public. */
	ck_assert_int_eq(netaddr_host_verdict(pub, 0, &bad),
	    NETADDR_KIND_PUBLIC);
	for (k = 0; k <= NETADDR_KIND_MIXED; k++) {
		ck_assert_int_eq(netaddr_kind_parse(netaddr_kind_name(k)), k);
		ck_assert((netaddr_kind_why(k) == NULL) ==
		    (k == NETADDR_KIND_PUBLIC || k == NETADDR_KIND_LAN));
	}
	ck_assert_str_eq(netaddr_kind_name(NETADDR_KIND_LAN), "private");
	ck_assert_int_eq(netaddr_kind_parse("nonsense"),
	    NETADDR_KIND_RESERVED);
	ck_assert_int_eq(netaddr_kind_parse(NULL), NETADDR_KIND_RESERVED);
}
END_TEST

/* MCPbox's own listeners, as the broker checks every answer against. */
START_TEST(doors)
{
	ck_assert(netaddr_door("127.0.0.1", 8000, "127.0.0.1", 8000));
	ck_assert(!netaddr_door("127.0.0.1", 8000, "127.0.0.1", 8001));
	ck_assert(!netaddr_door("127.0.0.1", 8000, "127.0.0.2", 8000));
	ck_assert(netaddr_door("192.168.77.10", 8443, "192.168.77.10", 8443));
	/* A wildcard door is every address of this machine. */
	ck_assert(netaddr_door("0.0.0.0", 8443, "127.0.0.1", 8443));
	ck_assert(netaddr_door("0.0.0.0", 8443, "0.0.0.0", 8443));
	ck_assert(netaddr_door("::", 8443, "::1", 8443));
	ck_assert(!netaddr_door("0.0.0.0", 8443, "93.184.216.34", 8443));
	/* A name is what it resolves to (localhost: /etc/hosts). */
	ck_assert(netaddr_door("localhost", 8000, "127.0.0.1", 8000));
	ck_assert(!netaddr_door("", 8000, "127.0.0.1", 8000));
}
END_TEST

/* netresolve.c: numeric names resolve without DNS, so these run offline. */
START_TEST(resolve_classify_pick)
{
	struct netaddr_answer		 a[NETADDR_ANSWERS_MAX], two[2];
	const struct netaddr_answer	*p;
	size_t				 n;

	n = netaddr_resolve("127.0.0.1", a, NETADDR_ANSWERS_MAX);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(a[0].ip, "127.0.0.1");
	ck_assert_int_eq(a[0].class, NETADDR_PRIVATE);
	ck_assert_int_eq(a[0].kind, NETADDR_KIND_LOOPBACK);
	/* A URL's brackets around an IPv6 literal are taken off. */
	n = netaddr_resolve("[::1]", a, NETADDR_ANSWERS_MAX);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(a[0].ip, "::1");
	n = netaddr_resolve("169.254.169.254", a, NETADDR_ANSWERS_MAX);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(netaddr_worst(a, n), NETADDR_NEVER);
	ck_assert_uint_eq(netaddr_resolve("no such host.invalid", a,
	    NETADDR_ANSWERS_MAX), 0);
	/* IPv4 is pinned first, whatever the order of the answers. */
	ck_assert_uint_eq(netaddr_resolve("::1", &two[0], 1), 1);
	ck_assert_uint_eq(netaddr_resolve("8.8.8.8", &two[1], 1), 1);
	p = netaddr_pick(two, 2);
	ck_assert_str_eq(p->ip, "8.8.8.8");
	ck_assert_int_eq(netaddr_worst(two, 2), NETADDR_PRIVATE);
	ck_assert_ptr_null(netaddr_pick(two, 0));
}
END_TEST

START_TEST(socket_only_to_the_pin)
{
	struct netaddr_answer	pin, other;
	int			fd;

	ck_assert_uint_eq(netaddr_resolve("127.0.0.1", &pin, 1), 1);
	ck_assert_uint_eq(netaddr_resolve("127.0.0.2", &other, 1), 1);
	ck_assert_int_eq(netaddr_socket_pinned((struct sockaddr *)&other.ss,
	    SOCK_STREAM, 0, &pin.ss), -1);
	fd = netaddr_socket_pinned((struct sockaddr *)&pin.ss, SOCK_STREAM, 0,
	    &pin.ss);
	ck_assert_int_ge(fd, 0);
	/* Never inherited by what the process execs. */
	ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	(void)close(fd);
}
END_TEST

int
main(void)
{
	Suite	*s;
	SRunner	*r;
	TCase	*tc;
	int	 failed;

	s = suite_create("netaddr");
	tc = tcase_create("core");
	tcase_add_test(tc, public_addresses);
	tcase_add_test(tc, private_addresses);
	tcase_add_test(tc, never_addresses);
	tcase_add_test(tc, address_kinds);
	tcase_add_test(tc, names_that_decide);
	tcase_add_test(tc, host_verdict);
	tcase_add_test(tc, doors);
	tcase_add_test(tc, resolve_classify_pick);
	tcase_add_test(tc, socket_only_to_the_pin);
	suite_add_tcase(s, tc);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
