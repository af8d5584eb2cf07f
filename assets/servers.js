// Servers: the list, and one server with tabs for its tools, secrets,
// allowed hosts, external sources, execution logs and how to connect a
// client to its own endpoint, plus start/stop and delete.
//
// Secret values are write-only: inputs are password fields, cleared after
// every submit, and the API never returns a value (only has_value).
// Only admins change anything here: others see the same tabs without
// the buttons and forms.
import { api, qs, isAdmin } from "./api.js";
import { h, clear, loading, errorBox, empty, connectHelp, badge, tabs, field, formError, busy, toast,
  confirmDialog, pager, fmtTime, ago, pretty, mcpUrl, claudeConfig, copyButton, plural, notFound } from "./ui.js";
import * as externalPage from "./page-external.js";
import { kindOf, kindBadge, definitionSummary } from "./items.js";

export async function render(root, params) {
  if (params.id) return detail(root, params.id, params.tab);
  return list(root);
}

async function list(root) {
  root.append(h("div", { class: "page-head" }, h("h1", null, "Servers")));
  const body = root.appendChild(loading());
  let data;
  try {
    data = await api.get("/api/servers" + qs({ page: 1, page_size: 100 }));
  } catch (e) {
    return void body.replaceWith(errorBox(e));
  }
  if (!data.items.length) {
    return void body.replaceWith(h("section", { class: "panel" }, empty("No servers yet", connectHelp())));
  }
  body.replaceWith(h("div", { class: "cards", dataset: { testid: "server-list" } }, data.items.map((s) =>
    h("a", { class: "card server-card", href: `#/servers/${s.id}`, dataset: { server: s.name } },
      h("div", { class: "card-head" }, h("h2", null, s.name), badge(s.status)),
      h("p", { class: "muted" }, s.description || "No description."),
      h("div", { class: "card-foot muted" },
        `${plural(s.tool_count, "tool")} · ${s.approved_tool_count} approved`,
        s.pending_tool_count ? h("span", { class: "badge badge-pending_review" }, `${s.pending_tool_count} to review`) : null)))));
}

async function detail(root, id, tab) {
  let s;
  const head = root.appendChild(loading());
  try {
    s = await api.get(`/api/servers/${id}`);
  } catch (e) {
    // A deleted server, or a link from elsewhere: say so, not "no such resource".
    if (e.status === 404) return void head.replaceWith(...notFound("Server not found", "No server with this id; it may have been deleted.",
      ["#/servers", "Back to the servers list"]));
    return void head.replaceWith(errorBox(e));
  }
  const running = s.status === "running";
  const toggle = h("button", { type: "button", class: running ? "btn" : "btn btn-primary", dataset: { testid: running ? "server-stop" : "server-start" } },
    running ? "Stop" : "Start");
  toggle.addEventListener("click", async () => {
    if (running) {
      const ok = await confirmDialog({ title: `Stop ${s.name}?`, message: "Its tools disappear from every connected MCP client until you start it again.", confirm: "Stop server", danger: true });
      if (!ok) return;
    }
    try {
      await api.post(`/api/servers/${id}/${running ? "stop" : "start"}`, {});
      toast(running ? "Server stopped." : "Server started.");
      rerender();
    } catch (e) {
      toast(e.message, "error");
    }
  });
  const del = h("button", { type: "button", class: "btn btn-danger-ghost" }, "Delete");
  del.addEventListener("click", async () => {
    const ok = await confirmDialog({ title: `Delete ${s.name}?`, message: "The server, its tools, their versions and its secrets are deleted for good.", confirm: "Delete server", danger: true });
    if (!ok) return;
    try {
      await api.del(`/api/servers/${id}`);
      toast("Server deleted.");
      location.hash = "#/servers";
    } catch (e) {
      toast(e.message, "error");
    }
  });
  head.replaceWith(h("div", { class: "page-head" },
    h("div", null, h("div", { class: "crumbs" }, h("a", { href: "#/servers" }, "Servers"), " / "),
      h("h1", null, s.name, " ", badge(s.status)), s.description ? h("p", { class: "muted" }, s.description) : null),
    isAdmin() ? h("div", { class: "actions" }, toggle, del) : null));
  root.append(tabs([["tools", `Tools (${s.tools.length})`], ["secrets", `Secrets (${s.secrets.length})`],
    ["hosts", `Allowed hosts (${s.allowed_hosts.length})`], ["external", "External sources"], ["logs", "Execution logs"],
    ["connect", "Connect"]], tab, (k) => `#/servers/${id}/${k}`));
  const body = root.appendChild(h("div", { class: "tab-body" }));
  function rerender() {
    clear(root);
    detail(root, id, tab);
  }
  if (tab === "tools") toolsTab(body, s, rerender);
  else if (tab === "secrets") secretsTab(body, s, rerender);
  else if (tab === "hosts") hostsTab(body, s, rerender);
  else if (tab === "external") externalPage.render(body, s, rerender);
  else if (tab === "connect") connectTab(body, s);
  else logsTab(body, s);
}

