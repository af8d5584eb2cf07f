// What the panel says, held to what the code does (panel.test.mjs runs it
// with its admin page, MCP client and helpers, once the external OAuth
// source was authorized): an allowed host without a port is shown and
// explained as 443; the remote page names X-MCPbox-Service-Token and aims
// its tunnel snippet at a door derived from the real local one; the
// Approvals tab count follows an approve; the dashboard counts pending
// tools and says "1 tool"; a failed call's error is in view in every log;
// an unknown server or tool id gets a page that says so; messages split
// over lines in the sources carry no runs of spaces; and a network request
// for a host on the local network carries a warning a public one does not.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";

const BOOM = 'def main() -> str:\n    raise ValueError("boom: the e2e tool failed on purpose")\n';
const CALM = 'def main() -> str:\n    return "calm"\n';

const accessOf = (p) => p.evaluate(() => JSON.parse(localStorage.getItem("mcpbox.auth")).access);

async function apiAs(p, BASE, method, url, data) {
  const r = await p.request.fetch(BASE + url, { method, headers: { Authorization: `Bearer ${await accessOf(p)}` }, data });
  return { status: r.status(), body: await r.json().catch(() => null) };
}

const pendingSum = (st) => st.tools.pending_review + st.modules.pending + st.network.pending + st.sources.pending_review;

