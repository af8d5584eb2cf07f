/*
 * log.c -- structured logs: one JSON object per line on stderr, built with
 * jansson so a message can never break the line or the document.  Callers
 * pass fields, never tool code, arguments or secrets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sbx.h"

void
sbx_log(const char *level, const char *event, json_t *fields)
{
	struct timespec	 ts;
	struct tm	 tm;
	char		 stamp[80], *line;
	json_t		*o;
	size_t		 n;

	o = fields ? fields : json_object();
	if (o == NULL)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ts.tv_nsec / 1000000) % 1000);
	/* The same core fields as the server's lines (src/core/log.c). */
	json_object_set_new(o, "time", json_string(stamp));
	json_object_set_new(o, "level", json_string(level));
	json_object_set_new(o, "process", json_string("sandbox"));
	json_object_set_new(o, "msg", json_string(event));
	json_object_set_new(o, "component", json_string("sandbox"));
	json_object_set_new(o, "event", json_string(event));
	line = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (line == NULL)
		return;
	n = strlen(line);
	line[n] = '\n';
	/* One write per line keeps lines whole when stderr is shared. */
	if (write(STDERR_FILENO, line, n + 1) == -1) {
		/* Nowhere left to report a failed log write. */
	}
	free(line);
}
