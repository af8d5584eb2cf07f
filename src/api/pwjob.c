/*
 * Password work for the routes that take a password (api/auth.c,
 * api/users.c). Argon2id with 64 MiB per hash takes a good fraction of a
 * second, far too long for a worker's event loop, so hashing and
 * verifying run in a Kore task thread while the request sleeps.
 */
#include <stddef.h>
#include <string.h>

#include "api/api.h"

static void
pw_job_free(void *arg)
{
	struct pw_job	*j = arg;

	explicit_bzero(j, sizeof(*j));
	kore_free(j);
}

struct pw_job *
api_pw_job(struct api_ctx *c)
{
	if (c->state == NULL) {
		c->state = kore_calloc(1, sizeof(struct pw_job));
		c->state_free = pw_job_free;
	}
	return (c->state);
}

/* Runs in a task thread: touches only the job. */
static int
pw_task(struct kore_task *t)
{
	struct api_ctx	*c;
	struct pw_job	*j;

	c = (struct api_ctx *)(void *)((char *)t -
	    offsetof(struct api_ctx, task));
	j = c->state;
	if (j->op == PW_HASH)
		j->ok = password_hash(j->password, j->encoded,
		    sizeof(j->encoded)) == 0;
	else
		j->ok = password_verify(j->have_encoded ? j->encoded : NULL,
		    j->password);
	return (KORE_RESULT_OK);
}

/*
 * Start or poll the password task. Returns KORE_RESULT_RETRY while it
 * runs, KORE_RESULT_OK once j->ok holds the answer.
 */
int
api_pw_run(struct http_request *req, struct api_ctx *c)
{
	if (!c->task_used) {
		kore_task_create(&c->task, pw_task);
		kore_task_bind_request(&c->task, req);
		c->task_used = 1;
		kore_task_run(&c->task);
		return (KORE_RESULT_RETRY);
	}
	if (kore_task_state(&c->task) != KORE_TASK_STATE_FINISHED) {
		http_request_sleep(req);
		return (KORE_RESULT_RETRY);
	}
	kore_task_destroy(&c->task);
	c->task_used = 0;
	return (KORE_RESULT_OK);
}

int
api_username_valid(const char *u)
{
	size_t	i, n;

	n = strlen(u);
	if (n < 3 || n > 50 || !((u[0] >= 'a' && u[0] <= 'z') ||
	    (u[0] >= 'A' && u[0] <= 'Z')))
		return (0);
	for (i = 1; i < n; i++) {
		if (!((u[i] >= 'a' && u[i] <= 'z') || (u[i] >= 'A' &&
		    u[i] <= 'Z') || (u[i] >= '0' && u[i] <= '9') || u[i] == '_'))
			return (0);
	}
	return (1);
}
