/*
 * The external MCP client's transports, thread side: Streamable HTTP (one
 * POST, answered as JSON or an event stream) and the legacy HTTP+SSE
 * transport (a stream that names where to POST), with their libcurl
 * callbacks and the failures they report. The protocol on top is wire.c.
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

static void
tr_sse_event(struct conn *c, struct sse *s, int legacy)
{
	json_t	*m;

	if (s->data == NULL)
		return;
	if (legacy && strcmp(s->event, "endpoint") == 0) {
		(void)snprintf(c->endpoint, sizeof(c->endpoint), "%.*s",
		    (int)s->dlen, s->data);
	} else if (s->event[0] == '\0' || strcmp(s->event, "message") == 0) {
		m = json_loadb(s->data, s->dlen, 0, NULL);
		if (m != NULL && json_integer_value(json_object_get(m, "id")) ==
		    c->want_id && json_object_get(m, "id") != NULL &&
		    c->answer == NULL)
			c->answer = m;
		else if (m != NULL && legacy)
			json_array_append_new(c->inbox, m);
		else
			json_decref(m);
	}
	free(s->data);
	s->data = NULL;
	s->dlen = 0;
	s->event[0] = '\0';
}

static int
tr_sse_feed(struct conn *c, struct sse *s, const char *p, size_t n, int legacy)
{
	char	*line, *nl, *v;
	size_t	 off, ll;

	if (s->len + n > EXT_BODY_MAX)
		return (-1);
	if ((s->buf = realloc(s->buf, s->len + n + 1)) == NULL)
		return (-1);
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	off = 0;
	while ((nl = memchr(s->buf + off, '\n', s->len - off)) != NULL) {
		line = s->buf + off;
		ll = (size_t)(nl - line);
		off += ll + 1;
		if (ll > 0 && line[ll - 1] == '\r')
			ll--;
		line[ll] = '\0';
		if (ll == 0) {
			tr_sse_event(c, s, legacy);
			continue;
		}
		if ((v = strchr(line, ':')) == NULL || v == line)
			continue;
		*v++ = '\0';
		if (*v == ' ')
			v++;
		if (strcmp(line, "event") == 0) {
			(void)snprintf(s->event, sizeof(s->event), "%s", v);
		} else if (strcmp(line, "data") == 0) {
			ll = strlen(v);
			s->data = realloc(s->data, s->dlen + ll + 2);
			if (s->data == NULL)
				return (-1);
			if (s->dlen > 0)
				s->data[s->dlen++] = '\n';
			memcpy(s->data + s->dlen, v, ll);
			s->dlen += ll;
		}
	}
	memmove(s->buf, s->buf + off, s->len - off);
	s->len -= off;
	return (0);
}

static void
tr_sse_clear(struct sse *s)
{
	free(s->buf);
	free(s->data);
	memset(s, 0, sizeof(*s));
}

static size_t
tr_on_header(char *p, size_t size, size_t n, void *arg)
{
	struct conn	*c = arg;
	size_t		 len = size * n, k;
	char		 line[512];

	k = len < sizeof(line) - 1 ? len : sizeof(line) - 1;
	memcpy(line, p, k);
	line[k] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	if (strncasecmp(line, "content-type:", 13) == 0)
		(void)snprintf(c->ctype, sizeof(c->ctype), "%s",
		    line + 13 + strspn(line + 13, " "));
	else if (strncasecmp(line, "mcp-session-id:", 15) == 0)
		(void)snprintf(c->got_session, sizeof(c->got_session), "%s",
		    line + 15 + strspn(line + 15, " "));
	return (len);
}

static size_t
tr_on_body(char *p, size_t size, size_t n, void *arg)
{
	struct conn	*c = arg;
	size_t		 len = size * n;

	if (strncasecmp(c->ctype, "text/event-stream", 17) == 0) {
		if (tr_sse_feed(c, &c->ps, p, len, 0) == -1) {
			c->too_big = 1;
			return (0);
		}
		/* The answer is in: stop reading a stream that may stay open. */
		return (c->answer != NULL ? 0 : len);
	}
	return (ext_body_append(c, &c->body, &c->blen, p, len, EXT_BODY_MAX));
}

