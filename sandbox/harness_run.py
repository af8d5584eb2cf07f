# harness_run.py -- the trusted Python half of mcpbox-sandbox, part 2.
#
# Compiled into the binary as the module sbx_harness, loaded last, after
# sbx_harness_hints, sbx_harness_check (harness_check.py), sbx_harness_types
# and sbx_harness_content, whose names it imports below.  This
# part is what runs around the tool: the safe formatter, the guarded
# getattr family, the bounded print, the ONE restricted-builtins table,
# the broker client, result encoding, error sanitizing and run(), used by
# execute and validate alike.
import ast, json, types
import string as _string_mod
import time as _time_mod
import _string
import _sbx

from sbx_harness_check import (
    AVAILABLE, BLOCKED_NAMES, DEFAULT_MODULES, FrozenEncoder, MAX_ERRORS,
    OutputLimit, RESULT_CAP, SAFE_NAMES, STDOUT_CAP, TOOL_NAMES,
    ValidationError, _bad_attr, _public_attrs, _standins_for,
    standins_prebuild, check, compile_checked, compile_tool, find_main,
    set_code_max)
from sbx_harness_content import MCP, content_result
from sbx_harness_hints import runtime_name_errors
from sbx_harness_types import MODULES as TYPE_MODULES, input_schema, \
    output_schema

# Importable whatever the server allows (sbx_harness_types).
_ALWAYS = frozenset(TYPE_MODULES)
_DEFAULT_SET = _ALWAYS      # the default modules too, once init() ran


# ------------------------------------------------------- runtime helpers
class _SafeFormatter(_string_mod.Formatter):
    def get_field(self, field_name, args, kwargs):
        first, rest = _string.formatter_field_name_split(field_name)
        for is_attr, key in rest:
            if is_attr and _bad_attr(key):
                raise ValueError(f"format field attribute '{key}' is not allowed")
        return super().get_field(field_name, args, kwargs)


_FMT = _SafeFormatter()


def _exact_str(s):
    # join() copies the characters of a str subclass without calling any
    # method the subclass could have overridden.
    return "".join((s,))


def _safe_format_method(tpl, name):
    tpl = _exact_str(tpl)
    if name == "format":
        return lambda *a, **k: _FMT.vformat(tpl, a, k)
    return lambda m: _FMT.vformat(tpl, (), m)


def _fmtattr(obj, name):
    if type(name) is not str:
        raise TypeError("attribute name must be a str")
    if isinstance(obj, str):
        return _safe_format_method(obj, name)
    if isinstance(obj, type) and issubclass(obj, str):
        if name == "format":
            return lambda tpl, *a, **k: _FMT.vformat(_exact_str(tpl), a, k)
        return lambda tpl, m: _FMT.vformat(_exact_str(tpl), (), m)
    m = getattr(obj, name)
    # A bound str.format reached through any other object (a wrapper class
    # that hands out its str's method) gets the same treatment.
    owner = getattr(m, "__self__", None)
    if isinstance(owner, str) and getattr(m, "__name__", "") == name:
        return _safe_format_method(owner, name)
    return m


def _safe_getattr(obj, name, *default):
    if _bad_attr(name):
        raise AttributeError("attribute is not allowed in the sandbox")
    if name in ("format", "format_map"):
        return _fmtattr(obj, name)
    return getattr(obj, name, *default)


def _safe_hasattr(obj, name):
    if _bad_attr(name):
        return False
    return hasattr(obj, name)


def _safe_setattr(obj, name, value):
    if _bad_attr(name):
        raise AttributeError("attribute is not allowed in the sandbox")
    if isinstance(obj, (type, types.ModuleType)):
        raise AttributeError("setattr on classes and modules is not allowed")
    setattr(obj, name, value)


def _safe_type(*args):
    # One-argument form only; a metaclass (type(int) is type) is never
    # handed out, or type(type(0))('X', (), {...}) would build classes
    # with any dunder the AST check refuses.
    if len(args) != 1:
        raise TypeError("type() takes exactly one argument in the sandbox")
    t = type(args[0])
    if issubclass(t, type):
        return _safe_type
    return t


