/*
 * Unit tests for src/core/pathguard.c: prefix matching on segment
 * boundaries, canonical-path checks, and a table of tricky paths with the
 * verdict each must get. Kore hands handlers the path without the query
 * string, so a '?' seen here is part of the path itself.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

#define O	GUARD_OPEN
#define A	GUARD_ADMIN
#define R	GUARD_REJECT

static const struct {
	const char		*method;
	const char		*path;
	enum guard_verdict	want;
} cases[] = {
	/* The four open auth endpoints, exactly. */
	{ "GET",	"/api/auth/status",		O },
	{ "POST",	"/api/auth/setup",		O },
	{ "POST",	"/api/auth/login",		O },
	{ "POST",	"/api/auth/refresh",		O },
	/* Near misses of them all need a token. */
	{ "POST",	"/api/auth/loginx",		A },
	{ "POST",	"/api/auth/login/",		A },
	{ "POST",	"/api/auth/login/x",		A },
	{ "POST",	"/api/auth/logout",		A },
	{ "POST",	"/api/auth/password",		A },
	{ "GET",	"/api/auth/status?x",		A },
	{ "GET",	"/api/auth/status;x",		A },
	{ "GET",	"/api/auth/statu",		A },
	{ "GET",	"/api/auth",			A },
	{ "GET",	"/api/auth/",			A },
	{ "GET",	"/api/auth/status/",		A },
	/* Everything else under /api, including /api itself. */
	{ "GET",	"/api",				A },
	{ "GET",	"/api/",			A },
	{ "GET",	"/api/servers",			A },
	{ "DELETE",	"/api/servers/42",		A },
	{ "GET",	"/api/servers/",		A },
	{ "OPTIONS",	"/api/servers",			A },
	{ NULL,		"/api/servers",			A },
	/* Traversal and doubled slashes, however they are spelled. */
	{ "POST",	"/api/auth/setup/../servers",	R },
	{ "POST",	"/api/auth/login/..",		R },
	{ "POST",	"/api/auth/login/.",		R },
	{ "GET",	"/api/./servers",		R },
	{ "GET",	"/api/servers/../auth/status",	R },
	{ "GET",	"//api/servers",		R },
	{ "GET",	"/api//servers",		R },
	{ "GET",	"/api/auth//login",		R },
	{ "GET",	"/api/servers//",		R },
	{ "GET",	"/api/servers%2F..",		R },
	{ "GET",	"/api/servers%2f..",		R },
	{ "GET",	"/api/auth/login%2F..%2Fservers", R },
	{ "GET",	"/api/auth/login/%2e%2e/servers", R },
	{ "GET",	"/api/auth/login/%2E%2E/servers", R },
	{ "GET",	"/api/auth/status%00",		R },
	{ "GET",	"/api/auth/status%5c..",	R },
	{ "GET",	"/api/auth/status%5C..",	R },
	{ "GET",	"/api/auth/status%252f..",	R },
	{ "GET",	"/api/auth/status%c0%af..",	R },
	{ "GET",	"/api/auth/status%0a",		R },
	{ "GET",	"/api/auth/status%",		R },
	{ "GET",	"/api/auth/status%2",		R },
	{ "GET",	"/api/auth/status%zz",		R },
	{ "GET",	"/api\\servers",		R },
	{ "GET",	"/api/auth/status\\..\\servers", R },
	{ "GET",	"/api/auth/status\t",		R },
	{ "GET",	"/api/auth/status\x7f",		R },
	{ "GET",	"api/servers",			R },
	{ "GET",	"",				R },
	{ "GET",	NULL,				R },
	/* Kore routes case-sensitively; case variants never come out open. */
	{ "GET",	"/API/servers",			R },
	{ "GET",	"/Api",				R },
	{ "POST",	"/API/auth/login",		R },
	{ "POST",	"/Health/circuits/reset",	R },
	/* Not /api: a bare prefix is not a match. */
	{ "GET",	"/apix",			O },
	{ "GET",	"/apix/servers",		O },
	{ "GET",	"/ap",				O },
	{ "GET",	"/",				O },
	{ "GET",	"/health",			O },
	{ "GET",	"/health/ready",		O },
	{ "POST",	"/mcp",				O },
	{ "GET",	"/api-docs",			O },
	{ "GET",	"/foo%20bar",			O },
	/* Circuit breaker reset needs a token for anything but a read. */
	{ "POST",	"/health/circuits/reset",	A },
	{ "post",	"/health/circuits/reset",	A },
	{ "DELETE",	"/health/circuits/reset",	A },
	{ NULL,		"/health/circuits/reset",	A },
	{ "POST",	"/health/circuits/reset/",	A },
	{ "POST",	"/health/circuits/reset/x",	A },
	{ "GET",	"/health/circuits/reset",	O },
	{ "HEAD",	"/health/circuits/reset",	O },
	{ "POST",	"/health/circuits/resetx",	O },
	{ "POST",	"/health/circuits/reset/..",	R },
	{ "POST",	"/health//circuits/reset",	R },
};

