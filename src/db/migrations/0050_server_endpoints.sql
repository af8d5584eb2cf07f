-- A server's own endpoint (/mcp/{server}, /sse/{server}) serves that
-- server alone. A session opened there remembers the server, and reaches
-- only that server's tools on whichever endpoint it is used; a session of
-- /mcp (scope NULL) reaches every server, as before (mcp_tool_for_call,
-- made anew in 0052).
ALTER TABLE mcp_sessions ADD COLUMN scope text;
