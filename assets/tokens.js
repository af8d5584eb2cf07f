// Client tokens (admins only; docs/USERS-AND-TOKENS.md): credentials for
// MCP clients, each limited to some servers (or all) and a scope. A new
// token is shown once, on this page, with a ready client configuration;
// MCPbox keeps only its hash. It lives in this page's memory alone: never
// in storage or the URL, and gone on navigation or "Done". The list also
// shows the rows OAuth consents made (source "oauth"), revocable alike.
import { api, qs } from "./api.js";
import { h, clear, loading, errorBox, empty, field, formError, busy, toast, confirmDialog, copyButton, fmtTime, ago, pager, mcpUrl } from "./ui.js";

const SCOPES = [
  ["call", "Call: sees the approved tools, resources and prompts of its servers, and nothing else."],
  ["author", "Author: also the mcpbox_* management tools, to write tools for its servers (they still wait for review)."],
];
const PLACEHOLDER = "<token>";

// A token of exactly one server gets that server's own endpoint.
export function tokenUrl(servers) {
  return Array.isArray(servers) && servers.length === 1 ? mcpUrl(servers[0]) : mcpUrl();
}

export function claudeCode(url, token) {
  return `claude mcp add --transport http mcpbox ${url} --header "Authorization: Bearer ${token}"`;
}

export function claudeDesktop(url, token) {
  return JSON.stringify({ mcpServers: { mcpbox: { command: "npx", args: ["mcp-remote", url, "--header", "Authorization:${AUTH_HEADER}"],
    env: { AUTH_HEADER: `Bearer ${token}` } } } }, null, 2);
}

function snip(text, id) {
  return h("div", { class: "snippet" }, h("pre", { class: "code wrap", dataset: { snippet: id } }, text), copyButton(() => text, "copy-" + id));
}

// How to use a token: Claude Code, Claude Desktop, the bare endpoint.
function configs(servers, token, prefix) {
  const url = tokenUrl(servers);
  return [
    h("h3", null, "Claude Code"), snip(claudeCode(url, token), `${prefix}claude-code`),
    h("h3", null, "Claude Desktop ", h("span", { class: "muted small" }, "(claude_desktop_config.json, through mcp-remote)")),
    snip(claudeDesktop(url, token), `${prefix}claude-desktop`),
    h("h3", null, "Streamable HTTP endpoint"), snip(url, `${prefix}url`),
    h("p", { class: "muted small" }, "Any other client sends ", h("code", null, "Authorization: Bearer " + (token === PLACEHOLDER ? PLACEHOLDER : "mcpbox_ct_…")),
      " with every request to this endpoint."),
  ];
}

const serversText = (s) => (Array.isArray(s) ? s : null);

