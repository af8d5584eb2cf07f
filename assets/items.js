// Resources and prompts are items of the tools table of another kind
// (docs/RESOURCES-AND-PROMPTS.md). Here: the kind as a badge, and an
// item's definition as a reviewer reads it -- a resource's URI (a
// template when it holds "{"), MIME type and content (a preview of its
// text, a blob's size, or read() computing it), a prompt's arguments
// and messages -- plus the same as plain lines, so a review can diff the
// approved definition against the pending one. Like every page, all of
// it goes in as textContent (ui.js h()), never as markup.
import { h, kv, pretty } from "./ui.js";

const KIND_LABEL = { tool: "Tool", resource: "Resource", prompt: "Prompt" };
const PREVIEW_CHARS = 1200;
const PREVIEW_LINES = 20;

export const kindOf = (t) => (t && t.kind) || "tool";

export function kindBadge(kind) {
  const k = kind || "tool";
  return h("span", { class: `kind-badge kind-${k}`, dataset: { kind: k, testid: "kind" } }, KIND_LABEL[k] || k);
}

// Computed by code (read() or main()) rather than static: it has code, or
// a list without it (which leaves python_code out) sees no text, blob or
// messages.
export function isComputed(kind, d, code) {
  if (code !== null && code !== undefined) return true;
  d = d || {};
  if (kind === "resource") return (d.text === undefined || d.text === null) && (d.blob === undefined || d.blob === null);
  if (kind === "prompt") return d.messages === undefined || d.messages === null;
  return false;
}

export const isTemplate = (uri) => typeof uri === "string" && uri.includes("{");

// The bytes a base64 string decodes to.
export function blobBytes(b64) {
  const s = String(b64 || "").replace(/[\s=]/g, "");
  return Math.floor((s.length * 3) / 4);
}

// A short, stable fingerprint of a blob, so a diff shows a changed blob
// of the same size without listing all of its base64.
function fnv(s) {
  let x = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    x ^= s.charCodeAt(i);
    x = Math.imul(x, 0x01000193) >>> 0;
  }
  return x.toString(16).padStart(8, "0");
}

// At most PREVIEW_LINES lines and PREVIEW_CHARS characters of a text.
function preview(text, testid) {
  const s = String(text ?? "");
  let cut = s.slice(0, PREVIEW_CHARS);
  const lines = cut.split("\n");
  if (lines.length > PREVIEW_LINES) cut = lines.slice(0, PREVIEW_LINES).join("\n");
  const rest = s.length - cut.length;
  return h("div", null,
    h("pre", { class: "code small item-text", dataset: { testid } }, cut),
    rest > 0 ? h("div", { class: "muted small" }, `… ${rest} more character${rest > 1 ? "s" : ""} (${s.length} in all)`) : null);
}

function uriLine(uri, testid = "uri") {
  return h("span", null, h("code", { dataset: { testid } }, uri || "—"),
    isTemplate(uri) ? [" ", h("span", { class: "kind-badge kind-template", dataset: { testid: "uri-template" } }, "template")] : null);
}

const valuesText = (v) => (Array.isArray(v) && v.length ? v.join(", ") : "");

function variables(vars) {
  const names = Object.keys(vars || {});
  if (!names.length) return null;
  return ["completions", h("ul", { class: "plain item-list", dataset: { testid: "variables" } }, names.map((n) => {
    const v = vars[n] || {};
    return h("li", null, h("code", null, `{${n}}`), v.description ? ` ${v.description}` : "",
      valuesText(v.values) ? h("span", { class: "muted" }, ` · offers ${valuesText(v.values)}`) : null);
  }))];
}

// One message's content: a text, an image or audio, an embedded resource.
function content(c) {
  if (!c || typeof c !== "object") return h("pre", { class: "code small" }, pretty(c));
  if (c.type === "text") return preview(c.text, "message-text");
  if (c.type === "image" || c.type === "audio")
    return h("span", null, `${c.type} (${c.mimeType || "no MIME type"}, ${blobBytes(c.data)} bytes)`);
  if (c.type === "resource" && c.resource) {
    const r = c.resource;
    // Its {argument} parts are filled in, not a URI template's.
    return h("div", null, h("span", null, "embedded resource ", h("code", { dataset: { testid: "message-uri" } }, r.uri || "—"), r.mimeType ? ` (${r.mimeType})` : ""),
      r.text !== undefined ? preview(r.text, "message-text") : r.blob !== undefined ? h("div", null, `blob (${blobBytes(r.blob)} bytes)`) : null);
  }
  return h("pre", { class: "code small" }, pretty(c));
}

function argumentsList(args) {
  if (!args || !args.length) return h("span", { dataset: { testid: "prompt-arguments" } }, "none");
  return h("ul", { class: "plain item-list", dataset: { testid: "prompt-arguments" } }, args.map((a) =>
    h("li", { dataset: { argument: a.name } }, h("code", null, a.name), " ",
      h("span", { class: a.required ? "kind-badge kind-required" : "kind-badge" }, a.required ? "required" : "optional"),
      a.description ? ` ${a.description}` : "",
      valuesText(a.values) ? h("span", { class: "muted" }, ` · offers ${valuesText(a.values)}`) : null)));
}