export async function panelFixes({ page, client, BASE, mcpCall, go, shot, toastSays, log, expectStatus, setStep }) {
  // ---- a server of its own, with two tools waiting for review
  setStep("fixes-approve");
  const before = (await apiAs(page, BASE, "GET", "/api/approvals/stats")).body;
  assert.equal(before.tools.pending_review, 0, "no tool waits for review when the fixes start");
  const fx = await mcpCall(client, "mcpbox_create_server", { name: "fixes", description: "What the panel says" });
  const boom = await mcpCall(client, "mcpbox_create_tool", { server_id: fx.id, name: "boom", description: "Fails", python_code: BOOM });
  const calm = await mcpCall(client, "mcpbox_create_tool", { server_id: fx.id, name: "calm", description: "Succeeds", python_code: CALM });
  for (const t of [boom, calm]) await mcpCall(client, "mcpbox_request_publish", { tool_id: t.id });

  // (3) The tab's count follows an approve: it equals the list's count.
  await go(page, "#/approvals/tools", "fixes-approvals");
  const tab = page.locator("main .tabs [data-tab=tools]");
  const inAll = async () => Number((await page.textContent("main .pager")).match(/(\d+) in all/)[1]);
  await page.locator("article[data-tool=boom]").waitFor();
  assert.equal(await tab.textContent(), "Tools (2)");
  assert.equal(await inAll(), 2);
  await page.locator("article[data-tool=boom] [data-action=approve]").click();
  await toastSays(page, "boom: approved");
  await page.locator("article[data-tool=boom]").waitFor({ state: "detached" });
  await page.waitForFunction(() => document.querySelector("main .tabs [data-tab=tools]").textContent === "Tools (1)");
  assert.equal(await tab.textContent(), `Tools (${await inAll()})`, "the tab counts what the list shows");
  const after = (await apiAs(page, BASE, "GET", "/api/approvals/stats")).body;
  await page.waitForFunction((n) => document.querySelector("[data-testid=pending-count]").textContent === String(n), pendingSum(after));
  await shot(page, "fixes-approvals-count");
  log("after an approve the Tools tab and the nav count say what the queue holds");

  // (4) The dashboard counts the tool still pending, in the singular.
  setStep("fixes-dashboard");
  const d = (await apiAs(page, BASE, "GET", "/api/dashboard")).body;
  assert.equal(d.tools.pending_review, 1);
  await go(page, "#/", "fixes-dashboard");
  const toolsCard = await page.textContent("[data-stat=Tools] .stat-sub");
  assert.match(toolsCard, /· 1 pending review ·/, `the Tools card counts pending tools: ${toolsCard}`);
  const pendingCard = await page.textContent("[data-stat='Pending review'] .stat-sub");
  assert.match(pendingCard, /^1 tool · /, pendingCard);
  assert.doesNotMatch(pendingCard, /(^|· )1 (tools|modules|hosts)\b/, pendingCard);
  log("the dashboard shows 1 pending review and says \"1 tool\"");

  // (1) An allowed host without a port: the form says 443, the list shows it.
  setStep("fixes-hosts");
  await go(page, `#/servers/${fx.id}/hosts`, "fixes-hosts");
  const form = page.locator("[data-testid=host-add]");
  assert.match(await form.locator(".hint").textContent(), /Empty means port 443 \(https\) only/);
  assert.equal(await form.locator("[name=port]").getAttribute("placeholder"), "443");
  await form.locator("[name=host]").fill("api.fixes.example");
  await form.locator("button[type=submit]").click();
  await toastSays(page, "api.fixes.example:443 allowed");
  const row = page.locator("li[data-host='api.fixes.example']");
  await row.waitFor();
  assert.equal(await row.locator("code").textContent(), "api.fixes.example:443");
  const stored = (await apiAs(page, BASE, "GET", `/api/servers/${fx.id}`)).body.allowed_hosts;
  assert.deepEqual(stored, [{ host: "api.fixes.example", port: null }], "stored without a port, shown as 443");
  log("a host without a port is explained and listed as :443");

  // (5) A failed call's error is in its row, in every log, with no click.
  setStep("fixes-logs");
  assert.equal((await apiAs(page, BASE, "POST", `/api/servers/${fx.id}/start`, {})).status, 200);
  await client.listTools();
  const r = await client.callTool({ name: "fixes__boom", arguments: {} });
  assert.ok(r.isError, "the boom tool fails");
  const visibleError = async (where) => {
    const el = page.locator(`${where} [data-testid=exec-logs] tr[data-tool$=boom] [data-testid=log-error]`).first();
    await el.waitFor();
    assert.ok(await el.isVisible(), `the error is visible in ${where}`);
    assert.match(await el.textContent(), /boom: the e2e tool failed on purpose/);
    assert.equal(await page.locator(`${where} details[open]`).count(), 0, "no disclosure was opened");
  };
  await go(page, `#/servers/${fx.id}/logs`, "fixes-server-logs");
  await visibleError("main");
  await shot(page, "fixes-server-logs");
  await go(page, `#/servers/${fx.id}/tools/${boom.id}`, "fixes-tool-logs");
  await visibleError("main");
  await go(page, "#/activity", "fixes-activity");
  await visibleError("[data-testid=failed-calls]");
  log("a failed call's error shows in the server's, the tool's and the activity's logs");

  // (6) An id that names nothing: a page that says so, with a way back.
  setStep("fixes-not-found");
  expectStatus("/api/servers/", 404);
  await go(page, `#/servers/${randomUUID()}`, "fixes-no-server");
  const nf = page.locator("[data-testid=not-found]");
  assert.match(await nf.textContent(), /No server with this id; it may have been deleted\./);
  assert.doesNotMatch(await page.textContent("main"), /no such resource/);
  await shot(page, "fixes-no-server");
  await nf.locator("a[href='#/servers']", { hasText: "Back to the servers list" }).click();
  await page.waitForSelector("a[data-server=fixes]");
  expectStatus("/api/tools/", 404);
  expectStatus("/api/tools/", 404);
  await go(page, `#/servers/${fx.id}/tools/${randomUUID()}`, "fixes-no-tool");
  assert.match(await nf.textContent(), /No tool with this id; it may have been deleted\./);
  assert.equal(await nf.locator(`a[href='#/servers/${fx.id}/tools']`).count(), 1);
  log("an unknown server and an unknown tool get a not-found page");

  // (2) The remote page: the service token's real header, and a tunnel
  // aimed at a door derived from the local one (never at the local one).
  setStep("fixes-remote");
  await go(page, "#/settings/remote", "fixes-remote");
  await page.waitForSelector("[data-testid=remote-status]");
  const text = await page.textContent("main");
  assert.match(text, /X-MCPbox-Service-Token/);
  assert.doesNotMatch(text, /Authorization: Bearer/);
  const local = (await apiAs(page, BASE, "GET", "/api/remote")).body.local_listen;
  assert.equal(local, BASE.replace(/^http:\/\//, ""));
  const [lh, lp] = [local.slice(0, local.lastIndexOf(":")), Number(local.slice(local.lastIndexOf(":") + 1))];
  const door = `${lh}:${lp + 1}`;
  assert.match(await page.textContent("[data-snippet=cloudflared]"), new RegExp(`cloudflared tunnel run --url http://${door.replace(/[.]/g, "\\.")} mcpbox$`));
  assert.match(await page.textContent("[data-snippet=public-listen]"), new RegExp(`MCPBOX_PUBLIC_LISTEN=${door.replace(/[.]/g, "\\.")} `));
  assert.doesNotMatch(await page.textContent("[data-snippet=cloudflared]"), new RegExp(`:${lp}\\b`), "the tunnel never aims at the local door");
  assert.match(await page.textContent("[data-snippet=service-token]"), /^X-MCPbox-Service-Token: <MCPBOX_SERVICE_TOKEN>/);
  log(`the remote page names X-MCPbox-Service-Token; the tunnel aims at ${door}`);

  // (7) Messages split over lines in the sources, as the panel shows them.
  setStep("fixes-messages");
  await go(page, "#/activity", "fixes-activity-messages");
  await page.fill("input[name=q]", "authorization started");
  const started = page.locator("[data-testid=history] li .act-msg", { hasText: "authorization started" }).first();
  await started.waitFor();
  assert.equal(await started.textContent(), "external source authorization started");
  // A refusal: the expiry the server cannot read (the browser's own
  // check bypassed), answered on its field.
  await go(page, "#/tokens", "fixes-token-refusal");
  await page.fill("[data-testid=token-name]", "e2e-bad-expiry");
  await page.fill("[data-testid=token-expires]", "2030-01-01T12:00");
  const create = /\/api\/client-tokens$/;
  await page.route(create, (route) => route.continue({ postData: JSON.stringify({ ...JSON.parse(route.request().postData()), expires_at: "not a date" }) }));
  expectStatus("/api/client-tokens", 422);
  await page.click("[data-testid=token-create] button[type=submit]");
  const refusal = page.locator("[data-testid=token-create] .field-error[data-field=expires_at]");
  await refusal.waitFor();
  await page.unroute(create);
  const said = await refusal.textContent();
  assert.equal(said, "an ISO 8601 date and time");
  assert.ok(!said.includes("  "), `no run of spaces: ${JSON.stringify(said)}`);
  // The code check's list of problems ends without a stray ";".
  const bad = await client.callTool({ name: "mcpbox_create_tool", arguments: { server_id: fx.id, name: "bad", python_code: "import os\ndef main() -> str:\n    return os.name\n" } });
  assert.ok(bad.isError, "code importing os is refused");
  const why = bad.content.map((c) => c.text || "").join(" ");
  assert.match(why, /not acceptable: line 1: /, why);
  assert.doesNotMatch(why, /;\s*$|  /, why);
  log("messages carry single spaces and no stray \";\"");

  // (8) A private-network request says what approving it means; a public
  // one does not. Address literals: the request-time lookup needs no DNS.
  setStep("fixes-private-network");
  const lan = await mcpCall(client, "mcpbox_request_network_access", { tool_id: calm.id, host: "192.168.77.10", port: 8080, justification: "the NAS" });
  const pub = await mcpCall(client, "mcpbox_request_network_access", { tool_id: calm.id, host: "93.184.216.34", justification: "a public API" });
  const queued = (await apiAs(page, BASE, "GET", "/api/approvals/network")).body.items;
  assert.deepEqual([lan.request_id, pub.request_id].map((id) => queued.find((q) => q.id === id)?.kind), ["private", "public"]);
  await go(page, "#/approvals/network", "fixes-private-network");
  const lanCard = page.locator("article[data-request='192.168.77.10:8080']");
  const pubCard = page.locator("article[data-request='93.184.216.34:443']");
  await lanCard.waitFor();
  await pubCard.waitFor();
  const warning = lanCard.locator("[data-testid=private-network]");
  assert.ok(await warning.isVisible(), "the private request carries a warning");
  assert.match(await warning.textContent(), /Private network\. 192\.168\.77\.10 is on your local network/);
  assert.match(await warning.textContent(), /over plain http as well as https/);
  assert.equal(await lanCard.locator("[data-testid=kind]").textContent(), "private network");
  assert.equal(await pubCard.locator("[data-testid=private-network], [data-testid=kind]").count(), 0, "a public request carries no warning");
  await shot(page, "fixes-private-network");
  log("a private-network request is marked and explained; a public one is not");
}
