// MCPbox's test client: one MCP operation against an endpoint, through the
// official TypeScript SDK, with the result on stdout as JSON.
//
//   node probe.mjs [--url URL] [--transport streamable|sse] [--header "Name: value"]...
//                  info | list | ping | call NAME [ARGS_JSON] | watch SECONDS
//                  | call-notes NAME [ARGS_JSON]
//                  | call-asks NAME ARGS_JSON ANSWERS_JSON
//        [--capabilities JSON]  what the client declares (default {})
//
// info   the server's name, version, capabilities and protocol version
// list   every tool, across pages
// ping   a ping round trip
// call   one tools/call; exit status 2 when the result has isError
// call-asks  a call whose tool asks the client: sampling/createMessage and
//        elicitation/create are answered with ANSWERS_JSON's "sampling" and
//        "elicitation" results; prints the requests seen and the result
// watch  stay connected and print each notification as one JSON line
//
// Any transport or protocol failure prints "probe: <message>" on stderr
// and exits 1.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CreateMessageRequestSchema, ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";

function parseArgs(args) {
  const o = { url: "http://127.0.0.1:8000/mcp", transport: "streamable", headers: {}, rest: [],
    capabilities: {} };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--url") o.url = args[++i];
    else if (a === "--transport") o.transport = args[++i];
    else if (a === "--capabilities") o.capabilities = JSON.parse(args[++i]);
    else if (a === "--header") {
      const h = args[++i];
      const colon = h.indexOf(":");
      if (colon < 1) throw new Error(`bad --header ${h}`);
      o.headers[h.slice(0, colon).trim()] = h.slice(colon + 1).trim();
    } else if (a.startsWith("--")) throw new Error(`unknown option ${a}`);
    else o.rest.push(a);
  }
  return o;
}

function transportFor(o) {
  const url = new URL(o.url);
  if (o.transport === "streamable")
    return new StreamableHTTPClientTransport(url, { requestInit: { headers: o.headers } });
  if (o.transport === "sse")
    return new SSEClientTransport(url, {
      requestInit: { headers: o.headers },
      // The GET that opens the stream carries the same headers.
      eventSourceInit: { fetch: (u, init) => fetch(u, { ...init, headers: { ...(init?.headers || {}), ...o.headers } }) },
    });
  throw new Error(`unknown transport ${o.transport}`);
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const [cmd = "info", ...args] = o.rest;
  const client = new Client({ name: "mcpbox-test-client", version: "1.0.0" }, { capabilities: o.capabilities });
  client.fallbackNotificationHandler = async (n) => {
    if (cmd === "watch") console.log(JSON.stringify(n));
  };
  const transport = transportFor(o);
  await client.connect(transport);
  let status = 0;
  const print = (x) => console.log(JSON.stringify(x, null, 2));
  switch (cmd) {
    case "info":
      print({ serverInfo: client.getServerVersion(), capabilities: client.getServerCapabilities(),
        instructions: client.getInstructions(), protocolVersion: transport.protocolVersion,
        sessionId: transport.sessionId });
      break;
    case "list": {
      const tools = [];
      let cursor;
      do {
        const page = await client.listTools(cursor ? { cursor } : {});
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor);
      print(tools);
      break;
    }
    case "ping":
      print(await client.ping());
      break;
    case "call": {
      const [name, json] = args;
      const result = await client.callTool({ name, arguments: json ? JSON.parse(json) : {} },
        undefined, { timeout: 120000 });
      print(result);
      status = result.isError ? 2 : 0;
      break;
    }
    case "call-notes": {
      // A call with a progress token; what came before the result too.
      const [name, json] = args;
      const notifications = [];
      client.fallbackNotificationHandler = async (n) => { notifications.push(n); };
      const result = await client.callTool({ name, arguments: json ? JSON.parse(json) : {} },
        undefined, { timeout: 120000,
          onprogress: (p) => notifications.push({ method: "notifications/progress", params: p }) });
      print({ notifications, result });
      status = result.isError ? 2 : 0;
      break;
    }
    case "call-asks": {
      const [name, json, answers] = args;
      const want = JSON.parse(answers);
      const requests = [];
      if (o.capabilities.sampling)
        client.setRequestHandler(CreateMessageRequestSchema, async (r) => {
          requests.push({ method: r.method, params: r.params });
          return want.sampling;
        });
      if (o.capabilities.elicitation)
        client.setRequestHandler(ElicitRequestSchema, async (r) => {
          requests.push({ method: r.method, params: r.params });
          return want.elicitation;
        });
      const result = await client.callTool({ name, arguments: JSON.parse(json) },
        undefined, { timeout: 120000 });
      print({ requests, result });
      status = result.isError ? 2 : 0;
      break;
    }
    case "watch":
      await new Promise((r) => setTimeout(r, 1000 * Number(args[0] || 5)));
      break;
    default:
      throw new Error(`unknown command ${cmd}`);
  }
  await client.close();
  process.exit(status);
}

main().catch((e) => {
  console.error(`probe: ${e?.message || e}`);
  process.exit(1);
});
