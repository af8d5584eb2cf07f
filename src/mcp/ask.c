/*
 * Questions a running tool asks the client: sampling/createMessage (the
 * client's model) and elicitation/create (its user, form mode).
 *
 * The sandbox forwards the tool's question (SBX_OP_ASK); here it becomes a
 * JSON-RPC request on the call's own stream, with an id of ours, and only
 * if the client declared the capability at initialize (else the tool gets
 * an error at once). The client POSTs its response to whichever worker or
 * instance it reaches: that worker hands it to the call if it runs the
 * call, and otherwise NOTIFYs it (parked in mcp_outbox when too large for
 * a NOTIFY), so the worker running the call takes it. Nothing assumes
 * the response comes back where the request went out.
 *
 * Waiting is bounded by the sandbox (SBX_ASK_WAIT_MS for the answer, and
 * the call's own time limit, which keeps running); cancelling the call or
 * closing its stream frees the request, which kills the child.
 */
#include <string.h>

#include "mcp/mcp.h"
#include "db/sql.h"

/* Our request ids: a prefix no client id of ours otherwise uses, and 16
 * random bytes, so an id is unguessable across sessions and instances. */
#define ASK_PREFIX	"mcpbox-ask-"

/* An answer from another worker too large for its NOTIFY: the session
 * it is for, while its outbox row is fetched. */
struct ask_fetch {
	char	session[MCP_SESSION_LEN + 1];
};

static void
ask_fail(struct mcp_ex *ex, json_int_t n, const char *why)
{
	sbx_call_answer(ex->sbx, n, NULL, why);
}

/* The question's params, as MCP has them; NULL if the tool's are not. */
static const char *
ask_method(const char *kind, json_t *params)
{
	json_t	*v;

	if (strcmp(kind, "sampling") == 0) {
		v = json_object_get(params, "maxTokens");
		if (json_array_size(json_object_get(params, "messages")) == 0 ||
		    !json_is_integer(v) || json_integer_value(v) < 1)
			return (NULL);
		return ("sampling/createMessage");
	}
	if (strcmp(kind, "elicitation") == 0) {
		v = json_object_get(params, "requestedSchema");
		if (!json_is_string(json_object_get(params, "message")) ||
		    !json_is_object(json_object_get(v, "properties")))
			return (NULL);
		return ("elicitation/create");
	}
	return (NULL);
}

/*
 * May this client be asked? It declared the capability; for elicitation
 * a non-empty declaration must include form mode (an empty one means
 * form, in the 2025-11-25 revision and before it).
 */
static const char *
ask_refusal(struct mcp_ex *ex, const char *kind)
{
	json_t	*cap = json_object_get(ex->client_caps, kind);

	if (!ex->can_stream)
		return ("the client takes only JSON answers, so it cannot be "
		    "asked while a call runs (Accept: text/event-stream)");
	if (!json_is_object(cap))
		return (strcmp(kind, "sampling") == 0 ? "the client did not "
		    "declare the sampling capability at initialize, so its "
		    "model cannot be asked" : "the client did not declare the "
		    "elicitation capability at initialize, so its user cannot "
		    "be asked");
	if (strcmp(kind, "elicitation") == 0 && json_object_size(cap) > 0 &&
	    json_object_get(cap, "form") == NULL)
		return ("the client supports only URL-mode elicitation");
	return (NULL);
}

/* A question from the running tool (an SBX_OP_ASK frame), into ex->notes
 * as a request for the client, or refused to the tool. */
void
mcp_ask_forward(struct mcp_ex *ex, json_t *frame)
{
	const char	*kind, *method, *why;
	json_t		*params, *red;
	json_int_t	 n;
	uint8_t		 b[(MCP_ASK_ID_LEN - sizeof(ASK_PREFIX) + 1) / 2];

	kind = json_string_value(json_object_get(frame, "kind"));
	params = json_object_get(frame, "params");
	n = json_integer_value(json_object_get(frame, "ask"));
	if (kind == NULL || (method = ask_method(kind, params)) == NULL) {
		ask_fail(ex, n, "a malformed question for the client");
		return;
	}
	if ((why = ask_refusal(ex, kind)) != NULL) {
		ask_fail(ex, n, why);
		return;
	}
	if (crypto_random(b, sizeof(b)) == -1) {
		ask_fail(ex, n, "no randomness for a request id");
		return;
	}
	(void)snprintf(ex->ask_rpc, sizeof(ex->ask_rpc), "%s", ASK_PREFIX);
	hex_encode(b, sizeof(b), ex->ask_rpc + strlen(ASK_PREFIX));
	(void)snprintf(ex->ask_kind, sizeof(ex->ask_kind), "%s", kind);
	ex->ask_n = n;
	red = mcp_redact_values(params, json_object_get(ex->tool, "secrets"));
	json_array_append_new(ex->notes, json_pack("{s:s, s:s, s:s, s:o}",
	    "jsonrpc", "2.0", "id", ex->ask_rpc, "method", method, "params",
	    red));
}

