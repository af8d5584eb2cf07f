/*
 * Unit tests for src/core/uritemplate.c: which URIs and RFC 6570 level
 * 1-2 templates an author may give, and matching a URI against a
 * template (values of {name}, {+name} and {#name}; literal characters of
 * the template are literal, never regex syntax).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

/* A string of n copies of c after prefix, and suffix after them. */
static char *
build(const char *prefix, char c, size_t n, const char *suffix)
{
	size_t	 lp = strlen(prefix), ls = strlen(suffix);
	char	*s;

	s = malloc(lp + n + ls + 1);
	ck_assert_ptr_nonnull(s);
	memcpy(s, prefix, lp);
	memset(s + lp, c, n);
	memcpy(s + lp + n, suffix, ls + 1);
	return (s);
}

START_TEST(is_template)
{
	ck_assert_int_eq(uritemplate_is_template("test://template/{id}/data"),
	    1);
	ck_assert_int_eq(uritemplate_is_template("notes://{+path}"), 1);
	ck_assert_int_eq(uritemplate_is_template("test://static-text"), 0);
	ck_assert_int_eq(uritemplate_is_template(""), 0);
	ck_assert_int_eq(uritemplate_is_template(NULL), 0);
}
END_TEST

START_TEST(check_accepts)
{
	static const char *const good[] = {
		"test://static-text",
		"test://template/{id}/data",
		"notes://{+path}",
		"doc://x{#frag}",
		"a:b",
		"git+ssh.x-y://host/p?q=1&r=2#f",
		"test:{id}",
		"test://{a}/{b}",
		"test://{a}x{+b}y{#c}",
		"test://{A_z9}",
		"test://a.b*c(d)e[f]g|h$i^j",
		NULL
	};
	size_t	i;

	for (i = 0; good[i] != NULL; i++)
		ck_assert_msg(uritemplate_check(good[i]) == 0,
		    "refused: %s", good[i]);
}
END_TEST

START_TEST(check_refuses)
{
	static const char *const bad[] = {
		"",
		"static-text",
		"//host/path",
		":x",
		"1test://x",
		"te st://x",
		"te/st://x",
		"te{a}://x",
		"test:",
		"test",
		"test://a b",
		"test://a\tb",
		"test://a\nb",
		"test://a\x01z",
		"test://a\x7fz",
		"test://a\"b",
		"test://a\\b",
		"test://a<b",
		"test://a>b",
		"test://{id",
		"test://id}",
		"test://{id}}",
		"test://{{id}",
		"test://{",
		"test://{}",
		"test://{+}",
		"test://{#}",
		"test://{a-b}",
		"test://{a b}",
		"test://{a,b}",
		"test://{/a}",
		"test://{?a}",
		"test://{a}{b}",
		"test://{a}{+b}",
		"test://x{#a}{b}",
		NULL
	};
	size_t	i;

	for (i = 0; bad[i] != NULL; i++)
		ck_assert_msg(uritemplate_check(bad[i]) == -1,
		    "accepted: %s", bad[i]);
	ck_assert_int_eq(uritemplate_check(NULL), -1);
}
END_TEST

START_TEST(check_limits)
{
	char	*s;

	/* Eight variables, not nine. */
	ck_assert_int_eq(uritemplate_check(
	    "t://{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}"), 0);
	ck_assert_int_eq(uritemplate_check(
	    "t://{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}"), -1);

	/* A name of 64 characters, not 65. */
	s = build("t://{", 'n', 64, "}");
	ck_assert_int_eq(uritemplate_check(s), 0);
	free(s);
	s = build("t://{+", 'n', 65, "}");
	ck_assert_int_eq(uritemplate_check(s), -1);
	free(s);
	s = build("t://{", 'n', 65, "}");
	ck_assert_int_eq(uritemplate_check(s), -1);
	free(s);

	/* URITEMPLATE_URI_MAX characters in all, not one more. */
	s = build("t://", 'x', URITEMPLATE_URI_MAX - 4, "");
	ck_assert_uint_eq(strlen(s), URITEMPLATE_URI_MAX);
	ck_assert_int_eq(uritemplate_check(s), 0);
	free(s);
	s = build("t://", 'x', URITEMPLATE_URI_MAX - 3, "");
	ck_assert_int_eq(uritemplate_check(s), -1);
	free(s);
	s = build("t://{id}/", 'x', URITEMPLATE_URI_MAX, "");
	ck_assert_int_eq(uritemplate_check(s), -1);
	free(s);
}
END_TEST

