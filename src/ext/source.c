/*
 * An external source's row (SQL_EXT_SOURCE_LOAD or _FOR_TOOL) made into
 * what the client needs: approved or not, its URL and transport, and the
 * credential it sends, decrypted here in the worker with the same code a
 * tool call's secrets use. Discovery, OAuth, passthrough calls and the
 * REST routes all start here.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/core.h"
#include "db/db.h"
#include "ext/ext.h"

/* A header name we are willing to send: an RFC 9110 token. */
static int
source_header_ok(const char *h)
{
	size_t	i;

	if (h == NULL || *h == '\0' || strlen(h) > 64)
		return (0);
	for (i = 0; h[i] != '\0'; i++) {
		if (!((h[i] >= 'A' && h[i] <= 'Z') || (h[i] >= 'a' &&
		    h[i] <= 'z') || (h[i] >= '0' && h[i] <= '9') ||
		    strchr("!#$%&'*+-.^_`|~", h[i]) != NULL))
			return (0);
	}
	return (strcasecmp(h, "host") != 0 && strcasecmp(h,
	    "content-length") != 0 && strcasecmp(h, "mcp-session-id") != 0);
}

/*
 * An OAuth source: the access token as a bearer, and what the thread
 * needs to refresh it (the refresh token, endpoint, client, resource).
 */
static json_t *
source_oauth(struct db_call *db, const char *source_id, json_t *src,
    const char **why)
{
	json_t		*col, *tok;
	const char	*at;

	col = json_loads(db_value(db, 0, 9), 0, NULL);
	if (json_object_get(col, "ct") == NULL ||
	    json_is_null(json_object_get(col, "ct"))) {
		json_decref(col);
		json_decref(src);
		*why = "the source uses OAuth and is not authorized yet; an "
		    "admin must authorize it in the MCPbox panel (the server's "
		    "External tab, Authorize)";
		return (NULL);
	}
	if ((tok = ext_tokens_open(source_id, col)) == NULL) {
		json_decref(col);
		json_decref(src);
		*why = "the source's OAuth tokens cannot be decrypted; an "
		    "admin must authorize it again in the MCPbox panel";
		return (NULL);
	}
	at = json_string_value(json_object_get(tok, "access_token"));
	json_object_set_new(src, "auth_header", json_string("Authorization"));
	json_object_set_new(src, "auth_value", json_sprintf("Bearer %s", at));
	/* A copy of the refresh token: tok is scrubbed below. */
	json_object_set_new(src, "oauth", json_pack("{s:s*, s:O, s:O, s:O, "
	    "s:O}", "refresh_token", json_string_value(json_object_get(tok,
	    "refresh_token")),
	    "token_endpoint", json_object_get(col, "token_endpoint"),
	    "client_id", json_object_get(col, "client_id"), "resource",
	    json_object_get(col, "resource"), "expires_at",
	    json_object_get(col, "expires_at")));
	ext_json_scrub(tok);
	json_decref(tok);
	json_decref(col);
	return (src);
}

/*
 * Why MCPbox may not contact the source of a SQL_EXT_SOURCE_LOAD (or
 * _FOR_TOOL) row, or NULL when it may: an admin approved the source as it
 * is now (URL, transport, auth and the secret it sends). Every contact --
 * discovery, OAuth discovery, passthrough calls -- asks this first, so a
 * secret never travels to a URL no admin saw.
 */
const char *
ext_source_unapproved(struct db_call *db)
{
	const char	*st = db_value(db, 0, 10);

	if (strcmp(st, "approved") == 0)
		return (NULL);
	if (strcmp(st, "rejected") == 0)
		return ("an admin rejected this external source; MCPbox does "
		    "not connect to it");
	return ("this external source waits for an admin's review (MCPbox "
	    "panel, Approvals, Sources); MCPbox connects to it only once it "
	    "is approved");
}

/*
 * The client's source description from a SQL_EXT_SOURCE_LOAD (or
 * _FOR_TOOL) row; the auth secret is decrypted here, in the worker, with
 * the same code user tool calls use. NULL with *why on failure.
 */
json_t *
ext_source_open(struct db_call *db, const char *source_id, const char **why)
{
	json_t		*src, *rows, *open;
	const char	*auth, *name, *value, *secret;

	if ((*why = ext_source_unapproved(db)) != NULL)
		return (NULL);
	auth = db_value(db, 0, 2);
	src = json_pack("{s:s, s:s, s:s, s:o}", "id", source_id,
	    "url", db_value(db, 0, 0), "transport", db_value(db, 0, 1),
	    "approved", json_loads(db_value(db, 0, 6), 0, NULL));
	if (strcmp(auth, "none") == 0)
		return (src);
	if (strcmp(auth, "oauth") == 0)
		return (source_oauth(db, source_id, src, why));
	secret = db_value(db, 0, 7);
	rows = json_loads(db_value(db, 0, 4), 0, NULL);
	open = secretbox_open_server_secrets(db_value(db, 0, 5), rows);
	json_decref(rows);
	value = json_string_value(json_object_get(open, secret));
	if (open == NULL || value == NULL || *value == '\0') {
		json_decref(open);
		json_decref(src);
		*why = open == NULL ? "the source's auth secret cannot be "
		    "decrypted; an admin must set it again" : "the source's "
		    "auth secret is not set; an admin must enter its value in "
		    "the MCPbox panel (server secrets)";
		return (NULL);
	}
	if (strcmp(auth, "bearer") == 0) {
		name = "Authorization";
		json_object_set_new(src, "auth_value",
		    json_sprintf("Bearer %s", value));
	} else {
		name = db_isnull(db, 0, 3) ? NULL : db_value(db, 0, 3);
		if (!source_header_ok(name)) {
			json_decref(open);
			json_decref(src);
			*why = "the source's auth header name is not a valid "
			    "HTTP header name";
			return (NULL);
		}
		json_object_set_new(src, "auth_value", json_string(value));
	}
	if (strpbrk(value, "\r\n") != NULL) {
		json_decref(open);
		json_decref(src);
		*why = "the source's auth secret contains a line break";
		return (NULL);
	}
	json_object_set_new(src, "auth_header", json_string(name));
	json_decref(open);
	return (src);
}
