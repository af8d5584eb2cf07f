/*
 * job_frames.c -- what a running child sends besides its answer: HTTP
 * requests for the broker (and the broker's reply), notifications for the
 * client while it runs, and questions for the client (and its answer).
 * Like the answer, each is checked here and redacted before it leaves the
 * supervisor.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server.h"

static void	job_lookup_answer(struct job *, const uint8_t *, uint32_t);

/*
 * A child's HTTP request.  Scheme, host, port and allowlist are checked
 * here first: a refused request is answered at once and costs no process.
 */
void
job_http_frame(struct job *j, json_t *d)
{
	double	 left = j->deadline - sbx_now_ms();
	json_t	*refusal;

	if (j->broker_pid > 0 || j->asking) {
		job_fail(j, SBX_ERR_SANDBOX, "the tool broke the broker protocol");
		job_stop_processes(j);
		return;
	}
	if ((refusal = sbx_broker_precheck(d, j->hosts, j->nhosts)) != NULL) {
		if (sbx_frame_put_json(&j->req, refusal) == -1) {
			job_fail(j, SBX_ERR_SANDBOX, "out of memory");
			job_stop_processes(j);
		} else
			job_child_writable(j);
		json_decref(refusal);
		return;
	}
	S.helpers++;
	j->broker_pid = sbx_broker_spawn(d, j->hosts, j->nhosts,
	    left > 1 ? (long)left : 1, &j->broker_fd);
	if (j->broker_pid == -1) {
		j->broker_pid = 0;
		job_fail(j, SBX_ERR_SANDBOX, "could not start the HTTP broker");
		job_stop_processes(j);
	}
}

/*
 * A notification for the client (a log message, progress): at most
 * SBX_NOTIFY_MAX a call, each at most SBX_NOTIFY_BYTES, strings redacted.
 * Those past the cap are dropped: a chatty tool is not a failed one.
 */
void
job_notify_frame(struct job *j, json_t *d)
{
	const char	*kind = json_string_value(json_object_get(d, "kind"));
	json_t		*out, *v;
	char		*text;
	size_t		 len;

	if (j->conn == NULL || j->notified >= SBX_NOTIFY_MAX || kind == NULL ||
	    (strcmp(kind, "log") != 0 && strcmp(kind, "progress") != 0 &&
	    strcmp(kind, "close_stream") != 0))
		return;
	if ((text = json_dumps(d, JSON_COMPACT)) == NULL)
		return;
	len = strlen(text);
	free(text);
	if (len > SBX_NOTIFY_BYTES)
		return;
	j->notified++;
	out = json_pack("{s:O, s:s, s:s}", "id", j->id, "op", SBX_OP_NOTIFY,
	    "kind", kind);
	if (strcmp(kind, "close_stream") == 0)
		;	/* nothing but its kind */
	else if (strcmp(kind, "log") == 0) {
		v = json_object_get(d, "level");
		json_object_set_new(out, "level", json_string(
		    json_is_string(v) ? json_string_value(v) : "info"));
		json_object_set_new(out, "data", sbx_redact_json(&j->secrets,
		    json_deep_copy(json_object_get(d, "data"))));
		if (json_is_string(json_object_get(d, "logger")))
			json_object_set_new(out, "logger", sbx_redact_json(
			    &j->secrets, json_deep_copy(json_object_get(d,
			    "logger"))));
	} else {
		if (!json_is_number(json_object_get(d, "progress"))) {
			json_decref(out);
			return;
		}
		json_object_set(out, "progress", json_object_get(d,
		    "progress"));
		if (json_is_number(json_object_get(d, "total")))
			json_object_set(out, "total", json_object_get(d,
			    "total"));
		if (json_is_string(json_object_get(d, "message")))
			json_object_set_new(out, "message", sbx_redact_json(
			    &j->secrets, json_deep_copy(json_object_get(d,
			    "message"))));
	}
	conn_send(j->conn, out);
}

/* What the child reads back for an ask (r stolen). */
static void
job_ask_reply(struct job *j, json_t *r)
{
	if (r == NULL || sbx_frame_put_json(&j->req, r) == -1) {
		job_fail(j, SBX_ERR_SANDBOX, "out of memory");
		job_stop_processes(j);
	} else
		job_child_writable(j);
	json_decref(r);
}

/*
 * A question for the client (sampling, elicitation): forwarded with the
 * call's id and a number, strings redacted; the child waits on its reply
 * pipe as for the broker.  What cannot be asked is answered at once with
 * an error the tool sees as an exception.
 */