/* Match uri against tmpl; 0 and the values, checked and freed by caller. */
static json_t *
match_ok(const char *tmpl, const char *uri)
{
	json_t	*vars = (json_t *)1;

	ck_assert_msg(uritemplate_match(tmpl, uri, &vars) == 0,
	    "%s does not match %s", uri, tmpl);
	ck_assert_ptr_nonnull(vars);
	ck_assert(json_is_object(vars));
	return (vars);
}

static void
match_no(const char *tmpl, const char *uri)
{
	json_t	*vars = (json_t *)1;

	ck_assert_msg(uritemplate_match(tmpl, uri, &vars) == -1,
	    "%s matches %s", uri, tmpl);
	ck_assert_ptr_null(vars);
}

static const char *
var(const json_t *vars, const char *name)
{
	return (json_string_value(json_object_get(vars, name)));
}

START_TEST(match_simple)
{
	json_t	*v;

	v = match_ok("test://template/{id}/data", "test://template/123/data");
	ck_assert_uint_eq(json_object_size(v), 1);
	ck_assert_str_eq(var(v, "id"), "123");
	json_decref(v);

	v = match_ok("test://{a}/{b}", "test://x-1/y.2");
	ck_assert_uint_eq(json_object_size(v), 2);
	ck_assert_str_eq(var(v, "a"), "x-1");
	ck_assert_str_eq(var(v, "b"), "y.2");
	json_decref(v);

	v = match_ok("test://{a}x{b}", "test://1x2");
	ck_assert_str_eq(var(v, "a"), "1");
	ck_assert_str_eq(var(v, "b"), "2");
	json_decref(v);

	/* A static URI matches itself, with no values. */
	v = match_ok("test://static-text", "test://static-text");
	ck_assert_uint_eq(json_object_size(v), 0);
	json_decref(v);

	v = match_ok("t://{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}",
	    "t://1/2/3/4/5/6/7/8");
	ck_assert_uint_eq(json_object_size(v), 8);
	ck_assert_str_eq(var(v, "a"), "1");
	ck_assert_str_eq(var(v, "d"), "4");
	ck_assert_str_eq(var(v, "h"), "8");
	json_decref(v);

	match_no("test://static-text", "test://static-text2");
	match_no("test://static-text", "test://static-tex");
	match_no("test://template/{id}/data", "test://template/123/data/");
	match_no("test://template/{id}/data", "xtest://template/123/data");
	match_no("test://template/{id}/data", "test://template/123/dat");
	match_no("test://template/{id}/data", "test://template//data");
	match_no("test://template/{id}/data", "test://other/123/data");
	match_no("test://template/{id}/data", "");
}
END_TEST

START_TEST(match_segment)
{
	json_t	*v;

	/* {name} is one segment: no '/', '?' or '#' in its value. */
	match_no("test://template/{id}/data", "test://template/1/2/data");
	match_no("test://template/{id}/data", "test://template/1?2/data");
	match_no("test://template/{id}/data", "test://template/1#2/data");
	match_no("test://{id}", "test://a/b");

	/* {+name} takes any characters, '/' among them. */
	v = match_ok("notes://{+path}", "notes://a/b/c.txt");
	ck_assert_str_eq(var(v, "path"), "a/b/c.txt");
	json_decref(v);
	v = match_ok("notes://{+path}/end", "notes://a/b?c#d/end");
	ck_assert_str_eq(var(v, "path"), "a/b?c#d");
	json_decref(v);
	match_no("notes://{+path}", "notes://");

	/* {#name}: "#" and what follows, possibly nothing. */
	v = match_ok("doc://x{#frag}", "doc://x#sec/1");
	ck_assert_str_eq(var(v, "frag"), "sec/1");
	json_decref(v);
	v = match_ok("doc://x{#frag}", "doc://x#");
	ck_assert_str_eq(var(v, "frag"), "");
	json_decref(v);
	match_no("doc://x{#frag}", "doc://x");
	match_no("doc://x{#frag}", "doc://xy#sec");
	match_no("doc://x{#frag}", "doc://x/sec");
}
END_TEST

