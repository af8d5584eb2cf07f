// The REST client: tokens, silent refresh, errors in one shape, who is
// logged in and with which role, and the activity stream read with
// fetch() (EventSource can't send a Bearer).
//
// Refresh tokens rotate and a used one is dead, so every caller that meets
// a 401 waits on the same refresh; a second 401 after it means the session
// is over and the panel goes back to the login page.

const KEY = "mcpbox.auth";
let auth = load();
let refreshing = null;
// GET /api/auth/me of this login: {id, username, role, ...}; in memory only.
let who = null;
let whoAt = 0;
const listeners = new Set();
// Told of every answered request (method, path, parsed body): counts in
// the frame follow what the pages change (counts.js).
const watchers = new Set();

export function onResponse(fn) {
  watchers.add(fn);
}

function load() {
  try {
    return JSON.parse(localStorage.getItem(KEY)) || null;
  } catch {
    return null;
  }
}

function save(a) {
  auth = a;
  if (!a) who = null;
  if (a) localStorage.setItem(KEY, JSON.stringify(a));
  else localStorage.removeItem(KEY);
  for (const fn of listeners) fn(a);
}

export function onAuthChange(fn) {
  listeners.add(fn);
}

export function session() {
  return auth;
}

export function setTokens(t) {
  save({
    access: t.access_token,
    refresh: t.refresh_token,
    username: t.username || (auth && auth.username) || "admin",
  });
}

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `request failed (${status})`);
    this.status = status;
    this.code = e.code || "http_" + status;
    this.fields = e.fields || {};
  }
}

async function parse(res) {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { error: { code: "bad_response", message: text.slice(0, 200) } };
  }
}

async function refresh() {
  if (!auth || !auth.refresh) return false;
  if (!refreshing) {
    const token = auth.refresh;
    refreshing = fetch("/api/auth/refresh", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: token }),
    })
      .then(async (res) => {
        if (!res.ok) return false;
        setTokens(await parse(res));
        return true;
      })
      .catch(() => false)
      .finally(() => {
        refreshing = null;
      });
  }
  return refreshing;
}

function expire() {
  save(null);
  if (!location.hash.startsWith("#/login")) location.hash = "#/login";
}

// Kore answers a body-less POST/PUT/PATCH with 411, so those always carry
// at least "{}".
function init(method, body, extra) {
  const headers = { accept: "application/json", ...(extra || {}) };
  const o = { method, headers };
  if (method !== "GET" && method !== "HEAD" && method !== "DELETE") {
    headers["content-type"] = "application/json";
    o.body = JSON.stringify(body === undefined ? {} : body);
  } else if (method === "DELETE" && body !== undefined) {
    headers["content-type"] = "application/json";
    o.body = JSON.stringify(body);
  }
  return o;
}

export async function request(method, path, body, opts = {}) {
  for (let attempt = 0; ; attempt++) {
    const o = init(method, body, opts.headers);
    if (auth && !opts.anonymous) o.headers.authorization = "Bearer " + auth.access;
    if (opts.signal) o.signal = opts.signal;
    const res = await fetch(path, o);
    if (res.status === 401 && !opts.anonymous && attempt === 0) {
      if (await refresh()) continue;
      expire();
    }
    if (opts.raw) return res;
    const data = await parse(res);
    if (!res.ok) throw new ApiError(res.status, data);
    for (const fn of watchers) {
      try {
        fn(method, path, data);
      } catch {
        // A watcher failing must not fail the request.
      }
    }
    return data;
  }
}

export const api = {
  get: (p, o) => request("GET", p, undefined, o),
  post: (p, b, o) => request("POST", p, b, o),
  put: (p, b, o) => request("PUT", p, b, o),
  patch: (p, b, o) => request("PATCH", p, b, o),
  del: (p, o) => request("DELETE", p, undefined, o),
};

export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") u.set(k, String(v));
  }
  const s = u.toString();
  return s ? "?" + s : "";
}

export async function login(username, password) {
  const t = await request("POST", "/api/auth/login", { username, password }, { anonymous: true });
  who = null;
  setTokens({ ...t, username: t.username || username });
  await loadMe();
}

// The logged-in user and role. The API enforces every role on every
// route; the panel reads it only to leave out what would be refused.
export async function loadMe() {
  const m = await request("GET", "/api/auth/me");
  if (!auth) return null;
  who = m;
  whoAt = Date.now();
  return m;
}

export function me() {
  return who;
}

// Seconds since the role was read (the panel reads it again now and then,
// so a demotion shows without a reload).
export function meAge() {
  return who ? (Date.now() - whoAt) / 1000 : Infinity;
}

export const role = () => (who && who.role) || "viewer";
export const isAdmin = () => role() === "admin";
export const canReview = () => role() === "admin" || role() === "reviewer";

export async function setup(username, password) {
  const t = await request("POST", "/api/auth/setup", { username, password }, { anonymous: true });
  if (t && t.access_token) {
    setTokens({ ...t, username: t.username || username });
    await loadMe();
  } else await login(username, password);
}

export async function logout() {
  const a = auth;
  if (a) {
    try {
      await request("POST", "/api/auth/logout", { refresh_token: a.refresh });
    } catch {
      // The tokens are dropped below whatever the server said.
    }
  }
  save(null);
}

// Read an SSE response body and call onEvent(name, data) per event.
// Returns when the stream ends or `signal` aborts it.
export async function stream(path, onEvent, signal, onOpen) {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(path, {
      headers: { accept: "text/event-stream", authorization: "Bearer " + (auth && auth.access) },
      signal,
    });
    if (res.status === 401 && attempt === 0) {
      if (await refresh()) continue;
      expire();
    }
    if (!res.ok) throw new ApiError(res.status, await parse(res));
    if (onOpen) onOpen();
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    let name = "message";
    let data = [];
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += value;
      let nl;
      while ((nl = buf.search(/\r?\n/)) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + (buf[nl] === "\r" ? 2 : 1));
        if (line === "") {
          if (data.length) onEvent(name, data.join("\n"));
          name = "message";
          data = [];
        } else if (line.startsWith(":")) {
          continue;
        } else {
          const i = line.indexOf(":");
          const field = i < 0 ? line : line.slice(0, i);
          let v = i < 0 ? "" : line.slice(i + 1);
          if (v.startsWith(" ")) v = v.slice(1);
          if (field === "event") name = v;
          else if (field === "data") data.push(v);
        }
      }
    }
  }
}