/* A write callback's chunk onto a NUL-ended buffer of at most `max`. */
size_t
ext_body_append(struct conn *c, char **body, size_t *blen, const char *p,
    size_t len, size_t max)
{
	char	*nb;

	if (*blen + len > max) {
		c->too_big = 1;
		return (0);
	}
	if ((nb = realloc(*body, *blen + len + 1)) == NULL)
		return (0);
	*body = nb;
	memcpy(nb + *blen, p, len);
	*blen += len;
	nb[*blen] = '\0';
	return (len);
}

static size_t
tr_on_stream(char *p, size_t size, size_t n, void *arg)
{
	struct conn	*c = arg;

	if (tr_sse_feed(c, &c->ls, p, size * n, 1) == -1)
		return (0);
	return (size * n);
}

void
ext_easy_common(struct conn *c, CURL *e, const char *url)
{
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_RESOLVE, c->resolve);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, ext_open_socket);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, c);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "MCPbox");
}

int
ext_curl_failure(struct conn *c, CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
		ext_fail(c, "could not connect to the external source%s", NULL);
		return (R_NOT_SENT);
	case CURLE_OPERATION_TIMEDOUT:
		ext_fail(c, "the external source did not answer in time%s", NULL);
		return (R_FAIL);
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
		ext_fail(c, "TLS with the external source failed (certificate or "
		    "handshake)%s", NULL);
		return (R_NOT_SENT);
	default:
		if (c->too_big)
			ext_fail(c, "the external source's answer is too large%s",
			    NULL);
		else
			ext_fail(c, "the connection to the external source "
			    "failed%s", NULL);
		return (R_FAIL);
	}
}

static int
tr_http_status_failure(struct conn *c, long code)
{
	char	buf[64];

	if (code == 401 || code == 403) {
		c->unauthorized = code == 401;
		c->auth_problem = 1;
		if (json_object_get(c->j->src, "oauth") != NULL)
			ext_fail(c, "the external source refused MCPbox's OAuth "
			    "token (HTTP %s); an admin must authorize the source "
			    "again in the MCPbox panel", code == 401 ? "401" :
			    "403");
		else
			ext_fail(c, "the external source refused MCPbox's "
			    "credentials (HTTP %s); check the source's auth "
			    "secret", code == 401 ? "401" : "403");
		return (R_FAIL);
	}
	if (code >= 300 && code < 400) {
		ext_fail(c, "the external source answered with a redirect; MCPbox "
		    "does not follow redirects, register the final URL%s",
		    NULL);
		return (R_FAIL);
	}
	(void)snprintf(buf, sizeof(buf), "%ld", code);
	ext_fail(c, "the external source answered HTTP %s", buf);
	return (R_FAIL);
}

