/*
 * The client tokens this worker knows (db/sql_client_tokens.c), so the
 * gate can tell who a request is without a query: read at start, again at
 * once when any token changes (NOTIFY mcpbox_client_tokens, on every
 * worker of every instance) and every few seconds as a fallback.
 *
 * The copy decides only who the caller is. What the caller may reach is
 * decided by PostgreSQL in the statements that list and call (token_sees,
 * migration 0055): a token revoked a moment ago is refused there even by
 * a worker whose copy is behind, and its sessions are gone with it.
 */
#include <string.h>

#include "mcp/mcp.h"
#include "db/sql.h"

#define TOKENS_REFRESH_MS	5000
#define TOKENS_MAX		4096

struct known_token {
	char		id[37];
	char		hash[SHA256_HEX];	/* "" for an OAuth consent's */
	char		name[65];
	enum token_scope scope;
	json_t		*servers;
	int64_t		expires;		/* 0: never */
};

static void	tokens_rows(PGresult *);

static struct db_reload		tokens_reload = { SQL_CLIENT_TOKENS_LOAD,
				    tokens_rows, 0, 0 };
static struct known_token	*tokens;
static size_t			ntokens;
static int			tokens_loaded;

static void
tokens_free(struct known_token *t, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		json_decref(t[i].servers);
	kore_free(t);
}

static void
tokens_rows(PGresult *res)
{
	struct known_token	*t;
	size_t			 i, n;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK)
		return;
	n = (size_t)PQntuples(res);
	if (n > TOKENS_MAX)
		n = TOKENS_MAX;
	t = kore_calloc(n + 1, sizeof(*t));
	for (i = 0; i < n; i++) {
		(void)snprintf(t[i].id, sizeof(t[i].id), "%s",
		    PQgetvalue(res, (int)i, 0));
		(void)snprintf(t[i].hash, sizeof(t[i].hash), "%s",
		    PQgetvalue(res, (int)i, 1));
		(void)snprintf(t[i].name, sizeof(t[i].name), "%s",
		    PQgetvalue(res, (int)i, 2));
		t[i].scope = strcmp(PQgetvalue(res, (int)i, 3), "author") == 0 ?
		    TOKEN_AUTHOR : TOKEN_CALL;
		t[i].servers = PQgetisnull(res, (int)i, 4) ? NULL :
		    json_loads(PQgetvalue(res, (int)i, 4), 0, NULL);
		t[i].expires = PQgetisnull(res, (int)i, 5) ? 0 :
		    strtoll(PQgetvalue(res, (int)i, 5), NULL, 10);
	}
	if (tokens != NULL)
		tokens_free(tokens, ntokens);
	tokens = t;
	ntokens = n;
	tokens_loaded = 1;
}

static void
tokens_on_change(const char *payload)
{
	db_reload_now(&tokens_reload);
}

void
mcp_tokens_init(void)
{
	events_on(EVENT_CLIENT_TOKENS, tokens_on_change);
	/* The listener reconnected: changes may have been missed. */
	events_on(EVENT_TOOLS_CHANGED, tokens_on_change);
	db_reload_start(&tokens_reload, TOKENS_REFRESH_MS);
}

static enum token_find
tokens_take(const struct known_token *t, struct mcp_token *out)
{
	if (t->expires != 0 && t->expires <= (int64_t)time(NULL))
		return (TOKEN_UNKNOWN);
	mcp_token_clear(out);
	(void)snprintf(out->id, sizeof(out->id), "%s", t->id);
	(void)snprintf(out->name, sizeof(out->name), "%s", t->name);
	out->scope = t->scope;
	out->servers = json_incref(t->servers);
	return (TOKEN_FOUND);
}

/* The token whose secret a client sent. */
enum token_find
mcp_token_by_secret(const char *secret, struct mcp_token *out)
{
	char	hash[SHA256_HEX];
	size_t	i;

	if (!tokens_loaded)
		return (TOKEN_NOT_READY);
	if (strlen(secret) != CLIENT_TOKEN_LEN)
		return (TOKEN_UNKNOWN);
	crypto_sha256_hex(secret, hash);
	for (i = 0; i < ntokens; i++) {
		if (tokens[i].hash[0] != '\0' &&
		    crypto_ct_equal(tokens[i].hash, hash, SHA256_HEX - 1))
			return (tokens_take(&tokens[i], out));
	}
	return (TOKEN_UNKNOWN);
}

/* The row an OAuth access token names (its consent's servers, scope). */
enum token_find
mcp_token_by_id(const char *id, struct mcp_token *out)
{
	size_t	i;

	if (!tokens_loaded)
		return (TOKEN_NOT_READY);
	for (i = 0; i < ntokens; i++) {
		if (tokens[i].hash[0] == '\0' && strcmp(tokens[i].id, id) == 0)
			return (tokens_take(&tokens[i], out));
	}
	return (TOKEN_UNKNOWN);
}

/* May the token's client see `server`? (No token: yes.) */
int
mcp_token_sees(const struct mcp_token *t, const char *server)
{
	size_t	i;
	json_t	*s;

	if (t->id[0] == '\0' || t->servers == NULL)
		return (1);
	json_array_foreach(t->servers, i, s) {
		if (json_is_string(s) && server != NULL &&
		    strcmp(json_string_value(s), server) == 0)
			return (1);
	}
	return (0);
}

void
mcp_token_copy(struct mcp_token *dst, const struct mcp_token *src)
{
	memcpy(dst, src, sizeof(*dst));
	json_incref(dst->servers);
}

void
mcp_token_clear(struct mcp_token *t)
{
	json_decref(t->servers);
	memset(t, 0, sizeof(*t));
}

const char *
mcp_token_param(const struct mcp_token *t)
{
	return (t->id[0] != '\0' ? t->id : NULL);
}
