/*
 * What the gateway pushes to open streams, whichever worker or instance
 * caused it: tools/, resources/ and prompts/list_changed to every GET /mcp
 * and /sse stream, resources/updated to the sessions that subscribed, and, on
 * the legacy transport, the response to a POST /messages to the one worker
 * that holds that session's stream. All of it arrives as NOTIFY
 * (http/events.c); a response too large for a NOTIFY payload is parked in
 * mcp_outbox and fetched by id.
 */
#include <string.h>

#include "mcp/mcp.h"
#include "db/sql.h"

#define NOTIFY_MAX	7000


/* Who asked for an outbox row: the stream is looked up again when the
 * row arrives, since it may have gone meanwhile. */
struct streams_outbox_fetch {
	char	session[MCP_SESSION_LEN + 1];
};

/* Tools, resources and prompts are one table: any change, all three. */
void
mcp_send_list_changed(struct sse_stream *s)
{
	sse_send_event(s, "message", MCP_LIST_CHANGED);
	sse_send_event(s, "message", MCP_RESOURCES_LIST_CHANGED);
	sse_send_event(s, "message", MCP_PROMPTS_LIST_CHANGED);
}

static void
streams_push_changed(struct sse_stream *s, void *arg)
{
	(void)arg;
	mcp_send_list_changed(s);
}

/* The sessions whose streams this worker holds, as a text[] literal. */
static void
streams_collect(struct sse_stream *s, void *arg)
{
	struct kore_buf	*b = arg;

	const char	*owner = s->owner;

	if (owner == NULL || !mcp_session_valid(owner))
		return;
	if (b->offset > 1)
		kore_buf_append(b, ",", 1);
	kore_buf_append(b, owner, strlen(owner));
}

struct updated_arg {
	const char	*session;
	const char	*text;
};

static void
streams_push_updated(struct sse_stream *s, void *arg)
{
	struct updated_arg	*u = arg;

	if (s->owner != NULL && strcmp((const char *)s->owner,
	    u->session) == 0)
		sse_send_event(s, "message", u->text);
}

static void
streams_updated_rows(PGresult *res, void *arg)
{
	struct updated_arg	 u;
	json_t			*msg;
	char			*text;
	int			 i;

	(void)arg;
	for (i = 0; res != NULL && i < PQntuples(res); i++) {
		msg = json_pack("{s:s, s:s, s:{s:s}}", "jsonrpc", "2.0",
		    "method", "notifications/resources/updated", "params",
		    "uri", PQgetvalue(res, i, 1));
		text = json_dumps(msg, JSON_COMPACT);
		json_decref(msg);
		u.session = PQgetvalue(res, i, 0);
		u.text = text;
		if (text != NULL) {
			sse_foreach(SSE_MCP, streams_push_updated, &u);
			sse_foreach(SSE_LEGACY, streams_push_updated, &u);
		}
		free(text);
	}
}

/*
 * Every stream hears that the lists changed; the sessions among them
 * that subscribed to resources whose server's resources changed hear
 * notifications/resources/updated, asked of the database by this worker
 * for its own streams only.
 */
static void
streams_on_tools_changed(const char *payload)
{
	struct kore_buf	 b;
	const char	*p[1];

	(void)payload;
	sse_foreach(SSE_MCP, streams_push_changed, NULL);
	sse_foreach(SSE_LEGACY, streams_push_changed, NULL);
	kore_buf_init(&b, 256);
	kore_buf_append(&b, "{", 1);
	sse_foreach(SSE_MCP, streams_collect, &b);
	sse_foreach(SSE_LEGACY, streams_collect, &b);
	kore_buf_append(&b, "}", 1);
	if (b.offset > 2) {
		p[0] = kore_buf_stringify(&b, NULL);
		db_query_bg(SQL_MCP_SUBSCRIPTIONS_CHANGED, 1, p,
		    streams_updated_rows, NULL);
	}
	kore_buf_cleanup(&b);
}

struct find_arg {
	const char		*session;
	struct sse_stream	*found;
};

static void
streams_find_legacy(struct sse_stream *s, void *arg)
{
	struct find_arg	*f = arg;

	if (f->found == NULL && s->owner != NULL &&
	    strcmp((const char *)s->owner, f->session) == 0)
		f->found = s;
}

