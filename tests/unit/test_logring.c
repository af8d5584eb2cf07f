/* Unit tests for src/core/logring.c. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/logring.h"

#define CAP	1024

static void	*mem;

static struct logring *
fresh(void)
{
	free(mem);
	mem = calloc(1, logring_size(CAP));
	ck_assert_ptr_nonnull(mem);
	return (logring_init(mem, CAP));
}

/* Where a ring's data starts: found by its first record's bytes. */
static unsigned char *
data_at(const char *first, size_t len)
{
	unsigned char	pat[16];
	void		*p;

	pat[0] = (unsigned char)len;
	pat[1] = pat[2] = pat[3] = 0;
	memcpy(pat + 4, first, len);
	p = memmem(mem, logring_size(CAP), pat, 4 + len);
	ck_assert_ptr_nonnull(p);
	return (p);
}

/* Read every record from the tail; returns how many, last end in *end. */
static int
drain(struct logring *r, char out[][300], uint64_t *end)
{
	uint64_t	pos = logring_tail(r);
	size_t		len;
	int		n = 0;
	char		buf[300];

	while (logring_read(r, &pos, buf, sizeof(buf) - 1, &len) == 1) {
		buf[len] = '\0';
		if (out != NULL)
			memcpy(out[n], buf, len + 1);
		n++;
	}
	if (end != NULL)
		*end = pos;
	return (n);
}

START_TEST(append_and_read_back)
{
	struct logring	*r = fresh();
	char		 got[8][300];
	uint64_t	 end;

	ck_assert_int_eq(logring_put(r, "one", 3), LOGRING_OK);
	ck_assert_int_eq(logring_put(r, "two", 3), LOGRING_OK);
	ck_assert_int_eq(logring_put(r, "", 0), LOGRING_OK);
	ck_assert_int_eq(drain(r, got, &end), 3);
	ck_assert_str_eq(got[0], "one");
	ck_assert_str_eq(got[1], "two");
	ck_assert_str_eq(got[2], "");
	/* Reading moves nothing; committing frees the room. */
	ck_assert_uint_eq(logring_pending_bytes(r), end);
	logring_commit(r, end);
	ck_assert_uint_eq(logring_pending_bytes(r), 0);
	ck_assert_int_eq(drain(r, NULL, NULL), 0);
}
END_TEST

START_TEST(wraps_around_the_end)
{
	struct logring	*r = fresh();
	char		 rec[200], got[8][300];
	uint64_t	 end;
	int		 i, round;

	/* Many rounds of records that do not divide the ring: each one
	 * lands somewhere else, some across the end of the buffer. */
	for (round = 0; round < 50; round++) {
		for (i = 0; i < 4; i++) {
			(void)snprintf(rec, sizeof(rec), "r%d-%d-%0*d", round,
			    i, 150 + round % 7, 0);
			ck_assert_int_eq(logring_put(r, rec, strlen(rec)),
			    LOGRING_OK);
		}
		ck_assert_int_eq(drain(r, got, &end), 4);
		for (i = 0; i < 4; i++) {
			(void)snprintf(rec, sizeof(rec), "r%d-%d-%0*d", round,
			    i, 150 + round % 7, 0);
			ck_assert_str_eq(got[i], rec);
		}
		logring_commit(r, end);
	}
	ck_assert_uint_gt(logring_head(r), 10 * CAP);
}
END_TEST

START_TEST(full_and_too_large)
{
	struct logring	*r = fresh();
	char		 rec[CAP];
	uint64_t	 pos, end;
	size_t		 len;
	int		 n = 0;

	memset(rec, 'x', sizeof(rec));
	ck_assert_uint_eq(logring_max_record(r), CAP / 4 - 4);
	ck_assert_int_eq(logring_put(r, rec, logring_max_record(r) + 1),
	    LOGRING_TOO_LARGE);
	while (logring_put(r, rec, 100) == LOGRING_OK)
		n++;
	ck_assert_int_eq(n, CAP / 104);
	ck_assert_int_eq(logring_put(r, rec, 100), LOGRING_FULL);
	/* A record that does not fit the reader's buffer stays put. */
	pos = logring_tail(r);
	ck_assert_int_eq(logring_read(r, &pos, rec, 10, &len), -1);
	ck_assert_uint_eq(len, 100);
	ck_assert_uint_eq(pos, logring_tail(r));
	/* Writing one out makes room for one. */
	ck_assert_int_eq(logring_read(r, &pos, rec, sizeof(rec), &len), 1);
	logring_commit(r, pos);
	ck_assert_int_eq(logring_put(r, rec, 100), LOGRING_OK);
	ck_assert_int_eq(drain(r, NULL, &end), n);
}
END_TEST

START_TEST(replay_after_a_crash)
{
	struct logring	*r = fresh();
	char		 got[8][300];
	uint64_t	 end;
	unsigned char	*raw;

	ck_assert_int_eq(logring_put(r, "a", 1), LOGRING_OK);
	ck_assert_int_eq(logring_put(r, "b", 1), LOGRING_OK);
	/* Written out: "a". Then a batch of "b" goes out, and the worker
	 * dies before it hears back (no commit). */
	ck_assert_int_eq(drain(r, NULL, &end), 2);
	logring_commit(r, 5);
	ck_assert_int_eq(logring_put(r, "c", 1), LOGRING_OK);
	/* ... and in the middle of a copy: bytes past the head, garbage. */
	raw = data_at("a", 1);
	memset(raw + (logring_head(r) % CAP), 0xff, 40);

	/* The next worker of the slot sees "b" and "c" again, not "a", not
	 * the half-written record. */
	ck_assert_int_eq(logring_attach(r), 2);
	ck_assert_int_eq(drain(r, got, &end), 2);
	ck_assert_str_eq(got[0], "b");
	ck_assert_str_eq(got[1], "c");
}
END_TEST

START_TEST(a_damaged_ring_is_emptied)
{
	struct logring	*r = fresh();
	unsigned char	*raw;

	ck_assert_int_eq(logring_put(r, "abc", 3), LOGRING_OK);
	ck_assert_int_eq(logring_put(r, "def", 3), LOGRING_OK);
	/* A length that runs past the head. */
	raw = data_at("abc", 3);
	raw[0] = 200;
	ck_assert_int_eq(logring_attach(r), -1);
	ck_assert_uint_eq(logring_pending_bytes(r), 0);
	ck_assert_int_eq(logring_put(r, "ghi", 3), LOGRING_OK);
	ck_assert_int_eq(logring_attach(r), 1);
	/* Memory never made a ring (all zero) is emptied as well. */
	memset(mem, 0, logring_size(CAP));
	ck_assert_int_eq(logring_attach(r), -1);
}
END_TEST

START_TEST(slots_in_shared_memory)
{
	struct logring	*a, *b;

	ck_assert_ptr_null(logring_slot(0));
	ck_assert_int_eq(logring_map_slots(3, CAP), 0);
	a = logring_slot(1);
	b = logring_slot(2);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_null(logring_slot(3));
	ck_assert_int_eq(logring_put(a, "one", 3), LOGRING_OK);
	ck_assert_int_eq(logring_attach(a), 1);
	ck_assert_int_eq(logring_attach(b), 0);
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("logring");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, append_and_read_back);
	tcase_add_test(tc, wraps_around_the_end);
	tcase_add_test(tc, full_and_too_large);
	tcase_add_test(tc, replay_after_a_crash);
	tcase_add_test(tc, a_damaged_ring_is_emptied);
	tcase_add_test(tc, slots_in_shared_memory);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	free(mem);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
