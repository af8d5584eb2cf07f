/*
 * A worker's copy of a few rows, read again when told (a NOTIFY) and on a
 * timer, as a fallback for a notification lost while the listener
 * reconnected. One read at a time: a change announced while a read is in
 * flight is read again after it, so the last change is never missed.
 */
#include "db/db.h"

static void	reload_rows(PGresult *, void *);
static void	reload_tick(void *, u_int64_t);

static void
reload_rows(PGresult *res, void *arg)
{
	struct db_reload	*r = arg;

	r->apply(res);
	r->busy = 0;
	if (r->again) {
		r->again = 0;
		db_reload_now(r);
	}
}

void
db_reload_now(struct db_reload *r)
{
	if (r->busy) {
		r->again = 1;
		return;
	}
	r->busy = 1;
	db_query_bg(r->sql, 0, NULL, reload_rows, r);
}

static void
reload_tick(void *arg, u_int64_t now)
{
	struct db_reload	*r = arg;

	if (!r->busy)
		db_reload_now(r);
}

void
db_reload_start(struct db_reload *r, int every_ms)
{
	(void)kore_timer_add(reload_tick, (u_int64_t)every_ms, r, 0);
	db_reload_now(r);
}
