/* Unit tests for src/core/reqid.c. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

START_TEST(accepts_sane_ids)
{
	ck_assert(reqid_valid("abc"));
	ck_assert(reqid_valid("0f8fad5b-d9cb-469f-a165-70867728950e"));
	ck_assert(reqid_valid("trace:1.2_3-4"));
	ck_assert(reqid_valid(
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}
END_TEST

START_TEST(rejects_unsafe_ids)
{
	static const char *bad[] = { "", "has space", "crlf\r\nX-Evil: 1",
	    "quote\"", "<script>", "semi;colon", "slash/", "tab\t",
	    "\xc3\xa9", "percent%0a",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };
	size_t	i;

	ck_assert(!reqid_valid(NULL));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!reqid_valid(bad[i]), "accepted %s", bad[i]);
}
END_TEST

START_TEST(choose_keeps_or_replaces)
{
	char	out[REQID_MAX + 1];

	reqid_choose("client-42", out);
	ck_assert_str_eq(out, "client-42");
	reqid_choose("bad id\n", out);
	ck_assert_uint_eq(strlen(out), 36);
	ck_assert(reqid_valid(out));
	reqid_choose(NULL, out);
	ck_assert_uint_eq(strlen(out), 36);
}
END_TEST

START_TEST(generated_ids_are_uuid4_and_distinct)
{
	char	a[REQID_MAX + 1], b[REQID_MAX + 1];
	int	i;

	reqid_generate(a);
	reqid_generate(b);
	ck_assert_str_ne(a, b);
	ck_assert_uint_eq(strlen(a), 36);
	ck_assert_int_eq(a[14], '4');
	ck_assert(strchr("89ab", a[19]) != NULL);
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			ck_assert_int_eq(a[i], '-');
		else
			ck_assert(strchr("0123456789abcdef", a[i]) != NULL);
	}
}
END_TEST

int
main(void)
{
	Suite	*s;
	TCase	*tc;
	SRunner	*sr;
	int	failed;

	s = suite_create("reqid");
	tc = tcase_create("core");
	tcase_add_test(tc, accepts_sane_ids);
	tcase_add_test(tc, rejects_unsafe_ids);
	tcase_add_test(tc, choose_keeps_or_replaces);
	tcase_add_test(tc, generated_ids_are_uuid4_and_distinct);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
