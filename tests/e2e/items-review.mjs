// The review of a resource and a prompt in the panel (panel.test.mjs runs
// it with its page, MCP client and helpers): their cards show the kind and
// the definition as text, follow a change while open (live, and a stale
// approve refused), diff a new definition against the approved one, and
// approving serves them over MCP.
import assert from "node:assert/strict";

// A resource's text and a prompt's message hold markup: shown as text.
const RES_TEXT = "Oslo: sunny\n<b>not markup</b>";
const RES_TEXT2 = "Oslo: sunny, 21 °C\n<b>not markup</b>";
const MSG = "Plan {days} days in {city} <i>given</i> the forecast.";

const queueUrl = /\/api\/approvals\/tools\?/;

export async function itemsReview({ page, client, srv, BASE, mcpCall, go, shot, toastSays, log, expectStatus, setStep }) {
    // ---- a resource and a prompt, written through MCP: the same review
    // card shows their kind and definition, follows a change of it while
    // open (live, and a stale approve refused), and approving serves them
    setStep("items");
    const res = await mcpCall(client, "mcpbox_create_resource", { server_id: srv.id, name: "forecast_note", description: "Today's forecast as text",
      uri: "weather://today", mime_type: "text/plain", text: RES_TEXT });
    const prm = await mcpCall(client, "mcpbox_create_prompt", { server_id: srv.id, name: "plan_trip", description: "Plan a trip around the weather",
      arguments: [{ name: "city", description: "where to", required: true, values: ["Oslo", "Bergen"] }, { name: "days", description: "how long" }],
      messages: [{ role: "user", content: { type: "text", text: MSG } }] });
    for (const x of [res, prm]) assert.equal((await mcpCall(client, "mcpbox_request_publish", { tool_id: x.id, notes: "for the e2e" })).approval_status, "pending_review");
    await go(page, "#/approvals/tools", "approvals-items");
    const rcard = page.locator("article[data-tool=forecast_note]");
    const pcard = page.locator("article[data-tool=plan_trip]");
    await rcard.waitFor();
    await pcard.waitFor();
    assert.equal(await rcard.getAttribute("data-kind"), "resource");
    assert.equal(await rcard.locator("[data-testid=kind]").textContent(), "Resource");
    assert.equal(await rcard.locator("[data-testid=uri]").textContent(), "weather://today");
    assert.equal(await rcard.locator("[data-testid=uri-template]").count(), 0, "a fixed URI is no template");
    assert.equal(await rcard.locator("[data-testid=mime-type]").textContent(), "text/plain");
    assert.equal(await rcard.locator("[data-testid=resource-text]").textContent(), RES_TEXT);
    assert.equal(await rcard.locator("b").count(), 0, "the resource's text is not markup");
    assert.equal(await rcard.locator("[data-testid=review-code]").count(), 0, "a static resource has no code");
    assert.equal(await pcard.getAttribute("data-kind"), "prompt");
    assert.equal(await pcard.locator("[data-testid=kind]").textContent(), "Prompt");
    const args = pcard.locator("[data-testid=prompt-arguments] li");
    assert.equal(await args.count(), 2);
    assert.match(await args.nth(0).textContent(), /^city\s*required\s*where to · offers Oslo, Bergen$/);
    assert.match(await args.nth(1).textContent(), /^days\s*optional\s*how long$/);
    assert.equal(await pcard.locator("[data-testid=prompt-messages] li").count(), 1);
    assert.equal(await pcard.locator("[data-testid=prompt-messages] li[data-role=user] [data-testid=message-text]").textContent(), MSG);
    assert.equal(await pcard.locator("i").count(), 0, "the prompt's message is not markup");
    await shot(page, "approvals-items");
    // Live: the resource's text changes while its card is open.
    const rv0 = Number(await rcard.getAttribute("data-version"));
    await mcpCall(client, "mcpbox_update_resource", { resource_id: res.id, uri: "weather://today", mime_type: "text/plain", text: RES_TEXT2 });
    await rcard.locator("[data-testid=resource-text]", { hasText: "21 °C" }).waitFor();
    assert.equal(Number(await rcard.getAttribute("data-version")), rv0 + 1, "the redrawn card shows the new version");
    // Stale: the prompt's messages change with the queue's refresh held
    // back; approving what was shown is refused, then the card shows them.
    let releaseItems;
    const itemsGate = new Promise((r) => (releaseItems = r));
    let holdingItems = true;
    const holdItems = async (route) => {
      if (holdingItems) await itemsGate;
      await route.continue().catch(() => {});
    };
    await page.route(queueUrl, holdItems);
    await mcpCall(client, "mcpbox_update_prompt", { prompt_id: prm.id,
      arguments: [{ name: "city", description: "where to", required: true, values: ["Oslo", "Bergen"] }, { name: "days", description: "how long" }],
      messages: [{ role: "user", content: { type: "text", text: MSG } }, { role: "assistant", content: { type: "text", text: "Pack for rain in {city}." } }] });
    expectStatus("/api/approvals/tools/", 409);
    await pcard.locator("[data-action=approve]").click();
    await toastSays(page, "changed since you reviewed it");
    holdingItems = false;
    releaseItems();
    await pcard.locator("[data-testid=prompt-messages] li[data-role=assistant]", { hasText: "Pack for rain in {city}." }).waitFor();
    await page.unroute(queueUrl, holdItems);
    // Both approved through the panel, each at the version its card shows.
    for (const [c, x] of [[rcard, res], [pcard, prm]]) {
      const shownV = Number(await c.getAttribute("data-version"));
      const [req] = await Promise.all([
        page.waitForRequest((q) => q.url().includes(`/api/approvals/tools/${x.id}/action`)),
        c.locator("[data-action=approve]").click(),
      ]);
      assert.equal(JSON.parse(req.postData()).version, shownV, "approve names the reviewed version");
      await toastSays(page, `${x.name}: approved`);
      await c.waitFor({ state: "detached" });
    }
    const adminGet = async (p) => {
      const access = await page.evaluate(() => JSON.parse(localStorage.getItem("mcpbox.auth")).access);
      const r = await page.request.get(BASE + p, { headers: { Authorization: `Bearer ${access}` } });
      assert.ok(r.ok(), `${p}: ${r.status()}`);
      return r.json();
    };
    for (const x of [res, prm]) assert.equal((await adminGet(`/api/tools/${x.id}`)).approval_status, "approved", `${x.name} approved`);
    const listed = (await client.listResources()).resources.find((r) => r.uri === "mcpbox://weather/weather://today");
    assert.ok(listed, "resources/list serves the approved resource");
    assert.equal(listed.mimeType, "text/plain");
    const read = await client.readResource({ uri: "mcpbox://weather/weather://today" });
    assert.equal(read.contents[0].text, RES_TEXT2, "resources/read gives the approved text");
    const lp = (await client.listPrompts()).prompts.find((x) => x.name === "weather__plan_trip");
    assert.ok(lp, "prompts/list serves the approved prompt");
    assert.deepEqual(lp.arguments.map((a) => [a.name, !!a.required]), [["city", true], ["days", false]]);
    const got = await client.getPrompt({ name: "weather__plan_trip", arguments: { city: "Oslo", days: "2" } });
    assert.deepEqual(got.messages.map((m) => [m.role, m.content.text]),
      [["user", "Plan 2 days in Oslo <i>given</i> the forecast."], ["assistant", "Pack for rain in Oslo."]]);
    log("a resource and a prompt reviewed with their definitions, followed live, approved and served");

    // ---- an approved resource's new definition: the card diffs it
    // against the approved one before anyone approves it
    setStep("items-diff");
    const rup = await mcpCall(client, "mcpbox_update_resource", { resource_id: res.id, uri: "weather://{city}/today", mime_type: "text/plain",
      text: "{city}: sunny, 21 °C", variables: { city: { description: "a city", values: ["Oslo", "Bergen"] } } });
    assert.equal(rup.approval_status, "pending_review");
    await go(page, "#/approvals/tools", "approvals-items-diff");
    const rcard2 = page.locator("article[data-tool=forecast_note]");
    const ddiff = rcard2.locator("[data-testid=changed-definition]");
    await ddiff.locator(".diff-add").first().waitFor();
    assert.equal(await ddiff.locator(".diff-del", { hasText: "uri: weather://today" }).count(), 1, "the approved URI shown removed");
    assert.equal(await ddiff.locator(".diff-add", { hasText: "uri: weather://{city}/today" }).count(), 1, "the new URI shown added");
    assert.equal(await ddiff.locator(".diff-del", { hasText: "Oslo: sunny, 21 °C" }).count(), 1, "the approved text shown removed");
    assert.equal(await ddiff.locator(".diff-add", { hasText: "{city}: sunny, 21 °C" }).count(), 1, "the new text shown added");
    assert.equal(await rcard2.locator("[data-testid=review-definition] [data-testid=uri]").textContent(), "weather://{city}/today");
    assert.equal(await rcard2.locator("[data-testid=review-definition] [data-testid=uri-template]").textContent(), "template");
    await shot(page, "approvals-items-diff");
    await rcard2.locator("[data-action=approve]").click();
    await toastSays(page, "forecast_note: approved");
    const tmpl = (await client.listResourceTemplates()).resourceTemplates.find((r) => r.uriTemplate === "mcpbox://weather/weather://{city}/today");
    assert.ok(tmpl, "resources/templates/list serves the approved template");
    // The server's list and the item's page show kind and definition;
    // the version diff shows what the definition was.
    await go(page, `#/servers/${srv.id}/tools`, "server-items");
    await page.waitForSelector("[data-testid=tools-table]");
    assert.equal(await page.textContent("tr[data-tool=forecast] [data-testid=kind]"), "Tool");
    assert.equal(await page.textContent("tr[data-tool=forecast_note] [data-testid=kind]"), "Resource");
    assert.equal(await page.textContent("tr[data-tool=forecast_note] [data-testid=uri]"), "weather://{city}/today");
    assert.equal(await page.textContent("tr[data-tool=plan_trip] [data-testid=kind]"), "Prompt");
    assert.match(await page.textContent("tr[data-tool=plan_trip] [data-testid=summary]"), /arguments city\*, days · 2 messages/);
    assert.equal(await page.getAttribute("tr[data-tool=forecast_note] .badge", "data-status"), "approved");
    await shot(page, "server-items");
    await go(page, `#/servers/${srv.id}/tools/${res.id}`, "resource");
    assert.equal(await page.textContent("h1 [data-testid=kind]"), "Resource");
    assert.equal(await page.textContent("[data-testid=tool-definition] [data-testid=uri]"), "weather://{city}/today");
    await page.locator("button:not([disabled]):text-is(\"Diff\")").first().click();
    await page.locator(".diff-box [data-testid=version-definition] .diff-del", { hasText: "uri: weather://today" }).waitFor();
    await shot(page, "resource-detail");
    await go(page, `#/servers/${srv.id}/tools/${prm.id}`, "prompt");
    assert.equal(await page.textContent("h1 [data-testid=kind]"), "Prompt");
    assert.equal(await page.locator("[data-testid=tool-definition] [data-testid=prompt-arguments] li").count(), 2);
    await page.locator("button:not([disabled]):text-is(\"Diff\")").first().click();
    // v1 had one message; the current version added the second.
    await page.locator(".diff-box [data-testid=version-definition] .diff-add", { hasText: "Pack for rain in {city}." }).waitFor();
    await shot(page, "prompt-detail");
    log("a changed definition diffed against the approved one, approved; list and pages show kinds and definitions");
}
