/*
 * Re-encrypting every sealed value under a new MCPBOX_ENCRYPTION_KEY
 * (`mcpbox rotate-key`). Plain libpq and core/, no Kore, so it runs from
 * the command line before (or instead of) the server.
 */
#ifndef MCPBOX_DB_ROTATE_H
#define MCPBOX_DB_ROTATE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Open every sealed value (server secrets, external sources' OAuth
 * tokens) with `old_key` and seal it again under
 * `new_key` with a fresh nonce, all in one transaction. A value that
 * already opens with the new key is counted as skipped, so a rotation
 * interrupted or repeated is safe to run again. Returns 0 with the counts,
 * or -1 with the reason in `err` and nothing changed.
 */
int	db_rotate_key(const char *conninfo, const uint8_t new_key[32],
	    const uint8_t old_key[32], char *err, size_t errlen, int *rotated,
	    int *skipped);

#endif
