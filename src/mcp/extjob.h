/*
 * What the worker side (extclient.c) and the thread side (extwire.c) of
 * the external MCP client share: the job handed to a thread and the pooled
 * session it may borrow. Private to those two files.
 */
#ifndef MCPBOX_MCP_EXTJOB_H
#define MCPBOX_MCP_EXTJOB_H

#include <stdint.h>

#include <curl/curl.h>
#include <jansson.h>

#include "mcp/extclient.h"

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
	int			transport_failed;
	int			keep_session;
	int			done;
	int			running;
	int			orphan;
	struct http_request	*req;
};

/* extwire.c: the thread's entry point. */
void		*ext_thread(void *);

/* extclient.c: monotonic clock, and handing a finished job back. */
uint64_t	ext_now_ms(void);
void		ext_job_complete(struct ext_job *);

#endif
