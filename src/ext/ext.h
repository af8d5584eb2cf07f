/*
 * ext/: the MCP client MCPbox uses to reach external MCP sources
 * (Streamable HTTP and the legacy HTTP+SSE transport) over libcurl.
 *
 * A job runs on its own thread so a slow or silent source never blocks a
 * worker's event loop; the thread hands the finished job back through a
 * pipe that the loop watches, and the request that started it is woken.
 * Everything a thread touches is copied into the job first.
 *
 * Outbound rules (the same table as the sandbox broker, core/netaddr.c):
 * the host is resolved once and refused if any answer is never-reachable
 * (link-local/metadata, multicast, reserved...) or private (RFC 1918,
 * loopback, ULA) unless an admin approved that host as network access for
 * the server; plain http only to approved hosts; the address is pinned
 * with CURLOPT_RESOLVE and checked again when the socket opens; redirects
 * are never followed; a legacy SSE endpoint must stay on the same origin.
 * Loopback for tests is just that approval: no switch exists.
 *
 * Per worker: Streamable HTTP sessions are pooled (bounded, aged out) and
 * each source has a circuit breaker that opens after consecutive
 * transport failures and lets one probe through after a cool-down.
 */
#ifndef MCPBOX_EXT_H
#define MCPBOX_EXT_H

#include <kore/kore.h>
#include <kore/http.h>

#include <jansson.h>

/* How long discovery (initialize + tools/list) and an OAuth step may take. */
#define EXT_DISCOVER_TIMEOUT_MS	30000

enum ext_op {
	EXT_LIST,	/* initialize + tools/list, all pages */
	EXT_CALL,	/* initialize (or pooled session) + tools/call */
	EXT_OAUTH_START,	/* discover the AS, register, build the URL */
	EXT_OAUTH_TOKEN,	/* exchange a code (+ PKCE verifier) for tokens */
};

struct ext_job;

/*
 * `src` (stolen): {"id","url","transport":"streamable_http"|"sse",
 * "auth_header":name|null, "auth_value":secret|null,
 * "approved":[{"host","port"}]}, and for an OAuth source "oauth":
 * {"refresh_token","token_endpoint","client_id","resource","expires_at"}
 * so the thread can refresh an expiring or refused access token (the new
 * tokens are sealed and stored by the worker when the job ends).
 * EXT_OAUTH_START adds "redirect_uri","state","code_challenge" (and the
 * registered "client_id","issuer","registered_redirect_uri" to reuse);
 * its result is {"authorization_url","issuer","client_id",
 * "token_endpoint","resource"}. EXT_OAUTH_TOKEN takes "url" = the token
 * endpoint and "code","code_verifier","redirect_uri","client_id",
 * "resource"; its result is {"access_token","refresh_token",
 * "expires_in"}. `args` is copied. The job is answered immediately
 * (done) when the breaker is open or the worker is busy.
 */
struct ext_job	*ext_job_start(struct http_request *, enum ext_op, json_t *src,
		    const char *tool, json_t *args, int timeout_ms);
int		ext_job_done(const struct ext_job *);
/* The tools array (EXT_LIST) or the CallToolResult (EXT_CALL); NULL on
 * failure. Owned by the job. */
json_t		*ext_job_result(const struct ext_job *);
/* A message safe to show: no addresses, paths or secrets of ours. */
const char	*ext_job_error(const struct ext_job *);
/* Safe while the thread runs: the job is then freed when it finishes. */
void		ext_job_free(struct ext_job *);

/*
 * source.c: why MCPbox may not contact a source (NULL: it may), and the
 * source description ext_job_start takes, from a SQL_EXT_SOURCE_LOAD (or
 * _FOR_TOOL) row in `db`; NULL with *why on failure.
 */
struct db_call;
const char	*ext_source_unapproved(struct db_call *);
json_t		*ext_source_open(struct db_call *, const char *source_id,
		    const char **why);

/* seal.c: an OAuth source's tokens at rest, and PKCE for a new flow.
 * `col` is the "oauth" column of SQL_EXT_SOURCE_LOAD. */
json_t		*ext_tokens_open(const char *source_id, json_t *col);
int		ext_tokens_seal(const char *source_id, json_t *tokens,
		    char **cthex, char nhex[25]);
void		ext_tokens_store_refreshed(const char *source_id, json_t *);
int		ext_pkce_new(char *verifier, char *challenge, char *state,
		    size_t len);
void		ext_json_scrub(json_t *);

#endif
