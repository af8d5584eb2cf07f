/*
 * job.c -- requests and the life of a call.
 *
 * A request is checked here, in the supervisor, before any child sees it;
 * execute and validate become jobs that wait for a slot (at most
 * `concurrency` children, a bounded queue, then Busy), get a pre-forked
 * child if one is ready, and end in exactly one answer: the child's
 * result, or a typed error for the deadline, a cancel, an oversized or
 * malformed frame, or a child that died.  Every frame a child sends is
 * re-validated; nothing is copied through unchecked, all is redacted.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "server.h"

/*
 * Code a child already checked and ran: the SHA-256 of code + modules,
 * and whether its format rewrite changed anything.  A later call of the
 * same code skips the AST check (and the rewrite when there was nothing
 * to rewrite).  Trusting the child's word is sound: it can only say so
 * after the checks passed and its code ran, and a code that could forge
 * the report would already have had the same power in that first child.
 * Hashes only: no code is kept anywhere a child could read it.
 */
#define CHECKED_MAX	1024

static struct {
	char	key[65];
	int	rewrite;
} checked[CHECKED_MAX];
static int	nchecked;

/* -1 unknown, else whether the rewrite is needed. */
int
job_checked_lookup(const char *key)
{
	int	i;

	for (i = 0; key[0] != '\0' && i < nchecked; i++)
		if (strcmp(checked[i].key, key) == 0)
			return (checked[i].rewrite);
	return (-1);
}

static void
job_checked_remember(const char *key, int rewrite)
{
	int	i;

	if (key[0] == '\0' || job_checked_lookup(key) != -1)
		return;
	i = nchecked < CHECKED_MAX ? nchecked++ : rand() % CHECKED_MAX;
	memcpy(checked[i].key, key, sizeof(checked[i].key));
	checked[i].rewrite = rewrite;
}

static void
job_log(struct job *j, const char *outcome, double ms)
{
	static const char *kinds[] = { SBX_OP_EXECUTE, SBX_OP_VALIDATE,
	    SBX_OP_INSTALL, SBX_OP_LOOKUP };
	json_t *f;

	f = json_pack("{s:s,s:s,s:f}", "op", kinds[j->kind], "outcome",
	    outcome, "duration_ms", ms);
	sbx_log("info", "call", f);
}

/* Send body (ownership taken) as the job's one answer. */
void
job_answer(struct job *j, json_t *body)
{
	json_t		*err;
	const char	*outcome = "ok";
	double		 ms = sbx_now_ms() - j->t_recv;

	if (j->answered) {
		json_decref(body);
		return;
	}
	j->answered = 1;
	json_object_set(body, "id", j->id);
	if (j->kind != JOB_INSTALL)
		json_object_set_new(body, "duration_ms", json_real(
		    (double)(long long)(ms * 1000.0) / 1000.0));
	if ((err = json_object_get(body, "error")) != NULL)
		outcome = json_string_value(json_object_get(err, "type"));
	job_log(j, outcome ? outcome : "error", ms);
	if (j->conn != NULL)
		conn_send(j->conn, body);
	else
		json_decref(body);
}

void
job_fail(struct job *j, const char *type, const char *msg)
{
	json_t	*r;

	r = json_pack("{s:b,s:o}", "ok", 0, "error", error_obj(type, msg));
	if (j->kind == JOB_EXEC)
		json_object_set_new(r, "stdout", json_string(""));
	job_answer(j, r);
}

void
job_stop_processes(struct job *j)
{
	if (j->kind != JOB_INSTALL && j->child.tag != 0 && j->child_live)
		sbx_child_kill(&j->child);
	else {
		if (j->child.to_fd != -1)
			close(j->child.to_fd);
		if (j->child.from_fd != -1)
			close(j->child.from_fd);
		j->child.to_fd = j->child.from_fd = -1;
	}
	if (j->broker_pid > 0)
		kill(j->broker_pid, SIGKILL);
	if (j->broker_fd != -1)
		close(j->broker_fd);
	j->broker_fd = -1;
}

struct job *
job_new(struct conn *c, json_t *id, int kind)
{
	struct job	*j;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return (NULL);
	j->conn = c;
	j->id = json_incref(id);
	j->kind = kind;
	j->t_recv = sbx_now_ms();
	j->child.to_fd = j->child.from_fd = j->broker_fd = -1;
	j->req.wipe = 1;
	return (j);
}

