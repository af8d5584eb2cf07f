#!/usr/bin/env python3
"""Protocol, limits, secrets and lifecycle of mcpbox-sandbox over its socket."""
import argparse, json, os, shutil, socket, struct, subprocess, sys, tempfile, threading, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sbxclient import SUPERVISOR_UID, FAILS, Client, Supervisor, check


def frame(b):
    return struct.pack(">I", len(b)) + b


def forks_since_boot():
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("processes "):
                return int(line.split()[1])


REFUSED_1000 = ("def main():\n    n = 0\n    for i in range(1000):\n"
                "        try:\n            http.get('https://not-allowed.example/x')\n"
                "        except HttpError:\n            n += 1\n    return n\n")


def refused_http_costs_no_process(binary):
    """The allowlist is checked before any process exists: 1,000 refused
    calls start no broker helper (the supervisor's counter) and fork nothing
    (the kernel's count of processes created since boot barely moves; a
    fork per refusal would move it by 1,000)."""
    with Supervisor(binary, ["--concurrency", "4"]) as sup:
        c = sup.client()
        c.execute("def main():\n    return 1\n")
        h0 = c.call({"op": "health"})["helpers_started"]
        f0 = forks_since_boot()
        lat, stop = [], threading.Event()

        def other():
            with sup.client() as o:
                while not stop.is_set():
                    t = time.time()
                    o.execute("def main(x):\n    return x * 2\n", {"x": 21})
                    lat.append((time.time() - t) * 1000)
        t = threading.Thread(target=other)
        t.start()
        r = c.execute(REFUSED_1000, allowed_hosts=[{"host": "api.example.com", "port": None}],
                      timeout_ms=60000, timeout=90)
        stop.set()
        t.join()
        f1 = forks_since_boot()
        h1 = c.call({"op": "health"})["helpers_started"]
        check("1,000 refused http.get calls answered", r.get("ok") and r.get("result") == 1000, r)
        check("refused calls start no broker helper", h1 == h0, (h0, h1))
        # The concurrent tool's own children (one per call) are the rest.
        check("refused calls create no process", f1 - f0 - len(lat) < 200,
              (f1 - f0, len(lat)))
        lat.sort()
        if lat:
            print(f"     concurrent calls during the refusals: {len(lat)}, "
                  f"p50 {lat[len(lat) // 2]:.1f} ms, max {lat[-1]:.1f} ms")


