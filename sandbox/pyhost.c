/*
 * pyhost.c -- the embedded interpreter (the zygote).
 *
 * CPython is initialised once, isolated (-I -S semantics, fixed sys.path,
 * no bytecode writes, no signal handlers of its own), and the trusted
 * harness -- compiled into this binary, never read from disk -- imports and
 * warms every allowed module.  Children inherit all of it copy-on-write.
 *
 * Two things must exist before Py_Initialize: the C audit hook (a hook
 * added from C first cannot be removed from Python; it is inert while the
 * zygote imports the standard library, in import mode while it imports
 * installed packages, and fully armed in each child) and the tiny `_sbx`
 * module through which the harness talks to the broker over the child's
 * pipes.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <string.h>
#include <frameobject.h>

#include "sbx.h"

extern const unsigned char	sbx_harness_hints_py[];
extern const unsigned int	sbx_harness_hints_py_len;
extern const unsigned char	sbx_harness_check_py[];
extern const unsigned int	sbx_harness_check_py_len;
extern const unsigned char	sbx_harness_types_py[];
extern const unsigned int	sbx_harness_types_py_len;
extern const unsigned char	sbx_harness_content_py[];
extern const unsigned int	sbx_harness_content_py_len;
extern const unsigned char	sbx_harness_run_py[];
extern const unsigned int	sbx_harness_run_py_len;

static volatile int	 audit_armed;
static PyObject		*h_mod, *h_run, *h_warm, *h_schema;
static char		 pyversion[32];

/* Prefix entries end in '.'; the rest match exactly. */
static const char *audit_deny[] = {
	"open", "os.", "subprocess.", "socket.", "ctypes.", "import",
	"sys._current_frames", "sys.settrace", "sys.setprofile",
	"sys.addaudithook", "sys.setrecursionlimit", "object.__getattr__",
	"function.__new__", "code.__new__", "gc.", "marshal.", "pickle.",
	"shutil.", "tempfile.", "mmap.", "fcntl.", "resource.", "pty.",
	"builtins.input", "builtins.breakpoint", "webbrowser.",
	"urllib.Request", "http.client.", "ftplib.", "smtplib.", "sqlite3.",
	"signal.", "glob.", "cpython.", "winreg.", "syslog.",
	"_posixsubprocess.", "setopencodehook", "sys.unraisablehook",
	"sys.excepthook", NULL
};

/*
 * While installed packages are imported (in the zygote, already the
 * sandbox uid under seccomp): they may open and import files, nothing
 * that starts processes, opens sockets or loads foreign code.
 */
static const char *audit_deny_import[] = {
	"os.system", "os.exec", "os.spawn", "os.posix_spawn", "os.fork",
	"os.forkpty", "os.kill", "os.killpg", "subprocess.", "socket.",
	"ctypes.", "_posixsubprocess.", "pty.", "webbrowser.", "mmap.",
	"sys.addaudithook", "sys.settrace", "sys.setprofile", "cpython.",
	NULL
};

static int
host_audit_hook(const char *ev, PyObject *args, void *ud)
{
	const char	**p;
	size_t		  n;

	(void)ud;
	if (audit_armed == SBX_AUDIT_OFF)
		return (0);
	for (p = audit_armed == SBX_AUDIT_IMPORT ? audit_deny_import :
	    audit_deny; *p; p++) {
		n = strlen(*p);
		if ((*p)[n - 1] == '.' ? strncmp(ev, *p, n) == 0 :
		    strcmp(ev, *p) == 0)
			goto deny;
	}
	(void)args;
	return (0);
deny:
	PyErr_SetString(PyExc_PermissionError,
	    "operation not permitted in the sandbox");
	return (-1);
}

void
sbx_py_audit_arm(int on)
{
	audit_armed = on;
}

/* One frame of `arg` (bytes) to the supervisor; -1 with an exception. */
static int
host_frame_send(PyObject *arg, const char *what)
{
	struct sbx_buf	 b = { 0 };
	char		*p;
	Py_ssize_t	 n;

	if (PyBytes_AsStringAndSize(arg, &p, &n) == -1)
		return (-1);
	if (sbx_frame_put(&b, p, (size_t)n) == -1 ||
	    sbx_frame_write_fd(4, b.data, b.len) == -1) {
		sbx_buf_free(&b);
		PyErr_SetString(PyExc_ConnectionError, what);
		return (-1);
	}
	sbx_buf_free(&b);
	return (0);
}

/* _sbx.roundtrip(bytes) -> bytes: one broker request from the child. */
static PyObject *
host_sbx_roundtrip(PyObject *self, PyObject *arg)
{
	char		*buf;
	uint32_t	 len;
	PyObject	*r;

	(void)self;
	if (host_frame_send(arg, "broker unavailable") == -1)
		return (NULL);
	if (sbx_frame_read_fd(3, 4 * SBX_HTTP_BODY_MAX + 65536, &buf,
	    &len) == -1) {
		PyErr_SetString(PyExc_ConnectionError, "broker unavailable");
		return (NULL);
	}
	r = PyBytes_FromStringAndSize(buf, len);
	free(buf);
	return (r);
}

