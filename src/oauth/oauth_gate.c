/*
 * Access tokens and the remote gate in front of /mcp.
 *
 * An access token is an HS256 JWT under the OAuth signing key with iss
 * (the public URL), aud (the resource, RFC 8707: a token minted for
 * another server is refused here and ours is useless there), sub (the
 * admin who consented), client_id, scope, iat, exp and typ "mcp+access"
 * (so no other JWT of ours is ever taken for one). As in core/jwt.c the
 * algorithm is pinned: a token may not choose how it is verified.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <jwt.h>

#include "oauth/oauth.h"

#define ACCESS_TYP	"mcp+access"

struct oauth_admins	oauth_admins;

static struct oauth_admin *
gate_admin_find(const char *name)
{
	size_t	i;

	for (i = 0; i < oauth_admins.n; i++) {
		if (strcmp(oauth_admins.a[i].name, name) == 0)
			return (&oauth_admins.a[i]);
	}
	return (NULL);
}

/* "<version> <name>": that admin's current version; "- <name>": the
 * name is no active admin any more. */
void
oauth_admins_set(const char *payload)
{
	struct oauth_admin	*a;
	const char		*sp;

	oauth_admins.known = 1;
	if ((sp = strchr(payload, ' ')) == NULL || sp[1] == '\0' ||
	    strlen(sp + 1) >= sizeof(a->name))
		return;
	a = gate_admin_find(sp + 1);
	if (payload[0] == '-') {
		if (a != NULL)
			*a = oauth_admins.a[--oauth_admins.n];
		return;
	}
	if (a == NULL) {
		if (oauth_admins.n == OAUTH_ADMINS_MAX)
			return;
		a = &oauth_admins.a[oauth_admins.n++];
		(void)snprintf(a->name, sizeof(a->name), "%s", sp + 1);
	}
	a->pv = atoi(payload);
}

void
oauth_worker_init(void)
{
	events_on(EVENT_ADMIN_CHANGED, oauth_admins_set);
}

char *
oauth_access_issue(const char *sub, int pv, const char *client_id,
    const char *resource, const char *scope, const char *ctid, int64_t now)
{
	jwt_t	*jwt;
	char	jti[37], *tok;
	int	ok;

	if (!oauth_key_ok || jwt_new(&jwt) != 0)
		return (NULL);
	crypto_uuid4(jti);
	ok = jwt_add_grant(jwt, "iss", mcpbox_cfg.public_url) == 0 &&
	    jwt_add_grant(jwt, "sub", sub) == 0 &&
	    jwt_add_grant(jwt, "aud", resource) == 0 &&
	    jwt_add_grant(jwt, "client_id", client_id) == 0 &&
	    jwt_add_grant(jwt, "scope", scope) == 0 &&
	    jwt_add_grant(jwt, "typ", ACCESS_TYP) == 0 &&
	    jwt_add_grant(jwt, "jti", jti) == 0 &&
	    jwt_add_grant_int(jwt, "pv", pv) == 0 &&
	    jwt_add_grant_int(jwt, "iat", (long)now) == 0 &&
	    jwt_add_grant_int(jwt, "exp", (long)(now + OAUTH_ACCESS_TTL)) == 0 &&
	    (ctid == NULL || jwt_add_grant(jwt, "ctid", ctid) == 0) &&
	    jwt_set_alg(jwt, JWT_ALG_HS256, oauth_key, sizeof(oauth_key)) == 0;
	tok = ok ? jwt_encode_str(jwt) : NULL;
	jwt_free(jwt);
	return (tok);
}

static int
gate_str_is(json_t *o, const char *k, const char *want)
{
	json_t	*v = json_object_get(o, k);

	return (json_is_string(v) && strcmp(json_string_value(v), want) == 0);
}

/* Minted under the current password of an active admin of that name. */
static int
gate_admin_current(json_t *s, json_t *pv)
{
	struct oauth_admin	*a;

	if (!oauth_admins.known)
		return (1);
	a = gate_admin_find(json_string_value(s));
	return (a != NULL && json_is_integer(pv) &&
	    json_integer_value(pv) == a->pv);
}

/*
 * 0 and the subject when `token` is a live access token for `resource`:
 * one for the whole of /mcp, or one for that very resource (a server's
 * /mcp/{server}).
 */
