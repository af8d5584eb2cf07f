/*
 * Unit tests for src/core/itemdef.c: the definition of a resource (uri,
 * mime_type, text or blob or python_code, variables) and of a prompt
 * (arguments, messages or python_code), strict about unknown members, and
 * the reason given in `why` when one is refused.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

static char	why[512];

/* itemdef_check of the JSON text js; `why` holds the reason. */
static int
check(const char *kind, const char *js, int has_code)
{
	json_error_t	 err;
	json_t		*def;
	int		 rc;

	def = json_loads(js, JSON_DECODE_ANY, &err);
	ck_assert_msg(def != NULL, "bad test JSON %s: %s", js, err.text);
	why[0] = '\0';
	rc = itemdef_check(kind, def, has_code, why, sizeof(why));
	json_decref(def);
	return (rc);
}

static void
good(const char *kind, const char *js, int has_code)
{
	ck_assert_msg(check(kind, js, has_code) == 0, "refused %s: %s", js,
	    why);
}

/* Refused, with a reason that holds `part`. */
static void
bad(const char *kind, const char *js, int has_code, const char *part)
{
	ck_assert_msg(check(kind, js, has_code) == -1, "accepted %s", js);
	ck_assert_msg(strstr(why, part) != NULL, "%s: why is \"%s\", not "
	    "about \"%s\"", js, why, part);
}

START_TEST(kind_valid)
{
	ck_assert_int_eq(itemdef_kind_valid("tool"), 1);
	ck_assert_int_eq(itemdef_kind_valid("resource"), 1);
	ck_assert_int_eq(itemdef_kind_valid("prompt"), 1);
	ck_assert_int_eq(itemdef_kind_valid("other"), 0);
	ck_assert_int_eq(itemdef_kind_valid("Tool"), 0);
	ck_assert_int_eq(itemdef_kind_valid("resources"), 0);
	ck_assert_int_eq(itemdef_kind_valid(""), 0);
	ck_assert_int_eq(itemdef_kind_valid(NULL), 0);
}
END_TEST

START_TEST(not_an_object)
{
	bad("resource", "[]", 0, "expected an object");
	bad("prompt", "\"x\"", 0, "expected an object");
	bad("tool", "{}", 0, "a tool has no definition");
	bad("other", "{\"uri\": \"t://x\", \"text\": \"x\"}", 0,
	    "has no definition");
}
END_TEST

START_TEST(resource_static)
{
	good("resource", "{\"uri\": \"test://static-text\", \"text\": "
	    "\"hello\"}", 0);
	good("resource", "{\"uri\": \"test://static-text\", \"mime_type\": "
	    "\"text/plain\", \"text\": \"\"}", 0);
	good("resource", "{\"uri\": \"test://static-blob\", \"mime_type\": "
	    "\"application/octet-stream\", \"blob\": \"aGVsbG8=\"}", 0);
	good("resource", "{\"uri\": \"test://static-blob\", \"blob\": "
	    "\"AAEC\"}", 0);

	/* Exactly one of text and blob without code. */
	bad("resource", "{\"uri\": \"test://x\", \"text\": \"a\", \"blob\": "
	    "\"AAEC\"}", 0, "exactly one");
	bad("resource", "{\"uri\": \"test://x\"}", 0, "text/blob");
	bad("resource", "{\"uri\": \"test://x\", \"mime_type\": "
	    "\"text/plain\"}", 0, "exactly one");

	/* text is a string; blob is good base64. */
	bad("resource", "{\"uri\": \"test://x\", \"text\": 5}", 0, "text:");
	bad("resource", "{\"uri\": \"test://x\", \"text\": null}", 0, "text:");
	bad("resource", "{\"uri\": \"test://x\", \"blob\": \"not base64!\"}",
	    0, "blob: expected base64");
	bad("resource", "{\"uri\": \"test://x\", \"blob\": \"abc\"}", 0,
	    "blob:");
	bad("resource", "{\"uri\": \"test://x\", \"blob\": \"a===\"}", 0,
	    "blob:");
	bad("resource", "{\"uri\": \"test://x\", \"blob\": [1]}", 0, "blob:");
}
END_TEST

