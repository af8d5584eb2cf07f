/*
 * /api/servers/{id}/secrets: named credentials a server's tools read at
 * run time.
 *
 * A value is sealed here, in the worker, with AES-256-GCM under
 * MCPBOX_ENCRYPTION_KEY and the AAD `server_secret:{server_id}:{key}`; only
 * ciphertext and nonce reach PostgreSQL, and nothing on this path ever
 * sends a value back or writes it to a log or an audit entry. A secret may
 * exist without a value (a placeholder the admin fills in later), so a tool
 * can declare what it needs before anyone types the credential.
 */
#include <ctype.h>
#include <string.h>

#include "api/api.h"
#include "db/sql.h"

#define SECRET_VALUE_MAX	(64 * 1024)

/* Sealed value as the statements take it: hex text. */
struct sealed {
	char	*ct_hex;
	char	nonce_hex[SECRETBOX_NONCE_LEN * 2 + 1];
};

static void
secrets_sealed_free(void *arg)
{
	struct sealed	*s = arg;

	free(s->ct_hex);
	kore_free(s);
}

/*
 * The server id in the path, lower-cased: the AAD must name the id exactly
 * as PostgreSQL renders it, or a value sealed through an upper-case URL
 * would never open again.
 */
static enum hx_turn
secrets_server_param(struct http_request *req, struct api_ctx *c)
{
	char	*p;

	if (!api_uuid_valid(c->param[0])) {
		hx_error(req, 404, "not_found", "no such server");
		return (HX_ANSWERED);
	}
	for (p = c->param[0]; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return (HX_GO_ON);
}

/* Seal `value` for (server, key) into c->state. */
static int
secrets_seal_value(struct api_ctx *c, const char *key, const char *value)
{
	struct sealed	*s;
	char		aad[256];

	(void)snprintf(aad, sizeof(aad), SEAL_AAD_SERVER_SECRET, c->param[0],
	    key);
	s = kore_calloc(1, sizeof(*s));
	if (secretbox_seal_hex(mcpbox_cfg.enc_key, aad, (const uint8_t *)value,
	    strlen(value), &s->ct_hex, s->nonce_hex) == -1) {
		kore_free(s);
		return (-1);
	}
	c->state = s;
	c->state_free = secrets_sealed_free;
	return (0);
}

static int
secrets_value_check(json_t *body, int required, const char **out,
    json_t *fields)
{
	if (api_field_str(body, "value", required, SECRET_VALUE_MAX, out,
	    fields) == -1)
		return (-1);
	if (*out != NULL && **out == '\0') {
		json_object_set_new(fields, "value", json_string(
		    "must not be empty; omit it for a placeholder"));
		return (-1);
	}
	return (0);
}

int
api_secrets_list(struct http_request *req, struct api_ctx *c)
{
	if (secrets_server_param(req, c) == HX_ANSWERED)
		return (KORE_RESULT_OK);
	return (api_respond_id(req, c, SQL_SECRETS_LIST_RESPOND));
}

int
api_secrets_create(struct http_request *req, struct api_ctx *c)
{
	static const char *const allowed[] = { "key", "description", "value",
	    NULL };
	struct sealed	*s;
	const char	*key, *desc, *value, *p[7];
	json_t		*fields;

	if (secrets_server_param(req, c) == HX_ANSWERED)
		return (KORE_RESULT_OK);
	if (c->step == API_CHECK) {
		if (api_body(req, c) == HX_ANSWERED)
			return (KORE_RESULT_OK);
		fields = json_object();
		api_fields_only(c->body, allowed, fields);
		api_field_str(c->body, "key", 1, 64, &key, fields);
		api_field_str(c->body, "description", 0, 2000, &desc, fields);
		secrets_value_check(c->body, 0, &value, fields);
		if (key != NULL && !secret_key_valid(key))
			json_object_set_new(fields, "key",
			    json_string(SECRET_KEY_RULE));
		if (json_object_size(fields) > 0)
			return (api_invalid(req, fields));
		json_decref(fields);
		if (value != NULL && secrets_seal_value(c, key, value) == -1)
			return (hx_error(req, 500, "internal",
			    "the value could not be sealed"));
		c->step = API_RUN;
	}
	s = c->state;
	desc = json_string_value(json_object_get(c->body, "description"));
	p[0] = c->param[0];
	p[1] = json_string_value(json_object_get(c->body, "key"));
	p[2] = desc != NULL ? desc : "";
	p[3] = s != NULL ? s->ct_hex : NULL;
	p[4] = s != NULL ? s->nonce_hex : NULL;
	p[5] = c->actor;
	p[6] = hx_request_id(req);
	return (api_sql_respond(req, c, SQL_SECRETS_CREATE_RESPOND, 7, p));
}

int
api_secrets_set(struct http_request *req, struct api_ctx *c)
{
	static const char *const allowed[] = { "value", NULL };
	struct sealed	*s;
	const char	*value, *p[6];
	json_t		*fields;

	if (secrets_server_param(req, c) == HX_ANSWERED)
		return (KORE_RESULT_OK);
	if (!secret_key_valid(c->param[1]))
		return (hx_error(req, 404, "not_found", "no such secret"));
	if (c->step == API_CHECK) {
		if (api_body(req, c) == HX_ANSWERED)
			return (KORE_RESULT_OK);
		fields = json_object();
		api_fields_only(c->body, allowed, fields);
		secrets_value_check(c->body, 1, &value, fields);
		if (json_object_size(fields) > 0)
			return (api_invalid(req, fields));
		json_decref(fields);
		if (secrets_seal_value(c, c->param[1], value) == -1)
			return (hx_error(req, 500, "internal",
			    "the value could not be sealed"));
		c->step = API_RUN;
	}
	s = c->state;
	p[0] = c->param[0];
	p[1] = c->param[1];
	p[2] = s->ct_hex;
	p[3] = s->nonce_hex;
	p[4] = c->actor;
	p[5] = hx_request_id(req);
	return (api_sql_respond(req, c, SQL_SECRETS_SET_RESPOND, 6, p));
}

int
api_secrets_delete(struct http_request *req, struct api_ctx *c)
{
	const char	*p[4];

	if (secrets_server_param(req, c) == HX_ANSWERED)
		return (KORE_RESULT_OK);
	if (!secret_key_valid(c->param[1]))
		return (hx_error(req, 404, "not_found", "no such secret"));
	p[0] = c->param[0];
	p[1] = c->param[1];
	p[2] = c->actor;
	p[3] = hx_request_id(req);
	return (api_sql_respond(req, c, SQL_SECRETS_DELETE_RESPOND, 4, p));
}
