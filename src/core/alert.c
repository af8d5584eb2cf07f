/*
 * Alerts: deciding that something deserves a human's attention, and
 * handing it to the sender without ever blocking the caller.
 *
 * Any process of the instance (a worker, the sandbox keeper) calls
 * alert_raise(). The alert is de-duplicated first: its key may fire once
 * per MCPBOX_ALERT_DEDUP_S across all processes, which the shared
 * rate-limit table gives us for free (bucket "alert", limit 1). Then one
 * JSON line goes into a pipe the parent created before forking. Lines stay
 * under PIPE_BUF, so writes from many processes never interleave, and the
 * write end is non-blocking: if the sender has fallen behind and the pipe
 * is full the alert is dropped and logged, because a worker that waits
 * for a webhook would stop serving requests.
 *
 * The sender process (ops/alerter.c) reads the lines, records each as an
 * activity entry of type alert and POSTs it to MCPBOX_ALERT_WEBHOOK_URL in
 * the shape alert_payload() builds for the receiving service.
 *
 * The thresholds that turn counters into alerts live here too, next to
 * the counters they read, so there is one definition of "repeated login
 * failures" and of "an error-rate spike".
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/core.h"

#define ALERT_LINE_MAX		(PIPE_BUF - 64)
#define ALERT_CHAT_MAX		1900	/* Discord's limit is 2000 chars */

/* Repeated login failures: per address, and over all addresses. */
#define LOGIN_IP_LIMIT		5
#define LOGIN_ALL_LIMIT		20
#define LOGIN_WINDOW_S		60

/* Error-rate spike: >= half of >= 20 calls in the last five minutes. */
#define TOOL_MIN_CALLS		20

static int	alert_wfd = -1;

static const char	*const alert_severity[ALERT_KINDS] = {
	"critical", "critical", "warning", "warning", "critical",
};

/* The host part of an http(s) URL, lower-cased; 0 if there is none. */
static int
alert_url_host(const char *url, char *out, size_t outlen)
{
	const char	*p, *end, *at;
	size_t		n, i;

	if ((p = strstr(url, "://")) == NULL)
		return (0);
	p += 3;
	end = p + strcspn(p, "/?#");
	/* userinfo@host: the host is after the last '@' before the path. */
	for (at = p; at < end; at++)
		if (*at == '@')
			p = at + 1;
	n = strcspn(p, ":/?#");
	if (p + n > end)
		n = (size_t)(end - p);
	if (n == 0 || n >= outlen)
		return (0);
	for (i = 0; i < n; i++)
		out[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]);
	out[n] = '\0';
	return (1);
}

static int
alert_host_is(const char *host, const char *domain)
{
	size_t	hl, dl;

	hl = strlen(host);
	dl = strlen(domain);
	if (hl == dl)
		return (strcmp(host, domain) == 0);
	return (hl > dl && host[hl - dl - 1] == '.' &&
	    strcmp(host + hl - dl, domain) == 0);
}

/*
 * The payload shape: an explicit MCPBOX_ALERT_WEBHOOK_FORMAT wins, else
 * the URL's host decides. -1 for an unknown explicit format.
 */
int
alert_format_for(const char *url, const char *override)
{
	char	host[256];

	if (override != NULL && *override != '\0') {
		if (strcasecmp(override, "generic") == 0)
			return (ALERT_FORMAT_GENERIC);
		if (strcasecmp(override, "slack") == 0)
			return (ALERT_FORMAT_SLACK);
		if (strcasecmp(override, "discord") == 0)
			return (ALERT_FORMAT_DISCORD);
		return (-1);
	}
	if (url == NULL || !alert_url_host(url, host, sizeof(host)))
		return (ALERT_FORMAT_GENERIC);
	if (strcmp(host, "hooks.slack.com") == 0)
		return (ALERT_FORMAT_SLACK);
	if (alert_host_is(host, "discord.com") || alert_host_is(host,
	    "discordapp.com"))
		return (ALERT_FORMAT_DISCORD);
	return (ALERT_FORMAT_GENERIC);
}

/*
 * The webhook body for one alert line (as alert_raise wrote it). Chat
 * services take one text field and ignore the rest, so they get a single
 * readable line; everything else gets the structured object.
 */
