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
#define MCP_LIST_CHANGED \
    "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}"
#define MCP_RESOURCES_LIST_CHANGED \
    "{\"jsonrpc\":\"2.0\",\"method\":" \
    "\"notifications/resources/list_changed\"}"
#define MCP_PROMPTS_LIST_CHANGED \
    "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/prompts/list_changed\"}"
/* The id of a question to the client (ask.c): a prefix, 32 hex. */
#define MCP_ASK_ID_LEN		43
#define MCP_SCOPE_MAX		IDENT_MAX	/* a server's name */

/* JSON-RPC 2.0 error codes. */
#define RPC_PARSE_ERROR		-32700
#define RPC_INVALID_REQUEST	-32600
#define RPC_METHOD_NOT_FOUND	-32601
#define RPC_INVALID_PARAMS	-32602
#define RPC_INTERNAL_ERROR	-32603
/* The key that marks a content result in what the sandbox returns. */
#define CONTENT_MARK		"$mcp"

/* MCP's own: resources/read of a URI no resource has. */
#define RPC_RESOURCE_NOT_FOUND	-32002

/* What a call runs for (mcp_ex.item): a tool, or a computed prompt or
 * resource, whose result is shaped as prompts/get or resources/read. */
enum mcp_item { ITEM_TOOL = 0, ITEM_PROMPT, ITEM_RESOURCE };

/* What a message from the client is (mcp_rpc_validate). */
enum rpc_kind {
	RPC_INVALID = 0,
	RPC_REQUEST,
	RPC_NOTIFICATION,
	RPC_RESPONSE,
};

/* Management tool flags. */
#define MGMT_LOCAL		0x01	/* L: refused to remote callers */
#define MGMT_DESTRUCTIVE	0x02	/* D */

/*
 * A client token as the caller's identity (token.c): its name for the
 * logs, its scope and its servers for what the client is shown.
 */
enum token_scope {
	TOKEN_NONE = 0,		/* no token: the local door's open access */
	TOKEN_CALL,		/* approved tools, resources, prompts only */
	TOKEN_AUTHOR,		/* and the management tools */
};

struct mcp_token {
	char		id[37];		/* "" when there is none */
	char		name[65];
	enum token_scope scope;
	json_t		*servers;	/* names; NULL: every server */
};

/* The gate's steps (mcp_caller.gate_step). */
enum gate_step {
	GATE_START = 0,		/* the checks that need no query */
	GATE_TOKEN,		/* the client token, in PostgreSQL */
	GATE_DONE,
};

/* Who the gate let in. */
struct mcp_caller {
	enum gate_step	gate_step;
	int		remote;
	struct mcp_token token;
	/* GATE_TOKEN: what to find, the secret's hash or an OAuth access
	 * token's row. */
	char		find_hash[SHA256_HEX];
	char		find_id[37];
};

struct mcp_ex;
typedef enum hx_turn	mgmt_handler(struct http_request *, struct mcp_ex *);
typedef mgmt_handler	*mgmt_fn;

struct mgmt_tool {
	const char	*name;
	const char	*description;
	const char	*schema;	/* JSON Schema of the arguments */
	int		flags;
	mgmt_fn		fn;
};

extern const struct mgmt_tool	mgmt_tools[];
extern const size_t		mgmt_tools_count;

/*
 * An exchange runs three state machines, each with its own field and its
 * own enum: the exchange's (ex->step: the session check, then the
 * method), the method's (ex->method_step, an enum in the method's file,
 * starting at 0) and, inside a tools/call of a passthrough tool, the
 * forwarded call's (ex->ext_step, in mgmt_external.c).
 */
enum ex_step {
	EX_SESSION = 0,		/* check the session, unless cached */
	EX_METHOD,		/* run the method */
};

