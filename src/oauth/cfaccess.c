/*
 * Cloudflare Access as a front door: every request Access lets through
 * carries Cf-Access-Jwt-Assertion, an RS256 JWT signed by the team's keys
 * (https://<team>/cdn-cgi/access/certs). We verify it ourselves rather
 * than trust that the tunnel is the only way in.
 *
 * Each worker keeps the team's keys as PEM (JWK -> OpenSSL key -> PEM,
 * the form libjwt verifies with). The gate must not wait on the network,
 * so fetching runs in a Kore task thread with libcurl: at start, every
 * ten minutes, and when a token names a kid we don't have (key rotation).
 * Until the keys arrive such a request gets 503 + Retry-After. A kid that
 * a fresh fetch did not contain is remembered as bad for a minute (the
 * negative cache), and fetches start at most every five seconds, so
 * tokens with made-up kids can't make us hammer the team's endpoint.
 */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jwt.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "oauth/oauth.h"

#define CF_KEYS_MAX		16
#define CF_KID_MAX		128
#define CF_NEG_MAX		16
#define CF_BODY_MAX		(256 * 1024)
#define CF_REFRESH_MS		(10 * 60 * 1000)
#define CF_MIN_GAP_MS		5000
#define CF_NEG_TTL_MS		60000
#define CF_SKEW_S		60

struct cf_key {
	char	kid[CF_KID_MAX];
	char	*pem;
};

struct cf_neg {
	char		kid[CF_KID_MAX];
	uint64_t	until;		/* 0: asked for, fetch pending */
};

static struct cf_key	keys[CF_KEYS_MAX];
static int		nkeys;
static struct cf_neg	neg[CF_NEG_MAX];
static int		fetching;
static uint64_t		last_start;
static struct kore_task	fetch_task;

/* Owned by the task thread while it runs, by the worker after. */
static char		fetch_url[OAUTH_URL_MAX];
static char		*fetch_body;
static size_t		fetch_len;
static int		fetch_ok;

int
cfaccess_enabled(void)
{
	return (mcpbox_cfg.cf_access_issuer != NULL &&
	    mcpbox_cfg.cf_access_aud != NULL);
}

int
cfaccess_keys_loaded(void)
{
	return (nkeys);
}

static size_t
cfa_fetch_write(char *p, size_t sz, size_t n, void *arg)
{
	char	*nb;

	(void)arg;
	if (fetch_len + sz * n > CF_BODY_MAX)
		return (0);
	if ((nb = realloc(fetch_body, fetch_len + sz * n + 1)) == NULL)
		return (0);
	fetch_body = nb;
	memcpy(fetch_body + fetch_len, p, sz * n);
	fetch_len += sz * n;
	fetch_body[fetch_len] = '\0';
	return (sz * n);
}

/* Task thread: one GET, nothing shared but the fetch_* variables. */
static int
cfa_fetch_run(struct kore_task *t)
{
	CURL	*cu;
	long	code;

	(void)t;
	fetch_ok = 0;
	if ((cu = curl_easy_init()) == NULL)
		return (KORE_RESULT_OK);
	(void)curl_easy_setopt(cu, CURLOPT_URL, fetch_url);
	(void)curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(cu, CURLOPT_TIMEOUT_MS, 5000L);
	(void)curl_easy_setopt(cu, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
	(void)curl_easy_setopt(cu, CURLOPT_PROTOCOLS_STR,
	    config_loopback_url(fetch_url) ? "http,https" : "https");
	(void)curl_easy_setopt(cu, CURLOPT_FOLLOWLOCATION, 0L);
	(void)curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, cfa_fetch_write);
	if (curl_easy_perform(cu) == CURLE_OK &&
	    curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK &&
	    code == 200 && fetch_body != NULL)
		fetch_ok = 1;
	curl_easy_cleanup(cu);
	return (KORE_RESULT_OK);
}

