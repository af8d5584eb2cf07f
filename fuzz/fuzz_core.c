/*
 * fuzz_core.c -- libFuzzer target for the core input functions
 * (src/core/): the path guard, names and hosts, the configuration value
 * parsers, the log's UTF-8 cleaner, request ids, access tokens, the
 * base64/hex decoders and the WWW-Authenticate parameter reader.  The first input byte picks the function, the rest
 * is its argument, so each one gets the whole corpus.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const uint8_t	secret[32] = "fuzz-secret-fuzz-secret-fuzz-se";

static void
decoders(const char *s)
{
	uint8_t		 buf[256], *out;
	size_t		 n;
	char		*enc, hex[513];

	if (hex_decode(s, buf, sizeof(buf), &n) == 0) {
		if (n > sizeof(buf))
			abort();
		hex_encode(buf, n, hex);
	}
	if (b64_decode(s, &out, &n) == 0) {
		if ((enc = b64_encode(out, n)) != NULL)
			free(enc);
		free(out);
	}
	if (b64url_decode(s, &out, &n) == 0) {
		if ((enc = b64url_encode(out, n)) != NULL)
			free(enc);
		free(out);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jwt_claims	 cl;
	enum log_level		 lvl;
	uint8_t			 key[CONFIG_KEY_LEN];
	char			 host[256], norm[256], rid[REQID_MAX + 1];
	char			*s, *c;
	char			 pbuf[16];
	size_t			 n;

	if (size < 1 || size > 65536)
		return (0);
	if ((s = malloc(size)) == NULL)
		return (0);
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	n = size - 1;
	switch (data[0] % 9) {
	case 0:
		(void)pathguard_classify("GET", s);
		(void)pathguard_classify("POST", s);
		(void)path_is_canonical(s);
		(void)path_match(s, "/api");
		(void)path_match("/api/servers", s);
		break;
	case 1:
		(void)ident_valid(s);
		(void)uuid_valid(s);
		if (host_normalize(s, norm, sizeof(norm)) == 0 &&
		    strlen(norm) >= sizeof(norm))
			abort();
		break;
	case 2:
		(void)config_parse_listen(s, host, sizeof(host), pbuf, sizeof(pbuf));
		(void)config_parse_key(s, key);
		(void)config_parse_log_level(s, &lvl);
		(void)config_loopback_url(s);
		(void)config_email_allowed(s, "ann@example.com");
		(void)config_email_allowed("example.com,bob@x.org", s);
		break;
	case 3:
		/* Raw bytes, NULs included. */
		if ((c = log_utf8_clean((const char *)data + 1, n)) != NULL)
			free(c);
		break;
	case 4:
		if (reqid_valid(s) && strlen(s) > REQID_MAX)
			abort();
		reqid_choose(s, rid);
		if (!reqid_valid(rid))
			abort();
		break;
	case 5:
		(void)jwt_check(secret, sizeof(secret), s, "access", 1700000000,
		    &cl);
		(void)jwt_check(secret, sizeof(secret), s, "refresh",
		    1700000000, &cl);
		break;
	case 6:
		decoders(s);
		break;
	case 7:
		(void)password_policy(s, host, sizeof(host));
		break;
	case 8:
		/* A source's 401: what comes out fits and is printable. */
		if (wwwauth_param(s, "resource_metadata", host, sizeof(host)) &&
		    (strlen(host) >= sizeof(host) || strlen(host) == 0))
			abort();
		if (wwwauth_param(s, "scope", rid, sizeof(rid)) &&
		    strlen(rid) >= sizeof(rid))
			abort();
		break;
	}
	free(s);
	return (0);
}
