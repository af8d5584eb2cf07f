# harness_types.py -- `typing` and `dataclasses` for tool code, without the
# real modules.
#
# Compiled into the binary as the module sbx_harness_types, loaded after
# sbx_harness_check and before sbx_harness_content.  A tool describes its
# result with a TypedDict or a dataclass (the checker derives the
# outputSchema from the class, harness_check.output_schema), so it must be
# able to import them.  The real modules cannot be offered: typing
# evaluates strings (get_type_hints, ForwardRef) and dataclasses compiles
# source with exec, both past the AST check.  These stand-ins do neither:
# annotation forms that subscript to themselves, a TypedDict whose classes
# are plain dict subclasses, and a dataclass decorator built from
# closures.  Every import of `typing` or `dataclasses` gets them, whatever
# the server allows; they are not modules the admin approves.

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
