/*
 * Drives src/db/migrate.c against a real PostgreSQL with migrations of its
 * own: in-order application and recording, the no-op second run, a failing
 * migration that must leave the schema as it was, and two runners racing
 * under the advisory lock. Prints one line per check; exit 0 when all hold.
 *
 *   migrate_check "<conninfo>"
 */
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "core/core.h"
#include "db/migrate.h"

static int	failures;

static void
check(int ok, const char *what)
{
	printf("%s %s\n", ok ? "ok  " : "FAIL", what);
	if (!ok)
		failures++;
}

static char *
scalar(PGconn *db, const char *q)
{
	PGresult	*r;
	char		*v;

	r = PQexec(db, q);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1) {
		PQclear(r);
		return (strdup("<error>"));
	}
	v = strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return (v);
}

static int
scalar_is(PGconn *db, const char *q, const char *want)
{
	char	*v;
	int	ok;

	v = scalar(db, q);
	ok = strcmp(v, want) == 0;
	if (!ok)
		fprintf(stderr, "  %s -> %s (want %s)\n", q, v, want);
	free(v);
	return (ok);
}

int
main(int argc, char **argv)
{
	static const struct db_migration good[] = {
		{ 1, "0001_a", "CREATE TABLE mc_a (id int PRIMARY KEY);" },
		{ 2, "0002_b", "CREATE TABLE mc_b (id int);"
		    "INSERT INTO mc_a VALUES (1);" },
	};
	static const struct db_migration bad[] = {
		{ 1, "0001_a", "CREATE TABLE mc_a (id int PRIMARY KEY);" },
		{ 2, "0002_b", "CREATE TABLE mc_b (id int);"
		    "INSERT INTO mc_a VALUES (1);" },
		{ 3, "0003_broken", "CREATE TABLE mc_c (id int);"
		    "ALTER TABLE mc_a ADD COLUMN x int;"
		    "SELECT no_such_function();" },
	};
	static const struct db_migration more[] = {
		{ 1, "0001_a", "CREATE TABLE mc_a (id int PRIMARY KEY);" },
		{ 2, "0002_b", "CREATE TABLE mc_b (id int);"
		    "INSERT INTO mc_a VALUES (1);" },
		{ 3, "0003_slow", "SELECT pg_sleep(0.3);"
		    "INSERT INTO mc_a VALUES (3);" },
	};
	PGconn		*db;
	char		err[512], url[1024];
	pid_t		kids[2];
	int		i, st, rc;

	if (argc != 2) {
		fprintf(stderr, "usage: migrate_check conninfo\n");
		return (2);
	}
	log_init(LOG_LEVEL_ERROR, STDERR_FILENO);
	db = PQconnectdb(argv[1]);
	if (PQstatus(db) != CONNECTION_OK) {
		fprintf(stderr, "connect: %s", PQerrorMessage(db));
		return (2);
	}
	PQclear(PQexec(db, "DROP SCHEMA IF EXISTS mc CASCADE; CREATE SCHEMA mc"));
	/* Work in a schema of our own so the server's tables stay untouched. */
	snprintf(url, sizeof(url), "%s options='-csearch_path=mc'", argv[1]);
	PQclear(PQexec(db, "SET search_path = mc"));

	rc = db_migrate(url, good, 2, 5, err, sizeof(err));
	check(rc == 2, "first run applies both migrations");
	check(scalar_is(db, "SELECT string_agg(version::text || ':' || name, ','"
	    " ORDER BY version) FROM schema_migrations", "1:0001_a,2:0002_b"),
	    "applied migrations are recorded in order");
	rc = db_migrate(url, good, 2, 5, err, sizeof(err));
	check(rc == 0, "second run is a no-op");
	check(scalar_is(db, "SELECT count(*) FROM mc_a", "1"),
	    "second run did not re-run migration 2");

	rc = db_migrate(url, bad, 3, 5, err, sizeof(err));
	check(rc == -1, "a failing migration reports failure");
	check(strstr(err, "0003_broken") != NULL, "the error names the migration");
	check(scalar_is(db, "SELECT count(*) FROM information_schema.tables "
	    "WHERE table_schema = 'mc' AND table_name = 'mc_c'", "0"),
	    "the failed migration's table does not exist");
	check(scalar_is(db, "SELECT count(*) FROM information_schema.columns "
	    "WHERE table_schema = 'mc' AND table_name = 'mc_a' AND "
	    "column_name = 'x'", "0"),
	    "the failed migration's ALTER was rolled back");
	check(scalar_is(db, "SELECT max(version) FROM schema_migrations", "2"),
	    "the failed migration is not recorded");

	for (i = 0; i < 2; i++) {
		if ((kids[i] = fork()) == 0)
			_exit(db_migrate(url, more, 3, 5, err,
			    sizeof(err)) < 0 ? 1 : 0);
	}
	for (i = 0; i < 2; i++) {
		waitpid(kids[i], &st, 0);
		check(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		    "concurrent runner succeeded");
	}
	check(scalar_is(db, "SELECT count(*) FROM mc_a WHERE id = 3", "1"),
	    "two racing runners applied migration 3 exactly once");

	PQclear(PQexec(db, "DROP SCHEMA mc CASCADE"));
	PQfinish(db);
	printf("migrate_check: %d failure(s)\n", failures);
	return (failures == 0 ? 0 : 1);
}
