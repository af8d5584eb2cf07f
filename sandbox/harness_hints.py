# harness_hints.py -- what a tool cannot use, and what to use instead.
#
# Compiled into the binary as the module sbx_harness_hints, loaded first:
# sbx_harness_check refuses imports with import_refusal, and validate
# (harness_run.py) reports with runtime_name_errors the builtins a tool
# does not have.  The model writing a tool reads these texts, so each
# names what works.  Nothing here depends on the other harness modules;
# the names a tool has come in as an argument.
import ast
import builtins

# What to use instead of a builtin a tool does not have.
NAME_HINTS = {
    "open": "tools have no files; return the data, or fetch it with http",
    "input": "tools have no standard input; take it as an argument of main",
    "exit": "return from main instead", "quit": "return from main instead",
    "compile": "tools cannot compile code",
    "id": "object identities are not available",
}
HTTP_MODULES = frozenset(
    "requests httpx aiohttp urllib3 urllib urllib.request http http.client "
    "socket ssl websocket websockets".split())
SYSTEM_MODULES = frozenset(
    "os os.path sys subprocess shutil pathlib io tempfile glob threading "
    "multiprocessing concurrent concurrent.futures asyncio ctypes signal "
    "pickle marshal importlib builtins inspect gc".split())


def import_refusal(name):
    """Why `import name` is refused, and what to do instead."""
    if name in HTTP_MODULES or name.split(".")[0] in HTTP_MODULES:
        return (f"import of '{name}' is not allowed: use the http object "
                "every tool has (http.get(url), http.post(url, json=...), "
                "r.json(), r.text; HttpError on failure); each host needs "
                "mcpbox_request_network_access")
    if name in SYSTEM_MODULES or name.split(".")[0] in SYSTEM_MODULES:
        return (f"import of '{name}' is not allowed: tools have no files, "
                "processes, threads or sockets; take input as arguments "
                "and return the result")
    return (f"import of '{name}' is not allowed: ask an admin for it with "
            "mcpbox_request_module")


def _bound_names(tree):
    """Every name the code binds anywhere (not scope by scope: a name
    bound somewhere is never reported, so no false alarm)."""
    out = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load):
            out.add(n.id)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef,
                            ast.ClassDef)):
            out.add(n.name)
        elif isinstance(n, ast.arg):
            out.add(n.arg)
        elif isinstance(n, ast.alias):
            out.add(n.asname or n.name.split(".")[0])
        elif isinstance(n, ast.ExceptHandler) and n.name:
            out.add(n.name)
        elif isinstance(n, (ast.Global, ast.Nonlocal)):
            out.update(n.names)
        elif isinstance(n, (ast.MatchAs, ast.MatchStar)) and n.name:
            out.add(n.name)
        elif isinstance(n, ast.MatchMapping) and n.rest:
            out.add(n.rest)
    return out


def runtime_name_errors(tree, known, limit):
    """Python's builtins that tools do not have, used and never bound:
    each would be a NameError when the line runs. known: the names a tool
    has, and those the check refuses already; at most limit errors.
    Reported by validate, which says whether code could run; creation
    does not refuse them (a name in an except clause that never runs does
    no harm)."""
    bound = _bound_names(tree)
    errors = []
    for n in ast.walk(tree):
        if (isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and
                n.id not in known and n.id not in bound and
                hasattr(builtins, n.id) and
                not n.id.startswith("_")):
            hint = NAME_HINTS.get(n.id, "it is not one of the builtins "
                                  "tools have")
            errors.append((n.lineno, n.col_offset + 1,
                           f"'{n.id}' is not available in the sandbox: "
                           f"{hint}"))
            if len(errors) >= limit:
                break
    return errors
