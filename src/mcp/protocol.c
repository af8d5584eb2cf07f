/*
 * JSON-RPC 2.0 and MCP protocol versions: pure functions, no I/O, so they
 * can be unit-tested and fuzzed on their own.
 */
#include <string.h>

#include "mcp/mcp.h"

/* Newest first: an unknown requested version gets the newest we speak. */
static const char *const	versions[] = {
	"2025-11-25",
	"2025-06-18",
	"2025-03-26",
	"2024-11-05",
	NULL
};

int
mcp_version_known(const char *v)
{
	int	i;

	for (i = 0; v != NULL && versions[i] != NULL; i++) {
		if (strcmp(versions[i], v) == 0)
			return (1);
	}
	return (0);
}

/* MCP lifecycle: answer the client's version if supported, else ours. */
const char *
mcp_version_pick(const char *requested)
{
	int	i;

	for (i = 0; requested != NULL && versions[i] != NULL; i++) {
		if (strcmp(versions[i], requested) == 0)
			return (versions[i]);
	}
	return (versions[0]);
}

/* Takes ownership of `result`; `id` is copied. */
json_t *
mcp_rpc_result(json_t *id, json_t *result)
{
	return (json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id",
	    id != NULL ? id : json_null(), "result", result));
}

json_t *
mcp_rpc_error(json_t *id, int code, const char *message)
{
	return (json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0", "id",
	    id != NULL ? id : json_null(), "error", "code", code, "message",
	    message));
}

/*
 * Structural check of one JSON-RPC message: what kind it is, or
 * RPC_INVALID with the reason in *why.
 */
enum rpc_kind
mcp_rpc_validate(json_t *msg, const char **why)
{
	json_t	*v, *id, *method;

	if (!json_is_object(msg)) {
		*why = "a JSON-RPC message must be an object";
		return (RPC_INVALID);
	}
	v = json_object_get(msg, "jsonrpc");
	if (!json_is_string(v) || strcmp(json_string_value(v), "2.0") != 0) {
		*why = "jsonrpc must be \"2.0\"";
		return (RPC_INVALID);
	}
	id = json_object_get(msg, "id");
	method = json_object_get(msg, "method");
	if (method == NULL) {
		if (id != NULL && (json_object_get(msg, "result") != NULL ||
		    json_object_get(msg, "error") != NULL))
			return (RPC_RESPONSE);
		*why = "method is missing";
		return (RPC_INVALID);
	}
	if (!json_is_string(method) || json_string_length(method) == 0 ||
	    json_string_length(method) > 128) {
		*why = "method must be a non-empty string";
		return (RPC_INVALID);
	}
	v = json_object_get(msg, "params");
	if (v != NULL && !json_is_object(v) && !json_is_array(v)) {
		*why = "params must be an object";
		return (RPC_INVALID);
	}
	if (id == NULL)
		return (RPC_NOTIFICATION);
	/* MCP forbids null ids; JSON-RPC forbids fractional ones. */
	if (!json_is_string(id) && !json_is_integer(id)) {
		*why = "id must be a string or an integer";
		return (RPC_INVALID);
	}
	if (json_is_string(id) && json_string_length(id) > 256) {
		*why = "id is too long";
		return (RPC_INVALID);
	}
	return (RPC_REQUEST);
}

void
mcp_session_new(char out[MCP_SESSION_LEN + 1])
{
	uint8_t	b[MCP_SESSION_LEN / 2];
	size_t	i;

	if (crypto_random(b, sizeof(b)) == -1)
		memset(b, 0, sizeof(b));
	for (i = 0; i < sizeof(b); i++)
		(void)snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* Session ids are ours: exactly 32 lower-case hex characters. */
int
mcp_session_valid(const char *s)
{
	size_t	i;

	if (s == NULL || strlen(s) != MCP_SESSION_LEN)
		return (0);
	for (i = 0; i < MCP_SESSION_LEN; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return (0);
	}
	return (1);
}

/* MCP logging levels (RFC 5424 names), least severe first. */
static const char *const protocol_levels[] = { "debug", "info", "notice",
    "warning", "error", "critical", "alert", "emergency", NULL };

/* How severe a level is (0 = debug); -1 for a name that is none. */
int
mcp_log_level_rank(const char *level)
{
	int	i;

	for (i = 0; level != NULL && protocol_levels[i] != NULL; i++)
		if (strcmp(protocol_levels[i], level) == 0)
			return (i);
	return (-1);
}
