/*
 * Package installs for approved module requests (migration 0040), run by
 * the sandbox keeper over its own blocking connection (sbx/packages.c).
 */
#include "db/sql.h"

/* The trigger of migration 0040 notifies this channel. */
const char SQL_PKG_LISTEN[] = "LISTEN mcpbox_packages";

/* Take one queued install; exactly one keeper wins it. */
const char SQL_PKG_CLAIM[] =
    "UPDATE module_requests SET install_status = 'installing', "
    "  install_message = 'installing ' || install_package, "
    "  install_updated_at = now() WHERE id = (SELECT id FROM "
    "  module_requests WHERE install_status = 'pending' ORDER BY "
    "  install_updated_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) "
    "RETURNING id, install_package, coalesce(resolved_version, '')";

/* Take one request to resolve (migration 0044); one keeper wins it. */
const char SQL_PKG_RESOLVE_CLAIM[] =
    "UPDATE module_requests SET resolve_status = 'resolving', "
    "  resolve_message = 'resolving ' || install_package WHERE id = "
    "  (SELECT id FROM module_requests WHERE resolve_status = 'pending' "
    "  ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) "
    "RETURNING id, install_package";

/* $1 request id, $2 'resolved'|'failed', $3 version|'', $4 message */
const char SQL_PKG_RESOLVED[] =
    "UPDATE module_requests SET resolve_status = $2, resolved_version = "
    "  nullif($3, ''), resolve_message = $4 WHERE id = $1::uuid";

/*
 * The outcome; requests for the same package that were queued meanwhile
 * share it. $1 request id, $2 'installed'|'failed', $3 message,
 * $4 target dir|'', $5 version|''
 */
const char SQL_PKG_DONE[] =
    "WITH me AS (SELECT install_package FROM module_requests WHERE id = "
    "  $1::uuid), "
    "u AS (UPDATE module_requests r SET install_status = $2, "
    "  install_message = $3, install_target = nullif($4, ''), "
    "  installed_version = nullif($5, ''), install_updated_at = now() "
    "  FROM me WHERE r.id = $1::uuid OR (r.install_package = "
    "  me.install_package AND r.install_status = 'pending' AND $2 = "
    "  'installed') RETURNING r.*) "
    "SELECT audit('system', 'package.' || $2, 'package ' || "
    "  u.install_package || ' ' || $2, jsonb_build_object('request_id', "
    "  u.id, 'package', u.install_package, 'message', $3), NULL, "
    "  coalesce(u.server_id, (SELECT server_id FROM tools WHERE id = "
    "  u.tool_id))) FROM u WHERE u.id = $1::uuid";

/* What the supervisor should activate: 0 target dir, 1 top-level import
 * names (comma-separated), newest install per package. */
const char SQL_PKG_ACTIVE[] =
    "SELECT t.install_target, string_agg(DISTINCT split_part(r.module_name, "
    "  '.', 1), ',') FROM (SELECT DISTINCT ON (install_package) "
    "  install_package, install_target FROM module_requests WHERE "
    "  install_status = 'installed' AND install_target IS NOT NULL "
    "  ORDER BY install_package, install_updated_at DESC) t "
    "JOIN module_requests r ON r.install_package = t.install_package AND "
    "  r.install_status = 'installed' AND r.status = 'approved' "
    "GROUP BY t.install_target ORDER BY t.install_target LIMIT 64";

/* An install interrupted by a restart goes back to the queue. */
const char SQL_PKG_REQUEUE[] =
    "UPDATE module_requests SET install_status = 'pending', "
    "  install_message = 'waiting for the sandbox installer (retry after "
    "a restart)' WHERE install_status = 'installing' AND "
    "  install_updated_at < now() - interval '10 minutes'; "
    "UPDATE module_requests SET resolve_status = 'pending' WHERE "
    "  resolve_status = 'resolving' AND created_at < now() - "
    "  interval '10 minutes'";