struct mcp_ex {
	json_t			*msg;
	json_t			*id;
	const char		*method;
	json_t			*params;
	char			session[MCP_SESSION_LEN + 1];
	/* A server's own endpoint (/mcp/{server}): its name; "" on /mcp. */
	char			scope[MCP_SCOPE_MAX + 1];
	char			version[16];
	int			remote;
	int			has_email;	/* remote caller's verified email */
	struct mcp_token	token;		/* the caller's client token */
	int			target_checked;	/* ex_mgmt_target passed */
	char			ip[64];
	char			request_id[REQID_MAX + 1];
	enum ex_step		step;
	int			method_step;
	/* The session is unknown or expired: the transport answers 404,
	 * as the spec says, so the client initializes again. */
	int			session_gone;
	int			unknown_server;	/* likewise 404 */
	uint64_t		session_gen;	/* session ends seen at check + 1 */
	int			log_pending;	/* write the execution log */
	struct db_call		db;
	struct sbx_call		*sbx;
	struct ext_job		*ext;		/* external source call */
	int			ext_step;
	double			t0;
	/* tools/call */
	const struct mgmt_tool	*mgmt;
	json_t			*args;
	json_t			*tool;		/* row of the user tool */
	json_t			*out;		/* structured result so far */
	json_t			*modules;	/* what checked code may import */
	/* tools/call of a definition the worker holds (tool_cache.c) */
	int			 load_step;
	json_t			*cached_def;
	long long		 cached_gen;
	json_t			*response;	/* the final JSON-RPC message */
	/* Notifications for the client that came while the call ran. */
	json_t			*notes;
	char			log_level[16];	/* the session's (setLevel) */
	json_t			*client_caps;	/* declared at initialize */
	/* The transport can stream to the client while the call runs. */
	int			can_stream;
	/* The question to the client that waits for its answer (ask.c). */
	char			ask_rpc[MCP_ASK_ID_LEN + 1];
	char			ask_kind[16];
	json_int_t		ask_n;
	/* The tool asked to close its stream (mcp.close_stream()); what it
	 * sent after that waits in `later` for the close. */
	int			close_stream;
	int			stream_closed;
	json_t			*later;
	/* prompts/get and resources/read of a computed item (items.c). */
	enum mcp_item		 item;
	json_t			*item_def;	/* approved definition */
	char			*item_uri;	/* the URI the client read */
	int			 item_complete;	/* its complete() runs */
	TAILQ_ENTRY(mcp_ex)	list;
};

/* protocol.c */
const char	*mcp_version_pick(const char *);
int		mcp_version_known(const char *);
json_t		*mcp_rpc_result(json_t *id, json_t *result);
json_t		*mcp_rpc_error(json_t *id, int code, const char *message);
enum rpc_kind	mcp_rpc_validate(json_t *msg, const char **why);
void		mcp_session_new(char out[MCP_SESSION_LEN + 1]);
int		mcp_session_valid(const char *);
int		mcp_log_level_rank(const char *);

/* origin.c */
int		mcp_caller_remote(struct http_request *, int *remote);

/* exchange.c */
void		mcp_ex_init(struct mcp_ex *, json_t *msg, const char *session,
		    const char *scope, const struct mcp_caller *,
		    struct http_request *);
enum hx_turn	mcp_ex_run(struct http_request *, struct mcp_ex *);
void		mcp_ex_clear(struct mcp_ex *);
void		mcp_ex_cancel_local(const char *session, json_t *request_id);
int		mcp_ex_answer_local(const char *session, json_t *msg);
void		mcp_ex_move(struct mcp_ex *dst, struct mcp_ex *src);
int		mcp_ex_asking(const char *session, const char *ask_id);
void		mcp_ex_track(struct mcp_ex *);
enum hx_turn	mcp_ex_error(struct mcp_ex *, int code, const char *message);
enum hx_turn	mcp_ex_result(struct mcp_ex *, json_t *result);
enum hx_turn	mcp_ex_unknown_server(struct mcp_ex *);
/* One page of `all` under `key` from the request's cursor; NULL when the
 * cursor is bad. */
json_t		*mcp_list_page(struct mcp_ex *, json_t *all, const char *key);

