/*
 * The alert sender: a small process the parent forks once, before the
 * workers, that turns alert lines into an activity entry and a webhook
 * POST.
 *
 * Why a process and not a thread in a worker: a webhook may take seconds
 * or hang, DNS may stall, and the workers run under a seccomp filter where
 * every new library path (libcurl's resolver threads, its TLS stack) would
 * need syscalls added and tested. Here none of that applies: the process
 * is not a worker, so it may block, and a slow receiver only delays the
 * next alert, never a request. Workers and the keeper reach it through a
 * non-blocking pipe (core/alert.c); de-duplication already happened there.
 *
 * Delivery: up to three attempts with a short pause, 2xx counts as
 * delivered, redirects are not followed (a webhook that redirects is a
 * misconfiguration, and following one could carry the alert elsewhere).
 * The URL is never logged: Slack and Discord URLs are credentials.
 */
#include <sys/prctl.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libpq-fe.h>

#include "db/blocking.h"
#include "core/core.h"
#include "db/sql_ops.h"
#include "ops/ops.h"

#define ALERTER_ATTEMPTS	3
#define ALERTER_LINE_MAX	8192

static PGconn	*alerter_db;

static size_t
alerter_discard(void *p, size_t sz, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return (sz * n);
}

static int
alerter_post(const char *body)
{
	struct curl_slist	*hdrs;
	CURL			*h;
	CURLcode		rc;
	long			code;
	char			ua[64];

	if ((h = curl_easy_init()) == NULL)
		return (-1);
	(void)snprintf(ua, sizeof(ua), "mcpbox/%s", MCPBOX_VERSION);
	hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	(void)curl_easy_setopt(h, CURLOPT_URL, mcpbox_cfg.alert_webhook_url);
	(void)curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	(void)curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	(void)curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	(void)curl_easy_setopt(h, CURLOPT_USERAGENT, ua);
	(void)curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 5L);
	(void)curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
	(void)curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	(void)curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, alerter_discard);
	rc = curl_easy_perform(h);
	code = 0;
	if (rc == CURLE_OK)
		(void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	if (rc != CURLE_OK) {
		log_warn("alert webhook failed: %s", curl_easy_strerror(rc));
		return (-1);
	}
	if (code < 200 || code > 299) {
		log_warn("alert webhook answered HTTP %ld", code);
		return (-1);
	}
	return (0);
}

/* The activity entry; a database outage must not stop the webhook. */
static void
alerter_record(json_t *a, const char *line)
{
	const char	*p[3], *sev;
	PGresult	*res;
	char		 err[256];

	if (alerter_db == NULL)
		alerter_db = db_blocking_connect(mcpbox_cfg.database_url, err,
		    sizeof(err));
	else if (PQstatus(alerter_db) != CONNECTION_OK)
		PQreset(alerter_db);
	if (alerter_db == NULL || PQstatus(alerter_db) != CONNECTION_OK) {
		log_warn("alert not recorded: the database is unreachable");
		return;
	}
	sev = json_string_value(json_object_get(a, "severity"));
	p[0] = sev != NULL && strcmp(sev, "critical") == 0 ? "error" :
	    "warning";
	p[1] = json_string_value(json_object_get(a, "message"));
	p[2] = line;
	res = PQexecParams(alerter_db, SQL_OPS_ALERT_ACTIVITY, 3, NULL, p,
	    NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		log_warn("alert not recorded: %s", PQerrorMessage(alerter_db));
	PQclear(res);
}

static void
alerter_handle(const char *line)
{
	json_error_t	e;
	json_t		*a;
	char		*body;
	int		i;

	if ((a = json_loads(line, 0, &e)) == NULL ||
	    !json_is_string(json_object_get(a, "message"))) {
		json_decref(a);
		log_warn("alert sender: unreadable alert line dropped");
		return;
	}
	alerter_record(a, line);
	if (mcpbox_cfg.alert_webhook_url == NULL) {
		json_decref(a);
		return;
	}
	body = alert_payload(mcpbox_cfg.alert_format, a);
	json_decref(a);
	if (body == NULL)
		return;
	for (i = 1; i <= ALERTER_ATTEMPTS; i++) {
		if (alerter_post(body) == 0) {
			log_info("alert delivered to the webhook");
			break;
		}
		if (i < ALERTER_ATTEMPTS)
			sleep((unsigned int)(2 * i));
		else
			log_error("alert not delivered after %d attempts",
			    ALERTER_ATTEMPTS);
	}
	free(body);
}

/* Writers keep lines whole and short; anything else is garbage. */
static void
alerter_line(char *line, enum line_kind kind, void *arg)
{
	if (kind == LINE_WHOLE)
		alerter_handle(line);
}

static void
alerter_main(int rfd, pid_t parent)
{
	char	buf[ALERTER_LINE_MAX];
	int	fd;

	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(0);
	env_wipe_secrets();
	(void)signal(SIGTERM, SIG_DFL);
	(void)signal(SIGINT, SIG_IGN);
	(void)signal(SIGHUP, SIG_IGN);
	(void)signal(SIGPIPE, SIG_IGN);
	/* Keep only the pipe and the log; never hold the write end. */
	alert_pipe_close_writer();
	for (fd = 3; fd < 1024; fd++)
		if (fd != rfd && fd != log_fd())
			(void)close(fd);
	log_set_process("alerter");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		log_error("alert sender: libcurl did not initialise");
	lines_read(rfd, buf, sizeof(buf), alerter_line, NULL);
	if (alerter_db != NULL)
		PQfinish(alerter_db);
	_exit(0);
}

pid_t
alerter_start(int rfd)
{
	pid_t	pid, parent;

	parent = getpid();
	if ((pid = fork()) == -1)
		return (-1);
	if (pid == 0)
		alerter_main(rfd, parent);
	return (pid);
}
