// External MCP sources of one server (docs/EXTERNAL-SOURCES.md): list,
// add, authorize (OAuth sources, in a popup), discover (MCPbox connects
// with its own client), import discovered tools as drafts that go through
// Approvals, delete. Exports render(root, server, rerender) for the server
// page's "External" tab and oauthCallback(root) for the page the
// authorization server sends the browser back to.
import { api, isAdmin } from "./api.js";
import { h, clear, loading, errorBox, empty, field, formError, busy, toast, confirmDialog, badge, ago, plural } from "./ui.js";

function sourceCard(src, server, reload) {
  const card = h("section", { class: "panel", dataset: { testid: "external-source", source: src.name } });
  const head = h("div", null,
    h("h2", null, src.name, " ", badge(src.status)),
    h("p", null, h("code", { class: "small" }, src.url)),
    h("p", { class: "muted small" }, `${src.transport_type} · auth ${src.auth_type}` +
      (src.auth_secret_name ? ` (${src.auth_secret_name})` : "") + " · " +
      (src.last_discovered_at ? `${plural(src.tool_count, "tool")}, discovered ${ago(src.last_discovered_at)}` : "not discovered yet")));
  // MCPbox contacts a source only once an admin approved it as it is.
  if (src.approval_status && src.approval_status !== "approved")
    head.append(h("p", { class: "small", dataset: { testid: "source-review" } }, badge(src.approval_status), " ",
      src.approval_status === "rejected" ? "Rejected: MCPbox does not connect to it." : "Waits for review: MCPbox does not connect to it until it is approved in ",
      src.approval_status === "rejected" ? null : h("a", { href: "#/approvals/sources" }, "Approvals"), "."));
  const oauth = src.auth_type === "oauth";
  if (oauth)
    head.append(h("p", { class: "small", dataset: { testid: "oauth-state" } }, src.oauth_authorized
      ? `Authorized with ${src.oauth_issuer || "its authorization server"} ${ago(src.oauth_authorized_at)}.`
      : "Not authorized yet: MCPbox needs you to sign in to the source once."));
  const authorize = oauth ? h("button", { type: "button", class: `btn btn-small ${src.oauth_authorized ? "" : "btn-primary"}`, dataset: { testid: "oauth-authorize" } },
    src.oauth_authorized ? "Authorize again" : "Authorize") : null;
  if (authorize) authorize.addEventListener("click", () => startOAuth(src, authorize, reload));
  const discover = h("button", { type: "button", class: "btn btn-small" }, "Discover tools");
  const remove = h("button", { type: "button", class: "btn btn-small btn-danger-ghost" }, "Delete");
  const tools = h("div", { class: "tab-body" });
  discover.addEventListener("click", async () => {
    discover.disabled = true;
    try {
      const r = await api.post(`/api/external-sources/${src.id}/discover`, {});
      toast(`${plural(r.tool_count, "tool")} discovered.`);
      reload();
    } catch (e) {
      toast(e.message, "error");
      discover.disabled = false;
    }
  });
  remove.addEventListener("click", async () => {
    if (!(await confirmDialog({ title: `Delete ${src.name}?`, message: "Imported tools stay but can no longer reach the source.", confirm: "Delete source", danger: true }))) return;
    try {
      await api.del(`/api/external-sources/${src.id}`);
      toast(`${src.name} deleted.`);
      reload();
    } catch (e) {
      toast(e.message, "error");
    }
  });
  card.append(head, isAdmin() ? h("div", { class: "actions" }, authorize, discover, remove) : null, tools);
  if (src.last_discovered_at) discovered(tools, src, reload);
  return card;
}

// The authorization server sends the browser back to this page of ours
// (the panel at /oauth/external-callback), which hands the code to MCPbox.
const CALLBACK = "/oauth/external-callback";
const CHANNEL = "mcpbox-oauth";

async function startOAuth(src, btn, reload) {
  btn.disabled = true;
  let r;
  try {
    r = await api.post(`/api/external-sources/${src.id}/oauth/start`, { redirect_uri: location.origin + CALLBACK });
  } catch (e) {
    toast(e.message, "error");
    btn.disabled = false;
    return;
  }
  // The panel's Cross-Origin-Opener-Policy cuts the popup's opener once
  // it visits the authorization server: the page it comes back to
  // reports on a same-origin channel instead.
  const ch = new BroadcastChannel(CHANNEL);
  ch.onmessage = (ev) => {
    if (!ev.data || (ev.data.ok && ev.data.source_id !== src.id)) return;
    ch.close();
    if (ev.data.ok) toast(`${src.name} authorized.`);
    else toast(ev.data.message || "Authorization failed.", "error");
    reload();
  };
  const w = window.open(r.authorization_url, "mcpbox-oauth", "popup,width=620,height=760");
  // No popup (blocked): do it in this tab; the callback page comes back here.
  if (!w) location.assign(r.authorization_url);
}

