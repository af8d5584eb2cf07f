/*
 * Statements for the review queues and their state machines
 * (api/approvals.c).
 *
 * Every transition is one UPDATE whose WHERE clause is the state machine:
 * the row changes only if its current status allows the action, so two
 * admins acting at once can't both win, and "not found", "not allowed
 * from here" and "done" are told apart from the same statement.
 *
 * Tools:    approve  draft | pending_review | rejected  -> approved
 *           reject   pending_review (reason required)   -> rejected
 *           revoke   approved                           -> pending_review
 * Requests: approve  pending  -> approved
 *           reject   pending  -> rejected (reason required)
 *           revoke   approved -> pending
 * Sources:  as tools (pending_review | rejected -> approved, ...); a
 *           change of what was reviewed sends one back (migration 0049).
 */
#include "db/sql.h"

/* Queue filters shared by the three lists: $1 status ('all' for any),
 * $2 search ('' for none), $3 server id ('' for any). */
#define TOOL_FILTER							\
    "FROM tools t WHERE ($1 = 'all' OR t.approval_status = $1) "	\
    "  AND ($2 = '' OR strpos(lower(t.name), lower($2)) > 0 OR "	\
    "  strpos(lower(t.description), lower($2)) > 0) "			\
    "  AND ($3 = '' OR t.server_id = nullif($3, '')::uuid) "

#define REQ_FILTER(table, col)						\
    "FROM " table " r LEFT JOIN tools t ON t.id = r.tool_id "		\
    "  LEFT JOIN servers s ON s.id = coalesce(r.server_id, t.server_id) " \
    "  WHERE ($1 = 'all' OR r.status = $1) "				\
    "  AND ($2 = '' OR strpos(lower(r." col "), lower($2)) > 0 OR "	\
    "  strpos(lower(r.justification), lower($2)) > 0) "		\
    "  AND ($3 = '' OR s.id = nullif($3, '')::uuid) "

#define REQ_JSON(extra)							\
    "jsonb_build_object('id', r.id, 'tool_id', r.tool_id, "		\
    "  'tool_name', t.name, 'server_id', s.id, 'server_name', s.name, "\
    extra "'justification', r.justification, 'requested_by', "		\
    "  r.requested_by, 'status', r.status, 'reviewed_at', "		\
    "  r.reviewed_at, 'reviewed_by', r.reviewed_by, "			\
    "  'rejection_reason', r.rejection_reason, 'created_at', "		\
    "  r.created_at, 'updated_at', r.updated_at)"

const char SQL_APPROVALS_STATS_RESPOND[] =
    "SELECT 200, json_build_object("
    "  'tools', (SELECT json_build_object("
    "    'draft', count(*) FILTER (WHERE approval_status = 'draft'), "
    "    'pending_review', count(*) FILTER (WHERE approval_status = "
    "    'pending_review'), "
    "    'approved', count(*) FILTER (WHERE approval_status = 'approved'), "
    "    'rejected', count(*) FILTER (WHERE approval_status = 'rejected'))"
    "    FROM tools), "
    "  'modules', (SELECT json_build_object("
    "    'pending', count(*) FILTER (WHERE status = 'pending'), "
    "    'approved', count(*) FILTER (WHERE status = 'approved'), "
    "    'rejected', count(*) FILTER (WHERE status = 'rejected')) "
    "    FROM module_requests), "
    "  'network', (SELECT json_build_object("
    "    'pending', count(*) FILTER (WHERE status = 'pending'), "
    "    'approved', count(*) FILTER (WHERE status = 'approved'), "
    "    'rejected', count(*) FILTER (WHERE status = 'rejected')) "
    "    FROM network_access_requests), "
    "  'sources', (SELECT json_build_object("
    "    'pending_review', count(*) FILTER (WHERE approval_status = "
    "    'pending_review'), "
    "    'approved', count(*) FILTER (WHERE approval_status = 'approved'), "
    "    'rejected', count(*) FILTER (WHERE approval_status = 'rejected'))"
    "    FROM external_mcp_sources))";

