/*
 * Approved tool definitions kept by each worker, so a call reads only its
 * session from PostgreSQL (SQL_MCP_SESSION_FOR_CALL), not the tool, its
 * secrets, modules and hosts. Every entry carries the definitions'
 * generation it was loaded under (migration 0058); the session statement
 * reads the current one in the same snapshot, and an entry whose
 * generation is no longer current is dropped and loaded again. So a
 * change (a new version, a revocation, a secret, an approved host) holds
 * from the next call on every worker and instance, with no notification
 * to wait for. Only callable definitions are kept: one that was refused
 * is always asked again. Secrets stay encrypted here; a call opens them.
 */
#include <stdio.h>
#include <string.h>

#include "mcp/mcp.h"

#define CACHE_SLOTS	512		/* a power of two */
#define CACHE_PROBE	8

struct cached_def {
	char		 key[MCP_SCOPE_MAX * 2 + 4];
	json_t		*def;
	long long	 gen;
	uint64_t	 used;
};

static struct cached_def	cache[CACHE_SLOTS];
static uint64_t			cache_clock;

static int
cache_key(char *key, size_t len, const char *server, const char *tool)
{
	int	n;

	n = snprintf(key, len, "%s__%s", server, tool);
	return (n < 0 || (size_t)n >= len ? -1 : 0);
}

/* The slot holding `key`, or NULL. */
static struct cached_def *
cache_find(const char *key)
{
	uint64_t	h;
	int		i;

	h = hash_str(HASH_SEED, key);
	for (i = 0; i < CACHE_PROBE; i++) {
		struct cached_def *c = &cache[(h + (uint64_t)i) &
		    (CACHE_SLOTS - 1)];
		if (c->def != NULL && strcmp(c->key, key) == 0)
			return (c);
	}
	return (NULL);
}

/* The definition of server__tool and its generation (borrowed), or NULL. */
json_t *
mcp_tool_cache_get(const char *server, const char *tool, long long *gen)
{
	struct cached_def	*c;
	char			 key[sizeof(c->key)];

	if (cache_key(key, sizeof(key), server, tool) == -1 ||
	    (c = cache_find(key)) == NULL)
		return (NULL);
	c->used = ++cache_clock;
	*gen = c->gen;
	return (c->def);
}

/* Keep `def` (taken) for server__tool: a free slot, else the least used. */
void
mcp_tool_cache_put(const char *server, const char *tool, long long gen,
    json_t *def)
{
	struct cached_def	*c, *victim;
	char			 key[sizeof(c->key)];
	uint64_t		 h;
	int			 i;

	if (cache_key(key, sizeof(key), server, tool) == -1) {
		json_decref(def);
		return;
	}
	if ((victim = cache_find(key)) == NULL) {
		h = hash_str(HASH_SEED, key);
		for (i = 0; i < CACHE_PROBE; i++) {
			c = &cache[(h + (uint64_t)i) & (CACHE_SLOTS - 1)];
			if (c->def == NULL) {
				victim = c;
				break;
			}
			if (victim == NULL || c->used < victim->used)
				victim = c;
		}
	}
	json_decref(victim->def);
	(void)snprintf(victim->key, sizeof(victim->key), "%s", key);
	victim->def = def;
	victim->gen = gen;
	victim->used = ++cache_clock;
}

void
mcp_tool_cache_drop(const char *server, const char *tool)
{
	struct cached_def	*c;
	char			 key[sizeof(c->key)];

	if (cache_key(key, sizeof(key), server, tool) == 0 &&
	    (c = cache_find(key)) != NULL) {
		json_decref(c->def);
		c->def = NULL;
	}
}