/* ask.c: a running tool's questions to the client */
void		mcp_ask_init(void);
void		mcp_ask_forward(struct mcp_ex *, json_t *frame);
int		mcp_ask_take(struct mcp_ex *, const char *session, json_t *);
void		mcp_ask_response(const char *session, json_t *msg);

/* tools: user tools (call.c), results (result.c) */
enum hx_turn	mcp_call_user_tool(struct http_request *, struct mcp_ex *);
/* call_load.c: loading a call, its time limit */
enum hx_turn	mcp_call_load(struct http_request *, struct mcp_ex *);
long		mcp_call_timeout_ms(const json_t *tool);
int		mcp_split_name(const char *name, char *server, size_t slen,
		    char *item, size_t ilen);
int		mcp_call_poll(struct mcp_ex *);
void		mcp_call_log(struct mcp_ex *);
/* tool_cache.c: approved definitions by server__tool, with generation */
json_t		*mcp_tool_cache_get(const char *server, const char *tool,
		    long long *gen);
void		 mcp_tool_cache_put(const char *server, const char *tool,
		    long long gen, json_t *def);
void		 mcp_tool_cache_drop(const char *server, const char *tool);
json_t		*mcp_tool_ok(json_t *structured_or_text);
/* The same held to the tool's outputSchema (NULL: none); a mismatch is
 * an error result, and `log` (the call's log entry) says it failed. */
json_t		*mcp_tool_ok_schema(json_t *structured_or_text,
		    const json_t *output_schema, json_t *log);

/* tool_error.c: error results, each with a category in _meta */
#define MCP_ERR_META		"mcpbox/error"	/* {category, hint?} */
#define MCP_ERR_VALIDATION	"validation"	/* arguments or code refused */
#define MCP_ERR_TIMEOUT		"timeout"
#define MCP_ERR_MEMORY		"memory"
#define MCP_ERR_OUTPUT		"output"	/* result or stdout too big, or
						 * not what outputSchema says */
#define MCP_ERR_NETWORK		"network"
#define MCP_ERR_TOOL		"tool_error"	/* the code raised */
#define MCP_ERR_SANDBOX		"sandbox"	/* could not run at all */
json_t		*mcp_tool_error(const char *category, const char *message);
/* The same with what to change (NULL: nothing to say), after the text. */
json_t		*mcp_tool_error_hinted(const char *category,
		    const char *message, const char *hint);
const char	*mcp_error_category(const char *sandbox_error_type);
void		 mcp_error_hint(const char *category, long timeout_ms,
		    long memory_mb, char *buf, size_t len);
/* One content item rebuilt from its known members; NULL: not one. */
json_t		*mcp_content_item(json_t *);

/* items.c: resources, prompts, completion; item_result.c: their results */
int		mcp_items_method(const char *method);
enum hx_turn	mcp_items_run(struct http_request *, struct mcp_ex *);
json_t		*mcp_prompt_fill(const json_t *messages, const json_t *args);
char		*mcp_text_fill(const char *text, const json_t *args);
json_t		*mcp_prompt_messages(json_t *result);
json_t		*mcp_resource_contents(json_t *result, const char *uri,
		    const char *mime);
json_t		*mcp_completion_of(json_t *result);
enum hx_turn	mgmt_done(struct mcp_ex *, json_t *result);
enum hx_turn	mgmt_fail(struct mcp_ex *, const char *message);
enum hx_turn	mgmt_unavailable(struct mcp_ex *);
enum hx_turn	mgmt_sql(struct http_request *, struct mcp_ex *,
		    const char *sql, int n, const char **params);
const char	*mgmt_arg_str(struct mcp_ex *, const char *);
enum hx_turn	mgmt_arg_uuid(struct mcp_ex *, const char *, const char **);
/* Code to be stored, checked by the sandbox (mgmt_tools.c): HX_GO_ON
 * when valid, the derived schemas in ex->out. */
enum hx_turn	mgmt_validate(struct http_request *, struct mcp_ex *,
		    const char *code, int need_main);