/*
 * The tool queue carries the code under review and everything else a
 * reviewer must see (tool_review_json: the source and secret of a
 * passthrough, its pinned upstream definition, modules, hosts, and the
 * version last approved -- tools.approved_version, kept across re-reviews
 * -- for a diff; approved is null for a tool that was never approved).
 * $1 status, $2 search, $3 server id, $4 offset, $5 limit, $6 page,
 * $7 page_size
 */
const char SQL_APPROVALS_TOOLS_RESPOND[] =
    "SELECT 200, json_build_object('items', coalesce((SELECT json_agg("
    "  tool_json(q, true) || tool_review_json(q) "
    "  ORDER BY q.approval_requested_at DESC NULLS "
    "  LAST, q.updated_at DESC) FROM (SELECT t.* " TOOL_FILTER
    "  ORDER BY t.approval_requested_at DESC NULLS LAST, t.updated_at DESC "
    "  OFFSET $4::int LIMIT $5::int) q), '[]'), "
    "  'total', (SELECT count(*) " TOOL_FILTER "), "
    "  'page', $6::int, 'page_size', $7::int)";

/* Same parameters as the tool queue. */
const char SQL_APPROVALS_MODULES_RESPOND[] =
    "SELECT 200, json_build_object('items', coalesce((SELECT json_agg(j "
    "  ORDER BY created_at DESC) FROM (SELECT " REQ_JSON(
    "'module_name', r.module_name, 'refused', "
    "module_refused(r.module_name), 'install_status', r.install_status, "
    "'install_package', r.install_package, 'install_message', "
    "r.install_message, 'installed_version', r.installed_version, "
    "'resolve_status', r.resolve_status, 'resolved_version', "
    "r.resolved_version, 'resolve_message', r.resolve_message, ")
    " AS j, r.created_at "
    REQ_FILTER("module_requests", "module_name")
    "  ORDER BY r.created_at DESC OFFSET $4::int LIMIT $5::int) q), '[]'), "
    "  'total', (SELECT count(*) " REQ_FILTER("module_requests",
    "module_name") "), 'page', $6::int, 'page_size', $7::int)";

/*
 * kind: "public" or "private" (a host on the local network, D37);
 * refused: why it can never be approved (network_host_refused, with
 * this instance's doors in $8), or null.
 */
const char SQL_APPROVALS_NETWORK_RESPOND[] =
    "SELECT 200, json_build_object('items', coalesce((SELECT json_agg(j "
    "  ORDER BY created_at DESC) FROM (SELECT " REQ_JSON(
    "'host', r.host, 'port', r.port, 'kind', r.kind, 'refused', "
    "network_host_refused(r.host, r.port, $8::text), ") " AS j, "
    "r.created_at "
    REQ_FILTER("network_access_requests", "host")
    "  ORDER BY r.created_at DESC OFFSET $4::int LIMIT $5::int) q), '[]'), "
    "  'total', (SELECT count(*) " REQ_FILTER("network_access_requests",
    "host") "), 'page', $6::int, 'page_size', $7::int)";

/*
 * Approve and revoke change what a running server offers, so they tell
 * the MCP side (list_changed); a reject of a pending tool changes nothing
 * callable. Revoke clears who approved and when (the tool awaits review
 * again) but keeps approved_version for the diff. Approve and reject act
 * only on the version the reviewer was shown ($6; '' for revoke): a tool
 * changed meanwhile answers 409 and must be reviewed again.
 * $1 tool id, $2 action, $3 reason|NULL, $4 actor, $5 request id,
 * $6 reviewed version or ''
 */
