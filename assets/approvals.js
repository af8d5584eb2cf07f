// Approvals: the review queues. Tools show everything that was reviewed
// -- code, or for a passthrough its source, secret and pinned upstream
// definition; modules, hosts, the server's secrets -- and what changed
// since the version last approved. Resources and prompts wait in the
// same queue, marked by their kind, with their definition (URI, content,
// arguments, messages) shown and diffed like code. Sources show where
// MCPbox would connect and what it would send. Modules and hosts show
// what was asked for and why. Approve, reject (a reason is required: it
// is what the author reads next), revoke, and the same in bulk. A card
// follows its object live: a change while it is open redraws it before
// it can be approved, and approving always names the version shown.
// Only reviewers and admins decide: viewers read the same cards without
// their buttons and checkboxes.
import { api, qs, canReview } from "./api.js";
import { h, clear, loading, errorBox, empty, badge, tabs, toast, confirmDialog, pager, ago, fmtTime, connectHelp, kv, pretty } from "./ui.js";
import { codeView } from "./highlight.js";
import { diffView } from "./diff.js";
import { kindOf, kindBadge, definitionView, definitionText, isComputed } from "./items.js";

const KINDS = {
  tools: { path: "tools", statuses: ["pending_review", "draft", "approved", "rejected", "all"], def: "pending_review", noun: "tool", versioned: true },
  sources: { path: "sources", statuses: ["pending_review", "approved", "rejected", "all"], def: "pending_review", noun: "external source", versioned: true },
  modules: { path: "modules", statuses: ["pending", "approved", "rejected", "all"], def: "pending", noun: "module request" },
  network: { path: "network", statuses: ["pending", "approved", "rejected", "all"], def: "pending", noun: "network request" },
};

