/*
 * Rate limits shared by every worker process: login failures per client
 * address, and plain request counts per address.
 *
 * Kore runs several workers, and a limit each of them kept on its own
 * would let a client multiply its budget by the worker count. So the
 * counters live in one fixed-size table in an anonymous MAP_SHARED mapping
 * that the parent creates before it forks; every worker inherits the same
 * pages. A process-shared, robust pthread mutex guards it (futex only, which
 * the workers' seccomp filter allows); robust, so a worker that dies while
 * holding it does not wedge the others. Nothing is allocated after init.
 *
 * Each (bucket, key) pair owns one slot with a fixed window: the window
 * starts at the first event and the count resets once it has passed.
 * Slots are found by a keyed SipHash-2-4 (random key per start, so clients
 * cannot aim many addresses at one neighbourhood) and linear probing over a
 * short run of RL_PROBE slots. When that run is full we evict the slot
 * whose window ended longest ago, else the live one whose window ends
 * soonest, so a lockout of minutes outlives per-second request counters
 * sharing its run. The trade-off: a client able to spray many distinct
 * keys over the table can push out a live counter and so reset it early;
 * the counter lost is the one closest to being reset anyway, and the
 * table never grows or blocks. Size the table (the caller asks for
 * thousands of slots) well above the number of addresses active in one
 * window.
 *
 * Before ratelimit_init() nothing is limited: an unlimited server beats a
 * crashed one, and the parent refuses to start if init fails. A limit
 * below 1 is treated as 1.
 */
#include <sys/mman.h>

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "core/core.h"

#define RL_BUCKET_MAX	31
#define RL_PROBE	16

struct rl_slot {
	uint64_t	hash;
	uint64_t	start_ms;
	uint64_t	window_ms;
	uint32_t	count;
	uint32_t	used;
	char		bucket[RL_BUCKET_MAX + 1];
	char		key[RATELIMIT_KEY_MAX + 1];
};

struct rl_table {
	pthread_mutex_t	lock;
	uint64_t	seed[2];
	size_t		nslots;
	struct rl_slot	slots[];
};

/* Names truncated the way they are stored, and their hash. */
struct rl_name {
	char		bucket[RL_BUCKET_MAX + 1];
	char		key[RATELIMIT_KEY_MAX + 1];
	uint64_t	hash;
};

static struct rl_table	*rl;
static size_t		rl_maplen;

static uint64_t		rl_siphash24(const uint64_t[2], const void *, size_t);
static int		rl_lock(void);
static void		rl_name(struct rl_name *, const char *, const char *);
static struct rl_slot	*rl_find(const struct rl_name *, int, uint64_t);
static int		rl_expired(const struct rl_slot *, uint64_t);
static int		rl_retry(const struct rl_slot *, uint64_t);
static struct rl_slot	*rl_count(const char *, const char *, int, uint64_t);

#define ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND(v0, v1, v2, v3) do {					\
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);	\
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);	\
} while (0)

