/*
 * Shared pieces of the authorization server: the signing key, form and
 * query parsing, hashing and the error shapes of RFC 6749 §5.2.
 */
#include <string.h>

#include <openssl/sha.h>

#include "oauth/oauth.h"
#include "db/oauthkey.h"

uint8_t	oauth_key[32];
int	oauth_key_ok;

/*
 * Parent, before the workers fork: open (or create) the signing key. Only
 * when a public URL is set: without one nothing is remote and nobody can
 * be issued a token.
 */
int
oauth_parent_init(void)
{
	char	err[256];

	if (mcpbox_cfg.public_url == NULL)
		return (0);
	if (db_oauth_key_load(mcpbox_cfg.database_url, mcpbox_cfg.enc_key,
	    mcpbox_cfg.has_old_key ? mcpbox_cfg.enc_key_old : NULL, oauth_key,
	    err, sizeof(err)) == -1) {
		log_error("cannot open the OAuth signing key: %s", err);
		return (-1);
	}
	oauth_key_ok = 1;
	/* Inherited by the workers; kept current by mcpbox_admin_changed. */
	if (db_oauth_admin_load(mcpbox_cfg.database_url, &oauth_admin.pv,
	    oauth_admin.name, sizeof(oauth_admin.name), err,
	    sizeof(err)) == -1) {
		log_error("cannot read the admin for OAuth: %s", err);
		return (-1);
	}
	oauth_admin.known = 1;
	return (0);
}

int
oauth_enabled(void)
{
	return (mcpbox_cfg.public_url != NULL && oauth_key_ok);
}

/* RFC 8707 resource of the MCP endpoint: the public URL + "/mcp". */
void
oauth_resource(char *out, size_t len)
{
	(void)snprintf(out, len, "%s/mcp", mcpbox_cfg.public_url != NULL ?
	    mcpbox_cfg.public_url : "");
}

/* RFC 9728 §3.1: the well-known path goes between host and path. */
void
oauth_metadata_url(char *out, size_t len)
{
	(void)snprintf(out, len, "%s/.well-known/oauth-protected-resource/mcp",
	    mcpbox_cfg.public_url != NULL ? mcpbox_cfg.public_url : "");
}

static void
oauth_ctx_free(void *arg)
{
	struct oauth_ctx	*c = arg;

	if (c->task_used)
		kore_task_destroy(&c->task);
	db_call_clear(&c->db);
	if (c->form != NULL) {
		explicit_bzero(c->form, c->form_len);
		kore_free(c->form);
	}
	explicit_bzero(c, sizeof(*c));
	kore_free(c);
}

struct oauth_ctx *
oauth_ctx_get(struct http_request *req)
{
	return (hx_data(req, sizeof(struct oauth_ctx), oauth_ctx_free));
}

/* Read an application/x-www-form-urlencoded body into c->form. */
enum hx_turn
oauth_form_read(struct http_request *req, struct oauth_ctx *c)
{
	struct hx	*x = http_state_get(req);
	const char	*ct;
	int		status;

	if (c->form != NULL)
		return (HX_GO_ON);
	if (!http_request_header(req, "content-type", &ct) ||
	    strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0)
		return (oauth_error(req, 400, "invalid_request", "the body "
		    "must be application/x-www-form-urlencoded"), HX_ANSWERED);
	if (hx_body_read(req, 16384, &status) == -1)
		return (oauth_error(req, status, "invalid_request",
		    "the body could not be read"), HX_ANSWERED);
	c->form = kore_malloc(x->body_len + 1);
	memcpy(c->form, x->body, x->body_len);
	c->form[x->body_len] = '\0';
	c->form_len = x->body_len;
	if (strlen(c->form) != c->form_len)
		return (oauth_error(req, 400, "invalid_request",
		    "the body has a NUL byte"), HX_ANSWERED);
	return (HX_GO_ON);
}

/*
 * One parameter of a urlencoded string: 1 with the value, 0 when absent,
 * malformed, or present twice (RFC 6749 §3.1: a repeated parameter is an
 * error, and reading it as absent makes every caller refuse it).
 */
int
oauth_form(const char *form, const char *name, char *out, size_t outlen)
{
	const char	*p, *amp, *eq;
	size_t		nlen;
	int		found;

	if (form == NULL)
		return (0);
	nlen = strlen(name);
	found = 0;
	for (p = form; *p != '\0'; p = *amp ? amp + 1 : amp) {
		if ((amp = strchr(p, '&')) == NULL)
			amp = p + strlen(p);
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq == NULL || (size_t)(eq - p) != nlen ||
		    strncmp(p, name, nlen) != 0)
			continue;
		if (found++ || hx_urldecode(eq + 1, (size_t)(amp - eq - 1), out,
		    outlen) == -1) {
			out[0] = '\0';
			return (0);
		}
	}
	return (found == 1);
}

int
oauth_query(struct http_request *req, const char *name, char *out,
    size_t outlen)
{
	return (oauth_form(req->query_string, name, out, outlen));
}

void
oauth_sha256_hex(const char *s, char out[OAUTH_TOKEN_HEX])
{
	uint8_t	md[SHA256_DIGEST_LENGTH];

	(void)SHA256((const unsigned char *)s, strlen(s), md);
	hex_encode(md, sizeof(md), out);
}

/* RFC 6749 §5.2 error body; never cached. */
int
oauth_error(struct http_request *req, int status, const char *error,
    const char *description)
{
	http_response_header(req, "cache-control", "no-store");
	return (hx_json(req, status, json_pack("{s:s, s:s}", "error", error,
	    "error_description", description)));
}

/* Redirect URIs a client may register: core/redirect.c has the rules. */
int
oauth_redirect_uri_ok(const char *u)
{
	return (redirect_uri_check(u, NULL) == 0);
}

char *
oauth_html_escape(const char *s)
{
	struct kore_buf	b;
	char		*out;

	kore_buf_init(&b, 128);
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			kore_buf_append(&b, "&amp;", 5);
			break;
		case '<':
			kore_buf_append(&b, "&lt;", 4);
			break;
		case '>':
			kore_buf_append(&b, "&gt;", 4);
			break;
		case '"':
			kore_buf_append(&b, "&quot;", 6);
			break;
		case '\'':
			kore_buf_append(&b, "&#39;", 5);
			break;
		default:
			kore_buf_append(&b, s, 1);
		}
	}
	out = kore_buf_stringify(&b, NULL);
	out = kore_strdup(out);
	kore_buf_cleanup(&b);
	return (out);
}

/* RFC 7636 §4.1: 43-128 unreserved characters. */
int
oauth_pkce_verifier_ok(const char *v)
{
	size_t	n = strlen(v);

	return (n >= 43 && n <= 128 && strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-._~") == n);
}
