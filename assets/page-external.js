// External MCP sources of one server (docs/EXTERNAL-SOURCES.md): list,
// add, discover (MCPbox connects with its own client), import discovered
// tools as drafts that go through Approvals, delete. Exports
// render(root, server, rerender) for the server page's "External" tab.
import { api } from "./api.js";
import { h, clear, loading, errorBox, empty, field, formError, busy, toast, confirmDialog, badge, ago } from "./ui.js";

function sourceCard(src, server, reload) {
  const card = h("section", { class: "panel", dataset: { testid: "external-source", source: src.name } });
  const head = h("div", null,
    h("h2", null, src.name, " ", badge(src.status)),
    h("p", null, h("code", { class: "small" }, src.url)),
    h("p", { class: "muted small" }, `${src.transport_type} · auth ${src.auth_type}` +
      (src.auth_secret_name ? ` (${src.auth_secret_name})` : "") + " · " +
      (src.last_discovered_at ? `${src.tool_count} tools, discovered ${ago(src.last_discovered_at)}` : "not discovered yet")));
  const discover = h("button", { type: "button", class: "btn btn-small" }, "Discover tools");
  const remove = h("button", { type: "button", class: "btn btn-small btn-danger-ghost" }, "Delete");
  const tools = h("div", { class: "tab-body" });
  discover.addEventListener("click", async () => {
    discover.disabled = true;
    try {
      const r = await api.post(`/api/external-sources/${src.id}/discover`, {});
      toast(`${r.tool_count} tools discovered.`);
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
  card.append(head, h("div", { class: "actions" }, discover, remove), tools);
  if (src.last_discovered_at) discovered(tools, src, reload);
  return card;
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
  const rows = d.discovered_tools.map((t) => {
    const cb = h("input", { type: "checkbox", value: t.name, disabled: t.imported });
    boxes.push(cb);
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
    h("tbody", null, rows))), importBtn);
}

function addForm(server, reload) {
  const name = h("input", { name: "name", required: true, maxlength: 64, pattern: "[a-z][a-z0-9_]*", placeholder: "github" });
  const url = h("input", { name: "url", required: true, maxlength: 2048, placeholder: "https://mcp.example.com/mcp" });
  const transport = h("select", { name: "transport_type" },
    h("option", { value: "streamable_http" }, "Streamable HTTP"), h("option", { value: "sse" }, "HTTP + SSE (legacy)"));
  const auth = h("select", { name: "auth_type" },
    h("option", { value: "none" }, "None"), h("option", { value: "bearer" }, "Bearer token"), h("option", { value: "header" }, "Custom header"));
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
    if (auth.value !== "none") b.auth_secret_name = secret.value.trim();
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
  root.append(addForm(server, reload));
}
