/*
 * Checks every MCP transport applies before a message is processed:
 * Host/Origin (DNS rebinding), the service token, client tokens, the
 * public door's credentials, the rate limit per token, user or IP,
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

/* 401 for a credential that is missing or wrong, in the door's words:
 * the public door points at its OAuth metadata. */
static enum hx_turn
gate_unauthorized(struct http_request *req, const char *why)
{
	if (hx_public_door(req))
		oauth_challenge_header(req, "invalid_token");
	else
		http_response_header(req, "www-authenticate",
		    "Bearer error=\"invalid_token\"");
	return (mcp_http_error(req, 401, RPC_INVALID_REQUEST, why),
	    HX_ANSWERED);
}

/* A token looked up: HX_GO_ON when found, else the refusal is sent. */
static enum hx_turn
gate_token_found(struct http_request *req, enum token_find found,
    const char *why_unknown)
{
	if (found == TOKEN_FOUND)
		return (HX_GO_ON);
	if (found == TOKEN_NOT_READY) {
		http_response_header(req, "retry-after", "1");
		return (mcp_http_error(req, 503, RPC_INVALID_REQUEST,
		    "the server is starting; retry"), HX_ANSWERED);
	}
	return (gate_unauthorized(req, why_unknown));
}

/*
 * A client token in Authorization (mcp/token_cache.c) makes the caller
 * that token, on either door. HX_GO_ON when there is none or it is known
 * (who->token set), else the refusal was sent.
 */
static enum hx_turn
gate_client_token(struct http_request *req, struct mcp_caller *who)
{
	const char	*h;

	if (!http_request_header(req, "authorization", &h) ||
	    strncasecmp(h, "Bearer " CLIENT_TOKEN_PREFIX, 7 +
	    sizeof(CLIENT_TOKEN_PREFIX) - 1) != 0)
		return (HX_GO_ON);
	if (gate_token_found(req, mcp_token_by_secret(h + 7, &who->token),
	    "unauthorized: the client token is unknown, revoked or "
	    "expired") == HX_ANSWERED)
		return (HX_ANSWERED);
	if (hx_public_door(req))
		who->remote = OAUTH_REMOTE_USER;
	return (HX_GO_ON);
}

/* The public door's own credentials (src/oauth); an OAuth access token
 * names its consent's row, which says what it may see. */
static enum hx_turn
gate_remote(struct http_request *req, struct mcp_caller *who, char *user,
    size_t userlen)
{
	struct oauth_verdict	verdict;
	char			ra[16];

	if (!oauth_remote_gate(req, &who->remote, user, userlen, &verdict)) {
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
	if (verdict.ctid[0] == '\0')
		return (HX_GO_ON);
	return (gate_token_found(req, mcp_token_by_id(verdict.ctid,
	    &who->token), "unauthorized: this client's access was revoked"));
}

/*
 * The gate in front of every MCP route. Returns HX_GO_ON with `who` set
 * (remote, and the client token that vouched, if any), or HX_ANSWERED
 * after sending 401/403/429/503.
 */
enum hx_turn
mcp_gate(struct http_request *req, struct mcp_caller *who)
{
	const char	*h;
	char		ip[80], ra[16], user[300];
	int		retry;

	memset(who, 0, sizeof(*who));
	user[0] = '\0';
	if (!hx_origin_ok(req))
		return (mcp_http_error(req, 403, RPC_INVALID_REQUEST,
		    "forbidden: the Host or Origin header is not allowed"),
		    HX_ANSWERED);
	if (!mcp_caller_remote(req, &who->remote))
		return (mcp_http_error(req, 403, RPC_INVALID_REQUEST,
		    "forbidden: invalid service token"), HX_ANSWERED);
	if (gate_client_token(req, who) == HX_ANSWERED)
		return (HX_ANSWERED);
	/* On the public door a credential must vouch (src/oauth). */
	if (who->token.id[0] == '\0' &&
	    gate_remote(req, who, user, sizeof(user)) == HX_ANSWERED)
		return (HX_ANSWERED);
	/* The local door may ask its own clients for a token too. */
	if (!who->remote && who->token.id[0] == '\0' &&
	    mcp_policy_local_requires_token())
		return (gate_unauthorized(req, "unauthorized: a client token "
		    "is required (Authorization: Bearer mcpbox_ct_...); an "
		    "admin makes one in the MCPbox panel"));
	hx_client_ip(req, ip, sizeof(ip));
	/*
	 * Each token has its limit, wherever it comes from. Local clients
	 * on loopback without one are the admin's own; the limit guards
	 * everything that comes from elsewhere, including tunnel traffic
	 * (marked remote), which is keyed by the user the front door names.
	 */
	if (who->token.id[0] != '\0')
		(void)snprintf(ip, sizeof(ip), "token:%s", who->token.id);
	else if (user[0] != '\0')
		(void)snprintf(ip, sizeof(ip), "user:%.58s", user);
	else if (who->remote &&
	    http_request_header(req, "x-mcpbox-user-email", &h))
		(void)snprintf(ip, sizeof(ip), "user:%.58s", h);
	else if (!who->remote && (strcmp(ip, "127.0.0.1") == 0 ||
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
