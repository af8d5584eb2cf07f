/*
 * Configuration from the environment.
 *
 * Everything is read and validated once, in the parent, before a worker or
 * the sandbox exists: a bad value stops the program with one line naming the
 * variable and what is wrong with it. Values are never echoed back, because
 * several of them are secrets and an error line ends up in logs.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/config_internal.h"

struct mcpbox_config	mcpbox_cfg;

static int	cfg_parse_long(const char *, long, long, long *);
static int	cfg_opt_find_links(config_getenv_fn, char **, char *, size_t);
static int	cfg_valid_origin_list(const char *);

int
config_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list		ap;

	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return (-1);
}

int
config_has_ctl(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return (1);
	}
	return (0);
}

static int
cfg_parse_long(const char *s, long min, long max, long *out)
{
	char	*end;
	long	v;

	if (*s == '\0' || isspace((unsigned char)*s))
		return (-1);
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return (-1);
	*out = v;
	return (0);
}

int
config_opt_long(config_getenv_fn env, const char *name, long min, long max,
    long def, long *out, char *err, size_t errlen)
{
	const char	*v;

	if ((v = env(name)) == NULL || *v == '\0') {
		*out = def;
		return (0);
	}
	if (cfg_parse_long(v, min, max, out) == -1)
		return (config_fail(err, errlen, "%s: must be an integer "
		    "from %ld to %ld", name, min, max));
	return (0);
}

/* An http(s) URL without spaces or control bytes; https only if asked. */
int
config_opt_url(config_getenv_fn env, const char *name, int https_only,
    char **out, char *err, size_t errlen)
{
	const char	*v;

	*out = NULL;
	if ((v = env(name)) == NULL || *v == '\0')
		return (0);
	if (strlen(v) > 2048 || config_has_ctl(v) || strchr(v, ' ') != NULL)
		return (config_fail(err, errlen, "%s: not a valid URL", name));
	if (strncmp(v, "https://", 8) != 0 &&
	    (https_only || strncmp(v, "http://", 7) != 0))
		return (config_fail(err, errlen, "%s: must start with %s", name,
		    https_only ? "https://" : "http:// or https://"));
	if (strlen(v) <= (size_t)(strncmp(v, "https://", 8) == 0 ? 8 : 7))
		return (config_fail(err, errlen, "%s: URL has no host", name));
	*out = strdup(v);
	return (*out == NULL ? config_fail(err, errlen, "%s: out of memory",
	    name) : 0);
}

/*
 * MCPBOX_PIP_FIND_LINKS: where pip may find wheels besides (or instead
 * of) the index: an https URL, or an absolute directory with no ".."
 * component (the sandbox's installer accepts exactly these).
 */
static int
cfg_opt_find_links(config_getenv_fn env, char **out, char *err, size_t errlen)
{
	const char	*v;

	*out = NULL;
	if ((v = env("MCPBOX_PIP_FIND_LINKS")) == NULL || *v == '\0')
		return (0);
	if (strncmp(v, "https://", 8) == 0)
		return (config_opt_url(env, "MCPBOX_PIP_FIND_LINKS", 1, out, err,
		    errlen));
	if (v[0] != '/' || strlen(v) > 1024 || config_has_ctl(v) ||
	    strstr(v, "/../") != NULL || (strlen(v) >= 3 &&
	    strcmp(v + strlen(v) - 3, "/..") == 0))
		return (config_fail(err, errlen, "MCPBOX_PIP_FIND_LINKS: must be an "
		    "https:// URL or an absolute directory"));
	*out = strdup(v);
	return (*out == NULL ? config_fail(err, errlen, "MCPBOX_PIP_FIND_LINKS: out "
	    "of memory") : 0);
}

/* Comma-separated origins: scheme://host[:port], no path. */
static int
cfg_valid_origin_list(const char *s)
{
	const char	*cur = s, *p, *host;
	size_t		len;

	while (list_next(&cur, &p, &len)) {
		if (len > 7 && strncmp(p, "http://", 7) == 0)
			host = p + 7;
		else if (len > 8 && strncmp(p, "https://", 8) == 0)
			host = p + 8;
		else
			return (0);
		for (; host < p + len; host++) {
			if (!isalnum((unsigned char)*host) &&
			    strchr(".-:[]", *host) == NULL)
				return (0);
		}
	}
	return (1);
}

