/*
 * Unit tests for src/core/secretbox.c (and crypto_hmac_sha256): sealing,
 * key rotation, tamper detection, and the strict hex/base64 codecs.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

static uint8_t	key1[32], key2[32];

static void
keys(void)
{
	memset(key1, 0x11, sizeof(key1));
	memset(key2, 0x22, sizeof(key2));
}

static void
seal(const uint8_t *key, const char *aad, const char *msg,
    uint8_t nonce[12], uint8_t **ct, size_t *ctlen)
{
	ck_assert_int_eq(secretbox_seal(key, aad, (const uint8_t *)msg,
	    strlen(msg), nonce, ct, ctlen), 0);
	ck_assert_uint_eq(*ctlen, strlen(msg) + SECRETBOX_TAG_LEN);
}

START_TEST(round_trip)
{
	uint8_t	nonce[12], nonce2[12], *ct, *ct2, *pt;
	size_t	ctlen, ct2len, ptlen;
	int	used_old;

	keys();
	seal(key1, "server_secret:1:API_KEY", "hunter2-secret", nonce, &ct,
	    &ctlen);
	ck_assert_int_ne(memcmp(ct, "hunter2-secret", 14), 0);
	used_old = 7;
	ck_assert_int_eq(secretbox_open(key1, NULL, "server_secret:1:API_KEY",
	    nonce, ct, ctlen, &pt, &ptlen, &used_old), 0);
	ck_assert_uint_eq(ptlen, 14);
	ck_assert_str_eq((char *)pt, "hunter2-secret");
	ck_assert_int_eq(used_old, 0);
	free(pt);

	/* Fresh nonce per seal: the same input never seals the same way. */
	seal(key1, "server_secret:1:API_KEY", "hunter2-secret", nonce2, &ct2,
	    &ct2len);
	ck_assert_int_ne(memcmp(nonce, nonce2, 12), 0);
	ck_assert_int_ne(memcmp(ct, ct2, ctlen), 0);
	free(ct);
	free(ct2);

	/* Empty plaintext is still authenticated. */
	seal(key1, "a", "", nonce, &ct, &ctlen);
	ck_assert_int_eq(secretbox_open(key1, NULL, "a", nonce, ct, ctlen,
	    &pt, &ptlen, NULL), 0);
	ck_assert_uint_eq(ptlen, 0);
	ck_assert_str_eq((char *)pt, "");
	free(pt);
	ck_assert_int_eq(secretbox_open(key1, NULL, "b", nonce, ct, ctlen,
	    &pt, &ptlen, NULL), -1);
	free(ct);
}
END_TEST

START_TEST(wrong_aad_and_key)
{
	uint8_t	nonce[12], *ct, *pt;
	size_t	ctlen, ptlen;
	int	used_old;

	keys();
	seal(key1, "server_secret:1:API_KEY", "value", nonce, &ct, &ctlen);
	/* Moved to another row or field: refused. */
	ck_assert_int_eq(secretbox_open(key1, NULL, "server_secret:2:API_KEY",
	    nonce, ct, ctlen, &pt, &ptlen, &used_old), -1);
	ck_assert_ptr_null(pt);
	ck_assert_int_eq(secretbox_open(key1, NULL, "server_secret:1:API_KEZ",
	    nonce, ct, ctlen, &pt, &ptlen, &used_old), -1);
	ck_assert_int_eq(secretbox_open(key1, NULL, "", nonce, ct, ctlen,
	    &pt, &ptlen, &used_old), -1);
	ck_assert_int_eq(secretbox_open(key2, NULL, "server_secret:1:API_KEY",
	    nonce, ct, ctlen, &pt, &ptlen, &used_old), -1);
	/* Neither the current nor the old key. */
	ck_assert_int_eq(secretbox_open(key2, key2, "server_secret:1:API_KEY",
	    nonce, ct, ctlen, &pt, &ptlen, &used_old), -1);
	ck_assert_int_eq(used_old, 0);
	free(ct);
}
END_TEST

START_TEST(old_key_rotation)
{
	uint8_t	nonce[12], *ct, *pt;
	size_t	ctlen, ptlen;
	int	used_old;

	keys();
	/* Sealed before the rotation, under what is now the old key. */
	seal(key1, "k", "rotated", nonce, &ct, &ctlen);
	ck_assert_int_eq(secretbox_open(key2, key1, "k", nonce, ct, ctlen,
	    &pt, &ptlen, &used_old), 0);
	ck_assert_int_eq(used_old, 1);
	ck_assert_str_eq((char *)pt, "rotated");
	free(pt);
	/* The current key still wins when it works. */
	ck_assert_int_eq(secretbox_open(key1, key2, "k", nonce, ct, ctlen,
	    &pt, &ptlen, &used_old), 0);
	ck_assert_int_eq(used_old, 0);
	free(pt);
	free(ct);
}
END_TEST

