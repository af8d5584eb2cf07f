// Settings: the security policy, the global module allow-list, export and
// import of the signed configuration file, remote access, and one's own
// password. Only admins change settings: others read the policy and the
// allow-list (no save, add or remove) and have no export tab.
import { api, setTokens, isAdmin } from "./api.js";
import * as remotePage from "./page-remote.js";
import { h, clear, loading, errorBox, tabs, field, formError, busy, toast, confirmDialog, claudeConfig, copyButton, plural } from "./ui.js";

export async function render(root, params) {
  const admin = isAdmin();
  root.append(h("div", { class: "page-head" }, h("h1", null, "Settings")),
    tabs([["policy", "Security policy"], ["modules", "Modules"], admin ? ["export", "Export / import"] : null, ["remote", "Remote access"], ["account", "Account"]]
      .filter(Boolean), params.tab, (k) => `#/settings/${k}`));
  const body = root.appendChild(h("div", { class: "tab-body" }));
  if (!admin && params.tab === "export") return void body.append(readOnly("Only admins export and import the configuration."));
  const fn = { policy, modules, export: exportTab, remote, account }[params.tab];
  await fn(body);
}

function readOnly(text) {
  return h("p", { class: "muted read-only", dataset: { testid: "read-only" } }, text);
}

const POLICY = [
  ["tool_approval_mode", "Tool approval", ["require_approval", "auto_approve"], "auto_approve publishes tools without review: only for a sandbox you trust."],
  ["module_approval_mode", "Module approval", ["require_approval", "auto_approve"], "How requests for extra Python modules are decided."],
  ["remote_tool_editing", "Remote tool editing", ["disabled", "enabled"], "Whether callers from outside this machine may create and edit tools."],
  ["local_requires_token", "Local clients need a client token", ["disabled", "enabled"],
    "disabled: whoever reaches this machine's own door (127.0.0.1) is its owner and needs no credential. enabled: MCP clients on this machine need a client token (Tokens) too, " +
    "and see only its servers: for a machine shared with people or programs that should not have every tool."],
  ["mcp_rate_limit_rpm", "MCP rate limit (requests per minute)", [10, 10000], "Per remote caller and per client token; callers on this machine without a token are not limited."],
  ["log_retention_days", "Log retention (days)", [1, 3650], "Activity and execution logs older than this are deleted."],
];

async function policy(body) {
  body.append(loading());
  let cur;
  try {
    cur = await api.get("/api/settings/security-policy");
  } catch (e) {
    return void clear(body).append(errorBox(e));
  }
  const inputs = {};
  const admin = isAdmin();
  const form = h("form", { class: "form panel", novalidate: true, dataset: { testid: "policy-form" } }, h("h2", null, "Security policy"),
    admin ? null : readOnly("Only admins change the policy."),
    POLICY.map(([key, label, vals, hint]) => {
      const input = typeof vals[0] === "number"
        ? h("input", { name: key, type: "number", min: vals[0], max: vals[1], value: cur[key] ?? "", required: true, disabled: !admin })
        : h("select", { name: key, disabled: !admin }, vals.map((v) => h("option", { value: v, selected: cur[key] === v }, v.replace("_", " "))));
      inputs[key] = input;
      return field(label, input, hint);
    }),
    formError(), admin ? h("button", { type: "submit", class: "btn btn-primary" }, "Save policy") : null);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const changes = {};
    for (const [key, , vals] of POLICY) {
      const v = typeof vals[0] === "number" ? Number(inputs[key].value) : inputs[key].value;
      if (v !== cur[key]) changes[key] = v;
    }
    if (!Object.keys(changes).length) return void toast("Nothing changed.");
    const risky = changes.tool_approval_mode === "auto_approve" || changes.module_approval_mode === "auto_approve" || changes.remote_tool_editing === "enabled" ||
      changes.local_requires_token === "disabled";
    (async () => {
      if (risky && !(await confirmDialog({ title: "Loosen the policy?", message: changes.local_requires_token === "disabled" && Object.keys(changes).length === 1
        ? "Every MCP client on this machine gets every server's tools again, with no token. Continue?"
        : "Code written by an LLM will run with less review, or clients reach more with less. Continue?", confirm: "Save anyway", danger: true }))) return;
      busy(form, async () => {
        cur = await api.patch("/api/settings/security-policy", changes);
        toast("Policy saved.");
      });
    })();
  });
  clear(body).append(form);
}

