-- Default settings. Every key here is enforced somewhere:
--   tool_approval_mode      request_publish, test_code (mcp/)
--   module_approval_mode    request_module (mcp/)
--   remote_tool_editing     the gateway's local-only tools (mcp/)
--   mcp_rate_limit_rpm      the gateway's per-IP limit (mcp/)
--   log_retention_days      the retention job
INSERT INTO settings (key, value) VALUES
    ('security_policy', '{
	"tool_approval_mode": "require_approval",
	"module_approval_mode": "require_approval",
	"remote_tool_editing": "disabled",
	"mcp_rate_limit_rpm": 300,
	"log_retention_days": 30
    }'),
    -- Modules a tool may import without asking: the sandbox's standard
    -- set (docs/SANDBOX.md). Deliberately without asyncio and operator
    -- (subprocess and attrgetter gadgets).
    ('allowed_modules', '["json", "re", "math", "datetime", "urllib.parse",
	"base64", "hashlib", "collections", "itertools", "functools",
	"statistics", "decimal", "uuid", "string", "textwrap", "html", "time",
	"random", "fractions", "bisect", "heapq"]');

-- Responses for legacy SSE sessions held by another worker or instance
-- that are too large for a NOTIFY payload travel by reference.
CREATE TABLE mcp_outbox (
	id		bigserial PRIMARY KEY,
	session_id	text NOT NULL,
	body		text NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mcp_outbox_created ON mcp_outbox (created_at);

-- Modules effectively allowed for a tool: the global list plus approved
-- requests of the tool (or of its server).
CREATE FUNCTION tool_allowed_modules(tid uuid) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(DISTINCT m), '[]'::jsonb) FROM (
	    SELECT jsonb_array_elements_text(value) AS m FROM settings
	        WHERE key = 'allowed_modules'
	    UNION
	    SELECT r.module_name FROM module_requests r
	        LEFT JOIN tools t ON t.id = tid
	        WHERE r.status = 'approved' AND (r.tool_id = tid OR
	        r.tool_id IS NULL OR r.server_id = t.server_id)) x
$$;

CREATE FUNCTION policy(k text) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT value ->> k FROM settings WHERE key = 'security_policy'
$$;
