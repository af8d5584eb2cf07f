/*
 * broker.c -- HTTP on behalf of a child, which itself holds no socket.
 *
 * The supervisor checks scheme, host, port and allowlist first
 * (sbx_broker_precheck): a refused request is answered without any new
 * process.  An allowed one runs in a short-lived helper, so the
 * supervisor's loop never blocks on DNS or a slow server, and one slow
 * call never delays another; curl multi was the alternative, but
 * getaddrinfo() still blocks.  The helper is this binary exec'd afresh
 * (--broker-helper) with a built environment: it holds its one request,
 * read from a memfd, and nothing of the supervisor's memory.  It does
 * blocking work with libcurl and answers with one frame.
 *
 * Policy per hop (redirects are followed by hand, at most 3, and every hop
 * is checked from scratch): curl's own URL parser, so the policy and curl
 * see the same host; exact host:port allowlist; no userinfo; https, or
 * http to a host approved as private (D37); the host is resolved once
 * here and refused unless EVERY answer is of its approval's kind (public
 * addresses for a public host, LAN addresses for a private one), so
 * loopback, link-local, metadata, mapped or otherwise special answers
 * and MCPbox's own doors are refused whatever was approved; the
 * validated address is pinned (CURLOPT_RESOLVE), the socket callback
 * refuses any other address and the connected address is checked again
 * afterwards.  Proxies from the environment are ignored; size and time
 * are capped.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <grp.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "curl_dl.h"
#include "netaddr.h"
#include "sbx.h"

#ifdef SBX_TESTING
int		 sbx_broker_test_port;
const char	*sbx_broker_test_cafile;
#define TEST_PORT(p)	(sbx_broker_test_port != 0 && (p) == sbx_broker_test_port)
#else
#define TEST_PORT(p)	((void)(p), 0)
#endif

struct pin {
	char			ip[INET6_ADDRSTRLEN];
	struct sockaddr_storage	ss;
};

struct body {
	struct sbx_buf	b;
	int		over;
};

struct hop {
	long	 status;
	char	*location;
	char	*err;
};

static curl_socket_t
broker_open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct pin	*pin = clientp;
	int		 fd;

	(void)purpose;
	fd = netaddr_socket_pinned(&a->addr, a->socktype, a->protocol,
	    &pin->ss);
	return (fd == -1 ? CURL_SOCKET_BAD : fd);
}

static size_t
broker_on_body(char *d, size_t sz, size_t nm, void *u)
{
	struct body	*b = u;
	size_t		 k = sz * nm;

	if (b->b.len + k > SBX_HTTP_BODY_MAX) {
		b->over = 1;
		return (0);
	}
	if (sbx_buf_append(&b->b, d, k) == -1)
		return (0);
	return (k);
}

static char *
broker_errf(const char *fmt, const char *arg)
{
	char	*s;

	if (asprintf(&s, fmt, arg ? arg : "") == -1)
		return (NULL);
	return (s);
}

/* ip:port is one of MCPbox's own listeners. */
static int
broker_is_door(const char *ip, int port)
{
	int	i;

	for (i = 0; i < sbx_ndoors; i++)
		if (netaddr_door(sbx_doors[i].host, sbx_doors[i].port, ip,
		    port))
			return (1);
	return (0);
}

/*
 * Every answer must be public under a public approval or LAN under a
 * private one (D37): the host's verdict picks which (netaddr.c); loopback,
 * metadata and the other kinds, and both kinds at once, are refused under
 * any.  Plain http only ever goes to a LAN verdict.  NULL: allowed.
 */
