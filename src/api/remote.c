/*
 * Remote access settings for the panel (docs/REMOTE-ACCESS.md): the public
 * URL and the front doors come from the environment and are shown, not
 * edited; the registered OAuth clients are listed and can be revoked.
 * Never reachable remotely: api_dispatch refuses the public host.
 */
#include <string.h>

#include "api/api.h"
#include "db/sql.h"
#include "oauth/oauth.h"

int
api_remote_get(struct http_request *req, struct api_ctx *c)
{
	json_t		*o, *doors, *emails;
	const char	*p[1];
	char		*text, res[OAUTH_URL_MAX];
	int		rc;

	doors = json_array();
	if (oauth_enabled())
		json_array_append_new(doors, json_string("oauth"));
	if (cfaccess_enabled())
		json_array_append_new(doors, json_string("cloudflare_access"));
	if (mcpbox_cfg.service_token != NULL)
		json_array_append_new(doors, json_string("service_token"));
	emails = mcpbox_cfg.remote_emails != NULL ?
	    json_string(mcpbox_cfg.remote_emails) : json_null();
	oauth_resource(res, sizeof(res));
	o = json_pack("{s:o, s:o, s:o, s:{s:o, s:o}, s:o, s:i, s:i}",
	    "public_url", mcpbox_cfg.public_url != NULL ?
	    json_string(mcpbox_cfg.public_url) : json_null(),
	    "resource", mcpbox_cfg.public_url != NULL ? json_string(res) :
	    json_null(),
	    "front_doors", doors,
	    "cloudflare_access",
	    "team", mcpbox_cfg.cf_access_issuer != NULL ?
	    json_string(mcpbox_cfg.cf_access_issuer) : json_null(),
	    "aud", mcpbox_cfg.cf_access_aud != NULL ?
	    json_string(mcpbox_cfg.cf_access_aud) : json_null(),
	    "allowed_emails", emails,
	    "access_token_ttl", OAUTH_ACCESS_TTL,
	    "refresh_token_ttl", OAUTH_REFRESH_TTL);
	if (o == NULL || (text = json_dumps(o, JSON_COMPACT)) == NULL) {
		json_decref(o);
		return (hx_error(req, 500, "internal", "encoding failed"));
	}
	json_decref(o);
	p[0] = text;
	rc = api_sql_respond(req, c, SQL_REMOTE_GET_RESPOND, 1, p);
	free(text);
	return (rc);
}

int
api_remote_client_revoke(struct http_request *req, struct api_ctx *c)
{
	const char	*p[2];

	if (!api_uuid_valid(c->param[0]))
		return (hx_error(req, 404, "not_found", "no such client"));
	p[0] = c->param[0];
	p[1] = c->actor;
	return (api_sql_respond(req, c, SQL_REMOTE_CLIENT_REVOKE_RESPOND, 1, p));
}
