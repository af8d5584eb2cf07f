/*
 * Unit tests for src/core/jsonschema.c: the arguments of a passthrough
 * tool against its approved inputSchema. What the reviewer saw is all
 * that is sent: undeclared members are refused, and a schema MCPbox
 * cannot check refuses every call.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

#include "schema_check.h"

START_TEST(valid_arguments)
{
	ok(WEATHER, "{\"city\":\"Oslo\"}");
	ok(WEATHER, "{\"city\":\"Oslo\",\"unit\":\"f\",\"days\":14,"
	    "\"location\":{\"lat\":59.9,\"lon\":10}}");
	ok("{}", "{\"anything\":[1,{\"x\":null}]}");
	ok("true", "[1,2,3]");
	ok("{\"type\":\"object\"}", "{\"a\":1,\"b\":{\"c\":[]}}");
	ok("{\"type\":\"object\",\"properties\":{}}", "{}");
}
END_TEST

START_TEST(types)
{
	refused(WEATHER, "{\"city\":7}", "city: expected a string");
	refused(WEATHER, "[]", "expected an object");
	refused(WEATHER, "{\"city\":\"a\",\"location\":[]}",
	    "location: expected an object");
	refused(WEATHER, "{\"city\":\"a\",\"days\":\"3\"}",
	    "days: expected an integer");
	/* integer: a JSON integer or a real with no fraction */
	ok(WEATHER, "{\"city\":\"a\",\"days\":3.0}");
	refused(WEATHER, "{\"city\":\"a\",\"days\":3.5}",
	    "days: expected an integer");
	ok("{\"type\":\"number\"}", "3");
	ok("{\"type\":\"number\"}", "3.25");
	refused("{\"type\":\"number\"}", "true", "expected a number");
	refused("{\"type\":\"boolean\"}", "0", "expected a boolean");
	refused("{\"type\":\"null\"}", "false", "expected null");
	refused("{\"type\":\"array\"}", "{}", "expected an array");
	ok("{\"type\":[\"string\",\"null\"]}", "null");
	ok("{\"type\":[\"string\",\"null\"]}", "\"x\"");
	refused("{\"type\":[\"string\",\"null\"]}", "1",
	    "expected a string or null");
	ok("{\"type\":\"integer\"}", "1e300");
	refused("{\"type\":\"bogus\"}", "1",
	    "the approved schema has an invalid type");
	refused("{\"type\":[]}", "1",
	    "the approved schema has an invalid type");
}
END_TEST

START_TEST(undeclared_arguments)
{
	refused(WEATHER, "{\"city\":\"a\",\"extra\":1}",
	    "extra: not a declared argument");
	refused(WEATHER, "{\"city\":\"a\",\"location\":{\"lat\":1,\"lon\":2,"
	    "\"alt\":3}}", "location.alt: not a declared argument");
	/* additionalProperties true: extra members pass */
	ok("{\"properties\":{\"a\":{}},\"additionalProperties\":true}",
	    "{\"a\":1,\"b\":2}");
	/* additionalProperties as a schema: extra members must fit it */
	ok("{\"properties\":{\"a\":{}},\"additionalProperties\":"
	    "{\"type\":\"string\"}}", "{\"a\":1,\"b\":\"x\"}");
	refused("{\"properties\":{\"a\":{}},\"additionalProperties\":"
	    "{\"type\":\"string\"}}", "{\"a\":1,\"b\":2}",
	    "b: expected a string");
	ok("{\"additionalProperties\":{\"type\":\"integer\"}}",
	    "{\"x\":1,\"y\":2}");
	/* additionalProperties false with no properties: nothing passes */
	ok("{\"additionalProperties\":false}", "{}");
	refused("{\"additionalProperties\":false}", "{\"a\":1}",
	    "a: not a declared argument");
	refused("{\"properties\":{\"a\":{}},\"additionalProperties\":false}",
	    "{\"b\":1}", "b: not a declared argument");
	/* a property declared false is never allowed */
	refused("{\"properties\":{\"a\":false}}", "{\"a\":1}",
	    "a: not allowed");
	/* names that could mislead are quoted in the path */
	refused(WEATHER, "{\"city\":\"a\",\"b.c\":1}",
	    "[\"b.c\"]: not a declared argument");
	refused(WEATHER, "{\"city\":\"a\",\"\":1}",
	    "[\"\"]: not a declared argument");
	refused(WEATHER, "{\"city\":\"a\",\"q\\\"\\n\":1}",
	    "[\"q\\\"?\"]: not a declared argument");
	refused("{\"properties\":{\"a\":{\"properties\":{}}}}",
	    "{\"a\":{\"\xc3\xa9t\xc3\xa9\":1}}",
	    "a.\xc3\xa9t\xc3\xa9: not a declared argument");
}
END_TEST

