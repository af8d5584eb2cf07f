-- What a client shows of a tool besides its name and input schema: a
-- title, behaviour hints (annotations), icons and the schema of its
-- structured result (MCP Tool.title/annotations/icons/outputSchema).
-- They are what a model and a user act on ("read-only", "destructive"),
-- so they are reviewed like code: each version snapshots them, a change
-- on an approved tool sends it back to review (db/sql_tools.c), and
-- tools/list and calls read them from the version the admin approved.
-- Their shape is checked where they come in (core/tooldef.c); the
-- constraints here only keep the kinds apart.
ALTER TABLE tools
	ADD COLUMN title text CHECK (length(title) <= 200),
	ADD COLUMN annotations jsonb
		CHECK (jsonb_typeof(annotations) = 'object'),
	ADD COLUMN icons jsonb CHECK (jsonb_typeof(icons) = 'array'),
	ADD COLUMN output_schema jsonb
		CHECK (jsonb_typeof(output_schema) = 'object');

ALTER TABLE tool_versions
	ADD COLUMN title text,
	ADD COLUMN annotations jsonb,
	ADD COLUMN icons jsonb,
	ADD COLUMN output_schema jsonb;

CREATE OR REPLACE FUNCTION tool_json(t tools, with_code boolean)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN jsonb_build_object(
	    'id', t.id, 'server_id', t.server_id,
	    'server_name', (SELECT name FROM servers s WHERE s.id = t.server_id),
	    'name', t.name, 'description', t.description,
	    'tool_type', t.tool_type, 'input_schema', t.input_schema,
	    'title', t.title, 'annotations', t.annotations, 'icons', t.icons,
	    'output_schema', t.output_schema,
	    'timeout_ms', t.timeout_ms, 'enabled', t.enabled,
	    'current_version', t.current_version,
	    'approval_status', t.approval_status,
	    'approval_requested_at', t.approval_requested_at,
	    'approved_at', t.approved_at, 'approved_by', t.approved_by,
	    'rejection_reason', t.rejection_reason,
	    'publish_notes', t.publish_notes, 'created_by', t.created_by,
	    'external_source_id', t.external_source_id,
	    'external_tool_name', t.external_tool_name,
	    'created_at', t.created_at, 'updated_at', t.updated_at)
	    || CASE WHEN with_code THEN jsonb_build_object('python_code',
	        t.python_code) ELSE '{}'::jsonb END;
END
$$;

CREATE OR REPLACE FUNCTION tool_snapshot(tid uuid, summary text, source text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO tool_versions (tool_id, version, name, description,
	    python_code, input_schema, enabled, timeout_ms, change_summary,
	    change_source, title, annotations, icons, output_schema)
	SELECT id, current_version, name, description, python_code,
	    input_schema, enabled, timeout_ms, left(summary, 500), source,
	    title, annotations, icons, output_schema
	FROM tools WHERE id = tid;
END
$$;

-- A tool as tools/list serves it: the approved version's name,
-- description and schemas, and of the rest only what is set (MCP omits
-- absent members). Read from the approved snapshot, not the live row, so
-- nothing unreviewed can reach a client even if a path forgot to send the
-- tool back to review.
CREATE FUNCTION tool_mcp_json(t tools, listed_name text) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v	tool_versions;
	out	jsonb;
BEGIN
	SELECT * INTO v FROM tool_versions WHERE tool_id = t.id AND
	    version = t.approved_version;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	out := jsonb_build_object('name', listed_name, 'description',
	    v.description, 'inputSchema', v.input_schema);
	IF v.title IS NOT NULL THEN
		out := out || jsonb_build_object('title', v.title);
	END IF;
	IF v.annotations IS NOT NULL THEN
		out := out || jsonb_build_object('annotations', v.annotations);
	END IF;
	IF v.icons IS NOT NULL THEN
		out := out || jsonb_build_object('icons', v.icons);
	END IF;
	IF v.output_schema IS NOT NULL THEN
		out := out || jsonb_build_object('outputSchema',
		    v.output_schema);
	END IF;
	RETURN out;
END
$$;

-- The review card's "approved" side gains the new fields, for the diff.
CREATE OR REPLACE FUNCTION tool_review_json(t tools) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN jsonb_build_object(
	    'approved_version', t.approved_version,
	    'approved', (SELECT jsonb_build_object('version', v.version,
	        'name', v.name, 'description', v.description, 'python_code',
	        v.python_code, 'input_schema', v.input_schema, 'timeout_ms',
	        v.timeout_ms, 'title', v.title, 'annotations', v.annotations,
	        'icons', v.icons, 'output_schema', v.output_schema)
	        FROM tool_versions v WHERE v.tool_id = t.id AND
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

-- What a call learns in the statement that checks its session and loads
-- its tool gains three columns, so the function is made anew once for
-- all of them: the session's logging level (log messages below it are
-- not forwarded) and its client's capabilities (0051; a tool asks only
-- what the client can answer), and the approved version's outputSchema
-- (the result is checked against it). A session of a server's own
-- endpoint (0050's scope) reaches only that server's tools.
DROP FUNCTION mcp_tool_for_call(text, text, text);

CREATE FUNCTION mcp_tool_for_call(p_session text, p_server text,
    p_tool text)
RETURNS TABLE (session_ok boolean, tool_id uuid, server_id uuid,
    python_code text, timeout_ms integer, approval_status text,
    enabled boolean, server_status text, modules jsonb, hosts jsonb,
    secrets json, tool_type text, log_level text,
    client_capabilities jsonb, output_schema jsonb)
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
	    value_ciphertext IS NOT NULL), '[]'), t.tool_type, lvl, caps,
	    (SELECT v.output_schema FROM tool_versions v WHERE v.tool_id = t.id
	    AND v.version = t.approved_version)
	FROM tools t JOIN servers s ON s.id = t.server_id
	WHERE s.name = p_server AND t.name = p_tool;
END
$$;
