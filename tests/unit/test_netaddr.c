/*
 * Unit tests for src/core/netaddr.c: the split between addresses an
 * admin's approval may open (private) and those nothing opens (never).
 * The sandbox's own tests (tests/unit/sandbox/) pin the blocked set.
 */
#include <check.h>
#include <stdlib.h>

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
	suite_add_tcase(s, tc);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
