/*
 * request.c -- checking what clients ask for.
 *
 * Every field of a request is validated here, in the supervisor, before a
 * child exists: types, ranges, host allowlist entries, module names.  A
 * bad request is a ValidationError answered at once; the child only ever
 * receives a request this file built itself.  The checked-code key is the
 * SHA-256 of the code and the module allowlist, because the AST check
 * depends on both.
 */
#include <openssl/evp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server.h"

json_t *
error_obj(const char *type, const char *msg)
{
	return (json_pack("{s:s,s:s}", "type", type, "message", msg));
}

static void
req_protocol_error(struct conn *c, json_t *id, const char *msg)
{
	json_t	*r;

	r = json_pack("{s:O,s:b,s:o}", "id", id ? id : json_null(), "ok", 0,
	    "error", error_obj(SBX_ERR_PROTOCOL, msg));
	conn_send(c, r);
}

static int
req_int_field(const json_t *req, const char *k, int def, int lo, int hi,
    int *out)
{
	json_t	*v = json_object_get(req, k);

	if (v == NULL || json_is_null(v)) {
		*out = def;
		return (0);
	}
	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi)
		return (-1);
	*out = (int)json_integer_value(v);
	return (0);
}

static int
req_parse_hosts(struct job *j, const json_t *a, char *err, size_t errlen)
{
	json_t		*h, *port, *priv;
	const char	*name;
	size_t		 i;

	if (a == NULL || json_is_null(a))
		return (0);
	if (!json_is_array(a) || json_array_size(a) > SBX_MAX_HOSTS) {
		snprintf(err, errlen, "allowed_hosts must be a list of at "
		    "most %d entries", SBX_MAX_HOSTS);
		return (-1);
	}
	j->hosts = calloc(json_array_size(a) + 1, sizeof(*j->hosts));
	json_array_foreach(a, i, h) {
		name = json_string_value(json_object_get(h, "host"));
		port = json_object_get(h, "port");
		priv = json_object_get(h, "private");
		if (name == NULL || !sbx_policy_hostname_ok(name) ||
		    (port != NULL && !json_is_null(port) &&
		    (!json_is_integer(port) || json_integer_value(port) < 1 ||
		    json_integer_value(port) > 65535)) ||
		    (priv != NULL && !json_is_boolean(priv))) {
			snprintf(err, errlen, "allowed_hosts entries need a "
			    "host name, a port of 1-65535 or null and "
			    "private true or false (or absent)");
			return (-1);
		}
		j->hosts[i].private = json_is_true(priv);
		snprintf(j->hosts[i].host, sizeof(j->hosts[i].host), "%s",
		    name);
		j->hosts[i].port = json_is_integer(port) ?
		    (int)json_integer_value(port) : 0;
	}
	j->nhosts = json_array_size(a);
	return (0);
}

static void
req_checked_key(struct job *j, const char *code, const json_t *mods)
{
	unsigned char	 md[32];
	unsigned int	 mdlen = 0;
	char		*m;
	EVP_MD_CTX	*ctx;
	int		 i;

	m = mods ? json_dumps(mods, JSON_COMPACT) : strdup("default");
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL || m == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, code, strlen(code) + 1) != 1 ||
	    EVP_DigestUpdate(ctx, m, strlen(m)) != 1 ||
	    EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32)
		j->checked_key[0] = '\0';
	else
		for (i = 0; i < 32; i++)
			snprintf(j->checked_key + i * 2, 3, "%02x", md[i]);
	EVP_MD_CTX_free(ctx);
	free(m);
}

/*
 * Check an execute/validate request and build the child's request.
 * Returns -1 with err filled for a ValidationError.
 */
