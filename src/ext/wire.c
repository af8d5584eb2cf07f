/*
 * The external MCP client, thread side (ext.h): the protocol
 * (initialize, tools/list, tools/call) over the transports of
 * transport.c. Runs on a job's own thread with blocking libcurl, so a
 * worker's event loop never waits on the network.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>
#include "core/core.h"
#include "core/netaddr.h"
#include "ext/ext.h"
#include "ext/job.h"

void
ext_fail(struct conn *c, const char *fmt, const char *arg)
{
	if (c->j->error[0] == '\0')
		(void)snprintf(c->j->error, sizeof(c->j->error), fmt,
		    arg != NULL ? arg : "");
}

int
ext_remaining_ms(struct conn *c)
{
	uint64_t	n = ext_now_ms();

	return (n >= c->deadline ? 0 : (int)(c->deadline - n));
}

static json_t *
wire_rpc_msg(struct conn *c, const char *method, json_t *params,
    int wire_notify)
{
	json_t	*m;

	m = json_pack("{s:s, s:s}", "jsonrpc", "2.0", "method", method);
	if (!wire_notify)
		json_object_set_new(m, "id", json_integer(c->want_id =
		    ++c->next_id));
	if (params != NULL)
		json_object_set(m, "params", params);
	return (m);
}

/* A request and its answer's result; errors from the source sanitized. */
static int
wire_request(struct conn *c, const char *method, json_t *params,
    json_t **result,
    int may_retry)
{
	json_t		*msg, *err;
	const char	*em;
	char		 clean[320];
	size_t		 i, k;
	int		 rc, tries;

	*result = NULL;
	for (tries = 0;; tries++) {
		msg = wire_rpc_msg(c, method, params, 0);
		rc = ext_post(c, msg, 0);
		json_decref(msg);
		if (rc == R_NOT_SENT && tries == 0 && ext_remaining_ms(c) > 500) {
			/* Nothing reached the server: safe for any method. */
			c->j->error[0] = '\0';
			(void)usleep(200000);
			continue;
		}
		if (rc == R_FAIL && may_retry && tries == 0 &&
		    ext_remaining_ms(c) > 1000) {
			c->j->error[0] = '\0';
			continue;
		}
		break;
	}
	if (rc != R_OK_)
		return (rc);
	if ((err = json_object_get(c->answer, "error")) != NULL) {
		em = json_string_value(json_object_get(err, "message"));
		for (i = k = 0; em != NULL && em[i] != '\0' &&
		    k < sizeof(clean) - 1; i++) {
			if ((unsigned char)em[i] >= 0x20)
				clean[k++] = em[i];
		}
		clean[k] = '\0';
		ext_fail(c, "the external source answered with an error: %s",
		    k > 0 ? clean : "(no message)");
		return (R_FAIL);
	}
	*result = json_incref(json_object_get(c->answer, "result"));
	if (!json_is_object(*result)) {
		json_decref(*result);
		*result = NULL;
		ext_fail(c, "the external source sent an answer without a "
		    "result%s", NULL);
		return (R_FAIL);
	}
	return (R_OK_);
}

static int
wire_notify(struct conn *c, const char *method)
{
	json_t	*msg;
	int	 rc;

	msg = wire_rpc_msg(c, method, NULL, 1);
	rc = ext_post(c, msg, 1);
	json_decref(msg);
	return (rc);
}

/* What MCPbox says of itself in `initialize`, to every source. */
json_t *
ext_initialize_params(void)
{
	return (json_pack("{s:s, s:{}, s:{s:s, s:s}}", "protocolVersion",
	    EXT_PROTO, "capabilities", "clientInfo", "name", "MCPbox",
	    "version", "1.0"));
}

static int
wire_initialize(struct conn *c)
{
	struct ext_sess	*s = &c->j->sess;
	json_t		*params, *res;
	const char	*v;
	int		 rc;

	s->session[0] = s->proto[0] = '\0';
	params = ext_initialize_params();
	rc = wire_request(c, "initialize", params, &res, 1);
	json_decref(params);
	if (rc != R_OK_)
		return (rc);
	v = json_string_value(json_object_get(res, "protocolVersion"));
	(void)snprintf(s->proto, sizeof(s->proto), "%s", v != NULL ? v :
	    EXT_PROTO);
	json_decref(res);
	return (wire_notify(c, "notifications/initialized"));
}