def hints_as_schemas(binary):
    """Literal, TypedDict and the unions around them, read from main's
    signature: an enum the server can hold a call to, a nested object with
    its own required members. Before, Literal["a"] was text and a TypedDict
    parameter was text too, so any string passed the approved schema."""
    code = ("from typing import Literal, NotRequired, TypedDict\n"
            "import typing\n"
            "class Where(TypedDict):\n    lat: float\n    lon: float\n"
            "    label: NotRequired[str]\n"
            "class Filter(TypedDict, total=False):\n"
            "    kind: Literal['park', 'lake']\n    near: Where\n"
            "class Stop(Where):\n    order: int\n"
            "def main(units: Literal['metric', 'imperial'],\n"
            "         level: typing.Literal[1, 2, 3],\n"
            "         mixed: Literal['a', 1, True, None],\n"
            "         where: Where,\n"
            "         kinds: list[Literal['park', 'lake']],\n"
            "         stops: list[Stop],\n"
            "         flt: Filter | None = None,\n"
            "         mode: Literal['fast'] | None = None,\n"
            "         tags: list[str | None] = []) -> Where:\n"
            "    return where\n")
    where = {"type": "object", "additionalProperties": False,
             "required": ["lat", "lon"],
             "properties": {"lat": {"type": "number"}, "lon": {"type": "number"},
                            "label": {"type": "string"}}}
    kinds = {"enum": ["park", "lake"], "type": "string"}
    with Supervisor(binary, ["--concurrency", "1"]) as sup:
        c = sup.client()
        r = c.call({"op": "validate", "code": code})
        check("hints validate", r.get("ok") and r["valid"] and r["has_main"], r)
        p = (r.get("input_schema") or {}).get("properties", {})
        check("Literal of strings is a string enum",
              p.get("units") == {"enum": ["metric", "imperial"], "type": "string"}, p.get("units"))
        check("typing.Literal of ints is an integer enum",
              p.get("level") == {"enum": [1, 2, 3], "type": "integer"}, p.get("level"))
        check("a Literal of several types is an enum without a type",
              p.get("mixed") == {"enum": ["a", 1, True, None]}, p.get("mixed"))
        check("a TypedDict parameter is a nested object", p.get("where") == where, p.get("where"))
        check("list[Literal] has enum items", p.get("kinds") == {"type": "array", "items": kinds},
              p.get("kinds"))
        check("list[TypedDict] with a TypedDict base has both classes' fields",
              p.get("stops") == {"type": "array", "items": dict(
                  where, required=["lat", "lon", "order"],
                  properties=dict(where["properties"], order={"type": "integer"}))}, p.get("stops"))
        check("total=False, a nested TypedDict, X | None",
              p.get("flt") == {"type": ["object", "null"], "default": None,
                               "additionalProperties": False, "required": [],
                               "properties": {"kind": kinds, "near": where}}, p.get("flt"))
        check("Literal | None admits null in the enum too",
              p.get("mode") == {"enum": ["fast", None], "type": ["string", "null"],
                                "default": None}, p.get("mode"))
        check("list[str | None] admits null items",
              p.get("tags") == {"type": "array", "items": {"type": ["string", "null"]},
                                "default": []}, p.get("tags"))
        check("required are the parameters without a default",
              r["input_schema"]["required"] == ["units", "level", "mixed", "where", "kinds", "stops"],
              r["input_schema"])
        check("the same rules give the output schema", r["output_schema"] == where, r["output_schema"])
        r = c.call({"op": "validate", "code": "class Node(TypedDict):\n    kids: list['Node']\n"
                                              "def main(n: Node):\n    return 1\n"})
        check("a class naming itself stops at a depth", r.get("ok") and r["valid"]
              and "Node" not in json.dumps(r["input_schema"]), r)
        r = c.execute(code, {"units": "metric", "level": 1, "mixed": None, "where": {"lat": 1, "lon": 2},
                             "kinds": [], "stops": []})
        check("the annotations run in the sandbox", r.get("ok") and r["result"] == {"lat": 1, "lon": 2}, r)