class _Out:
    def __init__(self):
        self.reset()

    def reset(self):
        self.parts, self.n, self.overflow = [], 0, False

    def write(self, s):
        if self.overflow:
            raise OutputLimit("print output limit exceeded")
        room = STDOUT_CAP - self.n
        if len(s) > room:
            self.parts.append(s[:room])
            self.n = STDOUT_CAP
            self.overflow = True
            raise OutputLimit("print output limit exceeded")
        self.parts.append(s)
        self.n += len(s)

    def text(self):
        return "".join(self.parts)


OUT = _Out()


def _safe_print(*args, sep=" ", end="\n", file=None, flush=False):
    if file is not None:
        raise TypeError("print(file=...) is not available in the sandbox")
    sep = " " if sep is None else _exact_str(str(sep))
    end = "\n" if end is None else _exact_str(str(end))
    OUT.write(sep.join(_exact_str(str(a)) for a in args) + end)


_CALL_MODULES = {}      # stand-ins of the running call


def _safe_import(name, globals=None, locals=None, fromlist=(), level=0):
    if type(name) is not str or level != 0 or name not in _CALL_MODULES:
        raise ImportError("import of this module is not allowed")
    if fromlist or "." not in name:
        return _CALL_MODULES[name]
    return _CALL_MODULES[name.split(".")[0]]


class HttpError(Exception):
    pass


class Response:
    __slots__ = ("status", "headers", "text", "url")

    def __init__(self, d):
        for k in self.__slots__:
            object.__setattr__(self, k, d.get(k if k != "text" else "body"))

    def __setattr__(self, name, value):
        raise AttributeError("Response is read-only")

    def json(self):
        return json.loads(self.text)

    def __repr__(self):
        return f"<Response {self.status}>"


class Http:
    """Injected as `http`.  The child has no sockets: each call is a frame
    to the supervisor's broker, which applies the host allowlist."""
    __slots__ = ()

    def __setattr__(self, name, value):
        raise AttributeError("http is read-only")

    def request(self, method, url, headers=None, body=None, json_body=None,
                timeout=10):
        if json_body is not None:
            body = _PLAIN_ENC.encode(json_body)
            headers = dict(headers or {})
            headers.setdefault("Content-Type", "application/json")
        if body is not None and not isinstance(body, (str, bytes)):
            raise TypeError("body must be str or bytes")
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        req = {"op": "http", "method": _exact_str(str(method)).upper(),
               "url": _exact_str(str(url)),
               "headers": {_exact_str(str(k)): _exact_str(str(v))
                           for k, v in dict(headers or {}).items()},
               "body": body, "timeout_ms": int(float(timeout) * 1000)}
        data = _ASCII_ENC.encode(req).encode()
        r = _DEC.decode(_sbx.roundtrip(data).decode("utf-8", "replace"))
        if "error" in r:
            raise HttpError(r["error"])
        return Response(r)

    def get(self, url, **kw):
        return self.request("GET", url, **kw)

    def post(self, url, **kw):
        return self.request("POST", url, **kw)

    def put(self, url, **kw):
        return self.request("PUT", url, **kw)

    def patch(self, url, **kw):
        return self.request("PATCH", url, **kw)

    def delete(self, url, **kw):
        return self.request("DELETE", url, **kw)

    def head(self, url, **kw):
        return self.request("HEAD", url, **kw)


HTTP = Http()



def _make_builtins():
    import builtins as B
    d = {k: getattr(B, k) for k in SAFE_NAMES}
    d.update({"__build_class__": B.__build_class__,
              "__import__": _safe_import, "print": _safe_print,
              "getattr": _safe_getattr, "hasattr": _safe_hasattr,
              "setattr": _safe_setattr, "type": _safe_type,
              "_sbx_fmtattr": _fmtattr, "HttpError": HttpError,
              "None": None, "True": True, "False": False})
    return d


# Not among them: id(), which hands out object addresses -- the first half
# of every memory-reading trick.  The sandbox holds without it being gone
# (a child owns nothing worth reading), but it is no tool's business.

# The one restricted-builtins table: execute, module-level code and every
# function the tool defines see exactly this mapping.
SAFE_BUILTINS = _make_builtins()


# ------------------------------------------------------------ encoding
def _str_default(o):
    return str(o)


class _Enc(FrozenEncoder):
    default = staticmethod(_str_default)


class _Dec(json.JSONDecoder):
    decode = json.JSONDecoder.decode
    raw_decode = json.JSONDecoder.raw_decode


