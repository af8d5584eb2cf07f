// The panel's entry point: hash routing (#/servers/ID, so only "/" serves
// index.html), the frame around every page, the theme, and the first-run
// and login pages. Each page module exports render(root, params) and may
// return a cleanup function (open streams are closed on navigation).
import { api, session, onAuthChange, login, setup, logout, loadMe, me, meAge, isAdmin } from "./api.js";
import { h, clear, field, formError, busy, toast, errorBox } from "./ui.js";
import * as dashboard from "./dashboard.js";
import * as servers from "./servers.js";
import * as tooldetail from "./tool.js";
import * as approvals from "./approvals.js";
import * as activity from "./activity.js";
import * as settings from "./settings.js";
import * as external from "./page-external.js";
import * as users from "./users.js";
import * as tokens from "./tokens.js";
import { pendingCount } from "./counts.js";

const ROUTES = [
  [/^\/$/, dashboard, "dashboard"],
  [/^\/servers$/, servers, "servers", (m) => ({})],
  [/^\/servers\/([0-9a-f-]{36})(?:\/(tools|secrets|hosts|external|logs|connect))?$/, servers, "servers", (m) => ({ id: m[1], tab: m[2] || "tools" })],
  [/^\/servers\/([0-9a-f-]{36})\/tools\/([0-9a-f-]{36})$/, tooldetail, "servers", (m) => ({ server: m[1], id: m[2] })],
  [/^\/approvals(?:\/(tools|sources|modules|network))?$/, approvals, "approvals", (m) => ({ tab: m[1] || "tools" })],
  [/^\/activity$/, activity, "activity"],
  [/^\/settings(?:\/(policy|modules|export|remote|account))?$/, settings, "settings", (m) => ({ tab: m[1] || "policy" })],
  [/^\/users$/, users, "users"],
  [/^\/tokens$/, tokens, "tokens"],
];

// Pages only admins have: others get a note, not a request the API refuses.
const ADMIN_ONLY = new Set(["users", "tokens"]);

let cleanup = null;
let setupRequired = null;

// ---- theme ------------------------------------------------------------

const THEMES = ["auto", "light", "dark"];

function applyTheme(t) {
  if (t === "auto") document.documentElement.removeAttribute("data-theme");
  else document.documentElement.setAttribute("data-theme", t);
}

function themeButton() {
  const cur = () => localStorage.getItem("mcpbox.theme") || "auto";
  const b = h("button", { type: "button", class: "btn btn-ghost theme-toggle", title: "Colour theme", "aria-label": "Colour theme" });
  const paint = () => (b.textContent = { auto: "◐ Auto", light: "☀ Light", dark: "☾ Dark" }[cur()]);
  b.addEventListener("click", () => {
    const next = THEMES[(THEMES.indexOf(cur()) + 1) % THEMES.length];
    localStorage.setItem("mcpbox.theme", next);
    applyTheme(next);
    paint();
  });
  paint();
  return b;
}

// ---- frame --------------------------------------------------------------

function frame(active) {
  const pending = pendingCount();
  const link = (href, key, label, extra) =>
    h("a", { href, class: key === active ? "nav-link active" : "nav-link", dataset: { nav: key } }, label, extra || null);
  const nav = h("nav", { class: "nav", "aria-label": "Main" },
    link("#/", "dashboard", "Dashboard"),
    link("#/servers", "servers", "Servers"),
    link("#/approvals", "approvals", "Approvals", pending),
    link("#/activity", "activity", "Activity"),
    isAdmin() ? link("#/users", "users", "Users") : null,
    isAdmin() ? link("#/tokens", "tokens", "Tokens") : null,
    link("#/settings", "settings", "Settings"),
    h("span", { class: "nav-user muted" }, whoami()));
  const menu = h("button", { type: "button", class: "btn btn-ghost menu-toggle", "aria-label": "Menu", "aria-expanded": "false" }, "☰");
  menu.addEventListener("click", () => {
    const open = nav.classList.toggle("open");
    menu.setAttribute("aria-expanded", open ? "true" : "false");
  });
  const out = h("button", { type: "button", class: "btn btn-ghost", dataset: { testid: "logout" } }, "Log out");
  out.addEventListener("click", async () => {
    await logout();
    toast("Logged out.");
    location.hash = "#/login";
  });
  const main = h("main", { class: "main", id: "main" });
  const header = h("header", { class: "top" },
    h("a", { href: "#/", class: "brand" }, h("img", { src: "/static/favicon.svg", alt: "", width: 24, height: 24 }), "MCPbox"),
    menu, nav,
    h("div", { class: "top-right" }, h("span", { class: "muted user", dataset: { testid: "whoami" } }, whoami()), themeButton(), out));
  return [header, main];
}

// Who is logged in, and as what.
function whoami() {
  const m = me() || {};
  const r = m.role || "";
  return [h("span", { dataset: { testid: "username" } }, m.username || (session() || {}).username || ""), " ",
    r ? h("span", { class: `role-badge role-${r}`, dataset: { testid: "role" }, title: ROLE_HINT[r] || "" }, r) : null];
}

const ROLE_HINT = {
  admin: "Admins may do everything.",
  reviewer: "Reviewers read everything and approve, reject and revoke what waits for review.",
  viewer: "Viewers read everything and change nothing.",
};

// ---- auth pages -----------------------------------------------------------

function authCard(title, intro, form) {
  return h("div", { class: "auth" },
    h("div", { class: "auth-card" },
      h("div", { class: "brand big" }, h("img", { src: "/static/favicon.svg", alt: "", width: 32, height: 32 }), "MCPbox"),
      h("h1", null, title), intro ? h("p", { class: "muted" }, intro) : null, form),
    h("div", { class: "auth-theme" }, themeButton()));
}

