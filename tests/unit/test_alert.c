/*
 * Unit tests for src/core/alert.c and src/core/metrics.c: the webhook
 * shape chosen by URL or setting, the payloads, de-duplication through
 * the pipe, the outcome labels, the error-rate window and the exposition.
 */
#include <sys/wait.h>

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"

START_TEST(format_by_url)
{
	ck_assert_int_eq(alert_format_for("https://hooks.slack.com/services/"
	    "T0/B0/x", NULL), ALERT_FORMAT_SLACK);
	ck_assert_int_eq(alert_format_for("https://HOOKS.SLACK.COM/x", NULL),
	    ALERT_FORMAT_SLACK);
	ck_assert_int_eq(alert_format_for("https://discord.com/api/webhooks/1/"
	    "a", NULL), ALERT_FORMAT_DISCORD);
	ck_assert_int_eq(alert_format_for("https://ptb.discordapp.com/api/x",
	    NULL), ALERT_FORMAT_DISCORD);
	/* Look-alikes and hosts hidden in paths or userinfo stay generic. */
	ck_assert_int_eq(alert_format_for("https://evildiscord.com/x", NULL),
	    ALERT_FORMAT_GENERIC);
	ck_assert_int_eq(alert_format_for("https://hooks.slack.com.evil.net/x",
	    NULL), ALERT_FORMAT_GENERIC);
	ck_assert_int_eq(alert_format_for("https://e.net/hooks.slack.com",
	    NULL), ALERT_FORMAT_GENERIC);
	ck_assert_int_eq(alert_format_for("https://hooks.slack.com@e.net/x",
	    NULL), ALERT_FORMAT_GENERIC);
	ck_assert_int_eq(alert_format_for("http://127.0.0.1:9/hook", NULL),
	    ALERT_FORMAT_GENERIC);
	ck_assert_int_eq(alert_format_for(NULL, NULL), ALERT_FORMAT_GENERIC);
	/* An explicit setting wins; an unknown one is an error. */
	ck_assert_int_eq(alert_format_for("http://127.0.0.1/h", "discord"),
	    ALERT_FORMAT_DISCORD);
	ck_assert_int_eq(alert_format_for("https://hooks.slack.com/x",
	    "generic"), ALERT_FORMAT_GENERIC);
	ck_assert_int_eq(alert_format_for(NULL, "teams"), -1);
}
END_TEST

START_TEST(payload_shapes)
{
	json_t	*a, *p;
	char	*s;

	a = json_pack("{s:s, s:s, s:s, s:s, s:{}, s:s}", "source", "mcpbox",
	    "alert", "circuit_open", "severity", "critical", "message",
	    "it \"broke\"", "details", "time", "2026-01-01T00:00:00.000Z");
	s = alert_payload(ALERT_FORMAT_GENERIC, a);
	p = json_loads(s, 0, NULL);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(json_object_size(p), 6);
	ck_assert_str_eq(json_string_value(json_object_get(p, "message")),
	    "it \"broke\"");
	json_decref(p);
	free(s);

	s = alert_payload(ALERT_FORMAT_SLACK, a);
	p = json_loads(s, 0, NULL);
	ck_assert_int_eq(json_object_size(p), 1);
	ck_assert_str_eq(json_string_value(json_object_get(p, "text")),
	    "[MCPbox critical] circuit_open: it \"broke\"");
	json_decref(p);
	free(s);

	s = alert_payload(ALERT_FORMAT_DISCORD, a);
	p = json_loads(s, 0, NULL);
	ck_assert_ptr_nonnull(json_object_get(p, "content"));
	json_decref(p);
	free(s);
	json_decref(a);
}
END_TEST

static int
read_lines(int fd, char *buf, size_t len)
{
	ssize_t	r;
	int	n, i;

	r = read(fd, buf, len - 1);
	if (r <= 0)
		return (0);
	buf[r] = '\0';
	for (n = 0, i = 0; i < r; i++)
		if (buf[i] == '\n')
			n++;
	return (n);
}

START_TEST(raise_dedups_across_processes)
{
	char	buf[8192];
	int	rfd, status;
	pid_t	pid;

	ck_assert_int_eq(ratelimit_init(256), 0);
	ck_assert_int_eq(metrics_init(), 0);
	ck_assert_int_eq(alert_pipe(&rfd), 0);
	log_init(LOG_LEVEL_ERROR, STDERR_FILENO);
	mcpbox_cfg.alert_dedup_s = 60;
	ck_assert_int_eq(alert_raise(ALERT_CIRCUIT_OPEN, "sandbox", "first",
	    NULL), 1);
	/* Same key from another process: suppressed (shared table). */
	if ((pid = fork()) == 0)
		_exit(alert_raise(ALERT_CIRCUIT_OPEN, "sandbox", "again", NULL));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	/* Another key is its own alert. */
	ck_assert_int_eq(alert_raise(ALERT_LOGIN_FAILURES, "10.0.0.1", "x",
	    json_pack("{s:s}", "ip", "10.0.0.1")), 1);
	ck_assert_int_eq(read_lines(rfd, buf, sizeof(buf)), 2);
	ck_assert_ptr_nonnull(strstr(buf, "\"alert\":\"circuit_open\""));
	ck_assert_ptr_nonnull(strstr(buf, "\"source\":\"mcpbox\""));
	(void)close(rfd);
	alert_pipe_close_writer();
}
END_TEST