# The harness encodes and decodes only through these private instances:
# a tool may patch json.JSONEncoder in its own child (assignment syntax
# never reaches a guard), and that must not change a frame we write.
_RESULT_ENC = _Enc(allow_nan=False, ensure_ascii=False, separators=(",", ":"),
                   check_circular=True)
_PLAIN_ENC = _Enc(allow_nan=False, ensure_ascii=False, separators=(",", ":"))
_ASCII_ENC = _Enc(allow_nan=False, ensure_ascii=True, separators=(",", ":"))
_DEC = _Dec()

_HOST_PREFIXES = ("/usr/", "/lib", "/etc/", "/proc/", "/home/", "/root/",
                  "/var/", "/tmp/", "/opt/", "/srv/", "/run/", "/dev/",
                  "/sys/", "/bin/", "/sbin/", "/snap/", "/nix/")


def sanitize(msg):
    """Host paths and harness internals never reach the caller."""
    msg = msg.replace("sandboxed:", "")
    for word in ("sbx_harness", "_sbx_fmtattr", "_sbx"):
        msg = msg.replace(word, "sandbox")
    out, i = [], 0
    while i < len(msg):
        if msg[i] == "/" and msg.startswith(_HOST_PREFIXES, i) and \
                (i == 0 or not msg[i - 1].isalnum()):
            j = i
            while j < len(msg) and msg[j] not in " \t\n'\",:;)]}>":
                j += 1
            out.append("<path>")
            i = j
        else:
            out.append(msg[i])
            i += 1
    msg = "".join(out)
    if len(msg) > 2000:
        msg = msg[:2000] + "..."
    return msg.encode("utf-8", "replace").decode("utf-8")


def _describe(e):
    try:
        text = str(e)
    except BaseException:
        text = ""
    name = type(e).__name__
    msg = f"{name}: {text}" if text else name
    line = _sbx.tool_line(e.__traceback__)
    if line is not None:
        msg += f" (line {line})"
    return sanitize(msg)


# ------------------------------------------------------------------- run
TESTING = False
# What the supervisor learns about the call's code (compiled from scratch,
# and how many format loads were rewritten), sent with the final frame.
REPORT = {}


def _modules_of(req):
    mods = req.get("allowed_modules")
    if mods is None:
        return _DEFAULT_SET
    for m in mods:
        if type(m) is not str or m not in AVAILABLE:
            raise ValidationError(f"module '{m}' is not available in this sandbox")
    return frozenset(mods) | _ALWAYS


def _drive(coro):
    # No event loop (asyncio needs sockets); an async main may await other
    # coroutines but nothing that really suspends.
    try:
        while True:
            coro.send(None)
            raise ValidationError("async main awaited an object that suspends; "
                                  "only plain coroutines are supported")
    except StopIteration as stop:
        return stop.value
    finally:
        coro.close()


def _error(etype, message):
    return {"ok": False, "error": {"type": etype, "message": message}}


def _execute(req):
    modules = _modules_of(req)
    src = req.get("code")
    if TESTING and req.get("python_layers") is False:
        code = compile(src, "<tool>", "exec")
        g = {"__name__": "tool", "http": HTTP, "mcp": MCP}
    else:
        if req.get("checked") is True:
            code = compile_checked(src, req.get("rewrite") is not False)
        else:
            code, rewrites = compile_tool(src, modules)
            REPORT["compiled"], REPORT["rewrites"] = True, rewrites
        _CALL_MODULES.clear()
        _CALL_MODULES.update(_standins_for(modules))
        g = {"__builtins__": SAFE_BUILTINS, "__name__": "tool", "http": HTTP,
             "mcp": MCP}
    secrets = req.get("secrets") or {}
    g["secrets"] = types.MappingProxyType(dict(secrets))
    exec(code, g)
    entry = req.get("entry") if req.get("entry") in ("read", "complete") \
        else "main"
    main = g.get(entry)
    if not callable(main):
        raise ValidationError(f"the code must define a {entry}() function")
    args = req.get("args") or {}
    try:
        result = main(**args)
    except TypeError as e:
        if e.__traceback__ is not None and e.__traceback__.tb_next is None:
            raise ValidationError(f"arguments do not match {entry}(): {e}")
        raise
    if isinstance(result, types.CoroutineType):
        result = _drive(result)
    if OUT.overflow:
        raise OutputLimit("print output limit exceeded")
    try:
        result = content_result(result)
    except ValueError as e:
        return _error("ToolError", sanitize(str(e))), None
    try:
        payload = _RESULT_ENC.encode(result)
        data = payload.encode("utf-8")
    except ValueError as e:
        text = str(e)
        if "Out of range float" in text:
            return _error("ToolError", "result contains NaN or Infinity, "
                          "which JSON cannot represent"), None
        return _error("ToolError", sanitize("result is not JSON: " + text)), None
    except UnicodeEncodeError:
        return _error("ToolError", "result contains a lone surrogate, "
                      "which UTF-8 cannot encode"), None
    except TypeError as e:
        return _error("ToolError", sanitize("result is not JSON: " + str(e))), None
    if len(data) > RESULT_CAP:
        return _error("OutputLimit", "result larger than 1 MiB"), None
    return {"ok": True}, data


