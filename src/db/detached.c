/*
 * Fire-and-forget statements (a NOTIFY, a cleanup) that no request waits
 * for. Parameters are copied, so the caller's buffers may go away at once.
 * A failure is logged; nothing else depends on the outcome.
 */
#include <string.h>

#include "core/core.h"
#include "db/db.h"

struct detached {
	struct kore_pgsql	sql;
	const char		*query;
	int			n;
	char			*vals[DB_PARAMS_MAX];
	int			lens[DB_PARAMS_MAX];
	int			fmts[DB_PARAMS_MAX];
};

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
	kore_pgsql_cleanup(&d->sql);
	for (i = 0; i < d->n; i++)
		kore_free(d->vals[i]);
	kore_free(d);
}

static int
detached_send(struct detached *d)
{
	if (!kore_pgsql_setup(&d->sql, DB_NAME, KORE_PGSQL_ASYNC))
		return (d->sql.state == KORE_PGSQL_STATE_INIT ? 0 : -1);
	if (!db_send(&d->sql, d->query, d->n, (const char **)d->vals,
	    d->lens, d->fmts))
		return (-1);
	return (0);
}

static void
detached_cb(struct kore_pgsql *sql, void *arg)
{
	struct detached	*d = arg;

	switch (sql->state) {
	case KORE_PGSQL_STATE_INIT:
		if (detached_send(d) == -1)
			detached_free(d);
		break;
	case KORE_PGSQL_STATE_WAIT:
		break;
	case KORE_PGSQL_STATE_ERROR:
		metrics_db_error();
		log_warn("background statement failed: %s",
		    sql->error != NULL ? sql->error : "?");
		kore_pgsql_continue(sql);
		break;
	case KORE_PGSQL_STATE_COMPLETE:
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
	struct detached	*d;
	int		i;

	if (n > DB_PARAMS_MAX)
		return;
	d = kore_calloc(1, sizeof(*d));
	d->query = query;
	d->n = n;
	for (i = 0; i < n; i++) {
		d->vals[i] = kore_strdup(params[i] != NULL ? params[i] : "");
		d->lens[i] = (int)strlen(d->vals[i]);
	}
	kore_pgsql_init(&d->sql);
	kore_pgsql_bind_callback(&d->sql, detached_cb, d);
	if (detached_send(d) == -1) {
		log_warn("background statement could not start");
		detached_free(d);
	}
}