static char *
broker_refusal(const char *host, const struct netaddr_answer *ans, size_t n,
    int approved, int plain)
{
	int	kinds[NETADDR_ANSWERS_MAX], verdict, bad;
	size_t	i;
	char	*s;

	for (i = 0; i < n; i++)
		kinds[i] = ans[i].kind;
	verdict = netaddr_host_verdict(kinds, n, &bad);
	if (verdict == NETADDR_KIND_LAN && (approved & SBX_APPROVED_PRIVATE))
		return (NULL);
	if (verdict == NETADDR_KIND_PUBLIC && plain)
		return (broker_errf("host '%s' resolves to a public address: "
		    "only https URLs are allowed", host));
	if (verdict == NETADDR_KIND_PUBLIC && (approved & SBX_APPROVED_PUBLIC))
		return (NULL);
	if (verdict == NETADDR_KIND_LAN)
		return (broker_errf("host '%s' resolves to a private address "
		    "but was approved as a public host; ask for it again as a "
		    "private-network host", host));
	if (verdict == NETADDR_KIND_PUBLIC)
		return (broker_errf("host '%s' resolves to a public address but "
		    "was approved as a private-network host", host));
	if (asprintf(&s, "host '%s' resolves to a blocked address (%s)", host,
	    netaddr_kind_name(bad)) == -1)
		return (NULL);
	return (s);
}

/* Resolve and check every answer; pin one (core/netresolve.c). */
static char *
broker_resolve(const char *host, int port, int approved, int plain,
    struct pin *pin)
{
	struct netaddr_answer		 ans[NETADDR_ANSWERS_MAX];
	const struct netaddr_answer	*pick;
	size_t				 n, i;
	char				*e;
	int				 test = 1;

	if ((n = netaddr_resolve(host, ans, NETADDR_ANSWERS_MAX)) == 0)
		return (broker_errf("cannot resolve host '%s'", host));
	for (i = 0; i < n; i++) {
		if (broker_is_door(ans[i].ip, port))
			return (broker_errf("host '%s' is MCPbox itself, which "
			    "tools can never reach", host));
		test &= TEST_PORT(port) && (strcmp(ans[i].ip, "127.0.0.1") ==
		    0 || strcmp(ans[i].ip, "::1") == 0);
	}
	if (!test && (e = broker_refusal(host, ans, n, approved, plain)) !=
	    NULL)
		return (e);
	if ((pick = netaddr_pick(ans, n)) == NULL)
		return (broker_errf("no address for host '%s'", host));
	(void)snprintf(pin->ip, sizeof(pin->ip), "%s", pick->ip);
	memcpy(&pin->ss, &pick->ss, sizeof(pin->ss));
	return (NULL);
}

/* The refusal that names what to ask for (mcp/mgmt_network.c takes it). */
static char *
broker_not_approved(const char *host, int port)
{
	char	*s;

	if (asprintf(&s, "host '%s' port %d is not on this tool's allowlist; "
	    "ask for it with mcpbox_request_network_access (host '%s', port "
	    "%d)", host, port, host, port) == -1)
		return (NULL);
	return (s);
}

/*
 * Steps 1-3 for one URL: parse, scheme, userinfo, allowlist, port; how the
 * host was approved in *approved (SBX_APPROVED_*).
 */
static char *
broker_check_url(CURLU *u, const struct sbx_hostrule *hosts, size_t nhosts,
    char **host, int *port, int *plain, int *approved)
{
	char	*scheme = NULL, *user = NULL, *pw = NULL, *ps = NULL;
	char	*e = NULL;

	*approved = 0;
	curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	curl_url_get(u, CURLUPART_USER, &user, 0);
	curl_url_get(u, CURLUPART_PASSWORD, &pw, 0);
	curl_url_get(u, CURLUPART_HOST, host, 0);
	curl_url_get(u, CURLUPART_PORT, &ps, CURLU_DEFAULT_PORT);
	*port = ps ? atoi(ps) : 0;
	*plain = scheme && strcmp(scheme, "http") == 0;
	if (scheme == NULL || *host == NULL || ps == NULL)
		e = broker_errf("malformed URL%s", NULL);
	else if (user || pw)
		e = broker_errf("credentials in the URL are not allowed%s",
		    NULL);
	else if (strcmp(scheme, "https") != 0 && !*plain)
		e = broker_errf("only https URLs are allowed%s", NULL);
	else if (!sbx_policy_hostname_ok(*host))
		e = broker_errf("host '%s' is not allowed", *host);
	else if ((*approved = sbx_policy_host_kinds(hosts, nhosts, *host,
	    *port)) == 0)
		e = broker_not_approved(*host, *port);
	else if (*plain && !(*approved & SBX_APPROVED_PRIVATE) &&
	    !TEST_PORT(*port))
		e = broker_errf("only https URLs are allowed (plain http only "
		    "to a host approved as a private-network host)%s", NULL);
	curl_free(scheme);
	curl_free(user);
	curl_free(pw);
	curl_free(ps);
	return (e);
}