START_TEST(huge_details_stay_one_line)
{
	char	*big, buf[8192];
	int	rfd;
	json_t	*a;

	ck_assert_int_eq(ratelimit_init(256), 0);
	ck_assert_int_eq(alert_pipe(&rfd), 0);
	log_init(LOG_LEVEL_ERROR, STDERR_FILENO);
	big = malloc(20000);
	memset(big, 'x', 19999);
	big[19999] = '\0';
	ck_assert_int_eq(alert_raise(ALERT_TOOL_ERROR_RATE, "big", "m",
	    json_pack("{s:s}", "blob", big)), 1);
	ck_assert_int_eq(read_lines(rfd, buf, sizeof(buf)), 1);
	buf[strlen(buf) - 1] = '\0';
	a = json_loads(buf, 0, NULL);
	ck_assert_ptr_nonnull(a);
	ck_assert(json_is_true(json_object_get(json_object_get(a, "details"),
	    "truncated")));
	json_decref(a);
	free(big);
	(void)close(rfd);
	alert_pipe_close_writer();
}
END_TEST

START_TEST(outcomes)
{
	json_t	*r;

	r = json_pack("{s:b}", "ok", 1);
	ck_assert_int_eq(alert_outcome_of(r), TOOL_OK);
	json_decref(r);
#define ERR(t, want) do {						\
	r = json_pack("{s:b, s:{s:s}}", "ok", 0, "error", "type", t);	\
	ck_assert_int_eq(alert_outcome_of(r), want);			\
	json_decref(r);							\
} while (0)
	ERR("Timeout", TOOL_TIMEOUT);
	ERR("MemoryLimit", TOOL_MEMORY);
	ERR("ValidationError", TOOL_DENIED);
	ERR("ToolError", TOOL_ERROR);
	ERR("SandboxError", TOOL_ERROR);
	ERR("OutputLimit", TOOL_ERROR);
#undef ERR
}
END_TEST

START_TEST(error_rate_window)
{
	uint64_t	t0, calls, errors;
	int		i, hit;

	ck_assert_int_eq(metrics_init(), 0);
	t0 = 600000000ULL;
	for (i = 0, hit = 0; i < 19; i++)
		hit |= metrics_tool(i % 2 ? TOOL_OK : TOOL_ERROR, t0, 20,
		    &calls, &errors);
	ck_assert_int_eq(hit, 0);		/* too few calls */
	ck_assert_int_eq(metrics_tool(TOOL_OK, t0, 20, &calls, &errors), 1);
	ck_assert_uint_eq(calls, 20);
	ck_assert_uint_eq(errors, 10);
	/* Five minutes on, the old calls have left the window. */
	ck_assert_int_eq(metrics_tool(TOOL_ERROR, t0 + 5 * 60000, 20, &calls,
	    &errors), 0);
	ck_assert_uint_eq(calls, 1);
}
END_TEST

START_TEST(exposition)
{
	struct metrics_gauges	g;
	char			*s;
	size_t			len;

	ck_assert_int_eq(metrics_init(), 0);
	metrics_http("health", 200, 0.003);
	metrics_http("health", 200, 0.2);
	metrics_http("health", 503, 40);
	metrics_http(NULL, 404, 0.001);
	memset(&g, 0, sizeof(g));
	g.sandbox_up = 1;
	g.sandbox_running = 2;
	s = metrics_render(&g, &len);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(strlen(s), len);
	ck_assert_ptr_nonnull(strstr(s, "mcpbox_http_requests_total{route="
	    "\"health\",status=\"200\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(s, "mcpbox_http_requests_total{route="
	    "\"unknown\",status=\"404\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(s, "_bucket{route=\"health\",le=\"0.005\"}"
	    " 1\n"));
	ck_assert_ptr_nonnull(strstr(s, "_bucket{route=\"health\",le=\"0.25\"}"
	    " 2\n"));
	ck_assert_ptr_nonnull(strstr(s, "_bucket{route=\"health\",le=\"30\"}"
	    " 2\n"));
	ck_assert_ptr_nonnull(strstr(s, "_bucket{route=\"health\",le=\"+Inf\"}"
	    " 3\n"));
	ck_assert_ptr_nonnull(strstr(s, "mcpbox_sandbox_running 2\n"));
	free(s);
}
END_TEST

int
main(void)
{
	Suite	*s;
	TCase	*tc;
	SRunner	*sr;
	int	failed;

	s = suite_create("alert");
	tc = tcase_create("core");
	tcase_add_test(tc, format_by_url);
	tcase_add_test(tc, payload_shapes);
	tcase_add_test(tc, raise_dedups_across_processes);
	tcase_add_test(tc, huge_details_stay_one_line);
	tcase_add_test(tc, outcomes);
	tcase_add_test(tc, error_rate_window);
	tcase_add_test(tc, exposition);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
