/*
 * db/: the only place SQL lives. Migrations run once in the parent with
 * plain blocking libpq, before any worker exists; everything a worker does
 * goes through db_call, a thin layer over Kore's async pgsql that never
 * blocks the event loop on a query.
 */
#ifndef MCPBOX_DB_H
#define MCPBOX_DB_H

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>

#include <libpq-fe.h>

#include "db/migrate.h"

#define DB_NAME		"db"
#define DB_PARAMS_MAX	24

enum db_status {
	DB_PENDING = 0,
	DB_DONE,
	DB_FAILED,
};

/*
 * One async query. Embed it in per-request state, zeroed; call db_call_run
 * from the handler each time it runs until it returns DB_DONE or DB_FAILED.
 * The last result set is kept in `res` (owned; freed by db_call_clear).
 */
struct db_call {
	struct kore_pgsql	sql;
	int			phase;
	PGresult		*res;
	char			sqlstate[6];
};

enum db_status	db_call_run(struct db_call *, struct http_request *,
		    const char *query, int nparams, const char **params);
void		db_call_clear(struct db_call *);
int		db_ntuples(const struct db_call *);
const char	*db_value(const struct db_call *, int row, int col);
int		db_isnull(const struct db_call *, int row, int col);
const char	*db_field(const struct db_call *, int row, const char *column);

/* Send a query on a connection Kore gave us, prepared (prepared.c). */
int		db_send(struct kore_pgsql *, const char *query, int nparams,
		    const char **values, int *lengths, int *formats);

/* Run a statement nobody waits for (NULL params become ''). */
void		db_exec_detached(const char *query, int n, const char **params);
/*
 * The same, with the first row set handed to `cb` exactly once (valid
 * only during the call), or NULL when there is none: refused, given up
 * after the database stayed away, or a statement without rows. Sent
 * again while the database is away, prepared like every statement.
 */
typedef void	(*db_rows_fn)(PGresult *, void *arg);
void		db_query_bg(const char *query, int n, const char **params,
		    db_rows_fn cb, void *arg);

/* The same, sent again for as long as the database stays away; `cb`
 * gets NULL only when the database refused it. */
void		db_query_keep(const char *query, int n, const char **params,
		    db_rows_fn cb, void *arg);

/*
 * Execution logs (execlog.c): a call's row and its activity entry, kept
 * in this worker's ring in shared memory and written in batches. `p` are
 * the 13 values of one call: tool id, server id, tool name, arguments
 * json, result, error, stdout, duration ms, success "t"/"f", source,
 * request id, is_test "t"/"f", client token name or NULL.
 */
int		db_execlog_init(unsigned int workers);	/* parent, pre-fork */
void		db_execlog_worker_init(void);
void		db_execlog_put(const char *const p[13]);
void		db_execlog_teardown(void);

/* A worker's copy of some rows (reload.c): `apply` gets each read's rows
 * (NULL when the read failed). */
struct db_reload {
	const char	*sql;		/* no parameters */
	void		(*apply)(PGresult *);
	int		busy;
	int		again;
};
void		db_reload_start(struct db_reload *, int every_ms);
void		db_reload_now(struct db_reload *);

/* LISTEN on `channels` (NULL-terminated) for this worker's lifetime. */
typedef void	(*db_notify_fn)(const char *channel, const char *payload);
void		db_listen_start(const char *conninfo,
		    const char *const *channels, db_notify_fn);

#endif
