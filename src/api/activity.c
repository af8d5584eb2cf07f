/*
 * /api/activity and the execution logs: what happened, as pages to browse
 * and as a live feed.
 *
 * The feed (GET /api/activity/stream) is an SSE stream. Every insert into
 * activity_logs NOTIFYs mcpbox_activity (migration 0004), every worker
 * LISTENs, and each worker forwards the entry to the streams it holds,
 * applying the stream's filters itself: an entry written by any worker or
 * instance reaches every open stream once, and the database never learns
 * who is watching. The stream's state is released with the request, so a
 * client that hangs up costs nothing further.
 */
#include <string.h>

#include "api/api.h"
#include "db/sql.h"

static const char *const	log_types[] = { "mcp_request", "mcp_response",
	"network", "alert", "error", "system", "audit", NULL };
static const char *const	levels[] = { "debug", "info", "warning",
	"error", NULL };

/* One open activity stream and its filters ("" = any). */
struct activity_sub {
	struct sse_stream	*stream;
	char			log_type[16];
	char			level[16];
	char			server_id[37];
};

/* One notification, parsed once for all streams of the worker. */
struct activity_ev {
	const char	*text;
	const char	*log_type;
	const char	*level;
	const char	*server_id;
};

static int	activity_registered;

static void
activity_sub_free(void *arg)
{
	struct activity_sub	*sub = arg;

	sse_close(sub->stream);
	kore_free(sub);
}

static int
activity_filter_pass(const char *want, const char *have)
{
	return (want[0] == '\0' || (have != NULL && strcmp(want, have) == 0));
}

static void
activity_push(struct sse_stream *s, void *arg)
{
	struct activity_sub	*sub = s->owner;
	struct activity_ev	*ev = arg;

	if (sub == NULL || !activity_filter_pass(sub->log_type, ev->log_type) ||
	    !activity_filter_pass(sub->level, ev->level) ||
	    !activity_filter_pass(sub->server_id, ev->server_id))
		return;
	sse_send_event(s, "activity", ev->text);
}

static void
activity_event(const char *payload)
{
	struct activity_ev	ev;
	json_t			*j;
	char			*text;

	if ((j = json_loads(payload, 0, NULL)) == NULL)
		return;
	/* Re-dumped compact: an SSE data line must not hold a newline. */
	if ((text = json_dumps(j, JSON_COMPACT)) != NULL) {
		ev.text = text;
		ev.log_type = json_string_value(json_object_get(j, "log_type"));
		ev.level = json_string_value(json_object_get(j, "level"));
		ev.server_id = json_string_value(json_object_get(j,
		    "server_id"));
		sse_foreach(SSE_ACTIVITY, activity_push, &ev);
		free(text);
	}
	json_decref(j);
}

/*
 * Register the feed's event handler. Meant for kore_worker_configure; the
 * stream handler calls it too, so a worker can't hold a stream that
 * misses events.
 */
void
api_activity_init(void)
{
	if (activity_registered)
		return;
	events_on(EVENT_ACTIVITY, activity_event);
	activity_registered = 1;
}

int
api_activity_stream(struct http_request *req, struct api_ctx *c)
{
	struct activity_sub	*sub;
	char			type[16], level[16], server[37];

	if (c->state == NULL) {
		if (api_query_enum(req, "log_type", log_types, "", type,
		    sizeof(type)) == -1 || api_query_enum(req, "level",
		    levels, "", level, sizeof(level)) == -1 ||
		    api_query_uuid(req, "server_id", server) == -1)
			return (hx_error(req, 400, "bad_filter",
			    "unknown log_type, level or server_id"));
		api_activity_init();
		sub = kore_calloc(1, sizeof(*sub));
		(void)snprintf(sub->log_type, sizeof(sub->log_type), "%s", type);
		(void)snprintf(sub->level, sizeof(sub->level), "%s", level);
		(void)snprintf(sub->server_id, sizeof(sub->server_id), "%s",
		    server);
		c->state = sub;
		c->state_free = activity_sub_free;
		if ((sub->stream = sse_open(req, SSE_ACTIVITY)) == NULL)
			return (KORE_RESULT_OK);
		sub->stream->owner = sub;
		/* A first chunk, so clients see the stream is live. */
		sse_send_raw(sub->stream, ": connected\n\n", 13);
	}
	/* Nothing wakes us but the client leaving: sleep until freed. */
	http_request_sleep(req);
	return (KORE_RESULT_RETRY);
}

