-- A module approval belongs to the tool that asked for it. It used to be
-- matched on the server (a module approved for tool A was allowed for
-- every tool of the server, and B's own request answered "already
-- allowed"), and a request without a tool applied everywhere. Now: the
-- global allowlist, the tool's own approved requests, and approvals made
-- without a tool for the tool's server only.
CREATE OR REPLACE FUNCTION tool_allowed_modules(tid uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT coalesce(jsonb_agg(DISTINCT m), '[]'::jsonb) FROM (
	    SELECT jsonb_array_elements_text(value) AS m FROM settings
	        WHERE key = 'allowed_modules'
	    UNION
	    SELECT r.module_name FROM module_requests r
	        LEFT JOIN tools t ON t.id = tid
	        WHERE r.status = 'approved' AND (r.tool_id = tid OR
	        (r.tool_id IS NULL AND r.server_id = t.server_id))) x);
END
$$;
