/*
 * Counters shared by every process of one instance, in a segment the
 * parent maps before it forks the workers. Updates are C11 atomics: no
 * lock, and a worker that dies mid-update cannot wedge the others.
 *
 * The open-SSE-stream count lives here because the cap
 * (MCPBOX_MAX_SSE_STREAMS) is for the whole instance, not per worker.
 */
#include <sys/mman.h>

#include <stdatomic.h>
#include <string.h>

#include "core/core.h"

struct stats_shm {
	atomic_int	sse_open;
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