START_TEST(tamper)
{
	uint8_t	nonce[12], *ct, *pt;
	size_t	ctlen, ptlen, i;

	keys();
	seal(key1, "k", "a secret worth stealing", nonce, &ct, &ctlen);
	/* Every single-bit flip, in ciphertext and tag alike, is caught. */
	for (i = 0; i < ctlen * 8; i++) {
		ct[i / 8] ^= (uint8_t)(1 << (i % 8));
		ck_assert_int_eq(secretbox_open(key1, NULL, "k", nonce, ct,
		    ctlen, &pt, &ptlen, NULL), -1);
		ct[i / 8] ^= (uint8_t)(1 << (i % 8));
	}
	for (i = 0; i < 12; i++) {
		nonce[i] ^= 0x01;
		ck_assert_int_eq(secretbox_open(key1, NULL, "k", nonce, ct,
		    ctlen, &pt, &ptlen, NULL), -1);
		nonce[i] ^= 0x01;
	}
	/* Truncated: shorter than a tag, and one byte short. */
	ck_assert_int_eq(secretbox_open(key1, NULL, "k", nonce, ct, 15,
	    &pt, &ptlen, NULL), -1);
	ck_assert_int_eq(secretbox_open(key1, NULL, "k", nonce, ct, ctlen - 1,
	    &pt, &ptlen, NULL), -1);
	ck_assert_int_eq(secretbox_open(key1, NULL, "k", nonce, ct, ctlen,
	    &pt, &ptlen, NULL), 0);
	free(pt);
	free(ct);
}
END_TEST

/* RFC 4231 test case 2. */
START_TEST(hex_columns)
{
	char	*ct_hex, nonce_hex[SECRETBOX_NONCE_LEN * 2 + 1], *bad;
	uint8_t	*pt;
	size_t	 ptlen;
	int	 used_old;

	keys();
	ck_assert_int_eq(secretbox_seal_hex(key1, "oauth_tokens:s1",
	    (const uint8_t *)"tok", 3, &ct_hex, nonce_hex), 0);
	ck_assert_uint_eq(strlen(ct_hex), (3 + SECRETBOX_TAG_LEN) * 2);
	ck_assert_uint_eq(strlen(nonce_hex), SECRETBOX_NONCE_LEN * 2);
	/* The old key is tried second and the caller is told. */
	ck_assert_int_eq(secretbox_open_hex(key2, key1, "oauth_tokens:s1",
	    ct_hex, nonce_hex, &pt, &ptlen, &used_old), 0);
	ck_assert_str_eq((char *)pt, "tok");
	ck_assert_int_eq(used_old, 1);
	free(pt);
	ck_assert_int_eq(secretbox_open_hex(key1, NULL, "oauth_tokens:s2",
	    ct_hex, nonce_hex, &pt, &ptlen, NULL), -1);
	ck_assert_ptr_null(pt);
	/* Malformed hex, a short nonce, or nothing at all: no value. */
	bad = strdup(ct_hex);
	bad[0] = 'x';
	ck_assert_int_eq(secretbox_open_hex(key1, NULL, "oauth_tokens:s1",
	    bad, nonce_hex, &pt, &ptlen, NULL), -1);
	ck_assert_int_eq(secretbox_open_hex(key1, NULL, "oauth_tokens:s1",
	    ct_hex, "00ff", &pt, &ptlen, NULL), -1);
	ck_assert_int_eq(secretbox_open_hex(key1, NULL, "oauth_tokens:s1",
	    NULL, nonce_hex, &pt, &ptlen, NULL), -1);
	free(bad);
	free(ct_hex);
}
END_TEST

START_TEST(hmac_rfc4231)
{
	uint8_t	mac[32];
	char	hex[65];

	ck_assert_int_eq(crypto_hmac_sha256((const uint8_t *)"Jefe", 4,
	    "what do ya want for nothing?", 28, mac), 0);
	hex_encode(mac, sizeof(mac), hex);
	ck_assert_str_eq(hex, "5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843");
}
END_TEST

/* The stored form of tokens (FIPS 180-2 vector), and a client token's
 * length as the gate expects it. */
