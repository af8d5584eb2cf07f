/*
 * Unit tests for src/core/jsonschema.c, the second half: references,
 * schemas it cannot check (refused, never passed), annotations, boolean
 * schemas, depth and the bounded reason.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "schema_check.h"

START_TEST(refs)
{
	static const char *tree = "{\"$ref\":\"#/$defs/node\",\"$defs\":{"
	    "\"node\":{\"type\":\"object\",\"properties\":{"
	    "\"name\":{\"type\":\"string\"},"
	    "\"kids\":{\"type\":\"array\",\"items\":{\"$ref\":"
	    "\"#/$defs/node\"}}},\"required\":[\"name\"]}}}";

	ok(tree, "{\"name\":\"a\",\"kids\":[{\"name\":\"b\",\"kids\":[]}]}");
	refused(tree, "{\"name\":\"a\",\"kids\":[{\"name\":\"b\",\"kids\":"
	    "[{\"name\":1}]}]}", "kids[0].kids[0].name: expected a string");
	refused(tree, "{\"name\":\"a\",\"kids\":[{\"nom\":\"b\"}]}",
	    "kids[0].nom: not a declared argument");
	ok("{\"definitions\":{\"u\":{\"enum\":[\"c\",\"f\"]}},\"properties\":"
	    "{\"unit\":{\"$ref\":\"#/definitions/u\"}}}", "{\"unit\":\"c\"}");
	refused("{\"definitions\":{\"u\":{\"enum\":[\"c\",\"f\"]}},"
	    "\"properties\":{\"unit\":{\"$ref\":\"#/definitions/u\"}}}",
	    "{\"unit\":\"k\"}", "unit: not one of the allowed values");
	/* "#" is the root: a list of lists */
	ok("{\"type\":\"array\",\"items\":{\"$ref\":\"#\"}}", "[[],[[]]]");
	refused("{\"type\":\"array\",\"items\":{\"$ref\":\"#\"}}", "[[1]]",
	    "[0][0]: expected an array");
	/* general pointers: ~1 is "/", ~0 is "~", %25 is "%", array indexes */
	ok("{\"$defs\":{\"a/b~c%\":{\"type\":\"integer\"}},\"$ref\":"
	    "\"#/$defs/a~1b~0c%25\"}", "1");
	refused("{\"$defs\":{\"a/b~c%\":{\"type\":\"integer\"}},\"$ref\":"
	    "\"#/$defs/a~1b~0c%25\"}", "\"1\"", "expected an integer");
	ok("{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"null\"}],"
	    "\"properties\":{\"x\":{\"$ref\":\"#/anyOf/1\"}}}", "\"s\"");
	refused("{\"anyOf\":[{\"type\":\"object\"},{\"type\":\"null\"}],"
	    "\"properties\":{\"x\":{\"$ref\":\"#/anyOf/1\"}}}", "{\"x\":2}",
	    "x: expected null");
	/* not local, or not there: refused whatever the arguments */
	refused("{\"$ref\":\"other.json#/a\"}", "1",
	    "the approved schema has a $ref MCPbox cannot resolve");
	refused("{\"$ref\":\"#anchor\"}", "1",
	    "the approved schema has a $ref MCPbox cannot resolve");
	refused("{\"properties\":{\"a\":{\"$ref\":\"#/$defs/none\"}}}", "{}",
	    "the approved schema has a $ref MCPbox cannot resolve");
	refused("{\"$ref\":\"#/$defs/x~2\",\"$defs\":{\"x~2\":{}}}", "1",
	    "the approved schema has a $ref MCPbox cannot resolve");
	refused("{\"$ref\":\"#/anyOf/01\",\"anyOf\":[{},{}]}", "1",
	    "the approved schema has a $ref MCPbox cannot resolve");
	/* recursion without progress is bounded */
	refused("{\"$ref\":\"#\"}", "1", "schema nests too deep");
	refused("{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/b\"},\"b\":{\"allOf\":"
	    "[{\"$ref\":\"#/$defs/a\"}]}},\"$ref\":\"#/$defs/a\"}", "1",
	    "schema nests too deep");
}
END_TEST

START_TEST(fail_closed)
{
	static const char *const kws[] = { "if", "then", "else",
	    "dependentSchemas", "unevaluatedProperties", "unevaluatedItems",
	    "patternProperties", "dependencies", "$dynamicRef", "$anchor",
	    "nullable", "x-custom", NULL };
	char	schema[256], want[256];
	int	i;

	for (i = 0; kws[i] != NULL; i++) {
		(void)snprintf(schema, sizeof(schema), "{\"type\":\"object\","
		    "\"properties\":{\"a\":{\"%s\":{}}}}", kws[i]);
		(void)snprintf(want, sizeof(want), "the approved schema uses "
		    "%s, which MCPbox cannot check", kws[i]);
		/* "a" is not even sent: the schema is refused as a whole */
		refused(schema, "{}", want);
	}
	refused("{\"if\":{\"type\":\"string\"},\"then\":{\"minLength\":3}}",
	    "\"ab\"", "the approved schema uses if, which MCPbox cannot check");
	/* unused definitions are reviewed too */
	refused("{\"$defs\":{\"u\":{\"patternProperties\":{}}}}", "{}",
	    "the approved schema uses patternProperties, which MCPbox cannot "
	    "check");
	/* $id below the root would move where a $ref points */
	ok("{\"$id\":\"https://a.example/s\",\"type\":\"object\"}", "{}");
	refused("{\"properties\":{\"a\":{\"$id\":\"x\"}}}", "{}",
	    "the approved schema uses $id, which MCPbox cannot check");
	/* a keyword name is printed safely */
	refused("{\"\\u0001\\n\":1}", "{}",
	    "the approved schema uses ??, which MCPbox cannot check");
	refused("[]", "{}", "the approved schema is malformed");
	refused("{\"not\":3}", "{}", "the approved schema has an invalid not");
}
END_TEST

