/*
 * core/: configuration, JSON logging, request ids and small crypto helpers.
 *
 * Everything here is plain C on top of libc, jansson and OpenSSL: it never
 * includes Kore, so the unit tests link it without a web server and every
 * other folder can use it without pulling a dependency the other way.
 */
#ifndef MCPBOX_CORE_H
#define MCPBOX_CORE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/sandbox_protocol.h"

#include "core/cidr.h"

#define MCPBOX_VERSION		"0.1.0"

/* Log levels, ordered: a message is written when level >= the threshold. */
enum log_level {
	LOG_LEVEL_DEBUG = 0,
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARN,
	LOG_LEVEL_ERROR,
};

#define CONFIG_KEY_LEN		32
#define CONFIG_JWT_MAX		128
#define CONFIG_HOST_MAX		256

struct mcpbox_config {
	char		*database_url;		/* NULL: caller must supply */
	char		listen_host[CONFIG_HOST_MAX];	/* the local door */
	char		listen_port[6];
	/* The public door (MCPBOX_PUBLIC_LISTEN): remote whatever the headers. */
	int		has_public_listen;
	char		public_listen_host[CONFIG_HOST_MAX];
	char		public_listen_port[6];
	/* Peers whose forwarded headers the public door believes. */
	struct cidr_list trusted_proxies;
	int		workers;
	uint8_t		enc_key[CONFIG_KEY_LEN];
	int		has_old_key;
	uint8_t		enc_key_old[CONFIG_KEY_LEN];
	uint8_t		jwt_secret[CONFIG_JWT_MAX];
	size_t		jwt_secret_len;
	int		jwt_secret_derived;
	char		*service_token;
	char		*allowed_origins;
	char		*alert_webhook_url;
	char		*pip_index_url;
	char		*pip_find_links;	/* wheel directory or https URL */
	char		*public_url;		/* scheme://host[:port], no slash */
	char		*cf_access_issuer;	/* https://team.cloudflareaccess.com */
	char		*cf_access_aud;
	char		*remote_emails;		/* comma list: a@b.c or @b.c */
	char		*sandbox_bin;
	char		*run_dir;
	long		sandbox_timeout_ms;
	long		sandbox_memory_mb;
	int		sandbox_concurrency;
	int		max_sse_streams;
	int		enable_hsts;
	enum log_level	log_level;
	/* Operations (ops/ and the breaker). */
	int		alert_dedup_s;		/* MCPBOX_ALERT_DEDUP_S */
	int		alert_format;		/* ALERT_FORMAT_* */
	int		circuit_threshold;	/* MCPBOX_CIRCUIT_THRESHOLD */
	int		circuit_reset_s;	/* MCPBOX_CIRCUIT_RESET_S */
	int		session_idle_s;		/* MCPBOX_SESSION_IDLE_S */
	int		log_max_rows;		/* MCPBOX_LOG_MAX_ROWS */
	int		retention_interval_s;	/* MCPBOX_RETENTION_INTERVAL_S */
};

/* Environment lookup, injectable so tests need not touch the process env. */
typedef const char	*(*config_getenv_fn)(const char *);

int	config_load(struct mcpbox_config *, config_getenv_fn, int ncpu,
	    char *err, size_t errlen);
void	config_free(struct mcpbox_config *);
int	config_parse_listen(const char *, char *host, size_t hostlen,
	    char *port, size_t portlen);
int	config_parse_key(const char *, uint8_t out[CONFIG_KEY_LEN]);
int	config_parse_log_level(const char *, enum log_level *);
int	config_loopback_url(const char *);
int	config_email_allowed(const char *list, const char *email);

/* environ.c: wipe MCPBOX_ variables from a helper fork's environment. */
void	env_wipe_secrets(void);

/*
 * list.c: the next item of a comma-separated list (spaces around it
 * trimmed; it may be empty): 1 with item and len set, 0 at the end.
 */
int	list_next(const char **cursor, const char **item, size_t *len);

/*
 * redirect.c: 0 when an OAuth redirect URI may be registered (https, or
 * http on loopback), with the length of its scheme://authority.
 */
int	redirect_uri_check(const char *, size_t *origin_len);

extern struct mcpbox_config	mcpbox_cfg;