async function modules(body) {
  body.append(loading());
  let d;
  try {
    d = await api.get("/api/settings/modules");
  } catch (e) {
    return void clear(body).append(errorBox(e));
  }
  const defaults = new Set(d.defaults || []);
  const approved = new Set(d.approved_requests || []);
  const admin = isAdmin();
  const list = h("ul", { class: "chips", dataset: { testid: "modules" } }, d.allowed_modules.map((m) => {
    const rm = admin ? h("button", { type: "button", class: "chip-x", "aria-label": `Remove ${m}` }, "×") : null;
    if (rm) rm.addEventListener("click", async () => {
      if (!(await confirmDialog({ title: `Remove ${m}?`, message: "Tools importing it will fail.", confirm: "Remove", danger: true }))) return;
      try {
        await api.patch("/api/settings/modules", { remove: [m] });
        toast(`${m} removed.`);
        clear(body);
        modules(body);
      } catch (e) {
        toast(e.message, "error");
      }
    });
    return h("li", { class: "chip" + (defaults.has(m) ? "" : " chip-extra") }, m, approved.has(m) ? h("span", { class: "muted small" }, " (request)") : null, rm);
  }));
  const name = h("input", { name: "add", placeholder: "e.g. dateutil", required: true, autocomplete: "off" });
  const form = h("form", { class: "form inline-form" }, field("Allow a module", name), formError(), h("button", { type: "submit", class: "btn btn-primary" }, "Add"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(form, async () => {
      await api.patch("/api/settings/modules", { add: name.value.split(/[\s,]+/).filter(Boolean) });
      toast("Module allowed.");
      clear(body);
      modules(body);
    });
  });
  const reset = h("button", { type: "button", class: "btn btn-danger-ghost" }, "Reset to defaults");
  if (admin) reset.addEventListener("click", async () => {
    if (!(await confirmDialog({ title: "Reset the allow-list?", message: "Every module you added is removed; the defaults come back.", confirm: "Reset", danger: true }))) return;
    try {
      await api.patch("/api/settings/modules", { reset: true });
      toast("Allow-list reset.");
      clear(body);
      modules(body);
    } catch (e) {
      toast(e.message, "error");
    }
  });
  clear(body).append(h("section", { class: "panel" }, h("div", { class: "panel-head" }, h("h2", null, "Allowed Python modules"), admin ? reset : null),
    h("p", { class: "muted" }, "Tools may import these. Highlighted names were added beyond the defaults."), list,
    admin ? form : readOnly("Only admins change the allow-list.")));
}

async function exportTab(body) {
  const dl = h("button", { type: "button", class: "btn btn-primary", dataset: { testid: "export" } }, "Download export");
  dl.addEventListener("click", async () => {
    dl.disabled = true;
    try {
      const doc = await api.get("/api/export");
      const blob = new Blob([JSON.stringify(doc, null, 2)], { type: "application/json" });
      const url = URL.createObjectURL(blob);
      const a = h("a", { href: url, download: `mcpbox-export-${new Date().toISOString().slice(0, 10)}.json` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      toast(`Exported ${plural(doc.servers ? doc.servers.length : 0, "server")}.`);
    } catch (e) {
      toast(e.message, "error");
    } finally {
      dl.disabled = false;
    }
  });
  const file = h("input", { type: "file", name: "file", accept: "application/json,.json", required: true });
  const result = h("div");
  const form = h("form", { class: "form" }, field("Export file", file, "Only files signed by an MCPbox with the same encryption key are accepted. Imported tools wait for review."),
    formError(), h("button", { type: "submit", class: "btn btn-primary" }, "Import"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const f = file.files[0];
    if (!f) return;
    busy(form, async () => {
      let doc;
      try {
        doc = JSON.parse(await f.text());
      } catch {
        throw { fields: { file: "not a JSON file" } };
      }
      const r = await api.post("/api/import", doc);
      clear(result).append(h("div", { class: "panel" }, h("h3", null, "Imported"),
        h("ul", null, r.imported.map((s) => h("li", null, h("a", { href: `#/servers/${s.id}` }, s.name), ` — ${plural(s.tools, "tool")}`))),
        r.skipped.length ? [h("h3", null, "Skipped"), h("ul", null, r.skipped.map((s) => h("li", null, `${s.name}: ${s.reason}`)))] : null));
      toast(`Imported ${plural(r.imported.length, "server")}.`);
      form.reset();
    });
  });
  body.append(h("section", { class: "panel" }, h("h2", null, "Export"),
    h("p", { class: "muted" }, "Servers, tools, declared secrets (keys only, never values) and allowed hosts, as one signed JSON file."), dl),
    h("section", { class: "panel" }, h("h2", null, "Import"), form, result));
}

// Remote access is its own page module (page-remote.js); below it, how to
// connect a client on this machine, which needs no token.
async function remote(body) {
  const top = body.appendChild(h("div"));
  const cfg = claudeConfig();
  body.append(h("section", { class: "panel", dataset: { testid: "local-help" } }, h("h2", null, "Claude Desktop on this machine"),
    h("div", { class: "snippet" }, h("pre", { class: "code" }, cfg), copyButton(() => cfg)),
    h("p", { class: "muted" }, "Callers on this machine need no token unless the security policy asks local clients for a client token (Tokens). Callers elsewhere come in through a front door above; ",
      "a proxy of your own sends the service token (", h("code", null, "MCPBOX_SERVICE_TOKEN"), " in the environment) in the header ",
      h("code", null, "X-MCPbox-Service-Token"), ", the only place MCPbox reads it.")));
  await remotePage.render(top);
}

async function account(body) {
  const cur = h("input", { name: "current_password", type: "password", autocomplete: "current-password", required: true });
  const nw = h("input", { name: "new_password", type: "password", autocomplete: "new-password", required: true, minlength: 12, maxlength: 128 });
  const nw2 = h("input", { name: "new_password2", type: "password", autocomplete: "new-password", required: true });
  const form = h("form", { class: "form panel", dataset: { testid: "password-form" } }, h("h2", null, "Change password"),
    field("Current password", cur), field("New password", nw, "12–128 characters."), field("Repeat the new password", nw2),
    formError(), h("button", { type: "submit", class: "btn btn-primary" }, "Change password"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const c = cur.value;
    const n = nw.value;
    const n2 = nw2.value;
    cur.value = nw.value = nw2.value = "";
    if (n !== n2) return void busy(form, () => Promise.reject({ fields: { new_password2: "the two passwords differ" } }));
    busy(form, async () => {
      const t = await api.post("/api/auth/change-password", { current_password: c, new_password: n });
      if (t && t.access_token) setTokens(t);
      toast("Password changed. Other sessions are logged out.");
    });
  });
  body.append(form);
}