START_TEST(sha256_hex_and_client_token)
{
	char	hex[SHA256_HEX], rnd[44], tok[CLIENT_TOKEN_LEN + 1];

	crypto_sha256_hex("abc", hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	ck_assert_int_eq(crypto_random_token(rnd, sizeof(rnd)), 0);
	ck_assert_uint_eq(strlen(rnd), 43);
	(void)snprintf(tok, sizeof(tok), "%s%s", CLIENT_TOKEN_PREFIX, rnd);
	ck_assert_uint_eq(strlen(tok), CLIENT_TOKEN_LEN);
}
END_TEST

START_TEST(hex_codec)
{
	uint8_t	in[4] = { 0x00, 0xab, 0x7f, 0xff }, out[8];
	char	hex[9];
	size_t	n;

	hex_encode(in, sizeof(in), hex);
	ck_assert_str_eq(hex, "00ab7fff");
	ck_assert_int_eq(hex_decode("00AB7fff", out, sizeof(out), &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(memcmp(in, out, 4), 0);
	ck_assert_int_eq(hex_decode("", out, sizeof(out), &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(hex_decode("abc", out, sizeof(out), &n), -1);
	ck_assert_int_eq(hex_decode("zz", out, sizeof(out), &n), -1);
	ck_assert_int_eq(hex_decode("0x12", out, sizeof(out), &n), -1);
	ck_assert_int_eq(hex_decode("12 3", out, sizeof(out), &n), -1);
	ck_assert_int_eq(hex_decode("001122", out, 2, &n), -1);
}
END_TEST

START_TEST(b64_codec)
{
	static const char	*v[][2] = {	/* RFC 4648 §10 */
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" },
		{ "foo", "Zm9v" }, { "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	static const char	*bad[] = {
		"Zg", "Zg=", "Zg===", "Z===", "====", "Zm9v\n", " Zm9v",
		"Zm9v YmFy", "Zh==", "Zm9=", "Zm-v", "Zm_v", "Zm=v",
		"Zm9vYmFy=", "\xc3\xa9\xc3\xa9",
	};
	uint8_t			*out, bin[256];
	char			*s;
	size_t			i, n;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		s = b64_encode((const uint8_t *)v[i][0], strlen(v[i][0]));
		ck_assert_str_eq(s, v[i][1]);
		free(s);
		ck_assert_int_eq(b64_decode(v[i][1], &out, &n), 0);
		ck_assert_uint_eq(n, strlen(v[i][0]));
		ck_assert_int_eq(memcmp(out, v[i][0], n), 0);
		free(out);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		out = (uint8_t *)1;
		ck_assert_msg(b64_decode(bad[i], &out, &n) == -1,
		    "accepted \"%s\"", bad[i]);
		ck_assert_ptr_null(out);
	}
	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (uint8_t)(i * 7 + 3);
	for (i = 0; i <= sizeof(bin); i++) {
		s = b64_encode(bin, i);
		ck_assert_int_eq(b64_decode(s, &out, &n), 0);
		ck_assert_uint_eq(n, i);
		ck_assert_int_eq(memcmp(out, bin, i), 0);
		free(out);
		free(s);
	}
}
END_TEST

START_TEST(b64url_codec)
{
	static const char	*bad[] = {
		"Zg==", "Zm8=", "Z", "Zm9vY", "Zh", "Zm9", "Zm+v", "Zm/v",
		"Zm9v\n", "Zm 9", "Zm9v.",
	};
	uint8_t			in[3] = { 0xfb, 0xff, 0xbf }, *out, bin[64];
	char			*s;
	size_t			i, n;

	s = b64url_encode(in, 3);
	ck_assert_str_eq(s, "-_-_");
	free(s);
	s = b64url_encode((const uint8_t *)"f", 1);
	ck_assert_str_eq(s, "Zg");
	free(s);
	s = b64_encode(in, 3);
	ck_assert_str_eq(s, "+/+/");
	free(s);
	ck_assert_int_eq(b64url_decode("-_-_", &out, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(memcmp(out, in, 3), 0);
	free(out);
	ck_assert_int_eq(b64url_decode("Zm8", &out, &n), 0);
	ck_assert_str_eq((char *)out, "fo");
	free(out);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(b64url_decode(bad[i], &out, &n) == -1,
		    "accepted \"%s\"", bad[i]);
	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (uint8_t)(0xff - i * 5);
	for (i = 0; i <= sizeof(bin); i++) {
		s = b64url_encode(bin, i);
		ck_assert_ptr_null(strchr(s, '='));
		ck_assert_int_eq(b64url_decode(s, &out, &n), 0);
		ck_assert_uint_eq(n, i);
		ck_assert_int_eq(memcmp(out, bin, i), 0);
		free(out);
		free(s);
	}
}
END_TEST

int
main(void)
{
	Suite	*s;
	TCase	*tc;
	SRunner	*sr;
	int	failed;

	s = suite_create("secretbox");
	tc = tcase_create("core");
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, wrong_aad_and_key);
	tcase_add_test(tc, old_key_rotation);
	tcase_add_test(tc, tamper);
	tcase_add_test(tc, hex_columns);
	tcase_add_test(tc, hmac_rfc4231);
	tcase_add_test(tc, sha256_hex_and_client_token);
	tcase_add_test(tc, hex_codec);
	tcase_add_test(tc, b64_codec);
	tcase_add_test(tc, b64url_codec);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
