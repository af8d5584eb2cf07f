-- Resources and prompts, the other two MCP primitives, authored and
-- reviewed exactly like tools: they are rows of `tools` of another kind,
-- so one workflow covers all three (draft -> pending review -> approved,
-- versions, rollback, export, the review card). What differs per kind
-- lives in `definition` (checked where it comes in, core/itemdef.c):
--   resource: uri (a URI or an RFC 6570 template), mime_type, and either
--             text / blob (static) or python_code defining read(**params);
--             variables {name: {description, values}} for completion.
--   prompt:   arguments [{name, description, required, values}], and
--             either messages (static, {arg} placeholders) or python_code
--             defining main(**arguments).
-- Both are served from the approved version's snapshot, never the live
-- row, like tools/list.
ALTER TABLE tools
	ADD COLUMN kind text NOT NULL DEFAULT 'tool'
		CHECK (kind IN ('tool', 'resource', 'prompt')),
	ADD COLUMN definition jsonb
		CHECK (jsonb_typeof(definition) = 'object'),
	ADD CONSTRAINT tools_kind_definition CHECK ((kind = 'tool') =
	    (definition IS NULL));

ALTER TABLE tool_versions
	ADD COLUMN kind text NOT NULL DEFAULT 'tool',
	ADD COLUMN definition jsonb;

-- One resource per URI (or template) on a server.
CREATE UNIQUE INDEX tools_resource_uri ON tools (server_id,
    (definition ->> 'uri')) WHERE kind = 'resource';

CREATE OR REPLACE FUNCTION tool_json(t tools, with_code boolean)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN jsonb_build_object(
	    'id', t.id, 'server_id', t.server_id,
	    'server_name', (SELECT name FROM servers s WHERE s.id = t.server_id),
	    'kind', t.kind, 'definition', t.definition,
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
	    change_source, title, annotations, icons, output_schema, kind,
	    definition)
	SELECT id, current_version, name, description, python_code,
	    input_schema, enabled, timeout_ms, left(summary, 500), source,
	    title, annotations, icons, output_schema, kind, definition
	FROM tools WHERE id = tid;
END
$$;

-- A resource or template as resources/list and resources/templates/list
-- serve it, from the approved snapshot, its URI after uri_prefix (on /mcp
-- "mcpbox://{server}/", so every server's URIs stay apart; mcp/items.c).
CREATE FUNCTION resource_mcp_json(t tools, uri_prefix text) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v	tool_versions;
	out	jsonb;
BEGIN
	SELECT * INTO v FROM tool_versions WHERE tool_id = t.id AND
	    version = t.approved_version;
	IF NOT FOUND OR v.kind <> 'resource' THEN
		RETURN NULL;
	END IF;
	out := jsonb_build_object(CASE WHEN position('{' IN
	    v.definition ->> 'uri') > 0 THEN 'uriTemplate' ELSE 'uri' END,
	    uri_prefix || (v.definition ->> 'uri'), 'name', v.name,
	    'description', v.description);
	IF v.title IS NOT NULL THEN
		out := out || jsonb_build_object('title', v.title);
	END IF;
	IF v.definition ? 'mime_type' THEN
		out := out || jsonb_build_object('mimeType',
		    v.definition -> 'mime_type');
	END IF;
	RETURN out;
END
$$;

CREATE FUNCTION prompt_mcp_json(t tools, listed_name text) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v	tool_versions;
	out	jsonb;
BEGIN
	SELECT * INTO v FROM tool_versions WHERE tool_id = t.id AND
	    version = t.approved_version;
	IF NOT FOUND OR v.kind <> 'prompt' THEN
		RETURN NULL;
	END IF;
	out := jsonb_build_object('name', listed_name, 'description',
	    v.description, 'arguments', coalesce((SELECT jsonb_agg(
	    jsonb_strip_nulls(jsonb_build_object('name', a ->> 'name',
	    'description', a -> 'description', 'required',
	    a -> 'required'))) FROM jsonb_array_elements(v.definition ->
	    'arguments') a), '[]'));
	IF v.title IS NOT NULL THEN
		out := out || jsonb_build_object('title', v.title);
	END IF;
	RETURN out;
END
$$;

CREATE OR REPLACE FUNCTION tool_review_json(t tools) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN jsonb_build_object(
	    'approved_version', t.approved_version,
	    'approved', (SELECT jsonb_build_object('version', v.version,
	        'name', v.name, 'description', v.description, 'python_code',
	        v.python_code, 'input_schema', v.input_schema, 'timeout_ms',
	        v.timeout_ms, 'title', v.title, 'annotations', v.annotations,
	        'icons', v.icons, 'output_schema', v.output_schema,
	        'kind', v.kind, 'definition', v.definition)
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

-- A call's statement learns the item's kind (tools/call refuses any but
-- a tool, prompts/get and resources/read any but theirs) and the approved
-- definition (what a prompt or resource read is shaped by).
DROP FUNCTION mcp_tool_for_call(text, text, text);

CREATE FUNCTION mcp_tool_for_call(p_session text, p_server text,
    p_tool text)
RETURNS TABLE (session_ok boolean, tool_id uuid, server_id uuid,
    python_code text, timeout_ms integer, approval_status text,
    enabled boolean, server_status text, modules jsonb, hosts jsonb,
    secrets json, tool_type text, log_level text,
    client_capabilities jsonb, output_schema jsonb, kind text,
    definition jsonb)
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
	    v.output_schema, t.kind, v.definition
	FROM tools t JOIN servers s ON s.id = t.server_id
	LEFT JOIN tool_versions v ON v.tool_id = t.id AND
	    v.version = t.approved_version
	WHERE s.name = p_server AND t.name = p_tool;
END
$$;

-- What a reader of a server's resources would find changed: its status
-- and each resource's approved version, state and switch.
CREATE FUNCTION resource_fingerprint(p_server text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN md5(coalesce((SELECT s.status FROM servers s WHERE
	    s.name = p_server), '') || ':' || coalesce((SELECT string_agg(
	    t.id::text || '/' || coalesce(t.approved_version, 0) || '/' ||
	    t.approval_status || '/' || t.enabled, ',' ORDER BY t.id)
	    FROM tools t JOIN servers s ON s.id = t.server_id
	    WHERE s.name = p_server AND t.kind = 'resource'), ''));
END
$$;

-- Resources a session subscribed to (resources/subscribe): any worker of
-- any instance may take the subscribe; on every change of items, the
-- worker holding the session's stream compares the server's fingerprint
-- with the one seen last and sends notifications/resources/updated.
CREATE TABLE mcp_resource_subscriptions (
	session_id	text NOT NULL REFERENCES mcp_sessions (id)
			ON DELETE CASCADE,
	uri		text NOT NULL CHECK (length(uri) <= 2048),
	server		text NOT NULL,
	fp		text,
	created_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (session_id, uri)
);