void
job_ask_frame(struct job *j, json_t *d)
{
	const char	*kind = json_string_value(json_object_get(d, "kind"));
	json_t		*params = json_object_get(d, "params");
	const char	*why = NULL;
	char		*text, most[64];

	if (j->broker_pid > 0 || j->asking) {
		job_fail(j, SBX_ERR_SANDBOX, "the tool broke the ask protocol");
		job_stop_processes(j);
		return;
	}
	if (kind == NULL || (strcmp(kind, "sampling") != 0 &&
	    strcmp(kind, "elicitation") != 0) || !json_is_object(params))
		why = "a malformed question for the client";
	else if (j->conn == NULL)
		why = "the caller has gone";
	else if (j->asks >= SBX_ASK_MAX) {
		(void)snprintf(most, sizeof(most), "a call may ask the client "
		    "at most %d times", SBX_ASK_MAX);
		why = most;
	}
	else if ((text = json_dumps(params, JSON_COMPACT)) == NULL ||
	    strlen(text) > SBX_ASK_BYTES) {
		free(text);
		why = "a question for the client may be at most 256 KiB";
	} else
		free(text);
	if (why != NULL) {
		job_ask_reply(j, json_pack("{s:s}", "error", why));
		return;
	}
	j->asking = ++j->asks;
	j->ask_deadline = sbx_now_ms() + SBX_ASK_WAIT_MS;
	conn_send(j->conn, json_pack("{s:O, s:s, s:i, s:s, s:o}", "id", j->id,
	    "op", SBX_OP_ASK, "ask", j->asking, "kind", kind, "params",
	    sbx_redact_json(&j->secrets, json_deep_copy(params))));
}

/*
 * The answer to the open ask `ask` (the worker's SBX_OP_ANSWER, or the
 * wait's end): 1 if it went to the child.  A late or repeated answer
 * finds the ask closed and is dropped.
 */
int
job_ask_answer(struct job *j, int ask, json_t *result, const char *error)
{
	if (j->answered || j->asking == 0 || ask != j->asking)
		return (0);
	j->asking = 0;
	if (error != NULL || !json_is_object(result))
		job_ask_reply(j, json_pack("{s:s}", "error", error != NULL ?
		    error : "the client's answer was malformed"));
	else
		job_ask_reply(j, json_pack("{s:O}", "result", result));
	return (1);
}

void
job_broker_readable(struct job *j)
{
	uint8_t		buf[65536];
	ssize_t		n;
	uint32_t	len;
	int		st;

	for (;;) {
		n = read(j->broker_fd, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return;
		if (n == 0 || sbx_buf_append(&j->bin, buf, (size_t)n) == -1)
			break;
		st = sbx_frame_next(&j->bin, 4 * SBX_HTTP_BODY_MAX + 65536,
		    &len);
		if (st == SBX_FRAME_TOOBIG)
			break;
		if (st == SBX_FRAME_READY && j->kind == JOB_LOOKUP) {
			job_lookup_answer(j, j->bin.data + 4, len);
			goto done;
		}
		if (st == SBX_FRAME_READY) {
			sbx_buf_append(&j->req, j->bin.data, 4 + (size_t)len);
			goto done;
		}
	}
	if (j->kind == JOB_LOOKUP)
		job_fail(j, SBX_ERR_SANDBOX, "the lookup failed");
	else
		sbx_frame_put(&j->req, "{\"error\":\"HTTP broker failed\"}",
		    30);
done:
	sbx_buf_free(&j->bin);
	close(j->broker_fd);
	j->broker_fd = -1;
	/* Already reaped when broker_pid is 0: never kill(0, ...). */
	if (j->broker_pid > 0)
		kill(j->broker_pid, SIGKILL);
	j->broker_pid = 0;
	if (j->kind == JOB_LOOKUP)
		j->state = J_DONE;
	else
		job_child_writable(j);
}

/* The helper's answer to a lookup, passed on as the job's answer. */
static void
job_lookup_answer(struct job *j, const uint8_t *data, uint32_t len)
{
	char	 err[200];
	json_t	*r;

	if ((r = sbx_frame_parse(data, len, err, sizeof(err))) == NULL ||
	    !json_is_array(json_object_get(r, "answers"))) {
		json_decref(r);
		job_fail(j, SBX_ERR_SANDBOX, "the lookup failed");
		return;
	}
	job_answer(j, r);
}

/*
 * lookup {host, port}: what the broker would resolve host to (SBX_OP_LOOKUP).
 * A helper resolves, as for HTTP: getaddrinfo blocks.
 */
void
job_lookup_start(struct job *j, const json_t *req)
{
	const char	*host = json_string_value(json_object_get(req, "host"));
	json_t		*port = json_object_get(req, "port"), *look;
	struct job	*o;
	int		 running = 0;

	for (o = S.jobs; o != NULL; o = o->next)
		running += o->kind == JOB_LOOKUP && o->broker_pid > 0;
	if (host == NULL || !sbx_policy_hostname_ok(host) ||
	    !json_is_integer(port) || json_integer_value(port) < 1 ||
	    json_integer_value(port) > 65535) {
		job_fail(j, SBX_ERR_VALIDATION, "a lookup needs a host name "
		    "and a port of 1-65535");
		return;
	}
	if (running >= MAX_LOOKUPS) {
		job_fail(j, "Busy", "too many lookups are running; retry "
		    "shortly");
		return;
	}
	look = json_pack("{s:s,s:O}", "lookup", host, "port", port);
	S.helpers++;
	j->broker_pid = look == NULL ? -1 : sbx_broker_spawn(look, NULL, 0,
	    SBX_LOOKUP_MS, &j->broker_fd);
	json_decref(look);
	if (j->broker_pid == -1) {
		j->broker_pid = 0;
		job_fail(j, SBX_ERR_SANDBOX, "could not start the lookup");
		return;
	}
	j->state = J_RUNNING;
	j->deadline = sbx_now_ms() + SBX_LOOKUP_MS;
}
