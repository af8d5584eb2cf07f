/*
 * Background statements: fire-and-forget ones (a NOTIFY, a cleanup, an
 * execution log too large for its ring) and queries whose rows go to a
 * callback (the policy cache, a legacy stream's outbox, a batch of
 * execution logs), none of which a request waits for. Parameters are
 * copied, so the caller's buffers may go away at once. A statement that
 * fails because the database is away (a restart, a failover) is sent
 * again with backoff for up to a minute, so it is not lost to a
 * PostgreSQL restart; a statement the database refused is logged and
 * dropped. One sent with db_query_keep is sent again for as long as the
 * database stays away: what it writes is kept in shared memory until it
 * is answered (db/execlog.c), so waiting costs no more than its copy.
 */
#include <string.h>

#include "core/core.h"
#include "db/db.h"

#define DETACHED_RETRY_FIRST_MS	250
#define DETACHED_RETRY_MAX_MS	5000
#define DETACHED_GIVE_UP_MS	60000

struct detached {
	struct kore_pgsql	sql;
	const char		*query;
	int			n;
	char			*vals[DB_PARAMS_MAX];
	int			lens[DB_PARAMS_MAX];
	int			fmts[DB_PARAMS_MAX];
	int			away;		/* the last try met no database */
	uint64_t		first_ms;
	uint64_t		delay_ms;
	struct kore_timer	*watch;
	db_rows_fn		cb;		/* NULL: fire and forget */
	void			*cb_arg;
	int			answered;
	int			keep;		/* no giving up (db_query_keep) */
};

/*
 * How often a statement in flight is looked at. When its connection dies,
 * Kore wakes a request bound to it but never calls a bound callback: it
 * only marks the statement failed and detaches it. Without a look, such a
 * statement waited forever and its execution log was lost unseen.
 */
#define DETACHED_WATCH_MS	1000

static void	detached_cb(struct kore_pgsql *, void *);
static void	detached_again(struct detached *);

static void
detached_free(struct detached *d)
{
	int	i;

	/*
	 * Unbind first: releasing a connection calls the callback with
	 * STATE_COMPLETE, which would free d a second time (and the error
	 * string Kore has not cleared yet) from inside this cleanup.
	 */
	d->sql.cb = NULL;
	if (d->watch != NULL) {
		kore_timer_remove(d->watch);
		d->watch = NULL;
	}
	kore_pgsql_cleanup(&d->sql);
	if (d->cb != NULL && !d->answered) {
		d->answered = 1;
		d->cb(NULL, d->cb_arg);
	}
	for (i = 0; i < d->n; i++)
		kore_free(d->vals[i]);
	kore_free(d);
}

static void	detached_watch(void *, u_int64_t);

static int
detached_send(struct detached *d)
{
	if (!kore_pgsql_setup(&d->sql, DB_NAME, KORE_PGSQL_ASYNC))
		return (d->sql.state == KORE_PGSQL_STATE_INIT ? 0 : -1);
	if (!db_send(&d->sql, d->query, d->n, (const char **)d->vals,
	    d->lens, d->fmts))
		return (-1);
	if (d->watch == NULL)
		d->watch = kore_timer_add(detached_watch, DETACHED_WATCH_MS, d,
		    KORE_TIMER_ONESHOT);
	return (0);
}

/*
 * The database is not there, as opposed to a refusal of the statement: no
 * answer from the server at all (libpq's own errors carry no SQLSTATE), a
 * connection exception (class 08), or a server shutting down, crashed or
 * starting up (57P01-57P03).
 */
static int
detached_database_away(const struct kore_pgsql *sql)
{
	const char	*state;

	if (sql->result == NULL ||
	    (state = PQresultErrorField(sql->result, PG_DIAG_SQLSTATE)) == NULL)
		return (1);
	return (strncmp(state, "08", 2) == 0 ||
	    strcmp(state, "57P01") == 0 || strcmp(state, "57P02") == 0 ||
	    strcmp(state, "57P03") == 0);
}

