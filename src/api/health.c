/*
 * Liveness and readiness.
 *
 * /health says the process answers; it touches nothing else, so a load
 * balancer never takes a healthy worker out because the database blinked.
 * /health/ready checks what a request needs (a database round trip and, once
 * wired, the sandbox) and answers 503 while any of it is missing.
 */
#include "api/api.h"
#include "db/db.h"

struct ready_state {
	struct db_call	db;
	double		t0;
};

static void
ready_free(void *arg)
{
	struct ready_state	*s = arg;

	db_call_clear(&s->db);
	kore_free(s);
}

int
api_health(struct http_request *req)
{
	hx_begin(req, "health");
	if (req->method != HTTP_METHOD_GET)
		return (hx_method_not_allowed(req, "GET"));
	return (hx_json(req, 200, json_pack("{s:s, s:s}", "status", "ok",
	    "version", MCPBOX_VERSION)));
}

int
api_health_ready(struct http_request *req)
{
	struct ready_state	*s;
	enum db_status		st;
	json_t			*checks;
	int			ok;

	hx_begin(req, "health_ready");
	if (req->method != HTTP_METHOD_GET)
		return (hx_method_not_allowed(req, "GET"));
	s = hx_data(req, sizeof(*s), ready_free);
	if (s->t0 == 0)
		s->t0 = clock_ms_precise();

	st = db_call_run(&s->db, req, "SELECT 1", 0, NULL);
	if (st == DB_PENDING)
		return (KORE_RESULT_RETRY);

	ok = (st == DB_DONE && db_ntuples(&s->db) == 1);
	checks = json_object();
	json_object_set_new(checks, "database", ok ?
	    json_pack("{s:b, s:f}", "ok", 1, "latency_ms",
	    clock_ms_precise() - s->t0) :
	    json_pack("{s:b, s:s}", "ok", 0, "error", "database unreachable"));
	return (hx_json(req, ok ? 200 : 503, json_pack("{s:s, s:o}",
	    "status", ok ? "ready" : "not_ready", "checks", checks)));
}
