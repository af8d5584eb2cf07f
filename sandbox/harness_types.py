# harness_types.py -- `typing` and `dataclasses` for tool code, without the
# real modules, and the schemas main's annotations give.
#
# Compiled into the binary as the module sbx_harness_types, loaded after
# sbx_harness_check and before sbx_harness_content.  A tool describes its
# arguments and its result with type hints, TypedDicts and dataclasses
# (input_schema and output_schema below read them from the source), so it
# must be able to import them.  The real modules cannot be offered: typing
# evaluates strings (get_type_hints, ForwardRef) and dataclasses compiles
# source with exec, both past the AST check.  These stand-ins do neither:
# annotation forms that subscript to themselves, a TypedDict whose classes
# are plain dict subclasses, and a dataclass decorator built from
# closures.  Every import of `typing` or `dataclasses` gets them, whatever
# the server allows; they are not modules the admin approves.
import ast, json

_MISSING = object()


class _Form:
    """typing.Optional, List, ...: for annotations only."""
    __slots__ = ("name",)

    def __init__(self, name):
        object.__setattr__(self, "name", name)

    def __setattr__(self, name, value):
        raise AttributeError("typing forms are read-only")

    def __getitem__(self, item):
        return self

    def __or__(self, other):
        return self

    __ror__ = __or__

    def __call__(self, *a, **k):
        raise TypeError(f"typing.{self.name} is for annotations only")

    def __repr__(self):
        return f"typing.{self.name}"


_FORM_NAMES = ("Any", "Optional", "Union", "List", "Dict", "Tuple", "Set",
               "FrozenSet", "Sequence", "Mapping", "Iterable", "Literal",
               "Required", "NotRequired", "ClassVar", "Final", "Annotated")
_FORMS = {n: _Form(n) for n in _FORM_NAMES}


class _TypedDictMeta(type):
    """class X(TypedDict, total=False): x: int -- X is a dict subclass,
    X(x=1) a dict."""

    def __new__(mcls, name, bases, ns, total=True):
        return type.__new__(mcls, name, (dict,), dict(ns))

    def __init__(cls, name, bases, ns, total=True):
        type.__init__(cls, name, (dict,), ns)


TypedDict = _TypedDictMeta("TypedDict", (), {})


class _Field:
    __slots__ = ("default", "default_factory")

    def __init__(self, default, default_factory):
        object.__setattr__(self, "default", default)
        object.__setattr__(self, "default_factory", default_factory)

    def __setattr__(self, name, value):
        raise AttributeError("fields are read-only")


def field(*, default=_MISSING, default_factory=_MISSING):
    if default is not _MISSING and default_factory is not _MISSING:
        raise ValueError("field() takes default or default_factory, not both")
    if default_factory is not _MISSING and not callable(default_factory):
        raise TypeError("default_factory must be callable")
    return _Field(default, default_factory)


# class -> its fields, in order: (name, default, factory).
_DATACLASSES = {}


def _fields_of(cls):
    out = []
    for name, ann in dict(cls.__dict__.get("__annotations__", {})).items():
        if ann is _FORMS["ClassVar"]:
            continue
        d = cls.__dict__.get(name, _MISSING)
        if type(d) is _Field:
            out.append((name, d.default, d.default_factory))
            if d.default is not _MISSING:
                type.__setattr__(cls, name, d.default)
            else:
                type.__delattr__(cls, name)
        else:
            out.append((name, d, _MISSING))
    seen_default = False
    for name, default, factory in out:
        has = default is not _MISSING or factory is not _MISSING
        if seen_default and not has:
            raise TypeError(f"non-default field '{name}' follows a default "
                            "one")
        seen_default = seen_default or has
    return out


def dataclass(cls=None, *, frozen=False, eq=True, repr=True, init=True,
              order=False, unsafe_hash=False, kw_only=False, slots=False):
    """@dataclass / @dataclass(frozen=True): __init__, __repr__, __eq__
    from the class's annotations."""

    def wrap(c):
        if type(c) is not type:
            raise TypeError("dataclass() decorates a plain class")
        fields = _fields_of(c)
        names = [f[0] for f in fields]

        def __init__(self, *args, **kwargs):
            if len(args) > len(fields):
                raise TypeError(f"{c.__name__}() takes {len(fields)} "
                                "arguments")
            for i, (name, default, factory) in enumerate(fields):
                if i < len(args):
                    if name in kwargs:
                        raise TypeError(f"{c.__name__}() got multiple "
                                        f"values for '{name}'")
                    v = args[i]
                elif name in kwargs:
                    v = kwargs.pop(name)
                elif factory is not _MISSING:
                    v = factory()
                elif default is not _MISSING:
                    v = default
                else:
                    raise TypeError(f"{c.__name__}() missing argument "
                                    f"'{name}'")
                object.__setattr__(self, name, v)
            if kwargs:
                raise TypeError(f"{c.__name__}() got an unexpected argument "
                                f"'{next(iter(kwargs))}'")

        def __repr__(self):
            inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in names)
            return f"{c.__name__}({inner})"

        def __eq__(self, other):
            if type(other) is not type(self):
                return NotImplemented
            return all(getattr(self, n) == getattr(other, n) for n in names)

        def __setattr__(self, name, value):
            raise AttributeError(f"{c.__name__} is frozen")

        if init:
            type.__setattr__(c, "__init__", __init__)
        if repr:
            type.__setattr__(c, "__repr__", __repr__)
        if eq:
            type.__setattr__(c, "__eq__", __eq__)
            type.__setattr__(c, "__hash__", None)
        if frozen:
            type.__setattr__(c, "__setattr__", __setattr__)
        _DATACLASSES[c] = fields
        return c

    return wrap if cls is None else wrap(cls)


