// The admin panel end to end: headless Chromium (Debian's, driven by
// playwright-core) against a real server and PostgreSQL, with tools
// created and called through MCP by the official SDK client, a
// resource and a prompt reviewed in the same queue and served after,
// users with roles and client tokens (users-tokens.mjs), and what the
// panel says held to what the code does (panel-fixes.mjs).
//
//   node tests/e2e/panel.test.mjs http://127.0.0.1:PORT
//
// Any console error, uncaught page error or CSP violation fails the run,
// except HTTP error statuses the test provokes on purpose (expectStatus).
// Every page is screenshotted into tests/out/screenshots/.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startOAuthSource } from "./oauth-source.mjs";
import { itemsReview } from "./items-review.mjs";
import { usersTokens } from "./users-tokens.mjs";
import { panelFixes } from "./panel-fixes.mjs";

const BASE = process.argv[2] || "http://127.0.0.1:8000";
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const SHOTS = path.join(ROOT, "tests", "out", "screenshots");
const PASSWORD = "correct horse battery staple";
const SECRET = "sk-live-" + Math.random().toString(36).slice(2) + "-DO-NOT-SHOW";
const CODE = 'def main(city: str) -> dict:\n    """Tomorrow\'s weather."""\n    return {"city": city, "forecast": "sunny"}\n';
const CODE2 = 'def main(city: str, days: int = 1) -> dict:\n    # several days now\n    return {"city": city, "forecast": ["sunny"] * days}\n';

fs.mkdirSync(SHOTS, { recursive: true });
const problems = [];
const expected = [];
let step = "start";
let shotN = 0;

function log(msg) {
  console.log(`[${((Date.now() - T0) / 1000).toFixed(1)}s] ${msg}`);
}
const T0 = Date.now();

// An HTTP error the next request to `urlPart` answers on purpose; with
// `many`, every such answer until the expectation is withdrawn.
function expectStatus(urlPart, status, many = false) {
  const e = { urlPart, status, many };
  expected.push(e);
  return () => expected.splice(expected.indexOf(e), 1);
}

function onConsole(msg) {
  if (msg.type() !== "error") return;
  const text = msg.text();
  const m = text.match(/status of (\d{3})/);
  const url = (msg.location() && msg.location().url) || "";
  if (m) {
    const i = expected.findIndex((e) => url.includes(e.urlPart) && Number(m[1]) === e.status);
    if (i >= 0) {
      if (!expected[i].many) expected.splice(i, 1);
      return;
    }
  }
  problems.push(`[${step}] console error: ${text} ${url}`);
}

async function shot(page, name) {
  shotN++;
  await page.screenshot({ path: path.join(SHOTS, `${String(shotN).padStart(2, "0")}-${name}.png`), fullPage: true });
}

async function go(page, hash, name) {
  step = name;
  await page.goto(`${BASE}/${hash}`);
  await page.waitForSelector("main .page-head, .auth-card");
  await page.waitForFunction(() => !document.querySelector(".loading"));
}

async function toastSays(page, text) {
  await page.locator(".toast", { hasText: text }).first().waitFor();
}

async function mcpClient() {
  const client = new Client({ name: "mcpbox-e2e", version: "1.0.0" }, { capabilities: {} });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${BASE}/mcp`)));
  return client;
}

async function mcpCall(client, name, args) {
  const r = await client.callTool({ name, arguments: args });
  assert.ok(!r.isError, `${name} failed: ${JSON.stringify(r.content)}`);
  return r.structuredContent ?? JSON.parse(r.content[0].text);
}

// A browser with a fresh profile (playwright passes it as
// --user-data-dir) whose console errors, page errors and CSP violations
// fail the run; close() also removes the profile.
async function openBrowser() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "mcpbox-e2e-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
      "--no-first-run", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1280, height: 860 },
    acceptDownloads: true,
    colorScheme: "light",
  });
  const close = async () => {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  };
  try {
    await context.exposeBinding("__cspViolation", (_src, v) => problems.push(`[${step}] CSP violation: ${v}`));
    await context.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) => {
        window.__cspViolation(`${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
      });
    });
    const page = context.pages()[0] || await context.newPage();
    page.on("console", onConsole);
    page.on("pageerror", (e) => problems.push(`[${step}] page error: ${e.message}`));
    page.setDefaultTimeout(10000);
    return { context, page, close };
  } catch (e) {
    await close();
    throw e;
  }
}