static int
req_parse_call(struct job *j, const json_t *req, char *err, size_t errlen)
{
	json_t		*code, *args, *sec, *mods, *m, *creq, *v;
	const char	*k, *entry;
	size_t		 i;
	int		 mem, rewrite;

	code = json_object_get(req, "code");
	args = json_object_get(req, "args");
	sec = json_object_get(req, "secrets");
	mods = json_object_get(req, "allowed_modules");
	if (!json_is_string(code)) {
		snprintf(err, errlen, "code must be a string");
		return (-1);
	}
	if (strlen(json_string_value(code)) != json_string_length(code)) {
		snprintf(err, errlen, "code must not contain NUL");
		return (-1);
	}
	if (args != NULL && !json_is_null(args) && !json_is_object(args)) {
		snprintf(err, errlen, "args must be an object");
		return (-1);
	}
	if (sec != NULL && !json_is_null(sec)) {
		if (!json_is_object(sec)) {
			snprintf(err, errlen, "secrets must be an object");
			return (-1);
		}
		json_object_foreach(sec, k, v) {
			if (!json_is_string(v)) {
				snprintf(err, errlen, "secret values must be "
				    "strings");
				return (-1);
			}
		}
	}
	if (mods != NULL && !json_is_null(mods)) {
		if (!json_is_array(mods) || json_array_size(mods) > 256) {
			snprintf(err, errlen, "allowed_modules must be a list "
			    "of module names");
			return (-1);
		}
		json_array_foreach(mods, i, m) {
			if (!json_is_string(m) || json_string_length(m) > 100) {
				snprintf(err, errlen, "allowed_modules must be "
				    "a list of module names");
				return (-1);
			}
		}
	} else
		mods = NULL;
	if (req_int_field(req, "timeout_ms", 30000, 1, 600000,
	    &j->timeout_ms) ||
	    req_int_field(req, "memory_mb", 256, 16, 4096, &mem)) {
		snprintf(err, errlen, "timeout_ms must be 1-600000 and "
		    "memory_mb 16-4096");
		return (-1);
	}
	if (j->kind == JOB_EXEC && req_parse_hosts(j, json_object_get(req,
	    "allowed_hosts"), err, errlen) == -1)
		return (-1);
	if (j->kind == JOB_EXEC && sbx_secrets_from_json(&j->secrets, sec))
		return (-1);
	j->cpu_s = (j->timeout_ms + 999) / 1000 + 1;
	creq = json_pack("{s:s,s:O,s:i,s:i}", "mode",
	    j->kind == JOB_EXEC ? SBX_OP_EXECUTE : SBX_OP_VALIDATE, "code", code,
	    "memory_mb", mem, "cpu_s", j->cpu_s);
	if (creq == NULL)
		return (-1);
	if (j->kind == JOB_EXEC) {
		req_checked_key(j, json_string_value(code), mods);
		if ((rewrite = job_checked_lookup(j->checked_key)) != -1) {
			json_object_set_new(creq, "checked", json_true());
			json_object_set_new(creq, "rewrite",
			    json_boolean(rewrite));
		}
	}
	json_object_set_new(creq, "args", args && json_is_object(args) ?
	    json_incref(args) : json_object());
	/* Which function the call runs: a tool's or prompt's main, a
	 * resource's read; nothing else can be named. */
	entry = json_string_value(json_object_get(req, "entry"));
	if (entry != NULL && (strcmp(entry, SBX_ENTRY_READ) == 0 ||
	    strcmp(entry, SBX_ENTRY_COMPLETE) == 0))
		json_object_set_new(creq, "entry", json_string(entry));
	if (j->kind == JOB_EXEC && sec != NULL && json_is_object(sec))
		json_object_set(creq, "secrets", sec);
	if (mods != NULL)
		json_object_set(creq, "allowed_modules", mods);
#ifdef SBX_TESTING
	if (json_is_false(json_object_get(req, "python_layers")))
		json_object_set_new(creq, "python_layers", json_false());
#endif
	if (sbx_frame_put_json(&j->req, creq) == -1) {
		json_decref(creq);
		return (-1);
	}
	json_decref(creq);
	return (0);
}

static void
req_job_enqueue(struct job *j)
{
	struct job	**pp = &S.jobs;

	while (*pp)
		pp = &(*pp)->next;
	*pp = j;
}

static void
req_op_health(struct conn *c, json_t *id)
{
	conn_send(c, json_pack("{s:O,s:b,s:i,s:i,s:i,s:s,s:I,s:I,s:b,s:I}",
	    "id", id, "ok", 1, "running", S.running, "queued", S.queued,
	    "concurrency", S.cfg->concurrency, "python", sbx_zygote_python(),
	    "uptime_ms", (json_int_t)(sbx_now_ms() - S.started), "pid",
	    (json_int_t)getpid(), "namespaces", sbx_zygote_isolated(),
	    "helpers_started", (json_int_t)S.helpers));
}

static void
req_op_cancel(struct conn *c, json_t *id, json_t *req)
{
	json_t		*target = json_object_get(req, "target");
	struct job	*j;
	int		 hit = 0;

	for (j = S.jobs; target && j; j = j->next) {
		if (j->conn != c || j->answered || j->kind == JOB_INSTALL ||
		    !json_equal(j->id, target))
			continue;
		job_fail(j, "Cancelled", "the call was cancelled");
		job_stop_processes(j);
		if (j->state == J_QUEUED) {
			j->state = J_DONE;
			S.queued--;
		}
		hit = 1;
	}
	conn_send(c, json_pack("{s:O,s:b,s:b}", "id", id, "ok", 1,
	    "cancelled", hit));
}

