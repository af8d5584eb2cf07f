-- Users with roles, and client tokens that scope what an MCP client sees
-- (docs/USERS-AND-TOKENS.md, D36).
--
-- admin_users keeps its name: every statement and the OAuth trigger know
-- it. A row is now any user of the panel; its role says what the REST API
-- lets it do (api/routes.c). The account that existed is an admin.
ALTER TABLE admin_users
	ADD COLUMN role text NOT NULL DEFAULT 'admin'
	    CHECK (role IN ('admin', 'reviewer', 'viewer')),
	ADD COLUMN created_by text;

-- A password version is never given twice, to any user: tokens carry
-- (username, version), so a user made again under a deleted user's name,
-- or a user deactivated and activated again, must not meet a version its
-- old tokens carry. Every new version comes from this sequence.
CREATE SEQUENCE admin_users_pv START WITH 1000000;
ALTER TABLE admin_users ALTER COLUMN password_version
	SET DEFAULT nextval('admin_users_pv')::integer;

-- Setup still makes one account only: the first user is the one with no
-- creator, and two setups racing meet this index.
DROP INDEX admin_users_single;
CREATE UNIQUE INDEX admin_users_first ON admin_users ((true))
	WHERE created_by IS NULL;

-- A client token: `hash` is the SHA-256 (hex) of the secret the client
-- sends, NULL for the row an OAuth consent made (its access tokens name
-- the row). servers NULL means every server; scope 'call' sees no
-- management tools, 'author' sees them limited to its servers.
CREATE TABLE client_tokens (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	name		text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$'),
	hash		text UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$'),
	servers		text[],
	scope		text NOT NULL CHECK (scope IN ('call', 'author')),
	source		text NOT NULL DEFAULT 'token'
			CHECK (source IN ('token', 'oauth')),
	oauth_client_id	uuid REFERENCES oauth_clients (id) ON DELETE CASCADE,
	oauth_subject	text,
	expires_at	timestamptz,
	created_by	text,
	created_at	timestamptz NOT NULL DEFAULT now(),
	last_used_at	timestamptz,
	CHECK ((source = 'token') = (hash IS NOT NULL))
);
CREATE UNIQUE INDEX client_tokens_name ON client_tokens (name)
	WHERE source = 'token';

-- A session belongs to the token that opened it: a revoked token's
-- sessions end with it (and every worker forgets them, below).
ALTER TABLE mcp_sessions ADD COLUMN token_id uuid
	REFERENCES client_tokens (id) ON DELETE CASCADE;

ALTER TABLE tool_execution_logs ADD COLUMN client_token text;

-- OAuth grants carry the consent's servers and scope through the row
-- they name; grants made before this migration keep what they had, every
-- server with the management tools, in a row of their own.
ALTER TABLE oauth_codes ADD COLUMN client_token_id uuid
	REFERENCES client_tokens (id) ON DELETE CASCADE;
ALTER TABLE oauth_refresh_tokens ADD COLUMN client_token_id uuid
	REFERENCES client_tokens (id) ON DELETE CASCADE;

INSERT INTO client_tokens (name, scope, source, oauth_client_id,
    oauth_subject, created_by)
SELECT DISTINCT 'oauth ' || left(r.client_id::text, 8), 'author', 'oauth',
    r.client_id, r.subject, r.subject
FROM oauth_refresh_tokens r WHERE r.revoked_at IS NULL;
UPDATE oauth_refresh_tokens r SET client_token_id = c.id FROM client_tokens c
WHERE c.source = 'oauth' AND c.oauth_client_id = r.client_id AND
    c.oauth_subject = r.subject AND r.revoked_at IS NULL;

-- The sessions a token's deletion ended are forgotten by every worker's
-- session cache (mcp/session_cache.c).
CREATE FUNCTION mcp_sessions_ended() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF OLD.token_id IS NOT NULL THEN
		PERFORM pg_notify('mcpbox_session_ended', OLD.id);
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER mcp_sessions_token_ended
	AFTER DELETE ON mcp_sessions
	FOR EACH ROW EXECUTE FUNCTION mcp_sessions_ended();