char *
alert_payload(int format, json_t *alert)
{
	char		text[ALERT_CHAT_MAX + 1];
	const char	*sev, *name, *msg;
	json_t		*out;
	char		*s;

	if (format == ALERT_FORMAT_GENERIC)
		return (json_dumps(alert, JSON_COMPACT));
	sev = json_string_value(json_object_get(alert, "severity"));
	name = json_string_value(json_object_get(alert, "alert"));
	msg = json_string_value(json_object_get(alert, "message"));
	(void)snprintf(text, sizeof(text), "[MCPbox %s] %s: %s",
	    sev != NULL ? sev : "warning", name != NULL ? name : "alert",
	    msg != NULL ? msg : "");
	out = json_pack("{s:s}", format == ALERT_FORMAT_SLACK ? "text" :
	    "content", text);
	if (out == NULL)
		return (NULL);
	s = json_dumps(out, JSON_COMPACT);
	json_decref(out);
	return (s);
}

/* Parent, before any fork: the pipe every process writes alerts into. */
int
alert_pipe(int *read_fd)
{
	int	fds[2];

	if (pipe2(fds, O_CLOEXEC) == -1)
		return (-1);
	if (fcntl(fds[1], F_SETFL, O_NONBLOCK) == -1) {
		(void)close(fds[0]);
		(void)close(fds[1]);
		return (-1);
	}
	alert_wfd = fds[1];
	*read_fd = fds[0];
	return (0);
}

/* The sender must not hold a write end, or it never sees EOF. */
void
alert_pipe_close_writer(void)
{
	if (alert_wfd != -1)
		(void)close(alert_wfd);
	alert_wfd = -1;
}

/*
 * Raise an alert. `details` is stolen (may be NULL). Returns 1 if it was
 * handed to the sender, 0 if it was a duplicate or could not be queued.
 */
int
alert_raise(enum alert_kind kind, const char *key, const char *message,
    json_t *details)
{
	char	dkey[RATELIMIT_KEY_MAX + 1], now[32], *line;
	json_t	*a;
	size_t	len;
	ssize_t	w;

	if ((int)kind < 0 || kind >= ALERT_KINDS) {
		json_decref(details);
		return (0);
	}
	(void)snprintf(dkey, sizeof(dkey), "%s:%s", metrics_alert_name(kind),
	    key != NULL ? key : "");
	if (!ratelimit_take("alert", dkey, 1, mcpbox_cfg.alert_dedup_s, clock_ms(),
	    NULL)) {
		json_decref(details);
		return (0);
	}
	metrics_alert(kind);
	clock_iso8601(now);
	a = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s}", "source", "mcpbox",
	    "alert", metrics_alert_name(kind), "severity", alert_severity[kind],
	    "message", message, "details",
	    details != NULL ? details : json_object(), "time", now);
	if (a == NULL)
		return (0);
	log_emit(LOG_LEVEL_WARN, "alert raised", a);
	line = json_dumps(a, JSON_COMPACT);
	if (line != NULL && strlen(line) > ALERT_LINE_MAX) {
		/* Keep the alert, lose the detail: one atomic pipe write. */
		free(line);
		json_object_set_new(a, "details", json_pack("{s:b}",
		    "truncated", 1));
		line = json_dumps(a, JSON_COMPACT);
		if (line != NULL && strlen(line) > ALERT_LINE_MAX)
			line[ALERT_LINE_MAX] = '\0';
	}
	json_decref(a);
	if (line == NULL)
		return (0);
	len = strlen(line);
	line[len++] = '\n';
	if (alert_wfd == -1) {
		free(line);
		return (0);
	}
	do {
		w = write(alert_wfd, line, len);
	} while (w == -1 && errno == EINTR);
	free(line);
	if (w != (ssize_t)len) {
		log_warn("alert dropped: the alert sender is not keeping up");
		return (0);
	}
	return (1);
}

