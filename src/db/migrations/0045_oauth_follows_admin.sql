-- OAuth grants follow the admin's credentials (docs/INCIDENT-RESPONSE.md).
--
-- A grant is the admin's consent given with the admin's password. When
-- that password changes, or the admin is deactivated or removed, every
-- grant ends: all refresh-token families are revoked and codes not yet
-- exchanged are spent, so no client can mint another access token without
-- a new consent under the new password. Access tokens already issued
-- carry the password version they were minted under: every worker learns
-- the admin's current one (NOTIFY mcpbox_admin_changed, "<version> <name>",
-- or "-" when there is no active admin) and refuses the others at once.
CREATE FUNCTION oauth_end_grants() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'UPDATE' THEN
		IF NEW.password_version = OLD.password_version AND
		    NEW.is_active = OLD.is_active AND
		    NEW.username = OLD.username THEN
			RETURN NULL;
		END IF;
	END IF;
	IF TG_OP <> 'INSERT' THEN
		UPDATE oauth_refresh_tokens SET revoked_at = now()
		    WHERE revoked_at IS NULL;
		UPDATE oauth_codes SET used_at = now() WHERE used_at IS NULL;
		DELETE FROM oauth_requests;
	END IF;
	PERFORM pg_notify('mcpbox_admin_changed', coalesce((SELECT
	    password_version::text || ' ' || username FROM admin_users
	    WHERE is_active LIMIT 1), '-'));
	RETURN NULL;
END
$$;

CREATE TRIGGER admin_users_end_oauth_grants
	AFTER INSERT OR UPDATE OR DELETE ON admin_users
	FOR EACH ROW EXECUTE FUNCTION oauth_end_grants();