START_TEST(resource_computed)
{
	good("resource", "{\"uri\": \"test://computed\"}", 1);
	good("resource", "{\"uri\": \"test://template/{id}/data\", "
	    "\"mime_type\": \"application/json\"}", 1);
	good("resource", "{\"uri\": \"notes://{+path}\"}", 1);
	bad("resource", "{\"uri\": \"test://c\", \"text\": \"a\"}", 1,
	    "python_code");
	bad("resource", "{\"uri\": \"test://c\", \"blob\": \"AAEC\"}", 1,
	    "python_code");
	bad("resource", "{\"uri\": \"test://c\", \"text\": \"a\", "
	    "\"blob\": \"AAEC\"}", 1, "text/blob");
}
END_TEST

START_TEST(resource_uri)
{
	char	*js, *long_uri;

	bad("resource", "{\"text\": \"a\"}", 0, "uri:");
	bad("resource", "{\"uri\": 1, \"text\": \"a\"}", 0, "uri:");
	bad("resource", "{\"uri\": \"no-scheme\", \"text\": \"a\"}", 0,
	    "uri: expected a URI");
	bad("resource", "{\"uri\": \"test:\", \"text\": \"a\"}", 0, "uri:");
	bad("resource", "{\"uri\": \"test://a b\", \"text\": \"a\"}", 0,
	    "uri:");
	bad("resource", "{\"uri\": \"test://{}\"}", 1, "uri:");
	bad("resource", "{\"uri\": \"test://{a}{b}\"}", 1, "uri:");
	bad("resource", "{\"uri\": \"test://{id\"}", 1, "uri:");

	/* At most URITEMPLATE_URI_MAX characters. */
	long_uri = malloc(URITEMPLATE_URI_MAX + 2);
	js = malloc(URITEMPLATE_URI_MAX + 64);
	ck_assert_ptr_nonnull(long_uri);
	ck_assert_ptr_nonnull(js);
	memcpy(long_uri, "t://", 4);
	memset(long_uri + 4, 'x', URITEMPLATE_URI_MAX - 4);
	long_uri[URITEMPLATE_URI_MAX] = '\0';
	(void)snprintf(js, URITEMPLATE_URI_MAX + 64, "{\"uri\": \"%s\", "
	    "\"text\": \"a\"}", long_uri);
	good("resource", js, 0);
	long_uri[URITEMPLATE_URI_MAX] = 'x';
	long_uri[URITEMPLATE_URI_MAX + 1] = '\0';
	(void)snprintf(js, URITEMPLATE_URI_MAX + 64, "{\"uri\": \"%s\", "
	    "\"text\": \"a\"}", long_uri);
	bad("resource", js, 0, "at most 1024 characters");
	free(js);
	free(long_uri);
}
END_TEST

START_TEST(resource_mime)
{
	static const char *const ok[] = { "text/plain", "application/json",
	    "image/svg+xml", "application/vnd.api+json", "a/b", NULL };
	static const char *const no[] = { "text", "text/", "/plain",
	    "text/plain/x", "text/plain; charset=utf-8", "text /plain", "a/",
	    "", "te\\\"xt/plain", NULL };
	char	js[256];
	size_t	i;

	for (i = 0; ok[i] != NULL; i++) {
		(void)snprintf(js, sizeof(js), "{\"uri\": \"t://x\", "
		    "\"mime_type\": \"%s\", \"text\": \"a\"}", ok[i]);
		good("resource", js, 0);
	}
	for (i = 0; no[i] != NULL; i++) {
		(void)snprintf(js, sizeof(js), "{\"uri\": \"t://x\", "
		    "\"mime_type\": \"%s\", \"text\": \"a\"}", no[i]);
		bad("resource", js, 0, "mime_type: expected a media type");
	}
	bad("resource", "{\"uri\": \"t://x\", \"mime_type\": 3, \"text\": "
	    "\"a\"}", 0, "mime_type:");
	bad("resource", "{\"uri\": \"t://x\", \"mime_type\": null}", 1,
	    "mime_type:");
}
END_TEST

