/*
 * Responses: security headers on every one, the request id echoed, JSON
 * built only with jansson, and errors in one shape:
 *   {"error": {"code": "...", "message": "...", "fields": {...}}}
 * Messages here are written by us for the caller; internal details (SQL,
 * paths, errno text) go to the log, never into a response.
 */
#include <string.h>

#include "http/http.h"

/*
 * One policy for every response. The panel loads only its own files, so a
 * single strict CSP fits the HTML and the JSON alike; only features Chromium
 * recognises are listed in Permissions-Policy, because unknown ones print a
 * console error in the panel.
 */
static const char *hx_csp =
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";
static const char *hx_encode_failed =
    "{\"error\":{\"code\":\"internal\",\"message\":"
    "\"response encoding failed\"}}";
static const char *hx_permissions =
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), payment=(), usb=()";

void
hx_security_headers(struct http_request *req, int is_asset)
{
	struct hx	*x = http_state_get(req);

	http_response_header(req, "content-security-policy", hx_csp);
	http_response_header(req, "permissions-policy", hx_permissions);
	http_response_header(req, "x-content-type-options", "nosniff");
	http_response_header(req, "x-frame-options", "DENY");
	http_response_header(req, "referrer-policy", "no-referrer");
	http_response_header(req, "cross-origin-opener-policy", "same-origin");
	http_response_header(req, "cross-origin-resource-policy",
	    "same-origin");
	http_response_header(req, "cache-control",
	    is_asset ? "no-cache" : "no-store");
	if (mcpbox_cfg.enable_hsts)
		http_response_header(req, "strict-transport-security",
		    "max-age=31536000; includeSubDomains");
	if (x != NULL)
		http_response_header(req, "x-request-id", x->request_id);
}

int
hx_json_text(struct http_request *req, int status, const char *text,
    size_t len)
{
	hx_security_headers(req, 0);
	http_response_header(req, "content-type",
	    "application/json; charset=utf-8");
	http_response(req, status, text, len);
	return (KORE_RESULT_OK);
}

/* Takes ownership of `body`. */
int
hx_json(struct http_request *req, int status, json_t *body)
{
	char	*text;

	text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (text == NULL)
		return (hx_json_text(req, 500, hx_encode_failed,
		    strlen(hx_encode_failed)));
	hx_json_text(req, status, text, strlen(text));
	free(text);
	return (KORE_RESULT_OK);
}

/* Takes ownership of `fields` (may be NULL). */
int
hx_error_fields(struct http_request *req, int status, const char *code,
    const char *message, json_t *fields)
{
	json_t	*err;

	err = json_pack("{s:s, s:s}", "code", code, "message", message);
	if (fields != NULL)
		json_object_set_new(err, "fields", fields);
	return (hx_json(req, status, json_pack("{s:o}", "error", err)));
}

int
hx_error(struct http_request *req, int status, const char *code,
    const char *message)
{
	return (hx_error_fields(req, status, code, message, NULL));
}

int
hx_method_not_allowed(struct http_request *req, const char *allow)
{
	http_response_header(req, "allow", allow);
	return (hx_error(req, 405, "method_not_allowed",
	    "method not allowed on this path"));
}

/*
 * Read the whole body once into x->body (NUL-terminated). Returns 0, or
 * -1 when it is larger than `max` (413) or unreadable (400); the status to
 * send is left in *status. Kore's http_body_length is not the body size
 * for in-memory bodies, so the size is checked as the bytes arrive.
 */
int
hx_body_read(struct http_request *req, size_t max, int *status)
{
	struct hx	*x = http_state_get(req);
	struct kore_buf	buf;
	char		tmp[8192];
	ssize_t		r;

	if (x->body_read)
		return (0);
	if (req->content_length > max) {
		*status = 413;
		return (-1);
	}
	kore_buf_init(&buf, req->content_length + 1);
	for (;;) {
		if ((r = http_body_read(req, tmp, sizeof(tmp))) == -1) {
			kore_buf_cleanup(&buf);
			*status = 400;
			return (-1);
		}
		if (r == 0)
			break;
		if (buf.offset + (size_t)r > max) {
			kore_buf_cleanup(&buf);
			*status = 413;
			return (-1);
		}
		kore_buf_append(&buf, tmp, (size_t)r);
	}
	x->body = malloc(buf.offset + 1);
	memcpy(x->body, buf.data, buf.offset);
	x->body[buf.offset] = '\0';
	x->body_len = buf.offset;
	x->body_read = 1;
	kore_buf_cleanup(&buf);
	return (0);
}

/*
 * What is wrong with a body jansson refused, in words a client can act
 * on: "not valid JSON" was also said of valid JSON nested too deep.
 */
const char *
hx_json_problem(const json_error_t *e)
{
	switch (json_error_code(e)) {
	case json_error_stack_overflow:
		return ("nests too deep (at most 2048 levels)");
	case json_error_duplicate_key:
		return ("has a duplicate key");
	case json_error_invalid_utf8:
		return ("is not valid UTF-8");
	case json_error_null_character:
	case json_error_null_byte_in_key:
		return ("holds a NUL character");
	default:
		return ("is not valid JSON");
	}
}

/*
 * Read the body once and parse it as a JSON object: HX_GO_ON with *out
 * set, or HX_ANSWERED after sending the 4xx itself.
 */
enum hx_turn
hx_body_json(struct http_request *req, size_t max, json_t **out)
{
	struct hx	*x = http_state_get(req);
	json_error_t	jerr;
	int		status;
	char		problem[96];

	*out = NULL;
	if (hx_body_read(req, max, &status) == -1) {
		if (status == 413)
			hx_error(req, 413, "payload_too_large",
			    "request body is larger than allowed");
		else
			hx_error(req, 400, "bad_body",
			    "request body could not be read");
		return (HX_ANSWERED);
	}
	*out = json_loadb(x->body, x->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (*out == NULL) {
		(void)snprintf(problem, sizeof(problem), "request body %s",
		    hx_json_problem(&jerr));
		hx_error(req, 400, "invalid_json", problem);
		return (HX_ANSWERED);
	}
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		hx_error(req, 400, "invalid_json",
		    "request body must be a JSON object");
		return (HX_ANSWERED);
	}
	return (HX_GO_ON);
}
