-- A server an admin stopped stays stopped until an admin starts it: the
-- management tools (LLM callers) may start only a server they stopped
-- themselves or that was never started (db/sql_servers.c).
ALTER TABLE servers ADD COLUMN stopped_by_admin boolean NOT NULL
	DEFAULT false;
