/*
 * Whether and where MCPbox is an authorization server: the signing key
 * (opened in the parent, before the workers fork), the resource its tokens
 * name and the metadata URL its 401s point to. Tokens and codes are stored
 * only as their SHA-256.
 */
#include <string.h>

#include <openssl/sha.h>

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
	if (db_oauth_admin_load(mcpbox_cfg.database_url, &oauth_admin.pv,
	    oauth_admin.name, sizeof(oauth_admin.name), err,
	    sizeof(err)) == -1) {
		log_error("cannot read the admin for OAuth: %s", err);
		return (-1);
	}
	oauth_admin.known = 1;
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

/* RFC 9728 §3.1: the well-known path goes between host and path. */
void
oauth_metadata_url(char *out, size_t len)
{
	(void)snprintf(out, len, "%s/.well-known/oauth-protected-resource/mcp",
	    mcpbox_cfg.public_url != NULL ? mcpbox_cfg.public_url : "");
}

/* The form in which tokens, codes and flow states are stored. */
void
oauth_sha256_hex(const char *s, char out[OAUTH_TOKEN_HEX])
{
	uint8_t	md[SHA256_DIGEST_LENGTH];

	(void)SHA256((const unsigned char *)s, strlen(s), md);
	hex_encode(md, sizeof(md), out);
}
