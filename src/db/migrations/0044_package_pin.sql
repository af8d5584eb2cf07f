-- Packages are pinned before anyone approves them.
--
-- A request for a module outside the standard library is resolved as soon
-- as it is made: the sandbox keeper asks pip which distribution and version
-- an install would take (a download of the one wheel into a scratch
-- directory; no package code runs), and records it here. The review shows
-- exactly that name and version, a request can be approved only once it is
-- resolved, and the install that follows names that version. Auto-approve
-- covers standard-library modules only (mcp/: request_module).

ALTER TABLE module_requests
	ADD COLUMN resolve_status text
		CHECK (resolve_status IN ('not_required', 'pending',
		    'resolving', 'resolved', 'failed')),
	ADD COLUMN resolved_version text,
	ADD COLUMN resolve_message text;

UPDATE module_requests SET
	resolve_status = CASE WHEN module_is_stdlib(module_name) THEN
	    'not_required' WHEN installed_version IS NOT NULL THEN 'resolved'
	    ELSE 'pending' END,
	resolved_version = installed_version,
	install_package = CASE WHEN module_is_stdlib(module_name) THEN
	    install_package ELSE coalesce(install_package,
	    module_package(module_name)) END;

CREATE FUNCTION module_request_resolve() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF module_is_stdlib(NEW.module_name) THEN
		NEW.resolve_status := 'not_required';
	ELSIF NEW.resolve_status IS NULL THEN
		NEW.resolve_status := 'pending';
		NEW.install_package := module_package(NEW.module_name);
		NEW.resolve_message := 'finding the version an install would take';
		PERFORM pg_notify('mcpbox_packages', NEW.id::text);
	END IF;
	RETURN NEW;
END
$$;

-- Named to sort before module_request_install_insert: triggers of one
-- event fire in name order, and the install decision needs the pin.
CREATE TRIGGER module_request_a_resolve BEFORE INSERT
	ON module_requests FOR EACH ROW EXECUTE FUNCTION module_request_resolve();

-- The install decision of 0041, with "already installed" meaning the same
-- version the request was resolved to.
CREATE OR REPLACE FUNCTION module_request_install() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.status <> 'approved' THEN
		RETURN NEW;
	END IF;
	IF TG_OP = 'UPDATE' THEN
		IF OLD.status = 'approved' THEN
			RETURN NEW;
		END IF;
	END IF;
	IF module_is_stdlib(NEW.module_name) THEN
		NEW.install_status := 'not_required';
		NEW.install_message := 'part of the standard library';
	ELSIF EXISTS (SELECT 1 FROM module_requests r WHERE
	    r.install_status = 'installed' AND r.install_package =
	    module_package(NEW.module_name) AND (NEW.resolved_version IS NULL
	    OR r.installed_version = NEW.resolved_version)) THEN
		NEW.install_status := 'installed';
		NEW.install_package := module_package(NEW.module_name);
		NEW.installed_version := NEW.resolved_version;
		NEW.install_message := 'already installed';
	ELSE
		NEW.install_status := 'pending';
		NEW.install_package := module_package(NEW.module_name);
		NEW.install_message := 'waiting for the sandbox installer';
		PERFORM pg_notify('mcpbox_packages', NEW.id::text);
	END IF;
	NEW.install_updated_at := now();
	RETURN NEW;
END
$$;