function messagesList(msgs) {
  return h("ol", { class: "item-messages", dataset: { testid: "prompt-messages" } }, (msgs || []).map((m) =>
    h("li", { dataset: { role: m.role } }, h("div", { class: "msg-role" }, m.role), content(m.content))));
}

// The definition as key/value rows, or null for a tool (its code is the
// definition).
export function definitionView(t, { testid = "definition" } = {}) {
  const kind = kindOf(t);
  if (kind === "tool") return null;
  const d = t.definition || {};
  const computed = isComputed(kind, d, t.python_code);
  let rows;
  if (kind === "resource") {
    rows = [
      ["URI", uriLine(d.uri)],
      ["MIME type", d.mime_type ? h("code", { dataset: { testid: "mime-type" } }, d.mime_type) : "not given"],
      ["content", computed ? h("span", { dataset: { testid: "content" } }, "computed by read() (code below)")
        : d.text !== undefined && d.text !== null ? preview(d.text, "resource-text")
          : d.blob !== undefined && d.blob !== null ? h("span", { dataset: { testid: "content" } }, `blob (${blobBytes(d.blob)} bytes)`)
            : "none"],
      variables(d.variables),
    ];
  } else {
    rows = [
      ["arguments", argumentsList(d.arguments)],
      ["messages", computed ? h("span", { dataset: { testid: "content" } }, "built by main() (code below)") : messagesList(d.messages)],
    ];
  }
  return h("div", { class: "definition", dataset: { testid } }, kv(rows));
}

function contentLines(c, pad) {
  if (!c || typeof c !== "object") return [pad + JSON.stringify(c)];
  if (c.type === "text") return [pad + "text:", ...String(c.text ?? "").split("\n").map((l) => pad + "  " + l)];
  if (c.type === "image" || c.type === "audio")
    return [`${pad}${c.type}: ${c.mimeType || "no MIME type"}, ${blobBytes(c.data)} bytes, checksum ${fnv(String(c.data || ""))}`];
  if (c.type === "resource" && c.resource) {
    const r = c.resource;
    const out = [`${pad}embedded resource: ${r.uri}${r.mimeType ? ` (${r.mimeType})` : ""}`];
    if (r.text !== undefined) out.push(...String(r.text).split("\n").map((l) => pad + "  " + l));
    else if (r.blob !== undefined) out.push(`${pad}  blob: ${blobBytes(r.blob)} bytes, checksum ${fnv(String(r.blob))}`);
    return out;
  }
  return pretty(c).split("\n").map((l) => pad + l);
}

// The definition as plain lines, for a diff: every reviewed part of it,
// one fact a line; a text line by line; a blob by size and checksum.
export function definitionText(kind, d, code) {
  if (!d || kind === "tool") return "";
  const computed = isComputed(kind, d, code);
  const out = [];
  if (kind === "resource") {
    out.push(`uri: ${d.uri ?? ""}${isTemplate(d.uri) ? "   (template)" : ""}`);
    out.push(`mime type: ${d.mime_type ?? "not given"}`);
    for (const [n, v] of Object.entries(d.variables || {}))
      out.push(`variable {${n}}: ${(v && v.description) || ""}${v && valuesText(v.values) ? ` · offers ${valuesText(v.values)}` : ""}`);
    if (computed) out.push("content: computed by read()");
    else if (d.text !== undefined && d.text !== null) out.push("text:", ...String(d.text).split("\n").map((l) => "  " + l));
    else if (d.blob !== undefined && d.blob !== null) out.push(`blob: ${blobBytes(d.blob)} bytes, checksum ${fnv(String(d.blob))}`);
  } else {
    out.push("arguments:");
    for (const a of d.arguments || [])
      out.push(`  ${a.name} (${a.required ? "required" : "optional"})${a.description ? ": " + a.description : ""}${valuesText(a.values) ? ` · offers ${valuesText(a.values)}` : ""}`);
    if (computed) out.push("messages: built by main()");
    else {
      out.push("messages:");
      (d.messages || []).forEach((m, i) => {
        out.push(`  ${i + 1}. ${m.role}`);
        out.push(...contentLines(m.content, "     "));
      });
    }
  }
  return out.join("\n");
}

// One line for a list of items: where a resource is read from, or what
// a prompt asks for.
export function definitionSummary(t) {
  const kind = kindOf(t);
  const d = t.definition || {};
  const computed = isComputed(kind, d, t.python_code);
  if (kind === "resource")
    return h("div", { class: "small", dataset: { testid: "summary" } }, uriLine(d.uri),
      h("span", { class: "muted" }, ` · ${d.mime_type || "no MIME type"} · `,
        computed ? "computed by read()" : d.blob !== undefined && d.blob !== null ? `blob (${blobBytes(d.blob)} bytes)`
          : `text (${String(d.text ?? "").length} characters)`));
  if (kind === "prompt") {
    const args = d.arguments || [];
    return h("div", { class: "small", dataset: { testid: "summary" } },
      args.length ? ["arguments ", args.map((a, i) => [i ? ", " : "", h("code", null, a.name), a.required ? "*" : ""])] : "no arguments",
      h("span", { class: "muted" }, " · ", computed ? "built by main()" : `${(d.messages || []).length} message${(d.messages || []).length === 1 ? "" : "s"}`));
  }
  return null;
}
