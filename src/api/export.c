/*
 * GET /api/export and POST /api/import: the configuration as one signed
 * JSON document.
 *
 * Format (version 1):
 *   {"format": "mcpbox-export", "version": 1, "exported_at": "...Z",
 *    "servers": [{"name", "description", "default_timeout_ms",
 *      "tools": [{"name", "description", "python_code", "input_schema",
 *                 "timeout_ms", "enabled", "title", "annotations",
 *                 "icons", "output_schema"}],
 *      "secrets": [{"key", "description"}],
 *      "allowed_hosts": [{"host", "port"}]}],
 *    "signature": "<64 hex>"}
 *
 * The signature is HMAC-SHA256 over the canonical form of the document
 * without "signature": compact JSON with object keys sorted, as jansson
 * writes it (JSON_COMPACT | JSON_SORT_KEYS). The key is derived from
 * MCPBOX_ENCRYPTION_KEY with HKDF-SHA256 and the label "mcpbox export v1",
 * so only an instance holding the same key accepts the file, and the
 * encryption key itself is never used for two purposes. During a key
 * rotation a file signed under MCPBOX_ENCRYPTION_KEY_OLD is accepted too.
 * The signature vouches for where a file came from, not for its contents:
 * imported tools still go through review (db/sql_export.c).
 */
#include <stdarg.h>
#include <string.h>

#include "api/api.h"
#include "db/sql.h"

#define IMPORT_BODY_MAX	(8 * 1024 * 1024)
#define IMPORT_SERVERS_MAX	500
#define IMPORT_TOOLS_MAX	1000
#define EXPORT_LABEL	"mcpbox export v1"

/* HMAC of the canonical form of `doc` (whose "signature" is ignored). */
static int
export_mac(const uint8_t enc_key[32], json_t *doc, uint8_t mac[32])
{
	uint8_t		key[32];
	json_t		*copy;
	char		*text;
	int		rc;

	if ((copy = json_copy(doc)) == NULL)
		return (-1);
	json_object_del(copy, "signature");
	text = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(copy);
	if (text == NULL)
		return (-1);
	rc = -1;
	if (crypto_hkdf_sha256(enc_key, 32, EXPORT_LABEL, key,
	    sizeof(key)) == 0 && crypto_hmac_sha256(key, sizeof(key), text,
	    strlen(text), mac) == 0)
		rc = 0;
	explicit_bzero(key, sizeof(key));
	free(text);
	return (rc);
}

int
api_export(struct http_request *req, struct api_ctx *c)
{
	const char	*p[2];
	enum db_status	st;
	json_t		*doc;
	uint8_t		mac[32];
	char		hex[65];

	p[0] = c->actor;
	p[1] = hx_request_id(req);
	st = api_sql(req, c, SQL_EXPORT_DOCUMENT, 2, p);
	if (st == DB_PENDING)
		return (KORE_RESULT_RETRY);
	if (st == DB_FAILED)
		return (api_db_error(req, c));
	if (db_ntuples(&c->db) != 1 ||
	    (doc = json_loads(db_value(&c->db, 0, 0), 0, NULL)) == NULL)
		return (hx_error(req, 500, "internal", "unexpected result"));
	if (export_mac(mcpbox_cfg.enc_key, doc, mac) == -1) {
		json_decref(doc);
		return (hx_error(req, 500, "internal", "signing failed"));
	}
	hex_encode(mac, sizeof(mac), hex);
	json_object_set_new(doc, "signature", json_string(hex));
	http_response_header(req, "content-disposition",
	    "attachment; filename=\"mcpbox-export.json\"");
	return (hx_json(req, 200, doc));
}

/* 1 when the signature is ours (current key, or the old one). */
static int
export_signature_ok(json_t *doc)
{
	json_t		*sig;
	uint8_t		want[32], mac[32];
	size_t		len;
	int		ok;

	sig = json_object_get(doc, "signature");
	if (!json_is_string(sig) || hex_decode(json_string_value(sig), want,
	    sizeof(want), &len) == -1 || len != sizeof(want))
		return (0);
	ok = export_mac(mcpbox_cfg.enc_key, doc, mac) == 0 &&
	    crypto_ct_equal(mac, want, sizeof(mac));
	if (!ok && mcpbox_cfg.has_old_key)
		ok = export_mac(mcpbox_cfg.enc_key_old, doc, mac) == 0 &&
		    crypto_ct_equal(mac, want, sizeof(mac));
	return (ok);
}

static void
export_bad(json_t *fields, const char *msg, const char *fmt, ...)
{
	va_list	ap;
	char	key[96];

	va_start(ap, fmt);
	(void)vsnprintf(key, sizeof(key), fmt, ap);
	va_end(ap);
	if (json_object_get(fields, key) == NULL)
		json_object_set_new(fields, key, json_string(msg));
}

