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

static struct kore_pgsql	policy_sql;
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
policy_done(struct kore_pgsql *sql, void *arg)
{
	const char	*v;

	switch (sql->state) {
	case KORE_PGSQL_STATE_INIT:
		if (!kore_pgsql_setup(sql, DB_NAME, KORE_PGSQL_ASYNC))
			break;
		/* FALLTHROUGH */
	case KORE_PGSQL_STATE_WAIT:
		break;
	case KORE_PGSQL_STATE_RESULT:
		if (kore_pgsql_ntuples(sql) == 1) {
			v = kore_pgsql_getvalue(sql, 0, 0);
			if (v != NULL && atoi(v) >= 10)
				cached_rpm = atoi(v);
			v = kore_pgsql_getvalue(sql, 0, 1);
			cached_remote_editing = v != NULL &&
			    strcmp(v, "enabled") == 0;
		}
		kore_pgsql_continue(sql);
		break;
	case KORE_PGSQL_STATE_COMPLETE:
		kore_pgsql_cleanup(sql);
		policy_busy = 0;
		if (policy_again) {
			policy_again = 0;
			policy_refresh(NULL, 0);
		}
		break;
	default:
		kore_pgsql_continue(sql);
		break;
	}
}

static void
policy_refresh(void *arg, u_int64_t now)
{
	if (policy_busy)
		return;
	policy_busy = 1;
	kore_pgsql_init(&policy_sql);
	kore_pgsql_bind_callback(&policy_sql, policy_done, NULL);
	if (!kore_pgsql_setup(&policy_sql, DB_NAME, KORE_PGSQL_ASYNC)) {
		if (policy_sql.state == KORE_PGSQL_STATE_INIT)
			return;
		kore_pgsql_cleanup(&policy_sql);
		policy_busy = 0;
		return;
	}
	if (!kore_pgsql_query(&policy_sql, SQL_MCP_POLICY)) {
		/* Unbound, or releasing the connection re-enters policy_done. */
		policy_sql.cb = NULL;
		kore_pgsql_cleanup(&policy_sql);
		policy_busy = 0;
	}
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
