/*
 * Blocking libpq, for the processes that have no event loop to wait in:
 * start-up in the parent (migrations, key rotation, the OAuth signing
 * key), the alert sender and the sandbox keeper's package installer. A
 * worker never uses it: its queries go through Kore's async pool.
 */
#include <stdio.h>

#include "db/blocking.h"

/* One connection attempt; NULL with libpq's reason (never the conninfo). */
PGconn *
db_blocking_connect(const char *conninfo, char *err, size_t errlen)
{
	static const char *const	kw[] = { "dbname", "connect_timeout",
					    NULL };
	const char			*vals[3];
	PGconn				*db;

	/* dbname may be a whole conninfo string or URI (expand_dbname). */
	vals[0] = conninfo;
	vals[1] = "3";
	vals[2] = NULL;
	db = PQconnectdbParams(kw, vals, 1);
	if (PQstatus(db) == CONNECTION_OK)
		return (db);
	(void)snprintf(err, errlen, "database unreachable: %s",
	    PQerrorMessage(db));
	PQfinish(db);
	return (NULL);
}

/* A statement whose rows nobody reads: 0, or -1 with the server's words. */
int
db_blocking_exec(PGconn *db, const char *query, int n, const char **params,
    char *err, size_t errlen)
{
	PGresult	*r;
	int		ok;

	r = n == 0 && params == NULL ? PQexec(db, query) :
	    PQexecParams(db, query, n, NULL, params, NULL, NULL, 0);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok && err != NULL)
		(void)snprintf(err, errlen, "%s", PQresultErrorMessage(r));
	PQclear(r);
	return (ok ? 0 : -1);
}
