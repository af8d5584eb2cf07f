/*
 * FNV-1a over strings, for in-memory tables keyed by text (prepared
 * statements, remembered sessions, pooled external sessions). Not for
 * anything an attacker could use to collide entries on purpose: those
 * tables only ever hold what the server itself put there.
 */
#include "core/core.h"

/* Hash `s` on top of `h` (start with HASH_SEED); NULL hashes as "". A
 * separator step ends each string, so ("ab","c") and ("a","bc") differ. */
uint64_t
hash_str(uint64_t h, const char *s)
{
	if (s == NULL)
		s = "";
	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ULL;
	return ((h ^ 0xff) * 1099511628211ULL);
}