export async function render(root) {
  root.append(h("div", { class: "page-head" },
    h("div", null, h("h1", null, "Client tokens"),
      h("p", { class: "muted" }, "Credentials for MCP clients: each sees only its servers, to call tools or also to author them. Revoking one ends its access at once."))));
  const reveal = h("div");
  const out = h("div", null, loading());
  root.append(reveal, out);
  let servers = [];
  try {
    servers = (await api.get("/api/servers" + qs({ page: 1, page_size: 100 }))).items.map((s) => s.name);
  } catch {
    // The form offers "all servers" alone.
  }
  let page = 1;
  root.append(createForm(servers, (t) => {
    showNew(reveal, t);
    page = 1;
    load();
  }));

  function row(t) {
    const list = serversText(t.servers);
    const expired = t.expires_at && new Date(t.expires_at) <= new Date();
    const cfgRow = h("tr", { class: "token-config", hidden: true, dataset: { testid: "token-config" } },
      h("td", { colspan: 7 }, h("p", { class: "muted small" }, `The token of ${t.name} was shown once, when it was made: put it in place of ${PLACEHOLDER}.`),
        configs(list, PLACEHOLDER, "cfg-")));
    const cfg = t.source === "token" ? h("button", { type: "button", class: "btn btn-small", dataset: { action: "config" }, "aria-expanded": "false" }, "Config") : null;
    if (cfg) cfg.addEventListener("click", () => {
      cfgRow.hidden = !cfgRow.hidden;
      cfg.setAttribute("aria-expanded", cfgRow.hidden ? "false" : "true");
    });
    const revoke = h("button", { type: "button", class: "btn btn-small btn-danger", dataset: { action: "revoke" } }, "Revoke");
    revoke.addEventListener("click", async () => {
      const ok = await confirmDialog({ title: `Revoke ${t.name}?`,
        message: t.source === "oauth" ? "The OAuth client's access ends at once, on every instance; it must be authorized again."
          : "Clients using it are refused at once, on every instance, and their sessions end. This cannot be undone.",
        confirm: "Revoke token", danger: true });
      if (!ok) return;
      try {
        await api.del(`/api/client-tokens/${t.id}`);
        toast(`${t.name} revoked.`);
        load();
      } catch (e) {
        toast(e.message, "error");
      }
    });
    return [h("tr", { dataset: { token: t.name, id: t.id, source: t.source } },
      h("td", null, h("strong", null, t.name), h("div", { class: "muted small" }, `by ${t.created_by || "—"}, ${fmtTime(t.created_at)}`)),
      h("td", null, h("span", { class: `badge scope-${t.scope}`, dataset: { testid: "token-scope" } }, t.scope)),
      h("td", { dataset: { testid: "token-servers" } }, list ? list.map((s) => h("code", { class: "tag" }, s)) : h("span", { class: "muted" }, "all servers")),
      h("td", null, t.source === "oauth" ? "OAuth consent" : "token"),
      h("td", { title: fmtTime(t.expires_at) }, !t.expires_at ? h("span", { class: "muted" }, "never")
        : expired ? h("span", { class: "badge badge-rejected" }, "expired") : fmtTime(t.expires_at)),
      h("td", { class: "muted", title: fmtTime(t.last_used_at), dataset: { testid: "token-last-used" } }, t.last_used_at ? ago(t.last_used_at) : "never"),
      h("td", null, h("div", { class: "actions" }, cfg, revoke))), cfgRow];
  }

  async function load() {
    clear(out).append(loading());
    let d;
    try {
      d = await api.get("/api/client-tokens" + qs({ page, page_size: 50 }));
    } catch (e) {
      return void clear(out).append(errorBox(e));
    }
    if (!d.items.length) {
      return void clear(out).append(h("section", { class: "panel" }, empty("No client tokens",
        h("p", null, "Clients on this machine need none unless the security policy says so (Settings → Security policy). Make one below for a client that should see only some servers, or that comes from elsewhere."))));
    }
    clear(out).append(h("section", { class: "panel" }, h("div", { class: "table-wrap" }, h("table", { class: "table", dataset: { testid: "tokens" } },
      h("thead", null, h("tr", null, h("th", null, "Name"), h("th", null, "Scope"), h("th", null, "Servers"), h("th", null, "Source"),
        h("th", null, "Expires"), h("th", null, "Last used"), h("th", null, ""))),
      h("tbody", null, d.items.map(row)))),
    d.total > d.page_size ? pager(d, (p) => {
      page = p;
      load();
    }) : null));
  }
  await load();
}