const char SQL_APPROVALS_TOOL_ACTION_RESPOND[] =
    "WITH cur AS (SELECT id, approval_status, server_id FROM tools "
    "  WHERE id = $1::uuid), "
    "up AS (UPDATE tools t SET "
    "  approval_status = CASE $2 WHEN 'approve' THEN 'approved' "
    "  WHEN 'reject' THEN 'rejected' ELSE 'pending_review' END, "
    "  approved_at = CASE $2 WHEN 'approve' THEN now() ELSE NULL END, "
    "  approved_by = CASE $2 WHEN 'approve' THEN $4 ELSE NULL END, "
    "  approved_version = CASE $2 WHEN 'approve' THEN t.current_version "
    "  ELSE t.approved_version END, "
    "  rejection_reason = CASE $2 WHEN 'reject' THEN $3 ELSE NULL END, "
    "  approval_requested_at = CASE $2 WHEN 'revoke' THEN now() "
    "  ELSE t.approval_requested_at END, updated_at = now() "
    "  WHERE t.id = $1::uuid AND ($6 = '' OR t.current_version = "
    "  $6::int) AND CASE $2 "
    "  WHEN 'approve' THEN t.approval_status IN ('draft', "
    "  'pending_review', 'rejected') "
    "  WHEN 'reject' THEN t.approval_status = 'pending_review' "
    "  WHEN 'revoke' THEN t.approval_status = 'approved' "
    "  ELSE false END RETURNING t.*), "
    "a AS (SELECT audit($4, 'approval.tool.' || $2, 'tool ' || CASE $2 "
    "  WHEN 'approve' THEN 'approved' WHEN 'reject' THEN 'rejected' "
    "  ELSE 'approval revoked' END, jsonb_build_object('tool', up.name, "
    "  'tool_id', up.id, 'version', up.current_version, 'from', "
    "  cur.approval_status, 'to', up.approval_status, 'reason', $3::text), "
    "  $5, up.server_id) FROM up, cur), "
    "n AS (SELECT notify_tools_changed('approval.tool.' || $2) FROM up, "
    "  servers s WHERE s.id = up.server_id AND s.status = 'running' AND "
    "  $2 IN ('approve', 'revoke')) "
    "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM cur) THEN 404 "
    "  WHEN NOT EXISTS (SELECT 1 FROM up) THEN 409 ELSE 200 END, "
    "  coalesce((SELECT tool_json(up::tools, true) || jsonb_build_object("
    "  'approved_version', up.approved_version) FROM up), "
    "  (SELECT api_error('stale_version', format('the tool changed since "
    "you reviewed it (you saw version %s, it is now version %s): review "
    "it again', $6, current_version))::jsonb FROM tools WHERE id = "
    "  $1::uuid AND $6 <> '' AND current_version <> $6::int), "
    "  (SELECT api_error('illegal_transition', format("
    "  'cannot %s a tool whose status is %s', $2, "
    "  approval_status))::jsonb FROM cur), "
    "  api_error('not_found', 'no such tool')::jsonb) "
    "  FROM (SELECT count(*) FROM a) x, (SELECT count(*) FROM n) y";

/*
 * The request tables are the source of truth: approving a module request
 * widens tool_allowed_modules(), approving a network request widens
 * tool_allowed_hosts(); nothing else needs syncing. A module or host that
 * can never be allowed (module_refused, network_host_refused) is refused
 * with 422 instead (`refused`, answered with `refusal`).
 * $1 request id, $2 action, $3 reason|NULL, $4 actor, $5 request id
 */
