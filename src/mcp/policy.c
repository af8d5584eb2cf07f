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

static int			policy_busy;
/* A change announced while a read was in flight: read again after it. */
static int			policy_again;

static void	policy_refresh(void *, u_int64_t);
static int			cached_rpm = 300;
static int			cached_remote_editing;

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

static void
policy_rows(PGresult *res, void *arg)
{
	const char	*v;

	if (res != NULL && PQntuples(res) == 1) {
		v = PQgetvalue(res, 0, 0);
		if (v != NULL && atoi(v) >= 10)
			cached_rpm = atoi(v);
		v = PQgetvalue(res, 0, 1);
		cached_remote_editing = v != NULL && strcmp(v, "enabled") == 0;
	}
	policy_busy = 0;
	if (policy_again) {
		policy_again = 0;
		policy_refresh(NULL, 0);
	}
}

static void
policy_refresh(void *arg, u_int64_t now)
{
	if (policy_busy)
		return;
	policy_busy = 1;
	db_query_bg(SQL_MCP_POLICY, 0, NULL, policy_rows, NULL);
}

static void
policy_on_change(const char *payload)
{
	if (policy_busy)
		policy_again = 1;
	else
		policy_refresh(NULL, 0);
}

void
mcp_policy_init(void)
{
	events_on(EVENT_TOOLS_CHANGED, policy_on_change);
	events_on(EVENT_POLICY_CHANGED, policy_on_change);
	(void)kore_timer_add(policy_refresh, POLICY_REFRESH_MS, NULL, 0);
	policy_refresh(NULL, 0);
}
