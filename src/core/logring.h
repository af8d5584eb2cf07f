/*
 * logring.c: rows waiting to be written, one ring per worker slot in
 * shared memory, so that they outlive the worker holding them (db/execlog.c
 * keeps execution logs in it). Plain C with no Kore, for the unit tests.
 *
 * One process writes a ring at a time: the worker of its slot, or after a
 * crash the worker Kore starts in the same slot. A record is a 4-byte
 * length and that many bytes; positions count bytes ever written, so a
 * record may wrap around the end of the buffer.
 */
#ifndef MCPBOX_LOGRING_H
#define MCPBOX_LOGRING_H

#include <stddef.h>
#include <stdint.h>

struct logring;

enum {
	LOGRING_OK = 0,
	LOGRING_TOO_LARGE = -1,		/* never fits: write it another way */
	LOGRING_FULL = -2,		/* no room now */
};

/* The bytes one ring of `cap` data bytes takes. */
size_t		 logring_size(size_t cap);
/* Make `mem` (logring_size(cap) bytes) an empty ring. */
struct logring	*logring_init(void *mem, size_t cap);
/*
 * A ring a previous process of the slot left, made safe to read: a ring
 * whose counters do not make sense (never written, or overwritten) is
 * emptied. The number of records waiting, or -1 if it had to be emptied.
 */
long		 logring_attach(struct logring *);

/* The largest record a ring takes (a quarter of it). */
size_t		 logring_max_record(const struct logring *);
int		 logring_put(struct logring *, const void *, size_t);

/* Bytes and records between the written-out mark and the end. */
uint64_t	 logring_pending_bytes(const struct logring *);
uint64_t	 logring_tail(const struct logring *);
uint64_t	 logring_head(const struct logring *);
/*
 * The record at *pos (from logring_tail, then as advanced), its length
 * in *len, copied into out when it fits in outlen: 1 and *pos moved past
 * it, 0 at the end, -1 when it does not fit (nothing moved).
 */
int		 logring_read(const struct logring *, uint64_t *pos, void *out,
		    size_t outlen, size_t *len);
/* Everything before pos is written out: its room is free again. */
void		 logring_commit(struct logring *, uint64_t pos);

/*
 * `nslots` rings of `cap` bytes in one shared mapping, before the fork:
 * 0, or -1 when the kernel refuses. logring_slot(i) is NULL before that
 * or for a slot past the last.
 */
int		 logring_map_slots(unsigned int nslots, size_t cap);
struct logring	*logring_slot(unsigned int slot);

#endif