#define REQ_ACTION(table, kind, what, extra_guard, refused, refusal,	\
    blocked)								\
    "WITH cur AS (SELECT * FROM " table " WHERE id = $1::uuid), "	\
    "up AS (UPDATE " table " r SET "					\
    "  status = CASE $2 WHEN 'approve' THEN 'approved' "		\
    "  WHEN 'reject' THEN 'rejected' ELSE 'pending' END, "		\
    "  reviewed_at = CASE $2 WHEN 'revoke' THEN NULL ELSE now() END, "	\
    "  reviewed_by = CASE $2 WHEN 'revoke' THEN NULL ELSE $4 END, "	\
    "  rejection_reason = CASE $2 WHEN 'reject' THEN $3 ELSE NULL END, " \
    "  updated_at = now() WHERE r.id = $1::uuid AND CASE $2 "		\
    "  WHEN 'approve' THEN r.status = 'pending' " extra_guard		\
    "  WHEN 'reject' THEN r.status = 'pending' "			\
    "  WHEN 'revoke' THEN r.status = 'approved' ELSE false END "	\
    "  RETURNING r.*), "						\
    "a AS (SELECT audit($4, 'approval." kind ".' || $2, '" kind		\
    " request ' || CASE $2 WHEN 'approve' THEN 'approved' "		\
    "  WHEN 'reject' THEN 'rejected' ELSE 'revoked' END, "		\
    "  jsonb_build_object('request_id', up.id, " what ", 'tool_id', "	\
    "  up.tool_id, 'from', cur.status, 'to', up.status, 'reason', "	\
    "  $3::text), $5, coalesce(up.server_id, (SELECT server_id FROM "	\
    "  tools WHERE id = up.tool_id))) FROM up, cur) "			\
    "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM cur) THEN 404 "		\
    "  WHEN EXISTS (SELECT 1 FROM up) THEN 200 "			\
    "  WHEN " refused " THEN 422 ELSE 409 END, "			\
    "  coalesce((SELECT row_to_json(up) FROM up), "			\
    "  (SELECT CASE WHEN " refused " THEN " refusal " "		\
    "  WHEN $2 = 'approve' AND status = 'pending' AND "		\
    "  (" blocked ") IS NOT NULL THEN api_error('not_resolved', "	\
    "  " blocked ") ELSE api_error('illegal_transition', "		\
    "  format('cannot %s a request whose status is %s', $2, status)) "	\
    "  END FROM cur), api_error('not_found', 'no such request')) "	\
    "  FROM (SELECT count(*) FROM a) x"

const char SQL_APPROVALS_MODULE_ACTION_RESPOND[] =
    REQ_ACTION("module_requests", "module",
    "'module', up.module_name",
    "AND NOT module_refused(r.module_name) AND r.resolve_status IN "
    "('not_required', 'resolved') ",
    "($2 = 'approve' AND (SELECT status = 'pending' AND "
    "module_refused(module_name) FROM cur))",
    "api_error('refused_module', 'this module can never be allowed: it "
    "reaches the system or the interpreter')",
    /* Approve only what the review could show: the pinned version. */
    "CASE WHEN resolve_status = 'failed' THEN resolve_message "
    "WHEN resolve_status IN ('pending', 'resolving') THEN 'the package "
    "version is still being resolved; approve once the review shows it' "
    "END");

/*
 * Also $6: this instance's doors ("host:port host:port"). A host no tool
 * could ever reach (loopback, metadata, ..., MCPbox itself) is refused
 * whichever path wrote its row; the broker refuses it at call time anyway.
 */
const char SQL_APPROVALS_NETWORK_ACTION_RESPOND[] =
    REQ_ACTION("network_access_requests", "network",
    "'host', up.host, 'port', up.port, 'kind', up.kind",
    "AND network_host_refused(r.host, r.port, $6::text) IS NULL ",
    "($2 = 'approve' AND (SELECT status = 'pending' AND "
    "network_host_refused(host, port, $6::text) IS NOT NULL FROM cur))",
    "api_error('refused_host', network_host_refused(host, port, "
    "$6::text))",
    "NULL::text");

#define SOURCE_FILTER							\
    "FROM external_mcp_sources e JOIN servers s ON s.id = e.server_id "	\
    "  WHERE ($1 = 'all' OR e.approval_status = $1) "			\
    "  AND ($2 = '' OR strpos(lower(e.name), lower($2)) > 0 OR "	\
    "  strpos(lower(e.url), lower($2)) > 0) "				\
    "  AND ($3 = '' OR e.server_id = nullif($3, '')::uuid) "

/*
 * The source queue: what MCPbox would connect to and send. Same
 * parameters as the tool queue.
 */
