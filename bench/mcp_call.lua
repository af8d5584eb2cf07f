-- wrk script: POST one JSON-RPC tools/call per request on /mcp, in a
-- session created beforehand (bench/run.py passes its id). The same script
-- drives MCPbox and the peer (bench/peer.py): answers may be plain JSON
-- or one Server-Sent Event (text/event-stream) carrying the JSON.
--
--   wrk ... -s bench/mcp_call.lua URL -- SESSION HOST TOOL ARGUMENTS_JSON
--
-- wrk runs this file once per thread, each with its own globals: every
-- thread counts its own answers, and done() adds up the counters of all
-- threads (setup() keeps a handle on each, thread:get() reads it). An
-- error is an answer that is not HTTP 200, or a 200 whose JSON-RPC message
-- is an error or a result with isError true. done() prints
-- "rpc_checked N" (answers looked at) and "rpc_errors N".

local threads = {}

function setup(thread)
	table.insert(threads, thread)
end

function init(args)
	checked = 0
	errors = 0
	local sid, host, tool, arguments = args[1], args[2], args[3], args[4]
	local body = string.format(
	    '{"jsonrpc":"2.0","id":1,"method":"tools/call",' ..
	    '"params":{"name":"%s","arguments":%s}}', tool, arguments or "{}")
	req = wrk.format("POST", "/mcp", {
		["Host"] = host,
		["Content-Type"] = "application/json",
		["Accept"] = "application/json, text/event-stream",
		["Mcp-Session-Id"] = sid,
		["MCP-Protocol-Version"] = "2025-06-18",
	}, body)
end

function request()
	return req
end

-- A JSON-RPC answer is good when it has a result and neither an error
-- member (an object with a code) nor isError true.
local function failed(body)
	if body:find('"error"%s*:%s*{%s*"code"') then
		return true
	end
	if not body:find('"result"%s*:') then
		return true
	end
	return body:find('"isError"%s*:%s*true') ~= nil
end

function response(status, headers, body)
	checked = checked + 1
	if status ~= 200 or failed(body or "") then
		errors = errors + 1
	end
end

function done(summary, latency, requests)
	local n, c = 0, 0
	for _, t in ipairs(threads) do
		n = n + t:get("errors")
		c = c + t:get("checked")
	end
	io.write(string.format("rpc_checked %d\nrpc_errors %d\n", c, n))
end
