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
#include "db/sql.h"

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

/*
 * A client token in Authorization makes the caller that token, on either
 * door: its hash is looked up in GATE_TOKEN. 1 when there is one.
 */
static int
gate_client_token(struct http_request *req, struct mcp_caller *who)
{
	const char	*h;

	if (!http_request_header(req, "authorization", &h) ||
	    strncasecmp(h, "Bearer " CLIENT_TOKEN_PREFIX, 7 +
	    sizeof(CLIENT_TOKEN_PREFIX) - 1) != 0)
		return (0);
	crypto_sha256_hex(h + 7, who->find_hash);
	if (hx_public_door(req))
		who->remote = OAUTH_REMOTE_USER;
	return (1);
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
	(void)snprintf(who->find_id, sizeof(who->find_id), "%s",
	    verdict.ctid);
	return (HX_GO_ON);
}

/* The token the request named, from PostgreSQL: the truth at this very
 * moment, on every instance. */
static enum hx_turn
gate_token_find(struct http_request *req, struct mcp_caller *who,
    struct db_call *db)
{
	const char	*p[2];
	enum db_status	 st;

	p[0] = who->find_hash[0] != '\0' ? who->find_hash : NULL;
	p[1] = who->find_id[0] != '\0' ? who->find_id : NULL;
	st = db_call_run(db, req, SQL_CLIENT_TOKEN_FIND, 2, p);
	if (st == DB_PENDING)
		return (HX_WAIT);
	if (st == DB_FAILED) {
		db_call_clear(db);
		http_response_header(req, "retry-after", "1");
		return (mcp_http_error(req, 503, RPC_INTERNAL_ERROR,
		    "the token store is unavailable; retry"), HX_ANSWERED);
	}
	if (db_ntuples(db) != 1) {
		db_call_clear(db);
		return (gate_unauthorized(req, who->find_hash[0] != '\0' ?
		    "unauthorized: the client token is unknown, revoked or "
		    "expired" : "unauthorized: this client's access was "
		    "revoked"));
	}
	mcp_token_from_row(&who->token, db);
	db_call_clear(db);
	return (HX_GO_ON);
}

/* Per token, user or IP. Local clients on loopback without a token are
 * the admin's own; tunnel traffic (marked remote) is keyed by the user
 * the front door names. */
static enum hx_turn
gate_rate_limit(struct http_request *req, struct mcp_caller *who,
    const char *user)
{
	const char	*h;
	char		 key[80], ra[16];
	int		 retry;

	hx_client_ip(req, key, sizeof(key));
	if (who->token.id[0] != '\0')
		(void)snprintf(key, sizeof(key), "token:%s", who->token.id);
	else if (user[0] != '\0')
		(void)snprintf(key, sizeof(key), "user:%.58s", user);
	else if (who->remote &&
	    http_request_header(req, "x-mcpbox-user-email", &h))
		(void)snprintf(key, sizeof(key), "user:%.58s", h);
	else if (!who->remote && (strcmp(key, "127.0.0.1") == 0 ||
	    strcmp(key, "::1") == 0))
		return (HX_GO_ON);
	if (!ratelimit_take("mcp", key, mcp_policy_rpm(), 60, clock_ms(),
	    &retry)) {
		(void)snprintf(ra, sizeof(ra), "%d", retry);
		http_response_header(req, "retry-after", ra);
		return (mcp_http_error(req, 429, RPC_INVALID_REQUEST,
		    "rate limit exceeded; retry later"), HX_ANSWERED);
	}
	return (HX_GO_ON);
}

/*
 * The gate in front of every MCP route. Returns HX_GO_ON with `who` set
 * (remote, and the client token that vouched, if any), HX_WAIT while it
 * asks PostgreSQL, or HX_ANSWERED after sending 401/403/429/503.
 */
enum hx_turn
mcp_gate(struct http_request *req, struct mcp_caller *who,
    struct db_call *db)
{
	char		user[300];
	enum hx_turn	turn;

	user[0] = '\0';
	if (who->gate_step == GATE_START) {
		memset(who, 0, sizeof(*who));
		if (!hx_origin_ok(req))
			return (mcp_http_error(req, 403, RPC_INVALID_REQUEST,
			    "forbidden: the Host or Origin header is not "
			    "allowed"), HX_ANSWERED);
		if (!mcp_caller_remote(req, &who->remote))
			return (mcp_http_error(req, 403, RPC_INVALID_REQUEST,
			    "forbidden: invalid service token"), HX_ANSWERED);
		/* On the public door a credential must vouch (src/oauth). */
		if (!gate_client_token(req, who) &&
		    gate_remote(req, who, user, sizeof(user)) == HX_ANSWERED)
			return (HX_ANSWERED);
		who->gate_step = who->find_hash[0] != '\0' ||
		    who->find_id[0] != '\0' ? GATE_TOKEN : GATE_DONE;
	}
	if (who->gate_step == GATE_TOKEN) {
		if ((turn = gate_token_find(req, who, db)) != HX_GO_ON)
			return (turn);
		who->gate_step = GATE_DONE;
	}
	/* The local door may ask its own clients for a token too. */
	if (!who->remote && who->token.id[0] == '\0' &&
	    mcp_policy_local_requires_token())
		return (gate_unauthorized(req, "unauthorized: a client token "
		    "is required (Authorization: Bearer mcpbox_ct_...); an "
		    "admin makes one in the MCPbox panel"));
	return (gate_rate_limit(req, who, user));
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
