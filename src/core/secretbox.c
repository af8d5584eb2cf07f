/*
 * Sealed storage for secrets (server credentials, webhook keys) and the
 * text encodings they travel in.
 *
 * A secret is sealed with AES-256-GCM under MCPBOX_ENCRYPTION_KEY, with a
 * fresh random 96-bit nonce per seal and the 16-byte tag appended to the
 * ciphertext. The AAD names the row and field the secret belongs to
 * (SEAL_AAD_*: `server_secret:{server_id}:{key}`,
 * `oauth_tokens:{source_id}`), so a ciphertext copied into another
 * row fails to open instead of silently decrypting as someone else's value.
 * During a key rotation MCPBOX_ENCRYPTION_KEY_OLD is tried second and the
 * caller is told, so it can re-seal under the new key.
 *
 * The hex and base64 decoders are strict on purpose: they accept exactly
 * one spelling of each byte string (no whitespace, no missing or extra
 * padding, no stray bits), so two layers can never disagree on what a
 * token or key decodes to.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/core.h"

static int	sb_gcm_open(const uint8_t *, const char *, const uint8_t *,
		    const uint8_t *, size_t, uint8_t *);
static int	sb_hex_nibble(char);
static char	*sb_b64_enc(const uint8_t *, size_t, const char *, int);
static int	sb_b64_dec(const char *, const int8_t *, int, uint8_t **,
		    size_t *);
static const int8_t	*sb_b64_reverse(const char *, int8_t[128]);

static const char	b64_std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char	b64_url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int
secretbox_seal(const uint8_t key[32], const char *aad, const uint8_t *pt,
    size_t ptlen, uint8_t nonce[SECRETBOX_NONCE_LEN], uint8_t **ct,
    size_t *ctlen)
{
	EVP_CIPHER_CTX	*ctx;
	uint8_t		*out;
	int		n, ok;

	*ct = NULL;
	*ctlen = 0;
	if (aad == NULL)
		aad = "";
	if (ptlen > INT_MAX - SECRETBOX_TAG_LEN || strlen(aad) > INT_MAX)
		return (-1);
	if (crypto_random(nonce, SECRETBOX_NONCE_LEN) == -1)
		return (-1);
	if ((out = malloc(ptlen + SECRETBOX_TAG_LEN)) == NULL)
		return (-1);
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL) {
		free(out);
		return (-1);
	}
	ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce) == 1 &&
	    EVP_EncryptUpdate(ctx, NULL, &n, (const uint8_t *)aad,
	    (int)strlen(aad)) == 1 &&
	    EVP_EncryptUpdate(ctx, out, &n, pt, (int)ptlen) == 1 &&
	    EVP_EncryptFinal_ex(ctx, out + n, &n) == 1 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SECRETBOX_TAG_LEN,
	    out + ptlen) == 1;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok) {
		OPENSSL_cleanse(out, ptlen + SECRETBOX_TAG_LEN);
		free(out);
		return (-1);
	}
	*ct = out;
	*ctlen = ptlen + SECRETBOX_TAG_LEN;
	return (0);
}

/* One attempt with one key; `out` has room for ctlen - tag bytes. */
static int
sb_gcm_open(const uint8_t *key, const char *aad, const uint8_t *nonce,
    const uint8_t *ct, size_t ctlen, uint8_t *out)
{
	EVP_CIPHER_CTX	*ctx;
	uint8_t		tag[SECRETBOX_TAG_LEN];
	size_t		len;
	int		n, ok;

	len = ctlen - SECRETBOX_TAG_LEN;
	memcpy(tag, ct + len, sizeof(tag));
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return (-1);
	ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce) == 1 &&
	    EVP_DecryptUpdate(ctx, NULL, &n, (const uint8_t *)aad,
	    (int)strlen(aad)) == 1 &&
	    EVP_DecryptUpdate(ctx, out, &n, ct, (int)len) == 1 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, sizeof(tag),
	    tag) == 1 &&
	    EVP_DecryptFinal_ex(ctx, out + n, &n) == 1;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok) {
		/* GCM releases plaintext before the tag is checked. */
		OPENSSL_cleanse(out, len);
		return (-1);
	}
	return (0);
}

