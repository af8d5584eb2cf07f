// Users, roles and client tokens in the panel (panel.test.mjs runs it with
// its admin page, MCP client and helpers, once tools are approved and the
// weather server runs): the admin adds a reviewer and a viewer on the Users
// page (the last admin cannot be deleted, and the page says why); the
// reviewer, in a browser of its own, sees no admin pages or actions,
// approves a tool waiting for review (which records its name) and is
// refused admin routes by the API; the viewer sees no action at all; the
// admin makes a client token of one server, copies its Claude Code
// configuration, an MCP SDK client uses the token on that server's
// endpoint, and revoking it in the list ends its access at once.
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const REVIEWER = "rita";
const VIEWER = "vic";
const CODE = 'def main(city: str) -> dict:\n    """Tomorrow\'s humidity."""\n    return {"city": city, "humidity": 61}\n';

// The panel's own access token of a page, for the API directly.
const accessOf = (p) => p.evaluate(() => JSON.parse(localStorage.getItem("mcpbox.auth")).access);

async function apiAs(p, BASE, method, url, data) {
  const r = await p.request.fetch(BASE + url, { method, headers: { Authorization: `Bearer ${await accessOf(p)}` }, data });
  return { status: r.status(), body: await r.json().catch(() => null) };
}

async function tokenClient(url, token) {
  const c = new Client({ name: "mcpbox-e2e-token", version: "1.0.0" }, { capabilities: {} });
  await c.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  return c;
}

async function loginAs(p, BASE, user, password) {
  await p.goto(BASE + "/");
  await p.waitForSelector("[data-testid=login-form]");
  await p.fill("[name=username]", user);
  await p.fill("[name=password]", password);
  await p.click("button[type=submit]");
  await p.waitForSelector("[data-testid=stats]");
  assert.equal(await p.textContent("[data-testid=whoami] [data-testid=username]"), user);
}

