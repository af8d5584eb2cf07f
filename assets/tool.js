// One tool: its code (highlighted), status, version history with a diff of
// any version against the current code, rollback, enable/disable, delete,
// and its own execution logs. A resource or prompt shows its kind and its
// definition, and a version diff shows a changed definition too.
import { api, qs, isAdmin, canReview } from "./api.js";
import { h, clear, loading, errorBox, empty, badge, toast, confirmDialog, kv, fmtTime, pager, pretty, notFound } from "./ui.js";
import { codeView } from "./highlight.js";
import { diffView } from "./diff.js";
import { logTable } from "./servers.js";
import { kindOf, kindBadge, definitionView, definitionText, isTemplate } from "./items.js";

// Besides the code, what a version says to clients: one line a changed
// field, so a diff shows a changed hint or title as plainly as code.
function fieldChanges(old, cur) {
  const rows = [];
  if (kindOf(old) !== kindOf(cur)) rows.push(["Kind", h("div", null, kindBadge(kindOf(old)), " → ", kindBadge(kindOf(cur)))]);
  const defOld = definitionText(kindOf(old), old.definition, old.python_code);
  const defNew = definitionText(kindOf(cur), cur.definition, cur.python_code);
  if (defOld !== defNew) rows.push(["Definition", h("div", { dataset: { testid: "version-definition" } },
    diffView(defOld, defNew, { oldLabel: `v${old.version}`, newLabel: `v${cur.current_version} (current)`, plain: true, what: "the definition" }))]);
  for (const [k, label] of [["title", "Title"], ["annotations", "Hints"], ["icons", "Icons"], ["output_schema", "Output schema"], ["input_schema", "Input schema"]]) {
    const a = JSON.stringify(old[k] ?? null), b = JSON.stringify(cur[k] ?? null);
    if (a !== b) rows.push([label, h("div", null, h("del", null, a), h("br"), h("ins", null, b))]);
  }
  return rows.length ? h("div", { class: "changes", dataset: { testid: "version-changes" } }, kv(rows)) : "";
}