static struct sse_stream *
streams_legacy_stream(const char *session)
{
	struct find_arg	f;

	f.session = session;
	f.found = NULL;
	sse_foreach(SSE_LEGACY, streams_find_legacy, &f);
	return (f.found);
}

/*
 * A routed message onto a legacy stream: one JSON-RPC message, or an
 * array of them that must arrive in that order (a call's notifications,
 * then its answer), each its own event.
 */
static void
streams_send(struct sse_stream *s, const char *text)
{
	json_t	*all, *m;
	size_t	 i;
	char	*one;

	if (text[0] != '[' || (all = json_loads(text, 0, NULL)) == NULL) {
		sse_send_event(s, "message", text);
		return;
	}
	json_array_foreach(all, i, m) {
		if ((one = json_dumps(m, JSON_COMPACT)) != NULL)
			sse_send_event(s, "message", one);
		free(one);
	}
	json_decref(all);
}

static void
streams_outbox_rows(PGresult *res, void *arg)
{
	struct streams_outbox_fetch	*o = arg;
	struct sse_stream	*s;

	if (res != NULL && PQntuples(res) == 1 &&
	    (s = streams_legacy_stream(o->session)) != NULL)
		streams_send(s, PQgetvalue(res, 0, 0));
	kore_free(o);
}

static void
streams_outbox_fetch(const char *session, const char *id)
{
	struct streams_outbox_fetch	*o;
	const char		*p[1];

	o = kore_calloc(1, sizeof(*o));
	(void)snprintf(o->session, sizeof(o->session), "%s", session);
	p[0] = id;
	db_query_bg(SQL_MCP_OUTBOX_TAKE, 1, p, streams_outbox_rows, o);
}

static void
streams_on_message(const char *payload)
{
	json_t			*p, *m;
	const char		*session;
	struct sse_stream	*s;
	char			*text, id[24];

	if ((p = json_loads(payload, 0, NULL)) == NULL)
		return;
	session = json_string_value(json_object_get(p, "s"));
	if (session != NULL && (s = streams_legacy_stream(session)) != NULL) {
		if ((m = json_object_get(p, "m")) != NULL) {
			text = json_dumps(m, JSON_COMPACT);
			if (text != NULL)
				streams_send(s, text);
			free(text);
		} else if (json_is_integer(json_object_get(p, "ref"))) {
			(void)snprintf(id, sizeof(id), "%lld", (long long)
			    json_integer_value(json_object_get(p, "ref")));
			streams_outbox_fetch(session, id);
		}
	}
	json_decref(p);
}

static void
streams_on_cancel(const char *payload)
{
	json_t		*p;
	const char	*session;

	if ((p = json_loads(payload, 0, NULL)) == NULL)
		return;
	session = json_string_value(json_object_get(p, "s"));
	if (session != NULL)
		mcp_ex_cancel_local(session, json_object_get(p, "r"));
	json_decref(p);
}

void
mcp_streams_init(void)
{
	events_on(EVENT_TOOLS_CHANGED, streams_on_tools_changed);
	events_on(EVENT_MCP_MESSAGE, streams_on_message);
	events_on(EVENT_MCP_CANCEL, streams_on_cancel);
}

/* Is the legacy stream of `session` held by this worker? */
int
mcp_deliver_local(const char *session, const char *text)
{
	struct sse_stream	*s;

	if ((s = streams_legacy_stream(session)) == NULL)
		return (0);
	sse_send_event(s, "message", text);
	return (1);
}

int
mcp_notify_size_ok(size_t len)
{
	return (len <= NOTIFY_MAX);
}

void
mcp_cancel_broadcast(const char *session, json_t *rid)
{
	const char	*p[2];
	char		*id;

	if ((id = json_dumps(rid, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
		return;
	p[0] = session;
	p[1] = id;
	db_exec_detached(SQL_MCP_NOTIFY_CANCEL, 2, p);
	free(id);
}

/*
 * A legacy response for a stream another worker (or instance) holds:
 * inline in the NOTIFY when it fits, else parked in the outbox.
 */
void
mcp_route_message(const char *session, const char *text)
{
	const char	*p[2];

	p[0] = session;
	p[1] = text;
	db_exec_detached(mcp_notify_size_ok(strlen(text)) ?
	    SQL_MCP_NOTIFY_MESSAGE : SQL_MCP_OUTBOX_PUT, 2, p);
}