/* token.c */
void		mcp_token_from_row(struct mcp_token *, struct db_call *);
int		mcp_token_sees(const struct mcp_token *, const char *server);
void		mcp_token_copy(struct mcp_token *, const struct mcp_token *);
void		mcp_token_clear(struct mcp_token *);
/* The token's id as a statement's parameter: NULL when there is none. */
const char	*mcp_token_param(const struct mcp_token *);

/* policy.c */
void		mcp_policy_init(void);
int		mcp_policy_rpm(void);
int		mcp_policy_remote_editing(void);
int		mcp_policy_local_requires_token(void);

/* redact.c */
json_t		*mcp_redact(json_t *, json_t *secrets);
json_t		*mcp_redact_values(json_t *, json_t *secrets);
char		*mcp_redact_text(char *, json_t *secrets);

/* The management tools (mgmt_*.c). */
mgmt_handler	mgmt_list_servers;
mgmt_handler	mgmt_get_server;
mgmt_handler	mgmt_create_server;
mgmt_handler	mgmt_delete_server;
mgmt_handler	mgmt_start_server;
mgmt_handler	mgmt_stop_server;
mgmt_handler	mgmt_get_server_modules;
mgmt_handler	mgmt_list_tools;
mgmt_handler	mgmt_get_tool;
mgmt_handler	mgmt_create_tool;
mgmt_handler	mgmt_update_tool;
mgmt_handler	mgmt_create_item;
mgmt_handler	mgmt_update_item;
mgmt_handler	mgmt_delete_tool;
mgmt_handler	mgmt_list_tool_versions;
mgmt_handler	mgmt_rollback_tool;
mgmt_handler	mgmt_validate_code;
mgmt_handler	mgmt_test_code;
mgmt_handler	mgmt_create_server_secret;
mgmt_handler	mgmt_list_server_secrets;
mgmt_handler	mgmt_request_publish;
mgmt_handler	mgmt_request_module;
mgmt_handler	mgmt_request_network_access;
mgmt_handler	mgmt_get_tool_status;
mgmt_handler	mgmt_list_pending_requests;
mgmt_handler	mgmt_get_tool_logs;
mgmt_handler	mgmt_add_external_source;
mgmt_handler	mgmt_list_external_sources;
mgmt_handler	mgmt_discover_external_tools;
mgmt_handler	mgmt_import_external_tools;

/* External sources (mgmt_external.c). */
enum hx_turn	mcp_call_external(struct http_request *, struct mcp_ex *);

/* session_cache.c: sessions checked in the last 2 s (per worker) */
void		mcp_session_cache_init(void);
int		mcp_session_cached(const char *id, const char *token,
		    char *version, size_t len);
void		mcp_session_remember(const char *id, const char *token,
		    const char *version, uint64_t generation);
void		mcp_session_forget(const char *id);

/* resume.c: calls whose stream was closed, and GETs that resume them */
void		mcp_resume_init(void);
void		mcp_resume_detach(struct mcp_ex *, const struct sse_stream *);
int		mcp_resume_known(PGresult *);
void		*mcp_resume_start(struct sse_stream *, const char *session,
		    const char *last, PGresult *rows);

/* streams.c */
void		mcp_streams_init(void);
void		mcp_send_list_changed(struct sse_stream *);
int		mcp_deliver_local(const char *session, const char *text);
int		mcp_notify_size_ok(size_t);
void		mcp_route_message(const char *session, const char *text);

/* transport_common.c */
int		mcp_http_error(struct http_request *, int, int, const char *);
/* HX_WAIT while it asks PostgreSQL (on `db`, clear again after). */
enum hx_turn	mcp_gate(struct http_request *, struct mcp_caller *,
		    struct db_call *db);
enum hx_turn	mcp_read_message(struct http_request *, json_t **,
		    enum rpc_kind *);
void		mcp_cancel_request(struct http_request *, const char *,
		    json_t *);
void		mcp_cancel_broadcast(const char *session, json_t *rid);

/* transports: handlers named in conf/mcpbox.conf */
int		mcp_http(struct http_request *);
int		mcp_sse_open(struct http_request *);
int		mcp_sse_message(struct http_request *);

#endif
