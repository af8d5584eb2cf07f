-- What an admin approved is what runs, for external sources and network
-- access too (docs/DECISIONS.md D27).
--
-- 1. An external source is reviewed before MCPbox connects to it at all:
--    its URL, transport, auth type, auth header and the name of the
--    secret it sends are what the admin approves (a source could
--    otherwise carry any of the server's secrets to any URL). A change of
--    any of them voids the approval; the trigger below is the one place
--    that says so. Sources that exist already were never reviewed: they
--    wait for review now, and each is reported in the activity log.
-- 2. An imported tool pins the upstream definition it was approved with
--    (name, description, inputSchema); a discovery that finds it changed
--    sends the tool back to review (db/sql_external.c).
-- 3. A network approval belongs to the tool that asked for it, as module
--    approvals do since 0048. Hosts an admin adds on the server's page
--    (no tool) are for the whole server and for its sources.

ALTER TABLE external_mcp_sources
	ADD COLUMN approval_status text NOT NULL DEFAULT 'pending_review'
		CHECK (approval_status IN ('pending_review', 'approved',
		    'rejected')),
	ADD COLUMN current_version integer NOT NULL DEFAULT 1,
	ADD COLUMN approved_version integer,
	ADD COLUMN approved_at timestamptz,
	ADD COLUMN approved_by text,
	ADD COLUMN rejection_reason text,
	ADD COLUMN created_by text NOT NULL DEFAULT 'unknown';

DO $$
DECLARE
	r	record;
BEGIN
	FOR r IN SELECT id, name, url, server_id FROM external_mcp_sources
	    ORDER BY created_at LOOP
		PERFORM audit('system', 'external_source.review_required',
		    'external source ' || r.name || ' waits for review: MCPbox '
		    || 'connects to a source only once an admin approved it',
		    jsonb_build_object('source', r.name, 'source_id', r.id,
		    'url', r.url), NULL, r.server_id);
	END LOOP;
END
$$;

ALTER TABLE external_mcp_sources ALTER COLUMN created_by SET DEFAULT 'llm';

-- The reviewed fields of a source, defined once.
CREATE FUNCTION external_source_reviewed_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF (NEW.server_id, NEW.url, NEW.transport_type, NEW.auth_type,
	    NEW.auth_secret_name, NEW.auth_header_name) IS DISTINCT FROM
	    (OLD.server_id, OLD.url, OLD.transport_type, OLD.auth_type,
	    OLD.auth_secret_name, OLD.auth_header_name) THEN
		NEW.current_version := OLD.current_version + 1;
		NEW.approval_status := 'pending_review';
		NEW.approved_at := NULL;
		NEW.approved_by := NULL;
		NEW.rejection_reason := NULL;
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER external_source_reviewed_change BEFORE UPDATE
	ON external_mcp_sources FOR EACH ROW
	EXECUTE FUNCTION external_source_reviewed_change();

ALTER TABLE tools ADD COLUMN upstream_definition jsonb;
UPDATE tools t SET upstream_definition = jsonb_build_object('name',
    t.external_tool_name, 'description', coalesce(x ->> 'description', ''),
    'inputSchema', x -> 'inputSchema')
FROM external_mcp_sources e CROSS JOIN LATERAL (SELECT x FROM
    jsonb_array_elements(coalesce(e.discovered_tools, '[]')) x) d
WHERE t.tool_type = 'mcp_passthrough' AND e.id = t.external_source_id
    AND x ->> 'name' = t.external_tool_name;

ALTER TABLE tool_versions DROP CONSTRAINT tool_versions_change_source_check;
ALTER TABLE tool_versions ADD CONSTRAINT tool_versions_change_source_check
	CHECK (change_source IN ('manual', 'llm', 'import', 'rollback',
	    'upstream'));

-- A tool's hosts: its own approved requests and the server's (no tool).
CREATE FUNCTION tool_allowed_hosts(tid uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT coalesce(jsonb_agg(DISTINCT jsonb_build_object('host',
	    r.host, 'port', r.port)), '[]'::jsonb)
	FROM network_access_requests r, tools t
	WHERE t.id = tid AND r.status = 'approved' AND (r.tool_id = tid OR
	    (r.tool_id IS NULL AND r.server_id = t.server_id)));
END
$$;

-- The server's own hosts: what an admin allowed for all of it.
CREATE OR REPLACE FUNCTION server_allowed_hosts(sid uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT coalesce(jsonb_agg(DISTINCT jsonb_build_object('host',
	    r.host, 'port', r.port)), '[]'::jsonb)
	FROM network_access_requests r
	WHERE r.status = 'approved' AND r.tool_id IS NULL AND
	    r.server_id = sid);
END
$$;

CREATE OR REPLACE FUNCTION mcp_tool_for_call(p_session text, p_server text,
    p_tool text)
RETURNS TABLE (session_ok boolean, tool_id uuid, server_id uuid,
    python_code text, timeout_ms integer, approval_status text,
    enabled boolean, server_status text, modules jsonb, hosts jsonb,
    secrets json, tool_type text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
	session_ok := EXISTS (SELECT 1 FROM mcp_sessions WHERE id = p_session);
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
	    value_ciphertext IS NOT NULL), '[]'), t.tool_type
	FROM tools t JOIN servers s ON s.id = t.server_id
	WHERE s.name = p_server AND t.name = p_tool;
