/*
 * Rows waiting to be written, in rings that outlive their worker (see
 * logring.h). What makes a ring survive a SIGKILL at any instruction: a
 * record's bytes are copied first and the head moves past them last, and
 * the tail moves only once a record is written out for good. A worker
 * that dies mid-copy leaves bytes past the head that nobody reads; one that
 * dies with a batch in flight leaves its tail before the batch, so the
 * next worker sends the batch again (the writer's inserts are idempotent).
 */
#include <stdatomic.h>
#include <string.h>

#include "core/core.h"
#include "core/logring.h"

#define LOGRING_MAGIC	0x6d6c6f67u	/* "mlog" */
#define LOGRING_HDR	4

struct logring {
	uint32_t		magic;
	uint32_t		pad;
	uint64_t		cap;
	_Atomic uint64_t	head;	/* bytes ever published */
	_Atomic uint64_t	tail;	/* bytes ever written out */
	unsigned char		data[];
};

static unsigned char	*slots;
static unsigned int	 nslots;
static size_t		 slot_bytes;

size_t
logring_size(size_t cap)
{
	/* Rounded to 64 so that every slot's counters stay aligned. */
	return ((sizeof(struct logring) + cap + 63) & ~(size_t)63);
}

struct logring *
logring_init(void *mem, size_t cap)
{
	struct logring	*r = mem;

	r->magic = LOGRING_MAGIC;
	r->pad = 0;
	r->cap = cap;
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	return (r);
}

size_t
logring_max_record(const struct logring *r)
{
	return ((size_t)r->cap / 4 - LOGRING_HDR);
}

/* Copy in or out at a position that may wrap. */
static void
ring_copy_in(struct logring *r, uint64_t pos, const void *src, size_t len)
{
	size_t	off = (size_t)(pos % r->cap), first;

	first = len < r->cap - off ? len : (size_t)r->cap - off;
	memcpy(r->data + off, src, first);
	memcpy(r->data, (const unsigned char *)src + first, len - first);
}

static void
ring_copy_out(const struct logring *r, uint64_t pos, void *dst, size_t len)
{
	size_t	off = (size_t)(pos % r->cap), first;

	first = len < r->cap - off ? len : (size_t)r->cap - off;
	memcpy(dst, r->data + off, first);
	memcpy((unsigned char *)dst + first, r->data, len - first);
}

int
logring_put(struct logring *r, const void *rec, size_t len)
{
	uint64_t	head, tail;
	uint32_t	n;

	if (len > logring_max_record(r))
		return (LOGRING_TOO_LARGE);
	head = atomic_load_explicit(&r->head, memory_order_relaxed);
	tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	if (head - tail + LOGRING_HDR + len > r->cap)
		return (LOGRING_FULL);
	n = (uint32_t)len;
	ring_copy_in(r, head, &n, LOGRING_HDR);
	ring_copy_in(r, head + LOGRING_HDR, rec, len);
	atomic_store_explicit(&r->head, head + LOGRING_HDR + len,
	    memory_order_release);
	return (LOGRING_OK);
}

uint64_t
logring_tail(const struct logring *r)
{
	return (atomic_load_explicit(&r->tail, memory_order_acquire));
}

uint64_t
logring_head(const struct logring *r)
{
	return (atomic_load_explicit(&r->head, memory_order_acquire));
}

uint64_t
logring_pending_bytes(const struct logring *r)
{
	return (logring_head(r) - logring_tail(r));
}

int
logring_read(const struct logring *r, uint64_t *pos, void *out,
    size_t outlen, size_t *len)
{
	uint32_t	n;

	if (*pos >= logring_head(r))
		return (0);
	ring_copy_out(r, *pos, &n, LOGRING_HDR);
	*len = n;
	if (n > outlen)
		return (-1);
	ring_copy_out(r, *pos + LOGRING_HDR, out, n);
	*pos += LOGRING_HDR + n;
	return (1);
}

void
logring_commit(struct logring *r, uint64_t pos)
{
	atomic_store_explicit(&r->tail, pos, memory_order_release);
}

long
logring_attach(struct logring *r)
{
	uint64_t	head, tail, pos;
	uint32_t	n;
	long		count = 0;

	head = logring_head(r);
	tail = logring_tail(r);
	if (r->magic != LOGRING_MAGIC || tail > head || head - tail > r->cap)
		goto bad;
	for (pos = tail; pos < head; pos += LOGRING_HDR + n) {
		if (head - pos < LOGRING_HDR)
			goto bad;
		ring_copy_out(r, pos, &n, LOGRING_HDR);
		if (n > logring_max_record(r) || head - pos - LOGRING_HDR < n)
			goto bad;
		count++;
	}
	return (count);
bad:
	(void)logring_init(r, (size_t)r->cap);
	return (-1);
}

int
logring_map_slots(unsigned int n, size_t cap)
{
	unsigned int	i;

	slot_bytes = logring_size(cap);
	if ((slots = shm_map(slot_bytes * n)) == NULL)
		return (-1);
	nslots = n;
	for (i = 0; i < n; i++)
		(void)logring_init(slots + (size_t)i * slot_bytes, cap);
	return (0);
}

struct logring *
logring_slot(unsigned int slot)
{
	if (slots == NULL || slot >= nslots)
		return (NULL);
	return ((struct logring *)(void *)(slots + (size_t)slot * slot_bytes));
}