// The callback page: exchange the code, tell the opener, close or go back.
export async function oauthCallback(root) {
  const q = new URLSearchParams(location.search);
  const card = h("div", { class: "auth-card", dataset: { testid: "oauth-callback" } }, h("h1", null, "Connecting the source…"));
  clear(root).append(card);
  // A popup closes (a tab the authorization ran in cannot: it goes back
  // to the server page instead).
  const finish = (msg) => {
    const ch = new BroadcastChannel(CHANNEL);
    ch.postMessage(msg);
    ch.close();
    window.close();
  };
  if (q.get("error")) {
    const message = `The authorization server said: ${q.get("error")}${q.get("error_description") ? ` (${q.get("error_description")})` : ""}`;
    clear(card).append(h("h1", null, "Not authorized"), h("p", { class: "error-box" }, message), h("p", null, h("a", { href: "/#/servers" }, "Back to the panel")));
    return;
  }
  try {
    const r = await api.post("/api/external-sources/oauth/exchange", { state: q.get("state") || "", code: q.get("code") || "" });
    finish({ ok: true, source_id: r.source_id });
    clear(card).append(h("h1", null, "Source authorized"), h("p", null, `${r.name} is connected.`),
      h("p", null, h("a", { href: `/#/servers/${r.server_id}/external`, class: "btn btn-primary" }, "Back to the server")));
    setTimeout(() => location.replace(`/#/servers/${r.server_id}/external`), 500);
  } catch (e) {
    finish({ ok: false, source_id: null, message: e.message });
    clear(card).append(h("h1", null, "Not authorized"), errorBox(e), h("p", null, h("a", { href: "/#/servers" }, "Back to the panel")));
  }
}

async function discovered(body, src, reload) {
  body.append(loading());
  let d;
  try {
    d = await api.get(`/api/external-sources/${src.id}`);
  } catch (e) {
    clear(body).append(errorBox(e));
    return;
  }
  clear(body);
  if (!d.discovered_tools.length) {
    body.append(empty("The source offers no tools"));
    return;
  }
  const boxes = [];
  const admin = isAdmin();
  const rows = d.discovered_tools.map((t) => {
    const cb = admin ? h("input", { type: "checkbox", value: t.name, disabled: t.imported }) : null;
    if (cb) boxes.push(cb);
    return h("tr", null, h("td", null, cb), h("td", null, h("code", null, t.name)),
      h("td", { class: "muted small" }, t.description || ""), h("td", null, t.imported ? badge("imported") : null));
  });
  const importBtn = h("button", { type: "button", class: "btn btn-primary btn-small" }, "Import selected as drafts");
  importBtn.addEventListener("click", async () => {
    const names = boxes.filter((b) => b.checked).map((b) => b.value);
    if (!names.length) return toast("Select tools to import.", "error");
    try {
      const r = await api.post(`/api/external-sources/${src.id}/import`, { tool_names: names });
      toast(`${r.imported.length} imported as drafts; approve them under Approvals.` +
        (r.skipped.length ? ` ${r.skipped.length} skipped (name taken).` : ""));
      reload();
    } catch (e) {
      toast(e.message, "error");
    }
  });
  body.append(h("div", { class: "table-wrap" }, h("table", { class: "table", dataset: { testid: "discovered-tools" } },
    h("thead", null, h("tr", null, h("th", null, ""), h("th", null, "Tool"), h("th", null, "Description"), h("th", null, ""))),
    h("tbody", null, rows))), admin ? importBtn : null);
}

function addForm(server, reload) {
  const name = h("input", { name: "name", required: true, maxlength: 64, pattern: "[a-z][a-z0-9_]*", placeholder: "github" });
  const url = h("input", { name: "url", required: true, maxlength: 2048, placeholder: "https://mcp.example.com/mcp" });
  const transport = h("select", { name: "transport_type" },
    h("option", { value: "streamable_http" }, "Streamable HTTP"), h("option", { value: "sse" }, "HTTP + SSE (legacy)"));
  const auth = h("select", { name: "auth_type" },
    h("option", { value: "none" }, "None"), h("option", { value: "bearer" }, "Bearer token"), h("option", { value: "header" }, "Custom header"),
    h("option", { value: "oauth" }, "OAuth 2.1 (sign in)"));
  const secret = h("input", { name: "auth_secret_name", maxlength: 64, placeholder: "API_TOKEN" });
  const header = h("input", { name: "auth_header_name", maxlength: 64, placeholder: "X-Api-Key" });
  const form = h("form", { class: "form panel" }, h("h2", null, "Add an external source"),
    h("div", { class: "row" }, field("Name", name), field("URL", url, "Private or loopback hosts need an allowed host on this server first.")),
    h("div", { class: "row" }, field("Transport", transport), field("Auth", auth),
      field("Secret", secret, "A server secret holding the token."), field("Header name", header, "For custom-header auth.")),
    formError(), h("button", { type: "submit", class: "btn btn-primary" }, "Add source"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const b = { name: name.value.trim(), url: url.value.trim(), transport_type: transport.value, auth_type: auth.value };
    if (auth.value === "bearer" || auth.value === "header") b.auth_secret_name = secret.value.trim();
    if (auth.value === "header") b.auth_header_name = header.value.trim();
    busy(form, async () => {
      await api.post(`/api/servers/${server.id}/external-sources`, b);
      toast(`${b.name} added.`);
      reload();
    });
  });
  return form;
}

export async function render(root, server, rerender) {
  const reload = () => {
    clear(root);
    render(root, server, rerender);
  };
  root.append(loading());
  let d;
  try {
    d = await api.get(`/api/servers/${server.id}/external-sources`);
  } catch (e) {
    clear(root).append(errorBox(e));
    return;
  }
  clear(root);
  if (!d.items.length)
    root.append(empty("No external sources", h("p", null, "Tools of another MCP server can be imported here and called through MCPbox after review.")));
  for (const src of d.items) root.append(sourceCard(src, server, reload));
  if (isAdmin()) root.append(addForm(server, reload));
}
