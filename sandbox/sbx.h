/*
 * sbx.h -- what the files of mcpbox-sandbox offer each other.
 *
 * The supervisor is one single-threaded process that holds requests and
 * never initialises Python; the zygote, forked before the first request,
 * initialises CPython once and only forks; every call runs in a fresh
 * child of the zygote that applies the kernel layers before any untrusted
 * byte is parsed and receives its inputs over its own pipes; everything
 * the child may not do itself (HTTP, installs) runs in short-lived helper
 * processes the supervisor execs.  Files are split by job: framing, policy
 * tables, redaction, seccomp, the embedded interpreter, children, the HTTP
 * broker, the installer, requests/jobs, the listening socket, the
 * supervisor's own privileges and the event loop.
 */
#ifndef SBX_H
#define SBX_H

#include <sys/types.h>
#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "sandbox_protocol.h"

#define SBX_CHILD_FRAME_MAX	(3u << 19)	/* child -> supervisor, 1.5 MiB */
#define SBX_HTTP_BODY_MAX	(2u << 20)
#define SBX_HTTP_HOPS		3
#define SBX_HTTP_TIMEOUT_MS	10000
#define SBX_MAX_HOSTS		64

/* ---- frame.c (src/core, shared with the server): framing ---- */
#include "frame.h"

/* ---- log.c: one JSON object per line on stderr ---- */
void	 sbx_log(const char *, const char *, json_t *);

/* ---- policy.c: tables and checks that exist once ---- */
/*
 * An approved host:port of a call (allowed_hosts). A private one was
 * approved as a host on the local network (D37): it is reached over http
 * or https and must resolve to LAN addresses only; any other over https
 * only, to public addresses only.
 */
struct sbx_hostrule {
	char	host[256];
	int	port;		/* 0: 443 only */
	int	private;
};

/* MCPbox's own listeners (--self-door), never reached by a tool. */
#define SBX_DOORS_MAX	4
struct sbx_door {
	char	host[256];
	int	port;
};
extern struct sbx_door	sbx_doors[SBX_DOORS_MAX];
extern int		sbx_ndoors;
int	 sbx_door_add(const char *);

int	 sbx_policy_v4_blocked(uint32_t);
int	 sbx_policy_ip_blocked(const char *);
int	 sbx_policy_host_allowed(const struct sbx_hostrule *, size_t,
	    const char *, int);
const struct sbx_hostrule *sbx_policy_host_rule(const struct sbx_hostrule *,
	    size_t, const char *, int);
#define SBX_APPROVED_PUBLIC	0x1
#define SBX_APPROVED_PRIVATE	0x2
int	 sbx_policy_host_kinds(const struct sbx_hostrule *, size_t,
	    const char *, int);
int	 sbx_policy_hostname_ok(const char *);
int	 sbx_policy_method_ok(const char *);
int	 sbx_policy_header_ok(const char *, const char *);
int	 sbx_policy_package_ok(const char *);
int	 sbx_policy_source_ok(const char *, int);
char	*sbx_policy_utf8_clean(const char *, size_t, size_t *);

/* ---- redact.c ---- */
struct sbx_secrets {
	char	**val;
	size_t	 *len;
	size_t	  n;
};

int	 sbx_secrets_from_json(struct sbx_secrets *, const json_t *);
void	 sbx_secrets_free(struct sbx_secrets *);
char	*sbx_redact_str(const struct sbx_secrets *, const char *, size_t,
	    size_t *);
json_t	*sbx_redact_json(const struct sbx_secrets *, json_t *);

/* ---- seccomp.c ---- */
int	 sbx_seccomp_build(void);
int	 sbx_seccomp_apply(void);
int	 sbx_seccomp_apply_zygote(void);
int	 sbx_seccomp_apply_supervisor(uid_t);
unsigned sbx_seccomp_len(void);

/* ---- pyhost.c: the embedded interpreter ---- */
struct sbx_pyconf {
	int		  testing;
	const char	**extra_paths;
	size_t		  n_extra_paths;
	const char	**extra_modules;
	size_t		  n_extra_modules;
};

