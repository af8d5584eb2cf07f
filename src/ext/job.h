/*
 * What the worker side (client.c) and the thread side (wire.c) of
 * the external MCP client share: the job handed to a thread and the pooled
 * session it may borrow. Private to those two files.
 */
#ifndef MCPBOX_EXT_JOB_H
#define MCPBOX_EXT_JOB_H

#include <stdint.h>

#include <arpa/inet.h>

#include <curl/curl.h>
#include <jansson.h>

#include "ext/ext.h"

#define EXT_EVENT_TYPE		0x5c
#define EXT_INFLIGHT_MAX	16	/* threads per worker */
#define EXT_POOL_MAX		16	/* idle sessions per worker */
#define EXT_POOL_AGE_MS		300000
#define EXT_BREAKER_MAX		32
#define EXT_BREAKER_TRIP	3	/* consecutive transport failures */
#define EXT_BREAKER_COOL_MS	30000
#define EXT_BODY_MAX		(4 * 1024 * 1024)
#define EXT_TOOLS_MAX		1000
#define EXT_PAGES_MAX		50
#define EXT_PROTO		"2025-03-26"

/* A Streamable HTTP session kept between jobs: handle and session id. */
struct ext_sess {
	char		source[37];
	uint64_t	fp;		/* url + credentials */
	CURL		*easy;
	char		session[256];
	char		proto[32];
	uint64_t	used_ms;
	int		in_use;
};

struct ext_job {
	enum ext_op		op;
	json_t			*src;
	char			source[37];
	char			tool[256];
	json_t			*args;
	int			timeout_ms;
	uint64_t		fp;
	struct ext_sess		sess;	/* lent from the pool, or fresh */
	/* Results, written by the thread, read after completion. */
	json_t			*result;
	char			error[512];
	json_t			*new_tokens;	/* refreshed on the way */
	int			transport_failed;
	int			keep_session;
	int			done;
	int			running;
	int			orphan;
	struct http_request	*req;
};

#define R_OK_		0
#define R_FAIL		-1	/* final; j->error says why */
#define R_NOT_SENT	-2	/* nothing reached the server: may retry */
#define R_GONE		-3	/* the server forgot our session: re-init */

struct sse {
	char	*buf;
	size_t	 len;
	char	 event[64];
	char	*data;
	size_t	 dlen;
};

struct conn {
	struct ext_job		*j;
	int			 sse_transport;
	char			 url[2049];
	char			 origin[600];	/* scheme://host:port */
	char			 host[256];
	struct sockaddr_storage	 pinned;	/* the address checked */
	int			 port;
	struct curl_slist	*resolve;
	char			 auth[8192];	/* "Name: value" or "" */
	int			 unauthorized;	/* the source said 401 */
	int			 auth_problem;	/* not the transport's fault */
	uint64_t		 deadline;
	int64_t			 next_id;
	/* one request's answer */
	char			 ctype[128];
	char			 got_session[256];
	int64_t			 want_id;
	json_t			*answer;
	char			*body;
	size_t			 blen;
	int			 too_big;
	struct sse		 ps;	/* POST answered as an event stream */
	/* legacy SSE */
	CURLM			*multi;
	CURL			*stream;
	struct curl_slist	*stream_hdrs;
	struct sse		 ls;
	char			 endpoint[2049];
	json_t			*inbox;
	int			 stream_closed;
	int			 post_done;
};

/* transport.c: Streamable HTTP and legacy SSE under the protocol. */
int		ext_post(struct conn *, json_t *msg, int notify);
int		ext_sse_open(struct conn *);
void		ext_conn_close(struct conn *);

/* wire.c: the thread's entry point and its error helpers. */
void		*ext_thread(void *);
void		ext_fail(struct conn *, const char *fmt, const char *arg);
int		ext_remaining_ms(struct conn *);
void		ext_easy_common(struct conn *, CURL *, const char *url);
int		ext_curl_failure(struct conn *, CURLcode);
json_t		*ext_initialize_params(void);
size_t		ext_body_append(struct conn *, char **body, size_t *blen,
		    const char *p, size_t len, size_t max);

/* oauth.c: the OAuth flow's requests, and refresh around a session. */
#define OAUTH_STEP_MS	15000

/* One request to an OAuth or metadata URL, on its own pinned target. */
struct ext_http {
	struct conn	 t;
	CURL		*easy;
	CURLcode	 rc;
	long		 code;
	char		*body;
	size_t		 blen;
	int		 probe;		/* stop reading a 2xx answer */
	char		 www[1024];	/* WWW-Authenticate */
};

int		ext_oauth_run(struct conn *);
int		ext_oauth_fresh(struct conn *);
int		ext_oauth_refresh(struct conn *);
/* GET `url` (body NULL) or POST `body` as `ctype`; R_OK_ once an HTTP
 * answer arrived, whatever its status. A probe stops reading a 2xx
 * answer (a source that needs no credentials may stream). */
int		ext_http_run(struct conn *, struct ext_http *, const char *url,
		    const char *ctype, const char *body, const char *accept,
		    int max_ms, int probe);
void		ext_http_free(struct ext_http *);
json_t		*ext_http_json(struct ext_http *);
void		ext_form_add(char **form, const char *name, const char *value);

/* discover.c: steps 1 to 5 of the flow, the authorization URL. */
int		ext_oauth_discover(struct conn *, json_t *out);

/* addr.c: check and pin the source's address; refuse other sockets. */
int		ext_target_check(struct conn *);
int		ext_host_approved(struct conn *);
curl_socket_t	ext_open_socket(void *, curlsocktype, struct curl_sockaddr *);

/* client.c: monotonic clock, and handing a finished job back. */
uint64_t	ext_now_ms(void);
void		ext_job_complete(struct ext_job *);

#endif
