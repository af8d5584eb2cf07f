/*
 * fuzz_api_fields.c -- libFuzzer target for the REST body validators
 * (src/api/support.c), linked without Kore: the few HTTP and database
 * functions the file also calls are stubbed below and never reached.
 * The input is parsed as a request body and every field checker is run
 * over every key the body has plus the keys the routes use.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);


static const char *const	keys[] = {
	"name", "description", "python_code", "timeout_ms", "enabled",
	"input_schema", "username", "password", "value", "key", "action",
	"", NULL
};

static void
check_fields(json_t *body)
{
	json_t		*fields, *v;
	const char	*k, *s;
	long		 l;
	int		 b, present, rc;
	size_t		 i;

	if ((fields = json_object()) == NULL)
		return;
	for (i = 0; keys[i] != NULL; i++) {
		rc = api_field_str(body, keys[i], i & 1, 64, &s, fields);
		if (rc == 0 && s != NULL && strlen(s) > 64)
			abort();
		if (rc == -1 && json_object_get(fields, keys[i]) == NULL)
			abort();
		rc = api_field_int(body, keys[i], 0, -1000, 1000, &l, &present,
		    fields);
		if (rc == 0 && present && (l < -1000 || l > 1000))
			abort();
		(void)api_field_bool(body, keys[i], &b, &present, fields);
	}
	json_object_foreach(body, k, v) {
		(void)api_field_str(body, k, 1, 1 << 20, &s, fields);
		(void)api_field_int(body, k, 1, LONG_MIN, LONG_MAX, &l,
		    &present, fields);
		(void)api_field_bool(body, k, &b, &present, fields);
		(void)api_uuid_valid(k);
		(void)secret_key_valid(k);
		if (json_is_string(v)) {
			(void)api_uuid_valid(json_string_value(v));
			(void)secret_key_valid(json_string_value(v));
		}
	}
	rc = api_fields_only(body, keys, fields);
	json_decref(fields);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t	 je;
	json_t		*body;
	char		*s;

	if ((s = malloc(size + 1)) == NULL)
		return (0);
	memcpy(s, data, size);
	s[size] = '\0';
	(void)api_uuid_valid(s);
	(void)secret_key_valid(s);
	free(s);
	/* As hx_body_json reads a body: duplicates refused, one object. */
	body = json_loadb((const char *)data, size,
	    JSON_REJECT_DUPLICATES, &je);
	if (body == NULL)
		return (0);
	if (json_is_object(body))
		check_fields(body);
	json_decref(body);
	return (0);
}

/*
 * ---- stubs: support.c's handler plumbing, never reached by the
 * validators; reaching one is a finding.
 */
int
hx_error(struct http_request *req, int status, const char *code,
    const char *msg)
{
	abort();
}

int
hx_error_fields(struct http_request *req, int status, const char *code,
    const char *msg, json_t *fields)
{
	abort();
}

int
hx_json_text(struct http_request *req, int status, const char *s, size_t n)
{
	abort();
}

const char *
hx_request_id(struct http_request *req)
{
	abort();
}

enum hx_turn
hx_body_json(struct http_request *req, size_t max, json_t **out)
{
	abort();
}

int
hx_query(struct http_request *req, const char *name, char *buf, size_t n)
{
	abort();
}

void
http_response_header(struct http_request *req, const char *h, const char *v)
{
	abort();
}

enum db_status
db_call_run(struct db_call *c, struct http_request *req, const char *q,
    int n, const char **params)
{
	abort();
}

void
db_call_clear(struct db_call *c)
{
	abort();
}

int
db_ntuples(const struct db_call *c)
{
	abort();
}

const char *
db_value(const struct db_call *c, int row, int col)
{
	abort();
}

int
db_isnull(const struct db_call *c, int row, int col)
{
	abort();
}
