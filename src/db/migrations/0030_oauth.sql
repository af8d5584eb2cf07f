-- Remote access (docs/REMOTE-ACCESS.md): the built-in OAuth 2.1
-- authorization server for MCP clients. Every secret the server hands out
-- (authorization codes, refresh tokens, consent-form tokens) is stored as
-- its SHA-256 only, so a database dump gives an attacker nothing to replay.

-- The key that signs access tokens, sealed with the instance key
-- (secretbox, AAD "oauth_signing_key"). One row; the parent opens it at
-- start-up and hands it to the workers.
CREATE TABLE oauth_signing_key (
	id		integer PRIMARY KEY CHECK (id = 1),
	ciphertext	bytea NOT NULL,
	nonce		bytea NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now()
);

-- Clients from dynamic registration (RFC 7591). Public clients only: PKCE
-- is their proof, so there is no client secret to leak.
CREATE TABLE oauth_clients (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	client_name	text NOT NULL DEFAULT '' CHECK (length(client_name) <= 200),
	redirect_uris	jsonb NOT NULL CHECK (jsonb_typeof(redirect_uris) = 'array'),
	created_ip	text NOT NULL DEFAULT '',
	created_at	timestamptz NOT NULL DEFAULT now(),
	last_used_at	timestamptz,
	revoked_at	timestamptz
);

-- A consent page shown and not yet answered. The form carries the token
-- whose hash is the key: it is the CSRF token and the request handle at
-- once, single-use, ten minutes.
CREATE TABLE oauth_requests (
	token_hash	text PRIMARY KEY,
	client_id	uuid NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
	redirect_uri	text NOT NULL,
	code_challenge	text NOT NULL,
	state		text,
	resource	text NOT NULL,
	scope		text NOT NULL DEFAULT '',
	expires_at	timestamptz NOT NULL DEFAULT now() + interval '10 minutes'
);

-- Authorization codes: single-use, ten minutes, bound to the client, the
-- redirect URI, the PKCE challenge and the resource.
CREATE TABLE oauth_codes (
	code_hash	text PRIMARY KEY,
	client_id	uuid NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
	redirect_uri	text NOT NULL,
	code_challenge	text NOT NULL,
	resource	text NOT NULL,
	scope		text NOT NULL DEFAULT '',
	subject		text NOT NULL,
	family		uuid NOT NULL DEFAULT gen_random_uuid(),
	expires_at	timestamptz NOT NULL DEFAULT now() + interval '10 minutes',
	used_at		timestamptz
);

-- Refresh tokens rotate: each use marks the row used and inserts its
-- successor in the same family. Presenting a used one again means it was
-- copied, so the whole family dies (OAuth 2.1 §4.3.1).
CREATE TABLE oauth_refresh_tokens (
	token_hash	text PRIMARY KEY,
	client_id	uuid NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
	family		uuid NOT NULL,
	resource	text NOT NULL,
	scope		text NOT NULL DEFAULT '',
	subject		text NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL,
	used_at		timestamptz,
	revoked_at	timestamptz
);
CREATE INDEX oauth_refresh_tokens_family ON oauth_refresh_tokens (family);
CREATE INDEX oauth_refresh_tokens_client ON oauth_refresh_tokens (client_id);

