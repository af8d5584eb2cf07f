/*
 * db_call: one async query on behalf of a request.
 *
 * Kore's pgsql state machine is driven from the handler: the request sleeps
 * while the query is in flight and Kore wakes it on each state change. We
 * keep the last result set for the handler by taking it out of Kore's hands
 * (Kore would PQclear it on continue).
 *
 * Reconnection: Kore returns a connection whose server went away to its
 * free list as it is, and every later query on it fails. After a failure on
 * a broken connection we PQreset it; while the database is down the reset
 * fails at once (and /health/ready says 503), and the first reset after it
 * comes back heals the pool without a restart.
 */
#include <string.h>

#include "core/core.h"
#include "db/db.h"

enum {
	PH_SETUP = 0,
	PH_QUERY,
	PH_WAIT,
};

static void
db_call_heal(struct db_call *c)
{
	const char	*state;

	metrics_db_error();
	if (c->sql.result != NULL &&
	    (state = PQresultErrorField(c->sql.result, PG_DIAG_SQLSTATE)) != NULL)
		(void)snprintf(c->sqlstate, sizeof(c->sqlstate), "%s", state);
	if (c->sql.conn != NULL && PQstatus(c->sql.conn->db) == CONNECTION_BAD) {
		log_warn("database connection lost; reconnecting");
		PQreset(c->sql.conn->db);
	}
}

enum db_status
db_call_run(struct db_call *c, struct http_request *req, const char *query,
    int nparams, const char **params)
{
	int		lengths[DB_PARAMS_MAX], formats[DB_PARAMS_MAX], i;

	for (;;) {
		switch (c->phase) {
		case PH_SETUP:
			kore_pgsql_init(&c->sql);
			kore_pgsql_bind_request(&c->sql, req);
			c->phase = PH_QUERY;
			/* FALLTHROUGH */
		case PH_QUERY:
			if (!kore_pgsql_setup(&c->sql, DB_NAME,
			    KORE_PGSQL_ASYNC)) {
				/* Queued for a free connection: Kore wakes us. */
				if (c->sql.state == KORE_PGSQL_STATE_INIT)
					return (DB_PENDING);
				log_warn("database unavailable: %s",
				    c->sql.error ? c->sql.error : "?");
				db_call_heal(c);
				return (DB_FAILED);
			}
			if (nparams > DB_PARAMS_MAX)
				return (DB_FAILED);
			for (i = 0; i < nparams; i++) {
				lengths[i] = params[i] ? (int)strlen(params[i]) : 0;
				formats[i] = 0;
			}
			if (!db_send(&c->sql, query, nparams, params, lengths,
			    formats)) {
				log_warn("query failed to start: %s",
				    c->sql.error ? c->sql.error : "?");
				db_call_heal(c);
				return (DB_FAILED);
			}
			c->phase = PH_WAIT;
			return (DB_PENDING);
		case PH_WAIT:
			switch (c->sql.state) {
			case KORE_PGSQL_STATE_WAIT:
				return (DB_PENDING);
			case KORE_PGSQL_STATE_RESULT:
				if (c->res != NULL)
					PQclear(c->res);
				c->res = c->sql.result;
				c->sql.result = NULL;
				kore_pgsql_continue(&c->sql);
				break;
			case KORE_PGSQL_STATE_ERROR:
				log_warn("query failed: %s",
				    c->sql.error ? c->sql.error : "?");
				db_call_heal(c);
				return (DB_FAILED);
			case KORE_PGSQL_STATE_COMPLETE:
				return (DB_DONE);
			default:
				kore_pgsql_continue(&c->sql);
				break;
			}
			break;
		default:
			return (DB_FAILED);
		}
	}
}

/* Release the connection and result; the call can then be run again. */
void
db_call_clear(struct db_call *c)
{
	if (c->phase != PH_SETUP)
		kore_pgsql_cleanup(&c->sql);
	if (c->res != NULL)
		PQclear(c->res);
	memset(c, 0, sizeof(*c));
}

int
db_ntuples(const struct db_call *c)
{
	return (c->res != NULL ? PQntuples(c->res) : 0);
}

const char *
db_value(const struct db_call *c, int row, int col)
{
	if (c->res == NULL || row >= PQntuples(c->res) ||
	    col >= PQnfields(c->res))
		return (NULL);
	return (PQgetvalue(c->res, row, col));
}

int
db_isnull(const struct db_call *c, int row, int col)
{
	return (c->res == NULL || PQgetisnull(c->res, row, col));
}

/* By column name: NULL when the column is missing or the value SQL NULL. */
const char *
db_field(const struct db_call *c, int row, const char *column)
{
	int	col;

	if (c->res == NULL || row >= PQntuples(c->res) ||
	    (col = PQfnumber(c->res, column)) < 0 ||
	    PQgetisnull(c->res, row, col))
		return (NULL);
	return (PQgetvalue(c->res, row, col));
}