def is_dataclass(obj):
    return (obj if type(obj) is type else type(obj)) in _DATACLASSES


def asdict(obj):
    """A dataclass instance (or TypedDict) as plain dicts and lists, all
    the way down."""
    t = type(obj)
    if t in _DATACLASSES:
        return {n: asdict(getattr(obj, n)) for n, _, _ in _DATACLASSES[t]}
    if isinstance(obj, dict):
        return {k: asdict(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [asdict(v) for v in obj]
    return obj


def plain(result):
    """What main() returned, with its dataclasses and TypedDicts made plain
    (anything else is returned as it is)."""
    if type(result) in _DATACLASSES or isinstance(type(result),
                                                   _TypedDictMeta):
        return asdict(result)
    return result


# The stand-ins' public attributes (harness_check.AVAILABLE).
MODULES = {
    "typing": dict(_FORMS, TypedDict=TypedDict),
    "dataclasses": {"dataclass": dataclass, "field": field,
                    "asdict": asdict, "is_dataclass": is_dataclass},
}


# ------------------------------------------------------- schema derivation
# One walker over main's annotations gives both schemas; everything is read
# from the source, nothing is evaluated. classes: the tool's own classes
# by name (TypedDicts for an argument, which arrives as a dict; dataclasses
# too for the result). unknown: what a name the walker does not know
# gives, text for an argument and nothing ({}) for the result.
_SIMPLE = {"str": "string", "int": "integer", "float": "number",
           "bool": "boolean", "list": "array", "List": "array",
           "dict": "object", "Dict": "object", "tuple": "array",
           "Tuple": "array", "set": "array", "Any": None, "object": None}
_TEXT = {"type": "string"}
# A Literal member's JSON type; bool before int (True is an int too).
_JSON_TYPES = ((bool, "boolean"), (int, "integer"), (float, "number"),
               (str, "string"), (type(None), "null"))
_DEPTH = 8


def _is_none(node):
    return (isinstance(node, ast.Constant) and node.value is None) or \
        (isinstance(node, ast.Name) and node.id == "None")


def _ann_name(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _args_of(sub):
    return sub.slice.elts if isinstance(sub.slice, ast.Tuple) else [sub.slice]


def _or_null(s):
    """s, with null allowed too."""
    if s.get("type") not in (None, "null"):
        s = dict(s, type=[s["type"], "null"])
    if "enum" in s and None not in s["enum"]:
        s = dict(s, enum=s["enum"] + [None])
    return s


def _literal_schema(args):
    """Literal["a", "b"]: the members as an enum, with the JSON type they
    share; a member that is not a plain constant says nothing ({})."""
    values, kinds = [], []
    for a in args:
        try:
            v = ast.literal_eval(a)
        except (ValueError, TypeError, SyntaxError, MemoryError,
                RecursionError):
            return {}
        kind = next((k for t, k in _JSON_TYPES if type(v) is t), None)
        if kind is None:
            return {}
        if (kind, v) not in zip(kinds, values):
            values.append(v)
            kinds.append(kind)
    s = {"enum": values}
    if len(set(kinds)) == 1:
        s["type"] = kinds[0]
    return s


def _union_parts(node):
    """The members of X | Y, Optional[X] or Union[X, Y], or None."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return ((_union_parts(node.left) or [node.left]) +
                (_union_parts(node.right) or [node.right]))
    if isinstance(node, ast.Subscript):
        base = _ann_name(node.value)
        if base == "Optional":
            return _args_of(node) + [ast.Constant(None)]
        if base == "Union":
            return _args_of(node)
    return None


def _schema_of(node, classes, unknown, depth=0):
    """JSON Schema for an annotation; (schema, nullable)."""
    if node is None:
        return dict(unknown), False
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            node = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return dict(unknown), False
    if _is_none(node):
        return {"type": "null"}, False
    parts = _union_parts(node)
    if parts is not None:
        rest = [p for p in parts if not _is_none(p)]
        if len(rest) != 1:
            return {}, len(rest) != len(parts)
        s, nullable = _schema_of(rest[0], classes, unknown, depth + 1)
        return s, nullable or len(rest) != len(parts)
    if isinstance(node, ast.Subscript):
        base, args = _ann_name(node.value), _args_of(node)
        if base == "Literal":
            return _literal_schema(args), False
        t = _SIMPLE.get(base)
        s = {"type": t} if t else {}
        if base in ("list", "List", "set") and len(args) == 1:
            s["items"] = _member(args[0], classes, unknown, depth + 1)
        elif t == "object" and len(args) == 2:
            s["additionalProperties"] = _member(args[1], classes, unknown,
                                                depth + 1)
        return s, False
    name = _ann_name(node)
    if name in classes:
        if depth >= _DEPTH:
            return {}, False
        return _class_schema(name, classes, unknown, depth), False
    if name not in _SIMPLE:
        return dict(unknown), False
    return ({"type": _SIMPLE[name]} if _SIMPLE[name] else {}), False


def _member(node, classes, unknown, depth):
    """The schema of an argument, a field or an item: null folded in."""
    s, nullable = _schema_of(node, classes, unknown, depth)
    return _or_null(s) if nullable else s


def _class_kind(cls, classes):
    """'typeddict', 'dataclass' or None for a top-level class; a class
    whose base is one of the tool's TypedDicts is one too."""
    for b in cls.bases:
        if _ann_name(b) == "TypedDict" or \
                classes.get(_ann_name(b), (None, None))[1] == "typeddict":
            return "typeddict"
    for d in cls.decorator_list:
        if _ann_name(d.func if isinstance(d, ast.Call) else d) == "dataclass":
            return "dataclass"
    return None


def _tool_classes(tree, kinds):
    """The top-level classes of those kinds: name -> (class, kind)."""
    out = {}
    for n in tree.body:
        if isinstance(n, ast.ClassDef):
            kind = _class_kind(n, out)
            if kind in kinds:
                out[n.name] = (n, kind)
    return out


def _total(cls):
    for k in cls.keywords:
        if k.arg == "total" and isinstance(k.value, ast.Constant):
            return k.value.value is not False
    return True


def _class_schema(name, classes, unknown, depth):
    """A TypedDict or dataclass as an object, with its bases' fields."""
    cls, kind = classes[name]
    props, required = {}, []
    for b in cls.bases:
        if _ann_name(b) in classes and _ann_name(b) != name and \
                depth < _DEPTH:
            inherited = _class_schema(_ann_name(b), classes, unknown,
                                      depth + 1)
            props.update(inherited["properties"])
            required += inherited["required"]
    total = _total(cls) if kind == "typeddict" else True
    for st in cls.body:
        if not (isinstance(st, ast.AnnAssign) and isinstance(st.target, ast.Name)):
            continue
        ann, need = st.annotation, total
        if kind == "dataclass":
            need = st.value is None
            if _ann_name(ann) == "ClassVar" or (isinstance(ann, ast.Subscript)
                                                and _ann_name(ann.value) == "ClassVar"):
                continue
        if isinstance(ann, ast.Subscript) and _ann_name(ann.value) in ("Required", "NotRequired"):
            need = _ann_name(ann.value) == "Required"
            ann = ann.slice
        props[st.target.id] = _member(ann, classes, unknown, depth + 1)
        if need and st.target.id not in required:
            required.append(st.target.id)
        elif not need and st.target.id in required:
            required.remove(st.target.id)
    return {"type": "object", "properties": props, "required": required,
            "additionalProperties": False}


def _default_value(node):
    try:
        v = ast.literal_eval(node)
        json.dumps(v, allow_nan=False)
        return True, v
    except Exception:
        return False, None


def input_schema(tree, fn):
    """The inputSchema main's signature gives: a parameter annotated with
    one of the tool's TypedDicts is a nested object, Literal an enum."""
    classes = _tool_classes(tree, ("typeddict",))
    a = fn.args
    props, required = {}, []
    positional = a.posonlyargs + a.args
    pdefaults = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    params = list(zip(positional, pdefaults)) + list(zip(a.kwonlyargs, a.kw_defaults))
    for arg, default in params:
        s = _member(arg.annotation, classes, _TEXT, 0)
        if default is not None:
            ok, v = _default_value(default)
            if ok:
                s = dict(s, default=v)
        else:
            required.append(arg.arg)
        props[arg.arg] = s
    schema = {"type": "object", "properties": props, "required": required}
    if a.kwarg is None:
        schema["additionalProperties"] = False
    return schema


# MCP requires an outputSchema of type "object", so only shapes that are
# objects give one: a TypedDict or a dataclass defined at the top of the
# tool, dict[str, X] and dict.
def output_schema(tree, fn):
    """The outputSchema main's return annotation gives, or None."""
    if fn.returns is None:
        return None
    classes = _tool_classes(tree, ("typeddict", "dataclass"))
    s, nullable = _schema_of(fn.returns, classes, {})
    if nullable or s.get("type") != "object":
        return None
    return s