int
secretbox_open(const uint8_t key[32], const uint8_t *old_key,
    const char *aad, const uint8_t nonce[SECRETBOX_NONCE_LEN],
    const uint8_t *ct, size_t ctlen, uint8_t **pt, size_t *ptlen,
    int *used_old)
{
	uint8_t		*out;
	size_t		len;
	int		old;

	*pt = NULL;
	*ptlen = 0;
	if (used_old != NULL)
		*used_old = 0;
	if (aad == NULL)
		aad = "";
	if (ctlen < SECRETBOX_TAG_LEN || ctlen > INT_MAX ||
	    strlen(aad) > INT_MAX)
		return (-1);
	len = ctlen - SECRETBOX_TAG_LEN;
	if ((out = malloc(len + 1)) == NULL)
		return (-1);
	old = 0;
	if (sb_gcm_open(key, aad, nonce, ct, ctlen, out) == -1) {
		if (old_key == NULL ||
		    sb_gcm_open(old_key, aad, nonce, ct, ctlen, out) == -1) {
			free(out);
			return (-1);
		}
		old = 1;
	}
	out[len] = '\0';
	*pt = out;
	*ptlen = len;
	if (used_old != NULL)
		*used_old = old;
	return (0);
}

/*
 * secretbox_open for a value kept as hex text (a column read back with
 * encode(..., 'hex')): -1 for malformed hex or a wrong nonce length too.
 */
int
secretbox_open_hex(const uint8_t key[32], const uint8_t *old_key,
    const char *aad, const char *ct_hex, const char *nonce_hex, uint8_t **pt,
    size_t *ptlen, int *used_old)
{
	uint8_t	*ct, nonce[SECRETBOX_NONCE_LEN];
	size_t	 ctlen, nlen, max;
	int	 rc;

	*pt = NULL;
	*ptlen = 0;
	if (ct_hex == NULL || nonce_hex == NULL)
		return (-1);
	max = strlen(ct_hex) / 2 + 1;
	if ((ct = malloc(max)) == NULL)
		return (-1);
	if (hex_decode(ct_hex, ct, max, &ctlen) == -1 ||
	    hex_decode(nonce_hex, nonce, sizeof(nonce), &nlen) == -1 ||
	    nlen != sizeof(nonce)) {
		free(ct);
		return (-1);
	}
	rc = secretbox_open(key, old_key, aad, nonce, ct, ctlen, pt, ptlen,
	    used_old);
	free(ct);
	return (rc);
}

/* secretbox_seal into hex text: *ct_hex is allocated, nonce_hex filled. */
int
secretbox_seal_hex(const uint8_t key[32], const char *aad, const uint8_t *pt,
    size_t ptlen, char **ct_hex, char nonce_hex[SECRETBOX_NONCE_LEN * 2 + 1])
{
	uint8_t	 nonce[SECRETBOX_NONCE_LEN], *ct;
	size_t	 ctlen;

	*ct_hex = NULL;
	if (secretbox_seal(key, aad, pt, ptlen, nonce, &ct, &ctlen) == -1)
		return (-1);
	if ((*ct_hex = malloc(ctlen * 2 + 1)) == NULL) {
		free(ct);
		return (-1);
	}
	hex_encode(ct, ctlen, *ct_hex);
	hex_encode(nonce, sizeof(nonce), nonce_hex);
	free(ct);
	return (0);
}