def run(binary):
    refused_http_costs_no_process(binary)
    hints_as_schemas(binary)
    with Supervisor(binary, ["--concurrency", "2", "--queue", "1"]) as sup:
        c = sup.client()
        # framing errors never kill the connection or the supervisor
        c.send_raw(frame(b"{not json"))
        r = c.recv()
        check("bad JSON -> ProtocolError", r["error"]["type"] == "ProtocolError" and r["id"] is None, r)
        c.send_raw(frame(b"[1,2]"))
        check("non-object -> ProtocolError", c.recv()["error"]["type"] == "ProtocolError")
        r = c.call({"id": "m"})
        check("missing op", r["error"]["type"] == "ProtocolError" and r["id"] == "m", r)
        r = c.call({"id": 7.5, "op": "nope"})
        check("unknown op keeps id", r["id"] == 7.5 and r["error"]["type"] == "ProtocolError", r)
        c.send({"id": {"a": 1}, "op": "health"})
        check("non-scalar id", c.recv()["error"]["type"] == "ProtocolError")
        r = c.call({"op": "health"})
        check("health", r["ok"] and r["concurrency"] == 2 and r["python"].startswith("3.11"), r)

        # results, stdout, errors, validation
        r = c.execute("def main(x):\n    return x + 1\n", {"x": 41})
        check("execute", r["ok"] and r["result"] == 42 and "duration_ms" in r, r)
        r = c.execute("class C:\n    pass\ndef main():\n    return C()\n")
        check("non-JSON result -> str()", r["ok"] and "C object" in r["result"], r)

        # notifications while a call runs: ahead of the answer, redacted,
        # capped, and nothing the tool makes up gets through
        r = c.execute('def main():\n'
                      '    mcp.log("warning", {"k": secrets["K"]}, logger="l")\n'
                      '    mcp.progress(1, 4, message="at " + secrets["K"])\n'
                      '    return 1\n', secrets={"K": "notify-secret"})
        check("notifications before the answer", r["ok"] and
              [n["kind"] for n in c.notes] == ["log", "progress"], (r, c.notes))
        check("notifications redacted", "notify-secret" not in json.dumps(c.notes)
              and c.notes[0]["data"] == {"k": "[REDACTED]"}, c.notes)
        check("notifications carry the call's id",
              all(n["id"] == r["id"] and n["op"] == "notify" for n in c.notes), c.notes)
        r = c.execute('def main():\n'
                      '    for i in range(500):\n'
                      '        mcp.log("info", i)\n'
                      '    return 2\n')
        check("at most 100 notifications a call", r["ok"] and len(c.notes) == 100,
              (r, len(c.notes)))
        # typing and dataclasses for tool code: stand-ins, whatever the
        # server allows, and nothing of the real modules that evaluates
        # strings
        r = c.execute('from typing import TypedDict, Optional\n'
                      'from dataclasses import dataclass, field\n'
                      'class P(TypedDict):\n    x: int\n'
                      '@dataclass(frozen=True)\n'
                      'class D:\n    p: P\n    tags: list = field(default_factory=list)\n'
                      '    note: Optional[str] = None\n'
                      'def main() -> D:\n'
                      '    d = D(P(x=1))\n'
                      '    try:\n        d.note = "x"\n'
                      '    except AttributeError:\n        d = D(P(x=2), ["frozen"])\n'
                      '    return d\n', allowed_modules=[])
        check("TypedDict and dataclass results are plain JSON",
              r.get("result") == {"p": {"x": 2}, "tags": ["frozen"], "note": None}, r)
        r = c.execute("from typing import get_type_hints\n"
                      "def main():\n    return 1\n")
        check("no typing.get_type_hints", r.get("error", {}).get("type") ==
              "ValidationError", r)
        r = c.execute("import dataclasses\ndef main():\n"
                      "    return dataclasses.make_dataclass('X', ['a'])\n")
        check("no dataclasses.make_dataclass (it compiles source)",
              not r.get("ok") and "make_dataclass" in json.dumps(r), r)

        # questions for the client: forwarded redacted with a number, the
        # answer reaches the tool, a wrong number or a late answer does not
        r = c.execute('def main():\n'
                      '    a = mcp.sample("hi " + secrets["K"], max_tokens=9)\n'
                      '    b = mcp.elicit("name?", {"type": "object",\n'
                      '                   "properties": {"n": {"type": "string"}}})\n'
                      '    return [a["content"]["text"], b["content"]["n"]]\n',
                      secrets={"K": "ask-secret"}, on_ask=lambda q: (
                          {"result": {"role": "assistant", "content": {
                              "type": "text", "text": "model says"}}}
                          if q["kind"] == "sampling" else
                          {"result": {"action": "accept",
                                      "content": {"n": "ann"}}}))
        check("asks answered in order", r.get("ok") and
              r["result"] == ["model says", "ann"] and
              [(q["kind"], q["ask"]) for q in c.asks] ==
              [("sampling", 1), ("elicitation", 2)], (r, c.asks))
        check("asks redacted", "ask-secret" not in json.dumps(c.asks) and
              c.asks[0]["params"]["maxTokens"] == 9, c.asks)
        check("answers acknowledged", [a["delivered"] for a in c.acks] ==
              [True, True], c.acks)
        r = c.execute('def main():\n'
                      '    try:\n'
                      '        mcp.sample("x")\n'
                      '    except mcp.AskError as e:\n'
                      '        return str(e)\n',
                      on_ask=lambda q: {"error": "no thanks"})
        check("an error answer is mcp.AskError", r.get("result") == "no thanks", r)
        r = c.execute('def main():\n    return mcp.sample("x")\n',
                      timeout_ms=500,
                      on_ask=lambda q: {"ask": q["ask"] + 1, "result": {}})
        check("an answer to another ask is not delivered",
              r.get("error", {}).get("type") == "Timeout" and
              [a["delivered"] for a in c.acks] == [False], (r, c.acks))
        r = c.execute('def main():\n'
                      '    n = 0\n'
                      '    for i in range(12):\n'
                      '        try:\n'
                      '            mcp.elicit("q", {"type": "object", "properties": {}})\n'
                      '            n += 1\n'
                      '        except mcp.AskError as e:\n'
                      '            last = str(e)\n'
                      '    return [n, last]\n',
                      on_ask=lambda q: {"result": {"action": "decline"}})
        check("at most 10 asks a call", r.get("result", [0])[0] == 10 and
              "at most 10" in r["result"][1] and len(c.asks) == 10, (r, len(c.asks)))

        r = c.execute('def main():\n'
                      '    mcp.log("info", "x" * 20000)\n'
                      '    mcp.progress(True)\n'
                      '    return 3\n')
        check("oversized or malformed notifications dropped or refused",
              c.notes == [] and r.get("error", {}).get("type") == "ToolError",
              (r, c.notes))
        r = c.execute("def main(a):\n    return a\n", {"b": 1})
        check("bad args -> ValidationError", r["error"]["type"] == "ValidationError", r)
        r = c.execute("x = 1\n")
        check("no main -> ValidationError", r["error"]["type"] == "ValidationError", r)
        r = c.execute("def main(:\n", {})
        check("syntax error -> ValidationError", r["error"]["type"] == "ValidationError", r)
        r = c.execute("def main():\n    return 1\n", timeout_ms=0)
        check("timeout_ms range", r["error"]["type"] == "ValidationError", r)
        r = c.execute("import os\ndef main():\n    return 1\n", allowed_modules=["os"])
        check("unknown module -> ValidationError", r["error"]["type"] == "ValidationError", r)
        r = c.execute("import json\ndef main():\n    return 1\n", allowed_modules=["re"])
        check("module outside allowlist", r["error"]["type"] == "ValidationError", r)
        # Code a child checked and ran skips the AST check next time; code
        # that failed it is never remembered, and the module list is part
        # of what was checked.
        bad = "def main():\n    return ().__class__\n"
        r1, r2 = c.execute(bad), c.execute(bad)
        check("refused code stays refused", r1["error"]["type"] == r2["error"]["type"] == "ValidationError", (r1, r2))
        fmt = "def main(x):\n    return '{0.__class__}'.format(x)\n"
        r1, r2 = c.execute(fmt, {"x": 1}), c.execute(fmt, {"x": 1})
        check("the format guard holds on a repeated call", all(r.get("error", {}).get("type") == "ToolError"
              and "not allowed" in r["error"]["message"] for r in (r1, r2)), (r1, r2))
        imp = "import json\ndef main():\n    return json.dumps(1)\n"
        r1 = c.execute(imp)
        r2 = c.execute(imp, allowed_modules=["re"])
        check("a checked code is checked again under other modules", r1.get("ok") and
              r2.get("error", {}).get("type") == "ValidationError", (r1, r2))
        r = c.call({"op": "validate", "code": "import re\ndef main(a: int, b: str = 'x', c: float | None = None, *, d: dict, e=1):\n    return a\n"})
        s = r.get("input_schema") or {}
        check("validate schema", r["ok"] and r["valid"] and r["has_main"]
              and s["required"] == ["a", "d"] and s["properties"]["c"]["type"] == ["number", "null"]
              and s["properties"]["e"]["type"] == "string", r)
        r = c.call({"op": "validate", "code": "def main():\n    return ().__class__\nimport os\n"})
        check("validate errors with line/col", r["ok"] and not r["valid"]
              and r["errors"][0]["line"] == 2 and r["errors"][0]["col"] >= 1 and len(r["errors"]) == 2, r)
        r = c.call({"op": "validate", "code": "x = 1\n"})
        check("validate without main", r["ok"] and r["valid"] and not r["has_main"] and r["input_schema"] is None, r)
        # outputSchema from main's return annotation: objects only (MCP).
        td = ("class Weather(TypedDict):\n    city: str\n    temp: float\n    note: NotRequired[str]\n"
              "def main(city: str) -> Weather:\n    return {'city': city, 'temp': 1.5}\n")
        r = c.call({"op": "validate", "code": td})
        check("output schema from a TypedDict", r["ok"] and r["valid"] and r["output_schema"] == {
            "type": "object", "additionalProperties": False, "required": ["city", "temp"],
            "properties": {"city": {"type": "string"}, "temp": {"type": "number"}, "note": {"type": "string"}}}, r)
        dc = ("@dataclass\nclass Point:\n    x: int\n    tags: list[str]\n    label: str | None = None\n"
              "def main() -> 'Point':\n    return Point(1, [])\n")
        r = c.call({"op": "validate", "code": dc})
        check("output schema from a dataclass", r["ok"] and r["output_schema"] == {
            "type": "object", "additionalProperties": False, "required": ["x", "tags"],
            "properties": {"x": {"type": "integer"}, "tags": {"type": "array", "items": {"type": "string"}},
                           "label": {"type": ["string", "null"]}}}, r)
        r = c.call({"op": "validate", "code": "def main() -> dict[str, int]:\n    return {}\n"})
        check("output schema from dict[str, X]", r["output_schema"] == {
            "type": "object", "additionalProperties": {"type": "integer"}}, r)
        outs = [c.call({"op": "validate", "code": f"def main() -> {a}:\n    return None\n"})["output_schema"]
                for a in ("int", "str", "list[int]", "dict | None")]
        r = c.call({"op": "validate", "code": "def main():\n    return 1\n"})
        check("no output schema for non-objects or no annotation", outs == [None] * 4
              and r["output_schema"] is None, (outs, r))

        # secrets: only in the child, read-only, redacted everywhere
        secret = "sk-very-secret-value-123"
        code = ("def main():\n    v = secrets['API_KEY']\n    print('key', v)\n"
                "    if secrets.get('FAIL'):\n        raise ValueError('bad ' + v)\n"
                "    return {'k': v, v: 1, 'short': secrets['SHORT']}\n")
        r = c.execute(code, secrets={"API_KEY": secret, "SHORT": "abc"})
        txt = json.dumps(r)
        check("secrets redacted in result/stdout/keys", r["ok"] and secret not in txt
              and r["result"]["k"] == "[REDACTED]" and "[REDACTED]" in r["stdout"]
              and r["result"]["short"] == "abc", r)
        r = c.execute(code, secrets={"API_KEY": secret, "FAIL": "1"})
        check("secrets redacted in errors", r["error"]["type"] == "ToolError" and secret not in json.dumps(r), r)
        r = c.execute("import json\ndef main():\n    return json.loads('[')\n")
        check("errors sanitized", "/usr/" not in r["error"]["message"] and "sbx" not in r["error"]["message"], r)

        # pipelining, out-of-order answers, cancel, Busy
        c.send({"op": "execute", "id": "slow", "code": "import time\ndef main():\n    time.sleep(0.5)\n    return 's'\n", "args": {}})
        c.send({"op": "execute", "id": "fast", "code": "def main():\n    return 'f'\n", "args": {}})
        first, second = c.recv(), c.recv()
        check("out-of-order answers", first["id"] == "fast" and second["id"] == "slow" and second["result"] == "s", (first, second))
        c.send({"op": "execute", "id": "victim", "code": "import time\ndef main():\n    time.sleep(10)\n", "args": {}})
        time.sleep(0.1)
        c.send({"op": "cancel", "id": "cx", "target": "victim"})
        got = {c.recv()["id"]: None for _ in range(2)}
        check("cancel", set(got) == {"victim", "cx"})
        for _ in range(100):      # the cancelled child is reaped asynchronously
            if c.call({"op": "health"})["running"] == 0:
                break
            time.sleep(0.02)
        sleeper = "import time\ndef main():\n    time.sleep(1)\n    return 1\n"
        for i in range(4):
            c.send({"op": "execute", "id": f"b{i}", "code": sleeper, "args": {}})
        answers = [c.recv() for _ in range(4)]
        busy = [a for a in answers if not a["ok"] and a["error"]["type"] == "Busy"]
        check("bounded queue -> Busy", len(busy) == 1 and busy[0]["id"] == "b3", answers)
        r = c.execute("import time\ndef main():\n    time.sleep(5)\n", timeout_ms=300)
        check("wall-clock timeout", r["error"]["type"] == "Timeout" and r["duration_ms"] < 2000, r)
        r = c.execute("def main():\n    return 'x' * 200\n", memory_mb=16)
        check("tiny memory limit still answers", r["ok"] or r["error"]["type"] in ("MemoryLimit", "SandboxError"), r)

        # oversize frame: error frame, then the connection closes
        c2 = sup.client()
        c2.send_raw(struct.pack(">I", 9 << 20) + b"{")
        r = c2.recv()
        check("oversize -> ProtocolError", r["error"]["type"] == "ProtocolError", r)
        try:
            c2.recv(timeout=5)
            closed = False
        except (EOFError, ConnectionResetError):
            closed = True
        check("oversize closes the connection", closed)
        # a client that leaves mid-call does not hurt anyone
        c3 = sup.client()
        c3.send({"op": "execute", "id": 1, "code": "import time\ndef main():\n    time.sleep(3)\n", "args": {}})
        c3.close()
        check("alive after everything", sup.alive())
        logs = sup.logs()
        check("logs are JSON lines", all(json.loads(l) for l in logs.splitlines() if l.strip()))
        check("logs hold no secrets or code", secret not in logs and "def main" not in logs)
        sock = sup.sock
        rc = sup.stop()
        check("SIGTERM exits cleanly and unlinks the socket", rc == 0 and not os.path.exists(sock), rc)

    # entry: a resource's read() or an item's complete() instead of main;
    # any other name still means main, so a request cannot pick a function
    with Supervisor(binary) as sup:
        c = sup.client()
        code = ("def main(**kw):\n    return 'main'\n"
                "def read(id):\n    return 'read ' + id\n"
                "def complete(argument, value):\n    return [value + 'x']\n"
                "def other():\n    return 'other'\n")
        r = c.call({"op": "execute", "code": code, "args": {"id": "7"}, "entry": "read"})
        check("entry read runs read()", r.get("result") == "read 7", r)
        r = c.call({"op": "execute", "code": code, "entry": "complete",
                    "args": {"argument": "a", "value": "p"}})
        check("entry complete runs complete()", r.get("result") == ["px"], r)
        r = c.call({"op": "execute", "code": code, "args": {}, "entry": "other"})
        check("any other entry runs main()", r.get("result") == "main", r)
        r = c.call({"op": "execute", "code": "def main():\n    return 1\n", "args": {},
                    "entry": "read"})
        check("code without read() says so", r["error"]["type"] == "ValidationError" and
              "read()" in r["error"]["message"], r)

    # the socket directory must be 0700
    d = tempfile.mkdtemp()
    os.chmod(d, 0o755)
    p = subprocess.run([binary, "--socket", os.path.join(d, "s")], capture_output=True, timeout=30)
    check("refuses a non-0700 directory", p.returncode != 0, p.stderr[-300:])
    # production binary: no test switches
    p = subprocess.run([binary, "--socket", os.path.join(d, "s"), "--test-loopback-port", "1"],
                       capture_output=True, timeout=30)
    check("production binary has no --test-loopback-port", p.returncode == 2)
    with Supervisor(binary) as sup:
        r = sup.client().execute("import os\ndef main():\n    return os.getcwd()\n", python_layers=False)
        check("production ignores python_layers:false", r["error"]["type"] == "ValidationError", r)
    # spares take their warm-up run only while the supervisor is idle
    with Supervisor(binary, ["--concurrency", "2"]) as sup:
        def faults():
            # Children are the zygote's, and the zygote is the supervisor's.
            stats = {}
            for n in filter(str.isdigit, os.listdir("/proc")):
                try:
                    st = open(f"/proc/{n}/stat").read().rsplit(")", 1)[1].split()
                except (OSError, ValueError):
                    continue
                stats[int(n)] = (int(st[1]), int(st[7]))
            zyg = {p for p, (pp, _) in stats.items() if pp == sup.proc.pid}
            return {p: f for p, (pp, f) in stats.items() if pp in zyg}
        time.sleep(0.3)
        idle = faults()
        box = {}
        busy = threading.Thread(target=lambda: box.update(r=sup.client().execute(
            "def main():\n    n = 0\n    for i in range(30000000):\n        n += i\n    return n\n",
            timeout_ms=20000)))
        busy.start()
        # Sample while the busy child runs: it and two spares.
        during, t0 = {}, time.time()
        while time.time() - t0 < 10 and busy.is_alive():
            during = faults()
            if len(during) == 3:
                break
            time.sleep(0.01)
        busy.join()
        time.sleep(0.3)
        after = faults()
        fresh = [p for p in during if p not in idle and p in after]
        check("a spare forked under load waits cold", len(fresh) == 1, (idle, during, after))
        if fresh:
            check("and warms up once the supervisor is idle",
                  after[fresh[0]] - during[fresh[0]] >= 150, (during, after))
        check("the busy call answered", box.get("r", {}).get("ok") is True, box)

    # the peer uid check: a stranger is refused
    with Supervisor(binary) as sup:
        os.chmod(sup.dir, 0o711)
        os.chmod(sup.sock, 0o666)
        p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                            sys.executable, "-c",
                            "import socket,sys,struct\ns=socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1])\n"
                            "s.sendall(struct.pack('>I',17)+b'{\"op\":\"health\"}')\ns.settimeout(5)\n"
                            "print(len(s.recv(100)))", sup.sock], capture_output=True, text=True, timeout=30)
        check("SO_PEERCRED refuses other uids", p.stdout.strip() in ("0", "") , (p.stdout, p.stderr[-200:]))
        check("alive after refused peer", sup.alive())


