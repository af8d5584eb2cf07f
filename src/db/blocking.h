/*
 * db/blocking.c: blocking libpq for the parent's start-up and the helper
 * processes (never a worker).
 */
#ifndef MCPBOX_DB_BLOCKING_H
#define MCPBOX_DB_BLOCKING_H

#include <stddef.h>

#include <libpq-fe.h>

PGconn	*db_blocking_connect(const char *conninfo, char *err, size_t errlen);
int	 db_blocking_exec(PGconn *, const char *query, int n,
	    const char **params, char *err, size_t errlen);

#endif