/* RSA JWK (n, e) -> PEM SubjectPublicKeyInfo; NULL when malformed. */
static char *
cfa_jwk_to_pem(json_t *k)
{
	OSSL_PARAM_BLD	*bld;
	OSSL_PARAM	*params;
	EVP_PKEY_CTX	*ctx;
	EVP_PKEY	*pkey;
	BIGNUM		*n, *e;
	BIO		*bio;
	uint8_t		*nb, *eb;
	size_t		nl, el;
	char		*pem, *data;
	long		len;

	nb = eb = NULL;
	n = e = NULL;
	bld = NULL;
	params = NULL;
	ctx = NULL;
	pkey = NULL;
	bio = NULL;
	pem = NULL;
	if (!json_is_string(json_object_get(k, "n")) ||
	    !json_is_string(json_object_get(k, "e")) ||
	    b64url_decode(json_string_value(json_object_get(k, "n")), &nb,
	    &nl) == -1 ||
	    b64url_decode(json_string_value(json_object_get(k, "e")), &eb,
	    &el) == -1 || nl < 256 || nl > 1024 || el == 0 || el > 8)
		goto out;
	n = BN_bin2bn(nb, (int)nl, NULL);
	e = BN_bin2bn(eb, (int)el, NULL);
	if (n == NULL || e == NULL || (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0 ||
	    (bio = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_PUBKEY(bio, pkey))
		goto out;
	len = BIO_get_mem_data(bio, &data);
	if (len > 0 && (pem = calloc(1, (size_t)len + 1)) != NULL)
		memcpy(pem, data, (size_t)len);
out:
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	free(nb);
	free(eb);
	return (pem);
}

static int
cfa_have_kid(const char *kid)
{
	int	i;

	for (i = 0; i < nkeys; i++)
		if (strcmp(keys[i].kid, kid) == 0)
			return (i);
	return (-1);
}

/* Worker: the task finished; swap in the new key set if it parsed. */
static void
cfa_fetch_done(struct kore_task *t)
{
	struct cf_key	fresh[CF_KEYS_MAX];
	json_t		*o, *arr, *k, *kid;
	size_t		i;
	int		n, j;

	if (kore_task_state(t) != KORE_TASK_STATE_FINISHED)
		return;
	kore_task_destroy(t);
	fetching = 0;
	n = 0;
	o = fetch_ok ? json_loads(fetch_body, 0, NULL) : NULL;
	arr = json_object_get(o, "keys");
	json_array_foreach(arr, i, k) {
		kid = json_object_get(k, "kid");
		if (n == CF_KEYS_MAX || !json_is_string(kid) ||
		    json_string_length(kid) >= CF_KID_MAX ||
		    !json_is_string(json_object_get(k, "kty")) ||
		    strcmp(json_string_value(json_object_get(k, "kty")),
		    "RSA") != 0)
			continue;
		if ((fresh[n].pem = cfa_jwk_to_pem(k)) == NULL)
			continue;
		(void)snprintf(fresh[n].kid, CF_KID_MAX, "%s",
		    json_string_value(kid));
		n++;
	}
	json_decref(o);
	free(fetch_body);
	fetch_body = NULL;
	fetch_len = 0;
	if (n == 0) {
		log_warn("cloudflare access: no usable keys from %s", fetch_url);
		for (j = 0; j < CF_NEG_MAX; j++)
			neg[j].kid[0] = '\0';
		return;
	}
	for (j = 0; j < nkeys; j++)
		free(keys[j].pem);
	memcpy(keys, fresh, sizeof(fresh[0]) * (size_t)n);
	nkeys = n;
	/* Kids we fetched for and still don't have are bad for a while. */
	for (j = 0; j < CF_NEG_MAX; j++) {
		if (neg[j].kid[0] == '\0' || neg[j].until != 0)
			continue;
		if (cfa_have_kid(neg[j].kid) >= 0)
			neg[j].kid[0] = '\0';
		else
			neg[j].until = clock_ms() + CF_NEG_TTL_MS;
	}
	log_info("cloudflare access: %d signing keys loaded", n);
}

static void
cfa_fetch_start(void)
{
	if (fetching || (last_start != 0 &&
	    clock_ms() - last_start < CF_MIN_GAP_MS))
		return;
	fetching = 1;
	last_start = clock_ms();
	fetch_ok = 0;
	kore_task_create(&fetch_task, cfa_fetch_run);
	kore_task_bind_callback(&fetch_task, cfa_fetch_done);
	kore_task_run(&fetch_task);
}

static void
cfa_refresh_timer(void *arg, uint64_t now)
{
	(void)arg;
	(void)now;
	cfa_fetch_start();
}

/* Per worker, from kore_worker_configure. */
void
cfaccess_init(void)
{
	if (!cfaccess_enabled())
		return;
	(void)curl_global_init(CURL_GLOBAL_DEFAULT);
	(void)snprintf(fetch_url, sizeof(fetch_url), "%s/cdn-cgi/access/certs",
	    mcpbox_cfg.cf_access_issuer);
	cfa_fetch_start();
	(void)kore_timer_add(cfa_refresh_timer, CF_REFRESH_MS, NULL, 0);
}

/* The kid of an unknown key: bad (negative cache) or wait for a fetch. */
static enum cf_verdict
cfa_unknown_kid(const char *kid)
{
	uint64_t	now = clock_ms();
	int		i, free_slot;

	free_slot = -1;
	for (i = 0; i < CF_NEG_MAX; i++) {
		if (neg[i].kid[0] != '\0' && neg[i].until != 0 &&
		    neg[i].until < now)
			neg[i].kid[0] = '\0';
		if (neg[i].kid[0] == '\0') {
			if (free_slot == -1)
				free_slot = i;
			continue;
		}
		if (strcmp(neg[i].kid, kid) == 0)
			return (neg[i].until != 0 ? CF_BAD :
			    (cfa_fetch_start(), CF_NO_KEY));
	}
	if (free_slot == -1)
		return (CF_BAD);
	(void)snprintf(neg[free_slot].kid, CF_KID_MAX, "%s", kid);
	neg[free_slot].until = 0;
	cfa_fetch_start();
	return (CF_NO_KEY);
}

static int
cfa_aud_ok(json_t *aud)
{
	json_t	*v;
	size_t	i;

	if (json_is_string(aud))
		return (strcmp(json_string_value(aud),
		    mcpbox_cfg.cf_access_aud) == 0);
	json_array_foreach(aud, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v),
		    mcpbox_cfg.cf_access_aud) == 0)
			return (1);
	return (0);
}

