/*
 * Unit tests for src/core/names.c: the names servers and tools may have.
 * "server__tool" must split one way only, so "__" and a trailing "_" are
 * refused.
 */
#include <check.h>
#include <string.h>
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

/* One rule for the REST API and the management tools alike. */
START_TEST(secret_keys_and_module_names)
{
	static const char *const	keys_ok[] = { "A", "API_KEY", "K9_X" };
	static const char *const	keys_bad[] = { "", "api_key", "9A", "_A",
	    "A-B", "A B" };
	static const char *const	mods_ok[] = { "json", "urllib.parse",
	    "_x.y2", "A.b_c" };
	static const char *const	mods_bad[] = { "", ".", "a.", ".a",
	    "a..b", "2a", "a.2b", "a-b", "a b", "a/b" };
	char				 longmod[200];
	size_t				 i;

	for (i = 0; i < sizeof(keys_ok) / sizeof(keys_ok[0]); i++)
		ck_assert_msg(secret_key_valid(keys_ok[i]), "%s", keys_ok[i]);
	for (i = 0; i < sizeof(keys_bad) / sizeof(keys_bad[0]); i++)
		ck_assert_msg(!secret_key_valid(keys_bad[i]), "%s",
		    keys_bad[i]);
	for (i = 0; i < sizeof(mods_ok) / sizeof(mods_ok[0]); i++)
		ck_assert_msg(module_name_valid(mods_ok[i]), "%s", mods_ok[i]);
	for (i = 0; i < sizeof(mods_bad) / sizeof(mods_bad[0]); i++)
		ck_assert_msg(!module_name_valid(mods_bad[i]), "%s",
		    mods_bad[i]);
	memset(longmod, 'A', 65);
	longmod[65] = '\0';
	ck_assert(!secret_key_valid(longmod));	/* 64 at most */
	longmod[64] = '\0';
	ck_assert(secret_key_valid(longmod));
	memset(longmod, 'a', MODULE_NAME_MAX);
	longmod[MODULE_NAME_MAX] = '\0';
	ck_assert(module_name_valid(longmod));
	longmod[MODULE_NAME_MAX] = 'a';
	longmod[MODULE_NAME_MAX + 1] = '\0';
	ck_assert(!module_name_valid(longmod));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("names");
	TCase	*tc = tcase_create("names");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, secret_keys_and_module_names);
	tcase_add_test(tc, identifiers);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
