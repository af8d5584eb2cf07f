/*
 * Small crypto primitives shared by every folder: randomness, HKDF,
 * HMAC-SHA256, a constant-time compare and UUIDv4. Keys never leave these functions in any
 * printable form.
 */
#include <sys/random.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/sha.h>

#include "core/core.h"

int
crypto_random(void *buf, size_t len)
{
	uint8_t		*p;
	ssize_t		r;

	for (p = buf; len > 0; p += r, len -= (size_t)r) {
		if ((r = getrandom(p, len, 0)) == -1) {
			if (errno == EINTR) {
				r = 0;
				continue;
			}
			return (-1);
		}
	}
	return (0);
}

/* 32 random bytes, base64url: OAuth codes, refresh tokens, form tokens,
 * PKCE verifiers and states. */
int
crypto_random_token(char *out, size_t outlen)
{
	uint8_t	b[32];
	char	*s;

	if (crypto_random(b, sizeof(b)) == -1 ||
	    (s = b64url_encode(b, sizeof(b))) == NULL)
		return (-1);
	explicit_bzero(b, sizeof(b));
	(void)snprintf(out, outlen, "%s", s);
	explicit_bzero(s, strlen(s));
	free(s);
	return (0);
}

/* The form in which tokens, codes and flow states are stored: SHA-256,
 * hex. */
void
crypto_sha256_hex(const char *s, char out[SHA256_HEX])
{
	uint8_t	md[SHA256_DIGEST_LENGTH];

	(void)SHA256((const unsigned char *)s, strlen(s), md);
	hex_encode(md, sizeof(md), out);
}

/* RFC 5869 HKDF-SHA256 with an empty salt. */
int
crypto_hkdf_sha256(const uint8_t *key, size_t keylen, const char *info,
    uint8_t *out, size_t outlen)
{
	EVP_PKEY_CTX	*ctx;
	int		ok;

	if ((ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL)) == NULL)
		return (-1);
	ok = EVP_PKEY_derive_init(ctx) > 0 &&
	    EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()) > 0 &&
	    EVP_PKEY_CTX_set1_hkdf_key(ctx, key, (int)keylen) > 0 &&
	    EVP_PKEY_CTX_add1_hkdf_info(ctx, (const unsigned char *)info,
	    (int)strlen(info)) > 0 &&
	    EVP_PKEY_derive(ctx, out, &outlen) > 0;
	EVP_PKEY_CTX_free(ctx);
	return (ok ? 0 : -1);
}

/* RFC 2104 HMAC-SHA256; a NULL key means the empty key. */
int
crypto_hmac_sha256(const uint8_t *key, size_t keylen, const void *data,
    size_t len, uint8_t out[32])
{
	static const uint8_t	empty[1];
	unsigned int		outlen;

	if (keylen > INT_MAX)
		return (-1);
	if (key == NULL || keylen == 0)
		key = empty;
	if (data == NULL)
		data = empty;
	outlen = 32;
	if (HMAC(EVP_sha256(), key, (int)keylen, data, len, out,
	    &outlen) == NULL || outlen != 32)
		return (-1);
	return (0);
}

int
crypto_ct_equal(const void *a, const void *b, size_t len)
{
	const volatile uint8_t	*x = a, *y = b;
	uint8_t			d;
	size_t			i;

	d = 0;
	for (i = 0; i < len; i++)
		d |= x[i] ^ y[i];
	return (d == 0);
}

void
crypto_uuid4(char out[37])
{
	uint8_t		b[16];

	if (crypto_random(b, sizeof(b)) == -1)
		memset(b, 0, sizeof(b));
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	(void)snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
	    b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
	    b[14], b[15]);
}

/* The canonical 8-4-4-4-12 hex form of a UUID, any case. */
int
uuid_valid(const char *s)
{
	int	i;

	if (s == NULL || strlen(s) != 36)
		return (0);
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return (0);
		} else if (!isxdigit((unsigned char)s[i])) {
			return (0);
		}
	}
	return (1);
}
