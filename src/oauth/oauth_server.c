/*
 * Whether and where MCPbox is an authorization server: the signing key
 * (opened in the parent, before the workers fork), the resource its tokens
 * name and the metadata URL its 401s point to. Tokens and codes are stored
 * only as their SHA-256.
 */
#include <string.h>


#include "oauth/oauth.h"
#include "db/oauthkey.h"

uint8_t	oauth_key[32];
int	oauth_key_ok;

/*
 * Parent, before the workers fork: open (or create) the signing key. Only
 * when a public URL is set: without one nothing is remote and nobody can
 * be issued a token.
 */
int
oauth_parent_init(void)
{
	char	err[256];

	if (mcpbox_cfg.public_url == NULL)
		return (0);
	if (db_oauth_key_load(mcpbox_cfg.database_url, mcpbox_cfg.enc_key,
	    mcpbox_cfg.has_old_key ? mcpbox_cfg.enc_key_old : NULL, oauth_key,
	    err, sizeof(err)) == -1) {
		log_error("cannot open the OAuth signing key: %s", err);
		return (-1);
	}
	oauth_key_ok = 1;
	/* Inherited by the workers; kept current by mcpbox_admin_changed. */
	if (db_oauth_admins_load(mcpbox_cfg.database_url, oauth_admins_set,
	    err, sizeof(err)) == -1) {
		log_error("cannot read the admins for OAuth: %s", err);
		return (-1);
	}
	oauth_admins.known = 1;
	return (0);
}

int
oauth_enabled(void)
{
	return (mcpbox_cfg.public_url != NULL && oauth_key_ok);
}

/* RFC 8707 resource of the MCP endpoint: the public URL + "/mcp". */
void
oauth_resource(char *out, size_t len)
{
	(void)snprintf(out, len, "%s/mcp", mcpbox_cfg.public_url != NULL ?
	    mcpbox_cfg.public_url : "");
}

/*
 * The resource a request's path belongs to: a server's own endpoints
 * (/mcp/{server}, /sse/{server}, /messages/{server} and their metadata
 * path) are "{public}/mcp/{server}"; everything else is "{public}/mcp".
 */
void
oauth_resource_of(const char *path, char *out, size_t len)
{
	static const char *const prefixes[] = { "/mcp", "/sse", "/messages",
	    "/.well-known/oauth-protected-resource/mcp", NULL };
	char	server[IDENT_MAX + 1];
	size_t	i;

	oauth_resource(out, len);
	for (i = 0; prefixes[i] != NULL; i++) {
		if (hx_path_server(path, prefixes[i], server,
		    sizeof(server)) == 1) {
			(void)snprintf(out, len, "%s/mcp/%s",
			    mcpbox_cfg.public_url != NULL ?
			    mcpbox_cfg.public_url : "", server);
			return;
		}
	}
}

/*
 * A resource a client may ask a token for (RFC 8707), normalised into
 * out: the public URL or "{public}/mcp" (everything), or one server's
 * "{public}/mcp/{server}". -1 for anything else.
 */
int
oauth_resource_ok(const char *res, char *out, size_t len)
{
	size_t	n;

	oauth_resource(out, len);
	if (strcmp(res, mcpbox_cfg.public_url) == 0 || strcmp(res, out) == 0)
		return (0);
	n = strlen(out);
	if (strncmp(res, out, n) == 0 && res[n] == '/' &&
	    ident_valid(res + n + 1)) {
		(void)snprintf(out, len, "%s", res);
		return (0);
	}
	return (-1);
}

/* RFC 9728 §3.1: the well-known path goes between host and path. */
void
oauth_metadata_url(const char *path, char *out, size_t len)
{
	char	res[OAUTH_URL_MAX];
	size_t	n;

	oauth_resource_of(path, res, sizeof(res));
	n = mcpbox_cfg.public_url != NULL ? strlen(mcpbox_cfg.public_url) : 0;
	(void)snprintf(out, len, "%s/.well-known/oauth-protected-resource%s",
	    mcpbox_cfg.public_url != NULL ? mcpbox_cfg.public_url : "",
	    res + n);
}