static int
export_opt_string(json_t *o, const char *k, size_t max)
{
	json_t	*v = json_object_get(o, k);

	return (v == NULL || json_is_null(v) || (json_is_string(v) &&
	    json_string_length(v) <= max &&
	    strlen(json_string_value(v)) == json_string_length(v)));
}

static int
export_opt_int(json_t *o, const char *k, long min, long max)
{
	json_t	*v = json_object_get(o, k);

	return (v == NULL || json_is_null(v) || (json_is_integer(v) &&
	    json_integer_value(v) >= min && json_integer_value(v) <= max));
}

/*
 * What a tool, resource or prompt needs besides its name: code for a
 * tool (and for a computed item), a definition the kind accepts for the
 * others (core/itemdef.c), as their authors were held to.
 */
static void
export_check_item(json_t *t, size_t si, size_t i, json_t *fields)
{
	json_t		*v = json_object_get(t, "python_code");
	json_t		*k = json_object_get(t, "kind");
	const char	*kind = json_string_value(k);
	char		 why[256];
	int		 code = v != NULL && !json_is_null(v);

	if (k != NULL && !itemdef_kind_valid(kind)) {
		export_bad(fields, "one of tool, resource, prompt",
		    "servers[%zu].tools[%zu].kind", si, i);
		return;
	}
	if ((code || kind == NULL || strcmp(kind, "tool") == 0) &&
	    (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > SBX_CODE_MAX ||
	    strlen(json_string_value(v)) != json_string_length(v)))
		export_bad(fields, "code of 1 to 102400 bytes",
		    "servers[%zu].tools[%zu].python_code", si, i);
	if (kind == NULL || strcmp(kind, "tool") == 0) {
		v = json_object_get(t, "definition");
		if (v != NULL && !json_is_null(v))
			export_bad(fields, "a tool has no definition",
			    "servers[%zu].tools[%zu].definition", si, i);
	} else if (itemdef_check(kind, json_object_get(t, "definition"), code,
	    why, sizeof(why)) == -1)
		export_bad(fields, why, "servers[%zu].tools[%zu].definition",
		    si, i);
}

static void
export_check_tools(json_t *tools, size_t si, json_t *fields)
{
	json_t		*t, *v, *seen;
	const char	*name, *bad;
	char		 why[256];
	size_t		i;

	if (tools == NULL)
		return;
	if (!json_is_array(tools) || json_array_size(tools) >
	    IMPORT_TOOLS_MAX) {
		export_bad(fields, "a list of tools", "servers[%zu].tools", si);
		return;
	}
	seen = json_object();
	json_array_foreach(tools, i, t) {
		v = json_object_get(t, "name");
		name = json_string_value(v);
		if (!json_is_object(t) || name == NULL ||
		    !ident_valid(name))
			export_bad(fields, "not a valid tool name",
			    "servers[%zu].tools[%zu].name", si, i);
		else if (json_object_get(seen, name) != NULL)
			export_bad(fields, "appears twice in this server",
			    "servers[%zu].tools[%zu].name", si, i);
		else
			json_object_set_new(seen, name, json_true());
		if (!json_is_object(t))
			continue;
		export_check_item(t, si, i, fields);
		if (!export_opt_string(t, "description", 2000))
			export_bad(fields, "a string of at most 2000",
			    "servers[%zu].tools[%zu].description", si, i);
		if (!export_opt_int(t, "timeout_ms", SBX_TIMEOUT_MIN_MS,
		    SBX_TIMEOUT_MAX_MS))
			export_bad(fields, SBX_STR(SBX_TIMEOUT_MIN_MS) " to "
			    SBX_STR(SBX_TIMEOUT_MAX_MS),
			    "servers[%zu].tools[%zu].timeout_ms", si, i);
		v = json_object_get(t, "enabled");
		if (v != NULL && !json_is_boolean(v))
			export_bad(fields, "true or false",
			    "servers[%zu].tools[%zu].enabled", si, i);
		v = json_object_get(t, "input_schema");
		if (v != NULL && !json_is_null(v) && (!json_is_object(v) ||
		    !json_is_string(json_object_get(v, "type")) ||
		    strcmp(json_string_value(json_object_get(v, "type")),
		    "object") != 0))
			export_bad(fields,
			    "a JSON Schema with \"type\": \"object\"",
			    "servers[%zu].tools[%zu].input_schema", si, i);
		if (tooldef_check(t, &bad, why, sizeof(why)) == -1)
			export_bad(fields, why, "servers[%zu].tools[%zu].%s",
			    si, i, bad);
	}
	json_decref(seen);
}

