/*
 * Prometheus metrics for the whole instance.
 *
 * Every worker serves /metrics, and a scraper reaches whichever worker the
 * accept lock picks, so per-process numbers would jump around between
 * scrapes. The counters therefore live in one anonymous MAP_SHARED segment
 * the parent maps before it forks, and every update is a C11 atomic: no
 * lock to take on the request path, nothing a dying worker can leave held.
 *
 * Routes are the names handlers give hx_begin (and the REST route table),
 * a bounded set, so each gets a slot on first use: a slot is claimed with a
 * compare-and-swap and its name is written before it is published. Status
 * codes get up to METRICS_STATUSES slots per route the same way. A route or
 * status beyond the table is counted in mcpbox_metrics_dropped_total rather
 * than silently merged into another label.
 *
 * The tool error-rate window (for the alert) is five one-minute buckets.
 * A bucket is recycled by whoever first sees its minute is stale; a call
 * counted by another process in that instant can be lost, which only
 * blurs a threshold that is a heuristic anyway.
 */

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

#define METRICS_ROUTES		128
#define METRICS_STATUSES	16
#define METRICS_NAME_MAX	48
#define METRICS_WINDOW_MIN	5

/* Request duration buckets, in seconds; +Inf is implicit. */
static const double	metrics_buckets[] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
};
#define METRICS_NBUCKETS \
	(sizeof(metrics_buckets) / sizeof(metrics_buckets[0]))

static const char	*const outcome_names[TOOL_OUTCOMES] = {
	"ok", "tool_error", "timeout", "memory", "denied",
};

static const char	*const alert_names[ALERT_KINDS] = {
	"sandbox_restarted", "circuit_open", "login_failures",
	"tool_error_rate", "worker_restarted",
};

struct metrics_status {
	atomic_int		code;		/* 0: free */
	atomic_uint_fast64_t	count;
};

struct metrics_route {
	atomic_int		used;		/* 0 free, 1 claiming, 2 live */
	char			name[METRICS_NAME_MAX];
	struct metrics_status	status[METRICS_STATUSES];
	atomic_uint_fast64_t	bucket[METRICS_NBUCKETS];
	atomic_uint_fast64_t	count;
	atomic_uint_fast64_t	sum_us;
};

struct metrics_minute {
	atomic_uint_fast64_t	minute;
	atomic_uint_fast64_t	calls;
	atomic_uint_fast64_t	errors;
};

struct metrics_shm {
	struct metrics_route	route[METRICS_ROUTES];
	atomic_uint_fast64_t	tool[TOOL_OUTCOMES];
	atomic_uint_fast64_t	alerts[ALERT_KINDS];
	atomic_uint_fast64_t	db_errors;
	atomic_uint_fast64_t	login_failures;
	atomic_uint_fast64_t	execlog_batches;
	atomic_uint_fast64_t	execlog_rows;
	atomic_uint_fast64_t	execlog_alone;
	atomic_uint_fast64_t	dropped;
	struct metrics_minute	window[METRICS_WINDOW_MIN];
};

static struct metrics_shm	*mshm;

int
metrics_init(void)
{
	void	*p;

	if ((p = shm_map(sizeof(*mshm))) == NULL)
		return (-1);
	/* A fresh anonymous mapping is zero: every counter starts at 0. */
	mshm = p;
	return (0);
}

const char *
metrics_outcome_name(enum tool_outcome o)
{
	if ((int)o < 0 || o >= TOOL_OUTCOMES)
		return ("tool_error");
	return (outcome_names[o]);
}

const char *
metrics_alert_name(enum alert_kind k)
{
	if ((int)k < 0 || k >= ALERT_KINDS)
		return ("unknown");
	return (alert_names[k]);
}