/* The client's answer to a call's question (job_ask_frame). */
static void
req_op_answer(struct conn *c, json_t *id, json_t *req)
{
	json_t		*target = json_object_get(req, "target");
	json_t		*ask = json_object_get(req, "ask");
	struct job	*j;
	int		 hit = 0;

	for (j = S.jobs; target && json_is_integer(ask) && j; j = j->next) {
		if (j->conn != c || j->kind != JOB_EXEC ||
		    !json_equal(j->id, target))
			continue;
		hit |= job_ask_answer(j, (int)json_integer_value(ask),
		    json_object_get(req, "result"), json_string_value(
		    json_object_get(req, "error")));
	}
	conn_send(c, json_pack("{s:O,s:b,s:b}", "id", id, "ok", 1,
	    "delivered", hit));
}

/* install, or resolve (which version an install would take). */
static void
req_op_install(struct conn *c, json_t *id, json_t *req, int resolve)
{
	struct job	*j;
	char		 err[256];
	pid_t		 pid;

	if ((j = job_new(c, id, JOB_INSTALL)) == NULL)
		return;
	if (S.cfg->packages_dir == NULL) {
		j->state = J_DONE;
		job_answer(j, json_pack("{s:b,s:{s:s,s:s}}", "ok", 0, "error",
		    "type", SBX_ERR_INSTALL, "message", "the installer is "
		    "disabled (no --packages-dir)"));
		job_free(j);
		return;
	}
	if (S.installs >= MAX_INSTALLS) {
		job_fail(j, "Busy", "an install is already running");
		job_free(j);
		return;
	}
	j->resolve = resolve;
	pid = sbx_install_spawn(req, resolve, j->target,
	    sizeof(j->target), &j->child.from_fd, err, sizeof(err));
	if (pid <= 0) {
		job_answer(j, json_pack("{s:b,s:{s:s,s:s}}", "ok", 0, "error",
		    "type", SBX_ERR_INSTALL, "message", err));
		job_free(j);
		return;
	}
	j->pid = pid;
	j->child_live = 1;
	j->state = J_RUNNING;
	S.installs++;
	req_job_enqueue(j);
}

static void
req_op_lookup(struct conn *c, json_t *id, json_t *req)
{
	struct job	*j;

	if ((j = job_new(c, id, JOB_LOOKUP)) == NULL)
		return;
	job_lookup_start(j, req);
	if (j->broker_pid == 0) {
		job_free(j);
		return;
	}
	req_job_enqueue(j);
}

static void
req_op_call(struct conn *c, json_t *id, json_t *req, int kind)
{
	struct job	*j;
	char		 err[256];

	if ((j = job_new(c, id, kind)) == NULL)
		return;
	err[0] = '\0';
	if (req_parse_call(j, req, err, sizeof(err)) == -1) {
		job_fail(j, SBX_ERR_VALIDATION, err[0] ? err :
		    "the request could not be prepared");
		job_free(j);
		return;
	}
	if (S.running >= S.cfg->concurrency) {
		if (S.queued >= S.cfg->queue || S.stopping) {
			job_fail(j, "Busy", "the sandbox is at capacity; "
			    "retry later");
			job_free(j);
			return;
		}
		j->state = J_QUEUED;
		S.queued++;
		req_job_enqueue(j);
		return;
	}
	req_job_enqueue(j);
	job_start(j);
}

/* One request frame from a client (ownership of req stays with caller). */
void
job_request(struct conn *c, json_t *req)
{
	json_t		*id = json_object_get(req, "id");
	const char	*op;

	if (id == NULL)
		id = json_null();
	if (json_is_object(id) || json_is_array(id)) {
		req_protocol_error(c, NULL, "id must be a JSON scalar");
		return;
	}
	if ((op = json_string_value(json_object_get(req, "op"))) == NULL) {
		req_protocol_error(c, id, "missing op");
		return;
	}
	if (strcmp(op, SBX_OP_EXECUTE) == 0)
		req_op_call(c, id, req, JOB_EXEC);
	else if (strcmp(op, SBX_OP_VALIDATE) == 0)
		req_op_call(c, id, req, JOB_VALIDATE);
	else if (strcmp(op, SBX_OP_HEALTH) == 0)
		req_op_health(c, id);
	else if (strcmp(op, SBX_OP_CANCEL) == 0)
		req_op_cancel(c, id, req);
	else if (strcmp(op, SBX_OP_ANSWER) == 0)
		req_op_answer(c, id, req);
	else if (strcmp(op, SBX_OP_INSTALL) == 0)
		req_op_install(c, id, req, 0);
	else if (strcmp(op, SBX_OP_RESOLVE) == 0)
		req_op_install(c, id, req, 1);
	else if (strcmp(op, SBX_OP_LOOKUP) == 0)
		req_op_lookup(c, id, req);
	else
		req_protocol_error(c, id, "unknown op");
}
