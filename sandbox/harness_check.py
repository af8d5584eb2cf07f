# harness_check.py -- the trusted Python half of mcpbox-sandbox, part 1.
#
# This file is compiled into the supervisor binary and executed once, in the
# zygote, before any child exists.  It pre-imports and warms the allowed
# modules so children never touch the filesystem, and it defines the Python
# layers every call goes through: the AST check, the format-string rewrite,
# the ONE restricted-builtins table, the read-only module stand-ins and the
# runner used by both execute and validate.  The C side forks, applies the
# kernel layers and then calls run() in the child.  Nothing here is secret:
# the zygote never holds credentials, and the Python layers are defence in
# depth -- the boundary is the fresh child plus seccomp, rlimits and the uid.
#
# Part 1, the module sbx_harness_check, holds the policy tables, the module
# stand-ins and the AST check; harness_run.py (the module sbx_harness,
# which imports these names) holds the runtime guards and the runner.
# What a refused import or a missing builtin should be instead is told by
# harness_hints.py (sbx_harness_hints, loaded first); the schemas main's
# annotations give are derived in harness_types.py.
import ast, json, sys, types, math, collections, time as _time_mod
import string as _string_mod
import _string
import _sbx

from sbx_harness_hints import import_refusal

class FrozenEncoder(json.JSONEncoder):
    """The JSONEncoder the harness writes frames with, its methods copied
    when the harness loads: a tool may patch json.JSONEncoder in its own
    child (assignment syntax never reaches a guard), and that must not
    change how a frame is written."""
    encode = json.JSONEncoder.encode
    iterencode = json.JSONEncoder.iterencode


# ---------------------------------------------------------------- policy
# What the sandbox imports and offers. A new installation's allow-list
# (migration 0003) starts as the same set; test_supply_chain keeps them so.
DEFAULT_MODULES = ["json", "re", "math", "datetime", "urllib.parse", "base64",
                   "hashlib", "collections", "itertools", "functools",
                   "statistics", "decimal", "uuid", "string", "textwrap",
                   "html", "time", "random", "fractions", "bisect", "heapq"]

# Attribute names without a leading underscore that still lead to frames,
# code objects, globals or the class hierarchy.
BLOCKED_ATTRS = frozenset("""
gi_frame gi_code gi_yieldfrom gi_running gi_suspended cr_frame cr_code
cr_await cr_origin cr_running cr_suspended ag_frame ag_code ag_await
ag_running f_back f_globals f_locals f_builtins f_code f_trace f_lasti
f_lineno tb_frame tb_next tb_lasti tb_lineno func_globals func_code
func_closure func_defaults im_func im_self im_class mro""".split())
BLOCKED_PREFIXES = ("_", "co_")
ALLOWED_DUNDER_DEFS = frozenset("""
__init__ __repr__ __str__ __eq__ __ne__ __lt__ __le__ __gt__ __ge__ __hash__
__len__ __iter__ __next__ __contains__ __getitem__ __setitem__ __delitem__
__call__ __enter__ __exit__ __bool__ __add__ __sub__ __mul__ __truediv__
__floordiv__ __mod__ __pow__ __neg__ __pos__ __abs__ __radd__ __rsub__
__rmul__ __rtruediv__ __and__ __or__ __xor__ __invert__ __post_init__""".split())
# Names whose only use is to reach past the restricted builtins; rejected
# statically so the message is clear, and absent from the builtins anyway.
BLOCKED_NAMES = frozenset("super eval exec globals locals vars breakpoint".split())
# The builtins a tool sees (harness_run.py builds the table from these),
# and the globals the harness gives every tool.
SAFE_NAMES = """abs all any ascii bin bool bytearray bytes callable chr
classmethod complex dict divmod enumerate filter float format frozenset hash
hex int isinstance issubclass iter len list map max min next object oct
ord pow property range repr reversed round set slice sorted staticmethod str
sum tuple zip aiter anext ArithmeticError AssertionError AttributeError
BaseException Exception IndexError KeyError LookupError NameError
NotImplementedError OverflowError RecursionError RuntimeError StopIteration
StopAsyncIteration TypeError UnicodeDecodeError UnicodeEncodeError
UnicodeError ValueError ZeroDivisionError MemoryError ImportError
ModuleNotFoundError TimeoutError ConnectionError UnboundLocalError
FloatingPointError Warning NotImplemented Ellipsis""".split()
TOOL_NAMES = frozenset(SAFE_NAMES) | frozenset(
    "print getattr hasattr setattr type HttpError None True False "
    "http mcp secrets".split())

