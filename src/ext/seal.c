/*
 * An OAuth source's tokens at rest, worker side (ext.h): sealed
 * with the encryption key under AAD "oauth_tokens:{source_id}" so a row
 * copied onto another source does not open, opened only in the worker
 * that is about to use them, and the PKCE values of a new flow.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "core/core.h"
#include "db/db.h"
#include "db/sql.h"
#include "ext/ext.h"

json_t *
ext_tokens_open(const char *source_id, json_t *col)
{
	uint8_t		*pt;
	size_t		 ptlen;
	char		 aad[80];
	json_t		*t;
	int		 used_old;

	(void)snprintf(aad, sizeof(aad), SEAL_AAD_OAUTH_TOKENS, source_id);
	if (secretbox_open_hex(mcpbox_cfg.enc_key, mcpbox_cfg.has_old_key ?
	    mcpbox_cfg.enc_key_old : NULL, aad, json_string_value(
	    json_object_get(col, "ct")), json_string_value(json_object_get(col,
	    "nonce")), &pt, &ptlen, &used_old) == -1)
		return (NULL);
	t = json_loadb((const char *)pt, ptlen, 0, NULL);
	explicit_bzero(pt, ptlen);
	free(pt);
	if (!json_is_string(json_object_get(t, "access_token"))) {
		ext_json_scrub(t);
		json_decref(t);
		return (NULL);
	}
	return (t);
}

int
ext_tokens_seal(const char *source_id, json_t *tokens, char **cthex,
    char nhex[2 * SECRETBOX_NONCE_LEN + 1])
{
	json_t		*keep;
	char		*text, aad[80];
	int		 rc;

	*cthex = NULL;
	keep = json_pack("{s:O, s:O*}", "access_token", json_object_get(tokens,
	    "access_token"), "refresh_token", json_object_get(tokens,
	    "refresh_token"));
	if (keep == NULL)
		return (-1);
	text = json_dumps(keep, JSON_COMPACT);
	json_decref(keep);
	if (text == NULL)
		return (-1);
	(void)snprintf(aad, sizeof(aad), SEAL_AAD_OAUTH_TOKENS, source_id);
	rc = secretbox_seal_hex(mcpbox_cfg.enc_key, aad, (const uint8_t *)text,
	    strlen(text), cthex, nhex);
	explicit_bzero(text, strlen(text));
	free(text);
	return (rc);
}

/* Tokens a call refreshed: stored without holding up its answer. */
void
ext_tokens_store_refreshed(const char *source_id, json_t *tokens)
{
	const char	*p[4];
	char		*cthex, nhex[2 * SECRETBOX_NONCE_LEN + 1], exp[24];

	if (ext_tokens_seal(source_id, tokens, &cthex, nhex) == -1) {
		log_error("external source %s: refreshed OAuth tokens could "
		    "not be sealed", source_id);
		return;
	}
	(void)snprintf(exp, sizeof(exp), "%lld", (long long)
	    json_integer_value(json_object_get(tokens, "expires_in")));
	p[0] = source_id;
	p[1] = cthex;
	p[2] = nhex;
	p[3] = exp;
	db_exec_detached(SQL_EXT_OAUTH_TOKENS_REFRESHED, 4, p);
	free(cthex);
}

/*
 * A PKCE verifier (43 characters of base64url), its S256 challenge and a
 * state, all from fresh randomness. -1 when there is none.
 */
int
ext_pkce_new(char *verifier, char *challenge, char *state, size_t len)
{
	uint8_t	 md[SHA256_DIGEST_LENGTH];
	char	*s;

	if (crypto_random_token(verifier, len) == -1 ||
	    crypto_random_token(state, len) == -1)
		return (-1);
	(void)SHA256((const unsigned char *)verifier, strlen(verifier), md);
	if ((s = b64url_encode(md, sizeof(md))) == NULL)
		return (-1);
	(void)snprintf(challenge, len, "%s", s);
	free(s);
	return (0);
}

/* Zero the token strings of an object before it is freed. */
void
ext_json_scrub(json_t *o)
{
	static const char *const keys[] = { "access_token", "refresh_token",
	    "auth_value", "code", "code_verifier", NULL };
	const char	*v;
	size_t		 i;

	if (!json_is_object(o))
		return;
	for (i = 0; keys[i] != NULL; i++) {
		v = json_string_value(json_object_get(o, keys[i]));
		if (v != NULL)
			explicit_bzero((char *)(uintptr_t)v, strlen(v));
	}
	ext_json_scrub(json_object_get(o, "oauth"));
}