void
job_free(struct job *j)
{
	sbx_buf_free(&j->req);
	sbx_buf_free(&j->cin);
	sbx_buf_free(&j->bin);
	sbx_secrets_free(&j->secrets);
	free(j->hosts);
	json_decref(j->id);
	free(j);
}

void
job_start(struct job *j)
{
	int	ok = 0;

	/* The oldest spare: the one most likely to have taken its warm-up. */
	if (S.npool > 0) {
		j->child = S.pool[0];
		memmove(&S.pool[0], &S.pool[1], (size_t)--S.npool *
		    sizeof(S.pool[0]));
		ok = 1;
	}
	if (!ok && sbx_zygote_spawn(&j->child) == -1) {
		j->state = J_DONE;
		job_fail(j, SBX_ERR_SANDBOX, "could not start a sandbox process");
		return;
	}
	j->child_live = 1;
	j->state = J_RUNNING;
	j->deadline = sbx_now_ms() + j->timeout_ms;
	S.running++;
	job_child_writable(j);
}

void
job_start_queued(void)
{
	struct job	*j;

	for (j = S.jobs; j && S.running < S.cfg->concurrency; j = j->next) {
		if (j->state != J_QUEUED || j->kind == JOB_INSTALL)
			continue;
		S.queued--;
		if (j->answered) {
			j->state = J_DONE;
			continue;
		}
		job_start(j);
	}
}

