-- OAuth 2.1 for external MCP sources (docs/EXTERNAL-SOURCES.md): MCPbox
-- is the OAuth client. An admin starts a flow in the panel; the flow's
-- PKCE verifier waits here (single use, 10 minutes) until the browser
-- comes back with the code; the tokens are then sealed under the
-- encryption key (AAD oauth_tokens:{source_id}) in the source's row.

ALTER TABLE external_mcp_sources
	ADD COLUMN oauth_token_nonce	bytea,
	ADD COLUMN oauth_token_endpoint	text,
	ADD COLUMN oauth_resource	text,
	ADD COLUMN oauth_redirect_uri	text,
	ADD COLUMN oauth_expires_at	timestamptz,
	ADD COLUMN oauth_authorized_at	timestamptz;

CREATE TABLE external_oauth_flows (
	-- SHA-256 of the state: the state itself is only in the browser.
	state_hash	text PRIMARY KEY,
	source_id	uuid NOT NULL REFERENCES external_mcp_sources (id)
			ON DELETE CASCADE,
	code_verifier	text NOT NULL,
	redirect_uri	text NOT NULL,
	issuer		text NOT NULL,
	client_id	text NOT NULL,
	token_endpoint	text NOT NULL,
	resource	text,
	created_by	text NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL
			DEFAULT now() + interval '10 minutes'
);

CREATE INDEX external_oauth_flows_expiry ON external_oauth_flows (expires_at);