START_TEST(resource_unknown)
{
	bad("resource", "{\"uri\": \"t://x\", \"mime_typ\": \"text/plain\", "
	    "\"text\": \"a\"}", 0, "mime_typ: not a known member");
	bad("resource", "{\"uri\": \"t://x\", \"text\": \"a\", \"name\": "
	    "\"n\"}", 0, "name: not a known member");
	/* A prompt's member is unknown to a resource, and the reverse. */
	bad("resource", "{\"uri\": \"t://x\", \"messages\": []}", 1,
	    "messages: not a known member");
	bad("prompt", "{\"uri\": \"t://x\"}", 1, "uri: not a known member");
}
END_TEST

START_TEST(resource_variables)
{
	good("resource", "{\"uri\": \"test://template/{id}/data\", "
	    "\"variables\": {\"id\": {\"description\": \"The id\", "
	    "\"values\": [\"1\", \"2\"]}}}", 1);
	good("resource", "{\"uri\": \"t://{a}/{+b}/x{#c}\", \"variables\": "
	    "{\"a\": {}, \"b\": {\"values\": []}, \"c\": {\"description\": "
	    "\"x\"}}}", 1);
	good("resource", "{\"uri\": \"t://{a}\", \"variables\": {}}", 1);

	/* Only the template's own variables. */
	bad("resource", "{\"uri\": \"t://{id}\", \"variables\": {\"x\": {}}}",
	    1, "variables.x: not a variable");
	bad("resource", "{\"uri\": \"t://static\", \"variables\": {\"id\": "
	    "{}}}", 1, "variables.id: not a variable");
	/* A name that is only the end of one ("d" of {id}) is not it. */
	bad("resource", "{\"uri\": \"t://{id}\", \"variables\": {\"d\": {}}}",
	    1, "variables.d: not a variable");
	bad("resource", "{\"uri\": \"t://{+path}\", \"variables\": "
	    "{\"+path\": {}}}", 1, "not a variable");
	bad("resource", "{\"uri\": \"t://{id}\", \"variables\": {\"\": {}}}",
	    1, "not a variable");

	bad("resource", "{\"uri\": \"t://{id}\", \"variables\": [\"id\"]}", 1,
	    "variables: expected an object");
	bad("resource", "{\"uri\": \"t://{id}\", \"variables\": {\"id\": "
	    "\"x\"}}", 1, "variables.id: expected {description, values}");
	bad("resource", "{\"uri\": \"t://{id}\", \"variables\": {\"id\": "
	    "{\"default\": \"1\"}}}", 1, "variables.id: expected");
	bad("resource", "{\"uri\": \"t://{id}\", \"variables\": {\"id\": "
	    "{\"description\": 1}}}", 1, "variables.id: a description");
	bad("resource", "{\"uri\": \"t://{id}\", \"variables\": {\"id\": "
	    "{\"values\": [1]}}}", 1, "variables.id:");
	bad("resource", "{\"uri\": \"t://{id}\", \"variables\": {\"id\": "
	    "{\"values\": \"1\"}}}", 1, "variables.id:");
}
END_TEST

START_TEST(prompt_static)
{
	good("prompt", "{\"arguments\": [{\"name\": \"topic\", "
	    "\"description\": \"What about\", \"required\": true, "
	    "\"values\": [\"a\", \"b\"]}, {\"name\": \"_x2\"}], "
	    "\"messages\": ["
	    "{\"role\": \"user\", \"content\": {\"type\": \"text\", "
	    "\"text\": \"Tell me about {topic}\"}}, "
	    "{\"role\": \"assistant\", \"content\": {\"type\": \"image\", "
	    "\"data\": \"iVBORw0KGgo=\", \"mimeType\": \"image/png\"}}, "
	    "{\"role\": \"user\", \"content\": {\"type\": \"audio\", "
	    "\"data\": \"AAEC\", \"mimeType\": \"audio/wav\"}}, "
	    "{\"role\": \"user\", \"content\": {\"type\": \"resource\", "
	    "\"resource\": {\"uri\": \"test://static-text\", "
	    "\"mimeType\": \"text/plain\", \"text\": \"hello\"}}}, "
	    "{\"role\": \"user\", \"content\": {\"type\": \"resource\", "
	    "\"resource\": {\"uri\": \"test://b\", \"blob\": \"AAEC\"}}}]}",
	    0);
	good("prompt", "{\"messages\": [{\"role\": \"user\", \"content\": "
	    "{\"type\": \"text\", \"text\": \"hi\"}}]}", 0);
	good("prompt", "{\"arguments\": [], \"messages\": [{\"role\": "
	    "\"user\", \"content\": {\"type\": \"text\", \"text\": \"\"}}]}",
	    0);
}
END_TEST

