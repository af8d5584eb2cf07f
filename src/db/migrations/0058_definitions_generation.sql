-- A number that changes whenever anything a tool call is loaded from
-- changes (the tool and its versions, its server, the server's secrets,
-- approved modules and hosts, the global settings). Workers keep approved
-- tool definitions in memory (src/mcp/tool_cache.c) and each call reads
-- only its session and this number: a definition is used while the number
-- it was loaded with is still current.
--
-- A row, not a sequence: the bump is part of the changing transaction, so
-- no reader can see the new number before the change is committed (a
-- sequence moves at once, and a definition read before the commit would
-- be remembered under the new number). Statement triggers: one bump per
-- statement, whatever the number of rows.
CREATE TABLE definitions_generation (
	only_row	boolean PRIMARY KEY DEFAULT true CHECK (only_row),
	n		bigint NOT NULL
);
INSERT INTO definitions_generation VALUES (true, 1);

CREATE FUNCTION definitions_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE definitions_generation SET n = n + 1;
	RETURN NULL;
END
$$;

DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['tools', 'tool_versions', 'servers',
	    'server_secrets', 'module_requests', 'network_access_requests',
	    'settings'] LOOP
		EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR '
		    'DELETE OR TRUNCATE ON %I FOR EACH STATEMENT EXECUTE '
		    'FUNCTION definitions_changed()', t || '_definitions', t);
	END LOOP;
END
$$;