static int
wire_list_tools(struct conn *c)
{
	json_t		*tools, *params, *res, *t;
	const char	*cursor;
	char		 next[1024];
	size_t		 i;
	int		 rc, page;

	tools = json_array();
	next[0] = '\0';
	for (page = 0; page < EXT_PAGES_MAX; page++) {
		params = json_object();
		if (next[0] != '\0')
			json_object_set_new(params, "cursor",
			    json_string(next));
		rc = wire_request(c, "tools/list", params, &res, 1);
		json_decref(params);
		if (rc != R_OK_) {
			json_decref(tools);
			return (rc);
		}
		json_array_foreach(json_object_get(res, "tools"), i, t) {
			if (json_is_string(json_object_get(t, "name")) &&
			    json_array_size(tools) < EXT_TOOLS_MAX)
				json_array_append(tools, t);
		}
		cursor = json_string_value(json_object_get(res, "nextCursor"));
		if (cursor == NULL || *cursor == '\0' ||
		    strlen(cursor) >= sizeof(next)) {
			json_decref(res);
			break;
		}
		(void)snprintf(next, sizeof(next), "%s", cursor);
		json_decref(res);
	}
	c->j->result = tools;
	return (R_OK_);
}

static int
wire_call_tool(struct conn *c)
{
	json_t	*params, *res;
	int	 rc;

	params = json_pack("{s:s, s:O}", "name", c->j->tool, "arguments",
	    c->j->args);
	/* tools/call is never retried once it may have reached the server. */
	rc = wire_request(c, "tools/call", params, &res, 0);
	json_decref(params);
	if (rc == R_OK_)
		c->j->result = res;
	return (rc);
}

static int
wire_session_run(struct conn *c)
{
	struct ext_sess	*s = &c->j->sess;
	int		 rc, pooled;

	pooled = s->session[0] != '\0';
	if (c->sse_transport) {
		if ((rc = ext_sse_open(c)) != R_OK_)
			return (rc);
	}
	if (!pooled && (rc = wire_initialize(c)) != R_OK_)
		return (rc);
	rc = c->j->op == EXT_LIST ? wire_list_tools(c) : wire_call_tool(c);
	if (rc == R_GONE && pooled) {
		/* The server dropped our session before taking the request. */
		c->j->error[0] = '\0';
		if ((rc = wire_initialize(c)) != R_OK_)
			return (rc);
		rc = c->j->op == EXT_LIST ? wire_list_tools(c) :
		    wire_call_tool(c);
	}
	if (rc == R_GONE)
		ext_fail(c, "the external source does not accept MCPbox's "
		    "session%s", NULL);
	return (rc);
}

void *
ext_thread(void *arg)
{
	struct ext_job	*j = arg;
	struct conn	 c;
	const char	*tr, *hn, *hv;
	int		 rc;

	memset(&c, 0, sizeof(c));
	c.j = j;
	c.deadline = ext_now_ms() + (uint64_t)(j->timeout_ms > 0 ?
	    j->timeout_ms : 30000);
	(void)snprintf(c.url, sizeof(c.url), "%s",
	    json_string_value(json_object_get(j->src, "url")));
	tr = json_string_value(json_object_get(j->src, "transport"));
	c.sse_transport = tr != NULL && strcmp(tr, "sse") == 0;
	hn = json_string_value(json_object_get(j->src, "auth_header"));
	hv = json_string_value(json_object_get(j->src, "auth_value"));
	if (hn != NULL && hv != NULL)
		(void)snprintf(c.auth, sizeof(c.auth), "%s: %s", hn, hv);
	/* Legacy SSE sessions live and die with their stream. */
	if (c.sse_transport && j->sess.easy != NULL) {
		curl_easy_cleanup(j->sess.easy);
		memset(&j->sess, 0, sizeof(j->sess));
	}
	if (j->op == EXT_OAUTH_START || j->op == EXT_OAUTH_TOKEN) {
		/* An admin at work: never trips the source's breaker. */
		rc = ext_oauth_run(&c);
		c.auth_problem = 1;
	} else {
		rc = ext_target_check(&c);
		if (rc == R_OK_)
			rc = ext_oauth_fresh(&c);
		if (rc == R_OK_)
			rc = wire_session_run(&c);
		/* A 401 means the request was not taken: refresh, once. */
		if (rc == R_FAIL && c.unauthorized &&
		    json_object_get(j->src, "oauth") != NULL) {
			j->error[0] = '\0';
			c.unauthorized = 0;
			if ((rc = ext_oauth_refresh(&c)) == R_OK_)
				rc = wire_session_run(&c);
		}
	}
	j->transport_failed = rc == R_NOT_SENT || (rc != R_OK_ &&
	    !c.auth_problem && strstr(j->error, "external source answered "
	    "with an error") == NULL);
	j->keep_session = rc == R_OK_ && !c.sse_transport;
	if (rc != R_OK_) {
		json_decref(j->result);
		j->result = NULL;
	}
	ext_conn_close(&c);
	ext_job_complete(j);
	return (NULL);
}