/* Audit hook states: inert, the child's full policy, importing packages. */
enum { SBX_AUDIT_OFF, SBX_AUDIT_CHILD, SBX_AUDIT_IMPORT };

int	 sbx_py_init(const struct sbx_pyconf *);
void	 sbx_py_import_extra(const struct sbx_pyconf *);
void	 sbx_py_audit_arm(int);
int	 sbx_py_run(const char *, size_t, char **, size_t *);
int	 sbx_py_warm_child(void);
const char *sbx_py_version(void);
char	*sbx_py_schema(const char *);

/* ---- zygote.c: the fork-only process children come from ---- */
struct sbx_child;
int	 sbx_zygote_start(const struct sbx_pyconf *);
int	 sbx_zygote_fd(void);
const char *sbx_zygote_python(void);
int	 sbx_zygote_isolated(void);
int	 sbx_zygote_spawn(struct sbx_child *);
void	 sbx_zygote_kill(uint32_t);
int	 sbx_zygote_event(uint32_t *, int *);
void	 sbx_zygote_stop(void);
/* zygote_mem.c: the heap made ready for forking, once */
void	 sbx_zygote_settle_heap(void);

/* ---- child.c: fork (in the zygote) and the kernel layers ---- */
struct sbx_child {
	uint32_t tag;		/* the zygote's name for it; 0: none */
	int	to_fd;		/* requests and broker replies */
	int	from_fd;	/* http requests and the final answer */
	int	warmed;		/* a spare that took its warm-up run */
};

/* The frame that tells a waiting spare to take its warm-up run now. */
#define SBX_WARM_FRAME	"warm"

extern uid_t	sbx_child_uid;

pid_t	 sbx_child_fork(int, int);
void	 sbx_child_kill(struct sbx_child *);
void	 sbx_child_warm(struct sbx_child *);

/* ---- testscan.c: test builds only, the read-any-byte primitive ---- */
#ifdef SBX_TESTING
struct _object;		/* PyObject, without Python.h here */
void	 sbx_testscan_open(void);
struct _object *sbx_testscan(struct _object *, struct _object *);
#endif

/* ---- broker.c: HTTP on behalf of a child ---- */
#ifdef SBX_TESTING
extern int	 sbx_broker_test_port;
extern const char *sbx_broker_test_cafile;
#endif

int	 sbx_broker_global_init(void);
json_t	*sbx_broker_precheck(const json_t *, const struct sbx_hostrule *,
	    size_t);
int	 sbx_broker_helper_main(void);
json_t	*sbx_broker_perform(const json_t *, const struct sbx_hostrule *,
	    size_t, long);
/* What a host is, for a network request's review (the lookup op). */
json_t	*sbx_broker_lookup(const char *host, int port);
pid_t	 sbx_broker_spawn(const json_t *, const struct sbx_hostrule *,
	    size_t, long, int *);

/* ---- install.c: pip into a per-install directory ---- */
pid_t	 sbx_install_spawn(const json_t *, int, char *, size_t,
	    int *, char *, size_t);
json_t	*sbx_install_finish(const char *, int, const char *, size_t, int);
int	 sbx_install_open_dir(const char *);

/* ---- server.c / job.c: the supervisor ---- */
struct sbx_config {
	const char	*socket_path;
	uid_t		 allow_uid[16];
	size_t		 n_allow_uid;
	int		 concurrency;
	int		 queue;
	const char	*packages_dir;
};

double	 sbx_now_ms(void);
int	 sbx_server_run(const struct sbx_config *);

/* ---- listen.c: the socket and its peers ---- */
int	 sbx_listen_open(const struct sbx_config *);
int	 sbx_listen_peer_allowed(uid_t);
void	 sbx_listen_unlink(void);

/* ---- privdrop.c: the supervisor's own uid and capabilities ---- */
extern uid_t	sbx_supervisor_uid;
#ifdef SBX_TESTING
extern int	sbx_test_no_uid_filter;
#endif
int	 sbx_started_as_root(void);
int	 sbx_supervisor_drop(void);
void	 sbx_helper_caps_clear(void);

#endif