-- Does the token (NULL: none, the local door's open access) let its
-- client see server p_server? A revoked or expired token sees nothing.
CREATE FUNCTION token_sees(p_token uuid, p_server text) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT p_token IS NULL OR EXISTS (SELECT 1 FROM client_tokens c
	    WHERE c.id = p_token AND (c.expires_at IS NULL OR
	    c.expires_at > now()) AND (c.servers IS NULL OR
	    p_server = ANY (c.servers)))
$$;

-- The server a management tool's arguments point at (by server_id,
-- tool_id, resource_id, prompt_id or source_id), for tokens limited to
-- some servers: NULL when they point at none that exists.
CREATE FUNCTION mgmt_target_server(args jsonb) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT coalesce(
	    (SELECT s.name FROM servers s WHERE s.id::text =
	        args->>'server_id'),
	    (SELECT s.name FROM tools t JOIN servers s ON s.id = t.server_id
	        WHERE t.id::text = coalesce(args->>'tool_id',
	        args->>'resource_id', args->>'prompt_id')),
	    (SELECT s.name FROM external_mcp_sources e JOIN servers s ON
	        s.id = e.server_id WHERE e.id::text = args->>'source_id'))
$$;

-- The same call check as 0054; the session's token must be the request's
-- and live, and a server it does not see has, to it, no tools. The
-- approved input schema comes along: arguments are checked against it
-- before any code runs (mcp/call.c).
DROP FUNCTION mcp_tool_for_call(text, text, text);

CREATE FUNCTION mcp_tool_for_call(p_session text, p_server text,
    p_tool text, p_token uuid)
RETURNS TABLE (session_ok boolean, tool_id uuid, server_id uuid,
    python_code text, timeout_ms integer, approval_status text,
    enabled boolean, server_status text, modules jsonb, hosts jsonb,
    secrets json, tool_type text, log_level text,
    client_capabilities jsonb, output_schema jsonb, kind text,
    definition jsonb, input_schema jsonb)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	lvl text;
	caps jsonb;
BEGIN
	SELECT s.log_level, s.client_capabilities INTO lvl, caps
	    FROM mcp_sessions s WHERE s.id = p_session
	    AND (s.scope IS NULL OR s.scope = p_server)
	    AND s.token_id IS NOT DISTINCT FROM p_token
	    AND token_live(p_token);
	session_ok := FOUND;
	IF NOT session_ok THEN
		RETURN NEXT;
		RETURN;
	END IF;
	RETURN QUERY
	SELECT true, t.id, s.id, t.python_code, coalesce(t.timeout_ms,
	    s.default_timeout_ms), t.approval_status, t.enabled, s.status,
	    tool_allowed_modules(t.id), tool_allowed_hosts(t.id),
	    coalesce((SELECT json_agg(json_build_object('key', key_name, 'ct',
	    encode(value_ciphertext, 'hex'), 'nonce', encode(nonce, 'hex')))
	    FROM server_secrets WHERE server_secrets.server_id = s.id AND
	    value_ciphertext IS NOT NULL), '[]'), t.tool_type, lvl, caps,
	    v.output_schema, t.kind, v.definition, v.input_schema
	FROM tools t JOIN servers s ON s.id = t.server_id
	LEFT JOIN tool_versions v ON v.tool_id = t.id AND
	    v.version = t.approved_version
	WHERE s.name = p_server AND t.name = p_tool AND
	    token_sees(p_token, s.name);
END
$$;

