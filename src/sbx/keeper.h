/*
 * The sandbox keeper, parent side: one supervisor kept running and
 * restarted when it dies (sbx/keeper.c), under the uid the calls run as.
 */
#ifndef MCPBOX_SBX_KEEPER_H
#define MCPBOX_SBX_KEEPER_H

#include <sys/types.h>

void		sbx_keeper_set_worker_user(uid_t, gid_t);
long		sbx_keeper_call_uid(void);
long		sbx_keeper_supervisor_uid(void);
int		sbx_keeper_start(const char *bin, const char *run_dir,
		    int concurrency);
void		sbx_keeper_stop(void);

#endif