export async function render(root, params) {
  const kind = KINDS[params.tab];
  root.append(h("div", { class: "page-head" }, h("h1", null, "Approvals")));
  const counts = {};
  try {
    const st = await api.get("/api/approvals/stats");
    counts.tools = st.tools.pending_review;
    counts.modules = st.modules.pending;
    counts.network = st.network.pending;
    counts.sources = st.sources.pending_review;
  } catch {
    // The tabs work without their counts.
  }
  const label = (k, l) => (counts[k] ? `${l} (${counts[k]})` : l);
  root.append(tabs([["tools", label("tools", "Tools")], ["sources", label("sources", "Sources")], ["modules", label("modules", "Modules")],
    ["network", label("network", "Network")]],
    params.tab, (k) => `#/approvals/${k}`));
  const status = h("select", { name: "status", "aria-label": "Status" },
    kind.statuses.map((s) => h("option", { value: s, selected: s === kind.def }, s === "all" ? "all" : s.replace("_", " "))));
  const search = h("input", { type: "search", name: "search", placeholder: "Search", "aria-label": "Search" });
  const bulkBar = h("div", { class: "bulk", hidden: true });
  const out = h("div", { class: "queue" });
  root.append(h("div", { class: "toolbar" }, status, search), bulkBar, out);
  let page = 1;
  let timer;
  status.addEventListener("change", () => {
    page = 1;
    load();
  });
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      page = 1;
      load();
    }, 250);
  });
  const selected = new Set();
  // Approve what you saw: the version each card showed (tools, sources).
  const shown = new Map();

  async function act(id, action, item) {
    let reason;
    if (action === "reject") {
      const r = await confirmDialog({ title: `Reject ${item}?`, message: "Say what must change; the author reads this.", confirm: "Reject", danger: true, reason: true });
      if (!r) return;
      reason = r.reason;
    } else if (action === "revoke") {
      const r = await confirmDialog({ title: `Revoke approval of ${item}?`, message: "It stops being usable until approved again.", confirm: "Revoke", danger: true });
      if (!r) return;
    }
    try {
      const body = reason ? { action, reason } : { action };
      if (kind.versioned) body.version = shown.get(id);
      if (action === "revoke") await api.post(`/api/approvals/${kind.path}/${id}/revoke`, {});
      else await api.post(`/api/approvals/${kind.path}/${id}/action`, body);
      toast(`${item}: ${action === "approve" ? "approved" : action === "reject" ? "rejected" : "approval revoked"}.`);
      load();
    } catch (e) {
      toast(e.message, "error");
      // Changed since the card was drawn: show what it is now.
      if (e.code === "stale_version") load();
    }
  }

  async function bulk(action) {
    const ids = [...selected];
    let reason;
    const r = await confirmDialog({ title: `${action === "approve" ? "Approve" : "Reject"} ${ids.length} ${kind.noun}${ids.length > 1 ? "s" : ""}?`,
      message: action === "approve" ? "Each becomes usable at once." : "The same reason goes to each.",
      confirm: action === "approve" ? "Approve all" : "Reject all", danger: action !== "approve", reason: action === "reject" });
    if (!r) return;
    reason = r.reason;
    try {
      const body = reason ? { ids, action, reason } : { ids, action };
      if (kind.versioned) body.versions = Object.fromEntries(ids.map((i) => [i, shown.get(i)]));
      const res = await api.post(`/api/approvals/${kind.path}/bulk-action`, body);
      toast(res && res.failed ? `${res.succeeded ?? ids.length - res.failed} done, ${res.failed} not possible.` : "Done.");
      selected.clear();
      load();
    } catch (e) {
      toast(e.message, "error");
    }
  }

  function paintBulk() {
    clear(bulkBar);
    bulkBar.hidden = selected.size === 0;
    if (!selected.size) return;
    const a = h("button", { type: "button", class: "btn btn-primary btn-small" }, "Approve selected");
    const r = h("button", { type: "button", class: "btn btn-danger btn-small" }, "Reject selected");
    a.addEventListener("click", () => bulk("approve"));
    r.addEventListener("click", () => bulk("reject"));
    bulkBar.append(h("span", null, `${selected.size} selected`), a, r);
  }

  function actions(x, st, name) {
    const box = h("div", { class: "actions" });
    if (!canReview()) return box;
    const btn = (label, action, cls) => {
      const b = h("button", { type: "button", class: `btn btn-small ${cls || ""}`, dataset: { action } }, label);
      b.addEventListener("click", () => act(x.id, action, name));
      box.append(b);
    };
    const pending = st === "pending_review" || st === "pending";
    // A package is approvable once the review shows its pinned version.
    const unpinned = x.resolve_status && !["not_required", "resolved"].includes(x.resolve_status);
    // A host no tool could ever reach is refused by the server too (D37).
    const never = kind.path === "network" && x.refused;
    if ((pending || st === "draft" || (kind.versioned && st === "rejected")) && !unpinned && !never) btn("Approve", "approve", "btn-primary");
    if (pending) btn("Reject", "reject", "btn-danger");
    if (st === "approved") btn("Revoke", "revoke", "btn-danger-ghost");
    return box;
  }

  function pick(x) {
    if (!canReview()) return null;
    const cb = h("input", { type: "checkbox", checked: selected.has(x.id), "aria-label": "Select" });
    cb.addEventListener("change", () => {
      if (cb.checked) selected.add(x.id);
      else selected.delete(x.id);
      paintBulk();
    });
    return cb;
  }

  // How a source authenticates, by the name of what it sends.
  function authLine(src) {
    if (src.auth_type === "bearer") return h("span", null, "bearer token from secret ", h("code", null, src.auth_secret_name || "—"));
    if (src.auth_type === "header") return h("span", null, "header ", h("code", null, src.auth_header_name || "—"), " from secret ", h("code", null, src.auth_secret_name || "—"));
    if (src.auth_type === "oauth") return "OAuth (authorized by an admin in the panel)";
    return "none";
  }

  const hostText = (x) => `${x.host}:${x.port}${x.port === 443 ? " (https)" : ""}`;

  // Behaviour hints as a client would read them; every one is a claim the
  // reviewer vouches for ("read-only" lets a client skip its confirmation).
  const hintText = (a) => {
    const on = Object.entries(a || {}).map(([k, v]) => `${k}: ${v}`);
    return on.length ? on.join(", ") : "(none)";
  };

  // What clients are shown besides the name: title, hints, icons (as
  // text: the panel never loads an author's image) and the result schema.
  // What clients are told of the tool; a passthrough's comes from its
  // source's pinned definition, and its results are the source's. Hints
  // and a result schema are a tool's alone.
  function presentation(t) {
    const pass = t.tool_type === "mcp_passthrough";
    const tool = kindOf(t) === "tool";
    return [
      ["title", t.title ? h("span", { dataset: { testid: "review-title" } }, t.title) : "none"],
      tool || t.annotations ? ["hints", h("span", { dataset: { testid: "review-hints" } }, hintText(t.annotations))] : null,
      t.icons && t.icons.length ? ["icons", h("span", null, t.icons.map((i) => h("code", { class: "tag", title: i.src }, i.src.startsWith("data:") ? `data: (${i.src.length} chars)` : i.src)))] : null,
      tool ? ["output schema", t.output_schema ? h("details", null, h("summary", null, pass ? "as the source declares it" : "results must match"), h("pre", { class: "small" }, pretty(t.output_schema))) : pass ? "none" : "none (results are not checked)"] : null,
    ];
  }

  // The reviewed fields that differ from the version last approved.
  function changes(t) {
    const a = t.approved;
    if (!a) return null;
    const rows = [];
    const same = (x, y) => JSON.stringify(x ?? null) === JSON.stringify(y ?? null);
    if (a.name !== t.name) rows.push(["name", `${a.name} → ${t.name}`]);
    if (kindOf(a) !== kindOf(t)) rows.push(["kind", h("span", { dataset: { testid: "changed-kind" } }, kindBadge(kindOf(a)), " → ", kindBadge(kindOf(t)))]);
    // A resource's or prompt's definition, as lines: what a client reads.
    const defOld = definitionText(kindOf(a), a.definition, a.python_code);
    const defNew = definitionText(kindOf(t), t.definition, t.python_code);
    if (defOld !== defNew) rows.push(["definition", h("div", { dataset: { testid: "changed-definition" } },
      diffView(defOld, defNew, { oldLabel: `approved v${a.version}`, newLabel: `v${t.current_version}`, plain: true, what: "the definition" }))]);
    if (a.description !== t.description) rows.push(["description", h("div", null, h("del", null, a.description || "(empty)"), h("br"), h("ins", null, t.description || "(empty)"))]);
    if (!same(a.input_schema, t.input_schema)) rows.push(["input schema", diffView(pretty(a.input_schema), pretty(t.input_schema), { oldLabel: `approved v${a.version}`, newLabel: `v${t.current_version}` })]);
    if (!same(a.timeout_ms, t.timeout_ms)) rows.push(["timeout", `${a.timeout_ms ?? "server default"} → ${t.timeout_ms ?? "server default"}`]);
    if (!same(a.title, t.title)) rows.push(["title", h("div", { dataset: { testid: "changed-title" } }, h("del", null, a.title || "(none)"), h("br"), h("ins", null, t.title || "(none)"))]);
    if (!same(a.annotations, t.annotations)) rows.push(["hints", h("div", { dataset: { testid: "changed-hints" } }, h("del", null, hintText(a.annotations)), h("br"), h("ins", null, hintText(t.annotations)))]);
    if (!same(a.icons, t.icons)) rows.push(["icons", diffView(pretty(a.icons ?? null), pretty(t.icons ?? null), { oldLabel: `approved v${a.version}`, newLabel: `v${t.current_version}` })]);
    if (!same(a.output_schema, t.output_schema)) rows.push(["output schema", diffView(pretty(a.output_schema ?? null), pretty(t.output_schema ?? null), { oldLabel: `approved v${a.version}`, newLabel: `v${t.current_version}` })]);
    if ((a.python_code ?? null) !== (t.python_code ?? null)) rows.push(["code", "changed (see below)"]);
    return h("div", { class: "changes", dataset: { testid: "changes" } },
      h("h3", null, `Changed since approved v${a.version}`),
      rows.length ? kv(rows) : h("p", { class: "muted small" }, "Nothing reviewed changed."));
  }

  function passthrough(t) {
    const src = t.source;
    const up = t.upstream_definition;
    return h("div", { class: "passthrough", dataset: { testid: "passthrough" } },
      kv([
        ["kind", "passthrough: calls are forwarded to an external MCP server"],
        ["source", src ? h("span", null, h("strong", null, src.name), " ", h("code", null, src.url), " ", badge(src.approval_status)) : "deleted"],
        src ? ["transport", src.transport_type === "sse" ? "HTTP + SSE (legacy)" : "Streamable HTTP"] : null,
        src ? ["sends", authLine(src)] : null,
        ["upstream tool", h("code", null, t.external_tool_name || "—")],
        t.upstream_sha256 ? ["definition", h("code", { title: t.upstream_sha256 }, "sha256 " + t.upstream_sha256.slice(0, 16))] : null,
      ]),
      h("p", { class: "small muted" }, "Calls are checked against this input schema before they are forwarded:"),
      h("pre", { class: "small", dataset: { testid: "review-schema" } }, pretty(up ? up.inputSchema : t.input_schema)));
  }

  // What the code may use; a static resource or prompt runs no code.
  function reach(t) {
    const mods = t.modules || [];
    const hosts = t.hosts || [];
    if (kindOf(t) !== "tool" && !isComputed(kindOf(t), t.definition, t.python_code)) return kv(presentation(t));
    return kv([
      ["timeout", t.timeout_ms ? `${t.timeout_ms} ms` : "server default"],
      ["modules", mods.length ? h("span", null, mods.map((m) => h("span", { class: "tag" }, h("code", null, m.module), " ", badge(m.status)))) : "none asked for"],
      ["hosts", hosts.length ? h("span", { dataset: { testid: "review-hosts" } }, hosts.map((x) => h("span", { class: "tag" }, h("code", null, hostText(x)),
        x.scope === "server" ? " (whole server)" : "", " ", badge(x.status)))) : "none"],
      t.tool_type !== "mcp_passthrough" ? ["secrets", (t.secret_names || []).length ? h("span", null, "the code can read ", t.secret_names.map((k) => h("code", { class: "tag" }, k))) : "none on this server"] : null,
      ...presentation(t),
    ]);
  }

  function toolCard(t) {
    shown.set(t.id, t.current_version);
    const kind = kindOf(t);
    const isCode = t.tool_type !== "mcp_passthrough";
    // A static resource or prompt has no code (nor had the approved one).
    const hasCode = isCode && (kind === "tool" || (t.python_code ?? null) !== null || (t.approved_code ?? null) !== null);
    const diffs = hasCode && t.approved_code !== null && t.approved_code !== undefined && t.approved_code !== t.python_code;
    const view = h("div");
    const showCode = () => clear(view).append(codeView(t.python_code, { testid: "review-code" }));
    const showDiff = () => clear(view).append(diffView(t.approved_code, t.python_code, { oldLabel: `approved v${t.approved_version}`, newLabel: `v${t.current_version}` }));
    const switcher = diffs ? h("div", { class: "seg" },
      h("button", { type: "button", class: "btn btn-small", onclick: showDiff }, "Changes since approved"),
      h("button", { type: "button", class: "btn btn-small", onclick: showCode }, "Full code")) : null;
    if (hasCode && diffs) showDiff();
    else if (hasCode) showCode();
    return h("article", { class: "card review", dataset: { tool: t.name, id: t.id, version: t.current_version, kind } },
      h("div", { class: "card-head" },
        h("label", { class: "pick" }, pick(t), h("h2", null, t.name, " ", kindBadge(kind))),
        badge(t.approval_status, "tool-status")),
      h("div", { class: "muted small" }, "server ", h("a", { href: `#/servers/${t.server_id}/tools/${t.id}` }, t.server_name),
        ` · v${t.current_version} · by ${t.created_by || "—"}`, t.approval_requested_at ? ` · asked ${ago(t.approval_requested_at)}` : ""),
      t.description ? h("p", null, t.description) : null,
      t.publish_notes ? h("blockquote", null, t.publish_notes) : null,
      t.rejection_reason ? h("p", { class: "muted" }, "Rejected: ", t.rejection_reason) : null,
      isCode ? null : passthrough(t),
      definitionView(t, { testid: "review-definition" }),
      reach(t),
      changes(t),
      !t.approved ? h("p", { class: "muted small" }, hasCode && t.python_code ? "Never approved before: this is all new code." : "Never approved before.") : null,
      switcher, view, actions(t, t.approval_status, t.name));
  }

  function sourceCard(e) {
    shown.set(e.id, e.current_version);
    return h("article", { class: "card review", dataset: { source: e.name, id: e.id, version: e.current_version } },
      h("div", { class: "card-head" }, h("label", { class: "pick" }, pick(e), h("h2", null, e.name)), badge(e.approval_status)),
      h("div", { class: "muted small" }, "server ", e.server_name, ` · v${e.current_version} · by ${e.created_by || "—"} · ${fmtTime(e.created_at)}`),
      h("p", { class: "small" }, "Approving lets MCPbox connect to this URL and send what is shown; any change to them needs a new approval."),
      kv([
        ["URL", h("code", { dataset: { testid: "source-url" } }, e.url)],
        ["transport", e.transport_type === "sse" ? "HTTP + SSE (legacy)" : "Streamable HTTP"],
        ["sends", h("span", null, authLine(e), e.auth_secret_name ? (e.secret_has_value ? " (value set)" : " (no value yet)") : "")],
      ]),
      e.rejection_reason ? h("p", { class: "muted" }, "Rejected: ", e.rejection_reason) : null,
      actions(e, e.approval_status, e.name));
  }

  // A non-stdlib module installs once approved (docs/EXTERNAL-SOURCES.md).
  function installLine(r) {
    const st = r.install_status;
    if (kind.path !== "modules" || !st || st === "not_required") return null;
    const text = {
      pending: `Package ${r.install_package || r.module_name}: waiting to install…`,
      installing: `Package ${r.install_package || r.module_name}: installing…`,
      installed: `Package ${r.install_package || r.module_name}${r.installed_version ? " " + r.installed_version : ""} installed; tools can import it.`,
      failed: `Package ${r.install_package || r.module_name} could not be installed.`,
    }[st] || st;
    return h("div", { class: st === "failed" ? "error-box" : "muted small", dataset: { testid: "install-status", install: st } },
      h("p", null, badge(st, "install-badge"), " ", text),
      st === "failed" && r.install_message ? h("pre", { class: "small install-message" }, r.install_message) : null);
  }

  // What an approval installs: resolved before anyone approves, then pinned.
  function pinLine(r) {
    const st = r.resolve_status;
    if (kind.path !== "modules" || !st || st === "not_required" || r.status !== "pending") return null;
    const pkg = r.install_package || r.module_name;
    if (st === "resolved")
      return h("p", { class: "small", dataset: { testid: "pin", pin: `${pkg}==${r.resolved_version}` } },
        "Approving installs ", h("code", null, `${pkg} ${r.resolved_version}`), " exactly (binary wheel, no dependencies).");
    if (st === "failed")
      return h("div", { class: "error-box", dataset: { testid: "pin", pin: "failed" } },
        h("p", null, `Package ${pkg} cannot be installed, so this request cannot be approved.`),
        r.resolve_message ? h("pre", { class: "small install-message" }, r.resolve_message) : null);
    return h("p", { class: "muted small", dataset: { testid: "pin", pin: "resolving" } },
      `Finding the version of ${pkg} an approval would install…`);
  }

  // A host on the local network is a request of its own (docs/DECISIONS.md
  // D37): approved, tools reach it over plain http too, inside the LAN.
  function privateLine(r) {
    if (kind.path !== "network" || r.kind !== "private") return null;
    return h("div", { class: "error-box", dataset: { testid: "private-network" } },
      h("p", null, h("strong", null, "Private network. "), h("code", null, r.host),
        " is on your local network (a LAN, VPN or CGNAT address), not the internet. Once approved, the tool reaches it ",
        "over plain http as well as https, from inside your network: whatever that device serves to your LAN ",
        "(a NAS, a router's admin page, Home Assistant, a printer) the tool can use. Approve only a device this tool is for."));
  }

  function refusedLine(r) {
    if (!r.refused) return null;
    return h("p", { class: "error-box", dataset: { testid: "refused" } }, kind.path === "network"
      ? `This host can never be approved: ${r.refused}.`
      : "This module can never be allowed: it reaches the system or the interpreter.");
  }

  function requestCard(r) {
    // A host without a port is 443: https only, never any port.
    const what = kind.path === "modules" ? r.module_name : r.port ? `${r.host}:${r.port}` : `${r.host}:443`;
    const lan = kind.path === "network" && r.kind === "private"
      ? h("span", { class: "tag warning", dataset: { testid: "kind" } }, "private network") : null;
    return h("article", { class: "card review", dataset: { request: what, kind: r.kind || "" } },
      h("div", { class: "card-head" }, h("label", { class: "pick" }, pick(r), h("h2", null, h("code", null, what), lan ? " " : null, lan)), badge(r.status)),
      h("div", { class: "muted small" }, r.tool_name ? `tool ${r.tool_name} · ` : "", "server ", r.server_name || "—",
        ` · by ${r.requested_by || "—"} · ${fmtTime(r.created_at)}`),
      kind.path === "network" ? h("p", { class: "small muted" }, r.tool_id ? "For this tool only." : "For every tool of the server and its sources.",
        r.port ? "" : r.kind === "private" ? " No port was named: port 443 only." : " No port was named: port 443 (https) only.") : null,
      privateLine(r),
      r.justification ? h("p", null, r.justification) : null,
      refusedLine(r),
      pinLine(r),
      installLine(r),
      r.rejection_reason ? h("p", { class: "muted" }, "Rejected: ", r.rejection_reason) : null,
      actions(r, r.status, what));
  }

  async function load(quiet) {
    if (!quiet) clear(out).append(loading());
    paintBulk();
    let d;
    try {
      d = await api.get(`/api/approvals/${kind.path}` + qs({ status: status.value, search: search.value.trim(), page, page_size: 20 }));
    } catch (e) {
      return void clear(out).append(errorBox(e));
    }
    clear(out);
    sig = signature(d);
    if (!d.items.length) {
      const what = { tools: "tools", sources: "external sources", modules: "module requests", network: "network requests" }[params.tab];
      out.append(empty(`No ${status.value === "all" ? "" : status.value.replace("_", " ") + " "}${what}`,
        params.tab === "tools" ? connectHelp()
          : h("p", null, { sources: "Sources an LLM adds with mcpbox_add_external_source wait here; MCPbox does not contact them until approved.",
            modules: "Tools ask for Python modules with mcpbox_request_module; the requests wait here.",
            network: "Tools ask to reach a host with mcpbox_request_network_access; the requests wait here." }[params.tab])));
      return;
    }
    out.append(h("div", { class: "stack", dataset: { testid: "queue" } },
      d.items.map((x) => (params.tab === "tools" ? toolCard(x) : params.tab === "sources" ? sourceCard(x) : requestCard(x)))),
      pager(d, (p) => {
        page = p;
        load();
      }));
    // Installs run in the background: follow them until they end.
    clearTimeout(poll);
    if (!stopped && d.items.some((x) => x.install_status === "pending" || x.install_status === "installing" ||
        x.resolve_status === "pending" || x.resolve_status === "resolving"))
      poll = setTimeout(() => load(true), 2000);
  }

  // What the cards show, in one string: a change of any version or
  // status redraws the queue before anyone can approve the old one.
  function signature(d) {
    return JSON.stringify(d.items.map((x) => [x.id, x.current_version, x.approval_status || x.status, x.resolve_status, x.install_status]));
  }
  let sig = "";
  async function follow() {
    if (stopped) return;
    if (!document.hidden && !document.querySelector("#modal-root [role=dialog]")) {
      try {
        const d = await api.get(`/api/approvals/${kind.path}` + qs({ status: status.value, search: search.value.trim(), page, page_size: 20 }));
        if (!stopped && signature(d) !== sig) {
          await load(true);
          toast("The queue changed while you were reading it; the cards show what is there now.");
        }
      } catch {
        // The next round tries again.
      }
    }
    if (!stopped) watch = setTimeout(follow, 2000);
  }
  let poll;
  let watch;
  let stopped = false;
  await load();
  watch = setTimeout(follow, 2000);
  return () => {
    stopped = true;
    clearTimeout(poll);
    clearTimeout(watch);
  };
}