def proc_status(pid):
    with open(f"/proc/{pid}/status") as f:
        return dict(l.rstrip("\n").split(":\t", 1) for l in f if ":\t" in l)


def privileges(binary, test_binary):
    """Started as root, the supervisor keeps no root: its own uid, three
    capabilities, and a filter that keeps CAP_SETUID from the way back.
    (Before, it ran as uid 0 with every capability.)"""
    if os.geteuid() != 0:
        return
    with Supervisor(binary) as sup:
        st = proc_status(sup.proc.pid)
        kept = (1 << 5) | (1 << 6) | (1 << 7)     # KILL, SETGID, SETUID
        check("root start: the supervisor becomes its own uid",
              st["Uid"].split() == [str(SUPERVISOR_UID)] * 4 and
              st["Gid"].split() == [str(SUPERVISOR_UID)] * 4, st["Uid"])
        check("and keeps only setuid, setgid and kill",
              int(st["CapEff"], 16) == kept and int(st["CapPrm"], 16) == kept and
              int(st["CapBnd"], 16) == kept and st["CapAmb"].strip("0") == "", st)
        check("no new privileges, its own seccomp filter",
              st["NoNewPrivs"] == "1" and st["Seccomp"] == "2", st)
        check("still serves its root starter", sup.alive())
        r = sup.client().execute("def main():\n    return 1\n")
        check("calls still run", r.get("result") == 1, r)
    # Without the uid filter CAP_SETUID is a way back to root: the drop's
    # own verification sees it and the supervisor refuses to start.
    d = tempfile.mkdtemp()
    os.chown(d, SUPERVISOR_UID, SUPERVISOR_UID)
    p = subprocess.run([test_binary, "--socket", os.path.join(d, "s"),
                        "--test-no-uid-filter", "1"], capture_output=True, text=True, timeout=60)
    check("a supervisor that could become root again refuses to start",
          p.returncode != 0 and "could still change to another uid" in p.stderr, p.stderr[-300:])
    check("and leaves no socket behind", os.listdir(d) == [], os.listdir(d))
    shutil.rmtree(d, ignore_errors=True)


ap = argparse.ArgumentParser()
ap.add_argument("--binary", required=True)
ap.add_argument("--test-binary", required=True)
args = ap.parse_args()
run(args.binary)
privileges(args.binary, args.test_binary)
print(f"PROTOCOL {'FAILED ' + str(len(FAILS)) if FAILS else 'all passed'}")
sys.exit(1 if FAILS else 0)
