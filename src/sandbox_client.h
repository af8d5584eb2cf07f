/*
 * sandbox_client: how a worker talks to mcpbox-sandbox (DESIGN.md §7).
 *
 * One Unix-socket connection per worker, registered in Kore's event loop;
 * requests are pipelined and answered out of order, matched by id. A call
 * belongs to whoever made it: an HTTP request (woken when the answer
 * arrives) or a callback. Nothing here ever blocks the loop.
 */
#ifndef MCPBOX_SANDBOX_CLIENT_H
#define MCPBOX_SANDBOX_CLIENT_H

#include <kore/kore.h>
#include <kore/http.h>

#include <jansson.h>

#define SBX_FRAME_MAX	(8 * 1024 * 1024)

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

/* Path of the socket, shared by the parent (spawn) and workers. */
void		sbx_socket_path(const char *run_dir, char *out, size_t len);

/* Parent side: keep one supervisor running, restarting it if it dies. */
/* uid nobody: what sandboxed calls run as when started as root. */
#define SBX_CALL_UID	65534
void		sbx_keeper_set_worker_user(uid_t, gid_t);
long		sbx_keeper_call_uid(void);
int		sbx_keeper_start(const char *bin, const char *run_dir,
		    int concurrency);
void		sbx_keeper_stop(void);

#endif
