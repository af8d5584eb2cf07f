/*
 * Unit tests for src/core/cidr.c: the trusted-proxy ranges of the public
 * door. A peer outside them never gets its forwarded headers believed.
 */
#include <check.h>
#include <stdlib.h>

#include "core/cidr.h"

START_TEST(parse_and_match)
{
	struct cidr_list	l;

	ck_assert_int_eq(cidr_list_parse("127.0.0.0/8, ::1/128,10.1.2.0/23",
	    &l), 0);
	ck_assert_uint_eq(l.n, 3);
	ck_assert_int_eq(cidr_list_match(&l, "127.0.0.1"), 1);
	ck_assert_int_eq(cidr_list_match(&l, "127.255.255.255"), 1);
	ck_assert_int_eq(cidr_list_match(&l, "128.0.0.1"), 0);
	ck_assert_int_eq(cidr_list_match(&l, "::1"), 1);
	ck_assert_int_eq(cidr_list_match(&l, "::2"), 0);
	ck_assert_int_eq(cidr_list_match(&l, "10.1.3.255"), 1);
	ck_assert_int_eq(cidr_list_match(&l, "10.1.4.0"), 0);
	/* What a dual-stack listener reports for an IPv4 peer. */
	ck_assert_int_eq(cidr_list_match(&l, "::ffff:127.0.0.1"), 1);
	ck_assert_int_eq(cidr_list_match(&l, "::ffff:8.8.8.8"), 0);
	ck_assert_int_eq(cidr_list_match(&l, "not an address"), 0);
	ck_assert_int_eq(cidr_list_match(&l, NULL), 0);
}
END_TEST

START_TEST(single_addresses_and_edges)
{
	struct cidr_list	l;

	ck_assert_int_eq(cidr_list_parse("192.0.2.7", &l), 0);
	ck_assert_int_eq(cidr_list_match(&l, "192.0.2.7"), 1);
	ck_assert_int_eq(cidr_list_match(&l, "192.0.2.8"), 0);
	ck_assert_int_eq(cidr_list_parse("0.0.0.0/0", &l), 0);
	ck_assert_int_eq(cidr_list_match(&l, "203.0.113.9"), 1);
	ck_assert_int_eq(cidr_list_match(&l, "2001:db8::1"), 0);
	ck_assert_int_eq(cidr_list_parse("", &l), 0);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_int_eq(cidr_list_match(&l, "127.0.0.1"), 0);
}
END_TEST

START_TEST(malformed_lists_are_refused)
{
	static const char *const bad[] = { "127.0.0.1/33", "::1/129",
	    "10.0.0.0/", "10.0.0.0/x", "example.com", "1.2.3.4,,5.6.7.8",
	    "1.2.3.4/8 junk", "1.2.3/8", NULL };
	struct cidr_list	l;
	int			i;

	for (i = 0; bad[i] != NULL; i++) {
		ck_assert_msg(cidr_list_parse(bad[i], &l) == -1, "%s", bad[i]);
		ck_assert_uint_eq(l.n, 0);
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("cidr");
	TCase	*tc = tcase_create("cidr");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, parse_and_match);
	tcase_add_test(tc, single_addresses_and_edges);
	tcase_add_test(tc, malformed_lists_are_refused);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
