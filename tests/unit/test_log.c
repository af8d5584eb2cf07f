/*
 * Unit tests for src/core/log.c: whatever a message contains, the line is
 * one valid JSON object that a strict parser accepts.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"

/* Parse a line strictly and return its "msg" (caller frees the root). */
static json_t *
parse_line(const char *line)
{
	json_error_t	e;
	json_t		*o;
	size_t		len;

	len = strlen(line);
	ck_assert_uint_gt(len, 1);
	ck_assert_int_eq(line[len - 1], '\n');
	/* Exactly one line: no raw newline before the terminator. */
	ck_assert_ptr_eq(strchr(line, '\n'), line + len - 1);
	o = json_loadb(line, len - 1, JSON_REJECT_DUPLICATES, &e);
	ck_assert_msg(o != NULL, "invalid JSON: %s", e.text);
	ck_assert(json_is_object(o));
	return (o);
}

static void
assert_roundtrip(const char *msg, const char *expect)
{
	char	*line;
	json_t	*o;

	line = log_format(LOG_LEVEL_INFO, msg, NULL);
	ck_assert_ptr_nonnull(line);
	o = parse_line(line);
	ck_assert_str_eq(json_string_value(json_object_get(o, "msg")), expect);
	ck_assert_str_eq(json_string_value(json_object_get(o, "level")), "info");
	ck_assert_ptr_nonnull(json_string_value(json_object_get(o, "time")));
	json_decref(o);
	free(line);
}

START_TEST(plain_and_quotes)
{
	assert_roundtrip("hello", "hello");
	assert_roundtrip("say \"hi\" \\ back\\", "say \"hi\" \\ back\\");
	assert_roundtrip("{\"injected\": true}", "{\"injected\": true}");
}
END_TEST

START_TEST(newlines_and_controls)
{
	assert_roundtrip("line1\nline2\r\n\tend", "line1\nline2\r\n\tend");
	assert_roundtrip("bell\a esc\x1b[31m del\x7f", "bell\a esc\x1b[31m del\x7f");
	assert_roundtrip("\x01\x02\x1f", "\x01\x02\x1f");
}
END_TEST

START_TEST(invalid_utf8)
{
	/* Lone continuation, truncated sequence, overlong, surrogate, > U+10FFFF. */
	assert_roundtrip("a\x80" "b", "a\xef\xbf\xbd" "b");
	assert_roundtrip("trunc\xe2\x82", "trunc\xef\xbf\xbd\xef\xbf\xbd");
	assert_roundtrip("over\xc0\xaf", "over\xef\xbf\xbd\xef\xbf\xbd");
	assert_roundtrip("sur\xed\xa0\x80", "sur\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	assert_roundtrip("big\xf5\x80\x80\x80",
	    "big\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	/* Valid multi-byte text is kept as it is. */
	assert_roundtrip("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}
END_TEST

START_TEST(fields_merge_without_override)
{
	json_t	*f, *o;
	char	*line;

	f = json_pack("{s:s, s:i, s:s}", "request_id", "r-1", "status", 404,
	    "msg", "must not replace the message");
	line = log_format(LOG_LEVEL_ERROR, "real", f);
	o = parse_line(line);
	ck_assert_str_eq(json_string_value(json_object_get(o, "msg")), "real");
	ck_assert_str_eq(json_string_value(json_object_get(o, "level")), "error");
	ck_assert_str_eq(json_string_value(json_object_get(o, "request_id")),
	    "r-1");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "status")), 404);
	json_decref(o);
	json_decref(f);
	free(line);
}
END_TEST

START_TEST(emit_writes_one_line_and_filters_level)
{
	int	fds[2];
	char	buf[4096];
	ssize_t	n;
	json_t	*o;

	ck_assert_int_eq(pipe(fds), 0);
	log_init(LOG_LEVEL_WARN, fds[1]);
	log_msg(LOG_LEVEL_INFO, "dropped %d", 1);
	log_msg(LOG_LEVEL_ERROR, "kept %s\n%d", "x\"y", 2);
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	o = parse_line(buf);
	ck_assert_str_eq(json_string_value(json_object_get(o, "msg")),
	    "kept x\"y\n2");
	json_decref(o);
	close(fds[0]);
	log_init(LOG_LEVEL_INFO, STDOUT_FILENO);
}
END_TEST

START_TEST(every_byte_value)
{
	char	msg[256], *line;
	json_t	*o;
	int	i;

	for (i = 1; i < 256; i++)
		msg[i - 1] = (char)i;
	msg[255] = '\0';
	line = log_format(LOG_LEVEL_INFO, msg, NULL);
	o = parse_line(line);
	ck_assert_ptr_nonnull(json_string_value(json_object_get(o, "msg")));
	json_decref(o);
	free(line);
}
END_TEST

int
main(void)
{
	Suite	*s;
	TCase	*tc;
	SRunner	*sr;
	int	failed;

	s = suite_create("log");
	tc = tcase_create("core");
	tcase_add_test(tc, plain_and_quotes);
	tcase_add_test(tc, newlines_and_controls);
	tcase_add_test(tc, invalid_utf8);
	tcase_add_test(tc, fields_merge_without_override);
	tcase_add_test(tc, emit_writes_one_line_and_filters_level);
	tcase_add_test(tc, every_byte_value);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