/* Does the client's result have the shape its method answers with? */
static int
ask_result_ok(const char *kind, json_t *r)
{
	const char	*action;

	if (strcmp(kind, "sampling") == 0)
		return (json_is_string(json_object_get(r, "role")) &&
		    json_is_object(json_object_get(r, "content")));
	action = json_string_value(json_object_get(r, "action"));
	return (action != NULL && (strcmp(action, "accept") == 0 ||
	    strcmp(action, "decline") == 0 || strcmp(action, "cancel") == 0) &&
	    (json_object_get(r, "content") == NULL ||
	    json_is_object(json_object_get(r, "content"))));
}

/* The client's response to the open question of `ex`: to the tool. */
static void
ask_deliver(struct mcp_ex *ex, json_t *msg)
{
	json_t		*result = json_object_get(msg, "result");
	const char	*m;
	char		*text, why[240];

	ex->ask_rpc[0] = '\0';
	if (json_is_object(result)) {
		text = json_dumps(result, JSON_COMPACT);
		if (text == NULL || strlen(text) > SBX_ASK_BYTES)
			ask_fail(ex, ex->ask_n, "the client's answer is larger "
			    "than 256 KiB");
		else if (!ask_result_ok(ex->ask_kind, result))
			ask_fail(ex, ex->ask_n, "the client's answer is not a "
			    "valid result");
		else
			sbx_call_answer(ex->sbx, ex->ask_n, result, NULL);
		free(text);
		return;
	}
	m = json_string_value(json_object_get(json_object_get(msg, "error"),
	    "message"));
	(void)snprintf(why, sizeof(why), "the client refused: %.200s",
	    m != NULL ? m : "no reason given");
	ask_fail(ex, ex->ask_n, why);
}

/* Called for each call in flight on this worker: 1 if msg answered it. */
int
mcp_ask_take(struct mcp_ex *ex, const char *session, json_t *msg)
{
	const char	*id = json_string_value(json_object_get(msg, "id"));

	if (id == NULL || ex->ask_rpc[0] == '\0' || ex->sbx == NULL ||
	    strcmp(ex->session, session) != 0 || strcmp(ex->ask_rpc, id) != 0)
		return (0);
	ask_deliver(ex, msg);
	return (1);
}

static void
ask_outbox_rows(PGresult *res, void *arg)
{
	struct ask_fetch	*f = arg;
	json_t			*msg;

	if (res != NULL && PQntuples(res) == 1 &&
	    (msg = json_loads(PQgetvalue(res, 0, 0), 0, NULL)) != NULL) {
		(void)mcp_ex_answer_local(f->session, msg);
		json_decref(msg);
	}
	kore_free(f);
}

/* Another worker's answer: taken here only by the worker that asked. */
static void
ask_on_answer(const char *payload)
{
	json_t			*p, *m;
	const char		*session, *rpc;
	struct ask_fetch	*f;
	const char		*params[1];
	char			 ref[24];

	if ((p = json_loads(payload, 0, NULL)) == NULL)
		return;
	session = json_string_value(json_object_get(p, "s"));
	rpc = json_string_value(json_object_get(p, "r"));
	m = json_object_get(p, "m");
	if (session == NULL || rpc == NULL) {
		json_decref(p);
		return;
	}
	if (m != NULL)
		(void)mcp_ex_answer_local(session, m);
	/* The row is taken (deleted) only by the worker that asked. */
	else if (json_is_integer(json_object_get(p, "ref")) &&
	    mcp_ex_asking(session, rpc)) {
		f = kore_calloc(1, sizeof(*f));
		(void)snprintf(f->session, sizeof(f->session), "%s", session);
		(void)snprintf(ref, sizeof(ref), "%lld", (long long)
		    json_integer_value(json_object_get(p, "ref")));
		params[0] = ref;
		db_query_bg(SQL_MCP_OUTBOX_TAKE, 1, params, ask_outbox_rows, f);
	}
	json_decref(p);
}

void
mcp_ask_init(void)
{
	events_on(EVENT_MCP_ANSWER, ask_on_answer);
}

/*
 * A response the client POSTed (a JSON-RPC message with a result or an
 * error): to our question, on this worker or wherever it was asked.
 * Responses to anything else are dropped; the transport answers 202.
 */
void
mcp_ask_response(const char *session, json_t *msg)
{
	const char	*id = json_string_value(json_object_get(msg, "id"));
	const char	*p[3];
	char		*text;

	if (id == NULL || strncmp(id, ASK_PREFIX, strlen(ASK_PREFIX)) != 0 ||
	    strlen(id) > MCP_ASK_ID_LEN || session == NULL || *session == '\0')
		return;
	if (mcp_ex_answer_local(session, msg))
		return;
	if ((text = json_dumps(msg, JSON_COMPACT)) == NULL)
		return;
	p[0] = session;
	p[1] = id;
	p[2] = text;
	db_exec_detached(mcp_notify_size_ok(strlen(text)) ?
	    SQL_MCP_NOTIFY_ANSWER : SQL_MCP_ANSWER_PUT, 3, p);
	free(text);
}