// The local date and time an hour from now as a datetime-local input takes it.
function inAnHour() {
  const d = new Date(Date.now() + 3600 * 1000);
  const z = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${z(d.getMonth() + 1)}-${z(d.getDate())}T${z(d.getHours())}:${z(d.getMinutes())}`;
}

export async function usersTokens({ page, context, client, srv, BASE, PASSWORD, mcpCall, go, shot, toastSays, log, expectStatus, openBrowser, setStep }) {
  // ---- a tool waiting for review, for the reviewer to approve
  setStep("users");
  const tool = await mcpCall(client, "mcpbox_create_tool", { server_id: srv.id, name: "humidity", description: "Tomorrow's humidity", python_code: CODE });
  assert.equal((await mcpCall(client, "mcpbox_request_publish", { tool_id: tool.id, notes: "for the reviewer" })).approval_status, "pending_review");

  // ---- (a) the admin's Users page
  await go(page, "#/users", "users");
  assert.equal(await page.textContent("[data-testid=whoami] [data-testid=role]"), "admin");
  assert.equal(await page.locator("nav [data-nav=users]").count(), 1, "admins have Users in the nav");
  assert.equal(await page.locator("nav [data-nav=tokens]").count(), 1, "admins have Tokens in the nav");
  const adminRow = page.locator("[data-testid=users] tr[data-user=admin]");
  await adminRow.waitFor();
  assert.equal(await adminRow.getAttribute("data-role"), "admin");
  // The only admin cannot be deleted: the API refuses, the page says why.
  expectStatus("/api/users/", 409);
  await adminRow.locator("[data-action=delete]").click();
  await page.click(".modal [data-action=confirm]");
  const notice = page.locator("[data-testid=users-error]:not([hidden])");
  await notice.waitFor();
  assert.equal(await notice.getAttribute("data-code"), "last_admin");
  assert.match(await notice.textContent(), /at least one active admin/);
  assert.equal(await adminRow.getAttribute("data-active"), "true");
  // A password the policy refuses comes back on its field.
  await page.fill("[data-testid=new-username]", REVIEWER);
  await page.fill("[data-testid=new-password]", "short");
  await page.selectOption("[data-testid=new-role]", "reviewer");
  expectStatus("/api/users", 422);
  await page.click("[data-testid=user-create] button[type=submit]");
  await page.waitForSelector("[data-testid=user-create] .field-error[data-field=password]");
  await page.fill("[data-testid=new-password]", PASSWORD);
  await page.click("[data-testid=user-create] button[type=submit]");
  await toastSays(page, `${REVIEWER} added as a reviewer`);
  const revRow = page.locator(`[data-testid=users] tr[data-user=${REVIEWER}]`);
  await revRow.waitFor();
  assert.equal(await revRow.getAttribute("data-role"), "reviewer");
  assert.equal(await revRow.locator("[data-testid=user-state]").textContent(), "active");
  // A name taken: 409, in the form.
  await page.fill("[data-testid=new-username]", REVIEWER);
  await page.fill("[data-testid=new-password]", PASSWORD);
  expectStatus("/api/users", 409);
  await page.click("[data-testid=user-create] button[type=submit]");
  await page.waitForSelector("[data-testid=user-create] .form-error:not([hidden])");
  // A second user, made a reviewer, then changed to a viewer, given a new
  // password, deactivated and activated again.
  await page.fill("[data-testid=new-username]", VIEWER);
  await page.fill("[data-testid=new-password]", PASSWORD);
  await page.click("[data-testid=user-create] button[type=submit]");
  await toastSays(page, `${VIEWER} added as a reviewer`);
  const vRow = () => page.locator(`[data-testid=users] tr[data-user=${VIEWER}]`);
  await vRow().waitFor();
  await vRow().locator("[data-testid=user-role]").selectOption("viewer");
  await toastSays(page, `${VIEWER} is now a viewer`);
  await page.locator(`[data-testid=users] tr[data-user=${VIEWER}][data-role=viewer]`).waitFor();
  await vRow().locator("[data-action=reset-password]").click();
  await page.fill(".modal [name=password]", "too short");
  await page.click(".modal [data-action=confirm]");
  await page.waitForSelector(".modal .field-error[data-field=password]");
  await page.fill(".modal [name=password]", PASSWORD + " for vic");
  await page.click(".modal [data-action=confirm]");
  await toastSays(page, `Password of ${VIEWER} changed`);
  await vRow().locator("[data-action=deactivate]").click();
  await page.click(".modal [data-action=confirm]");
  await page.locator(`[data-testid=users] tr[data-user=${VIEWER}][data-active=false]`).waitFor();
  assert.equal(await vRow().locator("[data-testid=user-state]").textContent(), "inactive");
  await vRow().locator("[data-action=activate]").click();
  await page.locator(`[data-testid=users] tr[data-user=${VIEWER}][data-active=true]`).waitFor();
  await shot(page, "users");
  log("users: a reviewer and a viewer added, role changed, password reset, deactivated and back; the last admin stays");

  // ---- (b) the reviewer, in a browser of its own
  setStep("reviewer");
  const rb = await openBrowser();
  try {
    const rp = rb.page;
    await loginAs(rp, BASE, REVIEWER, PASSWORD);
    assert.equal(await rp.textContent("[data-testid=whoami] [data-testid=role]"), "reviewer");
    assert.equal(await rp.locator("nav [data-nav=users]").count(), 0, "no Users for a reviewer");
    assert.equal(await rp.locator("nav [data-nav=tokens]").count(), 0, "no Tokens for a reviewer");
    await shot(rp, "reviewer-dashboard");
    await go(rp, "#/settings/policy", "reviewer-settings");
    await rp.waitForSelector("[data-testid=policy-form] [data-testid=read-only]");
    assert.equal(await rp.locator("main button[type=submit]").count(), 0, "no Save policy");
    assert.ok(await rp.locator("[data-testid=policy-form] select[name=local_requires_token]").isDisabled());
    assert.equal(await rp.locator(".tabs [data-tab=export]").count(), 0, "no export tab");
    await shot(rp, "reviewer-settings");
    await go(rp, "#/settings/modules", "reviewer-modules");
    await rp.waitForSelector("[data-testid=modules] li");
    assert.equal(await rp.locator("main form, main .chip-x").count(), 0, "the allow-list is read-only");
    await go(rp, `#/servers/${srv.id}/secrets`, "reviewer-secrets");
    await rp.waitForSelector("[data-testid=secrets] [data-secret=API_KEY]");
    assert.equal(await rp.locator("main form, main input, [data-testid=server-start], [data-testid=server-stop]").count(), 0,
      "no secret setting, no start or stop");
    assert.equal(await rp.locator(".page-head .actions").count(), 0, "no server actions");
    await go(rp, "#/users", "reviewer-users");
    await rp.waitForSelector("[data-testid=admins-only]");
    // The reviewer approves the tool waiting for review.
    await go(rp, "#/approvals/tools", "reviewer-approvals");
    const card = rp.locator("article[data-tool=humidity]");
    await card.waitFor();
    assert.equal(await card.locator("[data-action=reject]").count(), 1, "a reviewer may reject");
    await shot(rp, "reviewer-approvals");
    await card.locator("[data-action=approve]").click();
    await toastSays(rp, "humidity: approved");
    await card.waitFor({ state: "detached" });
    const got = await apiAs(rp, BASE, "GET", `/api/tools/${tool.id}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.approval_status, "approved");
    assert.equal(got.body.approved_by, REVIEWER, "the approval records the reviewer");
    log("reviewer: no admin pages or actions, approved a tool under its own name");

    // ---- (c) what the panel does not offer, the API refuses
    setStep("reviewer-api");
    for (const [method, url, data] of [["POST", "/api/servers", { name: "not_mine" }], ["GET", "/api/users"],
      ["GET", "/api/client-tokens"], ["PATCH", "/api/settings/security-policy", { local_requires_token: "enabled" }], ["GET", "/api/export"]]) {
      const r = await apiAs(rp, BASE, method, url, data);
      assert.equal(r.status, 403, `${method} ${url} as a reviewer`);
      assert.equal(r.body.error.code, "forbidden", `${method} ${url} as a reviewer`);
    }
    log("reviewer: admin routes answer 403 forbidden");

    // ---- the viewer: everything to read, nothing to press
    setStep("viewer");
    await go(rp, "#/", "viewer-logout");
    await rp.click("[data-testid=logout]");
    await rp.waitForSelector("[data-testid=login-form]");
    await loginAs(rp, BASE, VIEWER, PASSWORD + " for vic");
    assert.equal(await rp.textContent("[data-testid=whoami] [data-testid=role]"), "viewer");
    await go(rp, "#/approvals/tools", "viewer-approvals");
    await rp.selectOption("select[name=status]", "approved");
    const vcard = rp.locator("article[data-tool=humidity]");
    await vcard.waitFor();
    assert.equal(await vcard.locator("[data-action], input[type=checkbox]").count(), 0, "a viewer gets no approve, revoke or pick");
    assert.match(await vcard.locator("[data-testid=review-code]").textContent(), /humidity/);
    await shot(rp, "viewer-approvals");
    await go(rp, `#/servers/${srv.id}/tools`, "viewer-server");
    await rp.waitForSelector("[data-testid=tools-table] tr[data-tool=humidity]");
    assert.equal(await rp.locator("main button, [data-testid=tool-enabled]").count(), 0, "no server or tool actions for a viewer");
    await go(rp, `#/servers/${srv.id}/tools/${tool.id}`, "viewer-tool");
    assert.equal(await rp.locator(".page-head button").count(), 0, "no enable, disable or delete for a viewer");
    assert.equal(await rp.locator("button", { hasText: "Roll back" }).count(), 0, "no rollback for a viewer");
    log("viewer: every page read, no action offered");
  } finally {
    await rb.close();
  }

  // ---- (d) a client token of one server, its configuration copied
  setStep("tokens");
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: BASE });
  await go(page, "#/tokens", "tokens");
  const form = page.locator("[data-testid=token-create]");
  await page.fill("[data-testid=token-name]", "e2e-weather");
  await page.check("[data-testid=scope-call]");
  await page.check("[data-testid=servers-some]");
  await form.locator("button[type=submit]").click();
  await form.locator(".field-error[data-field=servers]").waitFor();
  await page.check("[data-testid=server-picks] input[data-server=weather]");
  await form.locator("button[type=submit]").click();
  const fresh = page.locator("[data-testid=new-token]");
  await fresh.waitFor();
  const token = (await fresh.locator("[data-testid=token-value]").textContent()).trim();
  assert.match(token, /^mcpbox_ct_[A-Za-z0-9_-]{40,}$/);
  assert.match(await fresh.textContent(), /shown this once/);
  const url = `${BASE}/mcp/weather`;
  const code = `claude mcp add --transport http mcpbox ${url} --header "Authorization: Bearer ${token}"`;
  assert.equal(await fresh.locator("[data-snippet=token-claude-code]").textContent(), code);
  await fresh.locator("[data-testid=copy-token-claude-code]").click();
  await fresh.locator("[data-testid=copy-token-claude-code]", { hasText: "Copied" }).waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(copied, code, "the copied Claude Code command");
  assert.ok(copied.includes("/mcp/weather") && copied.includes(token));
  const desktop = JSON.parse(await fresh.locator("[data-snippet=token-claude-desktop]").textContent());
  assert.deepEqual(desktop, { mcpServers: { mcpbox: { command: "npx", args: ["mcp-remote", url, "--header", "Authorization:${AUTH_HEADER}"],
    env: { AUTH_HEADER: `Bearer ${token}` } } } });
  assert.equal(await fresh.locator("[data-snippet=token-url]").textContent(), url);
  const kept = await page.evaluate((t) => [JSON.stringify(localStorage), JSON.stringify(sessionStorage), location.href].some((x) => x.includes(t)), token);
  assert.equal(kept, false, "the token is in no storage and not in the URL");
  const trow = page.locator("[data-testid=tokens] tr[data-token=e2e-weather]");
  await trow.waitFor();
  assert.equal(await trow.locator("[data-testid=token-scope]").textContent(), "call");
  assert.equal(await trow.locator("[data-testid=token-servers]").textContent(), "weather");
  assert.equal(await trow.locator("[data-testid=token-last-used]").textContent(), "never");
  await shot(page, "tokens-new");
  await page.click("[data-testid=token-done]");
  await fresh.waitFor({ state: "detached" });
  assert.equal(await page.evaluate((t) => document.documentElement.outerHTML.includes(t), token), false, "Done drops the token");
  // A name taken: 409 in the form. Then a token of every server, to author,
  // with an expiry: its endpoint is /mcp.
  await page.fill("[data-testid=token-name]", "e2e-weather");
  expectStatus("/api/client-tokens", 409);
  await form.locator("button[type=submit]").click();
  await form.locator(".form-error:not([hidden])").waitFor();
  await page.fill("[data-testid=token-name]", "e2e-all");
  await page.check("[data-testid=scope-author]");
  await page.fill("[data-testid=token-expires]", inAnHour());
  await form.locator("button[type=submit]").click();
  await page.locator("[data-testid=new-token][data-token=e2e-all]").waitFor();
  assert.equal(await page.textContent("[data-testid=new-token] [data-snippet=token-url]"), `${BASE}/mcp`);
  const allRow = page.locator("[data-testid=tokens] tr[data-token=e2e-all]");
  await allRow.waitFor();
  assert.equal(await allRow.locator("[data-testid=token-servers]").textContent(), "all servers");
  assert.equal(await allRow.locator("[data-testid=token-scope]").textContent(), "author");
  log("client tokens: made once, configuration copied, in no storage");

  // ---- (e) the token on the server's own endpoint, with the MCP SDK
  setStep("token-mcp");
  const tc = await tokenClient(url, token);
  const own = (await tc.listTools()).tools.map((t) => t.name).sort();
  assert.deepEqual(own, ["forecast", "humidity"], "the token's server's tools under their own names");
  const hr = await tc.callTool({ name: "humidity", arguments: { city: "Oslo" } });
  assert.ok(!hr.isError, JSON.stringify(hr.content));
  assert.match(JSON.stringify(hr.content), /61/);
  const tcAll = await tokenClient(`${BASE}/mcp`, token);
  const seen = (await tcAll.listTools()).tools.map((t) => t.name);
  assert.ok(seen.includes("weather__humidity"), `the call token lists weather's tools: ${seen}`);
  assert.ok(!seen.some((n) => n.startsWith("mcpbox_")), `a call token sees no management tools: ${seen}`);
  await tcAll.close();
  log("the token's client listed and called its server's tools");

  // ---- (f) revoked in the list: gone, and refused at once
  setStep("token-revoke");
  // The same hash again: reload, so the list is read anew.
  await page.reload();
  await go(page, "#/tokens", "tokens-revoke");
  await trow.waitFor();
  assert.notEqual(await trow.locator("[data-testid=token-last-used]").textContent(), "never", "the token's last use is shown");
  await trow.locator("[data-action=config]").click();
  const cfg = page.locator("[data-testid=token-config]:not([hidden])");
  assert.equal(await cfg.locator("[data-snippet=cfg-claude-code]").textContent(),
    `claude mcp add --transport http mcpbox ${url} --header "Authorization: Bearer <token>"`);
  await shot(page, "tokens-list");
  await trow.locator("[data-action=revoke]").click();
  await page.click(".modal [data-action=confirm]");
  await toastSays(page, "e2e-weather revoked");
  await trow.waitFor({ state: "detached" });
  assert.equal((await apiAs(page, BASE, "GET", "/api/client-tokens")).body.items.some((t) => t.name === "e2e-weather"), false);
  await assert.rejects(tc.listTools(), "the revoked token's session is refused");
  await tc.close().catch(() => {});
  await assert.rejects(tokenClient(url, token).then((c) => c.close()), "a revoked token cannot connect");
  log("token revoked in the list: gone, and its client refused at once");
}
