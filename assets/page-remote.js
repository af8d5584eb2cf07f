// Remote access (docs/REMOTE-ACCESS.md): the public URL and the front doors
// as configured in the environment, the OAuth clients that registered
// (revocable), and copy-paste steps for cloudflared and Claude. Exports
// render(root) like every page module.
import { api, isAdmin } from "./api.js";
import { h, clear, loading, errorBox, kv, copyButton, confirmDialog, toast, empty, fmtTime, ago } from "./ui.js";

const DOORS = {
  oauth: "OAuth 2.1 (built in)",
  cloudflare_access: "Cloudflare Access",
  service_token: "Service token",
};

function snippet(text, id) {
  return h("div", { class: "snippet" }, h("pre", { class: "code", dataset: id ? { snippet: id } : null }, text), copyButton(() => text));
}

// Where the public door is, or, while it is closed, where to open it:
// the local door's host with the next port (127.0.0.1:8000 -> :8001).
function publicDoor(d) {
  if (d.public_listen) return d.public_listen;
  const local = String(d.local_listen || "127.0.0.1:8000");
  const at = local.lastIndexOf(":");
  const host = at > 0 ? local.slice(0, at) : "127.0.0.1";
  const port = Number(local.slice(at + 1)) || 8000;
  const next = port < 65535 ? port + 1 : port - 1;
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${next}` : `${host}:${next}`;
}

function clientsTable(d, reload) {
  if (!d.clients.length)
    return empty("No OAuth clients yet", h("p", null, "A client appears here when it registers, e.g. when you add the connector in Claude."));
  return h("table", { class: "table", dataset: { testid: "oauth-clients" } },
    h("thead", null, h("tr", null, h("th", null, "Client"), h("th", null, "Redirect URIs"), h("th", null, "Registered"),
      h("th", null, "Last used"), h("th", null, "Active grants"), h("th", null, ""))),
    h("tbody", null, d.clients.map((c) => {
      const revoke = h("button", { type: "button", class: "btn btn-small btn-danger" }, "Revoke");
      revoke.addEventListener("click", async () => {
        if (!(await confirmDialog({ title: `Revoke ${c.client_name || "this client"}?`,
          message: "Its refresh tokens stop working at once; an access token already issued lasts at most 15 minutes.",
          confirm: "Revoke", danger: true }))) return;
        try {
          await api.del(`/api/remote/clients/${c.id}`);
          toast("Client revoked.");
          reload();
        } catch (e) {
          toast(e.message, "error");
        }
      });
      return h("tr", null, h("td", null, c.client_name || h("span", { class: "muted" }, c.id)),
        h("td", null, c.redirect_uris.map((u) => h("div", null, h("code", null, u)))),
        h("td", null, fmtTime(c.created_at)), h("td", null, ago(c.last_used_at)),
        h("td", null, String(c.active_grants)), h("td", null, isAdmin() ? revoke : null));
    })));
}

function instructions(d) {
  const pub = d.public_url || "https://mcp.example.com";
  const host = pub.replace(/^https?:\/\//, "");
  const door = publicDoor(d);
  return h("section", { class: "panel" }, h("h2", null, "Expose it with cloudflared"),
    d.public_listen ? null : h("p", null, "Open the public door first: set ", h("code", null, "MCPBOX_PUBLIC_URL"), " to the public address and ",
      h("code", null, "MCPBOX_PUBLIC_LISTEN"), " to the listener the tunnel will reach, then restart:"),
    d.public_listen ? null : snippet(`MCPBOX_PUBLIC_URL=https://mcp.example.com MCPBOX_PUBLIC_LISTEN=${door} make run`, "public-listen"),
    h("p", null, "Create a named tunnel once, route your hostname to it and run it. Point it at the public door (",
      h("code", null, door), d.public_listen ? "" : ", once open", "), never at the local one (", h("code", null, d.local_listen), "):"),
    snippet(`cloudflared tunnel login\ncloudflared tunnel create mcpbox\ncloudflared tunnel route dns mcpbox ${host}\ncloudflared tunnel run --url http://${door} mcpbox`, "cloudflared"),
    h("p", null, "nginx or Caddy instead: docs/examples/nginx.conf and docs/examples/Caddyfile, both aimed at the public door."),
    h("h2", null, "A proxy of your own, with the service token"),
    h("p", null, d.front_doors.includes("service_token") ? "" : "Set MCPBOX_SERVICE_TOKEN (32 characters or more) first. ",
      "A proxy that authenticates its users itself forwards to the public door (", h("code", null, door),
      ") with these headers; MCPbox reads the service token from ", h("code", null, "X-MCPbox-Service-Token"),
      " only, and a wrong one is refused with 403:"),
    snippet("X-MCPbox-Service-Token: <MCPBOX_SERVICE_TOKEN>\nX-MCPbox-User-Email: alice@example.com", "service-token"),
    h("h2", null, "Add the connector in Claude"),
    h("p", null, "Settings → Connectors → Add custom connector, with this URL (leave the OAuth fields empty):"),
    snippet(d.resource || pub + "/mcp"),
    h("p", null, "Claude opens this MCPbox's consent page: log in as an admin, choose the servers and what the client may do, and approve. ",
      "The consent is listed under Tokens, where it can be revoked."),
    h("p", null, "Claude Code:"),
    snippet(`claude mcp add --transport http mcpbox ${d.resource || pub + "/mcp"}`));
}

export async function render(root) {
  const load = async () => {
    clear(root).append(loading());
    let d;
    try {
      d = await api.get("/api/remote");
    } catch (e) {
      return void clear(root).append(errorBox(e));
    }
    const doors = d.front_doors.length ? d.front_doors.map((k) => DOORS[k] || k).join(", ") : "none: MCP answers only on this machine";
    clear(root).append(
      h("section", { class: "panel", dataset: { testid: "remote-status" } }, h("h2", null, "Remote access"),
        kv([
          ["Public URL", d.public_url ? h("code", null, d.public_url) : "not set (MCPBOX_PUBLIC_URL)"],
          ["Public door", d.public_listen ? h("code", { dataset: { testid: "public-door" } }, d.public_listen) : "closed (MCPBOX_PUBLIC_LISTEN)"],
          ["Local door", h("code", null, d.local_listen)],
          ["MCP resource", d.resource ? h("code", null, d.resource) : "—"],
          ["Front doors", doors],
          d.cloudflare_access.team ? ["Cloudflare Access team", h("code", null, d.cloudflare_access.team)] : null,
          ["Allowed emails", d.allowed_emails || "any user the front door admits"],
          ["Token lifetimes", `access ${d.access_token_ttl / 60} min · refresh ${d.refresh_token_ttl / 86400} days`],
        ]),
        h("p", { class: "muted" }, "These come from the environment; change them there and restart. Every request on the public door is remote, whatever its headers say: it serves MCP (with a token) and OAuth only, never the panel, /api or /metrics.")),
      h("section", { class: "panel" }, h("h2", null, "OAuth clients"), clientsTable(d, load)),
      instructions(d));
  };
  await load();
}
