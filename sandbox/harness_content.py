# harness_content.py -- the `mcp` object tool code gets beside `http` and
# `secrets`: MCP content a tool can return besides plain values.
#
# Compiled into the binary as the module sbx_harness_content, loaded after
# sbx_harness_check and before sbx_harness (harness_run.py), which injects MCP into every call and turns
# what main() returns into the result frame with content_result().  Nothing
# here is trusted by the worker: it checks every item again
# (src/mcp/result.c), since tool code can change any byte of its process.
import base64 as _b64
import binascii as _binascii
import json as _json
import math as _math
import _sbx

from sbx_harness_check import FrozenEncoder
from sbx_harness_types import plain

# Marks a content result in the result frame; a plain dict may not use it.
MARK = "$mcp"
# RFC 5424 severities, as MCP logging names them (least severe first).
LEVELS = ("debug", "info", "notice", "warning", "error", "critical", "alert",
          "emergency")
_ENC = FrozenEncoder(allow_nan=False, ensure_ascii=True, separators=(",", ":"))
_DEC = _json.JSONDecoder()


def _notify(frame):
    _sbx.notify(_ENC.encode(frame).encode("ascii"))


class AskError(Exception):
    """The client did not answer mcp.sample() or mcp.elicit(): it cannot
    (no such capability), it refused, or nobody answered in time."""


def _ask(kind, params):
    """A question for the client; the call waits here for its answer."""
    try:
        data = _ENC.encode({"op": "ask", "kind": kind, "params": params})
    except (TypeError, ValueError) as e:
        raise TypeError(f"the question must be JSON: {e}") from None
    r = _DEC.decode(_sbx.roundtrip(data.encode("ascii")).decode(
        "utf-8", "replace"))
    if type(r) is not dict or "error" in r or type(r.get("result")) is not dict:
        raise AskError(str(r.get("error", "no answer")) if type(r) is dict
                       else "no answer")
    return r["result"]


def _message(m):
    """A sampling message: a str or content item is the user's."""
    if type(m) is str or type(m) is ContentItem:
        m = {"role": "user", "content": m}
    if type(m) is not dict or m.get("role") not in ("user", "assistant"):
        raise TypeError("a message is a str, a content item or a dict "
                        "{'role': 'user' | 'assistant', 'content': ...}")
    c = m.get("content")
    if type(c) is str:
        c = {"type": "text", "text": _text(c, "content")}
    elif type(c) is ContentItem:
        c = c.item
    if type(c) is not dict or c.get("type") not in ("text", "image", "audio"):
        raise TypeError("a message's content is a str or an mcp.text(), "
                        "mcp.image() or mcp.audio() item")
    return {"role": m["role"], "content": c}


class ContentItem:
    """One MCP content item, made by mcp.text(), mcp.image(), ..."""
    __slots__ = ("item",)

    def __init__(self, item):
        object.__setattr__(self, "item", item)

    def __setattr__(self, name, value):
        raise AttributeError("content items are read-only")

    def __repr__(self):
        return f"<mcp {self.item['type']} content>"


class Content:
    """Several items and, optionally, structured content: mcp.content()."""
    __slots__ = ("items", "structured")

    def __init__(self, items, structured):
        object.__setattr__(self, "items", items)
        object.__setattr__(self, "structured", structured)

    def __setattr__(self, name, value):
        raise AttributeError("content is read-only")

    def __repr__(self):
        return f"<mcp content of {len(self.items)} items>"


def _text(v, what):
    if type(v) is not str:
        raise TypeError(f"{what} must be a str")
    return "".join((v,))