static void
broker_set_common(CURL *c, struct pin *pin, int plain, long tmo)
{
	curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, broker_open_socket);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, pin);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, plain ? "http" : "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, tmo);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, tmo < 5000 ? tmo : 5000L);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)SBX_HTTP_BODY_MAX);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "mcpbox-sandbox");
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, NULL);
#ifdef SBX_TESTING
	if (sbx_broker_test_cafile != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, sbx_broker_test_cafile);
#endif
}

static void
broker_one_hop(const char *url, const char *method, struct curl_slist *hdrs,
    const char *body, size_t bodylen, long tmo,
    const struct sbx_hostrule *hosts, size_t nhosts, struct body *rb,
    struct body *hb, struct hop *out)
{
	CURLU			*u;
	CURL			*c = NULL;
	struct curl_slist	*pinlist = NULL;
	struct pin		 pin;
	char			*host = NULL, *prim = NULL, *loc = NULL;
	char			 rs[600];
	int			 port, plain, approved;
	CURLcode		 rc;

	memset(out, 0, sizeof(*out));
	memset(&pin, 0, sizeof(pin));
	if ((u = curl_url()) == NULL)
		return;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
		out->err = broker_errf("malformed URL%s", NULL);
		goto done;
	}
	if ((out->err = broker_check_url(u, hosts, nhosts, &host, &port,
	    &plain, &approved)) != NULL)
		goto done;
	if ((out->err = broker_resolve(host, port, approved, plain, &pin)) !=
	    NULL)
		goto done;
	snprintf(rs, sizeof(rs), strchr(pin.ip, ':') ? "%s:%d:[%s]" :
	    "%s:%d:%s", host[0] == '[' ? pin.ip : host, port, pin.ip);
	pinlist = curl_slist_append(NULL, rs);
	if ((c = curl_easy_init()) == NULL)
		goto done;
	curl_easy_setopt(c, CURLOPT_CURLU, u);
	curl_easy_setopt(c, CURLOPT_RESOLVE, pinlist);
	broker_set_common(c, &pin, plain, tmo);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, broker_on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, rb);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, broker_on_body);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, hb);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)bodylen);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	}
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_PRIMARY_IP, &prim);
	if (rc != CURLE_OK) {
		if (rb->over || rc == CURLE_FILESIZE_EXCEEDED)
			out->err = broker_errf("response larger than 2 MiB%s",
			    NULL);
		else if (rc == CURLE_OPERATION_TIMEDOUT)
			out->err = broker_errf("request timed out%s", NULL);
		else
			out->err = broker_errf("request failed: %s",
			    curl_easy_strerror(rc));
	} else if (prim == NULL || strcmp(prim, pin.ip) != 0) {
		out->err = broker_errf("connected address differs from the "
		    "validated one%s", NULL);
	} else {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
		curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &loc);
		if (loc != NULL)
			out->location = strdup(loc);
	}
done:
	if (c != NULL)
		curl_easy_cleanup(c);
	curl_slist_free_all(pinlist);
	curl_url_cleanup(u);
	curl_free(host);
}

