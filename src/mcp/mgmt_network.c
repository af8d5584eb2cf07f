/*
 * mcpbox_request_network_access: a tool asks to reach host[:port] (D37).
 *
 * The host is looked up when it is asked for, by the sandbox (op lookup:
 * the resolver the broker itself will use at call time; a worker never
 * resolves a name). Every address public: a public request (https, as
 * always). Every address on the local network (RFC 1918, CGNAT, ULA): a
 * private request, which the panel shows with a warning and which, once
 * approved, the broker reaches over http or https. Anything else can never
 * work and is refused here with the reason, before any admin is asked:
 * loopback, metadata, link-local, unspecified and reserved addresses,
 * MCPbox's own doors, and a name with public and private addresses
 * together (whether a call would reach the internet or the LAN would be
 * the name's owner's choice, at each call). A name that does not resolve
 * now is filed as public: the broker decides at call time, under the
 * public rules.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mcp/mcp.h"
#include "db/sql.h"
#include "core/netaddr.h"

/* Longer than any host, reason and address together. */
#define WHY_MAX		640

/* lhost:lport (a door, or the public URL's authority) is host:port. */
static int
net_same_door(const char *lhost, const char *lport, const char *host,
    int port)
{
	return (lhost != NULL && *lhost != '\0' && atoi(lport) == port &&
	    strcasecmp(lhost, host) == 0);
}

/*
 * Why host:port can never be asked for, from its text alone: a name that
 * always means loopback or metadata, a number in another form than a
 * dotted quad, an address literal of a refused kind, or MCPbox's own
 * listeners and public URL as written. 0: the lookup decides.
 */
static int
net_refused_as_written(const char *host, int port, char *why, size_t len)
{
	const char	*u, *end;
	char		 h[256], p[8];
	int		 k;

	if ((k = netaddr_kind_of_name(host)) == -1 &&
	    (inet_pton(AF_INET, host, h) == 1 ||
	    inet_pton(AF_INET6, host, h) == 1))
		k = netaddr_kind_str(host);
	if (k != -1 && netaddr_kind_why(k) != NULL) {
		(void)snprintf(why, len, "%s is %s", host, netaddr_kind_why(k));
		return (1);
	}
	if (netaddr_numeric_odd(host)) {
		(void)snprintf(why, len, "%s is an address in another form than "
		    "a.b.c.d: write it as a dotted quad", host);
		return (1);
	}
	if (net_same_door(mcpbox_cfg.listen_host, mcpbox_cfg.listen_port,
	    host, port) || (mcpbox_cfg.has_public_listen &&
	    net_same_door(mcpbox_cfg.public_listen_host,
	    mcpbox_cfg.public_listen_port, host, port))) {
		(void)snprintf(why, len, "%s:%d is %s", host, port,
		    netaddr_kind_why(NETADDR_KIND_SELF));
		return (1);
	}
	if ((u = mcpbox_cfg.public_url) != NULL) {
		(void)snprintf(p, sizeof(p), "%d", strncmp(u, "https://", 8) ==
		    0 ? 443 : 80);
		u += strncmp(u, "https://", 8) == 0 ? 8 : 7;
		end = u + strcspn(u, ":/");
		(void)snprintf(h, sizeof(h), "%.*s", (int)(end - u), u);
		if (*end == ':')
			(void)snprintf(p, sizeof(p), "%.*s", (int)strcspn(end +
			    1, "/"), end + 1);
		if (net_same_door(h, p, host, port)) {
			(void)snprintf(why, len, "%s:%d is MCPbox's own public "
			    "address (MCPBOX_PUBLIC_URL), which tools can never "
			    "reach", host, port);
			return (1);
		}
	}
	return (0);
}

/*
 * The lookup's answers: the request's kind (NETADDR_KIND_PUBLIC or _LAN),
 * or -1 with why filled in.
 */
static int
net_kind_of_answers(const char *host, const json_t *answers, char *why,
    size_t len)
{
	int		 kinds[NETADDR_ANSWERS_MAX], bad, verdict;
	const char	*ip = NULL;
	json_t		*a;
	size_t		 i, n = 0;

	json_array_foreach(answers, i, a) {
		if (n == NETADDR_ANSWERS_MAX)
			break;
		kinds[n] = netaddr_kind_parse(json_string_value(
		    json_object_get(a, "kind")));
		if (kinds[n] != NETADDR_KIND_PUBLIC && kinds[n] !=
		    NETADDR_KIND_LAN && ip == NULL)
			ip = json_string_value(json_object_get(a, "ip"));
		n++;
	}
	if ((verdict = netaddr_host_verdict(kinds, n, &bad)) != -1)
		return (verdict);
	if (bad == NETADDR_KIND_MIXED)
		(void)snprintf(why, len, "%s resolves to %s", host,
		    netaddr_kind_why(bad));
	else
		(void)snprintf(why, len, "%s resolves to %s, %s", host,
		    ip != NULL ? ip : "an address", netaddr_kind_why(bad));
	return (-1);
}

