/*
 * The sandbox circuit breaker.
 *
 * Without it, a dead or wedged supervisor makes every tool call pay for a
 * connection attempt and an error, and callers retry into the same wall.
 * With it, after `threshold` consecutive sandbox failures the breaker
 * opens and calls fail at once with a clear message; `reset_s` later one
 * call is let through as a probe. Its answer decides: any answer from the
 * sandbox (a result, a tool error, a validation error) closes the breaker,
 * a SandboxError re-opens it for another `reset_s`.
 *
 * What counts as a failure is deliberately narrow. A tool that raises, or
 * runs out of time or memory, is the tool's problem: the sandbox did its
 * job. Only SandboxError (the supervisor said it could not run the call, or
 * the connection to it failed) counts. A Timeout is neutral: it may be slow
 * user code, so it neither opens nor closes the breaker.
 *
 * A supervisor restart is not a sandbox failure: the keeper marks the
 * sandbox down when the supervisor dies and up again, with a new
 * generation, once the new one listens. Failures of calls made while it
 * was down or under an older generation are not counted, and "up" closes
 * the breaker: the calls in flight fail, the ones after succeed at once.
 *
 * The state is in a shared mapping and changed with compare-and-swap, so
 * all workers share one breaker (the threshold is per instance, not per
 * worker). The probe holds a lease rather than a flag: if the worker
 * holding it dies, the lease runs out and another call probes.
 */

#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "core/core.h"
#include "sbx/circuit.h"

struct circuit_shm {
	atomic_int		state;
	atomic_int		failures;
	atomic_uint_fast64_t	opened_ms;	/* monotonic */
	atomic_llong		opened_wall;	/* epoch seconds, for humans */
	atomic_uint_fast64_t	probe_ms;	/* 0: no probe in flight */
	atomic_uint_fast64_t	opens;
	atomic_uint_fast64_t	rejected;
	atomic_uint_fast64_t	generation;	/* of the supervisor */
	atomic_uint_fast64_t	down_ms;	/* since when the keeper restarts it */
	atomic_uint_fast64_t	last_down_ms;	/* the last death, kept after up */
	int			threshold;
	int			reset_s;
	int			lease_s;
};

static struct circuit_shm	*cshm;

/* How long a supervisor restart may take before failures count again. */
#define CIRCUIT_RESTART_GRACE_MS	10000

static const char	*const state_names[] = {
	"closed", "open", "half_open",
};

int
circuit_init(int threshold, int reset_s, int probe_lease_s)
{
	void	*p;

	if ((p = shm_map(sizeof(*cshm))) == NULL)
		return (-1);
	cshm = p;
	cshm->threshold = threshold < 1 ? 1 : threshold;
	cshm->reset_s = reset_s < 1 ? 1 : reset_s;
	cshm->lease_s = probe_lease_s < 1 ? 1 : probe_lease_s;
	return (0);
}

static void
circuit_open(uint64_t now, int failures, int from, const char *why)
{
	char	msg[256];

	/*
	 * opened_ms first: nobody may see "open" with a stale start time.
	 * The compare-and-swap makes exactly one process report it.
	 */
	atomic_store(&cshm->opened_ms, now);
	atomic_store(&cshm->opened_wall, (long long)time(NULL));
	atomic_store(&cshm->probe_ms, 0);
	if (!atomic_compare_exchange_strong(&cshm->state, &from, CIRCUIT_OPEN))
		return;
	atomic_fetch_add(&cshm->opens, 1);
	log_error("sandbox circuit opened: %s", why);
	(void)snprintf(msg, sizeof(msg), "sandbox circuit breaker opened "
	    "(%s); tool calls fail at once for %d s, then one probe call "
	    "decides", why, cshm->reset_s);
	(void)alert_raise(ALERT_CIRCUIT_OPEN, "sandbox", msg,
	    json_pack("{s:s, s:i, s:i, s:i}", "circuit", "sandbox",
	    "consecutive_failures", failures, "threshold", cshm->threshold,
	    "reset_timeout_s", cshm->reset_s));
}