static void
export_check_secrets(json_t *secrets, size_t si, json_t *fields)
{
	json_t		*k, *seen;
	const char	*key;
	size_t		i;

	if (secrets == NULL)
		return;
	if (!json_is_array(secrets) || json_array_size(secrets) > 1000) {
		export_bad(fields, "a list of secrets", "servers[%zu].secrets",
		    si);
		return;
	}
	seen = json_object();
	json_array_foreach(secrets, i, k) {
		key = json_string_value(json_object_get(k, "key"));
		if (key == NULL || !secret_key_valid(key) ||
		    json_object_get(seen, key) != NULL)
			export_bad(fields, "not a valid, unique secret key",
			    "servers[%zu].secrets[%zu].key", si, i);
		else
			json_object_set_new(seen, key, json_true());
		if (!export_opt_string(k, "description", 2000))
			export_bad(fields, "a string of at most 2000",
			    "servers[%zu].secrets[%zu].description", si, i);
	}
	json_decref(seen);
}

static void
export_check_hosts(json_t *hosts, size_t si, json_t *fields)
{
	json_t		*h;
	const char	*host;
	char		norm[256];
	size_t		i;

	if (hosts == NULL)
		return;
	if (!json_is_array(hosts) || json_array_size(hosts) > 1000) {
		export_bad(fields, "a list of hosts",
		    "servers[%zu].allowed_hosts", si);
		return;
	}
	json_array_foreach(hosts, i, h) {
		host = json_string_value(json_object_get(h, "host"));
		if (host == NULL || host_normalize(host, norm,
		    sizeof(norm)) == -1 || strcmp(host, norm) != 0)
			export_bad(fields, "not a valid host name",
			    "servers[%zu].allowed_hosts[%zu].host", si, i);
		if (!export_opt_int(h, "port", 1, 65535))
			export_bad(fields, "1 to 65535",
			    "servers[%zu].allowed_hosts[%zu].port", si, i);
	}
}

/* The document's shape, beyond what the signature already vouches for. */
static void
export_import_check(json_t *doc, json_t *fields)
{
	json_t		*servers, *s;
	const char	*name;
	size_t		i;

	if (!json_is_string(json_object_get(doc, "format")) ||
	    strcmp(json_string_value(json_object_get(doc, "format")),
	    "mcpbox-export") != 0)
		export_bad(fields, "must be mcpbox-export", "format");
	if (json_integer_value(json_object_get(doc, "version")) != 1)
		export_bad(fields, "only version 1 is known", "version");
	servers = json_object_get(doc, "servers");
	if (!json_is_array(servers) || json_array_size(servers) >
	    IMPORT_SERVERS_MAX) {
		export_bad(fields, "a list of at most 500 servers", "servers");
		return;
	}
	json_array_foreach(servers, i, s) {
		if (!json_is_object(s)) {
			export_bad(fields, "must be an object", "servers[%zu]",
			    i);
			continue;
		}
		name = json_string_value(json_object_get(s, "name"));
		if (name == NULL || !ident_valid(name))
			export_bad(fields, "not a valid server name",
			    "servers[%zu].name", i);
		if (!export_opt_string(s, "description", 2000))
			export_bad(fields, "a string of at most 2000",
			    "servers[%zu].description", i);
		if (!export_opt_int(s, "default_timeout_ms", SBX_TIMEOUT_MIN_MS,
		    SBX_TIMEOUT_MAX_MS))
			export_bad(fields, SBX_STR(SBX_TIMEOUT_MIN_MS) " to "
			    SBX_STR(SBX_TIMEOUT_MAX_MS),
			    "servers[%zu].default_timeout_ms", i);
		export_check_tools(json_object_get(s, "tools"), i, fields);
		export_check_secrets(json_object_get(s, "secrets"), i, fields);
		export_check_hosts(json_object_get(s, "allowed_hosts"), i,
		    fields);
	}
}

int
api_import(struct http_request *req, struct api_ctx *c)
{
	const char	*p[3];
	json_t		*fields;
	char		*text;

	if (c->step == API_CHECK) {
		if (api_body_max(req, c, IMPORT_BODY_MAX) == HX_ANSWERED)
			return (KORE_RESULT_OK);
		if (json_object_get(c->body, "signature") == NULL)
			return (hx_error(req, 400, "unsigned",
			    "the file carries no signature"));
		if (!export_signature_ok(c->body))
			return (hx_error(req, 400, "bad_signature",
			    "the signature does not match: the file was "
			    "changed or comes from an instance with another "
			    "key"));
		fields = json_object();
		export_import_check(c->body, fields);
		if (json_object_size(fields) > 0)
			return (api_invalid(req, fields));
		json_decref(fields);
		json_object_del(c->body, "signature");
		if ((text = json_dumps(c->body, JSON_COMPACT)) == NULL)
			return (hx_error(req, 500, "internal", "out of memory"));
		c->scratch = json_pack("{s:s}", "doc", text);
		free(text);
		c->step = API_RUN;
	}
	p[0] = json_string_value(json_object_get(c->scratch, "doc"));
	p[1] = c->actor;
	p[2] = hx_request_id(req);
	return (api_sql_respond(req, c, SQL_IMPORT_RESPOND, 3, p));
}
