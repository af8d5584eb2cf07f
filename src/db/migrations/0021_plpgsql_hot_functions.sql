-- The functions on the tool-call path, rewritten in PL/pgSQL: a SQL
-- function that can't be inlined is planned again on every call, which
-- cost about a millisecond per tools/call; PL/pgSQL caches its plans per
-- connection. Same signatures, same results.
CREATE OR REPLACE FUNCTION server_allowed_hosts(sid uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT coalesce(jsonb_agg(DISTINCT jsonb_build_object('host',
	    r.host, 'port', r.port)), '[]'::jsonb)
	FROM network_access_requests r
	LEFT JOIN tools t ON t.id = r.tool_id
	WHERE r.status = 'approved' AND (r.server_id = sid OR
	    t.server_id = sid));
END
$$;

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
	        r.tool_id IS NULL OR r.server_id = t.server_id)) x);
END
$$;

CREATE OR REPLACE FUNCTION policy(k text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT value ->> k FROM settings WHERE key = 'security_policy');
END
$$;
