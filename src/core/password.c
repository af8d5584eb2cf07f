/*
 * Admin passwords: argon2id hashing, verification and the length policy.
 *
 * Cost is t=3 passes over m=64 MiB, as in RFC 9106 §4's second recommended
 * option, but with one lane (p=1) instead of four, so libargon2 starts no
 * threads of its own inside a worker. Salt is 16 random bytes, the tag 32,
 * stored as the PHC string libargon2 produces: the parameters travel with
 * the hash and can be raised later without a migration.
 *
 * A hash costs hundreds of milliseconds on purpose, so callers run these
 * functions in a task thread, never on a worker's event loop; libargon2
 * keeps no global state, so concurrent calls are safe.
 *
 * Login must not reveal which usernames exist: when there is no such user
 * the caller passes NULL and we still pay for one full verification, against
 * a fixed hash made with the same parameters, before saying no.
 */
#include <stdio.h>
#include <string.h>

#include <argon2.h>

#include "core/core.h"

#define PW_T_COST	3
#define PW_M_COST	65536		/* KiB */
#define PW_PARALLEL	1
#define PW_SALT_LEN	16
#define PW_HASH_LEN	32

/* Same parameters as password_hash; what it was hashed from is irrelevant. */
static const char	dummy_hash[] =
    "$argon2id$v=19$m=65536,t=3,p=1$Rv6yGvlm9aOkN+AduiLJxg"
    "$Kz77DVaKzZABXM5iy/dSDs0g3/OaVxNbhtJAVSV5b/c";

int
password_hash(const char *pw, char *out, size_t outlen)
{
	uint8_t		salt[PW_SALT_LEN];
	int		rc;

	if (pw == NULL || out == NULL || outlen < PASSWORD_ENCODED_MAX)
		return (-1);
	if (crypto_random(salt, sizeof(salt)) == -1)
		return (-1);
	rc = argon2id_hash_encoded(PW_T_COST, PW_M_COST, PW_PARALLEL, pw,
	    strlen(pw), salt, sizeof(salt), PW_HASH_LEN, out, outlen);
	if (rc != ARGON2_OK) {
		out[0] = '\0';
		return (-1);
	}
	return (0);
}

int
password_verify(const char *encoded, const char *pw)
{
	if (pw == NULL)
		pw = "";
	if (encoded == NULL) {
		(void)argon2id_verify(dummy_hash, pw, strlen(pw));
		return (0);
	}
	return (argon2id_verify(encoded, pw, strlen(pw)) == ARGON2_OK);
}

/*
 * Lengths count characters (UTF-8 code points), not bytes, so a short
 * non-ASCII password cannot pass for a long one. Control characters are
 * refused because they cannot be typed reliably and hide in logs and
 * terminals; a NUL cannot occur in a C string at all, and JSON input
 * carrying \u0000 is refused by the parser before it gets here.
 */
int
password_policy(const char *pw, char *err, size_t errlen)
{
	const unsigned char	*p;
	size_t			chars, bytes;

	if (pw == NULL) {
		(void)snprintf(err, errlen, "a password is required");
		return (-1);
	}
	chars = 0;
	for (p = (const unsigned char *)pw; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			(void)snprintf(err, errlen,
			    "the password must not contain control characters");
			return (-1);
		}
		if ((*p & 0xc0) != 0x80)
			chars++;
	}
	bytes = (size_t)(p - (const unsigned char *)pw);
	if (chars < PASSWORD_MIN_CHARS) {
		(void)snprintf(err, errlen, "the password must be at least %d "
		    "characters long", PASSWORD_MIN_CHARS);
		return (-1);
	}
	if (chars > PASSWORD_MAX_CHARS || bytes > 4 * PASSWORD_MAX_CHARS) {
		(void)snprintf(err, errlen, "the password must be at most %d "
		    "characters long", PASSWORD_MAX_CHARS);
		return (-1);
	}
	return (0);
}
