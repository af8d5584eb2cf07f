/*
 * sbx/: how a worker talks to mcpbox-sandbox (docs/ARCHITECTURE.md).
 *
 * One Unix-socket connection per worker, registered in Kore's event loop;
 * requests are pipelined and answered out of order, matched by id. A call
 * belongs to whoever made it: an HTTP request (woken when the answer
 * arrives) or a callback. Nothing here ever blocks the loop.
 */
#ifndef MCPBOX_SBX_H
#define MCPBOX_SBX_H

#include <kore/kore.h>
#include <kore/http.h>

#include <jansson.h>


struct sbx_call;
typedef void	(*sbx_cb)(struct sbx_call *, void *);

void		sbx_client_init(const char *socket_path);
int		sbx_connected(void);

/*
 * Send `msg` (stolen; "id" is set here). The answer wakes `req` or calls
 * `cb`. `timeout_ms` bounds the wait; on expiry the call is answered with
 * a Timeout error and a cancel goes to the sandbox.
 */
struct sbx_call	*sbx_call_start(json_t *msg, int timeout_ms,
		    struct http_request *req, sbx_cb cb, void *arg);
/* {"op":"health"}, past the circuit breaker and without waiting. */
struct sbx_call	*sbx_health_start(int timeout_ms, struct http_request *req,
		    sbx_cb cb, void *arg);
int		sbx_call_done(const struct sbx_call *);
json_t		*sbx_call_reply(const struct sbx_call *);
void		sbx_call_cancel(struct sbx_call *);
void		sbx_call_free(struct sbx_call *);
void		sbx_call_rebind(struct sbx_call *, sbx_cb, void *);
/* SBX_OP_NOTIFY and SBX_OP_ASK frames of a running call, oldest first
 * (caller owns). */
json_t		*sbx_call_take_notes(struct sbx_call *);
/* Answer the call's SBX_OP_ASK number `ask`: result, or error if set. */
void		sbx_call_answer(struct sbx_call *, json_int_t ask,
		    json_t *result, const char *error);

/* Path of the socket, shared by the parent (spawn) and workers. */
void		sbx_socket_path(const char *run_dir, char *out, size_t len);

#endif
