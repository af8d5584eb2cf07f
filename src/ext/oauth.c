/*
 * The external MCP client's OAuth 2.1 side, on a job's thread
 * (ext.h): the requests to metadata and OAuth endpoints, each on its
 * own target checked by the same address rules as the source (addr.c),
 * the code exchange with the PKCE verifier, and refresh around a session:
 * an access token about to expire, or refused with 401, is refreshed
 * once. Discovery and registration are in discover.c. Nothing of a
 * token ever goes into a message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "core/core.h"
#include "ext/ext.h"
#include "ext/job.h"

#define OAUTH_BODY_MAX		(256 * 1024)
#define OAUTH_TOKEN_MAX		6000
#define OAUTH_REFRESH_AHEAD_S	60

static size_t
eo_oh_header(char *p, size_t size, size_t n, void *arg)
{
	struct ext_http	*o = arg;
	size_t		 len = size * n, k;

	if (len > 17 && strncasecmp(p, "www-authenticate:", 17) == 0) {
		k = len - 17 < sizeof(o->www) - 1 ? len - 17 :
		    sizeof(o->www) - 1;
		memcpy(o->www, p + 17, k);
		o->www[k] = '\0';
		o->www[strcspn(o->www, "\r\n")] = '\0';
	}
	return (len);
}

static size_t
eo_oh_body(char *p, size_t size, size_t n, void *arg)
{
	struct ext_http	*o = arg;
	size_t		 len = size * n;
	long		 code;

	if (o->probe) {
		/* A source that answers without credentials may stream. */
		code = 0;
		curl_easy_getinfo(o->easy, CURLINFO_RESPONSE_CODE, &code);
		if (code >= 200 && code < 300)
			return (0);
	}
	return (ext_body_append(&o->t, &o->body, &o->blen, p, len,
	    OAUTH_BODY_MAX));
}

void
ext_http_free(struct ext_http *o)
{
	if (o->easy != NULL)
		curl_easy_cleanup(o->easy);
	curl_slist_free_all(o->t.resolve);
	if (o->body != NULL)
		explicit_bzero(o->body, o->blen);
	free(o->body);
	memset(o, 0, sizeof(*o));
}

/*
 * GET `url` (body NULL) or POST `body` as `ctype`. R_OK_ once an HTTP
 * answer arrived, whatever its status (o->code).
 */