# The largest source, in bytes: SBX_CODE_MAX, given to init() by the C side
# (src/core/sandbox_protocol.h) so both programs use one number.
MAX_SRC = 100 * 1024
MAX_NODES = 50_000
MAX_ERRORS = 50
STDOUT_CAP = 64 * 1024
RESULT_CAP = 1024 * 1024


def set_code_max(n):
    """The limit the supervisor was built with (SBX_CODE_MAX)."""
    global MAX_SRC
    MAX_SRC = int(n)


# Stand-in contents.  Modules listed here expose exactly these names; all
# others expose every public attribute that is not a module or capsule,
# minus MODULE_DENY.
MODULE_ALLOW = {
    "functools": ["reduce", "partial", "partialmethod", "lru_cache", "cache",
                  "cached_property", "cmp_to_key", "total_ordering"],
    "string": ["ascii_letters", "ascii_lowercase", "ascii_uppercase", "digits",
               "hexdigits", "octdigits", "punctuation", "printable",
               "whitespace", "capwords", "Template"],
    "uuid": ["UUID", "uuid3", "uuid4", "uuid5", "NAMESPACE_DNS",
             "NAMESPACE_URL", "NAMESPACE_OID", "NAMESPACE_X500"],
    "yaml": ["safe_load", "safe_load_all", "safe_dump", "safe_dump_all",
             "YAMLError"],
}
# UserString.format hands a caller-supplied template to str.format;
# string.Formatter.get_field is getattr; update_wrapper copies any attribute.
# The rest take a raw integer that names something outside the call, or
# hand back an internal buffer (docs/SANDBOX.md lists each with its reason):
# pthread_getcpuclockid casts its argument to a thread pointer and reads
# through it (a read-any-address primitive); clock_settime* set the host's
# clock; file_digest passes its internal memoryview to a caller's object.
MODULE_DENY = {
    "collections": {"UserString"},
    "time": {"tzset", "pthread_getcpuclockid", "clock_settime",
             "clock_settime_ns"},
    "random": {"SystemRandom"},
    "hashlib": {"file_digest"},
}


class ValidationError(Exception):
    pass


class OutputLimit(BaseException):
    pass


def _bad_attr(name):
    # A str subclass can override startswith/__eq__/__hash__ and lie; only
    # an exact str is checked and then passed on.
    if type(name) is not str:
        return True
    return name.startswith(BLOCKED_PREFIXES) or name in BLOCKED_ATTRS


# ------------------------------------------------------------ stand-ins
class _StandIn(types.ModuleType):
    """A read-only module: assignment syntax never reaches setattr()."""
    def __setattr__(self, name, value):
        raise AttributeError("modules are read-only in the sandbox")

    def __delattr__(self, name):
        raise AttributeError("modules are read-only in the sandbox")


def _standin(name, attrs):
    # The name must not be a key of sys.modules: IMPORT_FROM falls back to
    # sys.modules[f"{__name__}.{attr}"] when getattr fails.
    m = _StandIn("sandboxed:" + name)
    for k, v in attrs.items():
        types.ModuleType.__setattr__(m, k, v)
    return m


# The fixed clocks only: a negative id names another process's or thread's
# CPU clock (seccomp refuses those too; this says so clearly).
_FIXED_CLOCKS = frozenset(v for k, v in vars(_time_mod).items()
                          if k.startswith("CLOCK_") and type(v) is int)


def _fixed_clock(fn):
    def clock(clk_id):
        if type(clk_id) is not int or clk_id not in _FIXED_CLOCKS:
            raise ValueError("only the time.CLOCK_* constants name a clock "
                             "in the sandbox")
        return fn(clk_id)
    clock.__name__ = clock.__qualname__ = fn.__name__
    return clock


