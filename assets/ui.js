// DOM helpers shared by every page. Text always goes in as textContent,
// never as HTML, so nothing the API returns can become markup; styles are
// classes (the CSP allows no inline style attributes).

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") el.className = v;
      else if (k === "text") el.textContent = v;
      else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
      else if (k === "dataset") Object.assign(el.dataset, v);
      else if (k === "value") el.value = v;
      else if (k === "checked") el.checked = !!v;
      else if (v === true) el.setAttribute(k, "");
      else el.setAttribute(k, v);
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function fmtTime(s) {
  if (!s) return "—";
  const d = new Date(s);
  if (isNaN(d)) return s;
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

export function ago(s) {
  if (!s) return "—";
  const sec = Math.round((Date.now() - new Date(s).getTime()) / 1000);
  if (sec < 60) return `${Math.max(sec, 0)} s ago`;
  if (sec < 3600) return `${Math.floor(sec / 60)} min ago`;
  if (sec < 86400) return `${Math.floor(sec / 3600)} h ago`;
  return `${Math.floor(sec / 86400)} d ago`;
}

const STATUS_LABEL = {
  pending_review: "pending review",
  approved: "approved",
  rejected: "rejected",
  draft: "draft",
  running: "running",
  stopped: "stopped",
  pending: "pending",
};

export function badge(status, extra) {
  return h("span", { class: `badge badge-${status}${extra ? " " + extra : ""}`, dataset: { status } },
    STATUS_LABEL[status] || status);
}

export function toast(message, kind = "ok") {
  const root = document.getElementById("toasts");
  const t = h("div", { class: `toast toast-${kind}`, role: kind === "error" ? "alert" : "status" }, message);
  root.append(t);
  while (root.children.length > 3) root.firstChild.remove();
  setTimeout(() => t.remove(), kind === "error" ? 8000 : 4000);
}

// Show an API error: per-field messages next to the inputs of `form`
// (by name), the rest in the form's error box.
export function showErrors(form, err) {
  clearErrors(form);
  const fields = (err && err.fields) || {};
  let placed = 0;
  for (const [name, msg] of Object.entries(fields)) {
    const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
    if (!input) continue;
    input.setAttribute("aria-invalid", "true");
    const box = h("div", { class: "field-error", dataset: { field: name } }, String(msg));
    (input.closest(".field") || input.parentElement).append(box);
    placed++;
  }
  const general = form.querySelector(".form-error");
  const rest = Object.entries(fields).filter(([n]) => !form.querySelector(`[name="${CSS.escape(n)}"]`));
  if (general && (!placed || rest.length)) {
    general.textContent = (err && err.message) || "Something went wrong.";
    if (rest.length) general.textContent += ": " + rest.map(([n, m]) => `${n}: ${m}`).join("; ");
    general.hidden = false;
  } else if (!general && !placed) {
    toast((err && err.message) || "Something went wrong.", "error");
  }
}

export function clearErrors(form) {
  form.querySelectorAll(".field-error").forEach((e) => e.remove());
  form.querySelectorAll("[aria-invalid]").forEach((e) => e.removeAttribute("aria-invalid"));
  const general = form.querySelector(".form-error");
  if (general) {
    general.textContent = "";
    general.hidden = true;
  }
}

export function field(label, input, hint) {
  const id = input.id || "f-" + Math.random().toString(36).slice(2, 9);
  input.id = id;
  return h("div", { class: "field" },
    h("label", { for: id }, label), input, hint ? h("div", { class: "hint" }, hint) : null);
}

export function formError() {
  return h("div", { class: "form-error", role: "alert", hidden: true });
}

// Run `fn` with the submit button disabled; errors go to the form.
export async function busy(form, fn) {
  const btns = form.querySelectorAll("button");
  btns.forEach((b) => (b.disabled = true));
  clearErrors(form);
  try {
    return await fn();
  } catch (e) {
    showErrors(form, e);
    return undefined;
  } finally {
    btns.forEach((b) => (b.disabled = false));
  }
}

// A confirmation modal (never window.confirm). Resolves to null when
// cancelled, or to {reason} (reason "" unless asked for). `body` adds
// nodes (fields) to the form; with `action`, confirming runs it in the
// dialog (errors shown there, by field name) and resolves to its result.
export function confirmDialog({ title, message, confirm = "Confirm", danger = false, reason = false, reasonLabel = "Reason", body = null, action = null }) {
  return new Promise((resolve) => {
    const root = document.getElementById("modal-root");
    const prev = document.activeElement;
    const area = reason ? h("textarea", { name: "reason", rows: 3, required: true, maxlength: 2000 }) : null;
    const err = formError();
    const ok = h("button", { type: "submit", class: danger ? "btn btn-danger" : "btn btn-primary", dataset: { action: "confirm" } }, confirm);
    const cancel = h("button", { type: "button", class: "btn", dataset: { action: "cancel" } }, "Cancel");
    const form = h("form", { class: "modal", novalidate: true, role: "dialog", "aria-modal": "true", "aria-labelledby": "modal-title" },
      h("h2", { id: "modal-title" }, title),
      message ? (message instanceof Node ? message : h("p", null, message)) : null,
      area ? field(reasonLabel, area) : null,
      body,
      err,
      h("div", { class: "modal-actions" }, cancel, ok));
    const backdrop = h("div", { class: "backdrop" }, form);
    let working = false;
    function done(v) {
      document.removeEventListener("keydown", onKey);
      backdrop.remove();
      if (prev && prev.focus) prev.focus();
      resolve(v);
    }
    function onKey(e) {
      if (e.key === "Escape" && !working) done(null);
    }
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (area && !area.value.trim()) {
        showErrors(form, { fields: { reason: "a reason is required" } });
        area.focus();
        return;
      }
      const v = { reason: area ? area.value.trim() : "" };
      if (!action) return void done(v);
      working = true;
      let failed = false;
      busy(form, async () => {
        try {
          v.result = await action();
        } catch (x) {
          failed = true;
          throw x;
        }
      }).then(() => {
        working = false;
        if (!failed) done(v);
      });
    });
    cancel.addEventListener("click", () => done(null));
    backdrop.addEventListener("mousedown", (e) => {
      if (e.target === backdrop && !working) done(null);
    });
    document.addEventListener("keydown", onKey);
    root.append(backdrop);
    (area || form.querySelector("input") || ok).focus();
  });
}

