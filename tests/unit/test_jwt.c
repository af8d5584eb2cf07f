/*
 * Unit tests for src/core/jwt.c: issue and check admin tokens, and refuse
 * every way a token can be wrong (expiry, type, tampering, alg games).
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/core.h"

#define NOW	1700000000

static const uint8_t	secret[] = "0123456789abcdef0123456789abcdef";
#define SECRET_LEN	(sizeof(secret) - 1)

static char *
issue(const char *typ, int ttl)
{
	char	jti[37], *t;
	int64_t	exp;

	t = jwt_issue(secret, SECRET_LEN, "admin", typ, 3, "sid-1", ttl, NOW,
	    jti, &exp);
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(exp, NOW + ttl);
	ck_assert_uint_eq(strlen(jti), 36);
	return (t);
}

static int
check(const char *tok, const char *typ, int64_t now)
{
	struct jwt_claims	cl;

	return (jwt_check(secret, SECRET_LEN, tok, typ, now, &cl));
}

/* header.payload signed with HS256 under `secret`, built by hand. */
static char *
forge(const char *header, const char *payload, const uint8_t *key,
    size_t keylen)
{
	char	*h, *p, *sig, *out, *input;
	uint8_t	mac[32];
	size_t	n;

	h = b64url_encode((const uint8_t *)header, strlen(header));
	p = b64url_encode((const uint8_t *)payload, strlen(payload));
	n = strlen(h) + strlen(p) + 2;
	input = malloc(n);
	(void)snprintf(input, n, "%s.%s", h, p);
	ck_assert_int_eq(crypto_hmac_sha256(key, keylen, input, strlen(input),
	    mac), 0);
	sig = b64url_encode(mac, sizeof(mac));
	n += strlen(sig) + 1;
	out = malloc(n);
	(void)snprintf(out, n, "%s.%s", input, sig);
	free(h);
	free(p);
	free(sig);
	free(input);
	return (out);
}

/* The same by hand with HMAC-SHA512, which libjwt itself would accept. */
static char *
forge_hs512(const char *header, const char *payload)
{
	char		*h, *p, *sig, *out;
	uint8_t		mac[64];
	unsigned int	maclen;
	size_t		n;

	h = b64url_encode((const uint8_t *)header, strlen(header));
	p = b64url_encode((const uint8_t *)payload, strlen(payload));
	n = strlen(h) + strlen(p) + 90;
	out = malloc(n);
	(void)snprintf(out, n, "%s.%s", h, p);
	maclen = sizeof(mac);
	ck_assert_ptr_nonnull(HMAC(EVP_sha512(), secret, SECRET_LEN,
	    (const uint8_t *)out, strlen(out), mac, &maclen));
	sig = b64url_encode(mac, maclen);
	(void)strncat(out, ".", n - strlen(out) - 1);
	(void)strncat(out, sig, n - strlen(out) - 1);
	free(h);
	free(p);
	free(sig);
	return (out);
}

#define GOOD_CLAIMS	"{\"sub\":\"admin\",\"typ\":\"access\",\"pv\":1," \
	"\"jti\":\"j-1\",\"iat\":1700000000,\"exp\":1700000600}"

START_TEST(round_trip)
{
	struct jwt_claims	cl;
	char			jti[37], jti2[37], *t;
	int64_t			exp;

	t = jwt_issue(secret, SECRET_LEN, "admin", "access", 7, "sid-1", 900,
	    NOW, jti, &exp);
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(jwt_check(secret, SECRET_LEN, t, "access", NOW + 1,
	    &cl), 0);
	ck_assert_str_eq(cl.sub, "admin");
	ck_assert_str_eq(cl.typ, "access");
	ck_assert_str_eq(cl.jti, jti);
	ck_assert_int_eq(cl.pv, 7);
	/* The login's family travels in the token. */
	ck_assert_str_eq(cl.sid, "sid-1");
	ck_assert_int_eq(cl.iat, NOW);
	ck_assert_int_eq(cl.exp, NOW + 900);
	ck_assert_int_eq(exp, NOW + 900);
	free(t);

	/* A hand-built HS256 token with every claim is accepted too. */
	t = forge("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", GOOD_CLAIMS, secret,
	    SECRET_LEN);
	ck_assert_int_eq(check(t, "access", NOW), 0);
	free(t);

	/* Unique jti per token. */
	t = jwt_issue(secret, SECRET_LEN, "admin", "access", 7, "sid-1", 900, NOW,
	    jti2, &exp);
	ck_assert_ptr_nonnull(t);
	ck_assert_str_ne(jti, jti2);
	free(t);

	ck_assert_ptr_null(jwt_issue(secret, SECRET_LEN, "", "access", 1, "s",
	    60, NOW, jti, &exp));
	ck_assert_ptr_null(jwt_issue(secret, SECRET_LEN, "admin", "access", 1,
	    "s", 0, NOW, jti, &exp));
	ck_assert_ptr_null(jwt_issue(secret, 0, "admin", "access", 1, "s", 60,
	    NOW, jti, &exp));
	ck_assert_ptr_null(jwt_issue(secret, SECRET_LEN, "admin", "access", 1,
	    "", 60, NOW, jti, &exp));
}
END_TEST