/* Headers of the last response only, names lower-cased. */
static json_t *
broker_parse_headers(struct body *hb)
{
	json_t	*h = json_object(), *old;
	char	*text, *save = NULL, *ln, *col, *v, *p, *cv, *ck, *j;
	size_t	 lv, lk;

	if (h == NULL || hb->b.len == 0 || sbx_buf_append(&hb->b, "", 1) == -1)
		return (h);
	text = (char *)hb->b.data;
	for (ln = strtok_r(text, "\r\n", &save); ln;
	    ln = strtok_r(NULL, "\r\n", &save)) {
		if (strncmp(ln, "HTTP/", 5) == 0) {
			json_object_clear(h);
			continue;
		}
		if ((col = strchr(ln, ':')) == NULL)
			continue;
		*col = '\0';
		for (v = col + 1; *v == ' ' || *v == '\t'; v++)
			;
		for (p = ln; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		ck = sbx_policy_utf8_clean(ln, strlen(ln), &lk);
		cv = sbx_policy_utf8_clean(v, strlen(v), &lv);
		if (ck != NULL && cv != NULL) {
			old = json_object_get(h, ck);
			if (old != NULL && asprintf(&j, "%s, %s",
			    json_string_value(old), cv) != -1) {
				json_object_set_new(h, ck, json_string(j));
				free(j);
			} else if (old == NULL)
				json_object_set_new(h, ck, json_string(cv));
		}
		free(ck);
		free(cv);
	}
	return (h);
}

static struct curl_slist *
broker_request_headers(const json_t *hdrs)
{
	struct curl_slist	*l = NULL, *n;
	const char		*k;
	json_t			*v;
	char			*line;

	json_object_foreach((json_t *)hdrs, k, v) {
		if (!json_is_string(v) ||
		    !sbx_policy_header_ok(k, json_string_value(v)))
			continue;
		if (asprintf(&line, "%s: %s", k, json_string_value(v)) == -1)
			continue;
		if ((n = curl_slist_append(l, line)) != NULL)
			l = n;
		free(line);
	}
	return (l);
}

static json_t *
broker_error_reply(const char *msg)
{
	return (json_pack("{s:s}", "error", msg ? msg : "request failed"));
}

/*
 * What can be refused without the network: method, URL syntax, scheme,
 * userinfo, host and port against the allowlist.  NULL when the request
 * may go ahead; else the reply frame's object.
 */
json_t *
sbx_broker_precheck(const json_t *req, const struct sbx_hostrule *hosts,
    size_t nhosts)
{
	const char	*method, *url;
	char		*host = NULL, *e = NULL;
	json_t		*out;
	CURLU		*u;
	int		 port, plain, approved;

	method = json_string_value(json_object_get(req, "method"));
	url = json_string_value(json_object_get(req, "url"));
	if (method == NULL || url == NULL || strlen(url) > 8192)
		return (broker_error_reply("a request needs a method and a "
		    "URL"));
	if (!sbx_policy_method_ok(method))
		return (broker_error_reply("HTTP method not allowed"));
	if ((u = curl_url()) == NULL)
		return (broker_error_reply(NULL));
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
		e = broker_errf("malformed URL%s", NULL);
	else
		e = broker_check_url(u, hosts, nhosts, &host, &port, &plain,
		    &approved);
	curl_free(host);
	curl_url_cleanup(u);
	if (e == NULL)
		return (NULL);
	out = broker_error_reply(e);
	free(e);
	return (out);
}

/*
 * The whole request, redirects included; blocking, so it only ever runs
 * in a helper process (or a unit test).
 */
json_t *
sbx_broker_perform(const json_t *req, const struct sbx_hostrule *hosts,
    size_t nhosts, long budget_ms)
{
	struct curl_slist	*hdrs;
	struct body		 rb, hb;
	struct hop		 hop;
	const char		*method, *url, *body = NULL;
	char			*cur, *clean, *e = NULL;
	json_t			*out;
	json_int_t		 tmo;
	size_t			 bodylen = 0, cl;
	double			 deadline;
	int			 n;

	if ((out = sbx_broker_precheck(req, hosts, nhosts)) != NULL)
		return (out);
	method = json_string_value(json_object_get(req, "method"));
	url = json_string_value(json_object_get(req, "url"));
	if (json_is_string(json_object_get(req, "body"))) {
		body = json_string_value(json_object_get(req, "body"));
		bodylen = json_string_length(json_object_get(req, "body"));
	}
	tmo = json_integer_value(json_object_get(req, "timeout_ms"));
	if (tmo <= 0 || tmo > SBX_HTTP_TIMEOUT_MS)
		tmo = SBX_HTTP_TIMEOUT_MS;
	if (budget_ms > 0 && tmo > budget_ms)
		tmo = budget_ms;
	deadline = sbx_now_ms() + (double)tmo;
	hdrs = broker_request_headers(json_object_get(req, "headers"));
	if ((cur = strdup(url)) == NULL)
		return (broker_error_reply(NULL));
	memset(&rb, 0, sizeof(rb));
	memset(&hb, 0, sizeof(hb));
	for (n = 0;; n++) {
		long left = (long)(deadline - sbx_now_ms());
		sbx_buf_free(&rb.b);
		sbx_buf_free(&hb.b);
		rb.over = hb.over = 0;
		if (left <= 0) {
			e = strdup("request timed out");
			break;
		}
		broker_one_hop(cur, method, hdrs, body, bodylen, left, hosts,
		    nhosts,
		    &rb, &hb, &hop);
		if (hop.err != NULL || hop.status == 0) {
			e = hop.err ? hop.err : strdup("request failed");
			free(hop.location);
			break;
		}
		if (hop.status >= 300 && hop.status < 400 && hop.location) {
			if (n + 1 >= SBX_HTTP_HOPS + 1) {
				e = strdup("too many redirects");
				free(hop.location);
				break;
			}
			free(cur);
			cur = hop.location;
			/* 303, and 301/302 after POST, continue as GET. */
			if (hop.status == 303 || ((hop.status == 301 ||
			    hop.status == 302) && strcmp(method, "POST") == 0)) {
				method = "GET";
				body = NULL;
				bodylen = 0;
			}
			continue;
		}
		free(hop.location);
		break;
	}
	curl_slist_free_all(hdrs);
	if (e != NULL) {
		out = broker_error_reply(e);
		free(e);
	} else {
		clean = sbx_policy_utf8_clean(rb.b.data ? (char *)rb.b.data :
		    "", rb.b.len, &cl);
		out = json_pack("{s:I,s:o,s:s%,s:s}", "status",
		    (json_int_t)hop.status, "headers",
		    broker_parse_headers(&hb),
		    "body", clean ? clean : "", clean ? cl : (size_t)0,
		    "url", cur);
		free(clean);
		if (out == NULL)
			out = broker_error_reply("response could not be "
			    "encoded");
	}
	free(cur);
	sbx_buf_free(&rb.b);
	sbx_buf_free(&hb.b);
	return (out);
}

/*
 * The lookup op: every address `host` resolves to with its kind, MCPbox's
 * own doors (at `port`) named "self", so the server can tell a network
 * request for a LAN host from a public one, and refuse the rest, with the
 * resolver the broker itself will use at call time.
 */
json_t *
sbx_broker_lookup(const char *host, int port)
{
	struct netaddr_answer	 ans[NETADDR_ANSWERS_MAX];
	json_t			*a = json_array();
	size_t			 n, i;
	int			 kind;

	n = netaddr_resolve(host, ans, NETADDR_ANSWERS_MAX);
	for (i = 0; i < n; i++) {
		kind = broker_is_door(ans[i].ip, port) ? NETADDR_KIND_SELF :
		    ans[i].kind;
		json_array_append_new(a, json_pack("{s:s,s:s}", "ip",
		    ans[i].ip, "kind", netaddr_kind_name(kind)));
	}
	return (json_pack("{s:b,s:o}", "ok", 1, "answers", a));
}
