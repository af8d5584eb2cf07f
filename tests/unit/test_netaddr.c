/*
 * Unit tests for src/core/netaddr.c: the split between addresses an
 * admin's approval may open (private) and those nothing opens (never).
 * The sandbox's own tests (tests/unit/sandbox/) pin the blocked set.
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
	tcase_add_test(tc, resolve_classify_pick);
	tcase_add_test(tc, socket_only_to_the_pin);
	suite_add_tcase(s, tc);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
