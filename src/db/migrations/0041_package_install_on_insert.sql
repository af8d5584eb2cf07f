-- A module request can be born approved (module_approval_mode =
-- auto_approve, or an import): it needs the same install decision as
-- one approved later, so the trigger of 0040 also runs on INSERT.

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
	    module_package(NEW.module_name)) THEN
		NEW.install_status := 'installed';
		NEW.install_package := module_package(NEW.module_name);
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

CREATE TRIGGER module_request_install_insert BEFORE INSERT
	ON module_requests FOR EACH ROW EXECUTE FUNCTION module_request_install();
