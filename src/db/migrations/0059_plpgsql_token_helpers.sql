-- The token helpers of 0055 in PL/pgSQL, for the reason of 0021 and 0043:
-- a SQL function with a sub-select is never inlined, so its body is
-- parsed and planned again on every statement that calls it. token_live
-- is in every tool call's session check, token_sees in every tools/list
-- and mcpbox_list_servers (twice), and under load their parsing was the
-- top of PostgreSQL's profile (mcpbox_list_servers: 0.39 ms of database
-- CPU per request, against 0.13 ms before 0055). PL/pgSQL keeps its plans
-- per connection, and a request without a token (the local door) now
-- returns before any query. Same signatures, same results.

CREATE OR REPLACE FUNCTION token_live(p_token uuid) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
	IF p_token IS NULL THEN
		RETURN true;
	END IF;
	RETURN EXISTS (SELECT 1 FROM client_tokens c WHERE c.id = p_token AND
	    (c.expires_at IS NULL OR c.expires_at > now()));
END
$$;

CREATE OR REPLACE FUNCTION token_sees(p_token uuid, p_server text)
RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
	IF p_token IS NULL THEN
		RETURN true;
	END IF;
	RETURN EXISTS (SELECT 1 FROM client_tokens c WHERE c.id = p_token AND
	    (c.expires_at IS NULL OR c.expires_at > now()) AND
	    (c.servers IS NULL OR p_server = ANY (c.servers)));
END
$$;

CREATE OR REPLACE FUNCTION mgmt_target_server(args jsonb) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN coalesce(
	    (SELECT s.name FROM servers s WHERE s.id::text =
	        args->>'server_id'),
	    (SELECT s.name FROM tools t JOIN servers s ON s.id = t.server_id
	        WHERE t.id::text = coalesce(args->>'tool_id',
	        args->>'resource_id', args->>'prompt_id')),
	    (SELECT s.name FROM external_mcp_sources e JOIN servers s ON
	        s.id = e.server_id WHERE e.id::text = args->>'source_id'));
END
$$;
