/*
 * Shared memory for every process of an instance: mapped by the parent
 * before any fork (anonymous and shared, so workers, the keeper and the
 * alert sender all see one copy), zero-filled by the kernel, never
 * unmapped.
 */
#include <sys/mman.h>

#include "core/core.h"

/* `len` bytes, zeroed; NULL if the kernel refuses. */
void *
shm_map(size_t len)
{
	void	*p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	    -1, 0);
	return (p == MAP_FAILED ? NULL : p);
}
