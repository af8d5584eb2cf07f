-- The events of a call whose stream the server closed (mcp.close_stream):
-- the call goes on without its connection, each event it sends is kept
-- here, and a GET with Last-Event-ID on any worker or instance replays
-- what came after that id and follows the rest (NOTIFY
-- mcpbox_stream_event). Row 0 of a stream marks it as one; its body is
-- the count of events the closed stream carried. `last` is the call's
-- answer. Rows are short-lived: each insert deletes
-- those older than 15 minutes, past the longest call.
CREATE TABLE mcp_stream_events (
	stream		text NOT NULL,
	seq		bigint NOT NULL,
	session_id	text NOT NULL,
	body		text NOT NULL,
	last		boolean NOT NULL DEFAULT false,
	created_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (stream, seq)
);
CREATE INDEX mcp_stream_events_created ON mcp_stream_events (created_at);
