-- Package installation for approved module requests (issue 10).
--
-- Approving a request for a module outside the standard library queues an
-- install: a trigger marks the request 'pending' and notifies the sandbox
-- keepers, one of which claims it (UPDATE ... WHERE install_status =
-- 'pending', so exactly one instance installs), runs the sandbox's
-- `install` op (wheels only) and records the outcome here, which is what
-- the panel shows. A successful install restarts the sandbox supervisor
-- with the package activated (--python-path/--module).

ALTER TABLE module_requests
	ADD COLUMN install_status text
		CHECK (install_status IN ('not_required', 'pending',
		    'installing', 'installed', 'failed')),
	ADD COLUMN install_package text,
	ADD COLUMN install_message text,
	ADD COLUMN install_target text,
	ADD COLUMN installed_version text,
	ADD COLUMN install_updated_at timestamptz;

-- sys.stdlib_module_names of the sandbox's interpreter (CPython 3.11).
CREATE FUNCTION module_is_stdlib(m text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
	SELECT split_part(m, '.', 1) = ANY (ARRAY[
	'__future__', '_abc', '_aix_support', '_ast', '_asyncio', '_bisect',
	'_blake2', '_bootsubprocess', '_bz2', '_codecs', '_codecs_cn',
	'_codecs_hk', '_codecs_iso2022', '_codecs_jp', '_codecs_kr',
	'_codecs_tw', '_collections', '_collections_abc', '_compat_pickle',
	'_compression', '_contextvars', '_crypt', '_csv', '_ctypes', '_curses',
	'_curses_panel', '_datetime', '_dbm', '_decimal', '_elementtree',
	'_frozen_importlib', '_frozen_importlib_external', '_functools',
	'_gdbm', '_hashlib', '_heapq', '_imp', '_io', '_json', '_locale',
	'_lsprof', '_lzma', '_markupbase', '_md5', '_msi', '_multibytecodec',
	'_multiprocessing', '_opcode', '_operator', '_osx_support',
	'_overlapped', '_pickle', '_posixshmem', '_posixsubprocess', '_py_abc',
	'_pydecimal', '_pyio', '_queue', '_random', '_scproxy', '_sha1',
	'_sha256', '_sha3', '_sha512', '_signal', '_sitebuiltins', '_socket',
	'_sqlite3', '_sre', '_ssl', '_stat', '_statistics', '_string',
	'_strptime', '_struct', '_symtable', '_thread', '_threading_local',
	'_tkinter', '_tokenize', '_tracemalloc', '_typing', '_uuid',
	'_warnings', '_weakref', '_weakrefset', '_winapi', '_zoneinfo', 'abc',
	'aifc', 'antigravity', 'argparse', 'array', 'ast', 'asynchat',
	'asyncio', 'asyncore', 'atexit', 'audioop', 'base64', 'bdb',
	'binascii', 'bisect', 'builtins', 'bz2', 'cProfile', 'calendar', 'cgi',
	'cgitb', 'chunk', 'cmath', 'cmd', 'code', 'codecs', 'codeop',
	'collections', 'colorsys', 'compileall', 'concurrent', 'configparser',
	'contextlib', 'contextvars', 'copy', 'copyreg', 'crypt', 'csv',
	'ctypes', 'curses', 'dataclasses', 'datetime', 'dbm', 'decimal',
	'difflib', 'dis', 'distutils', 'doctest', 'email', 'encodings',
	'ensurepip', 'enum', 'errno', 'faulthandler', 'fcntl', 'filecmp',
	'fileinput', 'fnmatch', 'fractions', 'ftplib', 'functools', 'gc',
	'genericpath', 'getopt', 'getpass', 'gettext', 'glob', 'graphlib',
	'grp', 'gzip', 'hashlib', 'heapq', 'hmac', 'html', 'http', 'idlelib',
	'imaplib', 'imghdr', 'imp', 'importlib', 'inspect', 'io', 'ipaddress',
	'itertools', 'json', 'keyword', 'lib2to3', 'linecache', 'locale',
	'logging', 'lzma', 'mailbox', 'mailcap', 'marshal', 'math',
	'mimetypes', 'mmap', 'modulefinder', 'msilib', 'msvcrt',
	'multiprocessing', 'netrc', 'nis', 'nntplib', 'nt', 'ntpath',
	'nturl2path', 'numbers', 'opcode', 'operator', 'optparse', 'os',
	'ossaudiodev', 'pathlib', 'pdb', 'pickle', 'pickletools', 'pipes',
	'pkgutil', 'platform', 'plistlib', 'poplib', 'posix', 'posixpath',
	'pprint', 'profile', 'pstats', 'pty', 'pwd', 'py_compile', 'pyclbr',
	'pydoc', 'pydoc_data', 'pyexpat', 'queue', 'quopri', 'random', 're',
	'readline', 'reprlib', 'resource', 'rlcompleter', 'runpy', 'sched',
	'secrets', 'select', 'selectors', 'shelve', 'shlex', 'shutil',
	'signal', 'site', 'smtpd', 'smtplib', 'sndhdr', 'socket',
	'socketserver', 'spwd', 'sqlite3', 'sre_compile', 'sre_constants',
	'sre_parse', 'ssl', 'stat', 'statistics', 'string', 'stringprep',
	'struct', 'subprocess', 'sunau', 'symtable', 'sys', 'sysconfig',
	'syslog', 'tabnanny', 'tarfile', 'telnetlib', 'tempfile', 'termios',
	'textwrap', 'this', 'threading', 'time', 'timeit', 'tkinter', 'token',
	'tokenize', 'tomllib', 'trace', 'traceback', 'tracemalloc', 'tty',
	'turtle', 'turtledemo', 'types', 'typing', 'unicodedata', 'unittest',
	'urllib', 'uu', 'uuid', 'venv', 'warnings', 'wave', 'weakref',
	'webbrowser', 'winreg', 'winsound', 'wsgiref', 'xdrlib', 'xml',
	'xmlrpc', 'zipapp', 'zipfile', 'zipimport', 'zlib', 'zoneinfo'
	])
$$;

-- The distribution that provides an import name, where they differ.
CREATE FUNCTION module_package(m text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE split_part(m, '.', 1)
	    WHEN 'yaml' THEN 'pyyaml'
	    WHEN 'PIL' THEN 'pillow'
	    WHEN 'bs4' THEN 'beautifulsoup4'
	    WHEN 'dateutil' THEN 'python-dateutil'
	    WHEN 'sklearn' THEN 'scikit-learn'
	    WHEN 'cv2' THEN 'opencv-python-headless'
	    WHEN 'jwt' THEN 'pyjwt'
	    WHEN 'dotenv' THEN 'python-dotenv'
	    WHEN 'Crypto' THEN 'pycryptodome'
	    WHEN 'magic' THEN 'python-magic'
	    WHEN 'docx' THEN 'python-docx'
	    WHEN 'pptx' THEN 'python-pptx'
	    ELSE lower(replace(split_part(m, '.', 1), '_', '-')) END
$$;

CREATE FUNCTION module_request_install() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.status = 'approved' AND OLD.status IS DISTINCT FROM 'approved'
	    THEN
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
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER module_request_install BEFORE UPDATE OF status
	ON module_requests FOR EACH ROW EXECUTE FUNCTION module_request_install();
