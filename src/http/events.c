/*
 * Cross-worker events. Every worker LISTENs on the same few channels
 * (db/listen.c) and hands each notification to the handlers registered for
 * its channel. Producers only ever NOTIFY (usually inside the statement
 * that made the change), so an event reaches every worker and every
 * instance sharing the database the same way.
 */
#include <string.h>

#include "http/http.h"
#include "db/db.h"

#define EVENTS_MAX	16

static const char *const	channels[] = {
	EVENT_TOOLS_CHANGED,
	EVENT_ACTIVITY,
	EVENT_MCP_MESSAGE,
	EVENT_MCP_CANCEL,
	EVENT_MCP_ANSWER,
	EVENT_STREAM_EVENT,
	EVENT_SESSION_ENDED,
	EVENT_ADMIN_CHANGED,
	EVENT_POLICY_CHANGED,
	NULL
};

static struct {
	const char	*channel;
	event_fn	fn;
}				handlers[EVENTS_MAX];
static int			nhandlers;

void
events_on(const char *channel, event_fn fn)
{
	if (nhandlers < EVENTS_MAX) {
		handlers[nhandlers].channel = channel;
		handlers[nhandlers].fn = fn;
		nhandlers++;
	}
}

static void
events_dispatch(const char *channel, const char *payload)
{
	int	i;

	for (i = 0; i < nhandlers; i++) {
		if (strcmp(handlers[i].channel, channel) == 0)
			handlers[i].fn(payload != NULL ? payload : "");
	}
}

void
events_start(void)
{
	db_listen_start(mcpbox_cfg.database_url, channels, events_dispatch);
}
