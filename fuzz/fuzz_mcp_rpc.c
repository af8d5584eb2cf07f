/*
 * fuzz_mcp_rpc.c -- libFuzzer target for the JSON-RPC/MCP message checks
 * of the gateway (src/mcp/protocol.c): the bytes are parsed as the
 * transports parse a POST body, every message (or batch element) goes
 * through mcp_rpc_validate, the lifecycle version pick and the session id
 * check, and the answers are built as the exchange builds them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/mcp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
one(json_t *msg)
{
	const char	*why = NULL, *v;
	json_t		*params, *pv, *id, *out;
	enum rpc_kind	 kind;

	kind = mcp_rpc_validate(msg, &why);
	if (kind == RPC_INVALID) {
		if (why == NULL || *why == '\0')
			abort();
		out = mcp_rpc_error(NULL, RPC_INVALID_REQUEST, why);
		if (out == NULL)
			abort();
		json_decref(out);
		return;
	}
	if (kind != RPC_REQUEST && kind != RPC_NOTIFICATION &&
	    kind != RPC_RESPONSE)
		abort();
	id = json_object_get(msg, "id");
	if (kind == RPC_REQUEST) {
		/* A valid request has a string or integer id. */
		if (!json_is_string(id) && !json_is_integer(id))
			abort();
		out = mcp_rpc_result(id, json_object());
		if (out == NULL)
			abort();
		json_decref(out);
	}
	params = json_object_get(msg, "params");
	pv = json_object_get(params, "protocolVersion");
	v = mcp_version_pick(json_string_value(pv));
	if (v == NULL || !mcp_version_known(v))
		abort();
	pv = json_object_get(params, "sessionId");
	if (json_is_string(pv))
		(void)mcp_session_valid(json_string_value(pv));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t	 je;
	json_t		*root, *el;
	size_t		 i;
	char		*s;

	if (size > MCP_BODY_MAX)
		return (0);
	/* The session header is checked on raw bytes. */
	if ((s = malloc(size + 1)) == NULL)
		return (0);
	memcpy(s, data, size);
	s[size] = '\0';
	(void)mcp_session_valid(s);
	(void)mcp_version_known(s);
	free(s);

	root = json_loadb((const char *)data, size, 0, &je);
	if (root == NULL)
		return (0);
	if (json_is_array(root)) {
		json_array_foreach(root, i, el)
			one(el);
	} else
		one(root);
	json_decref(root);
	return (0);
}