START_TEST(classify_table)
{
	size_t	i;

	ck_assert_uint_ge(sizeof(cases) / sizeof(cases[0]), 30);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(pathguard_classify(cases[i].method,
		    cases[i].path) == cases[i].want,
		    "%s %s: got %d, want %d",
		    cases[i].method ? cases[i].method : "(null)",
		    cases[i].path ? cases[i].path : "(null)",
		    pathguard_classify(cases[i].method, cases[i].path),
		    cases[i].want);
}
END_TEST

START_TEST(match)
{
	ck_assert_int_eq(path_match("/api", "/api"), 1);
	ck_assert_int_eq(path_match("/api/", "/api"), 1);
	ck_assert_int_eq(path_match("/api/x", "/api"), 1);
	ck_assert_int_eq(path_match("/apix", "/api"), 0);
	ck_assert_int_eq(path_match("/ap", "/api"), 0);
	ck_assert_int_eq(path_match("/API", "/api"), 0);
	ck_assert_int_eq(path_match("", "/api"), 0);
	ck_assert_int_eq(path_match(NULL, "/api"), 0);
	ck_assert_int_eq(path_match("/api", NULL), 0);
	ck_assert_int_eq(path_match("/api/auth/login",
	    "/api/auth/login"), 1);
	ck_assert_int_eq(path_match("/api/auth/loginx",
	    "/api/auth/login"), 0);
}
END_TEST

START_TEST(canonical)
{
	char	*p;

	ck_assert_int_eq(path_is_canonical("/"), 1);
	ck_assert_int_eq(path_is_canonical("/a/b/c"), 1);
	ck_assert_int_eq(path_is_canonical("/a/b/"), 1);
	ck_assert_int_eq(path_is_canonical("/a/.b/c."), 1);
	ck_assert_int_eq(path_is_canonical("/a/.../b"), 1);
	ck_assert_int_eq(path_is_canonical("/a/b%20c"), 1);
	ck_assert_int_eq(path_is_canonical("/."), 0);
	ck_assert_int_eq(path_is_canonical("/.."), 0);
	ck_assert_int_eq(path_is_canonical("/./a"), 0);
	ck_assert_int_eq(path_is_canonical("/a/./"), 0);
	ck_assert_int_eq(path_is_canonical("//"), 0);
	ck_assert_int_eq(path_is_canonical("/a\x01"), 0);
	ck_assert_int_eq(path_is_canonical("/a\x1f"), 0);
	ck_assert_int_eq(path_is_canonical("/a%2e"), 0);

	/* 2048 bytes are fine, 2049 are not. */
	p = malloc(PATHGUARD_MAX + 2);
	memset(p, 'a', PATHGUARD_MAX + 1);
	p[0] = '/';
	p[PATHGUARD_MAX] = '\0';
	ck_assert_int_eq(path_is_canonical(p), 1);
	p[PATHGUARD_MAX] = 'a';
	p[PATHGUARD_MAX + 1] = '\0';
	ck_assert_int_eq(path_is_canonical(p), 0);
	memcpy(p, "/api/auth/login/", 16);
	ck_assert_int_eq(pathguard_classify("POST", p), GUARD_REJECT);
	free(p);
}
END_TEST

int
main(void)
{
	Suite	*s;
	TCase	*tc;
	SRunner	*sr;
	int	failed;

	s = suite_create("pathguard");
	tc = tcase_create("core");
	tcase_add_test(tc, classify_table);
	tcase_add_test(tc, match);
	tcase_add_test(tc, canonical);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