-- PKCE S256 (RFC 7636 §4.6): BASE64URL(SHA256(verifier)) without padding.
CREATE FUNCTION oauth_s256(verifier text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT translate(rtrim(encode(sha256(convert_to(verifier, 'UTF8')),
	    'base64'), '='), '+/', '-_')
$$;

-- Redeem an authorization code. The code is burnt by the first attempt,
-- right or wrong (a guessed verifier gets one try); a second use of a
-- redeemed code revokes what the first use issued (RFC 6749 §4.1.2).
-- Returns (status, body): 200 {subject, resource, scope, client_id} with
-- the refresh token stored, or 400 {error, error_description}.
CREATE FUNCTION oauth_code_exchange(p_code text, p_client text,
    p_redirect text, p_verifier text, p_refresh text, p_resource text,
    p_ttl integer) RETURNS TABLE (status integer, body jsonb)
LANGUAGE plpgsql AS $$
DECLARE
	c	oauth_codes%ROWTYPE;
	bad	jsonb := jsonb_build_object('error', 'invalid_grant');
BEGIN
	SELECT * INTO c FROM oauth_codes WHERE code_hash = p_code FOR UPDATE;
	IF NOT FOUND THEN
		RETURN QUERY SELECT 400, bad || jsonb_build_object(
		    'error_description', 'unknown authorization code');
		RETURN;
	END IF;
	IF c.used_at IS NOT NULL THEN
		UPDATE oauth_refresh_tokens SET revoked_at = now()
		    WHERE family = c.family AND revoked_at IS NULL;
		RETURN QUERY SELECT 400, bad || jsonb_build_object(
		    'error_description', 'the authorization code was already used');
		RETURN;
	END IF;
	UPDATE oauth_codes SET used_at = now() WHERE code_hash = p_code;
	IF c.expires_at <= now() THEN
		RETURN QUERY SELECT 400, bad || jsonb_build_object(
		    'error_description', 'the authorization code expired');
	ELSIF c.client_id::text <> p_client OR c.redirect_uri <> p_redirect THEN
		RETURN QUERY SELECT 400, bad || jsonb_build_object(
		    'error_description', 'client_id or redirect_uri does not '
		    'match the authorization request');
	ELSIF p_resource <> '' AND p_resource <> c.resource THEN
		RETURN QUERY SELECT 400, jsonb_build_object('error',
		    'invalid_target', 'error_description',
		    'resource does not match the authorization request');
	ELSIF oauth_s256(p_verifier) <> c.code_challenge THEN
		RETURN QUERY SELECT 400, bad || jsonb_build_object(
		    'error_description', 'code_verifier does not match');
	ELSIF EXISTS (SELECT 1 FROM oauth_clients WHERE id = c.client_id
	    AND revoked_at IS NOT NULL) THEN
		RETURN QUERY SELECT 400, jsonb_build_object('error',
		    'invalid_client', 'error_description', 'the client was revoked');
	ELSE
		INSERT INTO oauth_refresh_tokens (token_hash, client_id, family,
		    resource, scope, subject, expires_at)
		    VALUES (p_refresh, c.client_id, c.family, c.resource, c.scope,
		    c.subject, now() + make_interval(secs => p_ttl));
		UPDATE oauth_clients SET last_used_at = now() WHERE id = c.client_id;
		RETURN QUERY SELECT 200, jsonb_build_object('subject', c.subject,
		    'resource', c.resource, 'scope', c.scope,
		    'client_id', c.client_id);
	END IF;
END
$$;

-- Rotate a refresh token: the old one dies, its successor joins the same
-- family. A used or revoked token kills the family (replay detection).
CREATE FUNCTION oauth_refresh_rotate(p_old text, p_client text, p_new text,
    p_resource text, p_ttl integer) RETURNS TABLE (status integer, body jsonb)
LANGUAGE plpgsql AS $$
DECLARE
	r	oauth_refresh_tokens%ROWTYPE;
	bad	jsonb := jsonb_build_object('error', 'invalid_grant');
BEGIN
	SELECT * INTO r FROM oauth_refresh_tokens WHERE token_hash = p_old
	    FOR UPDATE;
	IF NOT FOUND OR r.client_id::text <> p_client THEN
		RETURN QUERY SELECT 400, bad || jsonb_build_object(
		    'error_description', 'unknown refresh token');
		RETURN;
	END IF;
	IF r.used_at IS NOT NULL OR r.revoked_at IS NOT NULL THEN
		UPDATE oauth_refresh_tokens SET revoked_at = now()
		    WHERE family = r.family AND revoked_at IS NULL;
		RETURN QUERY SELECT 400, bad || jsonb_build_object(
		    'error_description', 'the refresh token was already used or '
		    'revoked');
		RETURN;
	END IF;
	UPDATE oauth_refresh_tokens SET used_at = now() WHERE token_hash = p_old;
	IF r.expires_at <= now() THEN
		RETURN QUERY SELECT 400, bad || jsonb_build_object(
		    'error_description', 'the refresh token expired');
	ELSIF p_resource <> '' AND p_resource <> r.resource THEN
		RETURN QUERY SELECT 400, jsonb_build_object('error',
		    'invalid_target', 'error_description',
		    'resource does not match the grant');
	ELSIF EXISTS (SELECT 1 FROM oauth_clients WHERE id = r.client_id
	    AND revoked_at IS NOT NULL) THEN
		RETURN QUERY SELECT 400, jsonb_build_object('error',
		    'invalid_client', 'error_description', 'the client was revoked');
	ELSE
		INSERT INTO oauth_refresh_tokens (token_hash, client_id, family,
		    resource, scope, subject, expires_at)
		    VALUES (p_new, r.client_id, r.family, r.resource, r.scope,
		    r.subject, now() + make_interval(secs => p_ttl));
		UPDATE oauth_clients SET last_used_at = now() WHERE id = r.client_id;
		RETURN QUERY SELECT 200, jsonb_build_object('subject', r.subject,
		    'resource', r.resource, 'scope', r.scope,
		    'client_id', r.client_id);
	END IF;
END
$$;