def _validate(req):
    modules = _modules_of(req)
    src = req.get("code")
    tree, errors = check(src, modules)
    has_main, schema, out_schema = False, None, None
    if tree is not None and not errors:
        try:
            compile_tool(src, modules)
        except SyntaxError as e:
            errors.append((e.lineno or 1, e.offset or 1, f"syntax error: {e.msg}"))
        except (ValidationError, ValueError, MemoryError, RecursionError) as e:
            errors.append((1, 1, sanitize(str(e) or type(e).__name__)))
    if tree is not None:
        fn = find_main(tree)
        if fn is not None:
            has_main, schema = True, input_schema(tree, fn)
            out_schema = output_schema(tree, fn)
    # What would fail when it runs counts too; creation leaves it be
    # (runtime_name_errors), validate says so. "valid" is the policy's
    # and the compiler's word; "runs" adds these names.
    late = [] if tree is None else runtime_name_errors(
        tree, TOOL_NAMES | BLOCKED_NAMES, MAX_ERRORS)
    return {"ok": True, "valid": not errors, "runs": not errors and not late,
            "errors": [{"line": l, "col": c, "message": sanitize(m)}
                       for l, c, m in sorted(errors + late)],
            "has_main": has_main, "input_schema": schema,
            "output_schema": out_schema}


def run(req_bytes):
    """Runs one request in the child (or in-process for the benchmark) and
    returns the payload of the final frame."""
    OUT.reset()
    REPORT.clear()
    result_data, t0 = None, _time_mod.perf_counter()
    try:
        req = json.loads(req_bytes)
        if req.get("mode") == "validate":
            res = _validate(req)
        else:
            res, result_data = _execute(req)
    except ValidationError as e:
        res = _error("ValidationError", sanitize(str(e)))
    except OutputLimit:
        res = _error("OutputLimit", "print output exceeded 64 KiB")
    except MemoryError:
        res = _error("MemoryLimit", "memory limit exceeded")
    except RecursionError as e:
        res = _error("ToolError", _describe(e))
    except SyntaxError as e:
        res = _error("ValidationError", sanitize(f"syntax error: {e.msg} (line {e.lineno})"))
    except HttpError as e:
        res = _error("NetworkError", _describe(e))
    except BaseException as e:
        try:
            res = _error("ToolError", _describe(e))
        except BaseException:
            res = _error("ToolError", "the tool raised an exception")
    if OUT.overflow and res.get("ok"):
        res, result_data = _error("OutputLimit", "print output exceeded 64 KiB"), None
    res.update(REPORT)
    res["op"] = "done"
    res["stdout"] = OUT.text().encode("utf-8", "replace").decode("utf-8")
    res["run_ms"] = (_time_mod.perf_counter() - t0) * 1000.0
    head = _PLAIN_ENC.encode(res).encode("utf-8", "replace")
    if result_data is None:
        return head
    return head[:-1] + b',"result":' + result_data + b"}"


def schema_for(src):
    """input_schema of main() for the unit tests; None without main."""
    tree = ast.parse(src)
    fn = find_main(tree)
    return None if fn is None else json.dumps(input_schema(tree, fn),
                                              sort_keys=True)