START_TEST(prompt_code)
{
	good("prompt", "{}", 1);
	good("prompt", "{\"arguments\": [{\"name\": \"a\", \"required\": "
	    "false}]}", 1);
	bad("prompt", "{\"messages\": [{\"role\": \"user\", \"content\": "
	    "{\"type\": \"text\", \"text\": \"hi\"}}]}", 1,
	    "messages: a prompt with python_code");
	bad("prompt", "{}", 0, "messages: a prompt without python_code");
	bad("prompt", "{\"arguments\": [{\"name\": \"a\"}]}", 0,
	    "needs its messages");
}
END_TEST

START_TEST(prompt_arguments)
{
	char	js[256];

	bad("prompt", "{\"arguments\": [{\"name\": \"a\"}, {\"name\": \"b\"}, "
	    "{\"name\": \"a\"}]}", 1, "arguments[2].name: a is declared twice");
	bad("prompt", "{\"arguments\": [{\"name\": \"1a\"}]}", 1,
	    "arguments[0].name:");
	bad("prompt", "{\"arguments\": [{\"name\": \"ok\"}, {\"name\": "
	    "\"a-b\"}]}", 1, "arguments[1].name: letters");
	bad("prompt", "{\"arguments\": [{\"name\": \"\"}]}", 1,
	    "arguments[0].name:");
	bad("prompt", "{\"arguments\": [{\"name\": \"a b\"}]}", 1,
	    "arguments[0].name:");
	bad("prompt", "{\"arguments\": [{\"name\": 3}]}", 1,
	    "arguments[0].name:");
	bad("prompt", "{\"arguments\": [{\"description\": \"x\"}]}", 1,
	    "arguments[0].name:");
	bad("prompt", "{\"arguments\": [{\"name\": \"a\", \"type\": "
	    "\"string\"}]}", 1, "arguments[0]: expected {name");
	bad("prompt", "{\"arguments\": [\"a\"]}", 1, "arguments[0]: expected");
	bad("prompt", "{\"arguments\": [{\"name\": \"a\", \"required\": "
	    "\"yes\"}]}", 1, "arguments[0]: description is a string, "
	    "required a boolean");
	bad("prompt", "{\"arguments\": [{\"name\": \"a\", \"description\": "
	    "[]}]}", 1, "arguments[0]: description");
	bad("prompt", "{\"arguments\": [{\"name\": \"a\", \"values\": "
	    "[true]}]}", 1, "arguments[0]:");
	bad("prompt", "{\"arguments\": {\"name\": \"a\"}}", 1,
	    "arguments: expected");

	/* Names of 64 characters, not 65. */
	(void)snprintf(js, sizeof(js), "{\"arguments\": [{\"name\": \"%s\"}]}",
	    "a234567890123456789012345678901234567890123456789012345678901234");
	good("prompt", js, 1);
	(void)snprintf(js, sizeof(js), "{\"arguments\": [{\"name\": \"%s\"}]}",
	    "a2345678901234567890123456789012345678901234567890123456789012345");
	bad("prompt", js, 1, "arguments[0].name:");

}
END_TEST

/* {"arguments": [{"name": "a0"}, ... n of them]} */
static char *
many_args(size_t n)
{
	char	*js, *o;
	size_t	 i;

	js = malloc(32 + n * 24);
	ck_assert_ptr_nonnull(js);
	o = stpcpy(js, "{\"arguments\": [");
	for (i = 0; i < n; i++)
		o += sprintf(o, "%s{\"name\": \"a%zu\"}", i ? ", " : "", i);
	(void)strcpy(o, "]}");
	return (js);
}