int
ext_http_run(struct conn *c, struct ext_http *o, const char *url,
    const char *ctype, const char *body, const char *accept, int max_ms,
    int probe)
{
	struct curl_slist	*h;
	char			 hb[160];
	CURLcode		 rc;
	int			 r, ms;

	memset(o, 0, sizeof(*o));
	o->probe = probe;
	o->t.j = c->j;
	o->t.deadline = c->deadline;
	if (url == NULL || strlen(url) >= sizeof(o->t.url)) {
		ext_fail(c, "the authorization server gave MCPbox an unusable "
		    "URL%s", NULL);
		return (R_FAIL);
	}
	(void)snprintf(o->t.url, sizeof(o->t.url), "%s", url);
	if ((r = ext_target_check(&o->t)) != R_OK_)
		return (r);
	if ((o->easy = curl_easy_init()) == NULL) {
		ext_fail(c, "out of memory%s", NULL);
		return (R_FAIL);
	}
	ext_easy_common(&o->t, o->easy, url);
	(void)snprintf(hb, sizeof(hb), "Accept: %s", accept);
	h = curl_slist_append(NULL, hb);
	if (body != NULL) {
		(void)snprintf(hb, sizeof(hb), "Content-Type: %s", ctype);
		h = curl_slist_append(h, hb);
		curl_easy_setopt(o->easy, CURLOPT_POSTFIELDS, body);
	}
	curl_easy_setopt(o->easy, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(o->easy, CURLOPT_HEADERFUNCTION, eo_oh_header);
	curl_easy_setopt(o->easy, CURLOPT_HEADERDATA, o);
	curl_easy_setopt(o->easy, CURLOPT_WRITEFUNCTION, eo_oh_body);
	curl_easy_setopt(o->easy, CURLOPT_WRITEDATA, o);
	ms = ext_remaining_ms(c);
	if (ms > max_ms)
		ms = max_ms;
	curl_easy_setopt(o->easy, CURLOPT_TIMEOUT_MS, (long)(ms > 0 ? ms : 1));
	rc = o->rc = curl_easy_perform(o->easy);
	curl_easy_getinfo(o->easy, CURLINFO_RESPONSE_CODE, &o->code);
	curl_easy_setopt(o->easy, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(h);
	if (rc == CURLE_WRITE_ERROR && o->probe && o->code >= 200 &&
	    o->code < 300)
		return (R_OK_);
	if (rc != CURLE_OK)
		return (ext_curl_failure(&o->t, rc));
	return (R_OK_);
}

/* The answer as a JSON object when it is one with status 200/201. */
json_t *
ext_http_json(struct ext_http *o)
{
	json_t	*v;

	if ((o->code != 200 && o->code != 201) || o->body == NULL)
		return (NULL);
	v = json_loadb(o->body, o->blen, 0, NULL);
	if (!json_is_object(v)) {
		json_decref(v);
		return (NULL);
	}
	return (v);
}

/* Text from a server that is safe to put in a message: short, printable. */
static void
eo_clean_text(const char *in, char *out, size_t outlen)
{
	size_t	i, k;

	for (i = k = 0; in != NULL && in[i] != '\0' && k < outlen - 1 &&
	    i < 200; i++) {
		if ((unsigned char)in[i] >= 0x20 && (unsigned char)in[i] < 0x7f)
			out[k++] = in[i];
	}
	out[k] = '\0';
}

/* "&name=value", escaped; nothing when value is NULL or empty. */
void
ext_form_add(char **form, const char *name, const char *value)
{
	char	*e, *n;
	size_t	 len;

	if (value == NULL || *value == '\0')
		return;
	e = curl_easy_escape(NULL, value, 0);
	if (e == NULL)
		return;
	len = (*form != NULL ? strlen(*form) : 0) + strlen(name) +
	    strlen(e) + 3;
	if ((n = malloc(len)) != NULL) {
		(void)snprintf(n, len, "%s%s%s=%s", *form != NULL ? *form : "",
		    *form != NULL && **form != '\0' ? "&" : "", name, e);
		if (*form != NULL) {
			explicit_bzero(*form, strlen(*form));
			free(*form);
		}
		*form = n;
	}
	explicit_bzero(e, strlen(e));
	curl_free(e);
}

/*
 * A token request (code or refresh). *tokens gets {access_token,
 * refresh_token?, expires_in?}; the server's refusal becomes a message.
 */
static int
eo_token_request(struct conn *c, const char *endpoint, const char *form,
    json_t **tokens)
{
	struct ext_http	 o;
	json_t		*ans, *exp;
	const char	*at, *rt, *tt, *err;
	char		 e1[80], e2[200], msg[320];
	int		 rc;

	*tokens = NULL;
	rc = ext_http_run(c, &o, endpoint, "application/x-www-form-urlencoded",
	    form, "application/json", OAUTH_STEP_MS, 0);
	if (rc != R_OK_) {
		ext_http_free(&o);
		return (rc);
	}
	if (o.code == 200)
		ans = ext_http_json(&o);
	else
		ans = o.body != NULL ? json_loadb(o.body, o.blen, 0, NULL) :
		    NULL;
	if (o.code != 200) {
		err = json_string_value(json_object_get(ans, "error"));
		eo_clean_text(err != NULL ? err : "", e1, sizeof(e1));
		eo_clean_text(json_string_value(json_object_get(ans,
		    "error_description")), e2, sizeof(e2));
		(void)snprintf(msg, sizeof(msg), "%s%s%s%s", e1[0] ? e1 :
		    "HTTP error", e2[0] ? " (" : "", e2, e2[0] ? ")" : "");
		json_decref(ans);
		ext_http_free(&o);
		ext_fail(c, "the authorization server refused the token "
		    "request: %s", msg);
		c->auth_problem = 1;
		return (R_FAIL);
	}
	ext_http_free(&o);
	at = json_string_value(json_object_get(ans, "access_token"));
	rt = json_string_value(json_object_get(ans, "refresh_token"));
	tt = json_string_value(json_object_get(ans, "token_type"));
	exp = json_object_get(ans, "expires_in");
	if (at == NULL || *at == '\0' || strlen(at) > OAUTH_TOKEN_MAX ||
	    strpbrk(at, "\r\n") != NULL || (rt != NULL &&
	    strlen(rt) > OAUTH_TOKEN_MAX) || (tt != NULL &&
	    strcasecmp(tt, "bearer") != 0)) {
		json_decref(ans);
		ext_fail(c, "the authorization server's token answer is not a "
		    "usable bearer token%s", NULL);
		return (R_FAIL);
	}
	*tokens = json_pack("{s:s, s:I}", "access_token", at, "expires_in",
	    (json_int_t)(json_is_integer(exp) && json_integer_value(exp) > 0 &&
	    json_integer_value(exp) < 10 * 365 * 86400 ?
	    json_integer_value(exp) : 0));
	if (rt != NULL && *rt != '\0')
		json_object_set_new(*tokens, "refresh_token", json_string(rt));
	json_decref(ans);
	return (R_OK_);
}

/* EXT_OAUTH_START and EXT_OAUTH_TOKEN. */
int
ext_oauth_run(struct conn *c)
{
	json_t		*src = c->j->src, *out, *tokens;
	char		*form;
	int		 rc;

	if (c->j->op == EXT_OAUTH_TOKEN) {
		form = NULL;
		ext_form_add(&form, "grant_type", "authorization_code");
		ext_form_add(&form, "code", json_string_value(
		    json_object_get(src, "code")));
		ext_form_add(&form, "redirect_uri", json_string_value(
		    json_object_get(src, "redirect_uri")));
		ext_form_add(&form, "client_id", json_string_value(
		    json_object_get(src, "client_id")));
		ext_form_add(&form, "code_verifier", json_string_value(
		    json_object_get(src, "code_verifier")));
		ext_form_add(&form, "resource", json_string_value(
		    json_object_get(src, "resource")));
		rc = eo_token_request(c, c->url, form, &tokens);
		if (form != NULL)
			explicit_bzero(form, strlen(form));
		free(form);
		if (rc == R_OK_)
			c->j->result = tokens;
		return (rc);
	}
	out = json_object();
	if ((rc = ext_oauth_discover(c, out)) != R_OK_) {
		json_decref(out);
		return (rc);
	}
	c->j->result = out;
	return (R_OK_);
}

/* Step 6: a new access token from the refresh token, into c->auth. */
int
ext_oauth_refresh(struct conn *c)
{
	json_t		*o = json_object_get(c->j->src, "oauth"), *tokens;
	const char	*rt;
	char		*form;
	int		 rc;

	rt = json_string_value(json_object_get(o, "refresh_token"));
	c->auth_problem = 1;
	if (rt == NULL || *rt == '\0') {
		ext_fail(c, "the source's OAuth access token is no longer "
		    "accepted and there is no refresh token; an admin must "
		    "authorize the source again in the MCPbox panel%s", NULL);
		return (R_FAIL);
	}
	form = NULL;
	ext_form_add(&form, "grant_type", "refresh_token");
	ext_form_add(&form, "refresh_token", rt);
	ext_form_add(&form, "client_id", json_string_value(json_object_get(o,
	    "client_id")));
	ext_form_add(&form, "resource", json_string_value(json_object_get(o,
	    "resource")));
	rc = eo_token_request(c, json_string_value(json_object_get(o,
	    "token_endpoint")), form, &tokens);
	if (form != NULL)
		explicit_bzero(form, strlen(form));
	free(form);
	if (rc != R_OK_) {
		c->j->error[0] = '\0';
		ext_fail(c, "the source's OAuth authorization could not be "
		    "refreshed; an admin must authorize the source again in "
		    "the MCPbox panel%s", NULL);
		return (rc);
	}
	/* Servers that do not rotate keep the refresh token we had. */
	if (json_object_get(tokens, "refresh_token") == NULL)
		json_object_set_new(tokens, "refresh_token", json_string(rt));
	(void)snprintf(c->auth, sizeof(c->auth), "Authorization: Bearer %s",
	    json_string_value(json_object_get(tokens, "access_token")));
	json_decref(c->j->new_tokens);
	c->j->new_tokens = tokens;
	c->auth_problem = 0;
	return (R_OK_);
}

/* Before a session: refresh an access token that is about to expire. */
int
ext_oauth_fresh(struct conn *c)
{
	json_t		*o = json_object_get(c->j->src, "oauth");
	json_int_t	 exp;

	if (o == NULL)
		return (R_OK_);
	exp = json_integer_value(json_object_get(o, "expires_at"));
	if (exp <= 0 || (json_int_t)time(NULL) + OAUTH_REFRESH_AHEAD_S < exp)
		return (R_OK_);
	if (json_string_value(json_object_get(o, "refresh_token")) == NULL)
		return (R_OK_);	/* try it; a 401 says what to do */
	if (ext_oauth_refresh(c) == R_OK_)
		return (R_OK_);
	/* Not expired yet: use it while it lasts; a 401 tries again. */
	if ((json_int_t)time(NULL) < exp) {
		c->j->error[0] = '\0';
		c->auth_problem = 0;
		return (R_OK_);
	}
	return (R_FAIL);
}
