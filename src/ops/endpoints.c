/*
 * GET /metrics.
 *
 * /metrics renders the shared counters (core/metrics.c), so any worker
 * gives the instance's numbers. The sandbox gauges come from a `health`
 * call made at scrape time: fresh numbers, no timer in every worker, and a
 * dead or circuit-broken sandbox shows as mcpbox_sandbox_up 0 at once. The
 * probe is bounded (METRICS_SANDBOX_MS) and never blocks the loop.
 *
 * Not served on the public door: it has no /metrics route.
 */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "sbx/circuit.h"
#include "db/sql_ops.h"
#include "ops/ops.h"
#include "sbx/sbx.h"

#define METRICS_SANDBOX_MS	1000

struct scrape {
	struct sbx_call	*sbx;
};

static void
ops_scrape_free(void *arg)
{
	struct scrape	*s = arg;

	sbx_call_free(s->sbx);
	kore_free(s);
}

int
ops_metrics(struct http_request *req)
{
	struct metrics_gauges	g;
	struct scrape		*s;
	json_t			*reply;
	uint64_t		opens, rejected;
	char			*text;
	size_t			len;

	hx_begin(req, "metrics");
	if (!hx_origin_ok(req))
		return (hx_origin_refused(req));
	if (req->method != HTTP_METHOD_GET)
		return (hx_method_not_allowed(req, "GET"));
	s = hx_data(req, sizeof(*s), ops_scrape_free);
	if (s->sbx == NULL)
		s->sbx = sbx_health_start(METRICS_SANDBOX_MS, req, NULL,
		    NULL);
	if (!sbx_call_done(s->sbx)) {
		http_request_sleep(req);
		return (KORE_RESULT_RETRY);
	}
	reply = sbx_call_reply(s->sbx);
	memset(&g, 0, sizeof(g));
	g.sandbox_up = json_is_true(json_object_get(reply, "ok"));
	if (g.sandbox_up) {
		g.sandbox_running = (long)json_integer_value(
		    json_object_get(reply, "running"));
		g.sandbox_queued = (long)json_integer_value(
		    json_object_get(reply, "queued"));
	}
	g.sse_open = stats_sse_open();
	g.circuit_state = (int)circuit_state(clock_ms());
	circuit_counts(&opens, &rejected);
	g.circuit_opens = opens;
	g.circuit_rejected = rejected;
	if ((text = metrics_render(&g, &len)) == NULL)
		return (hx_error(req, 500, "internal",
		    "the metrics could not be rendered"));
	hx_security_headers(req, 0);
	http_response_header(req, "content-type",
	    "text/plain; version=0.0.4; charset=utf-8");
	http_response(req, 200, text, len);
	free(text);
	return (KORE_RESULT_OK);
}
