/*
 * The external MCP client (ext.h), worker side: jobs, the
 * completion socket, the session pool and the breakers. What runs on a
 * job's thread (address rules, transports, protocol) is in wire.c.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "core/core.h"
#include "core/netaddr.h"
#include "ext/ext.h"
#include "ext/job.h"

struct ext_breaker {
	char		source[37];
	int		failures;
	uint64_t	open_until;
};

static struct {
	struct kore_event	evt;
	int			fd[2];
	int			init;
	int			inflight;
	struct ext_sess		pool[EXT_POOL_MAX];
	struct ext_breaker	br[EXT_BREAKER_MAX];
} ext;

static void	 ext_pipe_event(void *, int);

uint64_t
ext_now_ms(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static int
ext_init(void)
{
	if (ext.init)
		return (0);
	/* Before any thread exists: curl_global_init is not thread-safe. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return (-1);
	/* A socketpair, as Kore's own tasks use: the worker's seccomp
	 * filter allows it (pipe2 is not on the list). */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ext.fd) == -1)
		return (-1);
	(void)fcntl(ext.fd[0], F_SETFL, O_NONBLOCK);
	ext.evt.type = EXT_EVENT_TYPE;
	ext.evt.handle = ext_pipe_event;
	ext.evt.flags = 0;
	kore_platform_schedule_read(ext.fd[0], &ext);
	ext.init = 1;
	return (0);
}

static struct ext_breaker *
ext_breaker_find(const char *source, int create)
{
	struct ext_breaker	*b, *free_b;
	size_t			 i;

	free_b = NULL;
	for (i = 0; i < EXT_BREAKER_MAX; i++) {
		b = &ext.br[i];
		if (strcmp(b->source, source) == 0)
			return (b);
		if (free_b == NULL && (b->source[0] == '\0' ||
		    (b->failures == 0 && b->open_until < ext_now_ms())))
			free_b = b;
	}
	if (!create || free_b == NULL)
		return (NULL);
	memset(free_b, 0, sizeof(*free_b));
	(void)snprintf(free_b->source, sizeof(free_b->source), "%s", source);
	return (free_b);
}

/* Take an idle pooled session for this source, if one is fresh enough. */
static void
ext_pool_take(struct ext_job *j)
{
	size_t	i;

	for (i = 0; i < EXT_POOL_MAX; i++) {
		struct ext_sess	*s = &ext.pool[i];

		if (s->easy == NULL || s->in_use)
			continue;
		if (ext_now_ms() - s->used_ms > EXT_POOL_AGE_MS) {
			curl_easy_cleanup(s->easy);
			memset(s, 0, sizeof(*s));
			continue;
		}
		if (strcmp(s->source, j->source) == 0 && s->fp == j->fp) {
			j->sess = *s;
			memset(s, 0, sizeof(*s));
			return;
		}
	}
}

/* Give the job's session back, evicting the least recently used. */
static void
ext_pool_return(struct ext_job *j)
{
	struct ext_sess	*slot;
	size_t		 i;

	if (j->sess.easy == NULL)
		return;
	if (!j->keep_session || j->sess.session[0] == '\0') {
		curl_easy_cleanup(j->sess.easy);
		j->sess.easy = NULL;
		return;
	}
	slot = NULL;
	for (i = 0; i < EXT_POOL_MAX; i++) {
		if (ext.pool[i].easy == NULL) {
			slot = &ext.pool[i];
			break;
		}
		if (slot == NULL || ext.pool[i].used_ms < slot->used_ms)
			slot = &ext.pool[i];
	}
	if (slot->easy != NULL)
		curl_easy_cleanup(slot->easy);
	*slot = j->sess;
	(void)snprintf(slot->source, sizeof(slot->source), "%s", j->source);
	slot->fp = j->fp;
	slot->used_ms = ext_now_ms();
	slot->in_use = 0;
	j->sess.easy = NULL;
}

static void
ext_job_release(struct ext_job *j)
{
	if (j->sess.easy != NULL)
		curl_easy_cleanup(j->sess.easy);
	ext_json_scrub(j->src);
	ext_json_scrub(j->result);
	ext_json_scrub(j->new_tokens);
	json_decref(j->src);
	json_decref(j->args);
	json_decref(j->result);
	json_decref(j->new_tokens);
	free(j);
}