static struct metrics_route *
mx_route_slot(const char *name)
{
	struct metrics_route	*r;
	int			i, used, spins;

	for (i = 0; i < METRICS_ROUTES; i++) {
		r = &mshm->route[i];
		used = atomic_load(&r->used);
		if (used == 0) {
			if (!atomic_compare_exchange_strong(&r->used, &used, 1))
				goto claimed;
			(void)snprintf(r->name, sizeof(r->name), "%s", name);
			atomic_store(&r->used, 2);
			return (r);
		}
claimed:
		/* Another process is publishing this slot's name: wait. */
		for (spins = 0; atomic_load(&r->used) == 1 && spins < 100000;
		    spins++)
			;
		if (atomic_load(&r->used) == 2 &&
		    strncmp(r->name, name, sizeof(r->name) - 1) == 0)
			return (r);
	}
	return (NULL);
}

static atomic_uint_fast64_t *
mx_status_slot(struct metrics_route *r, int code)
{
	int	i, cur;

	for (i = 0; i < METRICS_STATUSES; i++) {
		cur = atomic_load(&r->status[i].code);
		if (cur == code)
			return (&r->status[i].count);
		if (cur == 0) {
			if (atomic_compare_exchange_strong(&r->status[i].code,
			    &cur, code) || cur == code)
				return (&r->status[i].count);
		}
	}
	return (NULL);
}

void
metrics_http(const char *route, int status, double seconds)
{
	struct metrics_route	*r;
	atomic_uint_fast64_t	*c;
	size_t			i;

	if (mshm == NULL)
		return;
	if ((r = mx_route_slot(route != NULL ? route : "unknown")) == NULL ||
	    (c = mx_status_slot(r, status)) == NULL) {
		atomic_fetch_add(&mshm->dropped, 1);
		return;
	}
	atomic_fetch_add(c, 1);
	if (seconds < 0)
		seconds = 0;
	/* Buckets are cumulative in the exposition, not here. */
	for (i = 0; i < METRICS_NBUCKETS; i++) {
		if (seconds <= metrics_buckets[i]) {
			atomic_fetch_add(&r->bucket[i], 1);
			break;
		}
	}
	atomic_fetch_add(&r->count, 1);
	atomic_fetch_add(&r->sum_us, (uint_fast64_t)(seconds * 1e6));
}

/* Count one call; returns 1 when the 5-minute window now looks bad. */
int
metrics_tool(enum tool_outcome o, uint64_t now_ms, int min_calls,
    uint64_t *calls_out, uint64_t *errors_out)
{
	struct metrics_minute	*b;
	uint_fast64_t		minute, cur;
	uint64_t		calls, errors;
	int			i;

	if (mshm == NULL)
		return (0);
	if ((int)o < 0 || o >= TOOL_OUTCOMES)
		o = TOOL_ERROR;
	atomic_fetch_add(&mshm->tool[o], 1);

	minute = now_ms / 60000;
	b = &mshm->window[minute % METRICS_WINDOW_MIN];
	cur = atomic_load(&b->minute);
	if (cur != minute &&
	    atomic_compare_exchange_strong(&b->minute, &cur, minute)) {
		atomic_store(&b->calls, 0);
		atomic_store(&b->errors, 0);
	}
	atomic_fetch_add(&b->calls, 1);
	if (o != TOOL_OK)
		atomic_fetch_add(&b->errors, 1);

	calls = errors = 0;
	for (i = 0; i < METRICS_WINDOW_MIN; i++) {
		b = &mshm->window[i];
		cur = atomic_load(&b->minute);
		if (cur + METRICS_WINDOW_MIN <= minute)
			continue;
		calls += atomic_load(&b->calls);
		errors += atomic_load(&b->errors);
	}
	if (calls_out != NULL)
		*calls_out = calls;
	if (errors_out != NULL)
		*errors_out = errors;
	return (calls >= (uint64_t)min_calls && errors * 2 >= calls);
}

void
metrics_db_error(void)
{
	if (mshm != NULL)
		atomic_fetch_add(&mshm->db_errors, 1);
}

void
metrics_login_failure(void)
{
	if (mshm != NULL)
		atomic_fetch_add(&mshm->login_failures, 1);
}