END
$$;

-- Everything a reviewer must see of a tool besides its code: what kind
-- it is, where a passthrough goes and with which secret, the upstream
-- definition it pins, the modules and hosts it asked for (a host without
-- a port is 443), the secrets its server holds, and the version last
-- approved, field by field, for "what changed".
CREATE FUNCTION tool_review_json(t tools) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN jsonb_build_object(
	    'approved_version', t.approved_version,
	    'approved', (SELECT jsonb_build_object('version', v.version,
	        'name', v.name, 'description', v.description, 'python_code',
	        v.python_code, 'input_schema', v.input_schema, 'timeout_ms',
	        v.timeout_ms) FROM tool_versions v WHERE v.tool_id = t.id AND
	        v.version = t.approved_version),
	    'approved_code', (SELECT v.python_code FROM tool_versions v WHERE
	        v.tool_id = t.id AND v.version = t.approved_version),
	    'source', (SELECT jsonb_build_object('id', e.id, 'name', e.name,
	        'url', e.url, 'transport_type', e.transport_type, 'auth_type',
	        e.auth_type, 'auth_secret_name', e.auth_secret_name,
	        'auth_header_name', e.auth_header_name, 'approval_status',
	        e.approval_status) FROM external_mcp_sources e
	        WHERE e.id = t.external_source_id),
	    'upstream_definition', t.upstream_definition,
	    'upstream_sha256', CASE WHEN t.upstream_definition IS NOT NULL THEN
	        encode(sha256(convert_to(t.upstream_definition::text, 'UTF8')),
	        'hex') END,
	    'modules', coalesce((SELECT jsonb_agg(jsonb_build_object('module',
	        r.module_name, 'status', r.status) ORDER BY r.module_name)
	        FROM module_requests r WHERE r.tool_id = t.id), '[]'),
	    'hosts', coalesce((SELECT jsonb_agg(jsonb_build_object('host',
	        r.host, 'port', coalesce(r.port, 443), 'scope', CASE WHEN
	        r.tool_id IS NULL THEN 'server' ELSE 'tool' END, 'status',
	        r.status) ORDER BY r.host, r.port) FROM network_access_requests r
	        WHERE r.tool_id = t.id OR (r.tool_id IS NULL AND r.server_id =
	        t.server_id AND r.status = 'approved')), '[]'),
	    'secret_names', coalesce((SELECT jsonb_agg(key_name ORDER BY
	        key_name) FROM server_secrets WHERE server_id = t.server_id),
	        '[]'));
END
$$;
