-- A session remembers what its client declared at initialize
-- (capabilities: sampling, elicitation, roots, ...). A running tool may
-- ask the client's model or its user only when the client said it can
-- answer; the call learns the capabilities in the statement that checks
-- the session and loads the tool. The result gains a column, so the
-- function is made anew.
ALTER TABLE mcp_sessions
	ADD COLUMN client_capabilities jsonb NOT NULL DEFAULT '{}';

DROP FUNCTION mcp_tool_for_call(text, text, text);

CREATE FUNCTION mcp_tool_for_call(p_session text, p_server text,
    p_tool text)
RETURNS TABLE (session_ok boolean, tool_id uuid, server_id uuid,
    python_code text, timeout_ms integer, approval_status text,
    enabled boolean, server_status text, modules jsonb, hosts jsonb,
    secrets json, tool_type text, log_level text,
    client_capabilities jsonb)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	lvl text;
	caps jsonb;
BEGIN
	SELECT s.log_level, s.client_capabilities INTO lvl, caps
	    FROM mcp_sessions s WHERE s.id = p_session
	    AND (s.scope IS NULL OR s.scope = p_server);
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
	    value_ciphertext IS NOT NULL), '[]'), t.tool_type, lvl, caps
	FROM tools t JOIN servers s ON s.id = t.server_id
	WHERE s.name = p_server AND t.name = p_tool;
END
$$;