/* JSON logging: one object per line, always valid JSON. */
void	log_init(enum log_level, int fd);
int	log_fd(void);
void	log_set_process(const char *);
char	*log_format(enum log_level, const char *msg, json_t *fields);
void	log_emit(enum log_level, const char *msg, json_t *fields);
void	log_msg(enum log_level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
char	*log_utf8_clean(const char *, size_t);
int	log_capture_stdout(void);
const char	*log_level_name(enum log_level);

#define log_debug(...)	log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...)	log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)

/* Request ids: honour a sane incoming X-Request-ID, else make one. */
#define REQID_MAX	64
int	reqid_valid(const char *);
void	reqid_generate(char out[REQID_MAX + 1]);
void	reqid_choose(const char *incoming, char out[REQID_MAX + 1]);

/* Crypto helpers. */
int	crypto_random(void *, size_t);
int	crypto_random_token(char *out, size_t outlen);
#define SHA256_HEX	65	/* hex + NUL */
void	crypto_sha256_hex(const char *, char out[SHA256_HEX]);
/*
 * A client token (api/client_tokens.c makes them, mcp/client_tokens.c
 * knows them): the prefix, then 32 random bytes in base64url; stored as
 * its SHA-256.
 */
#define CLIENT_TOKEN_PREFIX	"mcpbox_ct_"
#define CLIENT_TOKEN_LEN	(sizeof(CLIENT_TOKEN_PREFIX) - 1 + 43)
int	crypto_hkdf_sha256(const uint8_t *key, size_t keylen,
	    const char *info, uint8_t *out, size_t outlen);
int	crypto_ct_equal(const void *, const void *, size_t);
void	crypto_uuid4(char out[37]);
int	uuid_valid(const char *);

/* A parameter of a WWW-Authenticate challenge: wwwauth.c. */
int	wwwauth_param(const char *www, const char *name, char *out,
	    size_t outlen);

/* A pipe read line by line: lines.c. */
enum line_kind {
	LINE_WHOLE,		/* ended by a newline */
	LINE_CUT,		/* filled the buffer without one */
	LINE_UNENDED,		/* the last, at EOF, without one */
};
void	lines_read(int fd, char *buf, size_t cap,
	    void (*)(char *, enum line_kind, void *), void *arg);

/* String hashing for in-memory tables: hash.c. */
#define HASH_SEED	1469598103934665603ULL
uint64_t	hash_str(uint64_t, const char *);

/*
 * Identifiers, secret keys, module names and host names: names.c. Each
 * rule's words for an error message stand beside it, so the REST API and
 * the management tools say the same thing.
 */
#define MODULE_NAME_MAX	128
#define IDENT_MAX	64	/* a server's or a tool's name */
#define IDENT_RULE	"lower-case letters, digits and single _, starting " \
			"with a letter and not ending with _ (at most 64)"
#define SECRET_KEY_RULE	"UPPER_SNAKE_CASE: upper-case letters, digits " \
			"and _, starting with a letter (at most 64)"
#define MODULE_NAME_RULE	"a Python module name like yaml or " \
				"urllib.parse"
#define HOST_RULE	"a host name or IP address such as api.example.com " \
			"(no scheme, no path)"
int	ident_valid(const char *);
int	secret_key_valid(const char *);
int	module_name_valid(const char *);
int	host_normalize(const char *, char *, size_t);

/*
 * Arguments against an approved JSON Schema (the subset MCP tools use):
 * jsonschema.c. 0 when valid; -1 with a one-line reason in why (e.g.
 * "city: expected a string", "extra: not a declared argument") when not,
 * or when the schema uses what MCPbox cannot check.
 */
int	json_schema_check(const json_t *schema, const json_t *instance,
	    char *why, size_t whylen);
/* The same where the schema is silent on extra members as the
 * specification reads it: allowed (a Python tool's arguments, whose
 * derived schemas say additionalProperties: false themselves). */
int	json_schema_check_open(const json_t *schema, const json_t *instance,
	    char *why, size_t whylen);
/* 0 when json_schema_check can evaluate `schema` at all; else -1, why. */
int	json_schema_usable(const json_t *schema, char *why, size_t whylen);

/*
 * A tool's title, annotations, icons and output_schema as an author
 * gives them (tooldef.c): 0 when every one present in `obj` is
 * acceptable, else -1 with the field in *bad and the reason in why.
 * tooldef_param: one as a statement parameter (NULL absent, "" clear).
 */
#define TOOLDEF_TITLE_MAX	200
int	tooldef_check(const json_t *obj, const char **bad, char *why,
	    size_t whylen);
char	*tooldef_param(const json_t *obj, const char *key);

/*
 * A resource's or prompt's definition (itemdef.c): 0 when `def` is one of
 * `kind` ("resource", "prompt"), with or without python_code; else -1 and
 * the member and reason in why.
 */
int	itemdef_kind_valid(const char *kind);
/* The reason into why (why.c); returns -1, for `return (why_fail(...))`. */
int	why_fail(char *why, size_t whylen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	itemdef_check(const char *kind, const json_t *def, int has_code,
	    char *why, size_t whylen);

/*
 * Resource URIs and RFC 6570 level 1-2 templates (uritemplate.c): check
 * one (0 good), and match a URI against a template, *vars the values.
 */
#define URITEMPLATE_URI_MAX	1024
int	uritemplate_is_template(const char *);
int	uritemplate_check(const char *);
int	uritemplate_match(const char *tmpl, const char *uri, json_t **vars);

/* Monotonic and wall clocks. */
uint64_t	clock_ms(void);
double		clock_ms_precise(void);
void		clock_iso8601(char out[32]);

/* Sealed secrets (AES-256-GCM) and strict text encodings: secretbox.c. */
#define SECRETBOX_NONCE_LEN	12
#define SECRETBOX_TAG_LEN	16
int	secretbox_seal(const uint8_t key[32], const char *aad,
	    const uint8_t *pt, size_t ptlen, uint8_t nonce[SECRETBOX_NONCE_LEN],
	    uint8_t **ct, size_t *ctlen);
int	secretbox_open(const uint8_t key[32], const uint8_t *old_key,
	    const char *aad, const uint8_t nonce[SECRETBOX_NONCE_LEN],
	    const uint8_t *ct, size_t ctlen, uint8_t **pt, size_t *ptlen,
	    int *used_old);
/* The same with hex text on the sealed side (database columns). */
int	secretbox_open_hex(const uint8_t key[32], const uint8_t *old_key,
	    const char *aad, const char *ct_hex, const char *nonce_hex,
	    uint8_t **pt, size_t *ptlen, int *used_old);
int	secretbox_seal_hex(const uint8_t key[32], const char *aad,
	    const uint8_t *pt, size_t ptlen, char **ct_hex,
	    char nonce_hex[SECRETBOX_NONCE_LEN * 2 + 1]);
/* A server's sealed secrets [{key, ct, nonce}] opened into {key: value}. */
json_t	*secretbox_open_server_secrets(const char *server_id, json_t *rows);
/* The AAD of each kind of sealed value (secretbox.c's header comment). */
#define SEAL_AAD_SERVER_SECRET	"server_secret:%s:%s"	/* server, key */
#define SEAL_AAD_OAUTH_TOKENS	"oauth_tokens:%s"	/* external source */
int	crypto_hmac_sha256(const uint8_t *key, size_t keylen,
	    const void *data, size_t len, uint8_t out[32]);
void	hex_encode(const uint8_t *, size_t, char *out);
int	hex_decode(const char *, uint8_t *out, size_t outmax, size_t *outlen);
char	*b64_encode(const uint8_t *, size_t);
int	b64_decode(const char *, uint8_t **out, size_t *outlen);
char	*b64url_encode(const uint8_t *, size_t);
int	b64url_decode(const char *, uint8_t **out, size_t *outlen);

/* Admin tokens: HS256 JWTs, jwt.c. */
#define JWT_TOKEN_MAX	4096
struct jwt_claims {
	char	sub[128];
	char	typ[16];
	char	jti[64];
	char	sid[64];	/* the login: shared by its access and refresh tokens */
	int	pv;
	int64_t	iat;
	int64_t	exp;
};
char	*jwt_issue(const uint8_t *secret, size_t secretlen, const char *sub,
	    const char *typ, int pv, const char *sid, int ttl_s, int64_t now,
	    char jti_out[37], int64_t *exp_out);
int	jwt_check(const uint8_t *secret, size_t secretlen, const char *token,
	    const char *want_typ, int64_t now, struct jwt_claims *out);

/* Admin passwords: argon2id, password.c. */
#define PASSWORD_ENCODED_MAX	128
#define PASSWORD_MIN_CHARS	12
#define PASSWORD_MAX_CHARS	128
int	password_hash(const char *pw, char *out, size_t outlen);
int	password_verify(const char *encoded, const char *pw);
int	password_policy(const char *pw, char *err, size_t errlen);

/* Which paths need an admin token: pathguard.c. */
#define PATHGUARD_MAX	2048
enum guard_verdict {
	GUARD_OPEN,
	GUARD_ADMIN,
	GUARD_REJECT,
};
int	path_match(const char *path, const char *prefix);
int	path_is_canonical(const char *path);
enum guard_verdict	pathguard_classify(const char *method, const char *path);

/* Failure and request counters shared by all workers: ratelimit.c. */
#define RATELIMIT_KEY_MAX	64
int	ratelimit_init(size_t slots);
int	ratelimit_blocked(const char *bucket, const char *key, int limit,
	    int window_s, uint64_t now_ms, int *retry_after_s);
void	ratelimit_fail(const char *bucket, const char *key, int window_s,
	    uint64_t now_ms);
void	ratelimit_clear(const char *bucket, const char *key);
int	ratelimit_take(const char *bucket, const char *key, int limit,
	    int window_s, uint64_t now_ms, int *retry_after_s);

/* Instance-wide counters in shared memory: stats.c. */
/* Shared memory mapped before the fork (shm.c). */
void	*shm_map(size_t len);

int	stats_init(void);
int	stats_sse_acquire(int max, unsigned int worker_id);
void	stats_sse_release(unsigned int worker_id);
int	stats_sse_reclaim(unsigned int worker_id);
int	stats_sse_open(void);
uint64_t	stats_sessions_ended(void);
void	stats_session_end(void);

/* Prometheus metrics in shared memory: metrics.c. */
enum tool_outcome {
	TOOL_OK = 0,
	TOOL_ERROR,
	TOOL_TIMEOUT,
	TOOL_MEMORY,
	TOOL_DENIED,
	TOOL_OUTCOMES,
};

enum alert_kind {
	ALERT_SANDBOX_RESTARTED = 0,
	ALERT_CIRCUIT_OPEN,
	ALERT_LOGIN_FAILURES,
	ALERT_TOOL_ERROR_RATE,
	ALERT_WORKER_RESTARTED,
	ALERT_KINDS,
};

/* What /metrics reads at scrape time rather than from counters. */
struct metrics_gauges {
	int		sandbox_up;
	long		sandbox_running;
	long		sandbox_queued;
	int		sse_open;
	int		circuit_state;
	uint64_t	circuit_opens;
	uint64_t	circuit_rejected;
};

int	metrics_init(void);
void	metrics_http(const char *route, int status, double seconds);
int	metrics_tool(enum tool_outcome, uint64_t now_ms, int min_calls,
	    uint64_t *calls, uint64_t *errors);
void	metrics_db_error(void);
void	metrics_login_failure(void);
void	metrics_execlog(int rows);
void	metrics_alert(enum alert_kind);
const char	*metrics_outcome_name(enum tool_outcome);
const char	*metrics_alert_name(enum alert_kind);
char	*metrics_render(const struct metrics_gauges *, size_t *len);

/* Alerts: raised anywhere, sent by the alert process: alert.c. */
enum alert_format {
	ALERT_FORMAT_GENERIC = 0,
	ALERT_FORMAT_SLACK,
	ALERT_FORMAT_DISCORD,
};

int	alert_format_for(const char *url, const char *override);
char	*alert_payload(int format, json_t *alert);
int	alert_pipe(int *read_fd);
void	alert_pipe_close_writer(void);
int	alert_raise(enum alert_kind, const char *key, const char *message,
	    json_t *details);
void	alert_login_failure(const char *ip);
void	alert_tool_outcome(enum tool_outcome);
void	alert_sandbox_restarted(int status, int restarts);
void	alert_worker_restarted(unsigned int id);
enum tool_outcome	alert_outcome_of(json_t *reply);

#endif
