/*
 * Counters shared by every process of one instance, in a segment the
 * parent maps before it forks the workers. Updates are C11 atomics: no
 * lock, and a worker that dies mid-update cannot wedge the others.
 *
 * The open-SSE-stream count lives here because the cap
 * (MCPBOX_MAX_SSE_STREAMS) is for the whole instance, not per worker; so
 * does a count of ended MCP sessions, which makes every worker's session
 * cache (mcp/session_cache.c) stale the moment any worker ends one.
 */
#include <sys/mman.h>

#include <stdatomic.h>
#include <string.h>

#include "core/core.h"

struct stats_shm {
	atomic_int		sse_open;
	atomic_uint_fast64_t	sessions_ended;
};

static struct stats_shm	*shm;

int
stats_init(void)
{
	void	*p;

	p = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return (-1);
	shm = p;
	atomic_init(&shm->sse_open, 0);
	atomic_init(&shm->sessions_ended, 0);
	return (0);
}

/* Take one stream slot; 0 when `max` are already open. */
int
stats_sse_acquire(int max)
{
	int	cur;

	if (shm == NULL)
		return (1);
	cur = atomic_load(&shm->sse_open);
	do {
		if (cur >= max)
			return (0);
	} while (!atomic_compare_exchange_weak(&shm->sse_open, &cur, cur + 1));
	return (1);
}

void
stats_sse_release(void)
{
	if (shm != NULL)
		atomic_fetch_sub(&shm->sse_open, 1);
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