/*
 * _sbx.notify(bytes): a notification for the client while the tool runs
 * (a log message, progress). One-way: the supervisor answers nothing.
 */
static PyObject *
host_sbx_notify(PyObject *self, PyObject *arg)
{
	(void)self;
	if (host_frame_send(arg, "supervisor unavailable") == -1)
		return (NULL);
	Py_INCREF(Py_None);
	return (Py_None);
}

/*
 * _sbx.tool_line(tb) -> int | None: the last line of tool code in a
 * traceback.  Done in C because reading tb_frame from Python is itself an
 * audited (and, in the child, denied) attribute access.
 */
static PyObject *
host_sbx_tool_line(PyObject *self, PyObject *arg)
{
	PyTracebackObject	*tb;
	PyCodeObject		*code;
	int			 line = -1, l;

	(void)self;
	if (!PyTraceBack_Check(arg))
		Py_RETURN_NONE;
	for (tb = (PyTracebackObject *)arg; tb != NULL; tb = tb->tb_next) {
		code = PyFrame_GetCode(tb->tb_frame);
		if (PyUnicode_Check(code->co_filename) &&
		    PyUnicode_CompareWithASCIIString(code->co_filename,
		    "<tool>") == 0) {
			l = tb->tb_lineno >= 0 ? tb->tb_lineno :
			    PyCode_Addr2Line(code, tb->tb_lasti);
			if (l >= 0)
				line = l;
		}
		Py_DECREF(code);
	}
	if (line < 0)
		Py_RETURN_NONE;
	return (PyLong_FromLong(line));
}

static PyMethodDef sbx_methods[] = {
	{ "roundtrip", host_sbx_roundtrip, METH_O, NULL },
	{ "notify", host_sbx_notify, METH_O, NULL },
	{ "tool_line", host_sbx_tool_line, METH_O, NULL },
#ifdef SBX_TESTING
	{ "test_scan", sbx_testscan, METH_O, NULL },
#endif
	{ NULL, NULL, 0, NULL }
};

static struct PyModuleDef sbx_module = {
	PyModuleDef_HEAD_INIT, "_sbx", NULL, -1, sbx_methods,
	NULL, NULL, NULL, NULL
};

static PyObject *
host_sbx_module_init(void)
{
	return (PyModule_Create(&sbx_module));
}

static int
host_append_path(PyConfig *c, const char *path)
{
	wchar_t		*w;
	PyStatus	 st;

	if ((w = Py_DecodeLocale(path, NULL)) == NULL)
		return (-1);
	st = PyWideStringList_Append(&c->module_search_paths, w);
	PyMem_RawFree(w);
	return (PyStatus_Exception(st) ? -1 : 0);
}

static int
host_configure(const struct sbx_pyconf *pc)
{
	PyConfig	c;
	PyStatus	st;
	size_t		i;
	int		rc = -1;

	PyConfig_InitIsolatedConfig(&c);
	c.site_import = 0;
	c.user_site_directory = 0;
	c.write_bytecode = 0;
	c.install_signal_handlers = 0;
	c.module_search_paths_set = 1;
	st = PyConfig_SetString(&c, &c.program_name, L"/usr/bin/python3.11");
	if (PyStatus_Exception(st))
		goto out;
	if (host_append_path(&c, "/usr/lib/python3.11") == -1 ||
	    host_append_path(&c, "/usr/lib/python3.11/lib-dynload") == -1)
		goto out;
	for (i = 0; i < pc->n_extra_paths; i++)
		if (host_append_path(&c, pc->extra_paths[i]) == -1)
			goto out;
	st = Py_InitializeFromConfig(&c);
	if (!PyStatus_Exception(st))
		rc = 0;
out:
	PyConfig_Clear(&c);
	return (rc);
}

/* One compiled-in harness module, registered in sys.modules as `name`. */
static PyObject *
host_module_load(const char *name, const unsigned char *text,
    unsigned int len)
{
	PyObject	*code, *mod;
	char		*src;

	if ((src = malloc(len + 1)) == NULL)
		return (NULL);
	memcpy(src, text, len);
	src[len] = '\0';
	code = Py_CompileString(src, "<sandbox>", Py_file_input);
	free(src);
	if (code == NULL)
		return (NULL);
	mod = PyImport_ExecCodeModuleEx(name, code, "<sandbox>");
	Py_DECREF(code);
	return (mod);
}

/* The hints (the checker imports them), the checker, the types and the
 * content API first: the runner imports them. */
static PyObject *
host_harness_load(void)
{
	PyObject	*m;

	if ((m = host_module_load("sbx_harness_hints", sbx_harness_hints_py,
	    sbx_harness_hints_py_len)) == NULL)
		return (NULL);
	Py_DECREF(m);	/* sys.modules keeps it */
	if ((m = host_module_load("sbx_harness_check", sbx_harness_check_py,
	    sbx_harness_check_py_len)) == NULL)
		return (NULL);
	Py_DECREF(m);
	if ((m = host_module_load("sbx_harness_types", sbx_harness_types_py,
	    sbx_harness_types_py_len)) == NULL)
		return (NULL);
	Py_DECREF(m);
	if ((m = host_module_load("sbx_harness_content",
	    sbx_harness_content_py, sbx_harness_content_py_len)) == NULL)
		return (NULL);
	Py_DECREF(m);
	return (host_module_load("sbx_harness", sbx_harness_run_py,
	    sbx_harness_run_py_len));
}