async function main() {
  const { context, page, close } = await openBrowser();
  let client;
  try {
    // ---- first run: setup, with a server-side field error first
    step = "setup";
    await page.goto(BASE + "/");
    await page.waitForURL(/#\/setup$/);
    await page.waitForSelector("[data-testid=setup-form]");
    assert.match(await page.textContent(".auth-card"), /12–128 characters/);
    const csp = (await page.request.get(BASE + "/static/app.js")).headers()["content-security-policy"];
    assert.match(csp, /script-src 'self'/);
    await shot(page, "setup");
    await page.fill("[name=username]", "9lives");
    await page.fill("[name=password]", PASSWORD);
    await page.fill("[name=password2]", PASSWORD);
    expectStatus("/api/auth/setup", 422);
    await page.click("button[type=submit]");
    await page.waitForSelector(".field-error[data-field=username]");
    await page.fill("[name=username]", "admin");
    await page.click("button[type=submit]");
    await page.waitForURL(/#\/$/);
    await page.waitForSelector("[data-testid=stats]");
    log("setup done, logged in");

    // ---- log out and in again
    step = "login";
    await page.click("[data-testid=logout]");
    await page.waitForSelector("[data-testid=login-form]");
    await shot(page, "login");
    await page.fill("[name=username]", "admin");
    await page.fill("[name=password]", "not the password at all");
    expectStatus("/api/auth/login", 401);
    await page.click("button[type=submit]");
    await page.waitForSelector(".form-error:not([hidden])");
    await page.fill("[name=password]", PASSWORD);
    await page.click("button[type=submit]");
    await page.waitForSelector("[data-testid=stats]");
    await page.waitForSelector("[data-testid=health] .dot-ok");
    await shot(page, "dashboard-empty");
    assert.match(await page.textContent("[data-snippet=claude-desktop]"), new RegExp(`mcp-remote[\\s\\S]*${BASE.replace(/[.]/g, "\\.")}/mcp`));
    log("login ok");

    // ---- a server and a tool written through MCP
    step = "mcp-create";
    client = await mcpClient();
    const srv = await mcpCall(client, "mcpbox_create_server", { name: "weather", description: "Forecasts for the e2e test" });
    const tool = await mcpCall(client, "mcpbox_create_tool", { server_id: srv.id, name: "forecast", description: "Tomorrow's weather", python_code: CODE });
    const pub = await mcpCall(client, "mcpbox_request_publish", { tool_id: tool.id, notes: "first version" }).catch(() =>
      mcpCall(client, "mcpbox_request_publish", { tool_id: tool.id }));
    assert.equal(pub.approval_status, "pending_review");
    log("server and tool created through MCP");

    // ---- review: code visible, reject needs a reason, approve
    await go(page, "#/approvals", "approvals");
    const card = page.locator("article[data-tool=forecast]");
    await card.waitFor();
    const code = await card.locator("[data-testid=review-code]").textContent();
    assert.ok(code.includes("def main(city: str) -> dict:"), "the code under review is shown");
    assert.ok(await card.locator(".tok-kw", { hasText: "def" }).count() > 0, "the code is highlighted");
    assert.equal(await card.locator("[data-testid=kind]").textContent(), "Tool");
    await shot(page, "approvals-tools");
    await card.locator("[data-action=reject]").click();
    await page.click(".modal [data-action=confirm]");
    await page.waitForSelector(".modal .field-error[data-field=reason]");
    await page.click(".modal [data-action=cancel]");
    // The author changes the tool while the card is open. With the
    // queue's refresh held back, approving what was shown is refused
    // (409) and the card then shows the change.
    let release;
    const gate = new Promise((r) => (release = r));
    const queueUrl = /\/api\/approvals\/tools\?/;
    let holding = true;
    await page.route(queueUrl, async (route) => {
      if (holding) await gate;
      // Playwright may have let a held request go when the route is removed.
      await route.continue().catch(() => {});
    });
    await mcpCall(client, "mcpbox_update_tool", { tool_id: tool.id, description: "Tomorrow's weather, changed under review" });
    expectStatus("/api/approvals/tools/", 409);
    await card.locator("[data-action=approve]").click();
    await toastSays(page, "changed since you reviewed it");
    holding = false;
    release();
    await card.locator("text=changed under review").waitFor();
    // Live: a change while the card is open redraws it with no click at
    // all, and the approve button sends the version the card now shows.
    const v0 = Number(await card.getAttribute("data-version"));
    await mcpCall(client, "mcpbox_update_tool", { tool_id: tool.id, description: "Tomorrow's weather, changed again while open" });
    await card.locator("text=changed again while open").waitFor();
    const shownVersion = Number(await card.getAttribute("data-version"));
    assert.equal(shownVersion, v0 + 1, "the redrawn card shows the new version");
    const [approveReq] = await Promise.all([
      page.waitForRequest((q) => q.url().includes(`/api/approvals/tools/${tool.id}/action`)),
      card.locator("[data-action=approve]").click(),
    ]);
    assert.equal(JSON.parse(approveReq.postData()).version, shownVersion, "approve names the reviewed version");
    await toastSays(page, "approved");
    await page.waitForSelector("article[data-tool=forecast]", { state: "detached" });
    log("a stale approve refused, a live change redrawn, the shown version approved");

    // ---- an external source the LLM added waits for review; MCPbox
    // does not contact it until then (nothing listens at that port)
    step = "sources";
    const esrc = await mcpCall(client, "mcpbox_add_external_source", { server_id: srv.id, name: "upstream", url: "http://127.0.0.1:9/mcp",
      auth_type: "bearer", auth_secret_name: "UPSTREAM_TOKEN" });
    assert.equal(esrc.approval_status, "pending_review");
    await go(page, "#/approvals/sources", "approvals-sources");
    const scard = page.locator("article[data-source=upstream]");
    await scard.waitFor();
    assert.equal(await scard.locator("[data-testid=source-url]").textContent(), "http://127.0.0.1:9/mcp");
    assert.match(await scard.textContent(), /bearer token from secret\s*UPSTREAM_TOKEN/);
    await shot(page, "approvals-sources");
    const [srcReq] = await Promise.all([
      page.waitForRequest((q) => q.url().includes(`/api/approvals/sources/${esrc.source_id}/action`)),
      scard.locator("[data-action=approve]").click(),
    ]);
    assert.equal(JSON.parse(srcReq.postData()).version, esrc.version, "approve names the reviewed version");
    await toastSays(page, "approved");
    log("an LLM's external source reviewed and approved with its version");

    step = "server";
    await go(page, "#/servers", "servers");
    await shot(page, "servers");
    await page.click("a[data-server=weather]");
    await page.waitForSelector("[data-testid=tools-table]");
    assert.equal(await page.getAttribute("tr[data-tool=forecast] .badge", "data-status"), "approved");
    await shot(page, "server-tools");
    await page.click("[data-testid=server-start]");
    await page.waitForSelector("[data-testid=server-stop]");
    log("server started from the panel");

    // ---- the call, seen live in Activity
    await go(page, "#/activity", "activity");
    await page.waitForSelector("[data-testid=live-state].live-live");
    await client.listTools();
    const r = await client.callTool({ name: "weather__forecast", arguments: { city: "Oslo" } });
    assert.ok(!r.isError, JSON.stringify(r.content));
    assert.match(JSON.stringify(r.content), /sunny/);
    await page.locator("[data-testid=live] li", { hasText: "tools/call weather__forecast ok" }).waitFor();
    await page.selectOption("select[name=log_type]", "mcp_request");
    await page.locator("[data-testid=history] li", { hasText: "tools/call weather__forecast ok" }).waitFor();
    await shot(page, "activity");
    log("call seen in the live feed and the history");

    // ---- the server's own endpoint, as its Connect tab gives it
    await go(page, `#/servers/${srv.id}/connect`, "server-connect");
    const own = (await page.textContent("[data-snippet=server-url]")).trim();
    assert.equal(own, `${BASE}/mcp/weather`);
    assert.match(await page.textContent("[data-snippet=claude-code]"), /claude mcp add --transport http weather /);
    await shot(page, "server-connect");
    const solo = new Client({ name: "mcpbox-e2e-solo", version: "1.0.0" }, { capabilities: {} });
    await solo.connect(new StreamableHTTPClientTransport(new URL(own)));
    const soloTools = (await solo.listTools()).tools.map((t) => t.name);
    assert.deepEqual(soloTools, ["forecast"]);
    const sr = await solo.callTool({ name: "forecast", arguments: { city: "Oslo" } });
    assert.ok(!sr.isError, JSON.stringify(sr.content));
    await solo.close();
    log("the Connect tab's endpoint serves the server's tools alone");

    step = "logs";
    await go(page, `#/servers/${srv.id}/logs`, "server-logs");
    await page.waitForSelector("[data-testid=exec-logs] tr[data-tool$=forecast]");
    await shot(page, "server-logs");
    await page.selectOption("select[name=success]", "false");
    await page.waitForSelector(".empty");
    log("call in the server's execution logs");

    await itemsReview({ page, client, srv, BASE, mcpCall, go, shot, toastSays, log, expectStatus, setStep: (s) => { step = s; } });

    // ---- a new version: back to review, with a diff against the approved one
    step = "diff";
    const up = await mcpCall(client, "mcpbox_update_tool", { tool_id: tool.id, python_code: CODE2 });
    assert.equal(up.approval_status, "pending_review");
    await go(page, "#/approvals/tools", "approvals-diff");
    const card2 = page.locator("article[data-tool=forecast]");
    await card2.locator("[data-testid=diff] .diff-add").first().waitFor();
    assert.ok(await card2.locator(".diff-del", { hasText: '"forecast": "sunny"' }).count() === 1, "removed line shown");
    assert.ok(await card2.locator(".diff-add", { hasText: "several days now" }).count() === 1, "added line shown");
    await shot(page, "approvals-diff");
    await card2.locator("input[type=checkbox]").check();
    await page.click(".bulk .btn-primary");
    await page.click(".modal [data-action=confirm]");
    await toastSays(page, "Done");
    log("re-approved in bulk after a diff review");

    // ---- a changed title or hint alone is reviewed like code
    step = "hints";
    const hinted = await mcpCall(client, "mcpbox_update_tool", { tool_id: tool.id, title: "Weather forecast",
      annotations: { readOnlyHint: true, openWorldHint: true } });
    assert.equal(hinted.approval_status, "pending_review");
    await go(page, "#/approvals/tools", "approvals-hints");
    const card3 = page.locator("article[data-tool=forecast]");
    await card3.locator("[data-testid=changed-title] ins", { hasText: "Weather forecast" }).waitFor();
    assert.match(await card3.locator("[data-testid=changed-hints] ins").textContent(), /readOnlyHint: true, openWorldHint: true/);
    assert.equal((await card3.locator("[data-testid=changed-hints] del").textContent()).trim(), "(none)");
    assert.equal((await card3.locator("[data-testid=review-title]").textContent()).trim(), "Weather forecast");
    await shot(page, "approvals-hints");
    await card3.locator("[data-action=approve]").click();
    await toastSays(page, "approved");
    log("a changed title and hints shown against the approved version, then approved");

    step = "tool";
    await go(page, `#/servers/${srv.id}/tools/${tool.id}`, "tool");
    assert.equal(await page.getAttribute(".tool-status", "data-status"), "approved");
    // The version before holds the same code: only its hints changed.
    const diffs = page.locator("button:not([disabled]):text-is(\"Diff\")");
    await diffs.first().click();
    await page.locator(".diff-box [data-testid=version-changes] ins", { hasText: "readOnlyHint" }).waitFor();
    await diffs.nth(1).click();
    await page.waitForSelector(".diff-box [data-testid=diff] .diff-add");
    await shot(page, "tool-detail");

    // ---- a secret: set, and never seen again
    step = "secrets";
    await go(page, `#/servers/${srv.id}/secrets`, "secrets");
    await page.fill("[data-testid=new-secret-key]", "bad key");
    expectStatus("/secrets", 422);
    await page.click("[data-testid=secret-add] button[type=submit]");
    await page.waitForSelector("[data-testid=secret-add] .field-error[data-field=key]");
    await page.fill("[data-testid=new-secret-key]", "API_KEY");
    await page.click("[data-testid=secret-add] button[type=submit]");
    await page.waitForSelector("form[data-secret=API_KEY]");
    await page.fill("form[data-secret=API_KEY] [data-testid=secret-input]", SECRET);
    await page.click("form[data-secret=API_KEY] [data-testid=secret-save]");
    await toastSays(page, "Value of API_KEY saved");
    await page.locator("form[data-secret=API_KEY] .badge", { hasText: "value set" }).waitFor();
    const leaks = await page.evaluate((s) => ({
      html: document.documentElement.outerHTML.includes(s),
      inputs: [...document.querySelectorAll("input, textarea")].some((i) => i.value.includes(s)),
      text: document.body.innerText.includes(s),
      storage: JSON.stringify(localStorage).includes(s) || JSON.stringify(sessionStorage).includes(s),
    }), SECRET);
    assert.deepEqual(leaks, { html: false, inputs: false, text: false, storage: false }, "the secret value is not in the page");
    await shot(page, "secrets");
    log("secret set and absent from the DOM");

    step = "hosts";
    await go(page, `#/servers/${srv.id}/hosts`, "hosts");
    await page.fill("[name=host]", "api.example.com");
    await page.click("button[type=submit]");
    await page.waitForSelector("li[data-host='api.example.com']");
    await shot(page, "hosts");

    // ---- an expired access token is refreshed silently, and rotated
    step = "refresh";
    const before = await page.evaluate(() => JSON.parse(localStorage.getItem("mcpbox.auth")));
    await page.evaluate(() => {
      const a = JSON.parse(localStorage.getItem("mcpbox.auth"));
      a.access = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.expired";
      localStorage.setItem("mcpbox.auth", JSON.stringify(a));
    });
    const withdraw = expectStatus("/api/", 401, true);
    await page.goto(`${BASE}/#/servers`);
    await page.reload();
    await page.waitForSelector("a[data-server=weather]");
    withdraw();
    const after = await page.evaluate(() => JSON.parse(localStorage.getItem("mcpbox.auth")));
    assert.notEqual(after.refresh, before.refresh, "the refresh token was rotated");
    assert.notEqual(after.access, before.access);
    log("expired access token refreshed silently");

    // ---- every remaining page, light and dark, laptop and phone
    await go(page, "#/", "dashboard");
    await page.waitForFunction(() => [...document.querySelectorAll(".chart .bar")].some((b) => Number(b.getAttribute("height")) > 0));
    // Two tool calls (one through /mcp, one through the server's own
    // endpoint) and the resource read and prompt get of the items step.
    const stats = await page.textContent("[data-testid=stats]");
    assert.match(stats, /4\s*Calls\s*2 tool calls · 0 errors/);
    assert.match(stats, /· 1 resource · 1 prompt(?!s)/);
    await shot(page, "dashboard");
    await usersTokens({ page, context, client, srv, BASE, PASSWORD, mcpCall, go, shot, toastSays, log, expectStatus, openBrowser,
      setStep: (s) => { step = s; } });
    // ---- modules outside the standard library: the review shows the
    // pinned version before approval, then the install is followed live;
    // one that no index has cannot be approved at all
    step = "module-install";
    await mcpCall(client, "mcpbox_request_module", { tool_id: tool.id, module_name: "e2epkg", justification: "parses e2e data" });
    await mcpCall(client, "mcpbox_request_module", { tool_id: tool.id, module_name: "e2e_not_a_package", justification: "parses e2e data" });
    await go(page, "#/approvals/modules", "approvals-modules");
    const pin = page.locator("article[data-request=e2epkg] [data-testid=pin][data-pin='e2epkg==1.2']");
    await pin.waitFor({ timeout: 20000 });
    assert.match(await pin.textContent(), /Approving installs e2epkg 1\.2 exactly/);
    const nopin = page.locator("article[data-request=e2e_not_a_package] [data-testid=pin][data-pin=failed]");
    await nopin.waitFor({ timeout: 20000 });
    assert.match(await nopin.textContent(), /cannot be installed, so this request cannot be approved[\s\S]*e2e-not-a-package/);
    assert.equal(await page.locator("article[data-request=e2e_not_a_package] button[data-action=approve]").count(), 0);
    await shot(page, "approvals-modules");
    await page.locator("article[data-request=e2epkg] button[data-action=approve]").click();
    await toastSays(page, "approved");
    await page.selectOption("select[name=status]", "approved");
    const inst = page.locator("article[data-request=e2epkg] [data-testid=install-status][data-install=installed]");
    await inst.waitFor({ timeout: 30000 });
    assert.match(await inst.textContent(), /Package e2epkg 1\.2 installed/);
    log("pinned package shown, approved and installed; an unresolvable one cannot be approved");
    await go(page, "#/approvals/network", "approvals-network");
    await shot(page, "approvals-network");
    await go(page, "#/settings/policy", "settings-policy");
    await page.waitForSelector("[data-testid=policy-form]");
    await page.fill("[name=log_retention_days]", "0");
    expectStatus("/api/settings/security-policy", 422);
    await page.click("[data-testid=policy-form] button[type=submit]");
    await page.waitForSelector(".field-error[data-field=log_retention_days]");
    await page.fill("[name=log_retention_days]", "45");
    await page.click("[data-testid=policy-form] button[type=submit]");
    await toastSays(page, "Policy saved");
    await shot(page, "settings-policy");
    await go(page, "#/settings/modules", "settings-modules");
    await page.waitForSelector("[data-testid=modules] li");
    await shot(page, "settings-modules");
    await go(page, "#/settings/export", "settings-export");
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("[data-testid=export]")]);
    const file = path.join(SHOTS, "..", "e2e-export.json");
    await download.saveAs(file);
    const doc = JSON.parse(fs.readFileSync(file, "utf8"));
    assert.equal(doc.format, "mcpbox-export");
    assert.match(doc.signature, /^[0-9a-f]{64}$/);
    assert.ok(!fs.readFileSync(file, "utf8").includes(SECRET), "the export holds no secret value");
    await page.setInputFiles("input[type=file]", file);
    await page.click("form button[type=submit]");
    await page.waitForSelector("text=Skipped");
    await shot(page, "settings-export");
    await go(page, "#/settings/remote", "settings-remote");
    await page.waitForSelector("[data-testid=remote-status]");
    assert.match(await page.textContent("[data-testid=local-help]"), /mcp-remote/);
    // The doors: this instance has no public one; the tunnel snippet aims at it.
    const status = await page.textContent("[data-testid=remote-status]");
    assert.match(status, /Public door\s*closed \(MCPBOX_PUBLIC_LISTEN\)/);
    assert.match(status, new RegExp(`Local door\\s*${BASE.replace(/^http:\/\//, "").replace(/[.]/g, "\\.")}`));
    await shot(page, "settings-remote");
    await go(page, "#/settings/account", "settings-account");
    await page.fill("[name=current_password]", "not my password, really");
    await page.fill("[name=new_password]", PASSWORD + " 2");
    await page.fill("[name=new_password2]", PASSWORD + " 2");
    expectStatus("/api/auth/change-password", 422);
    await page.click("[data-testid=password-form] button[type=submit]");
    await page.waitForSelector(".field-error[data-field=current_password]");
    await shot(page, "settings-account");

    // ---- an external source behind OAuth: Authorize opens a popup, the
    // authorization server sends it back to /oauth/external-callback, the
    // popup hands the code to MCPbox and closes; then discover and import
    step = "external-oauth";
    const oauthSrc = await startOAuthSource();
    try {
      const access = await page.evaluate(() => JSON.parse(localStorage.getItem("mcpbox.auth")).access);
      const hostRes = await page.request.post(`${BASE}/api/servers/${srv.id}/allowed-hosts`,
        { headers: { Authorization: `Bearer ${access}` }, data: { host: "127.0.0.1", port: oauthSrc.port } });
      assert.ok(hostRes.ok(), `allowed host: ${hostRes.status()}`);
      await go(page, `#/servers/${srv.id}/external`, "external");
      await page.fill("form [name=name]", "secured");
      await page.fill("form [name=url]", `http://127.0.0.1:${oauthSrc.port}/mcp`);
      await page.selectOption("form [name=auth_type]", "oauth");
      await page.click("form button[type=submit]");
      await toastSays(page, "secured added");
      const srcCard = page.locator("[data-testid=external-source][data-source=secured]");
      assert.match(await srcCard.locator("[data-testid=oauth-state]").textContent(), /Not authorized yet/);
      const [popup] = await Promise.all([context.waitForEvent("page"), srcCard.locator("[data-testid=oauth-authorize]").click()]);
      popup.on("pageerror", (e) => problems.push(`[${step}] popup error: ${e.message}`));
      await popup.waitForEvent("close", { timeout: 15000 });
      await toastSays(page, "secured authorized");
      await srcCard.locator("[data-testid=oauth-state]", { hasText: "Authorized with" }).waitFor();
      assert.deepEqual(oauthSrc.state.grants, ["authorization_code"]);
      await srcCard.locator("button", { hasText: "Discover tools" }).click();
      await toastSays(page, "1 tool discovered");
      const row = page.locator("[data-testid=external-source][data-source=secured] [data-testid=discovered-tools] tr", { hasText: "greet" });
      await row.locator("input[type=checkbox]").check();
      await page.locator("[data-testid=external-source][data-source=secured] button", { hasText: "Import selected" }).click();
      await toastSays(page, "1 imported as drafts");
      await shot(page, "external-oauth");
      log("external OAuth source authorized in a popup, discovered, imported");
    } finally {
      await oauthSrc.close();
    }
    await panelFixes({ page, client, BASE, mcpCall, go, shot, toastSays, log, expectStatus, setStep: (s) => { step = s; } });

    step = "dark";
    await page.emulateMedia({ colorScheme: "dark" });
    await go(page, "#/approvals/tools", "dark");
    await page.selectOption("select[name=status]", "approved");
    await page.waitForSelector("article[data-tool=forecast]");
    await shot(page, "dark-approvals");
    step = "phone";
    await page.setViewportSize({ width: 390, height: 844 });
    await go(page, "#/", "phone");
    await page.waitForSelector(".chart");
    await shot(page, "phone-dashboard");
    await page.click(".menu-toggle");
    await page.waitForSelector(".nav.open");
    await shot(page, "phone-menu");
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.emulateMedia({ colorScheme: "light" });

    // ---- logout: the session is gone
    step = "logout";
    await go(page, "#/", "logout");
    await page.click("[data-testid=logout]");
    await page.waitForSelector("[data-testid=login-form]");
    assert.equal(await page.evaluate(() => localStorage.getItem("mcpbox.auth")), null);
    await page.goto(`${BASE}/#/servers`);
    await page.waitForURL(/#\/login$/);
    log("logged out");

    if (expected.some((e) => !e.many)) problems.push(`expected HTTP errors that did not happen: ${JSON.stringify(expected)}`);
    if (problems.length) throw new Error("problems in the browser:\n  " + problems.join("\n  "));
  } catch (e) {
    const p = context.pages()[0];
    if (p) await p.screenshot({ path: path.join(SHOTS, "failure.png"), fullPage: true }).catch(() => {});
    if (p && process.env.E2E_DEBUG) console.error(await p.evaluate(() => document.querySelector("main").outerHTML.slice(0, 3000)));
    throw e;
  } finally {
    if (client) await client.close().catch(() => {});
    await close();
  }
}

main().then(() => {
  log(`panel e2e passed; screenshots in ${path.relative(ROOT, SHOTS)}/`);
}, (e) => {
  console.error(`panel e2e FAILED at step "${step}": ${e.stack || e}`);
  if (problems.length) console.error(problems.join("\n"));
  process.exit(1);
});