/* May this call go to the sandbox? CIRCUIT_UNCOUNTED means no. */
enum circuit_role
circuit_allow(uint64_t now)
{
	int		st;
	uint_fast64_t	probe;

	if (cshm == NULL)
		return (CIRCUIT_COUNTED);
	st = atomic_load(&cshm->state);
	if (st == CIRCUIT_CLOSED)
		return (CIRCUIT_COUNTED);
	if (st == CIRCUIT_OPEN) {
		if (now - atomic_load(&cshm->opened_ms) <
		    (uint64_t)cshm->reset_s * 1000) {
			atomic_fetch_add(&cshm->rejected, 1);
			return (CIRCUIT_UNCOUNTED);
		}
		if (atomic_compare_exchange_strong(&cshm->state, &st,
		    CIRCUIT_HALF_OPEN))
			log_info("sandbox circuit half-open: one probe call "
			    "may pass");
	}
	/* Half-open: one probe at a time, under a lease. */
	probe = atomic_load(&cshm->probe_ms);
	if ((probe == 0 || now - probe > (uint64_t)cshm->lease_s * 1000) &&
	    atomic_compare_exchange_strong(&cshm->probe_ms, &probe,
	    now == 0 ? 1 : now))
		return (CIRCUIT_PROBE);
	atomic_fetch_add(&cshm->rejected, 1);
	return (CIRCUIT_UNCOUNTED);
}

static int
circuit_is_sandbox_failure(json_t *reply)
{
	const char	*type;

	if (json_is_true(json_object_get(reply, "ok")))
		return (0);
	type = json_string_value(json_object_get(json_object_get(reply,
	    "error"), "type"));
	return (type == NULL || strcmp(type, SBX_ERR_SANDBOX) == 0);
}

static int
circuit_is_timeout(json_t *reply)
{
	const char	*type;

	type = json_string_value(json_object_get(json_object_get(reply,
	    "error"), "type"));
	return (type != NULL && strcmp(type, SBX_ERR_TIMEOUT) == 0);
}

/* The keeper: the supervisor died; it is being restarted. */
void
circuit_sandbox_down(void)
{
	uint64_t	now = clock_ms();

	if (cshm == NULL)
		return;
	atomic_store(&cshm->down_ms, now == 0 ? 1 : now);
	atomic_store(&cshm->last_down_ms, now == 0 ? 1 : now);
}

/*
 * Is a worker's link, opened at connect_ms to the supervisor of
 * *link_generation, to one that has died, though its end may not have
 * been read yet? Yes if the keeper marked the sandbox down after the link
 * was opened, or if a new supervisor was started since and the link is
 * older than the last death (the keeper tells the new generation a little
 * after it listens, so a link opened after the last death is to the new
 * one: it is kept, and *link_generation moves on).
 */
int
circuit_link_stale(uint64_t connect_ms, uint64_t *link_generation,
    uint64_t generation)
{
	uint64_t	down, last_down;

	if (cshm == NULL)
		return (0);
	down = atomic_load(&cshm->down_ms);
	last_down = atomic_load(&cshm->last_down_ms);
	if (down != 0 && connect_ms <= down)
		return (1);
	if (*link_generation != generation) {
		if (connect_ms <= last_down)
			return (1);
		*link_generation = generation;
	}
	return (0);
}

/* The keeper: a new supervisor listens. Workers reconnect to it. */
void
circuit_sandbox_up(void)
{
	if (cshm == NULL)
		return;
	atomic_fetch_add(&cshm->generation, 1);
	atomic_store(&cshm->failures, 0);
	atomic_store(&cshm->probe_ms, 0);
	if (atomic_exchange(&cshm->state, CIRCUIT_CLOSED) != CIRCUIT_CLOSED)
		log_info("sandbox circuit closed: a new supervisor listens");
	atomic_store(&cshm->down_ms, 0);
}

uint64_t
circuit_generation(void)
{
	return (cshm != NULL ? atomic_load(&cshm->generation) : 0);
}