-- A user's role or password changing, or the user going, ends that
-- user's OAuth grants only (0045 ended every grant: there was one user).
-- Workers keep each admin's password version (oauth/oauth_gate.c); the
-- payload is "<version> <name>", or "- <name>" when the name no longer
-- belongs to an active admin.
CREATE OR REPLACE FUNCTION oauth_end_grants() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'UPDATE' THEN
		IF NEW.password_version = OLD.password_version AND
		    NEW.is_active = OLD.is_active AND
		    NEW.username = OLD.username AND NEW.role = OLD.role THEN
			RETURN NULL;
		END IF;
	END IF;
	IF TG_OP <> 'INSERT' THEN
		UPDATE oauth_refresh_tokens SET revoked_at = now()
		    WHERE revoked_at IS NULL AND subject = OLD.username;
		UPDATE oauth_codes SET used_at = now()
		    WHERE used_at IS NULL AND subject = OLD.username;
		DELETE FROM client_tokens WHERE source = 'oauth' AND
		    oauth_subject = OLD.username;
		PERFORM pg_notify('mcpbox_admin_changed', '- ' ||
		    OLD.username);
	END IF;
	IF TG_OP <> 'DELETE' AND NEW.is_active AND NEW.role = 'admin' THEN
		PERFORM pg_notify('mcpbox_admin_changed',
		    NEW.password_version::text || ' ' || NEW.username);
	END IF;
	RETURN NULL;
END
$$;

-- A client's ISO 8601 date (and time), or NULL when it is none (the
-- handler says so). PostgreSQL's own input would also take "tomorrow" and
-- "infinity".
CREATE FUNCTION timestamptz_or_null(v text) RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
DECLARE
	t timestamptz;
BEGIN
	IF v !~ ('^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}'
	    '(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?)?$') THEN
		RETURN NULL;
	END IF;
	t := v::timestamptz;
	RETURN CASE WHEN isfinite(t) THEN t END;
EXCEPTION WHEN others THEN
	RETURN NULL;
END
$$;

-- local_requires_token (enforced by the gateway, mcp/transport_common.c):
-- "enabled" makes the local door's MCP endpoints need a client token.
UPDATE settings SET value = value || '{"local_requires_token": "disabled"}'
WHERE key = 'security_policy' AND NOT value ? 'local_requires_token';

-- A live token (NULL: none, which is always "live").
CREATE FUNCTION token_live(p_token uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT p_token IS NULL OR EXISTS (SELECT 1 FROM client_tokens c
	    WHERE c.id = p_token AND (c.expires_at IS NULL OR
	    c.expires_at > now()))
$$;

-- The code exchange and the refresh rotation of 0030, carrying the
-- consent's client token row on to each refresh token and into the
-- answer ('ctid'), which the access token then names (oauth/oauth_token.c).
-- A refresh token whose row was revoked is gone with it (the cascade).
CREATE OR REPLACE FUNCTION oauth_code_exchange(p_code text, p_client text,
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
		    resource, scope, subject, expires_at, client_token_id)
		    VALUES (p_refresh, c.client_id, c.family, c.resource, c.scope,
		    c.subject, now() + make_interval(secs => p_ttl),
		    c.client_token_id);
		UPDATE oauth_clients SET last_used_at = now() WHERE id = c.client_id;
		RETURN QUERY SELECT 200, jsonb_build_object('subject', c.subject,
		    'resource', c.resource, 'scope', c.scope,
		    'client_id', c.client_id, 'ctid', c.client_token_id);
	END IF;
END
$$;

-- Rotate a refresh token: the old one dies, its successor joins the same
-- family. A used or revoked token kills the family (replay detection).
CREATE OR REPLACE FUNCTION oauth_refresh_rotate(p_old text, p_client text, p_new text,
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
		    resource, scope, subject, expires_at, client_token_id)
		    VALUES (p_new, r.client_id, r.family, r.resource, r.scope,
		    r.subject, now() + make_interval(secs => p_ttl),
		    r.client_token_id);
		UPDATE oauth_clients SET last_used_at = now() WHERE id = r.client_id;
		RETURN QUERY SELECT 200, jsonb_build_object('subject', r.subject,
		    'resource', r.resource, 'scope', r.scope,
		    'client_id', r.client_id, 'ctid', r.client_token_id);
	END IF;
END
$$;
