-- wrk script: POST one JSON-RPC tools/call per request on /mcp, in a
-- session created beforehand (bench/run.py passes its id).
--
--   wrk ... -s bench/mcp_call.lua URL -- SESSION HOST TOOL ARGUMENTS_JSON
--
-- Every answer that is not HTTP 200 with a result free of isError counts
-- as an error; done() prints the total as "rpc_errors N".

local threads = {}

function setup(thread)
	table.insert(threads, thread)
end

function init(args)
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

function response(status, headers, body)
	if status ~= 200 or not body:find('"result"', 1, true) or
	    body:find('"isError":true', 1, true) then
		errors = errors + 1
	end
end

function done(summary, latency, requests)
	local n = 0
	for _, t in ipairs(threads) do
		n = n + t:get("errors")
	end
	io.write(string.format("rpc_errors %d\n", n))
end
