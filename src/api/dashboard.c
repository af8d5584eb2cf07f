/*
 * GET /api/dashboard?period=24h|7d|30d: counts, calls and errors over
 * time, top tools and recent errors for the panel's first page. All of it
 * comes from one statement (db/sql_dashboard.c).
 */
#include "api/api.h"
#include "db/sql.h"

int
api_dashboard(struct http_request *req, struct api_ctx *c)
{
	static const char *const periods[] = { "24h", "7d", "30d", NULL };
	char		period[8];
	const char	*p[1];

	if (api_query_enum(req, "period", periods, "24h", period,
	    sizeof(period)) == -1)
		return (hx_error(req, 400, "bad_filter",
		    "period must be 24h, 7d or 30d"));
	p[0] = period;
	return (api_sql_respond(req, c, SQL_DASHBOARD_RESPOND, 1, p));
}