export async function render(root, params) {
  const top = root.appendChild(loading());
  let t, versions;
  try {
    [t, versions] = await Promise.all([api.get(`/api/tools/${params.id}`), api.get(`/api/tools/${params.id}/versions`)]);
  } catch (e) {
    if (e.status === 404) return void top.replaceWith(...notFound("Tool not found", "No tool with this id; it may have been deleted.",
      [`#/servers/${params.server}/tools`, "Back to the server's tools"], ["#/servers", "the servers list"]));
    return void top.replaceWith(errorBox(e));
  }
  const kind = kindOf(t);
  const noun = kind === "tool" ? "tool" : kind;
  const d = t.definition || {};
  const hasCode = t.python_code !== null && t.python_code !== undefined;
  const rerender = () => {
    clear(root);
    render(root, params);
  };
  const en = h("button", { type: "button", class: "btn" }, t.enabled ? "Disable" : "Enable");
  en.addEventListener("click", async () => {
    try {
      await api.patch(`/api/tools/${t.id}`, { enabled: !t.enabled });
      toast(`${t.name} ${t.enabled ? "disabled" : "enabled"}.`);
      rerender();
    } catch (e) {
      toast(e.message, "error");
    }
  });
  const del = h("button", { type: "button", class: "btn btn-danger-ghost" }, "Delete");
  del.addEventListener("click", async () => {
    const ok = await confirmDialog({ title: `Delete ${t.name}?`, message: `The ${noun} and all its versions are deleted for good.`, confirm: `Delete ${noun}`, danger: true });
    if (!ok) return;
    try {
      await api.del(`/api/tools/${t.id}`);
      toast(`${t.name} deleted.`);
      location.hash = `#/servers/${t.server_id}/tools`;
    } catch (e) {
      toast(e.message, "error");
    }
  });
  const review = t.approval_status === "approved" ? null
    : h("a", { class: canReview() ? "btn btn-primary" : "btn", href: "#/approvals/tools" }, canReview() ? "Review in Approvals" : "See in Approvals");
  const admin = isAdmin();
  top.replaceWith(h("div", { class: "page-head" },
    h("div", null, h("div", { class: "crumbs" }, h("a", { href: "#/servers" }, "Servers"), " / ",
      h("a", { href: `#/servers/${t.server_id}/tools` }, t.server_name), " / "),
      h("h1", null, t.name, " ", kindBadge(kind), " ", badge(t.approval_status, "tool-status")),
      t.description ? h("p", { class: "muted" }, t.description) : null),
    h("div", { class: "actions" }, review, admin ? en : null, admin ? del : null)));

  root.append(h("section", { class: "panel" }, kv([
    ["Version", "v" + t.current_version],
    ["Enabled", t.enabled ? "yes" : "no"],
    kind === "tool" || hasCode ? ["Timeout", t.timeout_ms ? `${t.timeout_ms} ms` : "server default"] : null,
    ["Created by", t.created_by || "—"],
    t.approved_by ? ["Approved", `by ${t.approved_by}, ${fmtTime(t.approved_at)}`] : null,
    t.rejection_reason ? ["Rejected because", t.rejection_reason] : null,
    // Where /mcp serves it (docs/RESOURCES-AND-PROMPTS.md).
    kind === "resource" ? ["MCP URI", h("span", null, h("code", null, `mcpbox://${t.server_name}/${d.uri || ""}`),
      isTemplate(d.uri) ? " (a template)" : "")] : ["MCP name", h("code", null, `${t.server_name}__${t.name}`)],
    t.title ? ["Title", t.title] : null,
    t.annotations ? ["Hints", Object.entries(t.annotations).map(([k, v]) => `${k}: ${v}`).join(", ") || "none"] : null,
    t.icons && t.icons.length ? ["Icons", `${t.icons.length}`] : null,
  ])));
  if (kind !== "tool") root.append(h("section", { class: "panel" }, h("h2", null, "Definition"), definitionView(t, { testid: "tool-definition" })));
  if (kind === "tool") {
    root.append(h("section", { class: "panel" }, h("h2", null, "Code"), codeView(t.python_code, { testid: "tool-code" }),
      h("details", { class: "schema" }, h("summary", null, "Input schema"), h("pre", { class: "code small" }, pretty(t.input_schema))),
      t.output_schema ? h("details", { class: "schema" }, h("summary", null, "Output schema"), h("pre", { class: "code small" }, pretty(t.output_schema))) : null));
  } else if (hasCode) {
    root.append(h("section", { class: "panel" }, h("h2", null, "Code ", h("span", { class: "muted small" }, kind === "resource" ? "read()" : "main()")),
      codeView(t.python_code, { testid: "tool-code" })));
  }

  const diffBox = h("div", { class: "diff-box" });
  const vt = h("table", { class: "table" },
    h("thead", null, h("tr", null, h("th", null, "Version"), h("th", null, "Change"), h("th", null, "Source"), h("th", null, "When"), h("th", null, ""))),
    h("tbody", null, versions.items.map((v) => {
      const cur = v.version === t.current_version;
      const show = h("button", { type: "button", class: "btn btn-small", disabled: cur }, "Diff");
      show.addEventListener("click", async () => {
        clear(diffBox).append(loading());
        try {
          const old = await api.get(`/api/tools/${t.id}/versions/${v.version}`);
          // A static item has no code to compare, unless it had some then.
          const codeDiff = kind === "tool" || hasCode || (old.python_code ?? null) !== null;
          const fields = fieldChanges(old, t);
          clear(diffBox).append(fields, codeDiff ? diffView(old.python_code, t.python_code, { oldLabel: `v${v.version}`, newLabel: `v${t.current_version} (current)` })
            : fields ? "" : h("p", { class: "muted" }, `v${v.version} has the same definition.`));
        } catch (e) {
          clear(diffBox).append(errorBox(e));
        }
      });
      const rb = h("button", { type: "button", class: "btn btn-small", disabled: cur }, "Roll back");
      rb.addEventListener("click", async () => {
        const ok = await confirmDialog({ title: `Roll back ${t.name} to v${v.version}?`,
          message: kind === "tool" ? "This writes a new version with that code. It needs a fresh review before it can run again."
            : `This writes a new version with that definition. It needs a fresh review before it is served again.`, confirm: "Roll back", danger: true });
        if (!ok) return;
        try {
          await api.post(`/api/tools/${t.id}/rollback`, { version: v.version });
          toast(`Rolled back to v${v.version}; awaiting review.`);
          rerender();
        } catch (e) {
          toast(e.message, "error");
        }
      });
      return h("tr", null, h("td", null, "v" + v.version, cur ? " (current)" : ""), h("td", null, v.change_summary || ""),
        h("td", { class: "muted" }, v.change_source || ""), h("td", { class: "muted" }, fmtTime(v.created_at)),
        h("td", { class: "actions" }, show, admin ? rb : null));
    })));
  root.append(h("section", { class: "panel" }, h("h2", null, "Version history"), h("div", { class: "table-wrap" }, vt), diffBox));

  const logs = h("div");
  root.append(h("section", { class: "panel" }, h("h2", null, "Recent calls"), logs));
  let page = 1;
  async function loadLogs() {
    try {
      const d = await api.get(`/api/tools/${t.id}/logs` + qs({ page, page_size: 10 }));
      clear(logs);
      if (!d.items.length) return void logs.append(h("p", { class: "muted" }, kind === "tool" ? "This tool has not been called yet." : `This ${noun} has not been used yet.`));
      logs.append(logTable(d.items), pager(d, (p) => {
        page = p;
        loadLogs();
      }));
    } catch (e) {
      clear(logs).append(errorBox(e));
    }
  }
  loadLogs();
}
