/*
 * The remote side of the configuration: the public door, the public URL,
 * Cloudflare Access and the remote allowlist (config.c loads the rest).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/core.h"
#include "core/config_internal.h"

/*
 * 1 when an http(s) URL's host is a loopback name. Plain http is allowed
 * for the public URL and the Access team only there: the integration tests
 * run the whole remote flow on 127.0.0.2, and no production host is
 * reachable under a loopback name, so the relaxation can't be hit by a
 * deployment.
 */
int
config_loopback_url(const char *u)
{
	const char	*h;
	size_t		n;

	if (strncmp(u, "http://", 7) == 0)
		h = u + 7;
	else if (strncmp(u, "https://", 8) == 0)
		h = u + 8;
	else
		return (0);
	n = strcspn(h, ":/?#");
	if (*h == '[')
		return (strncmp(h, "[::1]", 5) == 0 &&
		    (h[5] == '\0' || strchr(":/", h[5]) != NULL));
	if (n == 9 && strncasecmp(h, "localhost", 9) == 0)
		return (1);
	if (n >= 7 && strncmp(h, "127.", 4) == 0 &&
	    strspn(h, "0123456789.") >= n)
		return (1);
	return (0);
}

/* An origin: scheme://host[:port] with at most a trailing slash. */
static int
cfg_opt_origin(config_getenv_fn env, const char *name, char **out, char *err,
    size_t errlen)
{
	const char	*v, *h;
	size_t		n;

	*out = NULL;
	if ((v = env(name)) == NULL || *v == '\0')
		return (0);
	if (strlen(v) > 512 || config_has_ctl(v) || strchr(v, ' ') != NULL)
		return (config_fail(err, errlen, "%s: not a valid URL", name));
	if (strncmp(v, "https://", 8) != 0 &&
	    !(strncmp(v, "http://", 7) == 0 && config_loopback_url(v)))
		return (config_fail(err, errlen, "%s: must start with https:// "
		    "(http:// only for a loopback host)", name));
	h = v + (v[4] == 's' ? 8 : 7);
	n = strlen(h);
	if (n > 0 && h[n - 1] == '/')
		n--;
	if (n == 0 || memchr(h, '/', n) != NULL || strpbrk(h, "?#@") != NULL)
		return (config_fail(err, errlen, "%s: must be scheme://host[:port] "
		    "without a path", name));
	for (; *h != '\0' && *h != '/'; h++) {
		if (!isalnum((unsigned char)*h) && strchr(".-:[]", *h) == NULL)
			return (config_fail(err, errlen, "%s: the host has invalid "
			    "characters", name));
	}
	if ((*out = strndup(v, (size_t)(h - v))) == NULL)
		return (config_fail(err, errlen, "out of memory"));
	return (0);
}

/* Comma-separated addresses (a@b.example) or domains (@b.example). */
static int
cfg_valid_email_list(const char *s)
{
	const char	*cur = s, *p, *at;
	size_t		n;

	while (list_next(&cur, &p, &n)) {
		at = memchr(p, '@', n);
		if (n < 3 || n > 254 || at == NULL || at + 1 == p + n ||
		    memchr(at + 1, '@', (size_t)(p + n - at - 1)) != NULL)
			return (0);
		for (; n > 0; n--, p++)
			if (strchr(" \t<>\"'", *p) != NULL)
				return (0);
	}
	return (1);
}

/*
 * 1 when `email` is on the allowlist (case-insensitive; "@domain" entries
 * match the whole domain). An empty list allows nobody: callers decide
 * what an unset list means.
 */
int
config_email_allowed(const char *list, const char *email)
{
	const char	*cur = list, *p, *at;
	size_t		n, elen;

	if (list == NULL || email == NULL || (at = strchr(email, '@')) == NULL)
		return (0);
	elen = strlen(email);
	while (list_next(&cur, &p, &n)) {
		if (n == 0)
			continue;
		if (*p == '@' && strlen(at) == n && strncasecmp(at, p, n) == 0)
			return (1);
		if (*p != '@' && elen == n && strncasecmp(email, p, n) == 0)
			return (1);
	}
	return (0);
}

/*
 * The public door: its own listener, the only place a proxy or tunnel may
 * point; remote whatever a request's headers say. The public URL names
 * it to clients, so one comes with the other. Remote mode on the local
 * listener (chosen by the Host header) is gone: a deployment that still
 * sets only MCPBOX_PUBLIC_URL is told what to set instead of starting
 * with a door that trusts headers.
 */
