/* Unit tests for policy.c and redact.c: the tables that exist once. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sbx.h"

START_TEST(test_ip_ranges)
{
	static const char *blocked[] = { "127.0.0.1", "10.1.2.3", "172.16.0.1",
	    "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1",
	    "0.0.0.0", "224.0.0.1", "255.255.255.255", "198.18.0.1", "::1",
	    "::", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "fe80::1",
	    "fc00::1", "fd00:ec2::254", "ff02::1", "64:ff9b::a00:1",
	    "2002:7f00:1::", "2001:db8::1", "::127.0.0.1", "not-an-ip",
	    "100.100.100.200", "168.63.129.16", "169.254.170.2",
	    "fd00:ec2::23", "fd20:ce::254", NULL };
	static const char *open_[] = { "8.8.8.8", "1.1.1.1", "172.32.0.1",
	    "192.169.0.1", "100.128.0.1", "2606:4700::1111",
	    "::ffff:8.8.8.8", NULL };
	const char	**p;

	for (p = blocked; *p; p++)
		ck_assert_msg(sbx_policy_ip_blocked(*p), "%s should be blocked", *p);
	for (p = open_; *p; p++)
		ck_assert_msg(!sbx_policy_ip_blocked(*p), "%s should be open", *p);
}
END_TEST

START_TEST(test_hosts)
{
	struct sbx_hostrule	r[2];

	memset(r, 0, sizeof(r));
	strcpy(r[0].host, "api.example.com");
	strcpy(r[1].host, "svc.example.com");
	r[1].port = 8443;
	ck_assert(sbx_policy_host_allowed(r, 2, "API.example.com", 443));
	ck_assert(!sbx_policy_host_allowed(r, 2, "api.example.com", 8443));
	ck_assert(sbx_policy_host_allowed(r, 2, "svc.example.com", 8443));
	ck_assert(!sbx_policy_host_allowed(r, 2, "svc.example.com", 443));
	ck_assert(!sbx_policy_host_allowed(r, 2, "evil.api.example.com", 443));
	ck_assert(!sbx_policy_host_allowed(r, 2, "api.example.com.", 443));
	ck_assert(sbx_policy_hostname_ok("a-b.c"));
	ck_assert(!sbx_policy_hostname_ok("a b"));
	ck_assert(!sbx_policy_hostname_ok("fe80::1%eth0"));
}
END_TEST

/*
 * A host approved as public, as private (D37) or both: the broker learns
 * which from the allowlist; an IPv6 literal matches with or without the
 * brackets curl gives it.
 */
START_TEST(test_host_kinds)
{
	struct sbx_hostrule	r[4];

	memset(r, 0, sizeof(r));
	strcpy(r[0].host, "nas.lan");
	r[0].port = 8080;
	r[0].private = 1;
	strcpy(r[1].host, "api.example.com");
	strcpy(r[2].host, "split.example.com");
	strcpy(r[3].host, "split.example.com");
	r[3].private = 1;
	ck_assert_int_eq(sbx_policy_host_kinds(r, 4, "NAS.lan", 8080),
	    SBX_APPROVED_PRIVATE);
	ck_assert_int_eq(sbx_policy_host_kinds(r, 4, "nas.lan", 443), 0);
	ck_assert_int_eq(sbx_policy_host_kinds(r, 4, "api.example.com", 443),
	    SBX_APPROVED_PUBLIC);
	ck_assert_int_eq(sbx_policy_host_kinds(r, 4, "split.example.com", 443),
	    SBX_APPROVED_PUBLIC | SBX_APPROVED_PRIVATE);
	ck_assert_int_eq(sbx_policy_host_kinds(r, 0, "nas.lan", 8080), 0);
	strcpy(r[1].host, "fd12::1");
	ck_assert(sbx_policy_host_allowed(r, 4, "[fd12::1]", 443));
	ck_assert(sbx_policy_host_allowed(r, 4, "fd12::1", 443));
	ck_assert(!sbx_policy_host_allowed(r, 4, "[fd12::2]", 443));
}
END_TEST

/* --self-door: MCPbox's own listeners, as the keeper passes them. */
START_TEST(test_doors)
{
	sbx_ndoors = 0;
	ck_assert_int_eq(sbx_door_add("127.0.0.1:8000"), 0);
	ck_assert_int_eq(sbx_door_add("[::]:8443"), 0);
	ck_assert_int_eq(sbx_door_add("0.0.0.0:9"), 0);
	ck_assert_str_eq(sbx_doors[0].host, "127.0.0.1");
	ck_assert_int_eq(sbx_doors[0].port, 8000);
	ck_assert_str_eq(sbx_doors[1].host, "::");
	ck_assert_int_eq(sbx_doors[1].port, 8443);
	ck_assert_int_eq(sbx_door_add("nohost"), -1);
	ck_assert_int_eq(sbx_door_add(":80"), -1);
	ck_assert_int_eq(sbx_door_add("h:0"), -1);
	ck_assert_int_eq(sbx_door_add("h:70000"), -1);
	ck_assert_int_eq(sbx_door_add("h:80x"), -1);
	ck_assert_int_eq(sbx_door_add("localhost:80"), 0);
	ck_assert_int_eq(sbx_door_add("one:too-many"), -1);
	ck_assert_int_eq(sbx_door_add("one:81"), -1);	/* at most 4 */
	sbx_ndoors = 0;
}
END_TEST

