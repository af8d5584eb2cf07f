/*
 * server.h -- state shared by the event loop (server.c) and the request
 * and job handling (job.c).  Private to the supervisor.
 */
#ifndef SBX_SERVER_H
#define SBX_SERVER_H

#include <limits.h>

#include "sbx.h"

#define POOL_MAX	2
#define MAX_CONNS	256
#define MAX_INSTALLS	2
#define CONN_OUT_MAX	(64u << 20)

struct conn {
	struct conn	*next;
	int		 fd;
	uid_t		 uid;
	struct sbx_buf	 in;
	struct sbx_buf	 out;
	int		 closing;	/* close once out is flushed */
};

enum { JOB_EXEC, JOB_VALIDATE, JOB_INSTALL, JOB_LOOKUP };
/* Lookups (the server checking a network request) running at once. */
#define MAX_LOOKUPS	16
enum { J_QUEUED, J_RUNNING, J_DONE };

struct job {
	struct job		*next;
	struct conn		*conn;		/* NULL once the client left */
	json_t			*id;
	int			 kind;
	int			 state;
	int			 answered;
	struct sbx_buf		 req;		/* framed child request */
	struct sbx_secrets	 secrets;
	struct sbx_hostrule	*hosts;
	size_t			 nhosts;
	int			 timeout_ms;
	int			 cpu_s;
	double			 t_recv;
	double			 deadline;
	struct sbx_child	 child;
	int			 child_live;	/* not reaped yet */
	pid_t			 pid;		/* install: pip's process */
	int			 resolve;	/* install: resolve only */
	struct sbx_buf		 cin;
	int			 eof;
	int			 status;
	int			 reaped;
	pid_t			 broker_pid;
	int			 broker_fd;
	struct sbx_buf		 bin;
	int			 notified;	/* notifications forwarded */
	int			 asks;		/* questions to the client */
	int			 asking;	/* the open one's number, or 0 */
	double			 ask_deadline;
	char			 checked_key[65];
	char			 target[PATH_MAX];
};

struct sbx_state {
	const struct sbx_config	*cfg;
	int			 lfd;
	int			 sfd;
	struct conn		*conns;
	size_t			 nconns;
	struct job		*jobs;
	int			 running;
	int			 queued;
	int			 installs;
	struct sbx_child	 pool[POOL_MAX];
	int			 npool;
	double			 started;
	int			 stopping;
	int			 failed;	/* exit non-zero: the zygote died */
	unsigned long		 helpers;	/* broker helpers started */
};

extern struct sbx_state	S;

void	 conn_send(struct conn *, json_t *);
json_t	*error_obj(const char *, const char *);
struct job *job_new(struct conn *, json_t *, int);
void	 job_free(struct job *);
void	 job_answer(struct job *, json_t *);
void	 job_fail(struct job *, const char *, const char *);
void	 job_start(struct job *);
void	 job_stop_processes(struct job *);
void	 job_request(struct conn *, json_t *);
void	 job_child_readable(struct job *);
int	 job_ask_answer(struct job *, int, json_t *, const char *);
void	 job_child_writable(struct job *);
void	 job_broker_readable(struct job *);
void	 job_http_frame(struct job *, json_t *);
void	 job_notify_frame(struct job *, json_t *);
void	 job_ask_frame(struct job *, json_t *);
void	 job_install_readable(struct job *);
void	 job_lookup_start(struct job *, const json_t *);
void	 job_reaped(struct job *, int);
void	 job_child_exited(uint32_t, int);
int	 job_checked_lookup(const char *);
void	 job_check_deadlines(double);
int	 job_next_deadline(double);
void	 job_conn_gone(struct conn *);
void	 job_start_queued(void);
void	 job_kill_all(void);
void	 job_free_finished(void);

#endif
