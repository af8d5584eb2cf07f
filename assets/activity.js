// Activity: the live feed (GET /api/activity/stream, read with fetch so it
// can carry the Bearer header) and the history, with the same filters.
// Changing a filter reopens the stream with it; leaving the page aborts it.
// Below them, the latest failed tool calls with their errors in view.
import { api, qs, stream } from "./api.js";
import { h, clear, loading, errorBox, empty, pager, ago, fmtTime, pretty } from "./ui.js";
import { logTable } from "./servers.js";

const TYPES = ["", "mcp_request", "mcp_response", "network", "alert", "error", "system", "audit"];
const LEVELS = ["", "debug", "info", "warning", "error"];
const LIVE_MAX = 200;

function entry(e, fresh) {
  return h("li", { class: `act act-${e.level || "info"}${fresh ? " fresh" : ""}`, dataset: { type: e.log_type } },
    h("div", { class: "act-head" },
      h("span", { class: `lvl lvl-${e.level || "info"}` }, e.level || "info"),
      h("span", { class: "act-type" }, e.log_type),
      h("span", { class: "act-msg" }, e.message),
      h("span", { class: "muted small act-when", title: fmtTime(e.created_at) }, e.created_at ? ago(e.created_at) : "now")),
    // An error is read without opening the details.
    e.details && typeof e.details.error === "string" && e.details.error
      ? h("pre", { class: "act-error small", dataset: { testid: "act-error" } }, e.details.error) : null,
    e.details && Object.keys(e.details).length
      ? h("details", null, h("summary", null, [e.actor ? `by ${e.actor}` : null, e.duration_ms != null ? `${e.duration_ms} ms` : null, "details"].filter(Boolean).join(" · ")),
        h("pre", { class: "code small" }, pretty(e.details)))
      : null);
}

export async function render(root) {
  const sel = (name, values, label) => h("select", { name, "aria-label": label },
    values.map((v) => h("option", { value: v }, v || `any ${label.toLowerCase()}`)));
  const type = sel("log_type", TYPES, "Type");
  const level = sel("level", LEVELS, "Level");
  const server = h("select", { name: "server_id", "aria-label": "Server" }, h("option", { value: "" }, "any server"));
  const q = h("input", { type: "search", name: "q", placeholder: "Search history", "aria-label": "Search history" });
  const state = h("span", { class: "live-state", dataset: { testid: "live-state" } }, "connecting");
  const pause = h("button", { type: "button", class: "btn btn-small" }, "Pause");
  const liveList = h("ul", { class: "plain acts", dataset: { testid: "live" } });
  const liveEmpty = h("p", { class: "muted", dataset: { testid: "live-empty" } }, "Waiting for activity… Calls through MCP and admin actions appear here as they happen.");
  const hist = h("div");
  const failed = h("div");
  root.append(h("div", { class: "page-head" }, h("h1", null, "Activity")),
    h("div", { class: "toolbar" }, type, level, server),
    h("div", { class: "grid-2 activity" },
      h("section", { class: "panel" }, h("div", { class: "panel-head" }, h("h2", null, "Live"), h("div", { class: "actions" }, state, pause)), liveEmpty, liveList),
      h("section", { class: "panel" }, h("div", { class: "panel-head" }, h("h2", null, "History"), q), hist)),
    h("section", { class: "panel", dataset: { testid: "failed-calls" } }, h("h2", null, "Failed calls"), failed));

  api.get("/api/servers" + qs({ page_size: 100 })).then((d) => {
    for (const s of d.items) server.append(h("option", { value: s.id }, s.name));
  }).catch(() => {});

  let ctl = null;
  let paused = false;
  let closed = false;
  let retry = 0;
  function setState(s) {
    state.textContent = s;
    state.className = "live-state live-" + s.split(" ")[0];
  }
  function connect() {
    if (ctl) ctl.abort();
    if (closed || paused) return;
    ctl = new AbortController();
    const my = ctl;
    setState("connecting");
    const path = "/api/activity/stream" + qs({ log_type: type.value, level: level.value, server_id: server.value });
    stream(path, (name, data) => {
      if (name !== "activity") return;
      let e;
      try {
        e = JSON.parse(data);
      } catch {
        return;
      }
      liveEmpty.hidden = true;
      liveList.prepend(entry(e, true));
      while (liveList.children.length > LIVE_MAX) liveList.lastChild.remove();
    }, my.signal, () => {
      retry = 0;
      setState("live");
    }).then(() => {
      if (my.signal.aborted) return;
      setState("reconnecting");
      setTimeout(connect, 1000);
    }, (err) => {
      if (my.signal.aborted || closed) return;
      setState("reconnecting");
      retry = Math.min(retry + 1, 5);
      setTimeout(connect, 1000 * retry);
    });
  }
  pause.addEventListener("click", () => {
    paused = !paused;
    pause.textContent = paused ? "Resume" : "Pause";
    if (paused) {
      if (ctl) ctl.abort();
      setState("paused");
    } else connect();
  });

  let page = 1;
  async function loadHistory() {
    clear(hist).append(loading());
    try {
      const d = await api.get("/api/activity/logs" + qs({ log_type: type.value, level: level.value, server_id: server.value, q: q.value.trim(), page, page_size: 25 }));
      clear(hist);
      if (!d.items.length) return void hist.append(empty("Nothing recorded", h("p", null, "Nothing matches these filters yet.")));
      hist.append(h("ul", { class: "plain acts", dataset: { testid: "history" } }, d.items.map((e) => entry(e, false))), pager(d, (p) => {
        page = p;
        loadHistory();
      }));
    } catch (e) {
      clear(hist).append(errorBox(e));
    }
  }
  // The execution logs of the calls that failed, newest first, of the
  // server chosen above: each row shows its error.
  async function loadFailed() {
    try {
      const d = await api.get("/api/execution-logs" + qs({ success: "false", server_id: server.value, page: 1, page_size: 10 }));
      clear(failed).append(d.items.length ? logTable(d.items) : h("p", { class: "muted" }, "No tool call has failed."));
    } catch (e) {
      clear(failed).append(errorBox(e));
    }
  }
  server.addEventListener("change", loadFailed);
  for (const f of [type, level, server]) {
    f.addEventListener("change", () => {
      page = 1;
      clear(liveList);
      liveEmpty.hidden = false;
      connect();
      loadHistory();
    });
  }
  let timer;
  q.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      page = 1;
      loadHistory();
    }, 250);
  });
  connect();
  loadFailed();
  await loadHistory();
  return () => {
    closed = true;
    if (ctl) ctl.abort();
  };
}
