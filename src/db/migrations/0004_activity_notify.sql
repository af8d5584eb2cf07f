-- Live activity: every new entry is announced to all workers, which push
-- it to open /api/activity/stream connections. Large details are left out
-- of the payload (NOTIFY is limited to 8000 bytes); readers fetch by id.
CREATE FUNCTION activity_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	payload text;
BEGIN
	payload := json_build_object('id', NEW.id, 'server_id', NEW.server_id,
	    'log_type', NEW.log_type, 'level', NEW.level,
	    'message', left(NEW.message, 500), 'details', NEW.details,
	    'actor', NEW.actor, 'request_id', NEW.request_id,
	    'duration_ms', NEW.duration_ms, 'created_at', NEW.created_at)::text;
	IF octet_length(payload) > 7900 THEN
		payload := json_build_object('id', NEW.id, 'server_id',
		    NEW.server_id, 'log_type', NEW.log_type, 'level', NEW.level,
		    'message', left(NEW.message, 500), 'truncated', true,
		    'created_at', NEW.created_at)::text;
	END IF;
	PERFORM pg_notify('mcpbox_activity', payload);
	RETURN NULL;
END
$$;

CREATE TRIGGER activity_logs_notify AFTER INSERT ON activity_logs
    FOR EACH ROW EXECUTE FUNCTION activity_notify();