void
job_child_writable(struct job *j)
{
	ssize_t	n;

	while (j->req.len > 0 && j->child.to_fd != -1) {
		n = write(j->child.to_fd, j->req.data, j->req.len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		sbx_buf_consume(&j->req, (size_t)n);
	}
}

static const char *
job_type_ok(const char *t)
{
	static const char	*ok[] = { SBX_ERR_VALIDATION, SBX_ERR_OUTPUT,
	    SBX_ERR_MEMORY, SBX_ERR_TOOL, SBX_ERR_NETWORK, NULL };
	const char		**p;

	for (p = ok; t && *p; p++)
		if (strcmp(*p, t) == 0)
			return (*p);
	return (NULL);
}

static json_t *
job_redacted(struct job *j, const json_t *s)
{
	json_t	*v;

	v = json_is_string(s) ? json_stringn_nocheck(json_string_value(s),
	    json_string_length(s)) : json_string("");
	return (sbx_redact_json(&j->secrets, v));
}

/* The child's final frame: re-validate every field, redact, answer. */
static void
job_done_frame(struct job *j, json_t *d)
{
	json_t		*r, *err, *res;
	const char	*type, *msg;

	if (j->kind == JOB_VALIDATE) {
		if (!json_is_true(json_object_get(d, "ok")) ||
		    !json_is_boolean(json_object_get(d, "valid")) ||
		    !json_is_array(json_object_get(d, "errors"))) {
			err = json_object_get(d, "error");
			type = job_type_ok(json_string_value(
			    json_object_get(err, "type")));
			msg = json_string_value(json_object_get(err, "message"));
			job_fail(j, type ? type : SBX_ERR_SANDBOX,
			    msg ? msg : "validation failed");
			return;
		}
		r = json_pack("{s:b,s:O,s:b,s:O,s:b,s:O,s:O}", "ok", 1,
		    "valid", json_object_get(d, "valid"), "runs",
		    json_is_true(json_object_get(d, "runs")), "errors",
		    json_object_get(d, "errors"), "has_main",
		    json_is_true(json_object_get(d, "has_main")),
		    "input_schema", json_object_get(d, "input_schema") ?
		    json_object_get(d, "input_schema") : json_null(),
		    "output_schema", json_is_object(json_object_get(d,
		    "output_schema")) ? json_object_get(d, "output_schema") :
		    json_null());
		job_answer(j, r);
		return;
	}
	if (json_is_true(json_object_get(d, "compiled")))
		job_checked_remember(j->checked_key, !json_is_integer(
		    json_object_get(d, "rewrites")) || json_integer_value(
		    json_object_get(d, "rewrites")) != 0);
	if (json_is_true(json_object_get(d, "ok")) &&
	    (res = json_object_get(d, "result")) != NULL) {
		r = json_pack("{s:b,s:o,s:o}", "ok", 1, "result",
		    sbx_redact_json(&j->secrets, json_deep_copy(res)),
		    "stdout", job_redacted(j, json_object_get(d, "stdout")));
		job_answer(j, r);
		return;
	}
	err = json_object_get(d, "error");
	type = job_type_ok(json_string_value(json_object_get(err, "type")));
	if (type == NULL || !json_is_string(json_object_get(err, "message"))) {
		job_fail(j, SBX_ERR_SANDBOX, "the tool's answer was malformed");
		return;
	}
	r = json_pack("{s:b,s:{s:s,s:o},s:o}", "ok", 0, "error", "type", type,
	    "message", job_redacted(j, json_object_get(err, "message")),
	    "stdout", job_redacted(j, json_object_get(d, "stdout")));
	job_answer(j, r);
}

void
job_child_readable(struct job *j)
{
	uint8_t		 buf[65536];
	ssize_t		 n;
	uint32_t	 len;
	json_t		*d;
	const char	*op;
	int		 st;

	for (;;) {
		n = read(j->child.from_fd, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return;
		if (n == 0) {
			j->eof = 1;
			close(j->child.from_fd);
			j->child.from_fd = -1;
			return;
		}
		if (j->answered)
			continue;
		if (sbx_buf_append(&j->cin, buf, (size_t)n) == -1)
			return;
		while ((st = sbx_frame_next(&j->cin, SBX_CHILD_FRAME_MAX,
		    &len)) == SBX_FRAME_READY) {
			d = sbx_frame_parse(j->cin.data + 4, len, NULL, 0);
			sbx_buf_consume(&j->cin, 4 + (size_t)len);
			op = json_string_value(json_object_get(d, "op"));
			if (d != NULL && op && strcmp(op, "http") == 0 &&
			    j->kind == JOB_EXEC)
				job_http_frame(j, d);
			else if (d != NULL && op && strcmp(op, "notify") == 0 &&
			    j->kind == JOB_EXEC)
				job_notify_frame(j, d);
			else if (d != NULL && op && strcmp(op, "ask") == 0 &&
			    j->kind == JOB_EXEC)
				job_ask_frame(j, d);
			else if (d != NULL && op && strcmp(op, "done") == 0) {
				job_done_frame(j, d);
				job_stop_processes(j);
			} else if (d == NULL && len > 0) {
				job_fail(j, SBX_ERR_TOOL, "the tool's result "
				    "could not be encoded (integers must fit "
				    "in 64 bits)");
				job_stop_processes(j);
			} else {
				job_fail(j, SBX_ERR_SANDBOX, "unexpected frame "
				    "from the sandbox process");
				job_stop_processes(j);
			}
			json_decref(d);
			if (j->answered)
				return;
		}
		if (st == SBX_FRAME_TOOBIG) {
			job_fail(j, SBX_ERR_OUTPUT, "the tool's output exceeded "
			    "the frame limit");
			job_stop_processes(j);
			return;
		}
	}
}

/* Why did a child end without an answer?  Only the exit status says. */
static void
job_classify(struct job *j)
{
	int	st = j->status, sig;

	if (WIFSIGNALED(st)) {
		sig = WTERMSIG(st);
		if (sig == SIGSYS)
			job_fail(j, SBX_ERR_SANDBOX, "the tool attempted a "
			    "forbidden system call and was stopped");
		else if (sig == SIGXCPU)
			job_fail(j, SBX_ERR_TIMEOUT, "CPU time limit exceeded");
		else if (sig == SIGKILL)
			job_fail(j, SBX_ERR_TIMEOUT, "the tool was stopped at its "
			    "CPU or memory limit");
		else if (sig == SIGSEGV || sig == SIGBUS)
			job_fail(j, SBX_ERR_SANDBOX, "the tool's process "
			    "crashed (stack or memory exhausted)");
		else if (sig == SIGXFSZ)
			job_fail(j, SBX_ERR_SANDBOX, "the tool tried to write "
			    "a file");
		else
			job_fail(j, SBX_ERR_SANDBOX, "the tool's process was "
			    "killed");
	} else if (WIFEXITED(st) && WEXITSTATUS(st) >= 120 &&
	    WEXITSTATUS(st) <= 124)
		job_fail(j, SBX_ERR_SANDBOX, "sandbox set-up failed");
	else
		job_fail(j, SBX_ERR_SANDBOX, "the tool exited without a result");
}

void
job_reaped(struct job *j, int status)
{
	j->status = status;
	j->reaped = 1;
	if (j->kind == JOB_INSTALL) {
		job_install_readable(j);
		S.installs--;
		if (!j->answered)
			job_answer(j, sbx_install_finish(j->target,
			    WIFEXITED(status) ? WEXITSTATUS(status) : -1,
			    (const char *)j->cin.data, j->cin.len, j->resolve));
		if (j->child.from_fd != -1)
			close(j->child.from_fd);
		j->child.from_fd = -1;
		j->child_live = 0;
		j->state = J_DONE;
		return;
	}
	j->child_live = 0;
	S.running--;
	if (j->child.from_fd != -1)
		job_child_readable(j);
	if (!j->answered)
		job_classify(j);
	job_stop_processes(j);
	j->state = J_DONE;
}

/* The zygote reports that a call's child ended. */
void
job_child_exited(uint32_t tag, int status)
{
	struct job	*j;

	for (j = S.jobs; j; j = j->next) {
		if (j->kind != JOB_INSTALL && j->child_live &&
		    j->child.tag == tag) {
			job_reaped(j, status);
			return;
		}
	}
}

void
job_install_readable(struct job *j)
{
	uint8_t	buf[8192];
	ssize_t	n;

	while (j->child.from_fd != -1) {
		n = read(j->child.from_fd, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0) {
				close(j->child.from_fd);
				j->child.from_fd = -1;
			}
			return;
		}
		/* Keep the tail: pip's reason comes last. */
		if (j->cin.len + (size_t)n > 65536)
			sbx_buf_consume(&j->cin, j->cin.len + (size_t)n - 65536);
		sbx_buf_append(&j->cin, buf, (size_t)n);
	}
}

void
job_check_deadlines(double now)
{
	struct job	*j;
	char		 late[64];
	for (j = S.jobs; j; j = j->next) {
		if (j->state == J_RUNNING && j->asking &&
		    now >= j->ask_deadline && now < j->deadline) {
			(void)snprintf(late, sizeof(late), "the client did not "
			    "answer within %d s", SBX_ASK_WAIT_S);
			(void)job_ask_answer(j, j->asking, NULL, late);
		}
		if (j->state != J_RUNNING || j->answered ||
		    j->kind == JOB_INSTALL || now < j->deadline)
			continue;
		job_fail(j, SBX_ERR_TIMEOUT, j->kind == JOB_LOOKUP ?
		    "the lookup timed out" : "the tool exceeded its time limit");
		job_stop_processes(j);
	}
}

int
job_next_deadline(double now)
{
	struct job	*j;
	double		 best = -1;

	for (j = S.jobs; j; j = j->next) {
		if (j->state != J_RUNNING || j->answered ||
		    j->kind == JOB_INSTALL)
			continue;
		if (best < 0 || j->deadline < best)
			best = j->deadline;
		if (j->asking && j->ask_deadline < best)
			best = j->ask_deadline;
	}
	if (best < 0)
		return (-1);
	return (best <= now ? 0 : (int)(best - now) + 1);
}

/* The client left: its calls stop, nobody is answered. */
void
job_conn_gone(struct conn *c)
{
	struct job	*j;

	for (j = S.jobs; j; j = j->next) {
		if (j->conn != c)
			continue;
		j->conn = NULL;
		j->answered = 1;
		if (j->kind != JOB_INSTALL)
			job_stop_processes(j);
	}
}

void
job_kill_all(void)
{
	struct job	*j;
	int		 i;

	for (j = S.jobs; j; j = j->next) {
		j->answered = 1;
		job_stop_processes(j);
		if (j->kind == JOB_INSTALL && j->pid > 0 && !j->reaped)
			kill(j->pid, SIGKILL);
	}
	for (i = 0; i < S.npool; i++)
		sbx_child_kill(&S.pool[i]);
	S.npool = 0;
}

void
job_free_finished(void)
{
	struct job	**pp = &S.jobs, *j;

	while ((j = *pp) != NULL) {
		/* A lookup is done once answered (also by a cancel, its
		 * deadline or its client leaving) and its helper reaped. */
		if ((j->state == J_DONE || (j->kind == JOB_LOOKUP &&
		    j->answered)) && !j->child_live && j->broker_pid == 0) {
			*pp = j->next;
			job_free(j);
		} else
			pp = &j->next;
	}
}

