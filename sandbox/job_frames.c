/*
 * job_frames.c -- what a running child sends besides its answer: HTTP
 * requests for the broker (and the broker's reply), and notifications for
 * the client while it runs.  Like the answer, each is checked here and
 * redacted before it leaves the supervisor.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server.h"

/*
 * A child's HTTP request.  Scheme, host, port and allowlist are checked
 * here first: a refused request is answered at once and costs no process.
 */
void
job_http_frame(struct job *j, json_t *d)
{
	double	 left = j->deadline - sbx_now_ms();
	json_t	*refusal;

	if (j->broker_pid > 0) {
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
	    (strcmp(kind, "log") != 0 && strcmp(kind, "progress") != 0))
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
	if (strcmp(kind, "log") == 0) {
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
		if (st == SBX_FRAME_READY) {
			sbx_buf_append(&j->req, j->bin.data, 4 + (size_t)len);
			goto done;
		}
	}
	sbx_frame_put(&j->req, "{\"error\":\"HTTP broker failed\"}", 30);
done:
	sbx_buf_free(&j->bin);
	close(j->broker_fd);
	j->broker_fd = -1;
	/* Already reaped when broker_pid is 0: never kill(0, ...). */
	if (j->broker_pid > 0)
		kill(j->broker_pid, SIGKILL);
	j->broker_pid = 0;
	job_child_writable(j);
}