int
oauth_access_check(const char *token, const char *resource, int64_t now,
    char *sub, size_t sublen, char ctid[37])
{
	jwt_t		*jwt;
	json_t		*o, *exp, *iat, *s, *pv, *ct;
	char		*js, res[OAUTH_URL_MAX];
	int		rc;

	if (!oauth_key_ok || strnlen(token, JWT_TOKEN_MAX + 1) > JWT_TOKEN_MAX)
		return (-1);
	jwt = NULL;
	if (jwt_decode(&jwt, token, oauth_key, sizeof(oauth_key)) != 0) {
		if (jwt != NULL)
			jwt_free(jwt);
		return (-1);
	}
	rc = -1;
	o = NULL;
	if (jwt_get_alg(jwt) == JWT_ALG_HS256 &&
	    (js = jwt_get_grants_json(jwt, NULL)) != NULL) {
		o = json_loads(js, JSON_REJECT_DUPLICATES, NULL);
		free(js);
	}
	jwt_free(jwt);
	if (o == NULL)
		return (-1);
	oauth_resource(res, sizeof(res));
	exp = json_object_get(o, "exp");
	iat = json_object_get(o, "iat");
	s = json_object_get(o, "sub");
	pv = json_object_get(o, "pv");
	if (gate_str_is(o, "typ", ACCESS_TYP) && (gate_str_is(o, "aud", res) ||
	    gate_str_is(o, "aud", resource)) &&
	    gate_str_is(o, "iss", mcpbox_cfg.public_url) &&
	    json_is_integer(exp) && json_integer_value(exp) > now &&
	    json_is_integer(iat) && json_integer_value(iat) <= now + 60 &&
	    json_is_string(s) && json_string_length(s) > 0 &&
	    json_string_length(s) < sublen && gate_admin_current(s, pv)) {
		(void)snprintf(sub, sublen, "%s", json_string_value(s));
		ct = json_object_get(o, "ctid");
		(void)snprintf(ctid, 37, "%s", json_is_string(ct) &&
		    uuid_valid(json_string_value(ct)) ?
		    json_string_value(ct) : "");
		rc = 0;
	}
	json_decref(o);
	return (rc);
}

/* The 401's pointer to our metadata (RFC 9728 §5.1). */
void
oauth_challenge_header(struct http_request *req, const char *error)
{
	char	meta[OAUTH_URL_MAX], h[OAUTH_URL_MAX + 128];

	oauth_metadata_url(req->path, meta, sizeof(meta));
	if (error != NULL)
		(void)snprintf(h, sizeof(h), "Bearer error=\"%s\", "
		    "resource_metadata=\"%s\"", error, meta);
	else
		(void)snprintf(h, sizeof(h), "Bearer resource_metadata=\"%s\"",
		    meta);
	http_response_header(req, "www-authenticate", h);
}

static int
gate_refuse(struct oauth_verdict *v, int status, const char *why)
{
	v->status = status;
	v->why = why;
	return (0);
}

static int
gate_challenge(struct oauth_verdict *v, const char *error, const char *why)
{
	v->challenge = 1;
	v->error = error;
	return (gate_refuse(v, 401, why));
}

/*
 * The remote part of mcp_gate. The local door passes untouched; on the
 * public door a caller needs the service token (already checked, *remote
 * set), a Cloudflare Access JWT or an access token, whatever its headers
 * say about hosts. Returns 1 to go on (with `who` naming the user for the
 * rate limit, or empty), or 0 with the refusal in `v`, which the caller
 * answers in its own protocol's words.
 */
int
oauth_remote_gate(struct http_request *req, int *remote, char *who,
    size_t wholen, struct oauth_verdict *v)
{
	const char	*h;
	char		sub[128], email[256], resource[OAUTH_URL_MAX];

	memset(v, 0, sizeof(*v));
	*who = '\0';
	if (!hx_public_door(req) || *remote)
		return (1);
	*remote = OAUTH_REMOTE;
	if (cfaccess_enabled() &&
	    http_request_header(req, "cf-access-jwt-assertion", &h)) {
		switch (cfaccess_verify(h, (int64_t)time(NULL), email,
		    sizeof(email))) {
		case CF_OK:
			if (mcpbox_cfg.remote_emails != NULL &&
			    !config_email_allowed(mcpbox_cfg.remote_emails,
			    email))
				return (gate_refuse(v, 403,
				    "forbidden: this user "
				    "is not on the remote allowlist"));
			*remote = OAUTH_REMOTE_USER;
			(void)snprintf(who, wholen, "%s", email);
			return (1);
		case CF_NO_KEY:
			v->retry_after = 1;
			return (gate_refuse(v, 503,
			    "the Access signing keys are "
			    "being fetched; retry"));
		default:
			return (gate_refuse(v, 403,
			    "forbidden: invalid Cloudflare "
			    "Access token"));
		}
	}
	if (!oauth_enabled())
		return (gate_refuse(v, 403, "forbidden: remote access needs a "
		    "front door"));
	if (!http_request_header(req, "authorization", &h))
		return (gate_challenge(v, NULL, "unauthorized: an access token "
		    "is required"));
	oauth_resource_of(req->path, resource, sizeof(resource));
	if (strncasecmp(h, "Bearer ", 7) != 0 ||
	    oauth_access_check(h + 7, resource, (int64_t)time(NULL), sub,
	    sizeof(sub), v->ctid) == -1)
		return (gate_challenge(v, "invalid_token", "unauthorized: the "
		    "access token is invalid or expired"));
	*remote = OAUTH_REMOTE_USER;
	(void)snprintf(who, wholen, "oauth:%s", sub);
	return (1);
}
