/*
 * Key rotation: every sealed value re-encrypted under the new key in one
 * transaction, so a new key never means typing every secret again.
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

#include "db/blocking.h"
#include "core/core.h"
#include "db/rotate.h"

/* Every kind of sealed value: where it lives and the AAD it is bound to. */
static const struct rot_kind {
	const char	*what;		/* for messages, over AAD parts 1, 2 */
	const char	*aad;		/* over AAD parts 1 and 2 */
	const char	*select;	/* id, ct hex, nonce hex, AAD parts */
	const char	*update;	/* $1 id, $2 ct hex, $3 nonce hex */
} rot_kinds[] = {
	{ "server %s's secret %s", SEAL_AAD_SERVER_SECRET,
	    "SELECT id, encode(value_ciphertext, 'hex'), encode(nonce, "
	    "'hex'), server_id, key_name FROM server_secrets WHERE "
	    "value_ciphertext IS NOT NULL ORDER BY id FOR UPDATE",
	    "UPDATE server_secrets SET value_ciphertext = decode($2, 'hex'), "
	    "nonce = decode($3, 'hex'), updated_at = now() "
	    "WHERE id = $1::uuid" },
	{ "external source %s's OAuth tokens%s", SEAL_AAD_OAUTH_TOKENS,
	    "SELECT id, encode(oauth_tokens_ciphertext, 'hex'), "
	    "encode(oauth_token_nonce, 'hex'), id, '' FROM "
	    "external_mcp_sources WHERE oauth_tokens_ciphertext IS NOT NULL "
	    "ORDER BY id FOR UPDATE",
	    "UPDATE external_mcp_sources SET oauth_tokens_ciphertext = "
	    "decode($2, 'hex'), oauth_token_nonce = decode($3, 'hex'), "
	    "updated_at = now() WHERE id = $1::uuid" },
};

/*
 * One value, row `i` of a rot_kind's SELECT: 1 rotated, 0 already under
 * the new key, -1 error.
 */
static int
rot_one(PGconn *db, const struct rot_kind *k, PGresult *rows, int i,
    const uint8_t new_key[32], const uint8_t old_key[32], char *err,
    size_t errlen)
{
	PGresult	*r;
	uint8_t		*pt;
	size_t		 ptlen;
	char		 aad[256], what[160], *ct_out;
	char		 nonce_out[SECRETBOX_NONCE_LEN * 2 + 1];
	const char	*params[3], *ct_hex, *nonce_hex;
	int		 used_old, rc;

	(void)snprintf(aad, sizeof(aad), k->aad, PQgetvalue(rows, i, 3),
	    PQgetvalue(rows, i, 4));
	(void)snprintf(what, sizeof(what), k->what, PQgetvalue(rows, i, 3),
	    PQgetvalue(rows, i, 4));
	ct_hex = PQgetvalue(rows, i, 1);
	nonce_hex = PQgetvalue(rows, i, 2);
	pt = NULL;
	ct_out = NULL;
	/* Already sealed under the new key: a repeated or resumed run. */
	if (secretbox_open_hex(new_key, NULL, aad, ct_hex, nonce_hex, &pt,
	    &ptlen, &used_old) == 0) {
		rc = 0;
		goto out;
	}
	rc = -1;
	if (secretbox_open_hex(old_key, NULL, aad, ct_hex, nonce_hex, &pt,
	    &ptlen, &used_old) == -1) {
		(void)snprintf(err, errlen, "%s opens with neither key (wrong "
		    "MCPBOX_ENCRYPTION_KEY_OLD?)", what);
		goto out;
	}
	if (secretbox_seal_hex(new_key, aad, pt, ptlen, &ct_out,
	    nonce_out) == -1) {
		(void)snprintf(err, errlen, "sealing failed");
		goto out;
	}
	params[0] = PQgetvalue(rows, i, 0);
	params[1] = ct_out;
	params[2] = nonce_out;
	r = PQexecParams(db, k->update, 3, NULL, params, NULL, NULL, 0);
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
	free(ct_out);
	return (rc);
}

/* Every value of one kind; -1 with `err` set stops the whole rotation. */
static int
rot_kind_all(PGconn *db, const struct rot_kind *k, const uint8_t new_key[32],
    const uint8_t old_key[32], char *err, size_t errlen, int *rotated,
    int *skipped)
{
	PGresult	*r;
	int		 i, n, rc;

	r = PQexec(db, k->select);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		(void)snprintf(err, errlen, "%s", PQresultErrorMessage(r));
		PQclear(r);
		return (-1);
	}
	n = PQntuples(r);
	for (i = 0; i < n; i++) {
		if ((rc = rot_one(db, k, r, i, new_key, old_key, err,
		    errlen)) == -1) {
			PQclear(r);
			return (-1);
		}
		if (rc == 1)
			(*rotated)++;
		else
			(*skipped)++;
	}
	PQclear(r);
	return (0);
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
	int		i, rc;

	*rotated = 0;
	*skipped = 0;
	if ((db = db_blocking_connect(conninfo, err, errlen)) == NULL)
		return (-1);
	rc = -1;
	r = NULL;
	if (db_blocking_exec(db, "SET client_min_messages = warning", 0,
	    NULL, err, errlen) ||
	    db_blocking_exec(db, "BEGIN", 0, NULL, err, errlen))
		goto done;
	for (i = 0; i < (int)(sizeof(rot_kinds) / sizeof(rot_kinds[0])); i++) {
		if (rot_kind_all(db, &rot_kinds[i], new_key, old_key, err,
		    errlen, rotated, skipped) == -1)
			goto rollback;
	}
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
	if (db_blocking_exec(db, "COMMIT", 0, NULL, err, errlen) == 0)
		rc = 0;
	goto done;
rollback:
	(void)db_blocking_exec(db, "ROLLBACK", 0, NULL, ignore, sizeof(ignore));
	*rotated = 0;
	*skipped = 0;
done:
	if (r != NULL)
		PQclear(r);
	PQfinish(db);
	return (rc);
}