void
circuit_record(enum circuit_role role, json_t *reply, uint64_t now,
    uint64_t generation)
{
	int	st, f;

	if (cshm == NULL || role == CIRCUIT_UNCOUNTED)
		return;
	if (!circuit_is_sandbox_failure(reply)) {
		if (circuit_is_timeout(reply)) {
			/* Neutral; a probe that timed out frees its lease. */
			if (role == CIRCUIT_PROBE)
				atomic_store(&cshm->probe_ms, 0);
			return;
		}
		atomic_store(&cshm->failures, 0);
		st = atomic_load(&cshm->state);
		if (st != CIRCUIT_CLOSED && (role == CIRCUIT_PROBE ||
		    st == CIRCUIT_HALF_OPEN)) {
			atomic_store(&cshm->probe_ms, 0);
			atomic_store(&cshm->state, CIRCUIT_CLOSED);
			log_info("sandbox circuit closed: the sandbox answered");
		}
		return;
	}
	/*
	 * Lost to a supervisor restart: the keeper's business, not ours --
	 * for a restart's worth of time; a keeper that never brings one up
	 * again does not keep the breaker from opening.
	 */
	if ((atomic_load(&cshm->down_ms) != 0 && now -
	    atomic_load(&cshm->down_ms) < CIRCUIT_RESTART_GRACE_MS) ||
	    generation != atomic_load(&cshm->generation)) {
		if (role == CIRCUIT_PROBE)
			atomic_store(&cshm->probe_ms, 0);
		return;
	}
	f = atomic_fetch_add(&cshm->failures, 1) + 1;
	if (role == CIRCUIT_PROBE)
		circuit_open(now, f, CIRCUIT_HALF_OPEN,
		    "the half-open probe call failed");
	else if (f >= cshm->threshold &&
	    atomic_load(&cshm->state) == CIRCUIT_CLOSED)
		circuit_open(now, f, CIRCUIT_CLOSED,
		    "consecutive sandbox failures reached the threshold");
}

/* An admin closes the breaker by hand (POST /health/circuits/reset). */
void
circuit_reset(const char *actor)
{
	if (cshm == NULL)
		return;
	atomic_store(&cshm->failures, 0);
	atomic_store(&cshm->probe_ms, 0);
	atomic_store(&cshm->state, CIRCUIT_CLOSED);
	log_info("sandbox circuit reset by %s", actor);
}

/* The state a caller would meet now (an expired open reads half-open). */
enum circuit_state
circuit_state(uint64_t now)
{
	int	st;

	if (cshm == NULL)
		return (CIRCUIT_CLOSED);
	st = atomic_load(&cshm->state);
	if (st == CIRCUIT_OPEN && now - atomic_load(&cshm->opened_ms) >=
	    (uint64_t)cshm->reset_s * 1000)
		return (CIRCUIT_HALF_OPEN);
	return ((enum circuit_state)st);
}

void
circuit_counts(uint64_t *opens, uint64_t *rejected)
{
	*opens = cshm != NULL ? atomic_load(&cshm->opens) : 0;
	*rejected = cshm != NULL ? atomic_load(&cshm->rejected) : 0;
}

json_t *
circuit_json(uint64_t now)
{
	enum circuit_state	st;
	json_t			*c;
	char			when[32];
	time_t			t;
	struct tm		tm;
	uint64_t		open_ms;

	st = circuit_state(now);
	c = json_pack("{s:s, s:i, s:i, s:i, s:I, s:I, s:n, s:n}",
	    "state", state_names[st],
	    "consecutive_failures", cshm != NULL ?
	    atomic_load(&cshm->failures) : 0,
	    "failure_threshold", cshm != NULL ? cshm->threshold : 0,
	    "reset_timeout_s", cshm != NULL ? cshm->reset_s : 0,
	    "opens_total", (json_int_t)(cshm != NULL ?
	    atomic_load(&cshm->opens) : 0),
	    "rejected_total", (json_int_t)(cshm != NULL ?
	    atomic_load(&cshm->rejected) : 0),
	    "opened_at", "retry_in_s");
	if (c != NULL && cshm != NULL) {
		/* For operators (and tests): is a restart under way, and how
		 * many supervisors has the keeper started? */
		json_object_set_new(c, "supervisor_restarting",
		    json_boolean(atomic_load(&cshm->down_ms) != 0));
		json_object_set_new(c, "supervisor_generation", json_integer(
		    (json_int_t)atomic_load(&cshm->generation)));
	}
	if (c == NULL || cshm == NULL || st == CIRCUIT_CLOSED)
		return (c);
	t = (time_t)atomic_load(&cshm->opened_wall);
	(void)gmtime_r(&t, &tm);
	(void)strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(c, "opened_at", json_string(when));
	open_ms = now - atomic_load(&cshm->opened_ms);
	json_object_set_new(c, "retry_in_s", json_integer(
	    st == CIRCUIT_OPEN ? (json_int_t)(((uint64_t)cshm->reset_s *
	    1000 - open_ms + 999) / 1000) : 0));
	return (c);
}
