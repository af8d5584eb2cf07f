/*
 * mcp/: the MCP gateway.
 *
 * Two transports (Streamable HTTP on /mcp, the legacy HTTP+SSE pair on
 * /sse and /messages) feed one exchange engine: a JSON-RPC request becomes
 * a struct mcp_ex that runs asynchronously (database, sandbox) inside the
 * HTTP request that carried it and ends with one JSON-RPC response.
 * Sessions live in PostgreSQL so any worker or instance can serve them;
 * changes and routed responses travel by NOTIFY (http/events.c).
 */
#ifndef MCPBOX_MCP_H
#define MCPBOX_MCP_H

#include "http/http.h"
#include "db/db.h"
#include "sbx/sbx.h"

struct ext_job;

#define MCP_BODY_MAX		(1024 * 1024)
#define MCP_SESSION_LEN		32

/* JSON-RPC 2.0 error codes. */
#define RPC_PARSE_ERROR		-32700
#define RPC_INVALID_REQUEST	-32600
#define RPC_METHOD_NOT_FOUND	-32601
#define RPC_INVALID_PARAMS	-32602
#define RPC_INTERNAL_ERROR	-32603

/* Management tool flags. */
#define MGMT_LOCAL		0x01	/* L: refused to remote callers */
#define MGMT_DESTRUCTIVE	0x02	/* D */

struct mcp_ex;
typedef int	(*mgmt_fn)(struct http_request *, struct mcp_ex *);

struct mgmt_tool {
	const char	*name;
	const char	*description;
	const char	*schema;	/* JSON Schema of the arguments */
	int		flags;
	mgmt_fn		fn;
};

extern const struct mgmt_tool	mgmt_tools[];
extern const size_t		mgmt_tools_count;

struct mcp_ex {
	json_t			*msg;
	json_t			*id;
	const char		*method;
	json_t			*params;
	char			session[MCP_SESSION_LEN + 1];
	char			version[16];
	int			remote;
	int			has_email;	/* remote caller's verified email */
	char			ip[64];
	char			request_id[REQID_MAX + 1];
	int			step;
	/* The session is unknown or expired: the transport answers 404,
	 * as the spec says, so the client initializes again. */
	int			session_gone;
	uint64_t		session_gen;	/* session ends seen at check + 1 */
	int			log_pending;	/* write the execution log */
	struct db_call		db;
	struct sbx_call		*sbx;
	struct ext_job		*ext;		/* external source call */
	int			xstep;		/* its own steps */
	double			t0;
	/* tools/call */
	const struct mgmt_tool	*mgmt;
	json_t			*args;
	json_t			*tool;		/* row of the user tool */
	json_t			*out;		/* structured result so far */
	json_t			*response;	/* the final JSON-RPC message */
	TAILQ_ENTRY(mcp_ex)	list;
};

/* protocol.c */
const char	*mcp_version_pick(const char *);
int		mcp_version_known(const char *);
json_t		*mcp_rpc_result(json_t *id, json_t *result);
json_t		*mcp_rpc_error(json_t *id, int code, const char *message);
int		mcp_rpc_validate(json_t *msg, const char **why);
void		mcp_session_new(char out[MCP_SESSION_LEN + 1]);
int		mcp_session_valid(const char *);

/* origin.c */
int		mcp_caller_remote(struct http_request *, int *remote);

/* exchange.c */
void		mcp_ex_init(struct mcp_ex *, json_t *msg, const char *session,
		    const char *version, int remote, struct http_request *);
int		mcp_ex_run(struct http_request *, struct mcp_ex *);
void		mcp_ex_clear(struct mcp_ex *);
void		mcp_ex_cancel_local(const char *session, json_t *request_id);

/* tools: user tools (call.c), results (result.c) */
int		mcp_call_user_tool(struct http_request *, struct mcp_ex *);
void		mcp_call_log(struct mcp_ex *);
json_t		*mcp_tool_ok(json_t *structured_or_text);
json_t		*mcp_tool_error(const char *message);
int		mgmt_done(struct mcp_ex *, json_t *result);
int		mgmt_fail(struct mcp_ex *, const char *message);
int		mgmt_sql(struct http_request *, struct mcp_ex *,
		    const char *sql, int n, const char **params);
