// A loopback MCP server behind its own OAuth 2.1 authorization server, for
// the panel's "Authorize" flow: the 401 names the RFC 9728 metadata, the
// issuer has a path (RFC 8414 insertion), RFC 7591 registration, and the
// authorization endpoint redirects straight back (the "user" consents)
// after checking the request; the token endpoint really checks PKCE S256.
import crypto from "node:crypto";
import http from "node:http";

const b64url = (buf) => buf.toString("base64url");

export function startOAuthSource() {
  const st = { clients: new Map(), codes: new Map(), access: new Set(), grants: [] };
  const server = http.createServer((req, res) => {
    const base = `http://127.0.0.1:${server.address().port}`;
    const send = (code, body, headers = {}) => {
      const data = body === undefined ? "" : JSON.stringify(body);
      res.writeHead(code, { ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...headers });
      res.end(data);
    };
    const u = new URL(req.url, base);
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      if (req.method === "GET" && u.pathname === "/.well-known/oauth-protected-resource/mcp")
        return send(200, { resource: `${base}/mcp`, authorization_servers: [`${base}/as`] });
      if (req.method === "GET" && u.pathname === "/.well-known/oauth-authorization-server/as")
        return send(200, {
          issuer: `${base}/as`, authorization_endpoint: `${base}/as/authorize`, token_endpoint: `${base}/as/token`,
          registration_endpoint: `${base}/as/register`, code_challenge_methods_supported: ["S256"],
        });
      if (req.method === "POST" && u.pathname === "/as/register") {
        const m = JSON.parse(raw);
        const id = "client-" + crypto.randomUUID();
        st.clients.set(id, m.redirect_uris);
        return send(201, { client_id: id, redirect_uris: m.redirect_uris, token_endpoint_auth_method: "none" });
      }
      if (req.method === "GET" && u.pathname === "/as/authorize") {
        const q = Object.fromEntries(u.searchParams);
        const uris = st.clients.get(q.client_id) || [];
        if (q.response_type !== "code" || !uris.includes(q.redirect_uri) || q.code_challenge_method !== "S256" || !q.state)
          return send(400, { error: "invalid_request" });
        const code = "code-" + crypto.randomUUID();
        st.codes.set(code, q);
        return send(302, undefined, { Location: `${q.redirect_uri}?code=${encodeURIComponent(code)}&state=${encodeURIComponent(q.state)}` });
      }
      if (req.method === "POST" && u.pathname === "/as/token") {
        const f = Object.fromEntries(new URLSearchParams(raw));
        st.grants.push(f.grant_type);
        const c = st.codes.get(f.code);
        st.codes.delete(f.code);
        const want = c && b64url(crypto.createHash("sha256").update(f.code_verifier || "").digest());
        if (!c || c.client_id !== f.client_id || c.redirect_uri !== f.redirect_uri || want !== c.code_challenge)
          return send(400, { error: "invalid_grant" });
        const at = "at-" + crypto.randomUUID();
        st.access.add(at);
        return send(200, { access_token: at, token_type: "Bearer", expires_in: 3600, refresh_token: "rt-" + crypto.randomUUID() });
      }
      if (req.method === "POST" && u.pathname === "/mcp") {
        const auth = req.headers.authorization || "";
        if (!auth.startsWith("Bearer ") || !st.access.has(auth.slice(7)))
          return send(401, { error: "unauthorized" }, { "WWW-Authenticate": `Bearer resource_metadata="${base}/.well-known/oauth-protected-resource/mcp"` });
        const msg = JSON.parse(raw);
        if (msg.id === undefined) return send(202);
        const result = {
          initialize: { protocolVersion: "2025-03-26", capabilities: { tools: {} }, serverInfo: { name: "e2e-oauth", version: "1" } },
          "tools/list": { tools: [{ name: "greet", description: "Says hello", inputSchema: { type: "object", properties: { name: { type: "string" } } } }] },
          "tools/call": { content: [{ type: "text", text: `hello ${(msg.params?.arguments || {}).name}` }] },
        }[msg.method];
        if (!result) return send(200, { jsonrpc: "2.0", id: msg.id, error: { code: -32601, message: "no such method" } });
        return send(200, { jsonrpc: "2.0", id: msg.id, result });
      }
      return send(404, { error: "not found" });
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () =>
    resolve({ port: server.address().port, state: st, close: () => new Promise((r) => { server.close(r); server.closeAllConnections(); }) })));
}