static int
cfg_load_public_door(struct mcpbox_config *c, config_getenv_fn env, char *err,
    size_t errlen)
{
	const char	*v;

	v = env("MCPBOX_PUBLIC_LISTEN");
	if (v != NULL && *v != '\0') {
		if (config_parse_listen(v, c->public_listen_host,
		    sizeof(c->public_listen_host), c->public_listen_port,
		    sizeof(c->public_listen_port)) == -1)
			return (config_fail(err, errlen, "MCPBOX_PUBLIC_LISTEN: must "
			    "be host:port (e.g. 127.0.0.1:8001)"));
		if (strcmp(c->public_listen_port, c->listen_port) == 0 &&
		    (strcmp(c->public_listen_host, c->listen_host) == 0 ||
		    strcmp(c->public_listen_host, "0.0.0.0") == 0 ||
		    strcmp(c->listen_host, "0.0.0.0") == 0))
			return (config_fail(err, errlen, "MCPBOX_PUBLIC_LISTEN: must "
			    "differ from MCPBOX_LISTEN (the local door)"));
		c->has_public_listen = 1;
	}
	if (c->public_url != NULL && !c->has_public_listen)
		return (config_fail(err, errlen, "MCPBOX_PUBLIC_URL is set but "
		    "MCPBOX_PUBLIC_LISTEN is not: remote access has its own "
		    "listener now; set MCPBOX_PUBLIC_LISTEN (e.g. "
		    "127.0.0.1:8001) and point the proxy or tunnel at it, not "
		    "at MCPBOX_LISTEN (docs/REMOTE-ACCESS.md)"));
	if (c->has_public_listen && c->public_url == NULL)
		return (config_fail(err, errlen, "MCPBOX_PUBLIC_LISTEN needs "
		    "MCPBOX_PUBLIC_URL: the https address remote clients use"));
	v = env("MCPBOX_TRUSTED_PROXIES");
	if (cidr_list_parse(v != NULL && *v != '\0' ? v :
	    "127.0.0.0/8,::1/128", &c->trusted_proxies) == -1)
		return (config_fail(err, errlen, "MCPBOX_TRUSTED_PROXIES: must be a "
		    "comma-separated list of addresses or CIDR ranges "
		    "(e.g. 127.0.0.1/32,172.18.0.0/16)"));
	return (0);
}

/* The remote front doors: public URL, Cloudflare Access, the allowlist. */
int
config_load_remote(struct mcpbox_config *c, config_getenv_fn env, char *err,
    size_t errlen)
{
	const char	*v, *aud;
	char		*u;
	size_t		i;

	if (cfg_opt_origin(env, "MCPBOX_PUBLIC_URL", &c->public_url, err,
	    errlen) == -1)
		return (-1);
	if (cfg_load_public_door(c, env, err, errlen) == -1)
		return (-1);
	v = env("MCPBOX_CF_ACCESS_TEAM_DOMAIN");
	aud = env("MCPBOX_CF_ACCESS_AUD");
	if ((v == NULL || *v == '\0') != (aud == NULL || *aud == '\0'))
		return (config_fail(err, errlen, "MCPBOX_CF_ACCESS_TEAM_DOMAIN and "
		    "MCPBOX_CF_ACCESS_AUD: set both or neither"));
	if (v != NULL && *v != '\0') {
		if (strncmp(v, "http://", 7) == 0 ||
		    strncmp(v, "https://", 8) == 0) {
			if (cfg_opt_origin(env, "MCPBOX_CF_ACCESS_TEAM_DOMAIN",
			    &c->cf_access_issuer, err, errlen) == -1)
				return (-1);
		} else {
			/* The usual form: the bare team domain. */
			if (strlen(v) > 253 || strspn(v, "abcdefghijklmnopqrstuv"
			    "wxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
			    strlen(v) || strchr(v, '.') == NULL)
				return (config_fail(err, errlen, "MCPBOX_CF_ACCESS_TEAM_"
				    "DOMAIN: must be a host name such as "
				    "team.cloudflareaccess.com"));
			if (asprintf(&u, "https://%s", v) == -1)
				return (config_fail(err, errlen, "out of memory"));
			c->cf_access_issuer = u;
		}
		for (i = 0; aud[i] != '\0'; i++)
			if (!isalnum((unsigned char)aud[i]) &&
			    strchr("-_.", aud[i]) == NULL)
				break;
		if (aud[i] != '\0' || i > 256)
			return (config_fail(err, errlen, "MCPBOX_CF_ACCESS_AUD: must be "
			    "the application's AUD tag (letters, digits, - _ .)"));
		if ((c->cf_access_aud = strdup(aud)) == NULL)
			return (config_fail(err, errlen, "out of memory"));
	}
	if ((v = env("MCPBOX_REMOTE_EMAILS")) != NULL && *v != '\0') {
		if (strlen(v) > 8192 || config_has_ctl(v) ||
		    !cfg_valid_email_list(v))
			return (config_fail(err, errlen, "MCPBOX_REMOTE_EMAILS: must be "
			    "a comma-separated list of name@domain or @domain"));
		if ((c->remote_emails = strdup(v)) == NULL)
			return (config_fail(err, errlen, "out of memory"));
	}
	return (0);
}