# ----------------------------------------------------------------- init
def _warm():
    """Touch lazily-loaded code paths now, while the filesystem is still
    reachable, so children never need open()/stat() (seccomp denies them)."""
    import datetime, time, hashlib, uuid, decimal, statistics, re
    import urllib.parse, _strptime, calendar, locale, ipaddress, fractions
    import numbers, heapq, bisect, copy, random, base64, html, textwrap
    datetime.datetime.strptime("2024-01-02", "%Y-%m-%d")
    time.strptime("2024", "%Y")
    time.localtime(); time.strftime("%c"); datetime.datetime.now().astimezone()
    for a in ("md5", "sha1", "sha224", "sha256", "sha384", "sha512",
              "blake2b", "blake2s", "sha3_256", "sha3_512"):
        hashlib.new(a, b"x").hexdigest()
    uuid.uuid4(); uuid.uuid5(uuid.NAMESPACE_DNS, "x")
    decimal.Decimal("1.1") * 3; statistics.mean([1, 2]); statistics.stdev([1, 2, 3])
    statistics.median([1, 2, 3]); fractions.Fraction(1, 3) + 1
    urllib.parse.urlsplit("http://[::1]:80/x?y=1"); urllib.parse.quote("a b")
    urllib.parse.urlencode({"a": "b c"}); urllib.parse.parse_qs("a=1")
    re.compile(r"\w+").findall("a b"); "x".encode("idna"); "é".encode("latin-1")
    "x".encode("utf-16"); b"x".decode("ascii"); "x".encode("utf-32")
    json.dumps({"a": [1.5, None]}); json.loads('{"a":1}')
    _RESULT_ENC.encode({"a": [1, "b", 2.5]})
    base64.b64encode(b"x"); html.escape("<"); textwrap.wrap("a b", 1)
    random.random()
    _FMT.vformat("{0}{a}", (1,), {"a": 2})


def _freeze():
    # Objects that exist before the first fork are never traced again, so
    # a child's collections do not write to the pages it shares.
    import gc
    gc.collect()
    gc.freeze()


def init(testing, code_max):
    """The zygote, before it drops nothing more: the standard library."""
    global TESTING
    TESTING = bool(testing)
    set_code_max(code_max)
    if TESTING and hasattr(_sbx, "test_scan"):
        # Test builds only: the explicit read-any-byte primitive.
        SAFE_BUILTINS["sbx_test_scan"] = _sbx.test_scan
    for m in DEFAULT_MODULES:
        __import__(m)
        AVAILABLE[m] = _public_attrs(m)
    AVAILABLE.update(TYPE_MODULES)
    _warm()
    global _DEFAULT_SET
    # Built once here: a child building it anew would write the reference
    # count of every module name, each on a page it shares with the zygote.
    _DEFAULT_SET = frozenset(m for m in DEFAULT_MODULES if m in AVAILABLE) | \
        _ALWAYS
    standins_prebuild()
    _standins_for(_DEFAULT_SET)
    _warm_calls()
    _freeze()
    return sorted(AVAILABLE)


def init_extra(extra_modules):
    """Installed packages, imported in the zygote only after it runs as the
    sandbox uid under seccomp with the audit hook in import mode: package
    code is tool code.  One that fails is left out; the rest still load."""
    failed = []
    for m in extra_modules:
        if not m or m in AVAILABLE:
            continue
        try:
            __import__(m)
            AVAILABLE[m] = _public_attrs(m)
        except BaseException:
            failed.append(m)
    standins_prebuild()
    _freeze()
    if failed:
        raise ImportError("packages not loaded: " + ", ".join(failed))
    return sorted(AVAILABLE)


_WARM_CHECKED = (b'{"mode":"execute","checked":true,"rewrite":false,'
                 b'"code":"def main(x):\\n    return [x, str(x), {\\"a\\": x}]\\n",'
                 b'"args":{"x":1}}')


def _warm_calls():
    """The zygote, before gc.freeze: one call the checking way and one the
    way code already checked runs, so that their code is quickened and the
    caches filled here once rather than written to in every child (one
    round buys as much as twenty).  Constant input: never request data."""
    warm_child()
    run(_WARM_CHECKED)
    OUT.reset()
    REPORT.clear()
    _CALL_MODULES.clear()


def warm_child():
    """Pre-forked child: take the copy-on-write faults of a typical call
    before the request arrives."""
    run(b'{"mode":"execute","code":"def main(x):\\n    return [x, str(x), {\\"a\\": x}]\\n",'
        b'"args":{"x":1}}')
    OUT.reset()
    _CALL_MODULES.clear()