/* As the specification reads a schema silent on extra members (a Python
 * tool's arguments): allowed; everything else is checked as strictly. */
START_TEST(open_objects)
{
	json_t	*s, *a;
	char	 why[256];

	s = load(WEATHER);
	a = load("{\"city\":\"a\",\"extra\":1,\"location\":{\"lat\":1,"
	    "\"lon\":2,\"alt\":3}}");
	ck_assert_int_eq(json_schema_check_open(s, a, why, sizeof(why)), 0);
	ck_assert_int_eq(json_schema_check(s, a, why, sizeof(why)), -1);
	json_decref(a);
	a = load("{\"city\":4,\"extra\":1}");
	ck_assert_int_eq(json_schema_check_open(s, a, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "city: expected a string");
	json_decref(a);
	json_decref(s);
	s = load("{\"properties\":{\"a\":{}},\"additionalProperties\":false}");
	a = load("{\"b\":1}");
	ck_assert_int_eq(json_schema_check_open(s, a, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "b: not a declared argument");
	json_decref(a);
	json_decref(s);
}
END_TEST

START_TEST(member_name_with_nul)
{
	json_t	*s, *a;
	char	 why[128];

	/* "city\0evil" must not pass as "city". */
	s = load(WEATHER);
	a = json_object();
	ck_assert_int_eq(json_object_set_new(a, "city", json_string("x")), 0);
	ck_assert_int_eq(json_object_setn_new(a, "city\0evil", 9,
	    json_string("y")), 0);
	ck_assert_int_eq(json_schema_check(s, a, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "[\"city?evil\"]: not a declared argument");
	json_decref(a);
	json_decref(s);
}
END_TEST

START_TEST(required_members)
{
	refused(WEATHER, "{}", "city: required but missing");
	refused(WEATHER, "{\"city\":\"a\",\"location\":{\"lat\":1}}",
	    "location.lon: required but missing");
	ok("{\"dependentRequired\":{\"a\":[\"b\"]}}", "{\"b\":1}");
	ok("{\"dependentRequired\":{\"a\":[\"b\"]}}", "{\"a\":1,\"b\":1}");
	refused("{\"dependentRequired\":{\"a\":[\"b\"]}}", "{\"a\":1}",
	    "b: required when a is given");
	refused("{\"required\":\"a\"}", "{}",
	    "the approved schema has an invalid required");
}
END_TEST

START_TEST(enum_and_const)
{
	refused(WEATHER, "{\"city\":\"a\",\"unit\":\"k\"}",
	    "unit: not one of the allowed values");
	/* enum of objects and arrays: whole values, numbers by value */
	ok("{\"enum\":[{\"a\":1,\"b\":[1,2]},\"x\"]}",
	    "{\"b\":[1,2.0],\"a\":1}");
	refused("{\"enum\":[{\"a\":1,\"b\":[1,2]}]}", "{\"a\":1,\"b\":[2,1]}",
	    "not one of the allowed values");
	refused("{\"enum\":[{\"a\":1}]}", "{\"a\":1,\"b\":2}",
	    "not one of the allowed values");
	refused("{\"enum\":[1]}", "true", "not one of the allowed values");
	ok("{\"enum\":[null,1]}", "null");
	ok("{\"const\":{\"k\":[true]}}", "{\"k\":[true]}");
	refused("{\"const\":{\"k\":[true]}}", "{\"k\":[false]}",
	    "not the allowed value");
	refused("{\"const\":\"a\"}", "\"a\\u0000\"", "not the allowed value");
	ok("{\"const\":5}", "5.0");
	refused("{\"enum\":{}}", "1",
	    "the approved schema has an invalid enum");
}
END_TEST

START_TEST(strings)
{
	/* lengths count code points, not bytes */
	ok("{\"maxLength\":5}", "\"h\xc3\xa9llo\"");
	ok("{\"minLength\":2,\"maxLength\":2}",
	    "\"\xf0\x9f\x98\x80\xe2\x82\xac\"");
	refused("{\"maxLength\":4}", "\"h\xc3\xa9llo\"",
	    "longer than 4 characters");
	refused("{\"minLength\":6}", "\"h\xc3\xa9llo\"",
	    "shorter than 6 characters");
	refused("{\"minLength\":-1}", "\"\"",
	    "the approved schema has an invalid minLength");
	ok("{\"minLength\":2.0}", "\"ab\"");
	/* lengths apply to strings only */
	ok("{\"minLength\":3}", "7");
}
END_TEST

START_TEST(patterns)
{
	ok("{\"pattern\":\"^[a-z]+$\"}", "\"abc\"");
	refused("{\"pattern\":\"^[a-z]+$\"}", "\"abC\"",
	    "does not match the required pattern");
	/* unanchored: a match anywhere will do */
	ok("{\"pattern\":\"b\"}", "\"abc\"");
	/* ECMA escapes mean what they mean in ECMA, not in POSIX */
	ok("{\"pattern\":\"^\\\\d{5}$\"}", "\"12345\"");
	refused("{\"pattern\":\"^\\\\d{5}$\"}", "\"ddddd\"",
	    "does not match the required pattern");
	ok("{\"pattern\":\"^\\\\w+\\\\s\\\\S$\"}", "\"a_1 x\"");
	ok("{\"pattern\":\"^[\\\\w.\\\\-]+@[a-z]+\\\\.com$\"}",
	    "\"a.b-c@ex.com\"");
	refused("{\"pattern\":\"^[\\\\w.\\\\-]+$\"}", "\"a\\\\b\"",
	    "does not match the required pattern");
	ok("{\"pattern\":\"^[\\\\]^-]+$\"}", "\"]^-\"");
	ok("{\"pattern\":\"^(?:ab)+$\"}", "\"abab\"");
	ok("{\"pattern\":\"^a{,2}$\"}", "\"a{,2}\"");
	refused("{\"pattern\":\"^a{,2}$\"}", "\"aa\"",
	    "does not match the required pattern");
	/* "." does not match a line end */
	refused("{\"pattern\":\"^.*$\"}", "\"a\\nb\"",
	    "does not match the required pattern");
	/* regexec would stop at NUL: such a string never matches */
	refused("{\"pattern\":\"^[a-z]+$\"}", "\"abc\\u0000; rm -rf /\"",
	    "does not match the required pattern");
	/* invalid, or not translatable: the schema cannot be checked */
	refused("{\"pattern\":\"([a-z\"}", "\"a\"",
	    "the approved schema has a pattern MCPbox cannot check");
	refused("{\"pattern\":\"(a\"}", "\"a\"",
	    "the approved schema has an invalid pattern");
	refused("{\"pattern\":\"^(?!admin)\"}", "\"x\"",
	    "the approved schema has a pattern MCPbox cannot check");
	refused("{\"pattern\":\"(a)\\\\1\"}", "\"aa\"",
	    "the approved schema has a pattern MCPbox cannot check");
	refused("{\"pattern\":\"\\u00e9\"}", "\"\xc3\xa9\"",
	    "the approved schema has a pattern MCPbox cannot check");
	/* even when no string is checked against it */
	refused("{\"properties\":{\"a\":{\"pattern\":\"(\"}}}", "{}",
	    "the approved schema has an invalid pattern");
}
END_TEST

START_TEST(numbers)
{
	refused(WEATHER, "{\"city\":\"a\",\"days\":0}", "days: less than 1");
	refused(WEATHER, "{\"city\":\"a\",\"days\":15}",
	    "days: greater than 14");
	ok("{\"minimum\":1.5}", "1.5");
	refused("{\"minimum\":1.5}", "1", "less than 1.5");
	ok("{\"exclusiveMinimum\":0}", "0.001");
	refused("{\"exclusiveMinimum\":0}", "0", "not greater than 0");
	refused("{\"exclusiveMaximum\":10}", "10.0", "not less than 10");
	/* draft 4's boolean form */
	refused("{\"minimum\":0,\"exclusiveMinimum\":true}", "0",
	    "not greater than 0");
	refused("{\"maximum\":5,\"exclusiveMaximum\":true}", "5",
	    "not less than 5");
	ok("{\"maximum\":5,\"exclusiveMaximum\":false}", "5");
	/* exact beyond a double's 53 bits */
	refused("{\"maximum\":9007199254740992}", "9007199254740993",
	    "greater than 9007199254740992");
	refused("{\"maximum\":9007199254740992.0}", "9007199254740993",
	    "greater than 9.00719925474099e+15");
	ok("{\"multipleOf\":3}", "-9");
	refused("{\"multipleOf\":3}", "10", "not a multiple of 3");
	ok("{\"multipleOf\":0.1}", "0.3");
	ok("{\"multipleOf\":0.01}", "19.99");
	refused("{\"multipleOf\":0.1}", "0.35", "not a multiple of 0.1");
	refused("{\"multipleOf\":1}", "1000000000.5", "not a multiple of 1");
	refused("{\"multipleOf\":0}", "1",
	    "the approved schema has an invalid multipleOf");
	refused("{\"minimum\":\"1\"}", "1",
	    "the approved schema has an invalid minimum");
}
END_TEST

START_TEST(arrays)
{
	static const char *tags = "{\"type\":\"object\",\"properties\":{"
	    "\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},"
	    "\"minItems\":1,\"maxItems\":3,\"uniqueItems\":true}}}";

	ok(tags, "{\"tags\":[\"a\",\"b\"]}");
	refused(tags, "{\"tags\":[\"a\",\"b\",2]}",
	    "tags[2]: expected a string");
	refused(tags, "{\"tags\":[]}", "tags: fewer than 1 items");
	refused(tags, "{\"tags\":[\"a\",\"b\",\"c\",\"d\"]}",
	    "tags: more than 3 items");
	refused(tags, "{\"tags\":[\"a\",\"b\",\"a\"]}",
	    "tags[2]: repeats an earlier item");
	ok("{\"uniqueItems\":true}", "[{\"a\":1},{\"a\":2},[1]]");
	refused("{\"uniqueItems\":true}", "[{\"a\":[1]},{\"a\":[1.0]}]",
	    "[1]: repeats an earlier item");
	ok("{\"uniqueItems\":false}", "[1,1]");
	refused("{\"items\":{\"items\":{\"type\":\"integer\"}}}",
	    "[[1],[2,\"x\"]]", "[1][1]: expected an integer");
}
END_TEST

START_TEST(tuples)
{
	static const char *pair = "{\"prefixItems\":[{\"type\":\"string\"},"
	    "{\"type\":\"number\"}]}";
	static const char *old = "{\"items\":[{\"type\":\"string\"},"
	    "{\"type\":\"number\"}]}";

	ok(pair, "[\"a\",1]");
	ok(pair, "[\"a\"]");
	refused(pair, "[1,1]", "[0]: expected a string");
	/* past the tuple with nothing said about the rest: refused */
	refused(pair, "[\"a\",1,true]", "[2]: beyond the declared items");
	/* items as an array is the same tuple */
	ok(old, "[\"a\",1]");
	refused(old, "[\"a\",\"b\"]", "[1]: expected a number");
	refused(old, "[\"a\",1,2]", "[2]: beyond the declared items");
	/* the rest: items after prefixItems, or additionalItems */
	ok("{\"prefixItems\":[{\"type\":\"string\"}],\"items\":"
	    "{\"type\":\"integer\"}}", "[\"a\",1,2]");
	refused("{\"prefixItems\":[{\"type\":\"string\"}],\"items\":"
	    "{\"type\":\"integer\"}}", "[\"a\",1,\"b\"]",
	    "[2]: expected an integer");
	ok("{\"items\":[{}],\"additionalItems\":true}", "[1,2,3]");
	ok("{\"items\":[{}],\"additionalItems\":{\"type\":\"null\"}}",
	    "[1,null]");
	refused("{\"items\":[{}],\"additionalItems\":{\"type\":\"null\"}}",
	    "[1,2]", "[1]: expected null");
	refused("{\"items\":[{}],\"additionalItems\":false}", "[1,2]",
	    "[1]: beyond the declared items");
	/* additionalItems means nothing without a tuple (draft 7) */
	ok("{\"items\":{\"type\":\"integer\"},\"additionalItems\":false}",
	    "[1,2]");
	refused("{\"prefixItems\":[{}],\"items\":[{}]}", "[]",
	    "the approved schema has an invalid items");
}
END_TEST

START_TEST(contains)
{
	static const char *one = "{\"contains\":{\"type\":\"integer\"}}";
	static const char *two = "{\"contains\":{\"type\":\"integer\"},"
	    "\"minContains\":2,\"maxContains\":3}";

	ok(one, "[\"a\",1]");
	refused(one, "[\"a\",\"b\"]", "no item has the required form");
	refused(one, "[]", "no item has the required form");
	ok(two, "[1,\"a\",2]");
	refused(two, "[1,\"a\"]", "fewer than 2 items have the required form");
	refused(two, "[1,2,3,4]", "more than 3 items have the required form");
	ok("{\"contains\":{\"type\":\"integer\"},\"minContains\":0}", "[]");
}
END_TEST

START_TEST(object_counts_and_names)
{
	static const char *names = "{\"propertyNames\":{\"pattern\":"
	    "\"^[a-z]+$\",\"maxLength\":3}}";

	refused("{\"minProperties\":1}", "{}", "fewer than 1 members");
	refused("{\"maxProperties\":1}", "{\"a\":1,\"b\":2}",
	    "more than 1 members");
	ok("{\"maxProperties\":1}", "{\"a\":1}");
	ok(names, "{\"abc\":1,\"x\":2}");
	refused(names, "{\"abc\":1,\"ABC\":2}",
	    "ABC: not an allowed argument name");
	refused(names, "{\"abcd\":1}", "abcd: not an allowed argument name");
}
END_TEST

START_TEST(combinators)
{
	static const char *any = "{\"anyOf\":[{\"type\":\"string\"},"
	    "{\"type\":\"integer\",\"minimum\":0}]}";
	static const char *one = "{\"oneOf\":[{\"type\":\"integer\"},"
	    "{\"type\":\"number\",\"maximum\":10}]}";

	ok(any, "\"x\"");
	ok(any, "3");
	refused(any, "-1", "matches none of the allowed forms");
	refused("{\"properties\":{\"v\":{\"anyOf\":[{\"type\":\"string\"},"
	    "{\"type\":\"null\"}]}}}", "{\"v\":1}",
	    "v: matches none of the allowed forms");
	/* oneOf: exactly one */
	ok(one, "11");
	ok(one, "2.5");
	refused(one, "3", "matches more than one of the allowed forms");
	refused(one, "10.5", "matches none of the allowed forms");
	/* allOf: every one, with the failing one's reason */
	ok("{\"allOf\":[{\"type\":\"string\"},{\"minLength\":2}]}", "\"ab\"");
	refused("{\"allOf\":[{\"type\":\"string\"},{\"minLength\":2}]}",
	    "\"a\"", "shorter than 2 characters");
	ok("{\"not\":{\"type\":\"null\"}}", "0");
	refused("{\"not\":{\"type\":\"null\"}}", "null",
	    "matches a form that is not allowed");
	refused("{\"anyOf\":[]}", "1",
	    "the approved schema has an invalid anyOf");
	/* a failed branch leaves no reason behind when the whole fits */
	ok("{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}", "1");
}
END_TEST

START_TEST(errors_are_never_inverted)
{
	static const char *loop = "\"$defs\":{\"a\":{\"$ref\":\"#/$defs/a\"}}";
	char	s[256];

	/* not, anyOf and oneOf must not turn "cannot check" into a pass */
	(void)snprintf(s, sizeof(s), "{%s,\"not\":{\"$ref\":\"#/$defs/a\"}}",
	    loop);
	refused(s, "1", "schema nests too deep");
	(void)snprintf(s, sizeof(s), "{%s,\"anyOf\":[{\"$ref\":\"#/$defs/a\"},"
	    "{}]}", loop);
	refused(s, "1", "schema nests too deep");
	(void)snprintf(s, sizeof(s), "{%s,\"oneOf\":[{},{\"$ref\":"
	    "\"#/$defs/a\"}]}", loop);
	refused(s, "1", "schema nests too deep");
	(void)snprintf(s, sizeof(s), "{%s,\"contains\":{\"$ref\":"
	    "\"#/$defs/a\"},\"minContains\":0}", loop);
	refused(s, "[1]", "schema nests too deep");
	(void)snprintf(s, sizeof(s), "{%s,\"propertyNames\":{\"not\":"
	    "{\"$ref\":\"#/$defs/a\"}}}", loop);
	refused(s, "{\"x\":1}", "schema nests too deep");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("jsonschema");
	TCase	*tc = tcase_create("jsonschema");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, valid_arguments);
	tcase_add_test(tc, types);
	tcase_add_test(tc, undeclared_arguments);
	tcase_add_test(tc, open_objects);
	tcase_add_test(tc, member_name_with_nul);
	tcase_add_test(tc, required_members);
	tcase_add_test(tc, enum_and_const);
	tcase_add_test(tc, strings);
	tcase_add_test(tc, patterns);
	tcase_add_test(tc, numbers);
	tcase_add_test(tc, arrays);
	tcase_add_test(tc, tuples);
	tcase_add_test(tc, contains);
	tcase_add_test(tc, object_counts_and_names);
	tcase_add_test(tc, combinators);
	tcase_add_test(tc, errors_are_never_inverted);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