int
config_parse_listen(const char *s, char *host, size_t hostlen, char *port,
    size_t portlen)
{
	const char	*colon;
	size_t		hlen;
	long		p;

	if (s == NULL || *s == '\0' || config_has_ctl(s))
		return (-1);
	if (*s == '[') {
		if ((colon = strstr(s, "]:")) == NULL)
			return (-1);
		s++;
		hlen = (size_t)(colon - s);
		colon++;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return (-1);
		hlen = (size_t)(colon - s);
		if (memchr(s, ':', hlen) != NULL)
			return (-1);
	}
	if (hlen == 0 || hlen >= hostlen)
		return (-1);
	if (cfg_parse_long(colon + 1, 1, 65535, &p) == -1)
		return (-1);
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if ((size_t)snprintf(port, portlen, "%ld", p) >= portlen)
		return (-1);
	return (0);
}

/* 64 hex characters -> 32 bytes; an all-zero key is refused. */
int
config_parse_key(const char *s, uint8_t out[CONFIG_KEY_LEN])
{
	size_t		i;
	unsigned int	b;
	uint8_t		any;
	char		pair[3];

	if (s == NULL || strlen(s) != CONFIG_KEY_LEN * 2)
		return (-1);
	any = 0;
	pair[2] = '\0';
	for (i = 0; i < CONFIG_KEY_LEN; i++) {
		if (!isxdigit((unsigned char)s[2 * i]) ||
		    !isxdigit((unsigned char)s[2 * i + 1]))
			return (-1);
		pair[0] = s[2 * i];
		pair[1] = s[2 * i + 1];
		b = (unsigned int)strtoul(pair, NULL, 16);
		out[i] = (uint8_t)b;
		any |= out[i];
	}
	return (any == 0 ? -2 : 0);
}

int
config_parse_log_level(const char *s, enum log_level *out)
{
	if (!strcasecmp(s, "debug"))
		*out = LOG_LEVEL_DEBUG;
	else if (!strcasecmp(s, "info"))
		*out = LOG_LEVEL_INFO;
	else if (!strcasecmp(s, "warn") || !strcasecmp(s, "warning"))
		*out = LOG_LEVEL_WARN;
	else if (!strcasecmp(s, "error"))
		*out = LOG_LEVEL_ERROR;
	else
		return (-1);
	return (0);
}

static int
cfg_load_key(config_getenv_fn env, const char *name, uint8_t *out, int required,
    int *present, char *err, size_t errlen)
{
	const char	*v;
	int		rc;

	*present = 0;
	if ((v = env(name)) == NULL || *v == '\0') {
		if (required)
			return (config_fail(err, errlen, "%s: required (64 hex "
			    "characters; e.g. `openssl rand -hex 32`)", name));
		return (0);
	}
	if ((rc = config_parse_key(v, out)) == -2)
		return (config_fail(err, errlen, "%s: an all-zero key is refused", name));
	if (rc == -1)
		return (config_fail(err, errlen, "%s: must be exactly 64 hexadecimal "
		    "characters (got %zu characters)", name, strlen(v)));
	*present = 1;
	return (0);
}

static int
cfg_load_secrets(struct mcpbox_config *c, config_getenv_fn env, char *err,
    size_t errlen)
{
	const char	*v;
	int		present;

	if (cfg_load_key(env, "MCPBOX_ENCRYPTION_KEY", c->enc_key, 1, &present,
	    err, errlen) == -1)
		return (-1);
	if (cfg_load_key(env, "MCPBOX_ENCRYPTION_KEY_OLD", c->enc_key_old, 0,
	    &c->has_old_key, err, errlen) == -1)
		return (-1);
	if (c->has_old_key &&
	    crypto_ct_equal(c->enc_key, c->enc_key_old, CONFIG_KEY_LEN))
		return (config_fail(err, errlen, "MCPBOX_ENCRYPTION_KEY_OLD: equals "
		    "MCPBOX_ENCRYPTION_KEY; unset it or give the previous key"));

	if ((v = env("MCPBOX_JWT_SECRET")) != NULL && *v != '\0') {
		if (strlen(v) < 32 || strlen(v) > CONFIG_JWT_MAX)
			return (config_fail(err, errlen, "MCPBOX_JWT_SECRET: must be "
			    "32 to %d characters (got %zu)", CONFIG_JWT_MAX,
			    strlen(v)));
		memcpy(c->jwt_secret, v, strlen(v));
		c->jwt_secret_len = strlen(v);
	} else {
		if (crypto_hkdf_sha256(c->enc_key, CONFIG_KEY_LEN,
		    "mcpbox admin jwt v1", c->jwt_secret, 32) == -1)
			return (config_fail(err, errlen, "MCPBOX_JWT_SECRET: "
			    "derivation failed"));
		c->jwt_secret_len = 32;
		c->jwt_secret_derived = 1;
	}

	if ((v = env("MCPBOX_SERVICE_TOKEN")) != NULL && *v != '\0') {
		if (strlen(v) < 32 || strlen(v) > 512 || config_has_ctl(v))
			return (config_fail(err, errlen, "MCPBOX_SERVICE_TOKEN: must "
			    "be 32 to 512 printable characters (got %zu)",
			    strlen(v)));
		if ((c->service_token = strdup(v)) == NULL)
			return (config_fail(err, errlen, "out of memory"));
	}
	return (0);
}