START_TEST(annotations_ignored)
{
	ok("{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\","
	    "\"$comment\":\"c\",\"title\":\"t\",\"description\":\"d\","
	    "\"type\":\"object\",\"properties\":{\"when\":{\"type\":\"string\","
	    "\"format\":\"date-time\",\"examples\":[\"x\"],\"default\":\"y\","
	    "\"readOnly\":false,\"writeOnly\":false,\"deprecated\":true}}}",
	    "{\"when\":\"not a date\"}");
}
END_TEST

START_TEST(boolean_schemas)
{
	ok("true", "{\"a\":[1]}");
	refused("false", "1", "not allowed");
	refused("{\"properties\":{\"a\":{\"items\":false}}}", "{\"a\":[1]}",
	    "a[0]: not allowed");
	ok("{\"properties\":{\"a\":{\"items\":false}}}", "{\"a\":[]}");
}
END_TEST

static char *
nested(int levels)
{
	char	*s;
	int	 i;

	s = malloc((size_t)levels * 2 + 2);
	ck_assert_ptr_nonnull(s);
	for (i = 0; i < levels; i++)
		s[i] = '[';
	s[levels] = '1';
	for (i = 0; i < levels; i++)
		s[levels + 1 + i] = ']';
	s[levels * 2 + 1] = '\0';
	return (s);
}

START_TEST(deep_arguments)
{
	char	*s;

	s = nested(64);
	ok("{}", s);
	ok("{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/x\"},\"$defs\":{"
	    "\"x\":{\"anyOf\":[{\"type\":\"integer\"},{\"$ref\":\"#\"}]}}}", s);
	free(s);
	s = nested(65);
	refused("{}", s, "arguments nest too deep");
	refused("true", s, "arguments nest too deep");
	free(s);
	s = nested(1000);
	refused("{\"type\":\"object\"}", s, "arguments nest too deep");
	free(s);
}
END_TEST

START_TEST(deep_schema)
{
	char	*s;
	size_t	 i, n = 300, len = 0;

	/* 300 nested "not": refused before any check, not a stack overflow */
	s = malloc(n * 8 + 16);
	ck_assert_ptr_nonnull(s);
	for (i = 0; i < n; i++) {
		memcpy(s + len, "{\"not\":", 7);
		len += 7;
	}
	memcpy(s + len, "{}", 2);
	len += 2;
	for (i = 0; i < n; i++)
		s[len++] = '}';
	s[len] = '\0';
	refused(s, "1", "schema nests too deep");
	free(s);
}
END_TEST

START_TEST(bounded_reason)
{
	char	why[8], big[301], schema[512], args[512], reason[256];

	/* tiny buffers: always NUL-terminated, never past whylen */
	memset(why, 'x', sizeof(why));
	ck_assert_int_eq(run(WEATHER, "{\"city\":1}", why, 1), -1);
	ck_assert_str_eq(why, "");
	ck_assert_int_eq(why[1], 'x');
	memset(why, 'x', sizeof(why));
	ck_assert_int_eq(run(WEATHER, "{\"city\":1}", why, 5), -1);
	ck_assert_str_eq(why, "city");
	ck_assert_int_eq(why[5], 'x');
	memset(why, 'x', sizeof(why));
	ck_assert_int_eq(run(WEATHER, "{\"city\":1}", why, sizeof(why)), -1);
	ck_assert_str_eq(why, "city: e");
	/* no buffer at all */
	ck_assert_int_eq(run(WEATHER, "{\"city\":1}", NULL, 0), -1);
	ck_assert_int_eq(run(WEATHER, "{\"city\":\"a\"}", NULL, 0), 0);
	ck_assert_int_eq(run(WEATHER, "{\"city\":1}", why, 0), -1);
	ck_assert_int_eq(why[0], 'c');
	/* never half a character */
	memset(why, 'x', sizeof(why));
	ck_assert_int_eq(run("{\"properties\":{}}", "{\"\xc3\xa9\xc3\xa9\xc3"
	    "\xa9\xc3\xa9\":1}", why, 6), -1);
	ck_assert_str_eq(why, "\xc3\xa9\xc3\xa9");
	/* a path too long for its buffer ends in "..." */
	memset(big, 'k', 300);
	big[300] = '\0';
	(void)snprintf(schema, sizeof(schema), "{\"properties\":{\"%s\":"
	    "{\"type\":\"object\",\"properties\":{}}}}", big);
	(void)snprintf(args, sizeof(args), "{\"%s\":{\"b\":1}}", big);
	ck_assert_int_eq(run(schema, args, reason, sizeof(reason)), -1);
	ck_assert_str_eq(reason, "...: not a declared argument");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("jsonschema_limits");
	TCase	*tc = tcase_create("jsonschema_limits");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, refs);
	tcase_add_test(tc, fail_closed);
	tcase_add_test(tc, annotations_ignored);
	tcase_add_test(tc, boolean_schemas);
	tcase_add_test(tc, deep_arguments);
	tcase_add_test(tc, deep_schema);
	tcase_add_test(tc, bounded_reason);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
