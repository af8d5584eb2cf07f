-- The rest of the helpers every REST and management statement calls,
-- rewritten in PL/pgSQL for the reason of 0021: a SQL function that
-- can't be inlined (these have sub-selects or write) is parsed and planned
-- again on every call, and those were the top of PostgreSQL's profile
-- under mcpbox_list_servers once the statements themselves were prepared.
-- PL/pgSQL keeps its plans per connection. Same signatures, same results.

CREATE OR REPLACE FUNCTION server_json(s servers) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN jsonb_build_object(
	    'id', s.id, 'name', s.name, 'description', s.description,
	    'status', s.status, 'default_timeout_ms', s.default_timeout_ms,
	    'created_at', s.created_at, 'updated_at', s.updated_at,
	    'allowed_hosts', server_allowed_hosts(s.id),
	    'tool_count', (SELECT count(*) FROM tools t WHERE t.server_id = s.id),
	    'approved_tool_count', (SELECT count(*) FROM tools t
	        WHERE t.server_id = s.id AND t.approval_status = 'approved'),
	    'pending_tool_count', (SELECT count(*) FROM tools t
	        WHERE t.server_id = s.id AND t.approval_status = 'pending_review'));
END
$$;

CREATE OR REPLACE FUNCTION tool_json(t tools, with_code boolean)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN jsonb_build_object(
	    'id', t.id, 'server_id', t.server_id,
	    'server_name', (SELECT name FROM servers s WHERE s.id = t.server_id),
	    'name', t.name, 'description', t.description,
	    'tool_type', t.tool_type, 'input_schema', t.input_schema,
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
	    change_source)
	SELECT id, current_version, name, description, python_code,
	    input_schema, enabled, timeout_ms, left(summary, 500), source
	FROM tools WHERE id = tid;
END
$$;

CREATE OR REPLACE FUNCTION notify_tools_changed(reason text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('mcpbox_tools_changed', reason);
END
$$;

CREATE OR REPLACE FUNCTION audit(actor text, action text, message text,
    details jsonb, request_id text, server uuid DEFAULT NULL) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO activity_logs (server_id, log_type, level, message,
	    details, actor, request_id)
	VALUES (server, 'audit', 'info', message,
	    jsonb_build_object('action', action) || coalesce(details, '{}'),
	    actor, request_id);
END
$$;
