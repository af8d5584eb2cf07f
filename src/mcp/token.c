/*
 * A client token as the caller's identity (docs/USERS-AND-TOKENS.md): the
 * gate finds it in PostgreSQL at each request (mcp/transport_common.c),
 * so a token works the moment it is made and is refused the moment it is
 * revoked, on every worker and instance. What it may reach is decided
 * again by the statements that list and call (token_sees, migration 0055).
 */
#include <string.h>

#include "mcp/mcp.h"

/* The token from its row (SQL_CLIENT_TOKEN_FIND): id, name, scope,
 * servers json|NULL. */
void
mcp_token_from_row(struct mcp_token *t, struct db_call *db)
{
	mcp_token_clear(t);
	(void)snprintf(t->id, sizeof(t->id), "%s", db_value(db, 0, 0));
	(void)snprintf(t->name, sizeof(t->name), "%s", db_value(db, 0, 1));
	t->scope = strcmp(db_value(db, 0, 2), "author") == 0 ? TOKEN_AUTHOR :
	    TOKEN_CALL;
	t->servers = db_isnull(db, 0, 3) ? NULL :
	    json_loads(db_value(db, 0, 3), 0, NULL);
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