static void
detached_watch(void *arg, u_int64_t now)
{
	struct detached	*d = arg;

	/* A one-shot timer: Kore frees it after this call. */
	d->watch = NULL;
	if (d->sql.state == KORE_PGSQL_STATE_ERROR && d->sql.conn == NULL) {
		/* Kore's detach (see DETACHED_WATCH_MS). */
		metrics_db_error();
		log_warn("background statement lost its connection; retried%s%s",
		    d->sql.error != NULL && *d->sql.error != '\0' ? ": " : "",
		    d->sql.error != NULL ? d->sql.error : "");
		detached_again(d);
		return;
	}
	d->watch = kore_timer_add(detached_watch, DETACHED_WATCH_MS, d,
	    KORE_TIMER_ONESHOT);
}

static void
detached_retry(void *arg, u_int64_t now)
{
	struct detached	*d = arg;

	d->away = 0;
	kore_pgsql_init(&d->sql);
	kore_pgsql_bind_callback(&d->sql, detached_cb, d);
	if (detached_send(d) == -1)
		d->away = 1;
	if (d->away)
		detached_again(d);
}

/* Try again later, or give up after DETACHED_GIVE_UP_MS. */
static void
detached_again(struct detached *d)
{
	d->sql.cb = NULL;
	if (d->watch != NULL) {
		kore_timer_remove(d->watch);
		d->watch = NULL;
	}
	kore_pgsql_cleanup(&d->sql);
	if (!d->keep && clock_ms() - d->first_ms > DETACHED_GIVE_UP_MS) {
		log_error("background statement dropped: the database was away "
		    "for %d s", DETACHED_GIVE_UP_MS / 1000);
		detached_free(d);
		return;
	}
	d->delay_ms = d->delay_ms == 0 ? DETACHED_RETRY_FIRST_MS :
	    d->delay_ms * 2 > DETACHED_RETRY_MAX_MS ? DETACHED_RETRY_MAX_MS :
	    d->delay_ms * 2;
	(void)kore_timer_add(detached_retry, d->delay_ms, d,
	    KORE_TIMER_ONESHOT);
}

static void
detached_cb(struct kore_pgsql *sql, void *arg)
{
	struct detached	*d = arg;

	switch (sql->state) {
	case KORE_PGSQL_STATE_INIT:
		if (detached_send(d) == -1)
			detached_again(d);
		break;
	case KORE_PGSQL_STATE_WAIT:
		break;
	case KORE_PGSQL_STATE_ERROR:
		metrics_db_error();
		d->away = detached_database_away(sql);
		log_warn("background statement failed%s: %s", d->away ?
		    " (retried)" : "", sql->error != NULL ? sql->error : "?");
		kore_pgsql_continue(sql);
		break;
	case KORE_PGSQL_STATE_RESULT:
		/* The first row set is the answer; the caller sees it once. */
		if (d->cb != NULL && !d->answered) {
			d->answered = 1;
			d->cb(sql->result, d->cb_arg);
		}
		kore_pgsql_continue(sql);
		break;
	case KORE_PGSQL_STATE_COMPLETE:
		if (d->away && !d->answered)
			detached_again(d);
		else
			detached_free(d);
		break;
	default:
		kore_pgsql_continue(sql);
		break;
	}
}

void
db_exec_detached(const char *query, int n, const char **params)
{
	db_query_bg(query, n, params, NULL, NULL);
}

static void
detached_start(const char *query, int n, const char **params, db_rows_fn cb,
    void *arg, int keep)
{
	struct detached	*d;
	int		i;

	if (n > DB_PARAMS_MAX) {
		if (cb != NULL)
			cb(NULL, arg);
		return;
	}
	d = kore_calloc(1, sizeof(*d));
	d->cb = cb;
	d->cb_arg = arg;
	d->keep = keep;
	d->query = query;
	d->n = n;
	for (i = 0; i < n; i++) {
		d->vals[i] = kore_strdup(params[i] != NULL ? params[i] : "");
		d->lens[i] = (int)strlen(d->vals[i]);
	}
	d->first_ms = clock_ms();
	kore_pgsql_init(&d->sql);
	kore_pgsql_bind_callback(&d->sql, detached_cb, d);
	if (detached_send(d) == -1) {
		log_warn("background statement could not start; retried");
		detached_again(d);
	}
}

void
db_query_bg(const char *query, int n, const char **params, db_rows_fn cb,
    void *arg)
{
	detached_start(query, n, params, cb, arg, 0);
}

void
db_query_keep(const char *query, int n, const char **params, db_rows_fn cb,
    void *arg)
{
	detached_start(query, n, params, cb, arg, 1);
}