START_TEST(expiry)
{
	char	*t;

	t = issue("access", 900);
	ck_assert_int_eq(check(t, "access", NOW + 899), 0);
	/* Refused at exp itself, not one second later. */
	ck_assert_int_eq(check(t, "access", NOW + 900), -1);
	ck_assert_int_eq(check(t, "access", NOW + 100000), -1);
	free(t);
}
END_TEST

START_TEST(wrong_typ)
{
	char	*t;

	t = issue("refresh", 900);
	ck_assert_int_eq(check(t, "refresh", NOW), 0);
	ck_assert_int_eq(check(t, "access", NOW), -1);
	ck_assert_int_eq(check(t, "", NOW), -1);
	free(t);
	t = issue("access", 900);
	ck_assert_int_eq(check(t, "refresh", NOW), -1);
	free(t);
}
END_TEST

START_TEST(tampered)
{
	char	*t, *dot1, *dot2, *p, c;
	size_t	len;

	t = issue("access", 900);
	dot1 = strchr(t, '.');
	dot2 = strchr(dot1 + 1, '.');
	ck_assert_ptr_nonnull(dot2);

	/* Payload: swap one character. */
	p = dot1 + 5;
	c = *p;
	*p = (c == 'A') ? 'B' : 'A';
	ck_assert_int_eq(check(t, "access", NOW), -1);
	*p = c;
	ck_assert_int_eq(check(t, "access", NOW), 0);

	/* Signature: swap one character in the middle. */
	p = dot2 + 10;
	c = *p;
	*p = (c == 'A') ? 'B' : 'A';
	ck_assert_int_eq(check(t, "access", NOW), -1);
	*p = c;
	ck_assert_int_eq(check(t, "access", NOW), 0);

	/* Signature stripped or truncated. */
	len = strlen(t);
	t[len - 1] = '\0';
	ck_assert_int_eq(check(t, "access", NOW), -1);
	dot2[1] = '\0';
	ck_assert_int_eq(check(t, "access", NOW), -1);
	free(t);

	/* A payload re-signed with any other key. */
	t = forge("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", GOOD_CLAIMS,
	    (const uint8_t *)"another-secret", 14);
	ck_assert_int_eq(check(t, "access", NOW), -1);
	free(t);
}
END_TEST

START_TEST(alg_none_and_others)
{
	char	*h, *p, tok[1024];

	/* alg none, with and without a trailing empty signature. */
	h = b64url_encode((const uint8_t *)"{\"alg\":\"none\",\"typ\":\"JWT\"}",
	    strlen("{\"alg\":\"none\",\"typ\":\"JWT\"}"));
	p = b64url_encode((const uint8_t *)GOOD_CLAIMS, strlen(GOOD_CLAIMS));
	(void)snprintf(tok, sizeof(tok), "%s.%s.", h, p);
	ck_assert_int_eq(check(tok, "access", NOW), -1);
	(void)snprintf(tok, sizeof(tok), "%s.%s", h, p);
	ck_assert_int_eq(check(tok, "access", NOW), -1);
	free(h);

	h = b64url_encode((const uint8_t *)"{\"alg\":\"None\"}", 14);
	(void)snprintf(tok, sizeof(tok), "%s.%s.", h, p);
	ck_assert_int_eq(check(tok, "access", NOW), -1);
	free(h);
	free(p);

	/* HS512, correctly signed with the right secret: still refused. */
	p = forge_hs512("{\"alg\":\"HS512\",\"typ\":\"JWT\"}", GOOD_CLAIMS);
	ck_assert_int_eq(check(p, "access", NOW), -1);
	free(p);
	p = forge("{\"typ\":\"JWT\"}", GOOD_CLAIMS, secret, SECRET_LEN);
	ck_assert_int_eq(check(p, "access", NOW), -1);
	free(p);
}
END_TEST

