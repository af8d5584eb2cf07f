-- What the review queue, the settings routes and the activity filters need
-- on top of the schema: the version an approval covered, the module policy
-- defined once, and a lenient timestamp parser for query filters.

-- The version the admin last approved. A code change or rollback sends the
-- tool back to review without touching it, so the review queue can show
-- "what was approved" next to "what would run now".
ALTER TABLE tools ADD COLUMN approved_version integer;
UPDATE tools SET approved_version = current_version
    WHERE approval_status = 'approved';

-- The modules a tool may import without asking, out of the box: the list
-- migration 0003 seeded, captured here as the function's body so there is
-- one literal only. A reset and the settings route read it from this
-- function. (0003 and 0005 run together on every database: at this point
-- nobody can have edited the seeded value yet.)
DO $$
BEGIN
	EXECUTE format('CREATE FUNCTION default_allowed_modules() RETURNS jsonb '
	    'LANGUAGE sql IMMUTABLE AS %L', format('SELECT %L::jsonb',
	    (SELECT value FROM settings WHERE key = 'allowed_modules')));
END
$$;

-- Modules no allow-list may ever contain, whatever the admin or a request
-- says: each one reaches the process, the file system, the network or the
-- interpreter's own machinery (asyncio and operator are known escape
-- gadgets). The sandbox refuses them too; refusing here as
-- well keeps the admin from believing a setting that could never work.
-- A dotted name is refused when its top-level package is.
CREATE FUNCTION module_refused(m text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
	SELECT split_part(m, '.', 1) = ANY (ARRAY[
	    'os', 'sys', 'subprocess', 'builtins', 'importlib', 'ctypes',
	    'asyncio', 'operator', 'socket', 'posix', 'nt', 'pty', 'shutil',
	    'signal', 'multiprocessing', 'threading', '_thread', 'gc',
	    'inspect', 'marshal', 'pickle', 'shelve', 'code', 'codeop', 'pdb',
	    'runpy', 'sysconfig', 'mmap', 'resource', 'fcntl', 'io', 'pathlib',
	    'tempfile', 'glob', 'select', 'selectors', 'ssl', 'http',
	    'ftplib', 'smtplib', 'telnetlib', 'socketserver', 'webbrowser',
	    'faulthandler', 'tracemalloc', 'types', 'weakref', 'atexit',
	    'site', 'zipimport', 'pkgutil', 'linecache', 'traceback', 'dis',
	    'ast', 'concurrent', '__future__', '__main__'])
	    OR m IN ('urllib.request', 'urllib.error')
$$;

-- A query-string timestamp: NULL instead of an error for bad input, so a
-- filter typo is a 400 from the statement, not a failed query.
CREATE FUNCTION try_timestamptz(s text) RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN s::timestamptz;
EXCEPTION WHEN others THEN
	RETURN NULL;
END
$$;

CREATE INDEX tool_execution_logs_server ON tool_execution_logs
    (server_id, created_at DESC);
CREATE INDEX activity_logs_server ON activity_logs (server_id, created_at DESC);
