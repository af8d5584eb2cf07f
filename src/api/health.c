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
#include "db/sql_ops.h"
#include "sbx/circuit.h"
#include "sbx/sbx.h"

#define READY_SANDBOX_MS	2000

struct ready_state {
	struct db_call	db;
	double		t0;
	int		db_ok;
	double		db_ms;
	int		db_checked;
	struct sbx_call	*sbx;
	double		t1;
};

static void
health_ready_free(void *arg)
{
	struct ready_state	*s = arg;

	db_call_clear(&s->db);
	sbx_call_free(s->sbx);
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
	int			ok, sok;

	hx_begin(req, "health_ready");
	if (req->method != HTTP_METHOD_GET)
		return (hx_method_not_allowed(req, "GET"));
	s = hx_data(req, sizeof(*s), health_ready_free);
	if (s->t0 == 0)
		s->t0 = clock_ms_precise();

	if (!s->db_checked) {
		st = db_call_run(&s->db, req, "SELECT 1", 0, NULL);
		if (st == DB_PENDING)
			return (KORE_RESULT_RETRY);
		s->db_ok = (st == DB_DONE && db_ntuples(&s->db) == 1);
		s->db_ms = clock_ms_precise() - s->t0;
		s->db_checked = 1;
		s->t1 = clock_ms_precise();
		s->sbx = sbx_health_start(READY_SANDBOX_MS, req, NULL,
		    NULL);
	}
	if (!sbx_call_done(s->sbx)) {
		http_request_sleep(req);
		return (KORE_RESULT_RETRY);
	}
	sok = json_is_true(json_object_get(sbx_call_reply(s->sbx), "ok"));
	ok = s->db_ok && sok;
	checks = json_object();
	json_object_set_new(checks, "database", s->db_ok ?
	    json_pack("{s:b, s:f}", "ok", 1, "latency_ms", s->db_ms) :
	    json_pack("{s:b, s:s}", "ok", 0, "error", "database unreachable"));
	json_object_set_new(checks, "sandbox", sok ?
	    json_pack("{s:b, s:f, s:O?, s:O?}", "ok", 1, "latency_ms",
	    clock_ms_precise() - s->t1,
	    "running", json_object_get(sbx_call_reply(s->sbx), "running"),
	    "queued", json_object_get(sbx_call_reply(s->sbx), "queued")) :
	    json_pack("{s:b, s:s}", "ok", 0, "error", "sandbox unreachable"));
	return (hx_json(req, ok ? 200 : 503, json_pack("{s:s, s:o}",
	    "status", ok ? "ready" : "not_ready", "checks", checks)));
}

/*
 * GET /health/circuits and POST /health/circuits/reset: entries of the
 * REST route table, so the reset goes through exactly the same admin token
 * check as every /api path (and pathguard marks it admin-only).
 */
int
api_health_circuits(struct http_request *req, struct api_ctx *c)
{
	return (hx_json(req, 200, json_pack("{s:{s:o}}", "circuits",
	    "sandbox", circuit_json(clock_ms()))));
}

int
api_health_circuits_reset(struct http_request *req, struct api_ctx *c)
{
	const char	*p[2];

	circuit_reset(c->actor);
	p[0] = c->actor;
	p[1] = hx_request_id(req);
	db_exec_detached(SQL_OPS_CIRCUIT_RESET_AUDIT, 2, p);
	return (hx_json(req, 200, json_pack("{s:{s:o}}", "circuits",
	    "sandbox", circuit_json(clock_ms()))));
}
