/*
 * Unit tests for src/core/ratelimit.c: failure limits with retry-after,
 * window expiry, independence of keys and buckets, clearing, request
 * counting, eviction in a full table, and counters shared across fork().
 */
#include <sys/wait.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"

#define T0	1000000ULL	/* any monotonic start, in ms */

static void
setup(void)
{
	ck_assert_int_eq(ratelimit_init(1024), 0);
}

START_TEST(limit_and_retry_after)
{
	int	i, retry;

	setup();
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(ratelimit_blocked("login", "10.0.0.1", 5, 60,
		    T0 + (uint64_t)i, &retry), 0);
		ratelimit_fail("login", "10.0.0.1", 60, T0 + (uint64_t)i);
	}
	ck_assert_int_eq(ratelimit_blocked("login", "10.0.0.1", 5, 60, T0 + 10,
	    &retry), 0);
	ratelimit_fail("login", "10.0.0.1", 60, T0 + 10);
	ck_assert_int_eq(ratelimit_blocked("login", "10.0.0.1", 5, 60, T0 + 10,
	    &retry), 1);
	ck_assert_int_eq(retry, 60);
	ck_assert_int_eq(ratelimit_blocked("login", "10.0.0.1", 5, 60,
	    T0 + 30500, &retry), 1);
	ck_assert_int_eq(retry, 30);
	/* Never less than one second while blocked. */
	ck_assert_int_eq(ratelimit_blocked("login", "10.0.0.1", 5, 60,
	    T0 + 59999, &retry), 1);
	ck_assert_int_eq(retry, 1);
	/* NULL retry pointer is allowed. */
	ck_assert_int_eq(ratelimit_blocked("login", "10.0.0.1", 5, 60,
	    T0 + 100, NULL), 1);
}
END_TEST

START_TEST(window_expiry)
{
	int	i, retry;

	setup();
	for (i = 0; i < 3; i++)
		ratelimit_fail("login", "10.0.0.2", 10, T0);
	ck_assert_int_eq(ratelimit_blocked("login", "10.0.0.2", 3, 10,
	    T0 + 9999, &retry), 1);
	ck_assert_int_eq(ratelimit_blocked("login", "10.0.0.2", 3, 10,
	    T0 + 10000, &retry), 0);
	ck_assert_int_eq(retry, 0);
	/* A failure after expiry starts a fresh window with a count of one. */
	ratelimit_fail("login", "10.0.0.2", 10, T0 + 10000);
	ck_assert_int_eq(ratelimit_blocked("login", "10.0.0.2", 1, 10,
	    T0 + 10000, &retry), 1);
	ck_assert_int_eq(ratelimit_blocked("login", "10.0.0.2", 2, 10,
	    T0 + 10000, &retry), 0);
}
END_TEST

START_TEST(independent_keys_and_buckets)
{
	int	i, retry;

	setup();
	for (i = 0; i < 5; i++)
		ratelimit_fail("login", "10.0.0.3", 60, T0);
	ck_assert_int_eq(ratelimit_blocked("login", "10.0.0.3", 5, 60, T0,
	    &retry), 1);
	ck_assert_int_eq(ratelimit_blocked("login", "10.0.0.4", 5, 60, T0,
	    &retry), 0);
	ck_assert_int_eq(ratelimit_blocked("refresh", "10.0.0.3", 5, 60, T0,
	    &retry), 0);
	/* The bucket/key boundary is not a string concatenation. */
	ck_assert_int_eq(ratelimit_blocked("login1", "0.0.0.3", 5, 60, T0,
	    &retry), 0);
	ck_assert_int_eq(ratelimit_blocked("logi", "n10.0.0.3", 5, 60, T0,
	    &retry), 0);
}
END_TEST

START_TEST(clear)
{
	int	i, retry;

	setup();
	for (i = 0; i < 5; i++) {
		ratelimit_fail("login", "10.0.0.5", 60, T0);
		ratelimit_fail("login", "10.0.0.6", 60, T0);
	}
	ratelimit_clear("login", "10.0.0.5");
	ck_assert_int_eq(ratelimit_blocked("login", "10.0.0.5", 5, 60, T0,
	    &retry), 0);
	ck_assert_int_eq(ratelimit_blocked("login", "10.0.0.6", 5, 60, T0,
	    &retry), 1);
	ratelimit_clear("login", "never-seen");
	ratelimit_fail("login", "10.0.0.5", 60, T0);
	ck_assert_int_eq(ratelimit_blocked("login", "10.0.0.5", 2, 60, T0,
	    &retry), 0);
}
END_TEST

START_TEST(take)
{
	int	i, retry;

	setup();
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(ratelimit_take("req", "10.0.0.7", 3, 1,
		    T0 + (uint64_t)i * 100, &retry), 1);
	ck_assert_int_eq(ratelimit_take("req", "10.0.0.7", 3, 1, T0 + 300,
	    &retry), 0);
	ck_assert_int_eq(retry, 1);
	/* Refused requests are not counted, so the window still ends. */
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(ratelimit_take("req", "10.0.0.7", 3, 1,
		    T0 + 900, &retry), 0);
	ck_assert_int_eq(ratelimit_take("req", "10.0.0.7", 3, 1, T0 + 1000,
	    &retry), 1);
	ck_assert_int_eq(ratelimit_take("req", "10.0.0.8", 3, 1, T0 + 300,
	    &retry), 1);
	/* Takes and failures in different buckets do not mix. */
	ck_assert_int_eq(ratelimit_blocked("login", "10.0.0.7", 1, 60, T0,
	    &retry), 0);
}
END_TEST