enum cf_verdict
cfaccess_verify(const char *tok, int64_t now, char *email, size_t emaillen)
{
	jwt_t		*jwt;
	json_t		*h, *o, *exp, *nbf, *em;
	const char	*dot;
	uint8_t		*hb;
	size_t		hl;
	char		hseg[1024], kid[CF_KID_MAX], *js;
	int		i, ok;

	*email = '\0';
	if (strnlen(tok, 8193) > 8192 || (dot = strchr(tok, '.')) == NULL ||
	    (size_t)(dot - tok) >= sizeof(hseg))
		return (CF_BAD);
	memcpy(hseg, tok, (size_t)(dot - tok));
	hseg[dot - tok] = '\0';
	if (b64url_decode(hseg, &hb, &hl) == -1)
		return (CF_BAD);
	h = json_loadb((const char *)hb, hl, 0, NULL);
	free(hb);
	ok = json_is_string(json_object_get(h, "alg")) &&
	    strcmp(json_string_value(json_object_get(h, "alg")), "RS256") == 0 &&
	    json_is_string(json_object_get(h, "kid")) &&
	    json_string_length(json_object_get(h, "kid")) < CF_KID_MAX;
	if (ok)
		(void)snprintf(kid, sizeof(kid), "%s",
		    json_string_value(json_object_get(h, "kid")));
	json_decref(h);
	if (!ok)
		return (CF_BAD);
	if ((i = cfa_have_kid(kid)) == -1)
		return (cfa_unknown_kid(kid));

	jwt = NULL;
	if (jwt_decode(&jwt, tok, (const unsigned char *)keys[i].pem,
	    (int)strlen(keys[i].pem)) != 0) {
		if (jwt != NULL)
			jwt_free(jwt);
		return (CF_BAD);
	}
	o = NULL;
	if (jwt_get_alg(jwt) == JWT_ALG_RS256 &&
	    (js = jwt_get_grants_json(jwt, NULL)) != NULL) {
		o = json_loads(js, JSON_REJECT_DUPLICATES, NULL);
		free(js);
	}
	jwt_free(jwt);
	exp = json_object_get(o, "exp");
	nbf = json_object_get(o, "nbf");
	em = json_object_get(o, "email");
	ok = o != NULL && cfa_aud_ok(json_object_get(o, "aud")) &&
	    json_is_string(json_object_get(o, "iss")) &&
	    strcmp(json_string_value(json_object_get(o, "iss")),
	    mcpbox_cfg.cf_access_issuer) == 0 &&
	    json_is_integer(exp) && json_integer_value(exp) + CF_SKEW_S > now &&
	    (nbf == NULL || (json_is_integer(nbf) &&
	    json_integer_value(nbf) - CF_SKEW_S <= now)) &&
	    json_is_string(em) && json_string_length(em) > 0 &&
	    json_string_length(em) < emaillen &&
	    strchr(json_string_value(em), '@') != NULL;
	if (ok)
		(void)snprintf(email, emaillen, "%s", json_string_value(em));
	json_decref(o);
	return (ok ? CF_OK : CF_BAD);
}
