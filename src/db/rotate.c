/*
 * Key rotation: every sealed value re-encrypted under the new key in one
 * transaction (seed PR13; reference defect (r): there, a new key meant
 * typing every secret again).
 *
 * The rows are locked (FOR UPDATE) while we work, so a secret set through
 * the API meanwhile waits and can't be overwritten with a stale value.
 * Any value that opens with neither key stops the whole run: committing a
 * partial rotation would leave rows that no single key opens. Plaintext
 * exists only between open and seal, in memory we wipe.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/core.h"
#include "db/rotate.h"

static int
rot_exec(PGconn *db, const char *q, char *err, size_t errlen)
{
	PGresult	*r;
	int		ok;

	r = PQexec(db, q);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		(void)snprintf(err, errlen, "%s", PQresultErrorMessage(r));
	PQclear(r);
	return (ok ? 0 : -1);
}

/* Decode a hex column into a fresh buffer. */
static uint8_t *
rot_unhex(const char *hex, size_t *len)
{
	uint8_t		*out;
	size_t		max;

	max = strlen(hex) / 2 + 1;
	if ((out = malloc(max)) == NULL)
		return (NULL);
	if (hex_decode(hex, out, max, len) == -1) {
		free(out);
		return (NULL);
	}
	return (out);
}

/*
 * One row: 1 rotated, 0 already under the new key, -1 error. The row's
 * id, server id and key come in `id`, `sid`, `key`.
 */
static int
rot_one(PGconn *db, const uint8_t new_key[32], const uint8_t old_key[32],
    const char *id, const char *sid, const char *key, const char *ct_hex,
    const char *nonce_hex, char *err, size_t errlen)
{
	PGresult	*r;
	uint8_t		*ct, *nonce, *pt, *nct, nnonce[SECRETBOX_NONCE_LEN];
	size_t		ctlen, nlen, ptlen, nctlen;
	char		aad[256], *ct_out, nonce_out[SECRETBOX_NONCE_LEN * 2 + 1];
	const char	*params[3];
	int		used_old, rc;

	(void)snprintf(aad, sizeof(aad), "server_secret:%s:%s", sid, key);
	ct = rot_unhex(ct_hex, &ctlen);
	nonce = rot_unhex(nonce_hex, &nlen);
	rc = -1;
	pt = NULL;
	nct = NULL;
	ct_out = NULL;
	if (ct == NULL || nonce == NULL || nlen != SECRETBOX_NONCE_LEN) {
		(void)snprintf(err, errlen, "secret %s of server %s: malformed "
		    "ciphertext or nonce", key, sid);
		goto out;
	}
	/* Already sealed under the new key: a repeated or resumed run. */
	if (secretbox_open(new_key, NULL, aad, nonce, ct, ctlen, &pt, &ptlen,
	    &used_old) == 0) {
		rc = 0;
		goto out;
	}
	if (secretbox_open(old_key, NULL, aad, nonce, ct, ctlen, &pt, &ptlen,
	    &used_old) == -1) {
		(void)snprintf(err, errlen, "secret %s of server %s opens with "
		    "neither key (wrong MCPBOX_ENCRYPTION_KEY_OLD?)", key, sid);
		goto out;
	}
	if (secretbox_seal(new_key, aad, pt, ptlen, nnonce, &nct,
	    &nctlen) == -1 || (ct_out = malloc(nctlen * 2 + 1)) == NULL) {
		(void)snprintf(err, errlen, "sealing failed");
		goto out;
	}
	hex_encode(nct, nctlen, ct_out);
	hex_encode(nnonce, sizeof(nnonce), nonce_out);
	params[0] = id;
	params[1] = ct_out;
	params[2] = nonce_out;
	r = PQexecParams(db, "UPDATE server_secrets SET value_ciphertext = "
	    "decode($2, 'hex'), nonce = decode($3, 'hex'), updated_at = now() "
	    "WHERE id = $1::uuid", 3, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		(void)snprintf(err, errlen, "%s", PQresultErrorMessage(r));
	else
		rc = 1;
	PQclear(r);
out:
	if (pt != NULL) {
		explicit_bzero(pt, ptlen);
		free(pt);
	}
	free(ct);
	free(nonce);
	free(nct);
	free(ct_out);
	return (rc);
}

int
db_rotate_key(const char *conninfo, const uint8_t new_key[32],
    const uint8_t old_key[32], char *err, size_t errlen, int *rotated,
    int *skipped)
{
	PGconn		*db;
	PGresult	*r;
	char		counts[64], ignore[8];
	const char	*params[1];
	int		i, n, rc;

	*rotated = 0;
	*skipped = 0;
	db = PQconnectdb(conninfo);
	if (PQstatus(db) != CONNECTION_OK) {
		(void)snprintf(err, errlen, "database unreachable: %s",
		    PQerrorMessage(db));
		PQfinish(db);
		return (-1);
	}
	rc = -1;
	r = NULL;
	if (rot_exec(db, "SET client_min_messages = warning", err, errlen) ||
	    rot_exec(db, "BEGIN", err, errlen))
		goto done;
	/*
	 * External sources have a ciphertext column but no writer yet; a
	 * value there is one this rotation does not know how to open, and
	 * leaving it under the old key would lose it. Refuse instead.
	 */
	r = PQexec(db, "SELECT count(*) FROM external_mcp_sources WHERE "
	    "oauth_tokens_ciphertext IS NOT NULL");
	if (PQresultStatus(r) != PGRES_TUPLES_OK ||
	    strcmp(PQgetvalue(r, 0, 0), "0") != 0) {
		(void)snprintf(err, errlen, "%s", PQresultStatus(r) ==
		    PGRES_TUPLES_OK ? "external source tokens are sealed in a "
		    "form this rotation can't re-encrypt" :
		    PQresultErrorMessage(r));
		goto rollback;
	}
	PQclear(r);
	r = PQexec(db, "SELECT id, server_id, key_name, encode("
	    "value_ciphertext, 'hex'), encode(nonce, 'hex') FROM "
	    "server_secrets WHERE value_ciphertext IS NOT NULL "
	    "ORDER BY id FOR UPDATE");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		(void)snprintf(err, errlen, "%s", PQresultErrorMessage(r));
		goto rollback;
	}
	n = PQntuples(r);
	for (i = 0; i < n; i++) {
		switch (rot_one(db, new_key, old_key, PQgetvalue(r, i, 0),
		    PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
		    PQgetvalue(r, i, 3), PQgetvalue(r, i, 4), err, errlen)) {
		case 1:
			(*rotated)++;
			break;
		case 0:
			(*skipped)++;
			break;
		default:
			goto rollback;
		}
	}
	PQclear(r);
	(void)snprintf(counts, sizeof(counts),
	    "{\"rotated\": %d, \"skipped\": %d}", *rotated, *skipped);
	params[0] = counts;
	r = PQexecParams(db, "SELECT audit('system', 'encryption_key.rotate', "
	    "'encryption key rotated', $1::jsonb, NULL)", 1, NULL, params,
	    NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		(void)snprintf(err, errlen, "%s", PQresultErrorMessage(r));
		goto rollback;
	}
	PQclear(r);
	r = NULL;
	if (rot_exec(db, "COMMIT", err, errlen) == 0)
		rc = 0;
	goto done;
rollback:
	(void)rot_exec(db, "ROLLBACK", ignore, sizeof(ignore));
	*rotated = 0;
	*skipped = 0;
done:
	if (r != NULL)
		PQclear(r);
	PQfinish(db);
	return (rc);
}