// This server's own endpoint: its approved tools under their own names,
// without the management tools, for a client that should see it alone.
function connectTab(body, s) {
  const url = mcpUrl(s.name);
  const first = s.tools.find((t) => kindOf(t) === "tool");
  const code = `claude mcp add --transport http ${s.name} ${url}`;
  const cfg = claudeConfig(s.name);
  const snip = (text, id) => h("div", { class: "snippet" }, h("pre", { class: "code", dataset: { snippet: id } }, text), copyButton(() => text));
  body.append(
    h("p", null, "This server's own MCP endpoint serves its approved tools under their own names (",
      h("code", null, first ? first.name : "get_weather"), ", not ",
      h("code", null, `${s.name}__${first ? first.name : "get_weather"}`),
      ") and no management tools. Tools are still written on ", h("code", null, mcpUrl()), "."),
    h("h3", null, "Streamable HTTP"), snip(url, "server-url"),
    h("h3", null, "Claude Code"), snip(code, "claude-code"),
    h("h3", null, "Claude Desktop"), snip(cfg, "claude-desktop"),
    h("p", { class: "muted" }, "Clients of the older HTTP+SSE transport use ",
      h("code", null, `${location.origin}/sse/${s.name}`), ".",
      s.status === "running" ? "" : " The server is stopped: its endpoint answers with an error until you start it."),
    h("p", { class: "muted" }, "A client that needs a client token (remote clients, or local ones when the security policy asks for it) gets one from ",
      isAdmin() ? h("a", { href: "#/tokens" }, "Tokens") : "an admin (Tokens)",
      `; a token made for ${s.name} alone comes with this endpoint in its configuration.`));
}

function toolsTab(body, s, rerender) {
  if (!s.tools.length) {
    body.append(empty("This server has no tools yet",
      h("p", null, "Ask your LLM to add one with ", h("code", null, "mcpbox_create_tool"), " (or a resource, a prompt: ",
        h("code", null, "mcpbox_create_resource"), ", ", h("code", null, "mcpbox_create_prompt"), "; server id ",
        h("code", null, s.id), "), then ", h("code", null, "mcpbox_request_publish"), ".")));
    return;
  }
  body.append(h("div", { class: "table-wrap" }, h("table", { class: "table", dataset: { testid: "tools-table" } },
    h("thead", null, h("tr", null, h("th", null, "Name"), h("th", null, "Kind"), h("th", null, "Status"), h("th", null, "Version"), h("th", null, "Enabled"), h("th", null, "Updated"))),
    h("tbody", null, s.tools.map((t) => {
      const cb = h("input", { type: "checkbox", checked: t.enabled, "aria-label": `Enable ${t.name}`, dataset: { testid: "tool-enabled" } });
      if (isAdmin()) cb.addEventListener("change", async () => {
        cb.disabled = true;
        try {
          await api.patch(`/api/tools/${t.id}`, { enabled: cb.checked });
          toast(`${t.name} ${cb.checked ? "enabled" : "disabled"}.`);
        } catch (e) {
          cb.checked = !cb.checked;
          toast(e.message, "error");
        } finally {
          cb.disabled = false;
        }
      });
      return h("tr", { dataset: { tool: t.name, kind: kindOf(t) } },
        h("td", null, h("a", { href: `#/servers/${s.id}/tools/${t.id}` }, h("strong", null, t.name)),
          t.description ? h("div", { class: "muted small" }, t.description) : null, definitionSummary(t)),
        h("td", null, kindBadge(kindOf(t))),
        h("td", null, badge(t.approval_status)),
        h("td", null, "v" + t.current_version),
        h("td", null, isAdmin() ? h("label", { class: "switch" }, cb, h("span", { class: "slider", "aria-hidden": "true" }))
          : h("span", { class: "muted", dataset: { testid: "tool-enabled-text" } }, t.enabled ? "yes" : "no")),
        h("td", { class: "muted", title: fmtTime(t.updated_at) }, ago(t.updated_at)));
    })))));
}