static int
cfg_load_limits(struct mcpbox_config *c, config_getenv_fn env, int ncpu,
    char *err, size_t errlen)
{
	long	v;

	if (config_opt_long(env, "MCPBOX_WORKERS", 1, 64, ncpu, &v, err, errlen))
		return (-1);
	c->workers = (int)v;
	if (config_opt_long(env, "MCPBOX_SANDBOX_TIMEOUT_MS",
	    SBX_TIMEOUT_MIN_MS, SBX_TIMEOUT_MAX_MS, 30000,
	    &c->sandbox_timeout_ms, err, errlen))
		return (-1);
	if (config_opt_long(env, "MCPBOX_SANDBOX_MEMORY_MB", 32, 4096, 256,
	    &c->sandbox_memory_mb, err, errlen))
		return (-1);
	if (config_opt_long(env, "MCPBOX_SANDBOX_CONCURRENCY", 1, 256, 2 * ncpu, &v,
	    err, errlen))
		return (-1);
	c->sandbox_concurrency = (int)v;
	if (config_opt_long(env, "MCPBOX_MAX_SSE_STREAMS", 1, 100000, 100, &v,
	    err, errlen))
		return (-1);
	c->max_sse_streams = (int)v;
	return (0);
}

/*
 * What an operator tunes: alerts, the circuit breaker, how long sessions
 * and logs live. Read here with everything else so a bad value stops
 * start-up with the same one line.
 */
static int
cfg_load_ops(struct mcpbox_config *c, config_getenv_fn env, char *err,
    size_t errlen)
{
	long	v = 0;

	if (config_opt_long(env, "MCPBOX_ALERT_DEDUP_S", 1, 86400, 900, &v,
	    err, errlen))
		return (-1);
	c->alert_dedup_s = (int)v;
	if ((c->alert_format = alert_format_for(c->alert_webhook_url,
	    env("MCPBOX_ALERT_WEBHOOK_FORMAT"))) == -1)
		return (config_fail(err, errlen, "MCPBOX_ALERT_WEBHOOK_FORMAT: "
		    "must be generic, slack or discord"));
	if (config_opt_long(env, "MCPBOX_CIRCUIT_THRESHOLD", 1, 1000, 5, &v,
	    err, errlen))
		return (-1);
	c->circuit_threshold = (int)v;
	if (config_opt_long(env, "MCPBOX_CIRCUIT_RESET_S", 1, 3600, 30, &v,
	    err, errlen))
		return (-1);
	c->circuit_reset_s = (int)v;
	/* An MCP session nobody used this long is gone (404, as the spec
	 * says for an expired session): clients that never DELETE theirs
	 * would otherwise keep every row forever. */
	if (config_opt_long(env, "MCPBOX_SESSION_IDLE_S", 60, 365 * 86400,
	    86400, &v, err, errlen))
		return (-1);
	c->session_idle_s = (int)v;
	/* Retention by size too: age alone let a busy instance grow by
	 * hundreds of MB an hour. Per table, the newest rows are kept. */
	if (config_opt_long(env, "MCPBOX_LOG_MAX_ROWS", 1000, 1000000000,
	    1000000, &v, err, errlen))
		return (-1);
	c->log_max_rows = (int)v;
	if (config_opt_long(env, "MCPBOX_RETENTION_INTERVAL_S", 1, 7 * 86400,
	    3600, &v, err, errlen))
		return (-1);
	c->retention_interval_s = (int)v;
	return (0);
}