const char SQL_APPROVALS_SOURCES_RESPOND[] =
    "SELECT 200, json_build_object('items', coalesce((SELECT json_agg(j "
    "  ORDER BY updated_at DESC) FROM (SELECT " EXT_JSON("e") "::jsonb || "
    "  jsonb_build_object('server_name', s.name, 'secret_has_value', "
    "  EXISTS (SELECT 1 FROM server_secrets k WHERE k.server_id = "
    "  e.server_id AND k.key_name = e.auth_secret_name AND "
    "  k.value_ciphertext IS NOT NULL)) AS j, e.updated_at "
    SOURCE_FILTER
    "  ORDER BY e.updated_at DESC OFFSET $4::int LIMIT $5::int) q), '[]'), "
    "  'total', (SELECT count(*) " SOURCE_FILTER "), "
    "  'page', $6::int, 'page_size', $7::int)";

/*
 * Approve or reject the version of a source the reviewer saw ($6; '' for
 * revoke). A revoke or reject of a source stops its passthrough tools at
 * once (calls check the source), so both tell the MCP side.
 * $1 source id, $2 action, $3 reason|NULL, $4 actor, $5 request id,
 * $6 reviewed version or ''
 */
const char SQL_APPROVALS_SOURCE_ACTION_RESPOND[] =
    "WITH cur AS (SELECT id, approval_status, server_id, current_version "
    "  FROM external_mcp_sources WHERE id = $1::uuid), "
    "up AS (UPDATE external_mcp_sources e SET "
    "  approval_status = CASE $2 WHEN 'approve' THEN 'approved' "
    "  WHEN 'reject' THEN 'rejected' ELSE 'pending_review' END, "
    "  approved_at = CASE $2 WHEN 'approve' THEN now() ELSE NULL END, "
    "  approved_by = CASE $2 WHEN 'approve' THEN $4 ELSE NULL END, "
    "  approved_version = CASE $2 WHEN 'approve' THEN e.current_version "
    "  ELSE e.approved_version END, "
    "  rejection_reason = CASE $2 WHEN 'reject' THEN $3 ELSE NULL END, "
    "  updated_at = now() "
    "  WHERE e.id = $1::uuid AND ($6 = '' OR e.current_version = "
    "  $6::int) AND CASE $2 "
    "  WHEN 'approve' THEN e.approval_status IN ('pending_review', "
    "  'rejected') "
    "  WHEN 'reject' THEN e.approval_status = 'pending_review' "
    "  WHEN 'revoke' THEN e.approval_status = 'approved' "
    "  ELSE false END RETURNING e.*), "
    "a AS (SELECT audit($4, 'approval.source.' || $2, 'external source ' "
    "  || CASE $2 WHEN 'approve' THEN 'approved' WHEN 'reject' THEN "
    "  'rejected' ELSE 'approval revoked' END, jsonb_build_object("
    "  'source', up.name, 'source_id', up.id, 'url', up.url, 'version', "
    "  up.current_version, 'from', cur.approval_status, 'to', "
    "  up.approval_status, 'reason', $3::text), $5, up.server_id) "
    "  FROM up, cur), "
    "n AS (SELECT notify_tools_changed('approval.source.' || $2) FROM up "
    "  WHERE $2 IN ('reject', 'revoke') AND EXISTS (SELECT 1 FROM tools t "
    "  WHERE t.external_source_id = up.id)) "
    "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM cur) THEN 404 "
    "  WHEN NOT EXISTS (SELECT 1 FROM up) THEN 409 ELSE 200 END, "
    "  coalesce((SELECT " EXT_JSON("up") " FROM up), "
    "  (SELECT api_error('stale_version', format('the source changed "
    "since you reviewed it (you saw version %s, it is now version %s): "
    "review it again', $6, current_version)) FROM cur WHERE $6 <> '' "
    "  AND current_version <> $6::int), "
    "  (SELECT api_error('illegal_transition', format("
    "  'cannot %s a source whose status is %s', $2, "
    "  approval_status)) FROM cur), "
    "  api_error('not_found', 'no such external source')) "
    "  FROM (SELECT count(*) FROM a) x, (SELECT count(*) FROM n) y";
