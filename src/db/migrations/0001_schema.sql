-- MCPbox schema, version 1. UUID keys, timestamptz everywhere.

CREATE TABLE admin_users (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	username	text NOT NULL UNIQUE
			CHECK (username ~ '^[A-Za-z][A-Za-z0-9_]{2,49}$'),
	password_hash	text NOT NULL,
	password_version integer NOT NULL DEFAULT 1,
	is_active	boolean NOT NULL DEFAULT true,
	last_login_at	timestamptz,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);

-- One admin: setup can only ever create one row.
CREATE UNIQUE INDEX admin_users_single ON admin_users ((true));

CREATE TABLE token_blacklist (
	jti		text PRIMARY KEY,
	expires_at	timestamptz NOT NULL
);
CREATE INDEX token_blacklist_expires ON token_blacklist (expires_at);

CREATE TABLE servers (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	name		text NOT NULL UNIQUE
			CHECK (name ~ '^[a-z][a-z0-9_]{0,63}$'),
	description	text NOT NULL DEFAULT '',
	status		text NOT NULL DEFAULT 'stopped'
			CHECK (status IN ('running', 'stopped')),
	default_timeout_ms integer NOT NULL DEFAULT 30000
			CHECK (default_timeout_ms BETWEEN 100 AND 300000),
	created_by	text NOT NULL DEFAULT 'admin',
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE external_mcp_sources (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	server_id	uuid NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
	name		text NOT NULL,
	url		text NOT NULL,
	auth_type	text NOT NULL DEFAULT 'none'
			CHECK (auth_type IN ('none', 'bearer', 'header', 'oauth')),
	auth_secret_name text,
	auth_header_name text,
	transport_type	text NOT NULL DEFAULT 'streamable_http'
			CHECK (transport_type IN ('streamable_http', 'sse')),
	status		text NOT NULL DEFAULT 'active'
			CHECK (status IN ('active', 'error', 'disabled')),
	oauth_tokens_ciphertext bytea,
	oauth_issuer	text,
	oauth_client_id	text,
	last_discovered_at timestamptz,
	tool_count	integer NOT NULL DEFAULT 0,
	discovered_tools jsonb,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	UNIQUE (server_id, name)
);

CREATE TABLE tools (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	server_id	uuid NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
	name		text NOT NULL CHECK (name ~ '^[a-z][a-z0-9_]{0,63}$'),
	description	text NOT NULL DEFAULT '',
	tool_type	text NOT NULL DEFAULT 'python_code'
			CHECK (tool_type IN ('python_code', 'mcp_passthrough')),
	python_code	text,
	input_schema	jsonb NOT NULL DEFAULT '{"type":"object","properties":{}}',
	timeout_ms	integer CHECK (timeout_ms BETWEEN 100 AND 300000),
	enabled		boolean NOT NULL DEFAULT true,
	external_source_id uuid REFERENCES external_mcp_sources (id)
			ON DELETE SET NULL,
	external_tool_name text,
	current_version	integer NOT NULL DEFAULT 1,
	approval_status	text NOT NULL DEFAULT 'draft'
			CHECK (approval_status IN ('draft', 'pending_review',
			    'approved', 'rejected')),
	approval_requested_at timestamptz,
	approved_at	timestamptz,
	approved_by	text,
	rejection_reason text,
	publish_notes	text,
	created_by	text NOT NULL DEFAULT 'admin',
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	UNIQUE (server_id, name)
);
CREATE INDEX tools_status ON tools (approval_status);

CREATE TABLE tool_versions (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	tool_id		uuid NOT NULL REFERENCES tools (id) ON DELETE CASCADE,
	version		integer NOT NULL,
	name		text NOT NULL,
	description	text NOT NULL DEFAULT '',
	python_code	text,
	input_schema	jsonb NOT NULL,
	enabled		boolean NOT NULL DEFAULT true,
	timeout_ms	integer,
	change_summary	text NOT NULL DEFAULT '' CHECK (length(change_summary) <= 500),
	change_source	text NOT NULL DEFAULT 'manual'
			CHECK (change_source IN ('manual', 'llm', 'import',
			    'rollback')),
	created_at	timestamptz NOT NULL DEFAULT now(),
	UNIQUE (tool_id, version)
);

CREATE TABLE server_secrets (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	server_id	uuid NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
	key_name	text NOT NULL CHECK (key_name ~ '^[A-Z][A-Z0-9_]{0,63}$'),
	description	text NOT NULL DEFAULT '',
	-- NULL ciphertext is a placeholder the admin has not filled yet.
	value_ciphertext bytea,
	nonce		bytea,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	UNIQUE (server_id, key_name),
	CHECK ((value_ciphertext IS NULL) = (nonce IS NULL))
);

CREATE TABLE module_requests (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	tool_id		uuid REFERENCES tools (id) ON DELETE CASCADE,
	server_id	uuid REFERENCES servers (id) ON DELETE CASCADE,
	module_name	text NOT NULL CHECK (module_name ~
			    '^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$'
			    AND length(module_name) <= 128),
	justification	text NOT NULL DEFAULT '',
	requested_by	text NOT NULL DEFAULT 'llm',
	status		text NOT NULL DEFAULT 'pending'
			CHECK (status IN ('pending', 'approved', 'rejected')),
	reviewed_at	timestamptz,
	reviewed_by	text,
	rejection_reason text,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX module_requests_pending ON module_requests
    (coalesce(tool_id::text, ''), module_name) WHERE status = 'pending';

CREATE TABLE network_access_requests (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	tool_id		uuid REFERENCES tools (id) ON DELETE CASCADE,
	server_id	uuid REFERENCES servers (id) ON DELETE CASCADE,
	host		text NOT NULL CHECK (length(host) BETWEEN 1 AND 253),
	port		integer CHECK (port BETWEEN 1 AND 65535),
	justification	text NOT NULL DEFAULT '',
	requested_by	text NOT NULL DEFAULT 'llm',
	status		text NOT NULL DEFAULT 'pending'
			CHECK (status IN ('pending', 'approved', 'rejected')),
	reviewed_at	timestamptz,
	reviewed_by	text,
	rejection_reason text,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	CHECK (tool_id IS NOT NULL OR server_id IS NOT NULL)
);
CREATE UNIQUE INDEX network_requests_pending ON network_access_requests
    (coalesce(tool_id::text, ''), coalesce(server_id::text, ''), host,
    coalesce(port, 0)) WHERE status = 'pending';

CREATE TABLE settings (
	key		text PRIMARY KEY,
	value		jsonb NOT NULL,
	updated_at	timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tool_execution_logs (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	tool_id		uuid REFERENCES tools (id) ON DELETE CASCADE,
	server_id	uuid REFERENCES servers (id) ON DELETE CASCADE,
	tool_name	text NOT NULL,
	input_args	jsonb,
	result		text CHECK (length(result) <= 10240),
	error		text CHECK (length(error) <= 5120),
	stdout		text CHECK (length(stdout) <= 10240),
	duration_ms	integer NOT NULL DEFAULT 0,
	success		boolean NOT NULL,
	is_test		boolean NOT NULL DEFAULT false,
	caller_source	text NOT NULL DEFAULT 'local'
			CHECK (caller_source IN ('local', 'remote', 'admin')),
	request_id	text,
	created_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tool_execution_logs_tool ON tool_execution_logs
    (tool_id, created_at DESC);
CREATE INDEX tool_execution_logs_created ON tool_execution_logs (created_at);

CREATE TABLE activity_logs (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	server_id	uuid REFERENCES servers (id) ON DELETE SET NULL,
	log_type	text NOT NULL CHECK (log_type IN ('mcp_request',
			    'mcp_response', 'network', 'alert', 'error',
			    'system', 'audit')),
	level		text NOT NULL DEFAULT 'info'
			CHECK (level IN ('debug', 'info', 'warning', 'error')),
	message		text NOT NULL,
	details		jsonb NOT NULL DEFAULT '{}',
	actor		text,
	request_id	text,
	duration_ms	integer,
	created_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX activity_logs_created ON activity_logs (created_at DESC);
CREATE INDEX activity_logs_type ON activity_logs (log_type, created_at DESC);

CREATE TABLE mcp_sessions (
	id		text PRIMARY KEY,
	protocol_version text NOT NULL,
	client_info	jsonb NOT NULL DEFAULT '{}',
	source		text NOT NULL DEFAULT 'local'
			CHECK (source IN ('local', 'remote')),
	log_level	text NOT NULL DEFAULT 'info',
	created_at	timestamptz NOT NULL DEFAULT now(),
	last_seen_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mcp_sessions_seen ON mcp_sessions (last_seen_at);
