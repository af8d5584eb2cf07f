/*
 * Unit tests for src/core/password.c: argon2id hashing and verification,
 * the unknown-user path that must cost a real verification, and the
 * password policy.
 */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

START_TEST(hash_and_verify)
{
	char	enc[PASSWORD_ENCODED_MAX], enc2[PASSWORD_ENCODED_MAX];

	ck_assert_int_eq(password_hash("correct horse battery", enc,
	    sizeof(enc)), 0);
	ck_assert_ptr_nonnull(strstr(enc, "$argon2id$v=19$m=65536,t=3,p=1$"));
	ck_assert_int_eq(password_verify(enc, "correct horse battery"), 1);
	ck_assert_int_eq(password_verify(enc, "correct horse batterY"), 0);
	ck_assert_int_eq(password_verify(enc, ""), 0);
	/* Random salt: the same password never hashes the same way. */
	ck_assert_int_eq(password_hash("correct horse battery", enc2,
	    sizeof(enc2)), 0);
	ck_assert_str_ne(enc, enc2);
	/* Too small an output buffer is refused, not truncated. */
	ck_assert_int_eq(password_hash("x", enc2, 64), -1);
}
END_TEST

START_TEST(broken_encoded)
{
	ck_assert_int_eq(password_verify("", "whatever-password"), 0);
	ck_assert_int_eq(password_verify("$argon2id$garbage",
	    "whatever-password"), 0);
	ck_assert_int_eq(password_verify("plaintext-password",
	    "plaintext-password"), 0);
}
END_TEST

/*
 * Unknown user: no match, but a full argon2id run first. Timings are not
 * asserted tightly; 64 MiB and three passes cannot finish in 5 ms.
 */
START_TEST(unknown_user_costs_a_verify)
{
	char	enc[PASSWORD_ENCODED_MAX];
	double	t0, dummy, real;

	ck_assert_int_eq(password_hash("some long password", enc,
	    sizeof(enc)), 0);
	t0 = clock_ms_precise();
	ck_assert_int_eq(password_verify(NULL, "some long password"), 0);
	dummy = clock_ms_precise() - t0;
	t0 = clock_ms_precise();
	ck_assert_int_eq(password_verify(enc, "some long password"), 1);
	real = clock_ms_precise() - t0;
	ck_assert_msg(dummy > 5.0, "dummy verify took %.2f ms", dummy);
	ck_assert_msg(dummy > real / 10,
	    "dummy %.2f ms vs real %.2f ms", dummy, real);
	ck_assert_int_eq(password_verify(NULL, NULL), 0);
}
END_TEST

static void *
verify_in_thread(void *arg)
{
	return ((void *)(intptr_t)password_verify(arg, "thread password"));
}

/* The API runs verification in a task thread. */
START_TEST(from_threads)
{
	char		enc[PASSWORD_ENCODED_MAX];
	pthread_t	th[2];
	void		*r;
	int		i;

	ck_assert_int_eq(password_hash("thread password", enc, sizeof(enc)), 0);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, verify_in_thread,
		    enc), 0);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(pthread_join(th[i], &r), 0);
		ck_assert_int_eq((intptr_t)r, 1);
	}
}
END_TEST

START_TEST(policy)
{
	char	err[128], buf[200];

	err[0] = '\0';
	ck_assert_int_eq(password_policy("12345678901", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "at least 12"));
	ck_assert_int_eq(password_policy("123456789012", err, sizeof(err)), 0);
	ck_assert_int_eq(password_policy("", err, sizeof(err)), -1);
	ck_assert_int_eq(password_policy(NULL, err, sizeof(err)), -1);

	/* Control characters anywhere, including DEL, tab and newline. */
	ck_assert_int_eq(password_policy("long enough\tpassword", err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "control"));
	ck_assert_int_eq(password_policy("long enough password\n", err,
	    sizeof(err)), -1);
	ck_assert_int_eq(password_policy("long enough\x7fpassword", err,
	    sizeof(err)), -1);
	ck_assert_int_eq(password_policy("\x01long enough password", err,
	    sizeof(err)), -1);

	/* Characters, not bytes: four 3-byte characters are four. */
	ck_assert_int_eq(password_policy("\xe5\xaf\x86\xe7\xa0\x81\xe5\xaf"
	    "\x86\xe7\xa0\x81", err, sizeof(err)), -1);
	ck_assert_int_eq(password_policy("p\xc3\xa4ssw\xc3\xb6rd-123", err,
	    sizeof(err)), 0);

	memset(buf, 'a', sizeof(buf));
	buf[128] = '\0';
	ck_assert_int_eq(password_policy(buf, err, sizeof(err)), 0);
	buf[128] = 'a';
	buf[129] = '\0';
	ck_assert_int_eq(password_policy(buf, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "at most 128"));
}
END_TEST

int
main(void)
{
	Suite	*s;
	TCase	*tc;
	SRunner	*sr;
	int	failed;

	s = suite_create("password");
	tc = tcase_create("core");
	/* argon2id at 64 MiB is slow under the sanitizers. */
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, hash_and_verify);
	tcase_add_test(tc, broken_encoded);
	tcase_add_test(tc, unknown_user_costs_a_verify);
	tcase_add_test(tc, from_threads);
	tcase_add_test(tc, policy);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
