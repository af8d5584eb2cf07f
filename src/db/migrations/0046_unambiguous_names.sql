-- Unambiguous names. MCP clients call a tool as "server__tool"; with "__"
-- inside a name, or a name ending in "_", one such string could name two
-- tools ("pay" / "prod__refund" against "pay__prod" / "refund"). New names
-- may hold neither (core/names.c). Existing ones are renamed here -- "__"
-- becomes "_", a trailing "_" is dropped, a number is added where that
-- would collide -- and every rename is recorded in the activity log, so
-- the admin can see what clients must now call.
DO $$
DECLARE
	r	record;
	base	text;
	cand	text;
	n	integer;
BEGIN
	FOR r IN SELECT id, name FROM servers
	    WHERE name LIKE '%\_\_%' OR name LIKE '%\_' ORDER BY created_at LOOP
		base := rtrim(regexp_replace(r.name, '_{2,}', '_', 'g'), '_');
		cand := base;
		n := 1;
		WHILE EXISTS (SELECT 1 FROM servers WHERE name = cand) LOOP
			n := n + 1;
			cand := base || '_' || n;
		END LOOP;
		UPDATE servers SET name = cand WHERE id = r.id;
		PERFORM audit('system', 'server.renamed', 'server renamed: '
		    || r.name || ' -> ' || cand || ' (names may not hold "__")',
		    jsonb_build_object('from', r.name, 'to', cand), NULL, r.id);
	END LOOP;
	FOR r IN SELECT id, name, server_id FROM tools
	    WHERE name LIKE '%\_\_%' OR name LIKE '%\_' ORDER BY created_at LOOP
		base := rtrim(regexp_replace(r.name, '_{2,}', '_', 'g'), '_');
		cand := base;
		n := 1;
		WHILE EXISTS (SELECT 1 FROM tools WHERE server_id = r.server_id
		    AND name = cand) LOOP
			n := n + 1;
			cand := base || '_' || n;
		END LOOP;
		UPDATE tools SET name = cand WHERE id = r.id;
		PERFORM audit('system', 'tool.renamed', 'tool renamed: '
		    || r.name || ' -> ' || cand || ' (names may not hold "__")',
		    jsonb_build_object('from', r.name, 'to', cand, 'tool_id',
		    r.id), NULL, r.server_id);
	END LOOP;
END
$$;