/* Streamable HTTP: one POST, answered as JSON or an event stream. */
static int
tr_st_post(struct conn *c, json_t *msg, int notify)
{
	struct ext_sess		*s = &c->j->sess;
	struct curl_slist	*h;
	char			*text, hb[400];
	CURLcode		 rc;
	long			 code;
	json_t			*m, *e;
	size_t			 i;

	if (s->easy == NULL && (s->easy = curl_easy_init()) == NULL) {
		ext_fail(c, "out of memory%s", NULL);
		return (R_FAIL);
	}
	curl_easy_reset(s->easy);
	ext_easy_common(c, s->easy, c->url);
	h = curl_slist_append(NULL, "Content-Type: application/json");
	h = curl_slist_append(h, "Accept: application/json, "
	    "text/event-stream");
	if (s->session[0] != '\0') {
		(void)snprintf(hb, sizeof(hb), "Mcp-Session-Id: %s",
		    s->session);
		h = curl_slist_append(h, hb);
	}
	if (s->proto[0] != '\0') {
		(void)snprintf(hb, sizeof(hb), "MCP-Protocol-Version: %s",
		    s->proto);
		h = curl_slist_append(h, hb);
	}
	if (c->auth[0] != '\0')
		h = curl_slist_append(h, c->auth);
	text = json_dumps(msg, JSON_COMPACT);
	curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, text);
	curl_easy_setopt(s->easy, CURLOPT_HEADERFUNCTION, tr_on_header);
	curl_easy_setopt(s->easy, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, tr_on_body);
	curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(s->easy, CURLOPT_TIMEOUT_MS,
	    (long)(ext_remaining_ms(c) > 0 ? ext_remaining_ms(c) : 1));
	c->ctype[0] = c->got_session[0] = '\0';
	c->blen = 0;
	c->too_big = 0;
	tr_sse_clear(&c->ps);
	json_decref(c->answer);
	c->answer = NULL;
	rc = curl_easy_perform(s->easy);
	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(h);
	free(text);
	/* Our write callback stops a stream once the answer has arrived. */
	if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && c->answer != NULL))
		return (ext_curl_failure(c, rc));
	if (code == 404 && s->session[0] != '\0')
		return (R_GONE);
	if (code < 200 || code >= 300)
		return (tr_http_status_failure(c, code));
	if (c->got_session[0] != '\0')
		(void)snprintf(s->session, sizeof(s->session), "%s",
		    c->got_session);
	if (notify)
		return (R_OK_);
	if (c->answer == NULL && c->blen > 0) {
		m = json_loadb(c->body, c->blen, 0, NULL);
		if (json_is_array(m)) {
			json_array_foreach(m, i, e) {
				if (json_integer_value(json_object_get(e,
				    "id")) == c->want_id) {
					c->answer = json_incref(e);
					break;
				}
			}
			json_decref(m);
		} else
			c->answer = m;
	}
	if (c->answer == NULL) {
		ext_fail(c, "the external source sent no usable answer%s", NULL);
		return (R_FAIL);
	}
	return (R_OK_);
}

/* Run the multi handle until `done(c)` or the deadline. */
static int
tr_pump(struct conn *c, CURL *post, int (*done)(struct conn *, CURL *))
{
	CURLMsg	*m;
	int	 running, left;
	long	 code;

	for (;;) {
		if (curl_multi_perform(c->multi, &running) != CURLM_OK) {
			ext_fail(c, "the connection to the external source "
			    "failed%s", NULL);
			return (R_FAIL);
		}
		while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
			if (m->msg != CURLMSG_DONE)
				continue;
			if (m->easy_handle == c->stream) {
				c->stream_closed = 1;
				if (m->data.result != CURLE_OK)
					return (ext_curl_failure(c,
					    m->data.result));
				curl_easy_getinfo(c->stream,
				    CURLINFO_RESPONSE_CODE, &code);
				if (code < 200 || code >= 300)
					return (tr_http_status_failure(c,
					    code));
			} else if (m->easy_handle == post) {
				if (m->data.result != CURLE_OK)
					return (ext_curl_failure(c,
					    m->data.result));
				curl_easy_getinfo(post,
				    CURLINFO_RESPONSE_CODE, &code);
				if (code < 200 || code >= 300)
					return (tr_http_status_failure(c,
					    code));
				c->post_done = 1;
			}
		}
		if (done(c, post))
			return (R_OK_);
		if (c->stream_closed) {
			ext_fail(c, "the external source closed its event "
			    "stream%s", NULL);
			return (R_FAIL);
		}
		if (ext_remaining_ms(c) == 0) {
			ext_fail(c, "the external source did not answer in "
			    "time%s", NULL);
			return (R_FAIL);
		}
		(void)curl_multi_poll(c->multi, NULL, 0, 100, NULL);
	}
}

static int
tr_have_endpoint(struct conn *c, CURL *unused)
{
	return (c->endpoint[0] != '\0');
}

static int
tr_have_answer(struct conn *c, CURL *unused)
{
	return (c->answer != NULL);
}

/* A notification has no answer: done when its POST was accepted. */
static int
tr_posted(struct conn *c, CURL *unused)
{
	return (c->post_done);
}