START_TEST(wrong_secret)
{
	struct jwt_claims	cl;
	char			*t;

	t = issue("access", 900);
	ck_assert_int_eq(jwt_check((const uint8_t *)"not-the-secret", 14, t,
	    "access", NOW, &cl), -1);
	ck_assert_int_eq(jwt_check(secret, SECRET_LEN - 1, t, "access", NOW,
	    &cl), -1);
	ck_assert_str_eq(cl.sub, "");
	free(t);
}
END_TEST

START_TEST(missing_or_mistyped_claims)
{
	static const char	*bad[] = {
		"{\"typ\":\"access\",\"pv\":1,\"jti\":\"j\",\"iat\":1,"
		    "\"exp\":1700000600}",
		"{\"sub\":\"admin\",\"pv\":1,\"jti\":\"j\",\"iat\":1,"
		    "\"exp\":1700000600}",
		"{\"sub\":\"admin\",\"typ\":\"access\",\"jti\":\"j\","
		    "\"iat\":1,\"exp\":1700000600}",
		"{\"sub\":\"admin\",\"typ\":\"access\",\"pv\":1,\"iat\":1,"
		    "\"exp\":1700000600}",
		"{\"sub\":\"admin\",\"typ\":\"access\",\"pv\":1,\"jti\":\"j\","
		    "\"exp\":1700000600}",
		"{\"sub\":\"admin\",\"typ\":\"access\",\"pv\":1,\"jti\":\"j\","
		    "\"iat\":1}",
		"{\"sub\":\"admin\",\"typ\":\"access\",\"pv\":\"1\","
		    "\"jti\":\"j\",\"iat\":1,\"exp\":1700000600}",
		"{\"sub\":\"admin\",\"typ\":\"access\",\"pv\":1,\"jti\":\"j\","
		    "\"iat\":1,\"exp\":\"1700000600\"}",
		"{\"sub\":\"admin\",\"typ\":\"access\",\"pv\":1,\"jti\":\"j\","
		    "\"iat\":1,\"exp\":1.7e9}",
		"{\"sub\":7,\"typ\":\"access\",\"pv\":1,\"jti\":\"j\","
		    "\"iat\":1,\"exp\":1700000600}",
		"{\"sub\":\"admin\",\"typ\":\"access\",\"pv\":99999999999,"
		    "\"jti\":\"j\",\"iat\":1,\"exp\":1700000600}",
	};
	char			*t;
	size_t			i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = forge("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", bad[i], secret,
		    SECRET_LEN);
		ck_assert_msg(check(t, "access", NOW) == -1, "accepted %s",
		    bad[i]);
		free(t);
	}
}
END_TEST

START_TEST(garbage)
{
	static const char	*bad[] = {
		"", ".", "..", "...", "a.b.c", "not a token",
		"eyJhbGciOiJIUzI1NiJ9", "eyJhbGciOiJIUzI1NiJ9..",
		"eyJhbGciOiJIUzI1NiJ9.e30.", "\x01\x02\x03.\xff.\xfe",
	};
	char			*big;
	size_t			i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(check(bad[i], "access", NOW), -1);
	ck_assert_int_eq(check(NULL, "access", NOW), -1);

	/* Over 4096 bytes: refused before it is parsed. */
	big = malloc(JWT_TOKEN_MAX + 2);
	memset(big, 'A', JWT_TOKEN_MAX + 1);
	big[JWT_TOKEN_MAX + 1] = '\0';
	big[10] = '.';
	big[20] = '.';
	ck_assert_int_eq(check(big, "access", NOW), -1);
	free(big);
}
END_TEST

/* Worker loops and task threads check tokens at the same time. */
static void *
check_many(void *arg)
{
	int	i, bad;

	bad = 0;
	for (i = 0; i < 300; i++)
		if (check(arg, "access", NOW) != 0)
			bad++;
	return ((void *)(intptr_t)bad);
}

START_TEST(threads)
{
	pthread_t	th[4];
	void		*r;
	char		*t;
	int		i;

	t = issue("access", 900);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, check_many, t), 0);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(pthread_join(th[i], &r), 0);
		ck_assert_ptr_null(r);
	}
	free(t);
}
END_TEST

int
main(void)
{
	Suite	*s;
	TCase	*tc;
	SRunner	*sr;
	int	failed;

	s = suite_create("jwt");
	tc = tcase_create("core");
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, expiry);
	tcase_add_test(tc, wrong_typ);
	tcase_add_test(tc, tampered);
	tcase_add_test(tc, alg_none_and_others);
	tcase_add_test(tc, wrong_secret);
	tcase_add_test(tc, missing_or_mistyped_claims);
	tcase_add_test(tc, garbage);
	tcase_add_test(tc, threads);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
