/*
 * oauth/: remote access (docs/REMOTE-ACCESS.md). Requests whose Host is
 * MCPBOX_PUBLIC_URL's host are remote; they never reach the admin panel or
 * /api, and /mcp serves them only with a credential from a front door:
 *
 *   - an access token from the OAuth 2.1 authorization server built in
 *     here (MCP authorization spec: RFC 9728 metadata, RFC 8414 metadata,
 *     RFC 7591 registration, code + PKCE S256, refresh with rotation),
 *   - a Cloudflare Access JWT (cfaccess.c), when the team is configured,
 *   - the service token of a trusted proxy (src/mcp/origin.c).
 *
 * Access tokens are HS256 JWTs under a random key sealed in PostgreSQL
 * (db/oauthkey.c) that the parent opens before the workers fork, so the
 * gate checks them without a query. Everything with state (registered
 * clients, consent requests, codes, refresh tokens) lives in PostgreSQL.
 */
#ifndef MCPBOX_OAUTH_H
#define MCPBOX_OAUTH_H

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/tasks.h>

#include "http/http.h"
#include "db/db.h"

#define OAUTH_ACCESS_TTL	(15 * 60)
#define OAUTH_REFRESH_TTL	(30 * 24 * 3600)
#define OAUTH_URL_MAX		2048
#define OAUTH_TOKEN_HEX		SHA256_HEX	/* stored form */

/* Who a front door vouched for: 2 in *remote means "a verified user". */
#define OAUTH_REMOTE		1
#define OAUTH_REMOTE_USER	2

/*
 * The steps of an OAuth route that checks its input and then runs one
 * statement; the authorize page declares its own enum.
 */
enum oauth_step {
	OAUTH_CHECK = 0,	/* the input, once */
	OAUTH_RUN,		/* the statement, until it answers */
};

/* Per-request state of the OAuth routes. */
struct oauth_ctx {
	int			step;
	struct db_call		db;
	struct kore_task	task;
	int			task_used;
	int			ok;
	char			*form;		/* decoded body, NUL-ended */
	size_t			form_len;
	char			hash[OAUTH_TOKEN_HEX];
	char			hash2[OAUTH_TOKEN_HEX];
	char			secret[64];	/* code or refresh token */
	char			secret2[64];
	char			user[64];
	char			password[160];
	char			encoded[192];
	int			have_encoded;
	char			client_name[256];
	char			redirect_uri[600];
	/* The consent's choice: "call" or "author", and the servers (a
	 * JSON array, or NULL for every server). */
	char			grant_scope[16];
	char			*grant_servers;
};

/* oauth_server.c */
extern uint8_t	oauth_key[32];
extern int	oauth_key_ok;

int		oauth_parent_init(void);
int		oauth_enabled(void);
void		oauth_resource(char *, size_t);
void		oauth_resource_of(const char *path, char *, size_t);
int		oauth_resource_ok(const char *, char *, size_t);
void		oauth_metadata_url(const char *path, char *, size_t);

/* oauth_request.c */
struct oauth_ctx	*oauth_ctx_get(struct http_request *);
enum hx_turn	oauth_form_read(struct http_request *, struct oauth_ctx *);
int		oauth_form(const char *form, const char *name, char *out,
		    size_t outlen);
int		oauth_query(struct http_request *, const char *, char *,
		    size_t);
int		oauth_error(struct http_request *, int status,
		    const char *error, const char *description);

/* oauth_gate.c */
/*
 * The active admins as every worker knows them: access tokens minted
 * under another password version, or for a name that is no active admin,
 * are refused at once. Loaded by the parent, updated on NOTIFY
 * mcpbox_admin_changed ("<version> <name>", or "- <name>").
 */
#define OAUTH_ADMINS_MAX	64
struct oauth_admin {
	int	pv;
	char	name[64];
};
struct oauth_admins {
	int			known;
	size_t			n;
	struct oauth_admin	a[OAUTH_ADMINS_MAX];
};
extern struct oauth_admins	oauth_admins;
void		oauth_admins_set(const char *payload);
void		oauth_worker_init(void);
/* `ctid`: the consent's client token row, NULL for none. */
char		*oauth_access_issue(const char *sub, int pv, const char *client_id,
		    const char *resource, const char *scope, const char *ctid,
		    int64_t now);
/* 0, the subject and the client token row ("" when none) for a live
 * access token. */
int		oauth_access_check(const char *token, const char *resource,
		    int64_t now, char *sub, size_t sublen, char ctid[37]);
/* A refusal of the remote gate, for the caller to answer (status 0: go
 * on). */
struct oauth_verdict {
	int		status;		/* 401, 403 or 503 */
	const char	*why;
	int		challenge;	/* 401: send oauth_challenge_header */
	const char	*error;		/* its error="..." or NULL */
	int		retry_after;	/* seconds; 0: none */
	/* Going on with an OAuth access token: the client token row its
	 * consent made (what the client may see), "" for none. */
	char		ctid[37];
};
int		oauth_remote_gate(struct http_request *, int *remote,
		    char *who, size_t wholen, struct oauth_verdict *);
void		oauth_challenge_header(struct http_request *,
		    const char *error);

/* cfaccess.c */
enum cf_verdict {
	CF_OK = 0,
	CF_BAD,
	CF_NO_KEY,		/* keys not (yet) known: retry shortly */
};
void		cfaccess_init(void);
int		cfaccess_enabled(void);
enum cf_verdict	cfaccess_verify(const char *jwt, int64_t now, char *email,
		    size_t emaillen);
int		cfaccess_keys_loaded(void);

/* Routes (conf/mcpbox.conf). */
int	oauth_protected_resource(struct http_request *);
int	oauth_server_metadata(struct http_request *);
int	oauth_register(struct http_request *);
int	oauth_authorize(struct http_request *);
int	oauth_token(struct http_request *);
int	oauth_revoke(struct http_request *);

#endif