/* An execution-log batch written (db/execlog.c): `rows` in it, or 0 for
 * a row written alone because the ring could not take it. */
void
metrics_execlog(int rows)
{
	if (mshm == NULL)
		return;
	if (rows == 0) {
		atomic_fetch_add(&mshm->execlog_alone, 1);
		return;
	}
	atomic_fetch_add(&mshm->execlog_batches, 1);
	atomic_fetch_add(&mshm->execlog_rows, (uint_fast64_t)rows);
}

void
metrics_alert(enum alert_kind k)
{
	if (mshm != NULL && (int)k >= 0 && k < ALERT_KINDS)
		atomic_fetch_add(&mshm->alerts[k], 1);
}

/* A growing text buffer; on allocation failure it stays NULL. */
struct mbuf {
	char	*data;
	size_t	len;
	size_t	cap;
};

static void
mx_mb_printf(struct mbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
mx_mb_printf(struct mbuf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;
	char	*p;

	if (b->data == NULL)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		if ((p = realloc(b->data, b->cap * 2 + (size_t)n)) == NULL) {
			free(b->data);
			b->data = NULL;
			return;
		}
		b->data = p;
		b->cap = b->cap * 2 + (size_t)n;
	}
}

static void
mx_mb_head(struct mbuf *b, const char *name, const char *type, const char *help)
{
	mx_mb_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

#define SANDBOX_CIRCUIT	"{circuit=\"sandbox\"}"

/* A metric with one sample: its HELP and TYPE lines, then the value. */
static void
mx_one(struct mbuf *b, const char *name, const char *labels,
    const char *type, const char *help, long long v)
{
	mx_mb_head(b, name, type, help);
	mx_mb_printf(b, "%s%s %lld\n", name, labels, v);
}

static void
mx_render_http(struct mbuf *b)
{
	struct metrics_route	*r;
	uint_fast64_t		cum;
	size_t			j;
	int			i, k, code;

	mx_mb_head(b, "mcpbox_http_requests_total", "counter",
	    "HTTP requests answered, by route and status code.");
	for (i = 0; i < METRICS_ROUTES; i++) {
		r = &mshm->route[i];
		if (atomic_load(&r->used) != 2)
			continue;
		for (k = 0; k < METRICS_STATUSES; k++) {
			if ((code = atomic_load(&r->status[k].code)) == 0)
				continue;
			mx_mb_printf(b,
			    "mcpbox_http_requests_total{route=\"%s\","
			    "status=\"%d\"} %llu\n", r->name, code,
			    (unsigned long long)atomic_load(
			    &r->status[k].count));
		}
	}
	mx_mb_head(b, "mcpbox_http_request_duration_seconds", "histogram",
	    "Time from the first handler call to the end of the request.");
	for (i = 0; i < METRICS_ROUTES; i++) {
		r = &mshm->route[i];
		if (atomic_load(&r->used) != 2)
			continue;
		cum = 0;
		for (j = 0; j < METRICS_NBUCKETS; j++) {
			cum += atomic_load(&r->bucket[j]);
			mx_mb_printf(b,
			    "mcpbox_http_request_duration_seconds_bucket"
			    "{route=\"%s\",le=\"%g\"} %llu\n", r->name,
			    metrics_buckets[j], (unsigned long long)cum);
		}
		/* +Inf must equal _count; read it once for both. */
		cum = atomic_load(&r->count);
		mx_mb_printf(b, "mcpbox_http_request_duration_seconds_bucket"
		    "{route=\"%s\",le=\"+Inf\"} %llu\n", r->name,
		    (unsigned long long)cum);
		mx_mb_printf(b, "mcpbox_http_request_duration_seconds_sum"
		    "{route=\"%s\"} %.6f\n", r->name,
		    (double)atomic_load(&r->sum_us) / 1e6);
		mx_mb_printf(b, "mcpbox_http_request_duration_seconds_count"
		    "{route=\"%s\"} %llu\n", r->name, (unsigned long long)cum);
	}
}

/* The whole exposition (text format 0.0.4), malloc'd; NULL on failure. */
char *
metrics_render(const struct metrics_gauges *g, size_t *len)
{
	struct mbuf	b;
	int		i;

	if (mshm == NULL)
		return (NULL);
	b.cap = 16384;
	b.len = 0;
	if ((b.data = malloc(b.cap)) == NULL)
		return (NULL);
	b.data[0] = '\0';

	mx_render_http(&b);

	mx_mb_head(&b, "mcpbox_tool_calls_total", "counter",
	    "Tool calls run in the sandbox, by outcome.");
	for (i = 0; i < TOOL_OUTCOMES; i++)
		mx_mb_printf(&b,
		    "mcpbox_tool_calls_total{outcome=\"%s\"} %llu\n",
		    outcome_names[i],
		    (unsigned long long)atomic_load(&mshm->tool[i]));

	mx_one(&b, "mcpbox_sandbox_up", "", "gauge",
	    "1 when the sandbox answered the health probe of this scrape.",
	    g->sandbox_up ? 1 : 0);
	mx_one(&b, "mcpbox_sandbox_running", "", "gauge",
	    "Sandbox children running tool code now.",
	    (long long)g->sandbox_running);
	mx_one(&b, "mcpbox_sandbox_queue_length", "", "gauge",
	    "Tool calls waiting for a free sandbox child.",
	    (long long)g->sandbox_queued);

	mx_one(&b, "mcpbox_circuit_state", SANDBOX_CIRCUIT, "gauge",
	    "Sandbox circuit breaker: 0 closed, 1 open, 2 half-open.",
	    g->circuit_state);
	mx_one(&b, "mcpbox_circuit_opens_total", SANDBOX_CIRCUIT, "counter",
	    "Times the sandbox circuit breaker opened.",
	    (long long)g->circuit_opens);
	mx_one(&b, "mcpbox_circuit_rejected_total", SANDBOX_CIRCUIT,
	    "counter",
	    "Sandbox calls refused at once because the circuit was open.",
	    (long long)g->circuit_rejected);

	mx_one(&b, "mcpbox_sse_streams_open", "", "gauge",
	    "Event streams open across all workers.", g->sse_open);

	mx_one(&b, "mcpbox_db_errors_total", "", "counter",
	    "Database statements that failed.",
	    (long long)atomic_load(&mshm->db_errors));
	mx_one(&b, "mcpbox_login_failures_total", "", "counter",
	    "Failed admin logins.",
	    (long long)atomic_load(&mshm->login_failures));

	mx_one(&b, "mcpbox_execlog_batches_total", "", "counter",
	    "Statements that wrote execution logs from the shared ring.",
	    (long long)atomic_load(&mshm->execlog_batches));
	mx_one(&b, "mcpbox_execlog_rows_total", "", "counter",
	    "Execution logs those statements wrote (rows over batches is "
	    "the batch size).",
	    (long long)atomic_load(&mshm->execlog_rows));
	mx_one(&b, "mcpbox_execlog_alone_total", "", "counter",
	    "Execution logs written by a statement of their own: too large "
	    "for the ring, or the ring full.",
	    (long long)atomic_load(&mshm->execlog_alone));

	mx_mb_head(&b, "mcpbox_alerts_total", "counter",
	    "Alerts raised (after de-duplication), by kind.");
	for (i = 0; i < ALERT_KINDS; i++)
		mx_mb_printf(&b, "mcpbox_alerts_total{alert=\"%s\"} %llu\n",
		    alert_names[i],
		    (unsigned long long)atomic_load(&mshm->alerts[i]));

	mx_one(&b, "mcpbox_metrics_dropped_total", "", "counter",
	    "Requests not counted because the route/status table was full.",
	    (long long)atomic_load(&mshm->dropped));

	mx_one(&b, "mcpbox_build_info", "{version=\"" MCPBOX_VERSION "\"}",
	    "gauge", "Always 1; the version is in the label.", 1);

	if (b.data != NULL && len != NULL)
		*len = b.len;
	return (b.data);
}
