/*
 * http/: what every request goes through before and after a handler — the
 * per-request context (request id, timing, the access log line), security
 * headers, JSON responses and errors, and the fallback routes.
 *
 * Every handler starts with hx_begin(req). It is idempotent, so handlers
 * that return KORE_RESULT_RETRY and run again get the same context back.
 * The access log line is written when Kore frees the request, so a client
 * that hangs up mid-way is logged too.
 */
#ifndef MCPBOX_HTTP_H
#define MCPBOX_HTTP_H

#include <kore/kore.h>
#include <kore/http.h>

#include <jansson.h>

#include "core/core.h"

#define HX_BODY_MAX_DEFAULT	(1024 * 1024)

/*
 * What a function that may answer the request itself did, with one
 * meaning everywhere (docs/ARCHITECTURE.md, "Answered"): HX_ANSWERED once
 * the answer is sent (in an MCP exchange: stored in ex->response),
 * HX_WAIT while the request sleeps until an event wakes it, HX_GO_ON when
 * nothing was sent and the caller carries on. Kore's page handlers keep
 * Kore's own KORE_RESULT_OK and KORE_RESULT_RETRY.
 */
enum hx_turn {
	HX_WAIT = 0,
	HX_ANSWERED = 1,
	HX_GO_ON = 2,
};

struct hx {
	char		request_id[REQID_MAX + 1];
	char		ip[64];		/* kept: the connection may go first */
	double		start_ms;
	const char	*route;
	/* Per-handler state, freed with the request. */
	void		*data;
	void		(*data_free)(void *);
	/* Pending request body, read once. */
	char		*body;
	size_t		body_len;
	int		body_read;
};

struct hx	*hx_begin(struct http_request *, const char *route);
void		*hx_data(struct http_request *, size_t,
		    void (*)(void *));
const char	*hx_client_ip(struct http_request *, char *, size_t);
/* The request id hx_begin gave the request (logs, audit rows). */
const char	*hx_request_id(struct http_request *);

/*
 * Which listener a request came through: the only thing that makes a
 * caller remote. Headers never do.
 */
#define HX_DOOR_LOCAL	"default"
#define HX_DOOR_PUBLIC	"public"
int		 hx_public_door(struct http_request *);
int		 hx_path_server(const char *path, const char *prefix,
		    char *out, size_t outlen);

/* origin.c: Host and Origin on the local door (DNS rebinding). */
int		 hx_host_normal(const char *, size_t, char *, size_t);
int		 hx_origin_ok(struct http_request *);
int		 hx_origin_refused(struct http_request *);
const char	*hx_method_name(int);

/* Responses. All of them add the security headers and the request id. */
int	hx_json(struct http_request *, int, json_t *);
int	hx_json_text(struct http_request *, int, const char *, size_t);
const char	*hx_json_problem(const json_error_t *);
int	hx_error(struct http_request *, int, const char *code,
	    const char *message);
int	hx_error_fields(struct http_request *, int, const char *code,
	    const char *message, json_t *fields);
int	hx_method_not_allowed(struct http_request *, const char *allow);
void	hx_security_headers(struct http_request *, int is_html);

/* Body: read the whole request body (at most `max` bytes) as JSON. */
int	hx_body_read(struct http_request *, size_t max, int *status);
enum hx_turn	hx_body_json(struct http_request *, size_t max,
		    json_t **out);

/* Query string: 1 with the decoded value, 0 when absent or malformed. */
int	hx_urldecode(const char *, size_t, char *out, size_t outlen);
int	hx_form_find(const char *form, const char *name, char *out,
	    size_t outlen);
int	hx_query(struct http_request *, const char *, char *, size_t);

/* Event streams (sse.c). */
enum sse_kind {
	SSE_MCP = 1,		/* GET /mcp */
	SSE_LEGACY,		/* GET /sse */
	SSE_ACTIVITY,		/* GET /api/activity/stream */
	SSE_RESPONSE,		/* one POST's answer: its notifications first */
	SSE_RESUMED,		/* GET /mcp resuming a closed call's stream */
};

struct sse_stream {
	struct http_request	*req;
	int			kind;
	int			closed;
	void			*owner;		/* the feature's own state */
	struct kore_timer	*timer;
	char			ip[64];		/* the client's, for its share */
	int			backlog;	/* keep-alives that found unsent data */
	/* Event ids (sse_prime): the stream's random part, then a count. */
	char			eid[17];
	uint64_t		seq;
	TAILQ_ENTRY(sse_stream)	list;
};

/* How long a client waits before it reconnects a stream (SSE retry:). */
#define SSE_RETRY_MS	2000
/* An event id of ours: 16 hex, '-', a count. */
int	sse_event_id_valid(const char *);

struct sse_stream	*sse_open(struct http_request *, int kind);
struct sse_stream	*sse_open_response(struct http_request *);
void	sse_end(struct sse_stream *);
void	sse_send_raw(struct sse_stream *, const char *, size_t);
void	sse_prime(struct sse_stream *);
int	sse_gone(struct sse_stream *);
void	sse_send_event(struct sse_stream *, const char *event,
	    const char *data);
void	sse_close(struct sse_stream *);
void	sse_foreach(int kind, void (*)(struct sse_stream *, void *), void *);
void	sse_close_all(void);

/* Connections (connection.c, spread.c): the listeners' accept hook, and
 * the counts that spread connections over the workers. */
#define HX_ACCEPT_HOOK	"hx_connection_accepted"
void	hx_connection_accepted(struct connection *);
int	spread_init(void);
void	spread_worker_init(void);
void	spread_accepted(void);
void	spread_closed(void);

/* Cross-worker events over LISTEN/NOTIFY (events.c). */
#define EVENT_TOOLS_CHANGED	"mcpbox_tools_changed"
#define EVENT_ACTIVITY		"mcpbox_activity"
#define EVENT_MCP_MESSAGE	"mcpbox_mcp_message"
#define EVENT_MCP_CANCEL	"mcpbox_mcp_cancel"
#define EVENT_MCP_ANSWER	"mcpbox_mcp_answer"
#define EVENT_STREAM_EVENT	"mcpbox_stream_event"
#define EVENT_SESSION_ENDED	"mcpbox_session_ended"
#define EVENT_ADMIN_CHANGED	"mcpbox_admin_changed"
#define EVENT_POLICY_CHANGED	"mcpbox_policy_changed"

typedef void	(*event_fn)(const char *payload);
void	events_on(const char *channel, event_fn);
void	events_start(void);

/* Fallback and asset routes (conf/mcpbox.conf). */
int	hx_not_found(struct http_request *);
int	hx_asset_index(struct http_request *);

#endif
