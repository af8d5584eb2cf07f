/*
 * Checks every MCP transport applies before a message is processed:
 * Host/Origin (DNS rebinding), the service token, the per-IP rate limit,
 * content type, size, JSON and JSON-RPC structure. Errors are JSON-RPC
 * error objects with the HTTP status the transports specification asks
 * for.
 */
#include <string.h>

#include "mcp/mcp.h"
#include "oauth/oauth.h"

int
mcp_http_error(struct http_request *req, int status, int code,
    const char *message)
{
	return (hx_json(req, status, mcp_rpc_error(NULL, code, message)));
}

/*
 * The gate in front of every MCP route. Returns 1 to go on (with *remote
 * set) or 0 after sending 403/429.
 */
enum hx_turn
mcp_gate(struct http_request *req, int *remote)
{
	const char	*who;
	char		ip[64], ra[16], user[300];
	int		retry;
	struct oauth_verdict	verdict;

	if (!hx_origin_ok(req))
		return (mcp_http_error(req, 403, RPC_INVALID_REQUEST,
		    "forbidden: the Host or Origin header is not allowed"),
		    HX_ANSWERED);
	if (!mcp_caller_remote(req, remote))
		return (mcp_http_error(req, 403, RPC_INVALID_REQUEST,
		    "forbidden: invalid service token"), HX_ANSWERED);
	/* On the public door a credential must vouch (src/oauth). */
	if (!oauth_remote_gate(req, remote, user, sizeof(user), &verdict)) {
		if (verdict.challenge)
			oauth_challenge_header(req, verdict.error);
		if (verdict.retry_after > 0) {
			(void)snprintf(ra, sizeof(ra), "%d",
			    verdict.retry_after);
			http_response_header(req, "retry-after", ra);
		}
		return (mcp_http_error(req, verdict.status,
		    RPC_INVALID_REQUEST, verdict.why), HX_ANSWERED);
	}
	hx_client_ip(req, ip, sizeof(ip));
	/*
	 * Local clients on loopback are the admin's own; the limit guards
	 * everything that comes from elsewhere, including tunnel traffic
	 * (marked remote), which is keyed by the user the front door names.
	 */
	if (user[0] != '\0')
		(void)snprintf(ip, sizeof(ip), "user:%.58s", user);
	else if (*remote &&
	    http_request_header(req, "x-mcpbox-user-email", &who))
		(void)snprintf(ip, sizeof(ip), "user:%s", who);
	else if (!*remote && (strcmp(ip, "127.0.0.1") == 0 ||
	    strcmp(ip, "::1") == 0))
		return (HX_GO_ON);
	if (!ratelimit_take("mcp", ip, mcp_policy_rpm(), 60, clock_ms(),
	    &retry)) {
		(void)snprintf(ra, sizeof(ra), "%d", retry);
		http_response_header(req, "retry-after", ra);
		return (mcp_http_error(req, 429, RPC_INVALID_REQUEST,
		    "rate limit exceeded; retry later"), HX_ANSWERED);
	}
	return (HX_GO_ON);
}

/*
 * Read one JSON-RPC message from a POST body: HX_GO_ON with *out and its
 * *kind set, or HX_ANSWERED after sending the error.
 */
enum hx_turn
mcp_read_message(struct http_request *req, json_t **out,
    enum rpc_kind *kind)
{
	struct hx	*x = http_state_get(req);
	const char	*ct, *why;
	json_error_t	jerr;
	char		problem[96];
	json_t		*msg;
	int		status;

	*out = NULL;
	if (!http_request_header(req, "content-type", &ct) ||
	    strncasecmp(ct, "application/json", 16) != 0)
		return (mcp_http_error(req, 415, RPC_INVALID_REQUEST,
		    "Content-Type must be application/json"), HX_ANSWERED);
	if (hx_body_read(req, MCP_BODY_MAX, &status) == -1)
		return (mcp_http_error(req, status, RPC_INVALID_REQUEST,
		    status == 413 ? "the message is larger than 1 MB" :
		    "the body could not be read"), HX_ANSWERED);
	msg = json_loadb(x->body, x->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (msg == NULL) {
		(void)snprintf(problem, sizeof(problem), "parse error: the body "
		    "%s", hx_json_problem(&jerr));
		return (mcp_http_error(req, 400, RPC_PARSE_ERROR, problem),
		    HX_ANSWERED);
	}
	if (json_is_array(msg)) {
		json_decref(msg);
		return (mcp_http_error(req, 400, RPC_INVALID_REQUEST,
		    "batches are not supported; send one message per POST"),
		    HX_ANSWERED);
	}
	if ((*kind = mcp_rpc_validate(msg, &why)) == RPC_INVALID) {
		json_t	*id = json_incref(json_object_get(msg, "id"));

		json_decref(msg);
		hx_json(req, 400, mcp_rpc_error(json_is_string(id) ||
		    json_is_integer(id) ? id : NULL, RPC_INVALID_REQUEST, why));
		json_decref(id);
		return (HX_ANSWERED);
	}
	*out = msg;
	return (HX_GO_ON);
}

/* notifications/cancelled: stop the call wherever it runs. */
void
mcp_cancel_request(struct http_request *req, const char *session,
    json_t *msg)
{
	json_t	*rid;

	rid = json_object_get(json_object_get(msg, "params"), "requestId");
	if (rid == NULL || session == NULL || *session == '\0')
		return;
	mcp_ex_cancel_local(session, rid);
	mcp_cancel_broadcast(session, rid);
}
