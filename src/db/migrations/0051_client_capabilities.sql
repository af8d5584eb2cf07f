-- A session remembers what its client declared at initialize
-- (capabilities: sampling, elicitation, roots, ...). A running tool may
-- ask the client's model or its user only when the client said it can
-- answer; the call learns them with the tool (mcp_tool_for_call, made
-- anew in 0052).
ALTER TABLE mcp_sessions
	ADD COLUMN client_capabilities jsonb NOT NULL DEFAULT '{}';