/* SipHash-2-4 (Aumasson & Bernstein, 2012). */
static uint64_t
rl_siphash24(const uint64_t k[2], const void *data, size_t len)
{
	const uint8_t	*p = data;
	uint64_t	v0, v1, v2, v3, m, b;
	size_t		i, end;
	int		r;

	v0 = k[0] ^ 0x736f6d6570736575ULL;
	v1 = k[1] ^ 0x646f72616e646f6dULL;
	v2 = k[0] ^ 0x6c7967656e657261ULL;
	v3 = k[1] ^ 0x7465646279746573ULL;
	end = len - len % 8;
	for (i = 0; i < end; i += 8) {
		/* Host byte order: the hash never leaves this machine. */
		memcpy(&m, p + i, 8);
		v3 ^= m;
		for (r = 0; r < 2; r++)
			SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	b = (uint64_t)len << 56;
	for (r = 0; i + (size_t)r < len; r++)
		b |= (uint64_t)p[i + (size_t)r] << (8 * r);
	v3 ^= b;
	for (r = 0; r < 2; r++)
		SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	for (r = 0; r < 4; r++)
		SIPROUND(v0, v1, v2, v3);
	return (v0 ^ v1 ^ v2 ^ v3);
}

int
ratelimit_init(size_t slots)
{
	pthread_mutexattr_t	attr;
	struct rl_table		*t;
	size_t			len;
	int			ok;

	if (slots == 0 || slots > (SIZE_MAX - sizeof(*t)) / sizeof(t->slots[0]))
		return (-1);
	len = sizeof(*t) + slots * sizeof(t->slots[0]);
	if ((t = shm_map(len)) == NULL)
		return (-1);
	t->nslots = slots;
	if (crypto_random(t->seed, sizeof(t->seed)) == -1 ||
	    pthread_mutexattr_init(&attr) != 0) {
		(void)munmap(t, len);
		return (-1);
	}
	ok = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED) == 0 &&
	    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST) == 0 &&
	    pthread_mutex_init(&t->lock, &attr) == 0;
	(void)pthread_mutexattr_destroy(&attr);
	if (!ok) {
		(void)munmap(t, len);
		return (-1);
	}
	/* Only a re-init in the same process (tests) gets here with rl set. */
	if (rl != NULL)
		(void)munmap(rl, rl_maplen);
	rl = t;
	rl_maplen = len;
	return (0);
}

static int
rl_lock(void)
{
	int	rc;

	if (rl == NULL)
		return (-1);
	rc = pthread_mutex_lock(&rl->lock);
	/* A worker died mid-update: a count may be off by one, no worse. */
	if (rc == EOWNERDEAD)
		rc = pthread_mutex_consistent(&rl->lock);
	return (rc == 0 ? 0 : -1);
}

static void
rl_name(struct rl_name *n, const char *bucket, const char *key)
{
	uint8_t		buf[sizeof(n->bucket) + sizeof(n->key)];
	size_t		bl, kl;

	bl = strnlen(bucket != NULL ? bucket : "", RL_BUCKET_MAX);
	kl = strnlen(key != NULL ? key : "", RATELIMIT_KEY_MAX);
	memcpy(n->bucket, bucket != NULL ? bucket : "", bl);
	n->bucket[bl] = '\0';
	memcpy(n->key, key != NULL ? key : "", kl);
	n->key[kl] = '\0';
	/* The NUL separates bucket from key, so ("a","bc") != ("ab","c"). */
	memcpy(buf, n->bucket, bl + 1);
	memcpy(buf + bl + 1, n->key, kl);
	n->hash = rl_siphash24(rl->seed, buf, bl + 1 + kl);
}

static int
rl_expired(const struct rl_slot *s, uint64_t now)
{
	return (now >= s->start_ms && now - s->start_ms >= s->window_ms);
}

static int
rl_retry(const struct rl_slot *s, uint64_t now)
{
	uint64_t	left;

	left = s->start_ms + s->window_ms > now ?
	    s->start_ms + s->window_ms - now : 0;
	left = (left + 999) / 1000;
	return (left < 1 ? 1 : left > INT32_MAX ? INT32_MAX : (int)left);
}