static void
host_log_py_error(const char *what)
{
	PyObject	*t, *v, *tb, *s;
	json_t		*f = json_object();

	PyErr_Fetch(&t, &v, &tb);
	s = v ? PyObject_Str(v) : NULL;
	json_object_set_new(f, "what", json_string(what));
	if (s && PyUnicode_AsUTF8(s))
		json_object_set_new(f, "error", json_string(PyUnicode_AsUTF8(s)));
	PyErr_Clear();
	sbx_log("error", "python_init_failed", f);
	Py_XDECREF(s);
	Py_XDECREF(t);
	Py_XDECREF(v);
	Py_XDECREF(tb);
}

int
sbx_py_init(const struct sbx_pyconf *pc)
{
	PyObject	*mod, *r;
	const char	*v, *sp;

	if (PySys_AddAuditHook(host_audit_hook, NULL) != 0)
		return (-1);
	if (PyImport_AppendInittab("_sbx", host_sbx_module_init) == -1)
		return (-1);
	if (host_configure(pc) == -1)
		return (-1);
	if ((mod = host_harness_load()) == NULL) {
		host_log_py_error("harness");
		return (-1);
	}
	h_mod = mod;
	h_run = PyObject_GetAttrString(mod, "run");
	h_warm = PyObject_GetAttrString(mod, "warm_child");
	h_schema = PyObject_GetAttrString(mod, "schema_for");
	r = PyObject_CallMethod(mod, "init", "ii", pc->testing,
	    (int)SBX_CODE_MAX);
	if (r == NULL || !h_run || !h_warm || !h_schema) {
		host_log_py_error("harness init");
		Py_XDECREF(r);
		return (-1);
	}
	Py_DECREF(r);
	v = Py_GetVersion();
	sp = strchr(v, ' ');
	snprintf(pyversion, sizeof(pyversion), "%.*s",
	    (int)(sp ? (size_t)(sp - v) : strlen(v)), v);
	return (0);
}

/*
 * Installed packages, after the zygote dropped its privileges and armed
 * its seccomp filter: the audit hook stays in import mode in the zygote
 * from here on.  A package that fails to import is left out and logged.
 */
void
sbx_py_import_extra(const struct sbx_pyconf *pc)
{
	PyObject	*extra, *s, *r;
	size_t		 i;

	if (pc->n_extra_modules == 0)
		return;
	audit_armed = SBX_AUDIT_IMPORT;
	if ((extra = PyList_New(0)) == NULL)
		return;
	for (i = 0; i < pc->n_extra_modules; i++) {
		s = PyUnicode_FromString(pc->extra_modules[i]);
		if (s != NULL)
			PyList_Append(extra, s);
		Py_XDECREF(s);
	}
	r = PyObject_CallMethod(h_mod, "init_extra", "O", extra);
	Py_DECREF(extra);
	if (r == NULL)
		host_log_py_error("packages");
	Py_XDECREF(r);
}

const char *
sbx_py_version(void)
{
	return (pyversion);
}

static int
host_bytes_out(PyObject *r, char **out, size_t *outlen)
{
	char		*p;
	Py_ssize_t	 n;

	if (r == NULL || PyBytes_AsStringAndSize(r, &p, &n) == -1) {
		Py_XDECREF(r);
		PyErr_Clear();
		return (-1);
	}
	if ((*out = malloc((size_t)n + 1)) == NULL) {
		Py_DECREF(r);
		return (-1);
	}
	memcpy(*out, p, (size_t)n);
	(*out)[n] = '\0';
	*outlen = (size_t)n;
	Py_DECREF(r);
	return (0);
}

/*
 * Run one request through the harness.  Never PyErr_Print: printing a
 * traceback opens source files, which the child may not do.
 */
int
sbx_py_run(const char *req, size_t n, char **out, size_t *outlen)
{
	PyObject	*r;

	r = PyObject_CallFunction(h_run, "y#", req, (Py_ssize_t)n);
	return (host_bytes_out(r, out, outlen));
}

int
sbx_py_warm_child(void)
{
	PyObject	*r;

	if ((r = PyObject_CallNoArgs(h_warm)) == NULL) {
		PyErr_Clear();
		return (-1);
	}
	Py_DECREF(r);
	return (0);
}

/* input_schema of main() as canonical JSON text, for the unit tests. */
char *
sbx_py_schema(const char *src)
{
	PyObject	*r;
	const char	*s;
	char		*out = NULL;

	if ((r = PyObject_CallFunction(h_schema, "s", src)) == NULL) {
		PyErr_Clear();
		return (NULL);
	}
	if (r == Py_None)
		out = strdup("null");
	else if ((s = PyUnicode_AsUTF8(r)) != NULL)
		out = strdup(s);
	PyErr_Clear();
	Py_DECREF(r);
	return (out);
}