START_TEST(match_literal)
{
	json_t	*v;

	/* Template characters that are regex syntax are literal. */
	match_no("a+b://x.{id}", "aab://xy1");
	match_no("a+b://x.{id}", "ab://x.1");
	match_no("a+b://x.{id}", "aaab://x.1");
	match_no("a+b://x.{id}", "a+b://xy1");
	v = match_ok("a+b://x.{id}", "a+b://x.1");
	ck_assert_str_eq(var(v, "id"), "1");
	json_decref(v);

	match_no("t://a*b", "t://aaab");
	match_no("t://a*b", "t://b");
	match_no("t://a?b", "t://b");
	match_no("t://a?b", "t://ab");
	match_no("t://(a|b)", "t://a");
	match_no("t://a|b", "t://a");
	match_no("t://a|b", "t://b");
	match_no("t://[ab]", "t://a");
	v = match_ok("t://a$b", "t://a$b");
	json_decref(v);
	v = match_ok("t://^a", "t://^a");
	json_decref(v);
	match_no("t://x.y", "t://xzy");
	ck_assert_int_eq(uritemplate_check("t://a.b*c(d)e[f]g|h$i^j"), 0);
	v = match_ok("t://a.b*c(d)e[f]g|h$i^j/{id}",
	    "t://a.b*c(d)e[f]g|h$i^j/7");
	ck_assert_str_eq(var(v, "id"), "7");
	json_decref(v);
	match_no("t://a.b*c(d)e[f]g|h$i^j/{id}", "t://aXbbc(d)e[f]g|h$i^j/7");
}
END_TEST

START_TEST(match_refuses)
{
	json_t	*vars;
	char	*s;

	/* A template that is not one never matches anything. */
	match_no("test://{}", "test://{}");
	match_no("test://{a}{b}", "test://1/2");
	match_no("no-scheme/{id}", "no-scheme/1");
	match_no("test://{id", "test://{id");

	/* A URI longer than URITEMPLATE_URI_MAX is refused, even for {+}. */
	s = build("t://", 'x', URITEMPLATE_URI_MAX - 4, "");
	vars = match_ok("t://{+rest}", s);
	ck_assert_uint_eq(strlen(var(vars, "rest")), URITEMPLATE_URI_MAX - 4);
	json_decref(vars);
	free(s);
	s = build("t://", 'x', URITEMPLATE_URI_MAX - 3, "");
	match_no("t://{+rest}", s);
	free(s);

	/* *vars is NULL after a failure, whatever it held before. */
	vars = (json_t *)&vars;
	ck_assert_int_eq(uritemplate_match("t://{id}", "u://1", &vars), -1);
	ck_assert_ptr_null(vars);
}
END_TEST

/* A variable named twice, an underscore in the scheme: refused. */
START_TEST(check_refuses_ambiguous)
{
	ck_assert_int_eq(uritemplate_check("t://{a}/{a}"), -1);
	ck_assert_int_eq(uritemplate_check("t://{a}/{+a}"), -1);
	ck_assert_int_eq(uritemplate_check("my_scheme://x"), -1);
	ck_assert_int_eq(uritemplate_check("t://{a}/{b}"), 0);
}
END_TEST

/* Values come out percent-decoded; a bad escape is kept as it is. */
START_TEST(match_decodes)
{
	json_t	*v;

	ck_assert_int_eq(uritemplate_match("t://n/{name}", "t://n/a%20b%2Fc",
	    &v), 0);
	ck_assert_str_eq(json_string_value(json_object_get(v, "name")),
	    "a b/c");
	json_decref(v);
	ck_assert_int_eq(uritemplate_match("t://n/{name}", "t://n/100%zz%4",
	    &v), 0);
	ck_assert_str_eq(json_string_value(json_object_get(v, "name")),
	    "100%zz%4");
	json_decref(v);
	/* Not UTF-8 once decoded: the value stays as the URI had it. */
	ck_assert_int_eq(uritemplate_match("t://n/{name}", "t://n/%ff", &v),
	    0);
	ck_assert_str_eq(json_string_value(json_object_get(v, "name")), "%ff");
	json_decref(v);
}
END_TEST

int
main(void)
{
	Suite	*s;
	TCase	*tc;
	SRunner	*sr;
	int	failed;

	s = suite_create("uritemplate");
	tc = tcase_create("core");
	tcase_add_test(tc, is_template);
	tcase_add_test(tc, check_accepts);
	tcase_add_test(tc, check_refuses);
	tcase_add_test(tc, check_limits);
	tcase_add_test(tc, match_simple);
	tcase_add_test(tc, match_segment);
	tcase_add_test(tc, match_literal);
	tcase_add_test(tc, match_refuses);
	tcase_add_test(tc, check_refuses_ambiguous);
	tcase_add_test(tc, match_decodes);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
