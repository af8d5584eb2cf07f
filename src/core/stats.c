/*
 * Counters shared by every process of one instance, in a segment the
 * parent maps before it forks the workers. Updates are C11 atomics: no
 * lock, and a worker that dies mid-update cannot wedge the others.
 *
 * The open-SSE-stream count lives here because the cap
 * (MCPBOX_MAX_SSE_STREAMS) is for the whole instance, not per worker. Each
 * worker's share is counted too, so that a worker that starts in place of
 * one that died gives back the slots its predecessor never released. So
 * does a count of ended MCP sessions, which makes every worker's session
 * cache (mcp/session_cache.c) stale the moment any worker ends one.
 */

#include <stdatomic.h>
#include <string.h>

#include "core/core.h"

#define STATS_WORKER_SLOTS	256

struct stats_shm {
	atomic_int		sse_open;
	atomic_int		sse_by_worker[STATS_WORKER_SLOTS];
	atomic_uint_fast64_t	sessions_ended;
};

static struct stats_shm	*shm;

int
stats_init(void)
{
	void	*p;

	if ((p = shm_map(sizeof(*shm))) == NULL)
		return (-1);
	shm = p;
	atomic_init(&shm->sse_open, 0);
	for (int i = 0; i < STATS_WORKER_SLOTS; i++)
		atomic_init(&shm->sse_by_worker[i], 0);
	atomic_init(&shm->sessions_ended, 0);
	return (0);
}

/* Take one stream slot for worker `wid`; 0 when `max` are already open. */
int
stats_sse_acquire(int max, unsigned int wid)
{
	int	cur;

	if (shm == NULL)
		return (1);
	cur = atomic_load(&shm->sse_open);
	do {
		if (cur >= max)
			return (0);
	} while (!atomic_compare_exchange_weak(&shm->sse_open, &cur, cur + 1));
	atomic_fetch_add(&shm->sse_by_worker[wid % STATS_WORKER_SLOTS], 1);
	return (1);
}

void
stats_sse_release(unsigned int wid)
{
	if (shm == NULL)
		return;
	atomic_fetch_sub(&shm->sse_by_worker[wid % STATS_WORKER_SLOTS], 1);
	atomic_fetch_sub(&shm->sse_open, 1);
}

/*
 * Worker `wid` starts with no stream: whatever its share says was left by
 * a predecessor that died without closing its streams. Returns how many
 * slots came back.
 */
int
stats_sse_reclaim(unsigned int wid)
{
	int	n;

	if (shm == NULL)
		return (0);
	n = atomic_exchange(&shm->sse_by_worker[wid % STATS_WORKER_SLOTS], 0);
	if (n > 0)
		atomic_fetch_sub(&shm->sse_open, n);
	return (n);
}

int
stats_sse_open(void)
{
	return (shm != NULL ? atomic_load(&shm->sse_open) : 0);
}

/* A generation number of MCP session ends in this instance. */
uint64_t
stats_sessions_ended(void)
{
	return (shm != NULL ? atomic_load(&shm->sessions_ended) : 0);
}

void
stats_session_end(void)
{
	if (shm != NULL)
		atomic_fetch_add(&shm->sessions_ended, 1);
}
