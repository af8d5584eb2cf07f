// The counts of what waits for review, wherever the panel shows them: the
// Approvals link of the frame and the tabs of the Approvals page. A page
// draws them once; after an approve, reject, revoke or any other change
// made through the API, and when a queue's own list counts another number
// than its tab, they are read again (GET /api/approvals/stats), so a tab
// never says "Tools (4)" over a list of 3.
import { api, onResponse, session } from "./api.js";
import { h } from "./ui.js";

// The status each Approvals tab counts (the queue's default filter).
const PENDING = { tools: "pending_review", sources: "pending_review", modules: "pending", network: "pending" };
let last = null;
let timer = null;

function fromStats(st) {
  return {
    tools: (st.tools && st.tools.pending_review) || 0,
    sources: (st.sources && st.sources.pending_review) || 0,
    modules: (st.modules && st.modules.pending) || 0,
    network: (st.network && st.network.pending) || 0,
  };
}

function paint(c) {
  const n = c.tools + c.sources + c.modules + c.network;
  for (const el of document.querySelectorAll("[data-testid=pending-count]")) {
    el.textContent = n ? String(n) : "";
    el.hidden = !n;
  }
  if (!location.hash.startsWith("#/approvals")) return;
  for (const [k, v] of Object.entries(c)) {
    const tab = document.querySelector(`main .tabs [data-tab=${k}]`);
    if (!tab) continue;
    const base = tab.textContent.replace(/ \(\d+\)$/, "");
    const text = v ? `${base} (${v})` : base;
    if (tab.textContent !== text) tab.textContent = text;
  }
}

// Read the counts again (soon: one request for a burst of changes).
export function refresh() {
  clearTimeout(timer);
  timer = setTimeout(() => {
    if (!session()) return;
    api.get("/api/approvals/stats").catch(() => {});
  }, 50);
}

// The count beside Approvals in the frame; filled in when the counts come.
export function pendingCount() {
  const el = h("span", { class: "count", hidden: true, dataset: { testid: "pending-count" } });
  refresh();
  return el;
}

onResponse((method, path, data) => {
  const [p, q] = path.split("?");
  if (method !== "GET") {
    if (!p.startsWith("/api/auth/")) refresh();
    return;
  }
  if (p === "/api/approvals/stats" && data) {
    last = fromStats(data);
    // After the page that asked has drawn its tabs.
    setTimeout(() => paint(last), 0);
    return;
  }
  const m = p.match(/^\/api\/approvals\/(tools|sources|modules|network)$/);
  if (!m || !data || typeof data.total !== "number" || !last) return;
  const u = new URLSearchParams(q || "");
  if (u.get("status") === PENDING[m[1]] && !u.get("search") && !u.get("server_id") && data.total !== last[m[1]]) refresh();
});
