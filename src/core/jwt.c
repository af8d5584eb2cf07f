/*
 * Admin API tokens: HS256 JSON Web Tokens (RFC 7519) signed with the JWT
 * secret from the configuration.
 *
 * Every token carries sub (the admin user), typ ("access" or "refresh", so
 * a long-lived refresh token is never accepted where an access token is
 * expected), pv (the user's password version: changing the password bumps
 * it and so invalidates every older token), jti (a UUID the revocation
 * list refers to), iat and exp.
 *
 * libjwt does the signing and the signature check; everything it does not
 * enforce is enforced here: the algorithm must be HS256 and nothing else
 * (RFC 8725 §3.1 — a token may not choose how it is verified, least of all
 * "none"), every claim must be present with the right JSON type, and the
 * token is refused at exp itself. Nothing here keeps state between calls,
 * so worker event loops and task threads may call it concurrently.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <jwt.h>

#include "core/core.h"

static int	jwt_claim_str(json_t *, const char *, char *, size_t);
static int	jwt_claim_int(json_t *, const char *, int64_t *);
static int	jwt_claims_parse(jwt_t *, struct jwt_claims *);

char *
jwt_issue(const uint8_t *secret, size_t secretlen, const char *sub,
    const char *typ, int pv, const char *sid, int ttl_s, int64_t now,
    char jti_out[37], int64_t *exp_out)
{
	struct jwt_claims	lim;
	jwt_t			*jwt;
	char			jti[37], *tok;
	int64_t			exp;
	int			ok;

	if (secret == NULL || secretlen == 0 || secretlen > INT_MAX ||
	    sub == NULL || *sub == '\0' || strlen(sub) >= sizeof(lim.sub) ||
	    typ == NULL || *typ == '\0' || strlen(typ) >= sizeof(lim.typ) ||
	    sid == NULL || *sid == '\0' || strlen(sid) >= sizeof(lim.sid) ||
	    ttl_s <= 0 || now < 0 || now > INT64_MAX - ttl_s)
		return (NULL);
	exp = now + ttl_s;
	crypto_uuid4(jti);
	if (jwt_new(&jwt) != 0)
		return (NULL);
	ok = jwt_add_grant(jwt, "sub", sub) == 0 &&
	    jwt_add_grant(jwt, "typ", typ) == 0 &&
	    jwt_add_grant_int(jwt, "pv", pv) == 0 &&
	    jwt_add_grant(jwt, "jti", jti) == 0 &&
	    jwt_add_grant(jwt, "sid", sid) == 0 &&
	    jwt_add_grant_int(jwt, "iat", (long)now) == 0 &&
	    jwt_add_grant_int(jwt, "exp", (long)exp) == 0 &&
	    jwt_set_alg(jwt, JWT_ALG_HS256, secret, (int)secretlen) == 0;
	tok = ok ? jwt_encode_str(jwt) : NULL;
	jwt_free(jwt);
	if (tok == NULL)
		return (NULL);
	if (jti_out != NULL)
		memcpy(jti_out, jti, sizeof(jti));
	if (exp_out != NULL)
		*exp_out = exp;
	return (tok);
}

static int
jwt_claim_str(json_t *o, const char *name, char *out, size_t outlen)
{
	json_t		*v;
	const char	*s;

	if ((v = json_object_get(o, name)) == NULL || !json_is_string(v))
		return (-1);
	s = json_string_value(v);
	if (*s == '\0' || json_string_length(v) >= outlen ||
	    strlen(s) != json_string_length(v))
		return (-1);
	memcpy(out, s, json_string_length(v) + 1);
	return (0);
}

static int
jwt_claim_int(json_t *o, const char *name, int64_t *out)
{
	json_t	*v;

	if ((v = json_object_get(o, name)) == NULL || !json_is_integer(v))
		return (-1);
	*out = (int64_t)json_integer_value(v);
	return (0);
}

static int
jwt_claims_parse(jwt_t *jwt, struct jwt_claims *cl)
{
	json_t		*o;
	char		*js;
	int64_t		pv;
	int		rc;

	if ((js = jwt_get_grants_json(jwt, NULL)) == NULL)
		return (-1);
	o = json_loads(js, JSON_REJECT_DUPLICATES, NULL);
	free(js);
	if (o == NULL)
		return (-1);
	rc = -1;
	if (json_is_object(o) &&
	    jwt_claim_str(o, "sub", cl->sub, sizeof(cl->sub)) == 0 &&
	    jwt_claim_str(o, "typ", cl->typ, sizeof(cl->typ)) == 0 &&
	    jwt_claim_str(o, "jti", cl->jti, sizeof(cl->jti)) == 0 &&
	    jwt_claim_int(o, "pv", &pv) == 0 && pv >= INT_MIN &&
	    pv <= INT_MAX &&
	    jwt_claim_int(o, "iat", &cl->iat) == 0 &&
	    jwt_claim_int(o, "exp", &cl->exp) == 0) {
		cl->pv = (int)pv;
		/* Tokens from before logins had an id are their own family. */
		if (json_object_get(o, "sid") == NULL)
			(void)snprintf(cl->sid, sizeof(cl->sid), "%s", cl->jti);
		else if (jwt_claim_str(o, "sid", cl->sid,
		    sizeof(cl->sid)) == -1)
			goto out;
		rc = 0;
	}
out:
	json_decref(o);
	return (rc);
}

int
jwt_check(const uint8_t *secret, size_t secretlen, const char *token,
    const char *want_typ, int64_t now, struct jwt_claims *out)
{
	struct jwt_claims	cl;
	jwt_t			*jwt;
	int			rc;

	memset(out, 0, sizeof(*out));
	if (secret == NULL || secretlen == 0 || secretlen > INT_MAX ||
	    token == NULL || want_typ == NULL ||
	    strnlen(token, JWT_TOKEN_MAX + 1) > JWT_TOKEN_MAX)
		return (-1);
	jwt = NULL;
	if (jwt_decode(&jwt, token, secret, (int)secretlen) != 0) {
		if (jwt != NULL)
			jwt_free(jwt);
		return (-1);
	}
	/* libjwt verifies with whatever alg the header names; we do not. */
	rc = -1;
	memset(&cl, 0, sizeof(cl));
	if (jwt_get_alg(jwt) == JWT_ALG_HS256 && jwt_claims_parse(jwt,
	    &cl) == 0 &&
	    strcmp(cl.typ, want_typ) == 0 && now < cl.exp && cl.iat < cl.exp)
		rc = 0;
	jwt_free(jwt);
	if (rc == 0)
		*out = cl;
	return (rc);
}
