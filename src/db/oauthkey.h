/* The OAuth signing key, opened once in the parent (db/oauthkey.c). */
#ifndef MCPBOX_DB_OAUTHKEY_H
#define MCPBOX_DB_OAUTHKEY_H

#include <stddef.h>
#include <stdint.h>

int	db_oauth_key_load(const char *conninfo, const uint8_t key[32],
	    const uint8_t *old_key, uint8_t out[32], char *err, size_t errlen);

/*
 * The active admin's password version and name ("" when there is none),
 * for the workers' check of OAuth access tokens. 0, or -1 with err.
 */
int	db_oauth_admin_load(const char *conninfo, int *pv, char *name,
	    size_t namelen, char *err, size_t errlen);

#endif
