/*
 * The key that signs OAuth access tokens (src/oauth), kept sealed in
 * PostgreSQL under the instance key with AAD "oauth_signing_key".
 *
 * The parent opens it once, before the workers fork, with plain blocking
 * libpq like the migrations: every instance sharing the database then
 * signs and verifies with the same key, and a worker never touches it on
 * a request path. The first instance to start creates it (two racing
 * starts agree through ON CONFLICT and re-read). A key sealed under
 * MCPBOX_ENCRYPTION_KEY_OLD is re-sealed under the new key on the spot; a
 * key neither opens is replaced, which only signs every remote client out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "db/blocking.h"
#include "core/core.h"
#include "db/oauthkey.h"

#define AAD	"oauth_signing_key"

static const char	SQL_KEY_GET[] =
    "SELECT encode(ciphertext, 'hex'), encode(nonce, 'hex') "
    "FROM oauth_signing_key WHERE id = 1";
static const char	SQL_KEY_PUT[] =
    "INSERT INTO oauth_signing_key (id, ciphertext, nonce) "
    "VALUES (1, decode($1, 'hex'), decode($2, 'hex')) "
    "ON CONFLICT (id) DO NOTHING";
static const char	SQL_KEY_REPLACE[] =
    "UPDATE oauth_signing_key SET ciphertext = decode($1, 'hex'), "
    "nonce = decode($2, 'hex'), created_at = now() WHERE id = 1";

/* Seal `pt` and write it with `q`. */
static int
key_store(PGconn *db, const char *q, const uint8_t key[32],
    const uint8_t pt[32], char *err, size_t errlen)
{
	uint8_t		nonce[SECRETBOX_NONCE_LEN], *ct;
	size_t		ctlen;
	char		*cthex, nhex[SECRETBOX_NONCE_LEN * 2 + 1];
	const char	*p[2];
	int		ok;

	if (secretbox_seal(key, AAD, pt, 32, nonce, &ct, &ctlen) == -1) {
		(void)snprintf(err, errlen, "cannot seal the OAuth key");
		return (-1);
	}
	if ((cthex = malloc(ctlen * 2 + 1)) == NULL) {
		free(ct);
		return (-1);
	}
	hex_encode(ct, ctlen, cthex);
	hex_encode(nonce, sizeof(nonce), nhex);
	free(ct);
	p[0] = cthex;
	p[1] = nhex;
	ok = db_blocking_exec(db, q, 2, p, err, errlen) == 0;
	free(cthex);
	return (ok ? 0 : -1);
}

/* 1 opened into out, 0 no row, -1 a row no key opens, -2 error. */
static int
key_open(PGconn *db, const uint8_t key[32], const uint8_t *old_key,
    uint8_t out[32], int *used_old, char *err, size_t errlen)
{
	PGresult	*r;
	uint8_t		ct[128], nonce[64], *pt;
	size_t		ctlen, nlen, ptlen;
	int		rc;

	r = PQexec(db, SQL_KEY_GET);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		(void)snprintf(err, errlen, "%s", PQresultErrorMessage(r));
		PQclear(r);
		return (-2);
	}
	if (PQntuples(r) == 0) {
		PQclear(r);
		return (0);
	}
	rc = -1;
	pt = NULL;
	if (hex_decode(PQgetvalue(r, 0, 0), ct, sizeof(ct), &ctlen) == 0 &&
	    hex_decode(PQgetvalue(r, 0, 1), nonce, sizeof(nonce), &nlen) == 0 &&
	    nlen == SECRETBOX_NONCE_LEN &&
	    secretbox_open(key, old_key, AAD, nonce, ct, ctlen, &pt, &ptlen,
	    used_old) == 0 && ptlen == 32) {
		memcpy(out, pt, 32);
		rc = 1;
	}
	if (pt != NULL) {
		explicit_bzero(pt, ptlen);
		free(pt);
	}
	PQclear(r);
	return (rc);
}

int
db_oauth_key_load(const char *conninfo, const uint8_t key[32],
    const uint8_t *old_key, uint8_t out[32], char *err, size_t errlen)
{
	PGconn		*db;
	uint8_t		fresh[32];
	int		rc, used_old, tries;

	db = PQconnectdb(conninfo);
	if (PQstatus(db) != CONNECTION_OK) {
		(void)snprintf(err, errlen, "%s", PQerrorMessage(db));
		PQfinish(db);
		return (-1);
	}
	rc = -2;
	for (tries = 0; tries < 2; tries++) {
		used_old = 0;
		rc = key_open(db, key, old_key, out, &used_old, err, errlen);
		if (rc == 1 && used_old)
			rc = key_store(db, SQL_KEY_REPLACE, key, out, err,
			    errlen) == 0 ? 1 : -2;
		if (rc != 0 && rc != -1)
			break;
		if (crypto_random(fresh, sizeof(fresh)) == -1) {
			rc = -2;
			break;
		}
		if (rc == -1)
			log_warn("the OAuth signing key opens with no configured "
			    "key; replacing it (remote clients sign in again)");
		if (key_store(db, rc == -1 ? SQL_KEY_REPLACE : SQL_KEY_PUT, key,
		    fresh, err, errlen) == -1) {
			rc = -2;
			break;
		}
	}
	explicit_bzero(fresh, sizeof(fresh));
	PQfinish(db);
	return (rc == 1 ? 0 : -1);
}

int
db_oauth_admins_load(const char *conninfo, void (*each)(const char *),
    char *err, size_t errlen)
{
	PGconn		*db;
	PGresult	*r;
	int		 i, rc = -1;

	db = PQconnectdb(conninfo);
	if (PQstatus(db) != CONNECTION_OK) {
		(void)snprintf(err, errlen, "%s", PQerrorMessage(db));
		PQfinish(db);
		return (-1);
	}
	r = PQexec(db, "SELECT password_version::text || ' ' || username "
	    "FROM admin_users WHERE is_active AND role = 'admin'");
	if (PQresultStatus(r) == PGRES_TUPLES_OK) {
		for (i = 0; i < PQntuples(r); i++)
			each(PQgetvalue(r, i, 0));
		rc = 0;
	} else
		(void)snprintf(err, errlen, "%s", PQerrorMessage(db));
	PQclear(r);
	PQfinish(db);
	return (rc);
}
