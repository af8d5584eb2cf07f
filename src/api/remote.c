/*
 * Remote access settings for the panel (docs/REMOTE-ACCESS.md): the public
 * URL and the front doors come from the environment and are shown, not
 * edited; the registered OAuth clients are listed and can be revoked. The
 * one remote setting kept in the database, whether remote callers may
 * edit tools, is the security policy's remote_tool_editing: PUT writes it
 * through the same statement as the settings route, so the audit trail
 * and the gateway's policy cache see one setting, not two.
 * Never reachable remotely: api_dispatch refuses the public host.
 */
#include <string.h>

#include "api/api.h"
#include "db/sql.h"
#include "oauth/oauth.h"

static int	remote_send(struct http_request *, struct api_ctx *);

int
api_remote_get(struct http_request *req, struct api_ctx *c)
{
	return (remote_send(req, c));
}

static int
remote_send(struct http_request *req, struct api_ctx *c)
{
	json_t		*o, *doors, *emails, *listen;
	const char	*p[1];
	char		*text, res[OAUTH_URL_MAX], door[CONFIG_HOST_MAX + 8];
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
	/* The public door: the only listener a proxy or tunnel may point at. */
	listen = json_null();
	if (mcpbox_cfg.has_public_listen) {
		(void)snprintf(door, sizeof(door), "%s:%s",
		    mcpbox_cfg.public_listen_host,
		    mcpbox_cfg.public_listen_port);
		json_decref(listen);
		listen = json_string(door);
	}
	(void)snprintf(door, sizeof(door), "%s:%s", mcpbox_cfg.listen_host,
	    mcpbox_cfg.listen_port);
	o = json_pack("{s:o, s:s, s:o, s:o, s:o, s:{s:o, s:o}, s:o, s:i, s:i}",
	    "public_listen", listen, "local_listen", door,
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

/* Fields of GET that come from the environment: named so a PUT says so. */
static const char *const env_fields[][2] = {
	{ "public_url", "MCPBOX_PUBLIC_URL" },
	{ "resource", "MCPBOX_PUBLIC_URL" },
	{ "front_doors", "MCPBOX_PUBLIC_URL, MCPBOX_CF_ACCESS_* and "
	    "MCPBOX_SERVICE_TOKEN" },
	{ "cloudflare_access", "MCPBOX_CF_ACCESS_TEAM_DOMAIN and "
	    "MCPBOX_CF_ACCESS_AUD" },
	{ "allowed_emails", "MCPBOX_REMOTE_EMAILS" },
};

/* Changing the remote settings: its steps (c->step). */
enum remote_step {
	REMOTE_CHECK = 0,	/* the body; environment-set fields refused */
	REMOTE_STORE,		/* the policy row */
	REMOTE_SEND,		/* the settings as they now are */
};

int
api_remote_put(struct http_request *req, struct api_ctx *c)
{
	static const char *const allowed[] = { "remote_tool_editing",
	    "public_url", "resource", "front_doors", "cloudflare_access",
	    "allowed_emails", NULL };
	const char	*v, *p[3];
	json_t		*fields;
	enum db_status	st;
	char		msg[160];
	size_t		i;

	if (c->step == REMOTE_CHECK) {
		if (api_body(req, c) == HX_ANSWERED)
			return (KORE_RESULT_OK);
		fields = json_object();
		api_fields_only(c->body, allowed, fields);
		for (i = 0; i < sizeof(env_fields) / sizeof(env_fields[0]);
		    i++) {
			if (json_object_get(c->body, env_fields[i][0]) == NULL)
				continue;
			(void)snprintf(msg, sizeof(msg), "set by the environment "
			    "(%s); change it there and restart",
			    env_fields[i][1]);
			json_object_set_new(fields, env_fields[i][0],
			    json_string(msg));
		}
		v = NULL;
		api_field_str(c->body, "remote_tool_editing", 1, 16, &v, fields);
		if (v != NULL && strcmp(v, "enabled") != 0 &&
		    strcmp(v, "disabled") != 0)
			json_object_set_new(fields, "remote_tool_editing",
			    json_string("enabled or disabled"));
		if (json_object_size(fields) > 0)
			return (api_invalid(req, fields));
		json_decref(fields);
		c->scratch = json_pack("{s:{s:s}}", "changes",
		    "remote_tool_editing", v);
		c->step = REMOTE_STORE;
	}
	if (c->step == REMOTE_STORE) {
		char	*text;

		text = json_dumps(json_object_get(c->scratch, "changes"),
		    JSON_COMPACT);
		p[0] = text;
		p[1] = c->actor;
		p[2] = hx_request_id(req);
		st = api_sql(req, c, SQL_SETTINGS_POLICY_PATCH_RESPOND, 3, p);
		free(text);
		if (st == DB_PENDING)
			return (KORE_RESULT_RETRY);
		if (st == DB_FAILED)
			return (api_db_error(req, c));
		api_next(c, REMOTE_SEND);
	}
	return (remote_send(req, c));
}