MODULE_WRAP = {
    "time": {"clock_gettime": _fixed_clock, "clock_gettime_ns": _fixed_clock,
             "clock_getres": _fixed_clock},
}


def _public_attrs(modname):
    mod = sys.modules[modname]
    names = MODULE_ALLOW.get(modname)
    if names is None:
        deny = MODULE_DENY.get(modname, ())
        names = [k for k in dir(mod) if not k.startswith("_") and k not in deny]
    out = {}
    for k in names:
        v = getattr(mod, k, None)
        if v is None and not hasattr(mod, k):
            continue
        if isinstance(v, types.ModuleType) or type(v).__name__ == "PyCapsule":
            continue
        wrap = MODULE_WRAP.get(modname, {}).get(k)
        out[k] = wrap(v) if wrap else v
    return out


AVAILABLE = {}      # dotted name -> public attrs (filled by init)


_STANDINS = {}      # frozenset(allowed) -> stand-ins; they are read-only
# name -> the stand-in of that one module, built in the zygote for every
# available module: a child that builds one writes the reference count of
# each of the module's functions and classes, all on pages it shares.
_LEAVES = {}


def standins_prebuild():
    for name, attrs in AVAILABLE.items():
        if name not in _LEAVES:
            _LEAVES[name] = _standin(name, attrs)


def _standins_for(allowed):
    """Stand-ins for one call, holding only the allowed modules."""
    hit = _STANDINS.get(allowed)
    if hit is not None:
        return hit
    # A module that another allowed name extends (urllib for urllib.parse)
    # gets a stand-in of its own: a shared one must not gain the attribute.
    parents = {n.rsplit(".", i)[0] for n in allowed
               for i in range(1, n.count(".") + 1)}
    mods = {}
    for name in sorted(allowed, key=len):
        leaf = None if name in parents else _LEAVES.get(name)
        mods[name] = leaf if leaf is not None else \
            _standin(name, AVAILABLE[name])
    for name in sorted(allowed, key=len):
        parts = name.split(".")
        for i in range(1, len(parts)):
            parent, child = ".".join(parts[:i]), ".".join(parts[:i + 1])
            if parent not in mods:
                mods[parent] = _standin(parent, {})
            types.ModuleType.__setattr__(mods[parent], parts[i], mods[child])
    if len(_STANDINS) < 64:
        _STANDINS[allowed] = mods
    return mods


# ------------------------------------------------------------- AST layer
class _Checker(ast.NodeVisitor):
    def __init__(self, modules):
        self.modules = modules
        self.errors = []
        self.nodes = 0

    def err(self, node, msg):
        if len(self.errors) < MAX_ERRORS:
            self.errors.append((getattr(node, "lineno", 1),
                                getattr(node, "col_offset", 0) + 1, msg))

    def generic_visit(self, node):
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ValidationError("program too large")
        super().generic_visit(node)

    def visit_Attribute(self, node):
        if _bad_attr(node.attr):
            self.err(node, f"attribute '{node.attr}' is not allowed")
        self.generic_visit(node)

    def visit_Name(self, node):
        n = node.id
        if (n.startswith("__") and n != "__name__") or n.startswith("_sbx"):
            self.err(node, f"name '{n}' is not allowed")
        elif n in BLOCKED_NAMES:
            self.err(node, f"'{n}' is not available in the sandbox")
        self.generic_visit(node)

    def visit_MatchClass(self, node):
        for a in node.kwd_attrs:
            if _bad_attr(a):
                self.err(node, f"match attribute '{a}' is not allowed")
        self.generic_visit(node)

    def visit_Import(self, node):
        for al in node.names:
            if al.name not in self.modules:
                self.err(node, import_refusal(al.name))
            if al.asname and al.asname.startswith("_"):
                self.err(node, f"name '{al.asname}' is not allowed")
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        if node.level:
            self.err(node, "relative imports are not allowed")
        elif node.module not in self.modules:
            self.err(node, import_refusal(node.module))
        else:
            attrs = AVAILABLE.get(node.module, {})
            for al in node.names:
                sub = f"{node.module}.{al.name}"
                if al.name == "*" or _bad_attr(al.name) or (
                        al.name not in attrs and sub not in self.modules):
                    self.err(node, f"'from {node.module} import {al.name}' "
                                   "is not allowed")
        self.generic_visit(node)

    def _def(self, node):
        if node.name.startswith("__") and node.name not in ALLOWED_DUNDER_DEFS:
            self.err(node, f"definition of '{node.name}' is not allowed")
        elif node.name.startswith("_sbx"):
            self.err(node, f"name '{node.name}' is not allowed")
        self.generic_visit(node)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _def

    def visit_arg(self, node):
        if node.arg.startswith("__") or node.arg.startswith("_sbx"):
            self.err(node, f"argument '{node.arg}' is not allowed")
        self.generic_visit(node)

    def visit_keyword(self, node):
        if node.arg and node.arg.startswith("__"):
            self.err(node, f"keyword '{node.arg}' is not allowed")
        self.generic_visit(node)

    def visit_Global(self, node):
        for n in node.names:
            if n.startswith("__") or n.startswith("_sbx"):
                self.err(node, f"name '{n}' is not allowed")
        self.generic_visit(node)

    visit_Nonlocal = visit_Global


