/*
 * Execution logs, written in batches and never lost. A tool call's row
 * (and its activity entry) goes into this worker's ring in shared memory
 * (core/logring.c) and the call moves on; one statement writes the rows
 * that waited, up to EXECLOG_BATCH_ROWS at a time, one statement in
 * flight per worker. The ring outlives the worker: when one dies, Kore
 * starts another in the same slot, and that one first writes what
 * its predecessor left. A batch in flight when its worker died may have
 * reached the database; each row carries ids made here, the insert skips
 * ids it has (SQL_MCP_EXEC_LOG_ROWS), so sending it again is harmless.
 *
 * While the database is away the batch in flight is sent again with
 * backoff (db_query_keep) for as long as it takes, and new rows wait in
 * the ring. A row too large for the ring, a full ring or a worker without
 * a slot falls back to a statement of its own (db_query_bg, a minute of
 * retries, in the worker's memory only): never dropped here.
 */
#include <string.h>

#include <jansson.h>

#include "core/core.h"
#include "core/logring.h"
#include "db/blocking.h"
#include "db/db.h"
#include "db/sql.h"

/* Per slot: at a few hundred bytes a row, some thousands of rows, enough
 * for a database restart under load; pages are used only once written. */
#define EXECLOG_RING_BYTES	(4u << 20)
#define EXECLOG_BATCH_ROWS	64
/* A batch stops growing past this (a row is at most a quarter of the
 * ring, so one batch stays below twice this). */
#define EXECLOG_BATCH_BYTES	(1u << 20)
#define EXECLOG_WARN_EVERY_MS	10000
/* How long a row waits for others before its batch goes out. */
#define EXECLOG_WINDOW_MS	20

static struct logring		*ring;		/* this worker's; NULL: none */
static struct kore_timer	*tick;
static int			 busy;		/* a batch in flight */
static uint64_t			 busy_end;	/* where that batch ends */
static int			 busy_rows;
static uint64_t			 single_until;	/* one row a batch up to here */
static char			*rec;		/* one record read back */
static uint64_t			 warned_ms;
static int			 gathered;	/* rows put since the last send */

static void	execlog_send(void);

static void
execlog_tick(void *arg, u_int64_t now)
{
	(void)arg;
	(void)now;
	/* A one-shot timer: Kore frees it after this call. */
	tick = NULL;
	execlog_send();
}

int
db_execlog_init(unsigned int workers)
{
	/* Kore numbers its workers from 1: slot 0 stays unused. */
	return (logring_map_slots(workers + 1, EXECLOG_RING_BYTES));
}

/* The row as the batch statement reads it (SQL_MCP_EXEC_LOG_ROWS). */
static char *
execlog_row(const char *const p[13])
{
	static const char *const	keys[13] = { "tool_id", "server_id",
					    "tool_name", "args", "result",
					    "error", "stdout", "ms", "ok",
					    "source", "request_id", "is_test",
					    "token" };
	json_t				*o;
	char				 id[37], aid[37], at[32], *s;
	int				 i;

	crypto_uuid4(id);
	crypto_uuid4(aid);
	clock_iso8601(at);
	o = json_object();
	(void)json_object_set_new(o, "id", json_string(id));
	(void)json_object_set_new(o, "aid", json_string(aid));
	(void)json_object_set_new(o, "at", json_string(at));
	for (i = 0; i < 13; i++)
		(void)json_object_set_new(o, keys[i], p[i] != NULL ?
		    json_string(p[i]) : json_null());
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return (s);
}

/* Written on its own, as every row was before the ring. */
static void
execlog_direct(const char *row, const char *why)
{
	struct kore_buf	 b;
	const char	*p[1];

	if (clock_ms() - warned_ms > EXECLOG_WARN_EVERY_MS) {
		warned_ms = clock_ms();
		log_warn("execution log written on its own: %s", why);
	}
	kore_buf_init(&b, strlen(row) + 3);
	kore_buf_appendf(&b, "[%s]", row);
	p[0] = kore_buf_stringify(&b, NULL);
	db_query_bg(SQL_MCP_EXEC_LOG_ROWS, 1, p, NULL, NULL);
	kore_buf_cleanup(&b);
	metrics_execlog(0);
}

void
db_execlog_put(const char *const p[13])
{
	char	*row;
	int	 rc;

	if ((row = execlog_row(p)) == NULL) {
		log_error("execution log dropped: out of memory");
		return;
	}
	rc = ring != NULL ? logring_put(ring, row, strlen(row)) : LOGRING_FULL;
	if (rc != LOGRING_OK) {
		execlog_direct(row, ring == NULL ? "no ring for this worker" :
		    rc == LOGRING_TOO_LARGE ? "too large for the ring" :
		    "the ring is full (the database is slow or away)");
		free(row);
		return;
	}
	free(row);
	/*
	 * Rows gather for EXECLOG_WINDOW_MS (or up to EXECLOG_BATCH_ROWS),
	 * then go out as one statement; while a batch is in flight, rows
	 * gather behind it and go out once it is answered. Sending each
	 * row at once made nearly every call a statement of its own: at
	 * 500 calls/s the round trip was shorter than the gap between calls.
	 * The window only delays when a log is readable, never whether it
	 * is written: the rows wait in shared memory, not in the worker.
	 */
	if (busy)
		return;
	if (++gathered >= EXECLOG_BATCH_ROWS)
		execlog_send();
	else if (tick == NULL)
		tick = kore_timer_add(execlog_tick, EXECLOG_WINDOW_MS, NULL,
		    KORE_TIMER_ONESHOT);
}

