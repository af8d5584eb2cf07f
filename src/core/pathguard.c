/*
 * Which request paths need an admin token.
 *
 * The rule is deliberately small: four exact auth paths are open, every
 * other path under /api needs an admin token, and so does resetting the
 * circuit breakers. "Under" means the path equals the prefix or continues
 * with a '/', never a bare string prefix: "/api/auth/login" must not open
 * "/api/auth/loginx" or "/api/auth/login/../servers".
 *
 * Matching is only safe if every layer sees the same path. Kore routes on
 * the raw request path without percent-decoding or dot-segment removal,
 * but a proxy in front of us may normalise, decode or fold case before
 * forwarding, so anything that another layer could read differently --
 * dot segments, empty segments, encoded separators, backslashes, control
 * bytes -- is refused outright (GUARD_REJECT) instead of being guessed at.
 */
#include <string.h>
#include <strings.h>

#include "core/core.h"

static int	path_pct_value(const char *);
static int	path_match_nocase(const char *, const char *);

/* Paths that must be reachable without a token: exact matches only. */
static const char	*open_paths[] = {
	"/api/auth/status",
	"/api/auth/setup",
	"/api/auth/login",
	"/api/auth/refresh",
};

#define GUARD_API_PREFIX	"/api"
#define GUARD_RESET_PATH	"/health/circuits/reset"

int
path_match(const char *path, const char *prefix)
{
	size_t	n;

	if (path == NULL || prefix == NULL)
		return (0);
	n = strlen(prefix);
	if (strncmp(path, prefix, n) != 0)
		return (0);
	return (path[n] == '\0' || path[n] == '/');
}

static int
path_match_nocase(const char *path, const char *prefix)
{
	size_t	n;

	n = strlen(prefix);
	if (strncasecmp(path, prefix, n) != 0)
		return (0);
	return (path[n] == '\0' || path[n] == '/');
}

/* The byte a "%XY" escape stands for, or -1 if it is not one. */
static int
path_pct_value(const char *p)
{
	int	i, v, c;

	v = 0;
	for (i = 1; i <= 2; i++) {
		c = (unsigned char)p[i];
		if (c >= '0' && c <= '9')
			c -= '0';
		else if (c >= 'a' && c <= 'f')
			c -= 'a' - 10;
		else if (c >= 'A' && c <= 'F')
			c -= 'A' - 10;
		else
			return (-1);
		v = v * 16 + c;
	}
	return (v);
}

/*
 * Beyond the escapes of '/', '.', '\\' and NUL, escapes of '%' (a second
 * decoding pass would produce a fresh escape), of other control bytes and
 * of 0xc0/0xc1 (lead bytes of overlong UTF-8 such as "%c0%af" for '/') are
 * refused too, as is a '%' not followed by two hex digits, since layers
 * disagree on what a broken escape means.
 */
int
path_is_canonical(const char *path)
{
	const char	*p, *seg;
	size_t		n;
	int		v;

	if (path == NULL || path[0] != '/')
		return (0);
	if (strnlen(path, PATHGUARD_MAX + 1) > PATHGUARD_MAX)
		return (0);
	seg = path + 1;
	for (p = path; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\\')
			return (0);
		if (*p == '%') {
			v = path_pct_value(p);
			if (v == -1 || v < 0x20 || v == 0x7f || v == '/' ||
			    v == '.' || v == '\\' || v == '%' || v == 0xc0 ||
			    v == 0xc1)
				return (0);
		}
		if (*p != '/' || p == path)
			continue;
		/* A segment ends here: [seg, p). */
		n = (size_t)(p - seg);
		if (n == 0 || (n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return (0);
		seg = p + 1;
	}
	/* The last segment may be empty (a trailing slash), not a dot one. */
	n = (size_t)(p - seg);
	if ((n == 1 && seg[0] == '.') ||
	    (n == 2 && seg[0] == '.' && seg[1] == '.'))
		return (0);
	return (1);
}

/*
 * Kore matches routes case-sensitively, so "/API/servers" reaches no
 * handler today; it is still refused rather than left open, because a
 * case-folding proxy or a future case-insensitive route would turn it into
 * an admin path that skipped authentication.
 *
 * The reset path needs a token for every method that could change state:
 * only GET and HEAD, which no handler there serves, are left to the router.
 */
enum guard_verdict
pathguard_classify(const char *method, const char *path)
{
	size_t	i;

	if (!path_is_canonical(path))
		return (GUARD_REJECT);
	if (path_match(path, GUARD_API_PREFIX)) {
		for (i = 0; i < sizeof(open_paths) / sizeof(open_paths[0]); i++)
			if (strcmp(path, open_paths[i]) == 0)
				return (GUARD_OPEN);
		return (GUARD_ADMIN);
	}
	if (path_match(path, GUARD_RESET_PATH)) {
		if (method != NULL && (strcasecmp(method, "GET") == 0 ||
		    strcasecmp(method, "HEAD") == 0))
			return (GUARD_OPEN);
		return (GUARD_ADMIN);
	}
	if (path_match_nocase(path, GUARD_API_PREFIX) ||
	    path_match_nocase(path, GUARD_RESET_PATH))
		return (GUARD_REJECT);
	return (GUARD_OPEN);
}