START_TEST(long_keys_truncated)
{
	char	a[200], b[200];
	int	retry;

	setup();
	memset(a, 'k', sizeof(a) - 1);
	a[sizeof(a) - 1] = '\0';
	memcpy(b, a, sizeof(b));
	b[150] = 'x';	/* differs only beyond the stored 64 bytes */
	ratelimit_fail("login", a, 60, T0);
	ck_assert_int_eq(ratelimit_blocked("login", b, 1, 60, T0, &retry), 1);
	b[10] = 'x';
	ck_assert_int_eq(ratelimit_blocked("login", b, 1, 60, T0, &retry), 0);
	ratelimit_fail(NULL, NULL, 60, T0);
	ck_assert_int_eq(ratelimit_blocked(NULL, NULL, 1, 60, T0, &retry), 1);
}
END_TEST

/* A tiny table overflows; it keeps working and never blocks innocents. */
START_TEST(full_table_evicts)
{
	char	key[32];
	int	i, retry;

	ck_assert_int_eq(ratelimit_init(8), 0);
	for (i = 0; i < 8; i++) {
		(void)snprintf(key, sizeof(key), "old-%d", i);
		ratelimit_fail("login", key, 10, T0);
	}
	/* Fresh keys at a later time push the expired ones out first. */
	for (i = 0; i < 8; i++) {
		(void)snprintf(key, sizeof(key), "new-%d", i);
		ratelimit_fail("login", key, 60, T0 + 20000);
		ck_assert_int_eq(ratelimit_blocked("login", key, 1, 60,
		    T0 + 20000, &retry), 1);
	}
	for (i = 0; i < 8; i++) {
		(void)snprintf(key, sizeof(key), "new-%d", i);
		ck_assert_int_eq(ratelimit_blocked("login", key, 1, 60,
		    T0 + 20000, &retry), 1);
	}
	/* Full of live slots: the oldest window goes, the newcomer counts. */
	ratelimit_fail("login", "late", 60, T0 + 30000);
	ck_assert_int_eq(ratelimit_blocked("login", "late", 1, 60, T0 + 30000,
	    &retry), 1);
	ck_assert_int_eq(ratelimit_init(0), -1);
}
END_TEST

/* Workers are forked after init: one's failures block in all others. */
START_TEST(shared_across_fork)
{
	pid_t	pid;
	int	i, st, retry;

	setup();
	if ((pid = fork()) == 0) {
		for (i = 0; i < 5; i++)
			ratelimit_fail("login", "192.0.2.1", 60, T0);
		_exit(ratelimit_blocked("login", "192.0.2.1", 5, 60, T0,
		    NULL) == 1 ? 0 : 1);
	}
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_int_eq(ratelimit_blocked("login", "192.0.2.1", 5, 60, T0,
	    &retry), 1);
	ck_assert_int_eq(retry, 60);

	/* And the other way round: the parent clears, the child sees it. */
	ratelimit_clear("login", "192.0.2.1");
	if ((pid = fork()) == 0)
		_exit(ratelimit_blocked("login", "192.0.2.1", 5, 60, T0,
		    NULL) == 0 ? 0 : 1);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}
END_TEST

/* Several processes counting at once lose no increments. */
START_TEST(concurrent_processes)
{
	pid_t	pids[4];
	int	i, j, st, allowed;

	setup();
	for (i = 0; i < 4; i++) {
		if ((pids[i] = fork()) == 0) {
			for (j = 0; j < 250; j++)
				(void)ratelimit_take("req", "198.51.100.1",
				    100000, 60, T0, NULL);
			_exit(0);
		}
		ck_assert_int_gt(pids[i], 0);
	}
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(waitpid(pids[i], &st, 0), pids[i]);
		ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	/* 1000 taken; exactly one more fits under a limit of 1001. */
	allowed = ratelimit_take("req", "198.51.100.1", 1001, 60, T0, NULL);
	ck_assert_int_eq(allowed, 1);
	ck_assert_int_eq(ratelimit_take("req", "198.51.100.1", 1001, 60, T0,
	    NULL), 0);
}
END_TEST

int
main(void)
{
	Suite	*s;
	TCase	*tc;
	SRunner	*sr;
	int	failed;

	s = suite_create("ratelimit");
	tc = tcase_create("core");
	tcase_add_test(tc, limit_and_retry_after);
	tcase_add_test(tc, window_expiry);
	tcase_add_test(tc, independent_keys_and_buckets);
	tcase_add_test(tc, clear);
	tcase_add_test(tc, take);
	tcase_add_test(tc, long_keys_truncated);
	tcase_add_test(tc, full_table_evicts);
	tcase_add_test(tc, shared_across_fork);
	tcase_add_test(tc, concurrent_processes);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