static void
execlog_done(PGresult *res, void *arg)
{
	(void)arg;
	busy = 0;
	if (res == NULL && busy_rows > 1) {
		/* One bad row must not take the others with it. */
		log_warn("a batch of %d execution logs was refused; writing "
		    "them one by one", busy_rows);
		single_until = busy_end;
	} else {
		if (res == NULL)
			log_error("execution log dropped: the database refused "
			    "it");
		logring_commit(ring, busy_end);
		if (res != NULL)
			metrics_execlog(busy_rows);
	}
	if (logring_pending_bytes(ring) > 0)
		execlog_send();
}

/* The rows from the tail, as one JSON array; *rows of them, up to *end. */
static char *
execlog_batch(uint64_t *end, int *rows)
{
	struct kore_buf	 b;
	uint64_t	 pos;
	size_t		 len, max;
	int		 limit;

	max = logring_max_record(ring);
	pos = logring_tail(ring);
	limit = pos < single_until ? 1 : EXECLOG_BATCH_ROWS;
	kore_buf_init(&b, 4096);
	kore_buf_append(&b, "[", 1);
	*rows = 0;
	while (*rows < limit && b.offset < EXECLOG_BATCH_BYTES) {
		if (logring_read(ring, &pos, rec, max, &len) != 1)
			break;
		if (*rows > 0)
			kore_buf_append(&b, ",", 1);
		kore_buf_append(&b, rec, len);
		(*rows)++;
	}
	/* With its NUL: kore_buf_release hands over the bytes as they are. */
	kore_buf_append(&b, "]", 2);
	*end = pos;
	return ((char *)kore_buf_release(&b, &len));
}

static void
execlog_send(void)
{
	char		*batch;
	const char	*p[1];
	uint64_t	 end;
	int		 rows;

	if (tick != NULL) {
		kore_timer_remove(tick);
		tick = NULL;
	}
	if (ring == NULL || busy)
		return;
	gathered = 0;
	batch = execlog_batch(&end, &rows);
	if (rows == 0) {
		kore_free(batch);
		return;
	}
	busy = 1;
	busy_end = end;
	busy_rows = rows;
	p[0] = batch;
	db_query_keep(SQL_MCP_EXEC_LOG_ROWS, 1, p, execlog_done, NULL);
	kore_free(batch);
}

void
db_execlog_worker_init(void)
{
	long	left;

	if ((ring = logring_slot(worker->id)) == NULL) {
		log_warn("no execution log ring for worker %u: each log is "
		    "written on its own", worker->id);
		return;
	}
	rec = kore_malloc(logring_max_record(ring));
	/* Nothing of a predecessor's is in flight any more: all of it from
	 * the tail is sent again. */
	if ((left = logring_attach(ring)) == -1)
		log_error("worker %u: the execution log ring was damaged and "
		    "emptied", worker->id);
	else if (left > 0) {
		log_info("writing %ld execution logs the previous worker %u "
		    "left", left, worker->id);
		tick = kore_timer_add(execlog_tick, 1, NULL, KORE_TIMER_ONESHOT);
	}
}

/*
 * The worker stops: the event loop is gone, so what waits is written
 * with blocking libpq, the one place a worker uses it. The instance
 * stops too, most likely, and the ring goes with it.
 */
void
db_execlog_teardown(void)
{
	PGconn		*db;
	char		 err[256], *batch;
	const char	*p[1];
	uint64_t	 end;
	int		 rows;

	if (ring == NULL || logring_pending_bytes(ring) == 0)
		return;
	if ((db = db_blocking_connect(mcpbox_cfg.database_url, err,
	    sizeof(err))) == NULL) {
		log_error("%llu bytes of execution logs not written at stop: "
		    "%s", (unsigned long long)logring_pending_bytes(ring), err);
		return;
	}
	busy = 0;
	while (logring_pending_bytes(ring) > 0) {
		batch = execlog_batch(&end, &rows);
		p[0] = batch;
		if (db_blocking_exec(db, SQL_MCP_EXEC_LOG_ROWS, 1, p, err,
		    sizeof(err)) == -1) {
			kore_free(batch);
			if (PQstatus(db) != CONNECTION_OK) {
				log_error("execution logs not written at stop: "
				    "%s", err);
				break;
			}
			if (rows > 1) {
				/* As execlog_done: one row at a time. */
				single_until = end;
				continue;
			}
			log_error("execution log dropped: the database refused "
			    "it: %s", err);
		} else
			kore_free(batch);
		logring_commit(ring, end);
	}
	PQfinish(db);
}