const char	*mgmt_arg_str(struct mcp_ex *, const char *);
int		mgmt_arg_uuid(struct mcp_ex *, const char *, const char **);

/* policy.c */
void		mcp_policy_init(void);
int		mcp_policy_rpm(void);
int		mcp_policy_remote_editing(void);

/* redact.c */
json_t		*mcp_redact(json_t *, json_t *secrets);
char		*mcp_redact_text(char *, json_t *secrets);

/* The management tools (mgmt_*.c). */
int		mgmt_list_servers(struct http_request *, struct mcp_ex *);
int		mgmt_get_server(struct http_request *, struct mcp_ex *);
int		mgmt_create_server(struct http_request *, struct mcp_ex *);
int		mgmt_delete_server(struct http_request *, struct mcp_ex *);
int		mgmt_start_server(struct http_request *, struct mcp_ex *);
int		mgmt_stop_server(struct http_request *, struct mcp_ex *);
int		mgmt_get_server_modules(struct http_request *, struct mcp_ex *);
int		mgmt_list_tools(struct http_request *, struct mcp_ex *);
int		mgmt_get_tool(struct http_request *, struct mcp_ex *);
int		mgmt_create_tool(struct http_request *, struct mcp_ex *);
int		mgmt_update_tool(struct http_request *, struct mcp_ex *);
int		mgmt_delete_tool(struct http_request *, struct mcp_ex *);
int		mgmt_list_tool_versions(struct http_request *, struct mcp_ex *);
int		mgmt_rollback_tool(struct http_request *, struct mcp_ex *);
int		mgmt_validate_code(struct http_request *, struct mcp_ex *);
int		mgmt_test_code(struct http_request *, struct mcp_ex *);
int		mgmt_create_server_secret(struct http_request *, struct mcp_ex *);
int		mgmt_list_server_secrets(struct http_request *, struct mcp_ex *);
int		mgmt_request_publish(struct http_request *, struct mcp_ex *);
int		mgmt_request_module(struct http_request *, struct mcp_ex *);
int		mgmt_request_network_access(struct http_request *, struct mcp_ex *);
int		mgmt_get_tool_status(struct http_request *, struct mcp_ex *);
int		mgmt_list_pending_requests(struct http_request *, struct mcp_ex *);
int		mgmt_get_tool_logs(struct http_request *, struct mcp_ex *);
int		mgmt_add_external_source(struct http_request *, struct mcp_ex *);
int		mgmt_list_external_sources(struct http_request *, struct mcp_ex *);
int		mgmt_discover_external_tools(struct http_request *, struct mcp_ex *);
int		mgmt_import_external_tools(struct http_request *, struct mcp_ex *);

/* External sources (mgmt_external.c). */
int		mcp_call_external(struct http_request *, struct mcp_ex *);

/* session_cache.c: sessions checked in the last 2 s (per worker) */
void		mcp_session_cache_init(void);
int		mcp_session_cached(const char *id, char *version, size_t len);
void		mcp_session_remember(const char *id, const char *version,
		    uint64_t generation);
void		mcp_session_forget(const char *id);

/* streams.c */
void		mcp_streams_init(void);
int		mcp_deliver_local(const char *session, const char *text);
int		mcp_notify_size_ok(size_t);
void		mcp_route_message(const char *session, const char *text);

/* transport_common.c */
int		mcp_http_error(struct http_request *, int, int, const char *);
int		mcp_gate(struct http_request *, int *remote);
int		mcp_read_message(struct http_request *, json_t **);
void		mcp_cancel_request(struct http_request *, const char *,
		    json_t *);
void		mcp_cancel_broadcast(const char *session, json_t *rid);

/* transports: handlers named in conf/mcpbox.conf */
int		mcp_http(struct http_request *);
int		mcp_sse_open(struct http_request *);
int		mcp_sse_message(struct http_request *);

#endif