START_TEST(test_methods_headers)
{
	ck_assert(sbx_policy_method_ok("GET"));
	ck_assert(!sbx_policy_method_ok("TRACE"));
	ck_assert(!sbx_policy_method_ok("get"));
	ck_assert(sbx_policy_header_ok("X-Api-Key", "abc"));
	ck_assert(!sbx_policy_header_ok("Host", "evil"));
	ck_assert(!sbx_policy_header_ok("Proxy-Authorization", "x"));
	ck_assert(!sbx_policy_header_ok("Transfer-Encoding", "chunked"));
	ck_assert(!sbx_policy_header_ok("X-A", "v\r\nX-B: 1"));
	ck_assert(!sbx_policy_header_ok("X A", "v"));
}
END_TEST

START_TEST(test_packages)
{
	ck_assert(sbx_policy_package_ok("requests"));
	ck_assert(sbx_policy_package_ok("python-dateutil==2.8.2"));
	ck_assert(sbx_policy_package_ok("zope.interface==5.0+local"));
	ck_assert(!sbx_policy_package_ok("-r"));
	ck_assert(!sbx_policy_package_ok("a>=1"));
	ck_assert(!sbx_policy_package_ok("a==")); 
	ck_assert(!sbx_policy_package_ok("../x"));
	ck_assert(!sbx_policy_package_ok("git+https://x"));
	ck_assert(!sbx_policy_package_ok("a b"));
	ck_assert(!sbx_policy_package_ok(""));
	ck_assert(sbx_policy_source_ok("https://pypi.example/simple", 0));
	ck_assert(!sbx_policy_source_ok("http://pypi.example/simple", 0));
	ck_assert(!sbx_policy_source_ok("/srv/wheels", 0));
	ck_assert(sbx_policy_source_ok("/srv/wheels", 1));
	ck_assert(!sbx_policy_source_ok("/srv/../etc", 1));
	ck_assert(!sbx_policy_source_ok("https://x/ y", 1));
}
END_TEST

START_TEST(test_utf8_clean)
{
	size_t	 n;
	char	*s;

	s = sbx_policy_utf8_clean("ok\xc3\xa9", 4, &n);
	ck_assert_int_eq(n, 4);
	free(s);
	s = sbx_policy_utf8_clean("a\xff" "b\xed\xa0\x80", 6, &n);
	ck_assert_str_eq(s, "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	free(s);
	s = sbx_policy_utf8_clean("\xe2\x82", 2, &n);	/* truncated */
	ck_assert_int_eq(n, 6);
	free(s);
}
END_TEST

START_TEST(test_redact)
{
	struct sbx_secrets	 s;
	json_t			*sec, *v;
	char			*r, *out;
	size_t			 n;

	/* SBX_REDACT_MIN is 4: a 4-byte PIN is masked, 3 bytes are not. */
	sec = json_pack("{s:s,s:s,s:s,s:s}", "A", "topsecret1", "B", "abc",
	    "C", "topsecret1-longer", "D", "1234");
	ck_assert_int_eq(sbx_secrets_from_json(&s, sec), 0);
	ck_assert_int_eq(s.n, 3);
	r = sbx_redact_str(&s, "x topsecret1-longer y topsecret1 abc 1234", 41,
	    &n);
	ck_assert_str_eq(r, "x [REDACTED] y [REDACTED] abc [REDACTED]");
	free(r);
	ck_assert_ptr_null(sbx_redact_str(&s, "nothing", 7, &n));
	v = json_pack("{s:[s,i],s:s}", "topsecret1", "a topsecret1", 3, "k", "v");
	v = sbx_redact_json(&s, v);
	out = json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT);
	ck_assert_str_eq(out, "{\"[REDACTED]\":[\"a [REDACTED]\",3],\"k\":\"v\"}");
	free(out);
	json_decref(v);
	json_decref(sec);
	sbx_secrets_free(&s);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("policy");
	TCase	*tc = tcase_create("policy");
	SRunner	*sr;
	int	 nf;

	tcase_add_test(tc, test_ip_ranges);
	tcase_add_test(tc, test_hosts);
	tcase_add_test(tc, test_host_kinds);
	tcase_add_test(tc, test_doors);
	tcase_add_test(tc, test_methods_headers);
	tcase_add_test(tc, test_packages);
	tcase_add_test(tc, test_utf8_clean);
	tcase_add_test(tc, test_redact);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? 0 : 1);
}
