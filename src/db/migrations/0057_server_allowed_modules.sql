-- What code written for a server may import before any tool of its own
-- exists: the global allowlist and the approvals made for the whole
-- server. Management validation (mcpbox_create_tool, mcpbox_validate_code)
-- checks code against it, and a tool's own list (tool_allowed_modules)
-- is built on it, so the two cannot disagree. Validation used to check
-- against the sandbox's built-in default list: a module approved for a
-- tool could not be used in its code through MCP, and one the admin took
-- off the allowlist still passed.
CREATE FUNCTION server_allowed_modules(sid uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT coalesce(jsonb_agg(DISTINCT m), '[]'::jsonb) FROM (
	    SELECT jsonb_array_elements_text(value) AS m FROM settings
	        WHERE key = 'allowed_modules'
	    UNION
	    SELECT r.module_name FROM module_requests r
	        WHERE r.status = 'approved' AND r.tool_id IS NULL AND
	        r.server_id = sid) x);
END
$$;

CREATE OR REPLACE FUNCTION tool_allowed_modules(tid uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT coalesce(jsonb_agg(DISTINCT m), '[]'::jsonb) FROM (
	    SELECT jsonb_array_elements_text(server_allowed_modules(
	        (SELECT t.server_id FROM tools t WHERE t.id = tid))) AS m
	    UNION
	    SELECT r.module_name FROM module_requests r
	        WHERE r.status = 'approved' AND r.tool_id = tid) x);
END
$$;