/* A failed admin login from `ip`: count it, and alert when it repeats. */
void
alert_login_failure(const char *ip)
{
	uint64_t	now;
	char		msg[160];

	metrics_login_failure();
	now = clock_ms();
	ratelimit_fail("alert_login", ip, LOGIN_WINDOW_S, now);
	ratelimit_fail("alert_login", "*", LOGIN_WINDOW_S, now);
	if (ratelimit_blocked("alert_login", ip, LOGIN_IP_LIMIT,
	    LOGIN_WINDOW_S, now, NULL)) {
		(void)snprintf(msg, sizeof(msg), "%d or more failed admin "
		    "logins from %s within %d seconds", LOGIN_IP_LIMIT, ip,
		    LOGIN_WINDOW_S);
		(void)alert_raise(ALERT_LOGIN_FAILURES, ip, msg,
		    json_pack("{s:s, s:i, s:i}", "ip", ip, "threshold",
		    LOGIN_IP_LIMIT, "window_s", LOGIN_WINDOW_S));
	}
	if (ratelimit_blocked("alert_login", "*", LOGIN_ALL_LIMIT,
	    LOGIN_WINDOW_S, now, NULL)) {
		(void)snprintf(msg, sizeof(msg), "%d or more failed admin "
		    "logins within %d seconds", LOGIN_ALL_LIMIT,
		    LOGIN_WINDOW_S);
		(void)alert_raise(ALERT_LOGIN_FAILURES, "*", msg,
		    json_pack("{s:i, s:i}", "threshold", LOGIN_ALL_LIMIT,
		    "window_s", LOGIN_WINDOW_S));
	}
}

/* One tool call's outcome: count it, and alert on an error-rate spike. */
void
alert_tool_outcome(enum tool_outcome o)
{
	uint64_t	calls, errors;
	char		msg[160];

	if (!metrics_tool(o, clock_ms(), TOOL_MIN_CALLS, &calls, &errors))
		return;
	(void)snprintf(msg, sizeof(msg), "%llu of the last %llu tool calls "
	    "failed (5-minute window)", (unsigned long long)errors,
	    (unsigned long long)calls);
	(void)alert_raise(ALERT_TOOL_ERROR_RATE, "", msg,
	    json_pack("{s:I, s:I, s:i}", "calls", (json_int_t)calls,
	    "errors", (json_int_t)errors, "window_s", 300));
}

/*
 * The keeper saw the supervisor exit and is restarting it. Calls in
 * flight failed; if it keeps dying, the circuit breaker opens as well.
 */
void
alert_sandbox_restarted(int status, int restarts)
{
	char	msg[160];

	if (WIFSIGNALED(status))
		(void)snprintf(msg, sizeof(msg), "sandbox supervisor died "
		    "(signal %d); the keeper is restarting it (restart #%d)",
		    WTERMSIG(status), restarts);
	else
		(void)snprintf(msg, sizeof(msg), "sandbox supervisor exited "
		    "(status %d); the keeper is restarting it (restart #%d)",
		    WEXITSTATUS(status), restarts);
	(void)alert_raise(ALERT_SANDBOX_RESTARTED, "supervisor", msg,
	    json_pack("{s:i, s:i, s:i}", "signal", WIFSIGNALED(status) ?
	    WTERMSIG(status) : 0, "exit_status", WIFEXITED(status) ?
	    WEXITSTATUS(status) : -1, "restarts", restarts));
}

/*
 * A worker died and Kore started a new one in its place (this is the new
 * one, as it starts): requests it was serving failed. The signal is on the
 * error line Kore's report became (log.c, the relay).
 */
void
alert_worker_restarted(unsigned int id)
{
	char	key[16], msg[160];

	(void)snprintf(key, sizeof(key), "worker-%u", id);
	(void)snprintf(msg, sizeof(msg), "worker %u died and was restarted; "
	    "requests it was serving failed (the error line before names the "
	    "signal)", id);
	(void)alert_raise(ALERT_WORKER_RESTARTED, key, msg,
	    json_pack("{s:i}", "worker", (int)id));
}

/* The outcome label of a sandbox answer (by the protocol's error types). */
enum tool_outcome
alert_outcome_of(json_t *reply)
{
	const char	*type;

	if (json_is_true(json_object_get(reply, "ok")))
		return (TOOL_OK);
	type = json_string_value(json_object_get(json_object_get(reply,
	    "error"), "type"));
	if (type == NULL)
		return (TOOL_ERROR);
	if (strcmp(type, SBX_ERR_TIMEOUT) == 0)
		return (TOOL_TIMEOUT);
	if (strcmp(type, SBX_ERR_MEMORY) == 0)
		return (TOOL_MEMORY);
	if (strcmp(type, SBX_ERR_VALIDATION) == 0)
		return (TOOL_DENIED);
	return (TOOL_ERROR);
}