/*
 * Ask the sandbox what host resolves to, and wait: HX_GO_ON with its
 * answers in *answers once it replied; the exchange is answered when the
 * lookup could not run.
 */
static enum hx_turn
net_lookup(struct http_request *req, struct mcp_ex *ex, const char *host,
    int port, json_t **answers)
{
	const char	*m;
	char		 msg[512];
	json_t		*r;

	if (ex->sbx == NULL)
		ex->sbx = sbx_call_start(json_pack("{s:s, s:s, s:i}", "op",
		    SBX_OP_LOOKUP, "host", host, "port", port),
		    SBX_LOOKUP_MS + 2000, req, NULL, NULL);
	if (!sbx_call_done(ex->sbx)) {
		http_request_sleep(req);
		return (HX_WAIT);
	}
	r = sbx_call_reply(ex->sbx);
	*answers = json_object_get(r, "answers");
	if (!json_is_true(json_object_get(r, "ok")) || !json_is_array(*answers)) {
		m = json_string_value(json_object_get(json_object_get(r,
		    "error"), "message"));
		(void)snprintf(msg, sizeof(msg), "the host could not be looked "
		    "up: %s", m != NULL ? m : "the sandbox is unavailable; "
		    "retry");
		return (mgmt_fail(ex, msg));
	}
	return (HX_GO_ON);
}

/*
 * Host as stored: host_normalize's, and an IPv6 literal in the form curl
 * gives the broker (compressed, lower case), so the allowlist matches.
 */
static int
net_host_canonical(const char *in, char *out, size_t len)
{
	struct in6_addr	a6;
	char		t[INET6_ADDRSTRLEN];

	if (host_normalize(in, out, len) == -1)
		return (-1);
	if (inet_pton(AF_INET6, out, &a6) == 1 && inet_ntop(AF_INET6, &a6, t,
	    sizeof(t)) != NULL)
		(void)snprintf(out, len, "%s", t);
	return (0);
}

enum hx_turn
mgmt_request_network_access(struct http_request *req, struct mcp_ex *ex)
{
	const char	*p[6], *host, *why;
	char		 norm[256], port[8], refusal[WHY_MAX];
	json_t		*jp, *answers;
	enum hx_turn	 turn;
	int		 kind, portnum;

	if (mgmt_arg_uuid(ex, "tool_id", &p[0]) == HX_ANSWERED)
		return (HX_ANSWERED);
	host = mgmt_arg_str(ex, "host");
	why = mgmt_arg_str(ex, "justification");
	jp = json_object_get(ex->args, "port");
	if (host == NULL || net_host_canonical(host, norm, sizeof(norm)) == -1)
		return (mgmt_fail(ex, "host: " HOST_RULE));
	if (jp != NULL && (!json_is_integer(jp) || json_integer_value(jp) < 1 ||
	    json_integer_value(jp) > 65535))
		return (mgmt_fail(ex, "port must be 1-65535"));
	if (why == NULL || *why == '\0')
		return (mgmt_fail(ex, "justification is required"));
	portnum = jp != NULL ? (int)json_integer_value(jp) : 443;
	if (net_refused_as_written(norm, portnum, refusal, sizeof(refusal)))
		return (mgmt_fail(ex, refusal));
	if ((turn = net_lookup(req, ex, norm, portnum, &answers)) != HX_GO_ON)
		return (turn);
	if ((kind = net_kind_of_answers(norm, answers, refusal,
	    sizeof(refusal))) == -1)
		return (mgmt_fail(ex, refusal));
	if (jp != NULL)
		(void)snprintf(port, sizeof(port), "%d", portnum);
	p[1] = norm;
	p[2] = jp != NULL ? port : NULL;
	p[3] = why;
	p[4] = ex->request_id;
	p[5] = kind == NETADDR_KIND_LAN ? "private" : "public";
	return (mgmt_sql(req, ex, SQL_MGMT_REQUEST_NETWORK_RESPOND, 6, p));
}
