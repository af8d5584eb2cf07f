/* The OAuth signing key, opened once in the parent (db/oauthkey.c). */
#ifndef MCPBOX_DB_OAUTHKEY_H
#define MCPBOX_DB_OAUTHKEY_H

#include <stddef.h>
#include <stdint.h>

int	db_oauth_key_load(const char *conninfo, const uint8_t key[32],
	    const uint8_t *old_key, uint8_t out[32], char *err, size_t errlen);

/*
 * Each active admin as "<password version> <name>", for the workers'
 * check of OAuth access tokens. 0, or -1 with err.
 */
int	db_oauth_admins_load(const char *conninfo,
	    void (*each)(const char *), char *err, size_t errlen);

#endif