/* {"messages": [n text messages]} */
static char *
many_messages(size_t n)
{
	char	*js, *o;
	size_t	 i;

	js = malloc(32 + n * 80);
	ck_assert_ptr_nonnull(js);
	o = stpcpy(js, "{\"messages\": [");
	for (i = 0; i < n; i++)
		o += sprintf(o, "%s{\"role\": \"user\", \"content\": "
		    "{\"type\": \"text\", \"text\": \"m%zu\"}}", i ? ", " : "",
		    i);
	(void)strcpy(o, "]}");
	return (js);
}

START_TEST(prompt_limits)
{
	char	*js;

	js = many_args(32);
	good("prompt", js, 1);
	free(js);
	js = many_args(33);
	bad("prompt", js, 1, "arguments: expected at most 32");
	free(js);

	js = many_messages(32);
	good("prompt", js, 0);
	free(js);
	js = many_messages(33);
	bad("prompt", js, 0, "messages: expected 1 to 32");
	free(js);
	bad("prompt", "{\"messages\": []}", 0, "messages: expected 1 to 32");
	bad("prompt", "{\"messages\": {}}", 0, "messages: expected");
}
END_TEST

START_TEST(prompt_messages)
{
	/* role is user or assistant; a message is {role, content}. */
	bad("prompt", "{\"messages\": [{\"role\": \"system\", \"content\": "
	    "{\"type\": \"text\", \"text\": \"hi\"}}]}", 0,
	    "messages[0]: expected {role: user|assistant");
	bad("prompt", "{\"messages\": [{\"role\": \"User\", \"content\": "
	    "{\"type\": \"text\", \"text\": \"hi\"}}]}", 0, "messages[0]:");
	bad("prompt", "{\"messages\": [{\"content\": {\"type\": \"text\", "
	    "\"text\": \"hi\"}}]}", 0, "messages[0]:");
	bad("prompt", "{\"messages\": [{\"role\": 1, \"content\": "
	    "{\"type\": \"text\", \"text\": \"hi\"}}]}", 0, "messages[0]:");
	bad("prompt", "{\"messages\": [{\"role\": \"user\", \"content\": "
	    "{\"type\": \"text\", \"text\": \"hi\"}}, {\"role\": \"user\", "
	    "\"content\": {\"type\": \"text\", \"text\": \"hi\"}, \"name\": "
	    "\"x\"}]}", 0, "messages[1]: expected");
	bad("prompt", "{\"messages\": [{\"role\": \"user\", \"text\": "
	    "\"hi\"}]}", 0, "messages[0].content:");
	bad("prompt", "{\"messages\": [\"hi\"]}", 0, "messages[0]:");

	/* Content items. */
	bad("prompt", "{\"messages\": [{\"role\": \"user\", \"content\": "
	    "\"hi\"}]}", 0, "messages[0].content: expected a text");
	bad("prompt", "{\"messages\": [{\"role\": \"user\", \"content\": "
	    "{\"type\": \"video\", \"data\": \"AAEC\"}}]}", 0,
	    "messages[0].content:");
	bad("prompt", "{\"messages\": [{\"role\": \"user\", \"content\": "
	    "{\"text\": \"hi\"}}]}", 0, "messages[0].content:");
	bad("prompt", "{\"messages\": [{\"role\": \"user\", \"content\": "
	    "{\"type\": \"text\", \"text\": 1}}]}", 0, "messages[0].content:");
	bad("prompt", "{\"messages\": [{\"role\": \"user\", \"content\": "
	    "{\"type\": \"image\", \"data\": \"not base64\", \"mimeType\": "
	    "\"image/png\"}}]}", 0, "messages[0].content:");
	bad("prompt", "{\"messages\": [{\"role\": \"user\", \"content\": "
	    "{\"type\": \"image\", \"data\": \"AAEC\"}}]}", 0,
	    "messages[0].content:");
	bad("prompt", "{\"messages\": [{\"role\": \"user\", \"content\": "
	    "{\"type\": \"image\", \"data\": \"AAEC\", \"mimeType\": "
	    "\"png\"}}]}", 0, "messages[0].content:");
	bad("prompt", "{\"messages\": [{\"role\": \"user\", \"content\": "
	    "{\"type\": \"image\", \"mimeType\": \"image/png\"}}]}", 0,
	    "messages[0].content:");
	bad("prompt", "{\"messages\": [{\"role\": \"user\", \"content\": "
	    "{\"type\": \"resource\", \"resource\": {\"uri\": \"t://x\"}}}]}",
	    0, "messages[0].content:");
	bad("prompt", "{\"messages\": [{\"role\": \"user\", \"content\": "
	    "{\"type\": \"resource\", \"resource\": {\"text\": \"x\"}}}]}", 0,
	    "messages[0].content:");
	bad("prompt", "{\"messages\": [{\"role\": \"user\", \"content\": "
	    "{\"type\": \"resource\", \"uri\": \"t://x\", \"text\": "
	    "\"x\"}}]}", 0, "messages[0].content:");
}
END_TEST

