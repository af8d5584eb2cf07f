/*
 * Unit tests for src/core/names.c: the names servers and tools may have.
 * "server__tool" must split one way only, so "__" and a trailing "_" are
 * refused.
 */
#include <check.h>
#include <stdlib.h>

#include "core/core.h"

START_TEST(identifiers)
{
	static const char *const ok[] = { "weather", "get_weather", "a",
	    "a1_b2", "pay", "prod", NULL };
	static const char *const bad[] = { "", "Weather", "1abc", "_x",
	    "pay__prod", "prod__refund", "a__", "trailing_", "a-b", "a b",
	    "x___y", NULL };
	int	i;

	for (i = 0; ok[i] != NULL; i++)
		ck_assert_msg(ident_valid(ok[i]), "%s", ok[i]);
	for (i = 0; bad[i] != NULL; i++)
		ck_assert_msg(!ident_valid(bad[i]), "%s", bad[i]);
	ck_assert(ident_valid("a234567890123456789012345678901234567890"
	    "123456789012345678901234"));
	ck_assert(!ident_valid("a234567890123456789012345678901234567890"
	    "1234567890123456789012345"));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("names");
	TCase	*tc = tcase_create("names");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, identifiers);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
