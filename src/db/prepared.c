/*
 * Server-side prepared statements under Kore's async pgsql.
 *
 * Kore sends every query with PQsendQueryParams, so PostgreSQL parses and
 * plans each statement on every call; for our CTE-heavy statements that
 * was most of the database's CPU (docs/BENCHMARKS.md). Here a statement is
 * prepared once per connection, the first time that connection runs it,
 * and sent with PQsendQueryPrepared afterwards.
 *
 * Which statements a connection holds is remembered per worker, keyed by
 * the libpq connection, its backend pid (a reset or reconnect means a new
 * backend with nothing prepared) and a hash of the text. The one PREPARE
 * is a synchronous round trip on a connection we already hold and that is
 * idle; if it fails for any reason the query simply goes the unprepared
 * way, so nothing here can make a query fail that would not fail anyway.
 */
#include <stdio.h>
#include <string.h>

#include "core/core.h"
#include "db/db.h"

#define PREP_SLOTS	4096	/* connections x statements, per worker */

struct prep {
	const PGconn	*db;
	int		 pid;
	uint64_t	 hash;
};

static struct prep	prepared[PREP_SLOTS];
static size_t		prepared_used;

/* The slot for (db, pid, hash): the matching one or the empty one. */
static struct prep *
prepared_slot(const PGconn *db, int pid, uint64_t hash)
{
	size_t		i, n;
	struct prep	*p;

	i = (size_t)((hash ^ (uint64_t)(uintptr_t)db ^ (uint64_t)pid) %
	    PREP_SLOTS);
	for (n = 0; n < PREP_SLOTS; n++, i = (i + 1) % PREP_SLOTS) {
		p = &prepared[i];
		if (p->db == NULL || (p->db == db && p->pid == pid &&
		    p->hash == hash))
			return (p);
	}
	return (NULL);
}

/* The statement's name on this connection, preparing it if need be. */
static const char *
prepared_name(PGconn *db, const char *query, int nparams, char *name,
    size_t len)
{
	struct prep	*p;
	PGresult	*res;
	uint64_t	 hash;
	int		 pid, ok;

	if (PQstatus(db) != CONNECTION_OK ||
	    PQtransactionStatus(db) != PQTRANS_IDLE ||
	    (pid = PQbackendPID(db)) == 0)
		return (NULL);
	hash = hash_str(HASH_SEED, query);
	(void)snprintf(name, len, "mcpbox_%016llx", (unsigned long long)hash);
	if ((p = prepared_slot(db, pid, hash)) == NULL)
		return (NULL);
	if (p->db != NULL)
		return (name);
	/*
	 * Keep a quarter free so probing stays short. Entries of connections
	 * long gone pile up over resets: forget everything then; a live
	 * connection's "already exists" below puts its entries back.
	 */
	if (prepared_used >= PREP_SLOTS - PREP_SLOTS / 4) {
		memset(prepared, 0, sizeof(prepared));
		prepared_used = 0;
		p = prepared_slot(db, pid, hash);
	}
	res = PQprepare(db, name, query, nparams, NULL);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK || (PQresultErrorField(res,
	    PG_DIAG_SQLSTATE) != NULL && strcmp(PQresultErrorField(res,
	    PG_DIAG_SQLSTATE), "42P05") == 0);
	PQclear(res);
	if (!ok)
		return (NULL);
	p->db = db;
	p->pid = pid;
	p->hash = hash;
	prepared_used++;
	return (name);
}

/*
 * kore_pgsql_query_param_fields with a prepared statement: the same
 * scheduling Kore does after its own send (read interest on the socket,
 * state WAIT, the request asleep or the callback told).
 */
int
db_send(struct kore_pgsql *sql, const char *query, int nparams,
    const char **values, int *lengths, int *formats)
{
	char		 buf[32];
	const char	*name;
	int		 fd;

	if (sql->conn == NULL || (sql->flags & KORE_PGSQL_ASYNC) == 0 ||
	    (name = prepared_name(sql->conn->db, query, nparams, buf,
	    sizeof(buf))) == NULL)
		return (kore_pgsql_query_param_fields(sql, query, 0, nparams,
		    values, lengths, formats));
	if (!PQsendQueryPrepared(sql->conn->db, name, nparams, values,
	    lengths, formats, 0) || (fd = PQsocket(sql->conn->db)) < 0) {
		kore_free(sql->error);
		sql->error = kore_strdup(PQerrorMessage(sql->conn->db));
		sql->state = KORE_PGSQL_STATE_ERROR;
		return (KORE_RESULT_ERROR);
	}
	kore_platform_schedule_read(fd, sql->conn);
	sql->state = KORE_PGSQL_STATE_WAIT;
	sql->flags |= KORE_PGSQL_SCHEDULED;
	if (sql->req != NULL)
		http_request_sleep(sql->req);
	if (sql->cb != NULL)
		sql->cb(sql, sql->arg);
	return (KORE_RESULT_OK);
}