/* Legacy HTTP+SSE: open the stream and learn where to POST. */
int
ext_sse_open(struct conn *c)
{
	CURLU	*u;
	char	*abs, *scheme, *host, *port, origin[600];
	int	 same;

	c->multi = curl_multi_init();
	c->stream = curl_easy_init();
	c->inbox = json_array();
	ext_easy_common(c, c->stream, c->url);
	c->stream_hdrs = curl_slist_append(NULL, "Accept: text/event-stream");
	if (c->auth[0] != '\0')
		c->stream_hdrs = curl_slist_append(c->stream_hdrs, c->auth);
	curl_easy_setopt(c->stream, CURLOPT_HTTPHEADER, c->stream_hdrs);
	curl_easy_setopt(c->stream, CURLOPT_WRITEFUNCTION, tr_on_stream);
	curl_easy_setopt(c->stream, CURLOPT_WRITEDATA, c);
	curl_multi_add_handle(c->multi, c->stream);
	if (tr_pump(c, NULL, tr_have_endpoint) != R_OK_)
		return (R_FAIL);
	/* The endpoint is relative to the stream's URL: same origin only. */
	u = curl_url();
	abs = scheme = host = port = NULL;
	same = curl_url_set(u, CURLUPART_URL, c->url, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_URL, c->endpoint, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &abs, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ==
	    CURLUE_OK;
	if (same) {
		(void)snprintf(origin, sizeof(origin), "%s://%s:%s", scheme,
		    host, port);
		same = strcasecmp(origin, c->origin) == 0 && strlen(abs) <
		    sizeof(c->endpoint);
		if (same)
			(void)snprintf(c->endpoint, sizeof(c->endpoint), "%s",
			    abs);
	}
	curl_free(abs);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	if (!same) {
		ext_fail(c, "the external source's SSE endpoint points to another "
		    "origin, which MCPbox refuses%s", NULL);
		return (R_FAIL);
	}
	return (R_OK_);
}

static int
tr_sse_post(struct conn *c, json_t *msg, int notify)
{
	CURL			*e;
	struct curl_slist	*h;
	char			*text;
	int			 rc;
	size_t			 i;
	json_t			*m;

	json_decref(c->answer);
	c->answer = NULL;
	/* An answer may already sit in the inbox (servers race the 202). */
	json_array_foreach(c->inbox, i, m) {
		if (json_integer_value(json_object_get(m, "id")) ==
		    c->want_id) {
			c->answer = json_incref(m);
			json_array_remove(c->inbox, i);
			break;
		}
	}
	e = curl_easy_init();
	ext_easy_common(c, e, c->endpoint);
	h = curl_slist_append(NULL, "Content-Type: application/json");
	if (c->auth[0] != '\0')
		h = curl_slist_append(h, c->auth);
	text = json_dumps(msg, JSON_COMPACT);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, text);
	curl_multi_add_handle(c->multi, e);
	c->blen = 0;
	c->post_done = 0;
	rc = tr_pump(c, e, notify ? tr_posted : tr_have_answer);
	curl_multi_remove_handle(c->multi, e);
	curl_easy_cleanup(e);
	curl_slist_free_all(h);
	free(text);
	return (rc);
}

void
ext_conn_close(struct conn *c)
{
	if (c->multi != NULL) {
		if (c->stream != NULL) {
			curl_multi_remove_handle(c->multi, c->stream);
			curl_easy_cleanup(c->stream);
		}
		curl_multi_cleanup(c->multi);
	}
	curl_slist_free_all(c->stream_hdrs);
	curl_slist_free_all(c->resolve);
	json_decref(c->inbox);
	json_decref(c->answer);
	tr_sse_clear(&c->ps);
	tr_sse_clear(&c->ls);
	free(c->body);
	explicit_bzero(c->auth, sizeof(c->auth));
}

/* One message on whichever transport the source speaks. */
int
ext_post(struct conn *c, json_t *msg, int notify)
{
	return (c->sse_transport ? tr_sse_post(c, msg, notify) :
	    tr_st_post(c, msg, notify));
}