START_TEST(prompt_unknown)
{
	bad("prompt", "{\"messages\": [{\"role\": \"user\", \"content\": "
	    "{\"type\": \"text\", \"text\": \"hi\"}}], \"argument\": []}", 0,
	    "argument: not a known member");
	bad("prompt", "{\"python_code\": \"x\"}", 1,
	    "python_code: not a known member");
}
END_TEST

START_TEST(why_short)
{
	char	 small[8];
	json_t	*def;

	/* The reason is cut to whylen, NUL-terminated. */
	def = json_pack("{s:s}", "uri", "no-scheme");
	ck_assert_ptr_nonnull(def);
	memset(small, 'Z', sizeof(small));
	ck_assert_int_eq(itemdef_check("resource", def, 1, small,
	    sizeof(small)), -1);
	ck_assert_str_eq(small, "uri: ex");
	json_decref(def);
}
END_TEST

/* An embedded resource has text or a base64 blob, not both or neither. */
START_TEST(prompt_embedded_resource_content)
{
	good("prompt", "{\"messages\":[{\"role\":\"user\",\"content\":"
	    "{\"type\":\"resource\",\"resource\":{\"uri\":\"{u}\","
	    "\"blob\":\"aGk=\"}}}]}", 0);
	bad("prompt", "{\"messages\":[{\"role\":\"user\",\"content\":"
	    "{\"type\":\"resource\",\"resource\":{\"uri\":\"x:y\","
	    "\"blob\":\"not base64!\"}}}]}", 0, "content");
	bad("prompt", "{\"messages\":[{\"role\":\"user\",\"content\":"
	    "{\"type\":\"resource\",\"resource\":{\"uri\":\"x:y\","
	    "\"text\":\"t\",\"blob\":\"aGk=\"}}}]}", 0, "content");
	bad("prompt", "{\"messages\":[{\"role\":\"user\",\"content\":"
	    "{\"type\":\"resource\",\"resource\":{\"uri\":\"x:y\"}}}]}",
	    0, "content");
}
END_TEST

int
main(void)
{
	Suite	*s;
	TCase	*tc;
	SRunner	*sr;
	int	failed;

	s = suite_create("itemdef");
	tc = tcase_create("core");
	tcase_add_test(tc, kind_valid);
	tcase_add_test(tc, not_an_object);
	tcase_add_test(tc, resource_static);
	tcase_add_test(tc, resource_computed);
	tcase_add_test(tc, resource_uri);
	tcase_add_test(tc, resource_mime);
	tcase_add_test(tc, resource_unknown);
	tcase_add_test(tc, resource_variables);
	tcase_add_test(tc, prompt_static);
	tcase_add_test(tc, prompt_code);
	tcase_add_test(tc, prompt_arguments);
	tcase_add_test(tc, prompt_limits);
	tcase_add_test(tc, prompt_messages);
	tcase_add_test(tc, prompt_unknown);
	tcase_add_test(tc, why_short);
	tcase_add_test(tc, prompt_embedded_resource_content);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