void
hex_encode(const uint8_t *in, size_t len, char *out)
{
	static const char	digits[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

static int
sb_hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

int
hex_decode(const char *in, uint8_t *out, size_t outmax, size_t *outlen)
{
	size_t		i, n;
	int		hi, lo;

	*outlen = 0;
	n = strlen(in);
	if (n % 2 != 0 || n / 2 > outmax)
		return (-1);
	for (i = 0; i < n / 2; i++) {
		if ((hi = sb_hex_nibble(in[2 * i])) == -1 ||
		    (lo = sb_hex_nibble(in[2 * i + 1])) == -1)
			return (-1);
		out[i] = (uint8_t)((hi << 4) | lo);
	}
	*outlen = n / 2;
	return (0);
}

static char *
sb_b64_enc(const uint8_t *in, size_t len, const char *alpha, int pad)
{
	char		*out, *p;
	size_t		i;
	uint32_t	v;

	if (len > (SIZE_MAX - 1) / 4 * 3 - 3)
		return (NULL);
	if ((out = malloc((len + 2) / 3 * 4 + 1)) == NULL)
		return (NULL);
	p = out;
	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*p++ = alpha[v >> 18];
		*p++ = alpha[(v >> 12) & 0x3f];
		*p++ = alpha[(v >> 6) & 0x3f];
		*p++ = alpha[v & 0x3f];
	}
	if (len - i == 1) {
		v = (uint32_t)in[i] << 16;
		*p++ = alpha[v >> 18];
		*p++ = alpha[(v >> 12) & 0x3f];
		if (pad) {
			*p++ = '=';
			*p++ = '=';
		}
	} else if (len - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		*p++ = alpha[v >> 18];
		*p++ = alpha[(v >> 12) & 0x3f];
		*p++ = alpha[(v >> 6) & 0x3f];
		if (pad)
			*p++ = '=';
	}
	*p = '\0';
	return (out);
}

/*
 * Strict decoder: `pad` says whether '=' padding is required (standard) or
 * forbidden (url). Bits left over in the last symbol must be zero, so each
 * byte string has exactly one accepted encoding.
 */
static int
sb_b64_dec(const char *in, const int8_t *rev, int pad, uint8_t **out,
    size_t *outlen)
{
	uint8_t		*buf, *p;
	size_t		n, i, tail;
	uint32_t	v;
	int		d[4], k;

	*out = NULL;
	*outlen = 0;
	n = strlen(in);
	if (pad) {
		if (n % 4 != 0)
			return (-1);
		if (n > 0 && in[n - 1] == '=')
			n--;
		if (n > 0 && in[n - 1] == '=')
			n--;
	}
	if (n % 4 == 1)
		return (-1);
	if ((buf = malloc(n / 4 * 3 + 3)) == NULL)
		return (-1);
	p = buf;
	tail = n % 4;
	for (i = 0; i < n; i += 4) {
		for (k = 0; k < 4; k++) {
			if (i + k >= n) {
				d[k] = 0;
				continue;
			}
			if ((unsigned char)in[i + k] >= 128 ||
			    (d[k] = rev[(unsigned char)in[i + k]]) < 0)
				goto bad;
		}
		v = (uint32_t)d[0] << 18 | (uint32_t)d[1] << 12 |
		    (uint32_t)d[2] << 6 | (uint32_t)d[3];
		*p++ = (uint8_t)(v >> 16);
		if (i + 4 <= n || tail == 3)
			*p++ = (uint8_t)(v >> 8);
		if (i + 4 <= n)
			*p++ = (uint8_t)v;
		if (i + 4 > n && ((tail == 2 && (d[1] & 0x0f) != 0) ||
		    (tail == 3 && (d[2] & 0x03) != 0)))
			goto bad;
	}
	*p = '\0';
	*out = buf;
	*outlen = (size_t)(p - buf);
	return (0);
bad:
	OPENSSL_cleanse(buf, n / 4 * 3 + 3);
	free(buf);
	return (-1);
}

static const int8_t *
sb_b64_reverse(const char *alpha, int8_t rev[128])
{
	int	i;

	memset(rev, -1, 128);
	for (i = 0; i < 64; i++)
		rev[(unsigned char)alpha[i]] = (int8_t)i;
	return (rev);
}

char *
b64_encode(const uint8_t *in, size_t len)
{
	return (sb_b64_enc(in, len, b64_std, 1));
}

int
b64_decode(const char *in, uint8_t **out, size_t *outlen)
{
	int8_t	rev[128];

	return (sb_b64_dec(in, sb_b64_reverse(b64_std, rev), 1, out, outlen));
}

char *
b64url_encode(const uint8_t *in, size_t len)
{
	return (sb_b64_enc(in, len, b64_url, 0));
}

int
b64url_decode(const char *in, uint8_t **out, size_t *outlen)
{
	int8_t	rev[128];

	return (sb_b64_dec(in, sb_b64_reverse(b64_url, rev), 0, out, outlen));
}

/*
 * Decrypt [{key, ct, nonce}] into {key: value}; NULL on any failure.
 * A server's secrets as its tool calls get them, and an external
 * source's auth secret.
 */
json_t *
secretbox_open_server_secrets(const char *server_id, json_t *rows)
{
	json_t		*out, *r;
	size_t		i, ptlen;
	uint8_t		*pt;
	const char	*key;
	char		aad[256];
	int		used_old;

	out = json_object();
	json_array_foreach(rows, i, r) {
		if ((key = json_string_value(json_object_get(r, "key"))) == NULL)
			goto fail;
		(void)snprintf(aad, sizeof(aad), SEAL_AAD_SERVER_SECRET,
		    server_id, key);
		if (secretbox_open_hex(mcpbox_cfg.enc_key,
		    mcpbox_cfg.has_old_key ? mcpbox_cfg.enc_key_old : NULL, aad,
		    json_string_value(json_object_get(r, "ct")),
		    json_string_value(json_object_get(r, "nonce")), &pt, &ptlen,
		    &used_old) == -1)
			goto fail;
		json_object_set_new(out, key, json_stringn((char *)pt, ptlen));
		explicit_bzero(pt, ptlen);
		free(pt);
	}
	return (out);
fail:
	json_decref(out);
	return (NULL);
}
