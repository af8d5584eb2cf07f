/*
 * The security-policy values the gateway enforces on every request, cached
 * per worker: re-read at once when the policy changes (NOTIFY
 * mcpbox_policy_changed from the PATCH, on every worker of every
 * instance) or tools change, and every few seconds as a fallback for a
 * notification lost while the listener reconnected.
 */
#include <string.h>

#include "mcp/mcp.h"
#include "db/sql.h"

#define POLICY_REFRESH_MS	5000

static void	policy_rows(PGresult *);
static struct db_reload		policy = { SQL_MCP_POLICY, policy_rows, 0, 0 };
static int			cached_rpm = 300;
static int			cached_remote_editing;
static int			cached_local_token;

int
mcp_policy_rpm(void)
{
	return (cached_rpm);
}

int
mcp_policy_remote_editing(void)
{
	return (cached_remote_editing);
}

int
mcp_policy_local_requires_token(void)
{
	return (cached_local_token);
}

static void
policy_rows(PGresult *res)
{
	const char	*v;

	if (res == NULL || PQntuples(res) != 1)
		return;
	v = PQgetvalue(res, 0, 0);
	if (v != NULL && atoi(v) >= 10)
		cached_rpm = atoi(v);
	v = PQgetvalue(res, 0, 1);
	cached_remote_editing = v != NULL && strcmp(v, "enabled") == 0;
	v = PQgetvalue(res, 0, 2);
	cached_local_token = v != NULL && strcmp(v, "enabled") == 0;
}

static void
policy_on_change(const char *payload)
{
	db_reload_now(&policy);
}

void
mcp_policy_init(void)
{
	events_on(EVENT_TOOLS_CHANGED, policy_on_change);
	events_on(EVENT_POLICY_CHANGED, policy_on_change);
	db_reload_start(&policy, POLICY_REFRESH_MS);
}