function setupPage(root) {
  const user = h("input", { name: "username", autocomplete: "username", required: true, minlength: 3, maxlength: 50, value: "admin" });
  const pw = h("input", { name: "password", type: "password", autocomplete: "new-password", required: true, minlength: 12, maxlength: 128 });
  const pw2 = h("input", { name: "password2", type: "password", autocomplete: "new-password", required: true, minlength: 12, maxlength: 128 });
  const form = h("form", { class: "form", dataset: { testid: "setup-form" } },
    field("Username", user, "3–50 characters: letters, digits and _, starting with a letter."),
    field("Password", pw, "12–128 characters. A few unrelated words make a good one."),
    field("Repeat the password", pw2),
    formError(),
    h("button", { type: "submit", class: "btn btn-primary wide" }, "Create the admin account"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (pw.value !== pw2.value) {
      busy(form, () => Promise.reject({ fields: { password2: "the two passwords differ" } }));
      return;
    }
    if (pw.value.length < 12 || pw.value.length > 128) {
      busy(form, () => Promise.reject({ fields: { password: "12 to 128 characters" } }));
      return;
    }
    busy(form, async () => {
      await setup(user.value.trim(), pw.value);
      setupRequired = false;
      toast("Admin account created.");
      location.hash = "#/";
    });
  });
  root.append(authCard("Welcome", "Create the one admin account of this MCPbox. You will review and approve the tools your LLM writes.", form));
  user.focus();
}

function loginPage(root) {
  const user = h("input", { name: "username", autocomplete: "username", required: true });
  const pw = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const form = h("form", { class: "form", dataset: { testid: "login-form" } },
    field("Username", user), field("Password", pw), formError(),
    h("button", { type: "submit", class: "btn btn-primary wide" }, "Log in"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(form, async () => {
      await login(user.value.trim(), pw.value);
      location.hash = "#/";
    });
  });
  root.append(authCard("Log in", null, form));
  user.focus();
}

// ---- routing --------------------------------------------------------------

async function route() {
  if (cleanup) {
    try {
      cleanup();
    } catch {
      // A page's cleanup failing must not stop navigation.
    }
    cleanup = null;
  }
  const app = document.getElementById("app");
  const path = (location.hash.replace(/^#/, "") || "/").split("?")[0];
  if (setupRequired === null || path === "/setup" || (!session() && setupRequired)) {
    try {
      setupRequired = (await api.get("/api/auth/status", { anonymous: true })).setup_required;
    } catch (e) {
      clear(app).append(errorBox(e));
      return;
    }
  }
  clear(app);
  document.body.classList.remove("page-auth");
  if (setupRequired) {
    if (path !== "/setup") return void (location.hash = "#/setup");
    document.body.classList.add("page-auth");
    document.title = "Set up · MCPbox";
    return setupPage(app);
  }
  if (!session()) {
    if (path !== "/login") return void (location.hash = "#/login");
    document.body.classList.add("page-auth");
    document.title = "Log in · MCPbox";
    return loginPage(app);
  }
  if (path === "/login" || path === "/setup") return void (location.hash = "#/");
  if (!me()) {
    try {
      await loadMe();
    } catch (e) {
      // A session that could not be refreshed went back to the login page.
      if (session()) clear(app).append(errorBox(e));
      return;
    }
  } else if (meAge() > 30) {
    // A role changed by another admin shows without a reload.
    const was = me().role;
    loadMe().then((m) => {
      if (m && m.role !== was) route();
    }, () => {});
  }
  for (const [re, mod, nav, params] of ROUTES) {
    const m = path.match(re);
    if (!m) continue;
    const [header, main] = frame(nav);
    app.append(header, main);
    document.title = `${nav[0].toUpperCase()}${nav.slice(1)} · MCPbox`;
    if (ADMIN_ONLY.has(nav) && !isAdmin()) {
      main.append(h("div", { class: "page-head" }, h("h1", null, `${nav[0].toUpperCase()}${nav.slice(1)}`)),
        h("div", { class: "empty", dataset: { testid: "admins-only" } }, h("h3", null, "Admins only"),
          h("p", null, "Your role does not include this page. ", h("a", { href: "#/" }, "Back to the dashboard"))));
      return;
    }
    try {
      const c = await mod.render(main, params ? params(m) : {});
      if (typeof c === "function") cleanup = c;
    } catch (e) {
      main.append(errorBox(e));
    }
    return;
  }
  const [header, main] = frame("");
  app.append(header, main);
  main.append(h("div", { class: "empty" }, h("h3", null, "No such page"), h("p", null, h("a", { href: "#/" }, "Back to the dashboard"))));
}

onAuthChange((a) => {
  if (!a && !location.hash.startsWith("#/login")) location.hash = "#/login";
});
applyTheme(localStorage.getItem("mcpbox.theme") || "auto");
if (location.pathname === "/oauth/external-callback") {
  // An external source's authorization server sent the browser back.
  document.body.classList.add("page-auth");
  document.title = "Authorizing · MCPbox";
  const app = document.getElementById("app");
  if (session()) external.oauthCallback(app);
  else clear(app).append(h("div", { class: "auth-card" }, h("h1", null, "Log in first"),
    h("p", null, "Log in to the MCPbox panel in this browser, then authorize the source again."), h("p", null, h("a", { href: "/#/login" }, "Log in"))));
} else {
  window.addEventListener("hashchange", route);
  route();
}
