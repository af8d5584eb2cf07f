/*
 * /api/client-tokens: credentials for MCP clients (admins only). The
 * token is shown once, in the creating response; what is stored is its
 * SHA-256 (db/sql_client_tokens.c). What a token lets its client see is
 * enforced by the gateway (mcp/client_tokens.c).
 */
#include <ctype.h>
#include <string.h>

#include "api/api.h"
#include "db/sql.h"

#define TOKEN_SERVERS_MAX	64
#define TOKEN_NAME_RULE \
    "1-64 letters, digits, spaces, '.', '_' or '-', starting with a " \
    "letter or digit"

static int
tokens_name_valid(const char *n)
{
	size_t	i, len = strlen(n);

	if (len < 1 || len > 64 || !isalnum((unsigned char)n[0]))
		return (0);
	for (i = 1; i < len; i++) {
		if (!isalnum((unsigned char)n[i]) && strchr(" ._-", n[i]) ==
		    NULL)
			return (0);
	}
	return (1);
}

/* servers: null (every server) or a list of server names. */
static void
tokens_servers_check(json_t *v, json_t *fields)
{
	size_t	i;
	json_t	*s;

	if (v == NULL || json_is_null(v))
		return;
	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > TOKEN_SERVERS_MAX) {
		json_object_set_new(fields, "servers", json_string("null for "
		    "every server, or a list of 1-64 server names"));
		return;
	}
	json_array_foreach(v, i, s) {
		if (!json_is_string(s) || !ident_valid(json_string_value(s))) {
			json_object_set_new(fields, "servers", json_string(
			    "each a server name: " IDENT_RULE));
			return;
		}
	}
}

int
api_client_tokens_list(struct http_request *req, struct api_ctx *c)
{
	return (api_list_respond(req, c, SQL_CLIENT_TOKENS_LIST_RESPOND));
}

int
api_client_tokens_delete(struct http_request *req, struct api_ctx *c)
{
	return (api_respond_id_by(req, c, SQL_CLIENT_TOKENS_DELETE_RESPOND));
}

/* The row as the statement made it, with the token added: shown once. */
static int
tokens_created(struct http_request *req, struct api_ctx *c,
    const char *token)
{
	json_t	*o;
	int	 status;

	status = atoi(db_value(&c->db, 0, 0));
	o = json_loads(db_value(&c->db, 0, 1), 0, NULL);
	if (o == NULL)
		return (hx_error(req, 500, "internal", "bad row"));
	if (status == 201)
		json_object_set_new(o, "token", json_string(token));
	return (hx_json(req, status, o));
}

int
api_client_tokens_create(struct http_request *req, struct api_ctx *c)
{
	static const char *const allowed[] = { "name", "servers", "scope",
	    "expires_at", NULL };
	const char	*name, *scope, *exp, *p[7];
	json_t		*fields, *servers;
	char		 rnd[44], token[CLIENT_TOKEN_LEN + 1], hash[SHA256_HEX];
	char		*servers_text;
	enum db_status	 st;

	if (c->step == API_CHECK) {
		if (api_body(req, c) == HX_ANSWERED)
			return (KORE_RESULT_OK);
		fields = json_object();
		api_fields_only(c->body, allowed, fields);
		api_field_str(c->body, "name", 1, 64, &name, fields);
		if (name != NULL && !tokens_name_valid(name))
			json_object_set_new(fields, "name",
			    json_string(TOKEN_NAME_RULE));
		api_field_str(c->body, "scope", 1, 16, &scope, fields);
		if (scope != NULL && strcmp(scope, "call") != 0 &&
		    strcmp(scope, "author") != 0)
			json_object_set_new(fields, "scope",
			    json_string("call or author"));
		tokens_servers_check(json_object_get(c->body, "servers"),
		    fields);
		if (!json_is_null(json_object_get(c->body, "expires_at")))
			api_field_str(c->body, "expires_at", 0, 40, &exp,
			    fields);
		if (json_object_size(fields) > 0)
			return (api_invalid(req, fields));
		json_decref(fields);
		if (crypto_random_token(rnd, sizeof(rnd)) == -1)
			return (hx_error(req, 500, "internal",
			    "no randomness"));
		(void)snprintf(token, sizeof(token), "%s%s",
		    CLIENT_TOKEN_PREFIX, rnd);
		explicit_bzero(rnd, sizeof(rnd));
		/* The token lives only in the handler's JSON until shown. */
		c->scratch = json_pack("{s:s}", "token", token);
		explicit_bzero(token, sizeof(token));
		c->step = API_RUN;
	}
	crypto_sha256_hex(json_string_value(json_object_get(c->scratch,
	    "token")), hash);
	servers = json_object_get(c->body, "servers");
	servers_text = json_is_array(servers) ? json_dumps(servers,
	    JSON_COMPACT) : NULL;
	exp = json_string_value(json_object_get(c->body, "expires_at"));
	p[0] = json_string_value(json_object_get(c->body, "name"));
	p[1] = hash;
	p[2] = servers_text;
	p[3] = json_string_value(json_object_get(c->body, "scope"));
	p[4] = exp;
	p[5] = c->actor;
	p[6] = hx_request_id(req);
	st = api_sql(req, c, SQL_CLIENT_TOKENS_CREATE_RESPOND, 7, p);
	free(servers_text);
	if (st == DB_PENDING)
		return (KORE_RESULT_RETRY);
	if (st == DB_FAILED)
		return (api_db_error(req, c));
	return (tokens_created(req, c, json_string_value(json_object_get(
	    c->scratch, "token"))));
}