/* ?log_type= &level= &server_id= &since= &q= &page= &page_size= */
int
api_activity_logs(struct http_request *req, struct api_ctx *c)
{
	long		page, size;
	char		off[16], lim[16], pg[16], ps[16], type[16], level[16];
	char		server[37], since[64], q[256];
	const char	*p[9];

	if (api_page(req, &page, &size, off, lim) == HX_ANSWERED)
		return (KORE_RESULT_OK);
	if (api_query_enum(req, "log_type", log_types, "", type,
	    sizeof(type)) == -1 || api_query_enum(req, "level", levels, "",
	    level, sizeof(level)) == -1 || api_query_uuid(req, "server_id",
	    server) == -1)
		return (hx_error(req, 400, "bad_filter",
		    "unknown log_type, level or server_id"));
	if (!hx_query(req, "since", since, sizeof(since)))
		since[0] = '\0';
	if (!hx_query(req, "q", q, sizeof(q)))
		q[0] = '\0';
	(void)snprintf(pg, sizeof(pg), "%ld", page);
	(void)snprintf(ps, sizeof(ps), "%ld", size);
	p[0] = type;
	p[1] = level;
	p[2] = server;
	p[3] = since;
	p[4] = q;
	p[5] = off;
	p[6] = lim;
	p[7] = pg;
	p[8] = ps;
	return (api_sql_respond(req, c, SQL_ACTIVITY_LOGS_RESPOND, 9, p));
}

static int
activity_success_filter(struct http_request *req, const char **out)
{
	char	ok[8];

	*out = "";
	if (!hx_query(req, "success", ok, sizeof(ok)))
		return (0);
	if (strcmp(ok, "true") == 0)
		*out = "t";
	else if (strcmp(ok, "false") == 0)
		*out = "f";
	else
		return (-1);
	return (0);
}

/* ?tool_id= &server_id= &success= &page= &page_size= */
int
api_execution_logs(struct http_request *req, struct api_ctx *c)
{
	long		page, size;
	char		off[16], lim[16], pg[16], ps[16], tool[37], server[37];
	const char	*p[7], *succ;

	if (api_page(req, &page, &size, off, lim) == HX_ANSWERED)
		return (KORE_RESULT_OK);
	if (api_query_uuid(req, "tool_id", tool) == -1 ||
	    api_query_uuid(req, "server_id", server) == -1 ||
	    activity_success_filter(req, &succ) == -1)
		return (hx_error(req, 400, "bad_filter",
		    "tool_id and server_id must be ids, success true or "
		    "false"));
	(void)snprintf(pg, sizeof(pg), "%ld", page);
	(void)snprintf(ps, sizeof(ps), "%ld", size);
	p[0] = tool;
	p[1] = server;
	p[2] = succ;
	p[3] = off;
	p[4] = lim;
	p[5] = pg;
	p[6] = ps;
	return (api_sql_respond(req, c, SQL_EXECUTION_LOGS_RESPOND, 7, p));
}

int
api_server_execution_logs(struct http_request *req, struct api_ctx *c)
{
	long		page, size;
	char		off[16], lim[16], pg[16], ps[16];
	const char	*p[6], *succ;

	if (!api_uuid_valid(c->param[0]))
		return (hx_error(req, 404, "not_found", "no such server"));
	if (api_page(req, &page, &size, off, lim) == HX_ANSWERED)
		return (KORE_RESULT_OK);
	if (activity_success_filter(req, &succ) == -1)
		return (hx_error(req, 400, "bad_filter",
		    "success must be true or false"));
	(void)snprintf(pg, sizeof(pg), "%ld", page);
	(void)snprintf(ps, sizeof(ps), "%ld", size);
	p[0] = c->param[0];
	p[1] = succ;
	p[2] = off;
	p[3] = lim;
	p[4] = pg;
	p[5] = ps;
	return (api_sql_respond(req, c, SQL_SERVER_EXECUTION_LOGS_RESPOND, 6,
	    p));
}
