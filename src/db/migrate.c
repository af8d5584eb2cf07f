/*
 * The migration runner. Migrations are numbered .sql files embedded in the
 * binary (src/db/migrations/, turned into C by scripts/embed-migrations).
 * They run in order, each in its own transaction together with its row in
 * schema_migrations, all under one advisory lock: two instances starting at
 * once apply each migration exactly once, a failing one leaves the schema as
 * it was, and running again is a no-op.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "db/blocking.h"
#include "core/core.h"
#include "db/migrate.h"

/* Any constant works; it only has to be ours. ("mcpbox" in ASCII.) */
#define DB_MIGRATE_LOCK	"120130034159480"

static int	migrate_applied(PGconn *, int, int *, char *, size_t);

static int
migrate_applied(PGconn *db, int version, int *yes, char *err, size_t errlen)
{
	PGresult	*r;
	char		v[16];
	const char	*params[1];

	(void)snprintf(v, sizeof(v), "%d", version);
	params[0] = v;
	r = PQexecParams(db, "SELECT 1 FROM schema_migrations WHERE version "
	    "= $1::int", 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		(void)snprintf(err, errlen, "%s", PQresultErrorMessage(r));
		PQclear(r);
		return (-1);
	}
	*yes = PQntuples(r) > 0;
	PQclear(r);
	return (0);
}

static int
migrate_apply_one(PGconn *db, const struct db_migration *m, char *err,
    size_t errlen)
{
	PGresult	*r;
	char		v[16];
	const char	*params[2];

	if (db_blocking_exec(db, "BEGIN", 0, NULL, err, errlen) == -1)
		return (-1);
	if (db_blocking_exec(db, m->sql, 0, NULL, err, errlen) == -1) {
		(void)db_blocking_exec(db, "ROLLBACK", 0, NULL, v, sizeof(v));
		return (-1);
	}
	(void)snprintf(v, sizeof(v), "%d", m->version);
	params[0] = v;
	params[1] = m->name;
	r = PQexecParams(db, "INSERT INTO schema_migrations (version, name) "
	    "VALUES ($1::int, $2)", 2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		(void)snprintf(err, errlen, "%s", PQresultErrorMessage(r));
		PQclear(r);
		(void)db_blocking_exec(db, "ROLLBACK", 0, NULL, v, sizeof(v));
		return (-1);
	}
	PQclear(r);
	return (db_blocking_exec(db, "COMMIT", 0, NULL, err, errlen));
}

/* Connect, retrying for up to wait_s seconds while the server starts. */
static PGconn *
migrate_connect_wait(const char *conninfo, int wait_s, char *err, size_t errlen)
{
	PGconn		*db;
	int		i;

	for (i = 0;; i++) {
		if ((db = db_blocking_connect(conninfo, err, errlen)) != NULL)
			return (db);
		if (i >= wait_s * 4)
			return (NULL);
		usleep(250000);
	}
}

/*
 * Apply `count` migrations in order. Returns how many were applied now (0
 * when the schema was current), or -1 with the reason in `err`.
 */
int
db_migrate(const char *conninfo, const struct db_migration *list,
    size_t count, int wait_s, char *err, size_t errlen)
{
	PGconn		*db;
	size_t		i;
	int		yes, rc, applied_now;
	char		ignore[8];

	if ((db = migrate_connect_wait(conninfo, wait_s, err, errlen)) == NULL)
		return (-1);
	rc = -1;
	applied_now = 0;
	if (db_blocking_exec(db, "SET client_min_messages = warning", 0,
	    NULL, err, errlen) ||
	    db_blocking_exec(db, "SELECT pg_advisory_lock(" DB_MIGRATE_LOCK ")",
	    0, NULL,
	    err, errlen))
		goto out;
	if (db_blocking_exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version integer PRIMARY KEY, name text NOT NULL, "
	    "applied_at timestamptz NOT NULL DEFAULT now())", 0, NULL, err, errlen))
		goto unlock;
	for (i = 0; i < count; i++) {
		if (migrate_applied(db, list[i].version, &yes, err, errlen))
			goto unlock;
		if (yes)
			continue;
		if (migrate_apply_one(db, &list[i], err, errlen) == -1) {
			char	msg[512];

			(void)snprintf(msg, sizeof(msg), "migration %s failed: "
			    "%s", list[i].name, err);
			(void)snprintf(err, errlen, "%s", msg);
			goto unlock;
		}
		log_info("applied migration %s", list[i].name);
		applied_now++;
	}
	rc = applied_now;
unlock:
	(void)db_blocking_exec(db,
	    "SELECT pg_advisory_unlock(" DB_MIGRATE_LOCK ")", 0, NULL,
	    ignore, sizeof(ignore));
out:
	PQfinish(db);
	return (rc);
}
