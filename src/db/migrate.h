/*
 * The migration runner's interface. Kept apart from db.h (which pulls in
 * Kore) so the runner can be linked into a test program on its own.
 */
#ifndef MCPBOX_DB_MIGRATE_H
#define MCPBOX_DB_MIGRATE_H

#include <stddef.h>

struct db_migration {
	int		version;
	const char	*name;
	const char	*sql;
};

extern const struct db_migration	db_migrations[];
extern const size_t			db_migrations_count;

int	db_migrate(const char *conninfo, const struct db_migration *,
	    size_t count, int wait_s, char *err, size_t errlen);

#endif
