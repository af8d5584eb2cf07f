// Dashboard: counts, calls and errors over time, top tools, recent errors
// and the health of the database and the sandbox (GET /health/ready).
import { api, qs } from "./api.js";
import { h, clear, loading, errorBox, empty, connectHelp, ago, fmtTime, plural } from "./ui.js";
import { timelineChart } from "./chart.js";

function card(label, value, sub, href) {
  const inner = [h("div", { class: "stat-value" }, String(value)), h("div", { class: "stat-label" }, label),
    sub ? h("div", { class: "stat-sub muted" }, sub) : null];
  return href ? h("a", { class: "stat", href, dataset: { stat: label } }, inner) : h("div", { class: "stat", dataset: { stat: label } }, inner);
}

async function health() {
  try {
    const res = await fetch("/health/ready", { headers: { accept: "application/json" } });
    return await res.json();
  } catch (e) {
    return { status: "unreachable", checks: {} };
  }
}

function healthRow(name, c) {
  const ok = c && c.ok;
  return h("li", { class: "health-row" },
    h("span", { class: ok ? "dot dot-ok" : "dot dot-bad", "aria-hidden": "true" }),
    h("strong", null, name), " ",
    h("span", { class: "muted" }, ok ? `ok · ${Number(c.latency_ms || 0).toFixed(1)} ms` +
      (c.running !== undefined && c.running !== null ? ` · ${c.running} running, ${c.queued || 0} queued` : "")
      : (c && c.error) || "unknown"));
}

export async function render(root, params) {
  let period = sessionStorage.getItem("mcpbox.period") || "24h";
  const body = h("div");
  const select = h("select", { name: "period", "aria-label": "Period" },
    [["24h", "Last 24 hours"], ["7d", "Last 7 days"], ["30d", "Last 30 days"]].map(([v, l]) =>
      h("option", { value: v, selected: v === period }, l)));
  select.addEventListener("change", () => {
    period = select.value;
    sessionStorage.setItem("mcpbox.period", period);
    load();
  });
  root.append(h("div", { class: "page-head" }, h("h1", null, "Dashboard"), select), body);

  async function load() {
    clear(body).append(loading());
    let d, hl;
    try {
      [d, hl] = await Promise.all([api.get("/api/dashboard" + qs({ period })), health()]);
    } catch (e) {
      clear(body).append(errorBox(e));
      return;
    }
    clear(body);
    const pendingReqs = d.requests.modules_pending + d.requests.network_pending;
    body.append(h("section", { class: "stats", dataset: { testid: "stats" } },
      card("Servers", d.servers.total, `${d.servers.running} running`, "#/servers"),
      // Every status, so the parts add up to the total.
      card("Tools", d.tools.total, `${d.tools.approved} approved · ${d.tools.pending_review} pending review · ${d.tools.draft} draft · ${d.tools.rejected} rejected`
        + (d.tools.resources + d.tools.prompts ? ` · ${plural(d.tools.resources, "resource")} · ${plural(d.tools.prompts, "prompt")}` : "")),
      card("Pending review", d.tools.pending_review + pendingReqs,
        `${plural(d.tools.pending_review, "tool")} · ${plural(d.requests.modules_pending, "module")} · ${plural(d.requests.network_pending, "host")}`, "#/approvals"),
      // Reads of resources and prompts are logged like tool calls; the card
      // counts them all and says how many were tool calls.
      card("Calls", d.totals.calls, `${plural(d.totals.tool_calls, "tool call")} · ${plural(d.totals.errors, "error")} · avg ${d.totals.avg_duration_ms} ms`, "#/activity")));

    const chartBox = h("section", { class: "panel" },
      h("div", { class: "panel-head" }, h("h2", null, "Calls and errors"),
        h("span", { class: "legend" }, h("span", { class: "key key-calls" }), "calls ", h("span", { class: "key key-errors" }), "errors")),
      timelineChart(d.timeline, d.period));

    const healthBox = h("section", { class: "panel", dataset: { testid: "health" } },
      h("div", { class: "panel-head" }, h("h2", null, "Services"),
        h("span", { class: hl.status === "ready" ? "badge badge-approved" : "badge badge-rejected" }, hl.status === "ready" ? "ready" : "not ready")),
      h("ul", { class: "plain" }, healthRow("Database", hl.checks.database), healthRow("Sandbox", hl.checks.sandbox)));

    const top = h("section", { class: "panel" }, h("h2", null, "Top tools"),
      d.top_tools.length ? h("div", { class: "table-wrap" }, h("table", { class: "table" },
        h("thead", null, h("tr", null, h("th", null, "Tool"), h("th", null, "Server"), h("th", { class: "num" }, "Calls"),
          h("th", { class: "num" }, "Errors"), h("th", { class: "num" }, "Avg ms"))),
        h("tbody", null, d.top_tools.map((t) => h("tr", null, h("td", null, t.tool_name), h("td", null, t.server_name || "—"),
          h("td", { class: "num" }, String(t.calls)), h("td", { class: "num" }, String(t.errors)),
          h("td", { class: "num" }, String(t.avg_duration_ms ?? "—")))))))
        : h("p", { class: "muted" }, "No tool has been called in this period."));

    const errs = h("section", { class: "panel" }, h("h2", null, "Recent errors"),
      d.recent_errors.length ? h("ul", { class: "plain errors" }, d.recent_errors.map((e) =>
        h("li", null, h("div", null, h("strong", null, e.tool_name), " ", h("span", { class: "muted", title: fmtTime(e.created_at) }, ago(e.created_at))),
          h("pre", { class: "code small" }, e.error || "(no message)"))))
        : h("p", { class: "muted" }, "No errors in this period."));

    body.append(h("div", { class: "grid-2" }, chartBox, healthBox), h("div", { class: "grid-2" }, top, errs));
    if (d.servers.total === 0) {
      body.append(h("section", { class: "panel" }, empty("Connect your first MCP client", connectHelp())));
    }
  }
  await load();
}
