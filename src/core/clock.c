/* Clocks: monotonic milliseconds for durations, UTC ISO 8601 for logs. */
#include <stdio.h>
#include <time.h>

#include "core/core.h"

uint64_t
clock_ms(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

double
clock_ms_precise(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6);
}

void
clock_iso8601(char out[32])
{
	struct timespec	ts;
	struct tm	tm;
	size_t		n;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	(void)gmtime_r(&ts.tv_sec, &tm);
	n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	(void)snprintf(out + n, 32 - n, ".%03dZ",
	    (int)(ts.tv_nsec / 1000000) % 1000);
}