def _base64(data, what):
    """bytes are encoded for the tool; a str must already be base64."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return _b64.b64encode(bytes(data)).decode("ascii")
    s = _text(data, what)
    try:
        _b64.b64decode(s, validate=True)
    except (_binascii.Error, ValueError):
        raise ValueError(f"{what} is a str but not base64; pass bytes to "
                         "have it encoded") from None
    return s


def _opt(d, key, v, what):
    if v is not None:
        d[key] = _text(v, what)
    return d


class Mcp:
    """Injected as `mcp`.  Each method returns a content item; return one,
    a list of them, or mcp.content(...) to add structured content."""
    __slots__ = ()

    def __setattr__(self, name, value):
        raise AttributeError("mcp is read-only")

    def text(self, text):
        return ContentItem({"type": "text", "text": _text(text, "text")})

    def image(self, data, mime_type="image/png"):
        return ContentItem({"type": "image",
                            "data": _base64(data, "image data"),
                            "mimeType": _text(mime_type, "mime_type")})

    def audio(self, data, mime_type="audio/wav"):
        return ContentItem({"type": "audio",
                            "data": _base64(data, "audio data"),
                            "mimeType": _text(mime_type, "mime_type")})

    def resource(self, uri, text=None, blob=None, mime_type=None):
        """An embedded resource: its text, or its bytes (blob)."""
        if (text is None) == (blob is None):
            raise ValueError("mcp.resource needs exactly one of text= "
                             "and blob=")
        r = {"uri": _text(uri, "uri")}
        _opt(r, "mimeType", mime_type, "mime_type")
        if text is not None:
            r["text"] = _text(text, "text")
        else:
            r["blob"] = _base64(blob, "blob")
        return ContentItem({"type": "resource", "resource": r})

    def resource_link(self, uri, name, description=None, mime_type=None):
        d = {"type": "resource_link", "uri": _text(uri, "uri"),
             "name": _text(name, "name")}
        _opt(d, "description", description, "description")
        return ContentItem(_opt(d, "mimeType", mime_type, "mime_type"))

    def log(self, level, data, logger=None):
        """A log message for the client (notifications/message), sent as
        the tool runs; clients that asked for a higher level skip it."""
        if type(level) is not str or level not in LEVELS:
            raise ValueError("level must be one of " + ", ".join(LEVELS))
        frame = {"op": "notify", "kind": "log", "level": level, "data": data}
        if logger is not None:
            frame["logger"] = _text(logger, "logger")
        try:
            _notify(frame)
        except (TypeError, ValueError) as e:
            raise TypeError(f"log data must be JSON: {e}") from None

    def progress(self, progress, total=None, message=None):
        """Progress for the client (notifications/progress), sent when the
        call asked for it (a progressToken); else nothing."""
        frame = {"op": "notify", "kind": "progress"}
        for key, v in (("progress", progress), ("total", total)):
            if v is None and key == "total":
                continue
            if type(v) not in (int, float) or not _math.isfinite(v):
                raise TypeError(f"{key} must be a finite number")
            frame[key] = v
        if message is not None:
            frame["message"] = _text(message, "message")
        _notify(frame)

    AskError = AskError

    def close_stream(self):
        """Close this call's event stream now; the call goes on. A client
        that resumes streams (MCP 2025-11-25: a GET with Last-Event-ID)
        reconnects and gets the rest, so no connection is held through a
        long wait. Clients that do not resume lose the result."""
        _notify({"op": "notify", "kind": "close_stream"})

    def sample(self, messages, max_tokens=1000, system_prompt=None,
               temperature=None, stop_sequences=None, model_hints=None):
        """Ask the client's model (sampling/createMessage) and wait for
        its answer: {"role", "content", "model", "stopReason"}. messages:
        a str (the user's), or a list of str, content items and
        {"role", "content"} dicts. Raises mcp.AskError if the client has
        no sampling capability, refuses, or does not answer in time."""
        if type(messages) is not list:
            messages = [messages]
        if not messages:
            raise ValueError("sample needs at least one message")
        if type(max_tokens) is not int or max_tokens < 1:
            raise ValueError("max_tokens must be a positive int")
        p = {"messages": [_message(m) for m in messages],
             "maxTokens": max_tokens}
        _opt(p, "systemPrompt", system_prompt, "system_prompt")
        if temperature is not None:
            if type(temperature) not in (int, float) or \
                    not _math.isfinite(temperature):
                raise TypeError("temperature must be a finite number")
            p["temperature"] = temperature
        if stop_sequences is not None:
            p["stopSequences"] = [_text(s, "a stop sequence")
                                  for s in stop_sequences]
        if model_hints is not None:
            p["modelPreferences"] = {"hints": [
                {"name": _text(h, "a model hint")} for h in model_hints]}
        return _ask("sampling", p)

    def elicit(self, message, schema):
        """Ask the user (elicitation/create, form mode) and wait for the
        answer: {"action": "accept" | "decline" | "cancel", "content":
        {...}} (content with accept only). schema: {"type": "object",
        "properties": {...}, "required": [...]}, flat properties of type
        string, number, integer or boolean (enum, oneOf, default, ...
        as MCP allows). Raises mcp.AskError as sample() does."""
        if type(schema) is not dict or schema.get("type") != "object" or \
                type(schema.get("properties")) is not dict:
            raise TypeError("schema must be a dict {'type': 'object', "
                            "'properties': {...}}")
        return _ask("elicitation", {"message": _text(message, "message"),
                                    "requestedSchema": schema})

    def content(self, *items, structured=None):
        if not items or not all(type(i) is ContentItem for i in items):
            raise TypeError("mcp.content takes content items (mcp.text(), "
                            "mcp.image(), ...)")
        if structured is not None and type(structured) is not dict:
            raise TypeError("structured must be a dict")
        return Content(list(items), structured)


MCP = Mcp()


def content_result(result):
    """What main() returned, as the result frame carries it: content (an
    item, a list of items, mcp.content()) becomes a marked object; plain
    values stay as they are (dataclasses and TypedDicts made plain)."""
    result = plain(result)
    if type(result) is ContentItem:
        return {MARK: "content", "content": [result.item]}
    if type(result) is Content:
        r = {MARK: "content", "content": [i.item for i in result.items]}
        if result.structured is not None:
            r["structuredContent"] = result.structured
        return r
    # A list of items, where a plain string is a text item among them.
    if type(result) is list and result and \
            any(type(i) is ContentItem for i in result) and \
            all(type(i) in (ContentItem, str) for i in result):
        return {MARK: "content", "content": [
            i.item if type(i) is ContentItem else {"type": "text", "text": i}
            for i in result]}
    if type(result) is dict and MARK in result:
        raise ValueError(f"the key '{MARK}' is reserved in a result dict")
    # Items elsewhere in a list -- beside other values, or as a message's
    # content ({"role": ..., "content": mcp.text(...)}) -- are plain data.
    if type(result) is list:
        return [_plain_item(i) for i in result]
    return result


def _plain_item(v):
    if type(v) is ContentItem:
        return v.item
    if type(v) is dict and type(v.get("content")) is ContentItem:
        return dict(v, content=v["content"].item)
    return v