function secretsTab(body, s, rerender) {
  const list = h("div", { class: "secrets", dataset: { testid: "secrets" } });
  if (!isAdmin()) return void secretsRead(body, s, list);
  if (!s.secrets.length) {
    list.append(empty("No secrets", h("p", null, "Tools read secrets as ", h("code", null, "secrets[\"KEY\"]"),
      ". Declare one below (or let the LLM declare it with ", h("code", null, "mcpbox_create_server_secret"), "), then set its value here.")));
  }
  for (const sec of s.secrets) {
    const input = h("input", { type: "password", name: "value", autocomplete: "new-password", placeholder: sec.has_value ? "New value" : "Value", required: true, dataset: { testid: "secret-input" } });
    const form = h("form", { class: "secret-row", dataset: { secret: sec.key } },
      h("div", { class: "secret-key" }, h("code", null, sec.key),
        sec.has_value ? h("span", { class: "badge badge-approved" }, "value set") : h("span", { class: "badge badge-draft" }, "no value"),
        sec.description ? h("div", { class: "muted small" }, sec.description) : null),
      h("div", { class: "field inline" }, input),
      h("button", { type: "submit", class: "btn btn-primary", dataset: { testid: "secret-save" } }, sec.has_value ? "Replace" : "Set"),
      h("button", { type: "button", class: "btn btn-danger-ghost", dataset: { testid: "secret-delete" } }, "Delete"),
      formError());
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const value = input.value;
      input.value = "";
      busy(form, async () => {
        await api.put(`/api/servers/${s.id}/secrets/${encodeURIComponent(sec.key)}`, { value });
        toast(`Value of ${sec.key} saved.`);
        rerender();
      });
    });
    form.querySelector("[data-testid=secret-delete]").addEventListener("click", async () => {
      const ok = await confirmDialog({ title: `Delete ${sec.key}?`, message: "Tools that read this secret will fail until it is set again.", confirm: "Delete secret", danger: true });
      if (!ok) return;
      try {
        await api.del(`/api/servers/${s.id}/secrets/${encodeURIComponent(sec.key)}`);
        toast(`${sec.key} deleted.`);
        rerender();
      } catch (e) {
        toast(e.message, "error");
      }
    });
    list.append(form);
  }
  const key = h("input", { name: "key", required: true, maxlength: 64, placeholder: "API_KEY", autocomplete: "off", dataset: { testid: "new-secret-key" } });
  const desc = h("input", { name: "description", maxlength: 2000, autocomplete: "off" });
  const value = h("input", { name: "value", type: "password", autocomplete: "new-password", dataset: { testid: "new-secret-value" } });
  const add = h("form", { class: "form panel", dataset: { testid: "secret-add" } }, h("h2", null, "Add a secret"),
    h("div", { class: "row" }, field("Key", key, "Upper-case letters, digits and _."), field("Description", desc), field("Value (optional)", value)),
    formError(), h("button", { type: "submit", class: "btn btn-primary" }, "Add secret"));
  add.addEventListener("submit", (e) => {
    e.preventDefault();
    const b = { key: key.value.trim(), description: desc.value };
    if (value.value) b.value = value.value;
    value.value = "";
    busy(add, async () => {
      await api.post(`/api/servers/${s.id}/secrets`, b);
      toast(`${b.key} added.`);
      rerender();
    });
  });
  body.append(list, add);
}

// The keys and whether each has a value, for those who set none.
function secretsRead(body, s, list) {
  if (!s.secrets.length) list.append(empty("No secrets", h("p", null, "Tools read secrets as ", h("code", null, "secrets[\"KEY\"]"), ". Admins set their values.")));
  for (const sec of s.secrets) {
    list.append(h("div", { class: "secret-row", dataset: { secret: sec.key } },
      h("div", { class: "secret-key" }, h("code", null, sec.key),
        sec.has_value ? h("span", { class: "badge badge-approved" }, "value set") : h("span", { class: "badge badge-draft" }, "no value"),
        sec.description ? h("div", { class: "muted small" }, sec.description) : null)));
  }
  body.append(list, h("p", { class: "muted read-only", dataset: { testid: "read-only" } }, "Only admins set, replace and delete secret values."));
}