static void
ext_job_finished(struct ext_job *j)
{
	struct ext_breaker	*b;

	ext.inflight--;
	j->running = 0;
	j->done = 1;
	ext_pool_return(j);
	/* Stored even when nobody waits for the answer any more: the old
	 * refresh token may already be spent. */
	if (j->new_tokens != NULL)
		ext_tokens_store_refreshed(j->source, j->new_tokens);
	if ((b = ext_breaker_find(j->source, j->transport_failed)) != NULL) {
		if (j->transport_failed) {
			if (++b->failures >= EXT_BREAKER_TRIP)
				b->open_until = ext_now_ms() + EXT_BREAKER_COOL_MS;
		} else {
			b->failures = 0;
			b->open_until = 0;
		}
	}
	if (j->orphan) {
		ext_job_release(j);
		return;
	}
	if (j->req != NULL)
		http_request_wakeup(j->req);
}

static void
ext_pipe_event(void *arg, int error)
{
	struct ext_job	*j;
	ssize_t		 r;

	for (;;) {
		r = read(ext.fd[0], &j, sizeof(j));
		if (r == -1 && errno == EINTR)
			continue;
		if (r != (ssize_t)sizeof(j))
			break;
		ext_job_finished(j);
	}
	ext.evt.flags &= ~KORE_EVENT_READ;
}

struct ext_job *
ext_job_start(struct http_request *req, enum ext_op op, json_t *src,
    const char *tool, json_t *args, int timeout_ms)
{
	struct ext_job		*j;
	struct ext_breaker	*b;
	pthread_attr_t		 attr;
	pthread_t		 th;
	const char		*id;

	j = calloc(1, sizeof(*j));
	if (j == NULL)
		fatal("ext_job_start: calloc");
	j->op = op;
	j->src = src;
	j->req = req;
	j->timeout_ms = timeout_ms;
	id = json_string_value(json_object_get(src, "id"));
	(void)snprintf(j->source, sizeof(j->source), "%s", id ? id : "");
	(void)snprintf(j->tool, sizeof(j->tool), "%s", tool ? tool : "");
	j->args = args != NULL ? json_deep_copy(args) : json_object();
	j->fp = hash_str(hash_str(hash_str(HASH_SEED, json_string_value(
	    json_object_get(src, "url"))), json_string_value(
	    json_object_get(src, "auth_header"))), json_string_value(
	    json_object_get(src, "auth_value")));
	if ((b = ext_breaker_find(j->source, 0)) != NULL &&
	    b->open_until > ext_now_ms()) {
		(void)snprintf(j->error, sizeof(j->error), "the external "
		    "source failed %d times in a row; MCPbox stops trying for "
		    "%d s (circuit open)", b->failures,
		    (int)((b->open_until - ext_now_ms()) / 1000) + 1);
		j->done = 1;
		return (j);
	}
	if (ext_init() == -1 || ext.inflight >= EXT_INFLIGHT_MAX) {
		(void)snprintf(j->error, sizeof(j->error), "too many external "
		    "calls are running on this worker; retry shortly");
		j->done = 1;
		return (j);
	}
	/* Half-open: the breaker's probe is this one call. */
	if (b != NULL && b->open_until != 0)
		b->open_until = ext_now_ms() + EXT_BREAKER_COOL_MS;
	if (op == EXT_CALL || op == EXT_LIST)
		ext_pool_take(j);
	j->running = 1;
	ext.inflight++;
	(void)pthread_attr_init(&attr);
	(void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	(void)pthread_attr_setstacksize(&attr, 512 * 1024);
	if (pthread_create(&th, &attr, ext_thread, j) != 0) {
		(void)pthread_attr_destroy(&attr);
		ext.inflight--;
		j->running = 0;
		(void)snprintf(j->error, sizeof(j->error), "could not start the "
		    "external call; retry shortly");
		j->done = 1;
		return (j);
	}
	(void)pthread_attr_destroy(&attr);
	return (j);
}

int
ext_job_done(const struct ext_job *j)
{
	return (j->done);
}

json_t *
ext_job_result(const struct ext_job *j)
{
	return (j->done ? j->result : NULL);
}

const char *
ext_job_error(const struct ext_job *j)
{
	return (j->error[0] != '\0' ? j->error : "the external call failed");
}

void
ext_job_free(struct ext_job *j)
{
	if (j == NULL)
		return;
	if (j->running) {
		j->orphan = 1;
		j->req = NULL;
		return;
	}
	ext_job_release(j);
}

/* Called on the job's thread when it is done: wake the worker's loop. */
void
ext_job_complete(struct ext_job *j)
{
	ssize_t	w;

	do {
		w = write(ext.fd[1], &j, sizeof(j));
	} while (w == -1 && errno == EINTR);
}
