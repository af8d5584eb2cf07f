-- A server's own endpoint (/mcp/{server}, /sse/{server}) serves that
-- server alone. A session opened there remembers the server, and reaches
-- only that server's tools on whichever endpoint it is used; a session of
-- /mcp (scope NULL) reaches every server, as before.
ALTER TABLE mcp_sessions ADD COLUMN scope text;

-- A call also learns its session's logging level (logging/setLevel) in
-- the same statement that checks the session and loads the tool: log
-- messages a running tool sends below it are not forwarded. The result
-- gains a column, so the function is made anew.
DROP FUNCTION mcp_tool_for_call(text, text, text);

CREATE FUNCTION mcp_tool_for_call(p_session text, p_server text,
    p_tool text)
RETURNS TABLE (session_ok boolean, tool_id uuid, server_id uuid,
    python_code text, timeout_ms integer, approval_status text,
    enabled boolean, server_status text, modules jsonb, hosts jsonb,
    secrets json, tool_type text, log_level text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	lvl text;
BEGIN
	SELECT s.log_level INTO lvl FROM mcp_sessions s WHERE s.id = p_session
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
	    value_ciphertext IS NOT NULL), '[]'), t.tool_type, lvl
	FROM tools t JOIN servers s ON s.id = t.server_id
	WHERE s.name = p_server AND t.name = p_tool;
END
$$;