// The new token, once. Its configuration is ready to paste.
function showNew(box, t) {
  const done = h("button", { type: "button", class: "btn btn-primary", dataset: { testid: "token-done" } }, "Done: I have copied it");
  done.addEventListener("click", () => clear(box));
  clear(box).append(h("section", { class: "panel token-new", dataset: { testid: "new-token", token: t.name } },
    h("h2", null, `Token ${t.name} created`),
    h("p", { class: "warning", role: "alert" }, "Copy it now: it is shown this once. MCPbox keeps only its hash and cannot show it again; if it is lost, revoke it and make another."),
    h("div", { class: "snippet" }, h("pre", { class: "code wrap", dataset: { testid: "token-value" } }, t.token), copyButton(() => t.token, "copy-token")),
    h("p", { class: "muted small" }, `${t.scope === "author" ? "Author" : "Call"} scope, `,
      Array.isArray(t.servers) ? `server${t.servers.length === 1 ? "" : "s"} ${t.servers.join(", ")}` : "all servers",
      t.expires_at ? `, until ${fmtTime(t.expires_at)}.` : ", no expiry."),
    configs(t.servers, t.token, "token-"),
    h("div", { class: "actions" }, done)));
  box.scrollIntoView({ block: "start" });
}

function createForm(servers, created) {
  const name = h("input", { name: "name", required: true, maxlength: 64, autocomplete: "off", placeholder: "laptop claude code", dataset: { testid: "token-name" } });
  const scopes = SCOPES.map(([v, text], i) => h("label", { class: "choice" },
    h("input", { type: "radio", name: "scope", value: v, checked: i === 0, dataset: { testid: `scope-${v}` } }), " ", text));
  const all = h("input", { type: "radio", name: "servers_mode", value: "all", checked: true, dataset: { testid: "servers-all" } });
  const some = h("input", { type: "radio", name: "servers_mode", value: "some", disabled: !servers.length, dataset: { testid: "servers-some" } });
  const boxes = servers.map((s) => h("input", { type: "checkbox", name: "servers", value: s, dataset: { server: s } }));
  const picks = h("div", { class: "choices", hidden: true, dataset: { testid: "server-picks" } },
    boxes.map((b) => h("label", { class: "choice" }, b, " ", h("code", null, b.value))));
  const paint = () => (picks.hidden = !some.checked);
  all.addEventListener("change", paint);
  some.addEventListener("change", paint);
  const expires = h("input", { type: "datetime-local", name: "expires_at", dataset: { testid: "token-expires" } });
  const form = h("form", { class: "form panel", novalidate: true, dataset: { testid: "token-create" } }, h("h2", null, "Make a client token"),
    field("Name", name, "1–64 letters, digits, spaces, '.', '_' or '-': where it is used, e.g. the machine and the client."),
    h("fieldset", { class: "field" }, h("legend", null, "Scope"), scopes),
    h("fieldset", { class: "field" }, h("legend", null, "Servers"),
      h("label", { class: "choice" }, all, " All servers, also those made later"),
      h("label", { class: "choice" }, some, " Only these", servers.length ? "" : h("span", { class: "muted" }, " (there are no servers yet)")),
      picks,
      h("div", { class: "hint" }, "A token of one server connects to that server's own endpoint, /mcp/{server}.")),
    field("Expires (optional)", expires, "Leave empty for a token that lasts until revoked. Your local time."),
    formError(), h("button", { type: "submit", class: "btn btn-primary" }, "Make token"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const b = { name: name.value.trim(), scope: form.querySelector("input[name=scope]:checked").value, servers: null };
    if (some.checked) b.servers = boxes.filter((x) => x.checked).map((x) => x.value);
    busy(form, async () => {
      if (b.servers && !b.servers.length) throw { fields: { servers: "choose at least one server, or all servers" } };
      if (expires.value) {
        const d = new Date(expires.value);
        if (isNaN(d)) throw { fields: { expires_at: "a date and time" } };
        b.expires_at = d.toISOString();
      }
      const t = await api.post("/api/client-tokens", b);
      // form.reset() would uncheck the radios (h() sets no defaults).
      name.value = expires.value = "";
      form.querySelector("input[name=scope]").checked = all.checked = true;
      boxes.forEach((x) => (x.checked = false));
      paint();
      toast(`${t.name} created: copy its token now.`);
      created(t);
    });
  });
  return form;
}
