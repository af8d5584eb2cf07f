/*
 * circuit: the breaker in front of the sandbox (/health/circuits).
 *
 * State lives in shared memory so every worker sees one breaker: N
 * consecutive sandbox failures (a SandboxError or a broken connection, not
 * a tool's own error or timeout) open it; while open, calls fail at once;
 * after the reset time one probe call is let through (half-open) and its
 * result closes or re-opens the breaker.
 */
#ifndef MCPBOX_CIRCUIT_H
#define MCPBOX_CIRCUIT_H

#include <stdint.h>

#include <jansson.h>

enum circuit_state {
	CIRCUIT_CLOSED = 0,
	CIRCUIT_OPEN,
	CIRCUIT_HALF_OPEN,
};

/* How a call's answer counts (kept on the call by sbx/link.c). */
enum circuit_role {
	CIRCUIT_UNCOUNTED = 0,	/* refused by the breaker itself */
	CIRCUIT_COUNTED,
	CIRCUIT_PROBE,		/* the one half-open trial call */
};

#define CIRCUIT_OPEN_MESSAGE	"the sandbox is unavailable (circuit open)"

int		circuit_init(int threshold, int reset_s, int probe_lease_s);
enum circuit_role	circuit_allow(uint64_t now_ms);
void		circuit_record(enum circuit_role, json_t *reply,
		    uint64_t now_ms, uint64_t generation);
void		circuit_sandbox_down(void);
void		circuit_sandbox_up(void);
uint64_t	circuit_generation(void);
int		circuit_link_stale(uint64_t connect_ms,
		    uint64_t *link_generation, uint64_t generation);
void		circuit_reset(const char *actor);
enum circuit_state	circuit_state(uint64_t now_ms);
json_t		*circuit_json(uint64_t now_ms);
void		circuit_counts(uint64_t *opens, uint64_t *rejected);

#endif
