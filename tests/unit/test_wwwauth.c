/* Unit tests for src/core/wwwauth.c. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

START_TEST(quoted_and_bare_values)
{
	char	out[128];

	ck_assert(wwwauth_param("Bearer resource_metadata=\"https://a.example/"
	    ".well-known/oauth-protected-resource\", scope=\"tools read\"",
	    "resource_metadata", out, sizeof(out)));
	ck_assert_str_eq(out, "https://a.example/.well-known/"
	    "oauth-protected-resource");
	ck_assert(wwwauth_param("Bearer realm=\"x\",scope=files,error=e",
	    "scope", out, sizeof(out)));
	ck_assert_str_eq(out, "files");
	ck_assert(wwwauth_param("Bearer SCOPE=\"a b\"", "scope", out,
	    sizeof(out)));
	ck_assert_str_eq(out, "a b");
}
END_TEST

START_TEST(only_whole_parameter_names)
{
	char	out[64];

	/* "myscope" is not "scope"; a name without "=" is no parameter. */
	ck_assert(!wwwauth_param("Bearer myscope=\"x\"", "scope", out,
	    sizeof(out)));
	ck_assert(!wwwauth_param("Bearer scope", "scope", out, sizeof(out)));
	ck_assert(!wwwauth_param("Bearer scope=", "scope", out, sizeof(out)));
	ck_assert(!wwwauth_param("", "scope", out, sizeof(out)));
	ck_assert(!wwwauth_param(NULL, "scope", out, sizeof(out)));
}
END_TEST

START_TEST(too_long_or_control_characters_give_nothing)
{
	char	out[8];

	strcpy(out, "keep");
	ck_assert(!wwwauth_param("Bearer scope=\"123456789\"", "scope", out,
	    sizeof(out)));
	ck_assert_str_eq(out, "keep");
	ck_assert(!wwwauth_param("Bearer scope=\"a\tb\"", "scope", out,
	    sizeof(out)));
	ck_assert(wwwauth_param("Bearer scope=\"1234567\"", "scope", out,
	    sizeof(out)));
	ck_assert_str_eq(out, "1234567");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("wwwauth");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, quoted_and_bare_values);
	tcase_add_test(tc, only_whole_parameter_names);
	tcase_add_test(tc, too_long_or_control_characters_give_nothing);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
