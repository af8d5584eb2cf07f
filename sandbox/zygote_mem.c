/*
 * zygote_mem.c -- the zygote's heap, settled once before the first fork.
 *
 * Every page a child writes costs it a page fault (a copy of the page when
 * it shares it with the zygote, a zeroed one when it does not), and on the
 * machines we measured a fault costs 3-4 us: most of a call's CPU.  After
 * start-up the zygote's heap is full of small free chunks (40 or so, some
 * 400 KiB, between live objects), and malloc in a child hands those out
 * first: 100 small allocations then land on 30 different shared pages
 * instead of one fresh one.  So, once, before the fork loop:
 *
 *   - malloc_trim(0) merges what can be merged and returns whole free
 *     pages to the kernel (fewer present pages for fork to copy);
 *   - each thread-cache bin (the sizes up to 1 KiB) is emptied, and every
 *     free chunk left below the top of the heap is allocated and kept:
 *     a child's allocations then come from the top, densely, on pages no
 *     other process has touched.
 *
 * What this keeps allocated is free memory of the zygote's own, mostly not
 * even resident after the trim; a child loses nothing it could use, and
 * nothing in it is request data (the zygote never holds any).  Only the
 * public malloc interface is used: with another allocator this does less,
 * never harm.
 */
#include <malloc.h>
#include <stdint.h>
#include <unistd.h>

#include "sbx.h"

#define TCACHE_MAX	1024	/* glibc's largest thread-cache request */
#define TCACHE_FILL	7	/* and the most chunks one of its bins holds */

/* Free bytes of the main heap outside its top chunk. */
static size_t
zmem_holes(void)
{
	struct mallinfo2	m = mallinfo2();

	return (m.fordblks - m.keepcost);
}

/* Where the top chunk starts: what lies above was never handed out. */
static uintptr_t
zmem_top(void)
{
	return ((uintptr_t)sbrk(0) - mallinfo2().keepcost);
}

void
sbx_zygote_settle_heap(void)
{
	size_t		s, before;
	uintptr_t	top;
	void		*p;
	int		i;

	malloc_trim(0);
	/* The thread cache first: it is consulted before any free chunk. */
	for (s = 16; s <= TCACHE_MAX; s += 16) {
		for (i = 0; i <= TCACHE_FILL; i++) {
			top = zmem_top();
			if ((p = malloc(s)) == NULL)
				return;
			if ((uintptr_t)p >= top) {
				free(p);	/* the bin was empty */
				break;
			}
		}
	}
	/* Then the free chunks, the largest first, each with one request. */
	for (s = (size_t)1 << 17; s >= 32; s /= 2) {
		while ((before = zmem_holes()) >= s) {
			if ((p = malloc(s - 2 * sizeof(size_t))) == NULL)
				return;
			if (zmem_holes() < before)
				continue;	/* a hole, now kept */
			free(p);		/* none this large: smaller */
			break;
		}
	}
}