class _FormatRewriter(ast.NodeTransformer):
    """x.format / x.format_map  ->  _sbx_fmtattr(x, 'format')"""
    def __init__(self):
        self.rewrites = 0

    def visit_Attribute(self, node):
        self.generic_visit(node)
        if node.attr in ("format", "format_map") and isinstance(node.ctx, ast.Load):
            self.rewrites += 1
            new = ast.Call(func=ast.Name("_sbx_fmtattr", ast.Load()),
                           args=[node.value, ast.Constant(node.attr)],
                           keywords=[])
            return ast.copy_location(new, node)
        return node


def check(src, modules):
    """Parse and check; returns (tree, errors)."""
    if not isinstance(src, str):
        return None, [(1, 1, "code must be a string")]
    if len(src) > MAX_SRC:
        return None, [(1, 1, f"source larger than {MAX_SRC // 1024} KiB")]
    try:
        tree = ast.parse(src, "<tool>", "exec")
    except SyntaxError as e:
        return None, [(e.lineno or 1, e.offset or 1, f"syntax error: {e.msg}")]
    except (ValueError, MemoryError, RecursionError) as e:
        return None, [(1, 1, f"source rejected by the parser: {type(e).__name__}")]
    c = _Checker(modules)
    try:
        c.visit(tree)
    except ValidationError as e:
        return None, [(1, 1, str(e))]
    except RecursionError:
        return None, [(1, 1, "program nested too deeply")]
    return tree, c.errors


def _rewrite_and_compile(tree):
    """The format rewrite, then compile: (code object, number of rewrites)."""
    rw = _FormatRewriter()
    tree = ast.fix_missing_locations(rw.visit(tree))
    return compile(tree, "<tool>", "exec", dont_inherit=True), rw.rewrites


def compile_tool(src, modules):
    """Check, rewrite and compile: (code object, number of rewrites)."""
    tree, errors = check(src, modules)
    if errors:
        line, col, msg = errors[0]
        raise ValidationError(f"line {line}: {msg}")
    return _rewrite_and_compile(tree)


def compile_checked(src, rewrite):
    """Code an earlier child of this supervisor checked and ran (the
    supervisor's word, by hash of code + modules): parse and compile, with
    the format rewrite unless that child found nothing to rewrite."""
    if not isinstance(src, str) or len(src) > MAX_SRC:
        raise ValidationError(f"source larger than {MAX_SRC // 1024} KiB")
    if not rewrite:
        # Straight from the source: the same code object as parsing to a
        # Python AST and compiling that, without building (and, in a fresh
        # child, writing to the shared pages of) some 30 AST classes.
        return compile(src, "<tool>", "exec", dont_inherit=True)
    return _rewrite_and_compile(ast.parse(src, "<tool>", "exec"))[0]


def find_main(tree):
    main = None
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "main":
            main = node
    return main