static int
cfg_load_strings(struct mcpbox_config *c, config_getenv_fn env, char *err,
    size_t errlen)
{
	const char	*v;

	if ((v = env("MCPBOX_DATABASE_URL")) == NULL || *v == '\0')
		return (config_fail(err, errlen, "MCPBOX_DATABASE_URL: required "
		    "(a libpq connection string; `make run` sets one)"));
	if (strlen(v) > 4096 || config_has_ctl(v))
		return (config_fail(err, errlen, "MCPBOX_DATABASE_URL: not a valid "
		    "connection string"));
	if ((c->database_url = strdup(v)) == NULL)
		return (config_fail(err, errlen, "out of memory"));

	v = env("MCPBOX_LISTEN");
	if (config_parse_listen(v != NULL && *v != '\0' ? v :
	    "127.0.0.1:8000", c->listen_host, sizeof(c->listen_host),
	    c->listen_port, sizeof(c->listen_port)) == -1)
		return (config_fail(err, errlen, "MCPBOX_LISTEN: must be host:port "
		    "with a port from 1 to 65535 (e.g. 127.0.0.1:8000)"));

	if ((v = env("MCPBOX_ALLOWED_ORIGINS")) != NULL && *v != '\0') {
		if (strlen(v) > 4096 || !cfg_valid_origin_list(v))
			return (config_fail(err, errlen, "MCPBOX_ALLOWED_ORIGINS: must "
			    "be a comma-separated list of http(s)://host[:port]"));
		if ((c->allowed_origins = strdup(v)) == NULL)
			return (config_fail(err, errlen, "out of memory"));
	}

	if (config_opt_url(env, "MCPBOX_ALERT_WEBHOOK_URL", 0, &c->alert_webhook_url,
	    err, errlen) == -1 ||
	    config_opt_url(env, "MCPBOX_PIP_INDEX_URL", 0, &c->pip_index_url,
	    err, errlen) == -1 ||
	    cfg_opt_find_links(env, &c->pip_find_links, err, errlen) == -1 ||
	    config_load_remote(c, env, err, errlen) == -1)
		return (-1);

	v = env("MCPBOX_SANDBOX_BIN");
	c->sandbox_bin = strdup(v != NULL && *v != '\0' ? v :
	    "sandbox/build/mcpbox-sandbox");
	v = env("MCPBOX_RUN_DIR");
	c->run_dir = strdup(v != NULL && *v != '\0' ? v : "var/run");
	if (c->sandbox_bin == NULL || c->run_dir == NULL)
		return (config_fail(err, errlen, "out of memory"));
	if (strlen(c->run_dir) > 80)
		return (config_fail(err, errlen, "MCPBOX_RUN_DIR: must be at most 80 "
		    "characters (it holds a Unix socket path)"));
	return (0);
}

/*
 * Fill `c` from the environment. Returns 0, or -1 with one line in `err`
 * that names the offending variable and never its value.
 */
int
config_load(struct mcpbox_config *c, config_getenv_fn env, int ncpu,
    char *err, size_t errlen)
{
	const char	*v;

	memset(c, 0, sizeof(*c));
	if (ncpu < 1)
		ncpu = 1;
	c->log_level = LOG_LEVEL_INFO;

	if ((v = env("MCPBOX_LOG_LEVEL")) != NULL && *v != '\0' &&
	    config_parse_log_level(v, &c->log_level) == -1)
		return (config_fail(err, errlen, "MCPBOX_LOG_LEVEL: must be one of "
		    "debug, info, warn, error"));

	if ((v = env("MCPBOX_ENABLE_HSTS")) != NULL && *v != '\0') {
		if (!strcmp(v, "1") || !strcasecmp(v, "true"))
			c->enable_hsts = 1;
		else if (strcmp(v, "0") && strcasecmp(v, "false"))
			return (config_fail(err, errlen, "MCPBOX_ENABLE_HSTS: must be "
			    "true or false"));
	}

	if (cfg_load_strings(c, env, err, errlen) == -1 ||
	    cfg_load_limits(c, env, ncpu, err, errlen) == -1 ||
	    cfg_load_ops(c, env, err, errlen) == -1 ||
	    cfg_load_secrets(c, env, err, errlen) == -1) {
		config_free(c);
		return (-1);
	}
	return (0);
}

void
config_free(struct mcpbox_config *c)
{
	free(c->database_url);
	free(c->service_token);
	free(c->allowed_origins);
	free(c->alert_webhook_url);
	free(c->pip_index_url);
	free(c->pip_find_links);
	free(c->public_url);
	free(c->cf_access_issuer);
	free(c->cf_access_aud);
	free(c->remote_emails);
	free(c->sandbox_bin);
	free(c->run_dir);
	memset(c, 0, sizeof(*c));
}
