/*
 * Statements for serving resources and prompts over MCP (mcp/items.c).
 * Everything is read from the approved version's snapshot and only for
 * approved, enabled items of running servers, at the time of the request.
 * $1 is the endpoint's server name, or '' on /mcp, where prompt names
 * carry the server ("{server}__{name}") and resource URIs its scheme
 * ("mcpbox://{server}/{uri}").
 */
#include "db/sql.h"

/* The items of one kind a client may see, with the part that says so;
 * `tok` is the parameter of the caller's client token id|NULL. */
#define ITEMS_VISIBLE(kind, tok) \
    "  FROM tools t JOIN servers s ON s.id = t.server_id " \
    "  JOIN tool_versions v ON v.tool_id = t.id AND " \
    "  v.version = t.approved_version " \
    "  WHERE t.kind = '" kind "' AND t.approval_status = 'approved' AND " \
    "  t.enabled AND s.status = 'running' AND ($1 = '' OR s.name = $1) " \
    "  AND token_sees(" tok "::uuid, s.name) "

/* The scoped server's status, NULL when there is none for the caller. */
#define SCOPE_STATUS(tok) \
    "SELECT CASE WHEN $1 = '' THEN 'running' ELSE (SELECT status FROM " \
    "  servers WHERE name = $1 AND token_sees(" tok "::uuid, name)) END, "

/*
 * $1 scope, $2 'uri' (direct resources) or 'uriTemplate', $3 client token
 * -> the scoped server's status (NULL: no such server; 'running' on
 * /mcp), the list
 */
const char SQL_MCP_RESOURCES_LIST[] =
    SCOPE_STATUS("$3") "coalesce((SELECT jsonb_agg(j ORDER BY "
    "  sname, tname) FROM (SELECT s.name AS sname, t.name AS tname, "
    "  resource_mcp_json(t, CASE WHEN $1 = '' THEN 'mcpbox://' || s.name || "
    "  '/' ELSE '' END) AS j " ITEMS_VISIBLE("resource", "$3") ") x "
    "  WHERE j ? $2), '[]')";

/* $1 scope, $2 client token -> status as above, the prompts */
const char SQL_MCP_PROMPTS_LIST[] =
    SCOPE_STATUS("$2") "coalesce((SELECT jsonb_agg(j ORDER BY "
    "  sname, tname) FROM (SELECT s.name AS sname, t.name AS tname, "
    "  prompt_mcp_json(t, CASE WHEN $1 = '' THEN s.name || '__' || t.name "
    "  ELSE t.name END) AS j " ITEMS_VISIBLE("prompt", "$2") ") x "
    "  WHERE j IS NOT NULL), '[]')";

/* The approved code defines complete(argument, value): a completer. */
#define HAS_COMPLETER \
    "coalesce(v.python_code ~ '(^|\\n)(async[ \\t]+)?def[ \\t]+" \
    "complete[ \\t]*\\(', false)"

/*
 * The resources of one server a URI may name, fixed URIs first (a fixed
 * URI wins over a template that also matches it).
 * $1 server name, $2 client token -> name, approved definition, has
 * code, has completer, tool id, server id (for the execution log)
 */
const char SQL_MCP_RESOURCE_CANDIDATES[] =
    "SELECT t.name, v.definition, v.python_code IS NOT NULL, "
    HAS_COMPLETER ", t.id, s.id "
    ITEMS_VISIBLE("resource", "$2")
    "  AND v.kind = 'resource' "
    "ORDER BY position('{' IN v.definition ->> 'uri') > 0, t.name";

/*
 * $1 server name, $2 prompt name, $3 client token -> definition, has
 * code, description, has completer, tool id, server id
 */
const char SQL_MCP_PROMPT_GET[] =
    "SELECT v.definition, v.python_code IS NOT NULL, v.description, "
    HAS_COMPLETER ", t.id, s.id "
    ITEMS_VISIBLE("prompt", "$3")
    "  AND v.kind = 'prompt' AND t.name = $2";

/* $1 session, $2 uri, $3 its server: what the session wants to hear of. */
const char SQL_MCP_SUBSCRIBE[] =
    "INSERT INTO mcp_resource_subscriptions (session_id, uri, server, fp) "
    "  SELECT $1, $2, $3, resource_fingerprint($3) WHERE EXISTS (SELECT 1 "
    "  FROM mcp_sessions WHERE id = $1) ON CONFLICT DO NOTHING";

/*
 * After a change of items: the subscriptions of these sessions (the ones
 * whose streams this worker holds) whose server's resources now differ
 * from what they last heard of, marked as heard (mcp/streams.c).
 * $1 text[] of sessions -> session, uri
 */
const char SQL_MCP_SUBSCRIPTIONS_CHANGED[] =
    "WITH cur AS (SELECT m.session_id, m.uri, m.fp AS old, "
    "  resource_fingerprint(m.server) AS fp FROM mcp_resource_subscriptions m "
    "  WHERE m.session_id = ANY($1::text[])), "
    "ch AS (UPDATE mcp_resource_subscriptions m SET fp = cur.fp FROM cur "
    "  WHERE m.session_id = cur.session_id AND m.uri = cur.uri AND "
    "  cur.fp IS DISTINCT FROM cur.old RETURNING m.session_id, m.uri) "
    "SELECT session_id, uri FROM ch";

const char SQL_MCP_UNSUBSCRIBE[] =
    "DELETE FROM mcp_resource_subscriptions WHERE session_id = $1 AND "
    "  uri = $2";
