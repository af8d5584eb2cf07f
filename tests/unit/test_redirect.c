/*
 * Unit tests for src/core/redirect.c: which OAuth redirect URIs a client
 * may register, and the origin the consent page's CSP is built from.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

START_TEST(accepted)
{
	static const struct {
		const char	*uri;
		size_t		 origin;
	} ok[] = {
		{ "https://claude.ai/api/mcp/auth_callback", 17 },
		{ "https://app.example.com:8443/cb?x=1&y=2", 28 },
		{ "http://localhost/callback", 16 },
		{ "http://localhost:33418/callback", 22 },
		{ "http://LOCALHOST:9/cb", 18 },
		{ "http://127.0.0.1:9/callback", 18 },
		{ "http://[::1]:8080/cb", 17 },
		{ "https://[2001:db8::1]/cb", 21 },
		{ "https://a.example?next=/x", 17 },
	};
	size_t	i, n;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		n = 0;
		ck_assert_msg(redirect_uri_check(ok[i].uri, &n) == 0, "%s",
		    ok[i].uri);
		ck_assert_msg(n == ok[i].origin, "%s: %zu", ok[i].uri, n);
	}
}
END_TEST

START_TEST(refused)
{
	static const char *const bad[] = {
		/* userinfo: the loopback prefix is not the host */
		"http://localhost:80@evil.example/cb",
		"http://127.0.0.1@evil.example/cb",
		"http://[::1]@evil.example/cb",
		"https://user:pw@app.example.com/cb",
		/* characters no host holds: CSP injection */
		"https://a.example;script-src *;/cb",
		"https://a.example,evil.example/cb",
		"http://localhost;x/cb",
		"https://a.example /cb",
		"https://a example/cb",
		"https://a.example\t/cb",
		/* ports */
		"http://localhost:0/cb",
		"http://localhost:65536/cb",
		"http://localhost:/cb",
		"http://localhost:80x/cb",
		"https://a.example:443:1/cb",
		/* IPv6 literals */
		"http://[::2]/cb",
		"https://[::1/cb",
		"https://[zz::1]/cb",
		"https://[::1]x/cb",
		/* http off loopback, other schemes, fragments, junk */
		"http://example.com/cb",
		"http://localhost.evil.example/cb",
		"http://127.0.0.1.evil.example/cb",
		"javascript://x/%0aalert(1)",
		"https://a.example/cb#frag",
		"https:///cb",
		"https://",
		"ftp://a.example/cb",
		"https://a.example/<cb>",
		NULL
	};
	size_t	i, n;

	for (i = 0; bad[i] != NULL; i++) {
		n = 99;
		ck_assert_msg(redirect_uri_check(bad[i], &n) == -1, "%s",
		    bad[i]);
		ck_assert_uint_eq(n, 99);
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("redirect");
	TCase	*tc = tcase_create("redirect");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, accepted);
	tcase_add_test(tc, refused);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
