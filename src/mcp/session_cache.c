/*
 * Sessions this worker checked in PostgreSQL during the last 2 s, so that
 * a burst of management calls or tools/list costs one session query, not
 * one each (tool calls already check the session in the query that loads
 * the tool).
 *
 * Staleness is bounded three ways: an entry lives 2 s (the database check
 * then runs again and still touches last_seen_at once a minute); a session
 * ended by any worker of this instance bumps a counter in shared memory
 * (core/stats.c) that makes every entry filled before it invalid at once;
 * and the DELETE statement NOTIFYs mcpbox_session_ended, on which every
 * worker of every instance drops the session.
 */
#include <string.h>

#include "mcp/mcp.h"

#define SCACHE_SLOTS	256
#define SCACHE_TTL_MS	2000

struct scache {
	char		id[MCP_SESSION_LEN + 1];
	char		token[37];	/* the client token it belongs to */
	char		version[32];
	uint64_t	until;
	uint64_t	generation;
};

static struct scache	scache[SCACHE_SLOTS];

/* The one slot a session id can live in; NULL for ids no session has. */
static struct scache *
cache_entry(const char *id)
{
	if (id == NULL || strlen(id) > MCP_SESSION_LEN)
		return (NULL);
	return (&scache[hash_str(HASH_SEED, id) % SCACHE_SLOTS]);
}

/* 1 and the session's protocol version when this worker knows it, for
 * the token (id, or "") that the request came with. */
int
mcp_session_cached(const char *id, const char *token, char *version,
    size_t len)
{
	struct scache	*e;

	if ((e = cache_entry(id)) == NULL || strcmp(e->id, id) != 0 ||
	    strcmp(e->token, token) != 0 ||
	    e->until < clock_ms() || e->generation != stats_sessions_ended())
		return (0);
	(void)snprintf(version, len, "%s", e->version);
	return (1);
}

/*
 * `generation` is stats_sessions_ended() from before the database check
 * began: a session ended while the check ran is not remembered as live.
 */
void
mcp_session_remember(const char *id, const char *token, const char *version,
    uint64_t generation)
{
	struct scache	*e;

	if ((e = cache_entry(id)) == NULL)
		return;
	(void)snprintf(e->id, sizeof(e->id), "%s", id);
	(void)snprintf(e->token, sizeof(e->token), "%s", token);
	(void)snprintf(e->version, sizeof(e->version), "%s", version);
	e->until = clock_ms() + SCACHE_TTL_MS;
	e->generation = generation;
}

void
mcp_session_forget(const char *id)
{
	struct scache	*e;

	if ((e = cache_entry(id)) != NULL && strcmp(e->id, id) == 0)
		memset(e, 0, sizeof(*e));
}

static void
cache_on_session_ended(const char *payload)
{
	mcp_session_forget(payload);
}

void
mcp_session_cache_init(void)
{
	events_on(EVENT_SESSION_ENDED, cache_on_session_ended);
}
