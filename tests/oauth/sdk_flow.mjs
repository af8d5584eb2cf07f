// The official MCP TypeScript SDK client's OAuth flow against MCPbox.
//
// A test OAuthClientProvider plays the user: when the SDK asks it to open
// the authorization URL it fetches the consent page itself, posts the form
// back with the admin's credentials and keeps the code from the redirect.
// Then the SDK finishes the flow (token request with the PKCE verifier)
// and lists tools with the access token.
//
// usage: node sdk_flow.mjs SDK_DIR URL USER PASSWORD
// prints one JSON object: {tools, tokens, client}
import path from "node:path";
import { pathToFileURL } from "node:url";

const [sdkDir, url, user, password] = process.argv.slice(2);
const sdk = (p) => import(pathToFileURL(path.join(sdkDir,
  "node_modules/@modelcontextprotocol/sdk/dist/esm", p)).href);
const { Client } = await sdk("client/index.js");
const { StreamableHTTPClientTransport } = await sdk("client/streamableHttp.js");
const { UnauthorizedError } = await sdk("client/auth.js");

const REDIRECT = "http://127.0.0.1:9/callback";

class TestProvider {
  constructor() {
    this.client = undefined;
    this.tok = undefined;
    this.verifier = undefined;
    this.code = undefined;
  }
  get redirectUrl() { return REDIRECT; }
  get clientMetadata() {
    return {
      client_name: "mcpbox-oauth-test",
      redirect_uris: [REDIRECT],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  state() { return "st-" + Math.random().toString(36).slice(2); }
  clientInformation() { return this.client; }
  saveClientInformation(info) { this.client = info; }
  tokens() { return this.tok; }
  saveTokens(t) { this.tok = t; }
  saveCodeVerifier(v) { this.verifier = v; }
  codeVerifier() { return this.verifier; }
  async redirectToAuthorization(authUrl) {
    const page = await fetch(authUrl, { redirect: "manual" });
    const html = await page.text();
    if (page.status !== 200)
      throw new Error(`consent page: ${page.status} ${html}`);
    if (/<script/i.test(html))
      throw new Error("the consent page must not need script");
    const m = html.match(/name="request" value="([^"]+)"/);
    if (!m) throw new Error("no request token in the consent page");
    const form = new URLSearchParams({ request: m[1], username: user,
      password, action: "approve" });
    const action = new URL("/oauth/authorize", authUrl);
    const r = await fetch(action, { method: "POST", body: form,
      redirect: "manual" });
    const loc = r.headers.get("location");
    if (r.status !== 302 || !loc)
      throw new Error(`consent post: ${r.status} ${await r.text()}`);
    const back = new URL(loc);
    if (back.searchParams.get("state") !== authUrl.searchParams.get("state"))
      throw new Error("state was not echoed");
    this.code = back.searchParams.get("code");
  }
}

const provider = new TestProvider();
const target = new URL(url);
let transport = new StreamableHTTPClientTransport(target,
  { authProvider: provider });
let client = new Client({ name: "oauth-test", version: "1.0.0" });
try {
  await client.connect(transport);
} catch (e) {
  if (!(e instanceof UnauthorizedError)) throw e;
  await transport.finishAuth(provider.code);
  transport = new StreamableHTTPClientTransport(target,
    { authProvider: provider });
  client = new Client({ name: "oauth-test", version: "1.0.0" });
  await client.connect(transport);
}
const tools = await client.listTools();
await client.close();
console.log(JSON.stringify({ tools: tools.tools.map((t) => t.name),
  tokens: provider.tok, client: provider.client }));