/* The slot for `n`, or with `create` a fresh (evicted if need be) one. */
static struct rl_slot *
rl_find(const struct rl_name *n, int create, uint64_t now)
{
	struct rl_slot	*s, *pick;
	size_t		i, probe, idx;

	probe = rl->nslots < RL_PROBE ? rl->nslots : RL_PROBE;
	idx = (size_t)(n->hash % rl->nslots);
	pick = NULL;
	for (i = 0; i < probe; i++) {
		s = &rl->slots[(idx + i) % rl->nslots];
		if (s->used && s->hash == n->hash &&
		    strcmp(s->bucket, n->bucket) == 0 &&
		    strcmp(s->key, n->key) == 0)
			return (s);
		if (!create)
			continue;
		if (!s->used) {
			if (pick == NULL || pick->used)
				pick = s;
		} else if (pick == NULL || (pick->used &&
		    (rl_expired(s, now) > rl_expired(pick, now) ||
		    (rl_expired(s, now) == rl_expired(pick, now) &&
		    s->start_ms + s->window_ms <
		    pick->start_ms + pick->window_ms)))) {
			pick = s;
		}
	}
	if (pick == NULL)
		return (NULL);
	memset(pick, 0, sizeof(*pick));
	pick->used = 1;
	pick->hash = n->hash;
	memcpy(pick->bucket, n->bucket, sizeof(pick->bucket));
	memcpy(pick->key, n->key, sizeof(pick->key));
	pick->start_ms = now;
	return (pick);
}

int
ratelimit_blocked(const char *bucket, const char *key, int limit,
    int window_s, uint64_t now_ms, int *retry_after_s)
{
	struct rl_name	n;
	struct rl_slot	*s;
	int		blocked;

	if (retry_after_s != NULL)
		*retry_after_s = 0;
	if (rl_lock() == -1)
		return (0);
	rl_name(&n, bucket, key);
	blocked = 0;
	(void)window_s;		/* the window is the one the failures set */
	if ((s = rl_find(&n, 0, now_ms)) != NULL && !rl_expired(s, now_ms) &&
	    s->count >= (uint32_t)(limit < 1 ? 1 : limit)) {
		blocked = 1;
		if (retry_after_s != NULL)
			*retry_after_s = rl_retry(s, now_ms);
	}
	(void)pthread_mutex_unlock(&rl->lock);
	return (blocked);
}

/* Count one event in the slot for (bucket, key); the lock is held. */
static struct rl_slot *
rl_count(const char *bucket, const char *key, int window_s, uint64_t now)
{
	struct rl_name	n;
	struct rl_slot	*s;

	rl_name(&n, bucket, key);
	if ((s = rl_find(&n, 1, now)) == NULL)
		return (NULL);
	if (s->count == 0 || rl_expired(s, now)) {
		s->count = 0;
		s->start_ms = now;
		s->window_ms = (uint64_t)(window_s < 1 ? 1 : window_s) * 1000;
	}
	return (s);
}

void
ratelimit_fail(const char *bucket, const char *key, int window_s,
    uint64_t now_ms)
{
	struct rl_slot	*s;

	if (rl_lock() == -1)
		return;
	if ((s = rl_count(bucket, key, window_s, now_ms)) != NULL &&
	    s->count < UINT32_MAX)
		s->count++;
	(void)pthread_mutex_unlock(&rl->lock);
}

void
ratelimit_clear(const char *bucket, const char *key)
{
	struct rl_name	n;
	struct rl_slot	*s;

	if (rl_lock() == -1)
		return;
	rl_name(&n, bucket, key);
	if ((s = rl_find(&n, 0, 0)) != NULL)
		memset(s, 0, sizeof(*s));
	(void)pthread_mutex_unlock(&rl->lock);
}

int
ratelimit_take(const char *bucket, const char *key, int limit,
    int window_s, uint64_t now_ms, int *retry_after_s)
{
	struct rl_slot	*s;
	int		allowed;

	if (retry_after_s != NULL)
		*retry_after_s = 0;
	if (rl_lock() == -1)
		return (1);
	allowed = 1;
	if ((s = rl_count(bucket, key, window_s, now_ms)) != NULL) {
		/* Refused requests are not counted: the window still ends. */
		if (s->count >= (uint32_t)(limit < 1 ? 1 : limit)) {
			allowed = 0;
			if (retry_after_s != NULL)
				*retry_after_s = rl_retry(s, now_ms);
		} else {
			s->count++;
		}
	}
	(void)pthread_mutex_unlock(&rl->lock);
	return (allowed);
}
