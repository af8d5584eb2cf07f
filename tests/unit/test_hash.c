/* Unit tests for src/core/hash.c. */
#include <check.h>
#include <stdlib.h>

#include "core/core.h"

START_TEST(stable_and_null_is_empty)
{
	ck_assert_uint_eq(hash_str(HASH_SEED, "select 1"),
	    hash_str(HASH_SEED, "select 1"));
	ck_assert_uint_eq(hash_str(HASH_SEED, NULL), hash_str(HASH_SEED, ""));
	ck_assert_uint_ne(hash_str(HASH_SEED, "select 1"),
	    hash_str(HASH_SEED, "select 2"));
}
END_TEST

START_TEST(chained_strings_keep_their_boundaries)
{
	/* A pooled session is keyed by url, header name and value. */
	ck_assert_uint_ne(hash_str(hash_str(HASH_SEED, "ab"), "c"),
	    hash_str(hash_str(HASH_SEED, "a"), "bc"));
	ck_assert_uint_ne(hash_str(hash_str(HASH_SEED, ""), "x"),
	    hash_str(hash_str(HASH_SEED, "x"), ""));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("hash");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, stable_and_null_is_empty);
	tcase_add_test(tc, chained_strings_keep_their_boundaries);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