export function tabs(items, active, hrefFor) {
  return h("nav", { class: "tabs", role: "tablist" },
    items.map(([key, label]) => h("a", {
      href: hrefFor(key),
      role: "tab",
      class: key === active ? "tab active" : "tab",
      "aria-selected": key === active ? "true" : "false",
      dataset: { tab: key },
    }, label)));
}

export function pager(data, onPage) {
  const pages = Math.max(1, Math.ceil((data.total || 0) / (data.page_size || 1)));
  const page = data.page || 1;
  return h("div", { class: "pager" },
    h("button", { class: "btn btn-small", type: "button", disabled: page <= 1, onclick: () => onPage(page - 1) }, "‹ Previous"),
    h("span", { class: "muted" }, `Page ${page} of ${pages} · ${data.total || 0} in all`),
    h("button", { class: "btn btn-small", type: "button", disabled: page >= pages, onclick: () => onPage(page + 1) }, "Next ›"));
}

// "1 tool", "2 tools"; `many` for a plural that is not word + "s".
export function plural(n, word, many) {
  return `${n} ${n === 1 ? word : many || word + "s"}`;
}

// What an id that names nothing shows (a deleted server, a stale link):
// what it was, why it may be gone, and where to go instead.
export function notFound(title, message, ...links) {
  return [h("div", { class: "page-head" }, h("h1", null, title)),
    h("div", { class: "empty", dataset: { testid: "not-found" } }, h("h3", null, message),
      h("p", null, links.map(([href, label], i) => [i ? " · " : null, h("a", { href }, label)])))];
}

export function empty(title, ...body) {
  return h("div", { class: "empty" }, h("h3", null, title), ...body);
}

export function loading() {
  return h("div", { class: "loading", role: "status" }, "Loading…");
}

export function errorBox(e) {
  return h("div", { class: "error-box", role: "alert" }, (e && e.message) || String(e));
}

export function copyButton(getText, testid) {
  const b = h("button", { type: "button", class: "btn btn-small", dataset: testid ? { testid } : null }, "Copy");
  b.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(getText());
      b.textContent = "Copied";
    } catch {
      b.textContent = "Select and copy";
    }
    setTimeout(() => (b.textContent = "Copy"), 1500);
  });
  return b;
}

// /mcp, or one server's own endpoint /mcp/{server}.
export function mcpUrl(server) {
  return location.origin + (server ? `/mcp/${server}` : "/mcp");
}

export function claudeConfig(server) {
  return JSON.stringify({ mcpServers: { [server || "mcpbox"]: { command: "npx", args: ["mcp-remote", mcpUrl(server)] } } }, null, 2);
}

// How to connect an MCP client: shown wherever there is nothing yet.
export function connectHelp() {
  const cfg = claudeConfig();
  return h("div", { class: "connect" },
    h("p", null, "Tools are written by your LLM client through MCP. Point Claude Desktop at this server by adding this to ",
      h("code", null, "claude_desktop_config.json"), ", then restart it:"),
    h("div", { class: "snippet" }, h("pre", { class: "code", dataset: { snippet: "claude-desktop" } }, cfg), copyButton(() => cfg)),
    h("p", null, "Other clients speak Streamable HTTP at ", h("code", null, mcpUrl()),
      " or the legacy SSE transport at ", h("code", null, location.origin + "/sse"), "."),
    h("p", null, "Then ask the LLM to create a server and a tool (", h("code", null, "mcpbox_create_server"), ", ",
      h("code", null, "mcpbox_create_tool"), ", ", h("code", null, "mcpbox_request_publish"),
      "). The tool shows up under ", h("a", { href: "#/approvals" }, "Approvals"), " for you to review."));
}

export function kv(rows) {
  return h("dl", { class: "kv" }, rows.filter(Boolean).map(([k, v]) => [h("dt", null, k), h("dd", null, v)]));
}

export function pretty(v) {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  return JSON.stringify(v, null, 2);
}