function hostsTab(body, s, rerender) {
  const hosts = s.allowed_hosts.slice().sort((a, b) => a.host.localeCompare(b.host));
  if (!hosts.length) {
    body.append(empty("No outbound hosts", h("p", null, "Tools of this server can't reach the network. ", isAdmin() ? "Add a host below, or approve" : "An admin adds a host, or a reviewer approves",
      " a network request from a tool under ",
      h("a", { href: "#/approvals/network" }, "Approvals"), ".")));
  } else {
    body.append(h("ul", { class: "plain hosts", dataset: { testid: "hosts" } }, hosts.map((x) => {
      // No port stored is port 443, as the broker reads it: say so.
      const label = `${x.host}:${x.port || 443}`;
      const rm = isAdmin() ? h("button", { type: "button", class: "btn btn-small btn-danger-ghost" }, "Remove") : null;
      if (rm) rm.addEventListener("click", async () => {
        const ok = await confirmDialog({ title: `Remove ${label}?`, message: "Tools of this server will no longer reach it.", confirm: "Remove host", danger: true });
        if (!ok) return;
        try {
          await api.del(`/api/servers/${s.id}/allowed-hosts` + qs({ host: x.host, port: x.port }));
          toast(`${label} removed.`);
          rerender();
        } catch (e) {
          toast(e.message, "error");
        }
      });
      return h("li", { class: "host-row", dataset: { host: x.port ? label : x.host, port: String(x.port || 443) } }, h("code", null, label),
        x.port ? null : h("span", { class: "muted small" }, "no port named: https on 443 only"), rm);
    })));
  }
  if (!isAdmin()) return;
  const host = h("input", { name: "host", required: true, maxlength: 253, placeholder: "api.example.com", autocomplete: "off" });
  const port = h("input", { name: "port", type: "number", min: 1, max: 65535, placeholder: "443" });
  const form = h("form", { class: "form panel", dataset: { testid: "host-add" } }, h("h2", null, "Allow a host"),
    h("div", { class: "row" }, field("Host", host), field("Port", port, "Empty means port 443 (https) only, not any port; to allow another port, enter it.")),
    formError(), h("button", { type: "submit", class: "btn btn-primary" }, "Add host"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const b = { host: host.value.trim() };
    if (port.value) b.port = Number(port.value);
    busy(form, async () => {
      await api.post(`/api/servers/${s.id}/allowed-hosts`, b);
      toast(`${b.host}:${b.port || 443} allowed.`);
      rerender();
    });
  });
  body.append(form);
}

export function logTable(items) {
  return h("div", { class: "table-wrap" }, h("table", { class: "table logs", dataset: { testid: "exec-logs" } },
    h("thead", null, h("tr", null, h("th", null, "When"), h("th", null, "Tool"), h("th", null, "Result"), h("th", { class: "num" }, "ms"), h("th", null, "Caller"))),
    h("tbody", null, items.map((l) => {
      const det = h("details", null, h("summary", null, "details"),
        h("div", { class: "log-detail" },
          h("div", { class: "muted small" }, "Arguments"), h("pre", { class: "code small" }, pretty(l.input_args)),
          l.success ? [h("div", { class: "muted small" }, "Result"), h("pre", { class: "code small" }, pretty(l.result))] : null,
          l.stdout ? [h("div", { class: "muted small" }, "Output"), h("pre", { class: "code small" }, l.stdout)] : null));
      return h("tr", { class: l.success ? "" : "row-bad", dataset: { tool: l.tool_name } },
        h("td", { title: fmtTime(l.created_at) }, ago(l.created_at)),
        h("td", null, h("code", null, l.tool_name)),
        h("td", null, h("span", { class: l.success ? "badge badge-approved" : "badge badge-rejected" }, l.success ? "ok" : "error"),
          // A failure says why in the row itself; the rest is one click away.
          l.success ? null : h("pre", { class: "log-error small", dataset: { testid: "log-error" } }, l.error || "(no message)"), det),
        h("td", { class: "num" }, String(l.duration_ms ?? "")),
        h("td", { class: "muted" }, (l.caller_source || "") + (l.is_test ? " (test)" : "")));
    }))));
}

function logsTab(body, s) {
  let page = 1;
  const filter = h("select", { name: "success", "aria-label": "Filter by result" },
    h("option", { value: "" }, "All calls"), h("option", { value: "true" }, "Succeeded"), h("option", { value: "false" }, "Failed"));
  const reload = h("button", { type: "button", class: "btn btn-small" }, "Refresh");
  const out = h("div");
  filter.addEventListener("change", () => {
    page = 1;
    load();
  });
  reload.addEventListener("click", () => load());
  body.append(h("div", { class: "toolbar" }, filter, reload), out);
  async function load() {
    clear(out).append(loading());
    try {
      const d = await api.get(`/api/servers/${s.id}/execution-logs` + qs({ page, page_size: 25, success: filter.value }));
      clear(out);
      if (!d.items.length) {
        out.append(empty("No calls yet", h("p", null, "Calls of this server's tools through MCP are logged here. Approve a tool, start the server, and call it from your client.")));
        return;
      }
      out.append(logTable(d.items), pager(d, (p) => {
        page = p;
        load();
      }));
    } catch (e) {
      clear(out).append(errorBox(e));
    }
  }
  load();
}
