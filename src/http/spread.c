/*
 * Connections spread over the workers.
 *
 * Kore lets one worker at a time accept (its accept lock). The holder
 * gives the lock up only when it is full (worker_max_connections) or after
 * a burst of accepts, and, being the busy one, usually takes it straight
 * back: a burst of keep-alive connections lands on one worker while the
 * others idle, and two workers do the work of one.
 *
 * So each worker counts its connections in shared memory, and whenever it
 * accepts or loses one it looks at the others: holding more than
 * SPREAD_SLACK over the least loaded, it caps itself at what it has (Kore
 * checks worker_max_connections before it takes the lock and while it
 * accepts, and gives the lock up when a worker is at its cap), else it
 * takes the configured cap back. A worker that caps itself tells every
 * worker to look again, so no view is ever stale in the way that matters:
 * the least loaded worker is always uncapped, and someone can always
 * accept.
 */
#include <stdatomic.h>

#include "http/http.h"

#define SPREAD_SLOTS	256
#define SPREAD_SLACK	1
#define SPREAD_MSG	(KORE_MSG_APP_BASE + 1)

struct spread_shm {
	atomic_int	conns[SPREAD_SLOTS];
};

static struct spread_shm	*sshm;
static u_int32_t		 configured_max;
static int			 capped;

int
spread_init(void)
{
	void	*p;

	if ((p = shm_map(sizeof(*sshm))) == NULL)
		return (-1);
	sshm = p;
	return (0);
}

/* HTTP workers, ids 1..n: Kore's worker_count also counts two slots of
 * its own (key manager, ACME) once the workers are set up. */
static unsigned int
spread_http_workers(void)
{
	return (worker_count > KORE_WORKER_BASE ?
	    worker_count - KORE_WORKER_BASE : 0);
}

static int
spread_least_of_others(void)
{
	int		n, least = -1;
	unsigned int	id;

	for (id = 1; id <= spread_http_workers() && id < SPREAD_SLOTS; id++) {
		if (id == worker->id)
			continue;
		n = atomic_load(&sshm->conns[id]);
		if (least == -1 || n < least)
			least = n;
	}
	return (least);
}

/* Cap or uncap this worker; tell the others when it newly caps itself. */
static void
spread_look(int may_tell)
{
	int	mine, least;

	if (sshm == NULL || spread_http_workers() < 2 ||
	    worker->id >= SPREAD_SLOTS)
		return;
	mine = atomic_load(&sshm->conns[worker->id]);
	least = spread_least_of_others();
	if (least >= 0 && mine > least + SPREAD_SLACK) {
		worker_max_connections = mine > 0 ? (u_int32_t)mine : 1;
		if (!capped && may_tell)
			kore_msg_send(KORE_MSG_WORKER_ALL, SPREAD_MSG, NULL, 0);
		capped = 1;
		return;
	}
	worker_max_connections = configured_max;
	capped = 0;
}

static void
spread_msg(struct kore_msg *msg, const void *data)
{
	(void)msg;
	(void)data;
	spread_look(0);
}

/* A worker starts (again): what a dead one held is gone with it. */
void
spread_worker_init(void)
{
	configured_max = worker_max_connections;
	capped = 0;
	if (sshm == NULL || worker->id >= SPREAD_SLOTS)
		return;
	atomic_store(&sshm->conns[worker->id], 0);
	(void)kore_msg_register(SPREAD_MSG, spread_msg);
	kore_msg_send(KORE_MSG_WORKER_ALL, SPREAD_MSG, NULL, 0);
}

void
spread_accepted(void)
{
	if (sshm == NULL || worker->id >= SPREAD_SLOTS)
		return;
	atomic_fetch_add(&sshm->conns[worker->id], 1);
	spread_look(1);
}

void
spread_closed(void)
{
	if (sshm == NULL || worker->id >= SPREAD_SLOTS)
		return;
	atomic_fetch_sub(&sshm->conns[worker->id], 1);
	spread_look(1);
}
