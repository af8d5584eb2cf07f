/*
 * The sandbox protocol, the one definition both programs compile: the
 * server's side (src/sbx/) and mcpbox-sandbox (sandbox/, which includes
 * this from src/core as it does netaddr.c).
 *
 * A frame is a 4-byte big-endian length and one JSON object. A request
 * names its op; a failed answer is {"ok": false, "error": {"type",
 * "message"}} with one of the types below.
 */
#ifndef MCPBOX_SANDBOX_PROTOCOL_H
#define MCPBOX_SANDBOX_PROTOCOL_H

/* Largest frame either side accepts (arguments, results, code). */
#define SBX_FRAME_MAX		(8u << 20)

/* Largest tool source: what the REST API, the management tools and the
 * sandbox's own check accept. */
#define SBX_CODE_MAX_KIB	100
#define SBX_CODE_MAX		(SBX_CODE_MAX_KIB * 1024u)

/*
 * Secrets this long or longer are masked ([REDACTED]) wherever a call's
 * output goes: by the sandbox before the answer leaves the child's
 * supervisor and by the worker before the answer leaves MCPbox. Shorter
 * values would mask common words in every output (docs/DECISIONS.md D30).
 */
#define SBX_REDACT_MIN		4

/* A call's time limit, in ms: what a tool, a server default and
 * MCPBOX_SANDBOX_TIMEOUT_MS may be set to. Plain numbers: they are also
 * spelled into JSON Schemas (SBX_STR). */
#define SBX_TIMEOUT_MIN_MS	100
#define SBX_TIMEOUT_MAX_MS	300000
#define SBX_STR_(x)		#x
#define SBX_STR(x)		SBX_STR_(x)

/*
 * Started as root: calls run as nobody, the supervisor as a uid of its own
 * once set up (the server picks others when its workers have one of them).
 */
#define SBX_CALL_UID		65534
#define SBX_SUPERVISOR_UID	65532

/* Ops. */
#define SBX_OP_EXECUTE		"execute"
#define SBX_OP_VALIDATE		"validate"
#define SBX_OP_HEALTH		"health"
#define SBX_OP_CANCEL		"cancel"
#define SBX_OP_INSTALL		"install"
#define SBX_OP_RESOLVE		"resolve"
/*
 * {"host", "port"}: the host's addresses as the broker would resolve
 * them, {"ok": true, "answers": [{"ip", "kind"}]} with kind "public",
 * "private", "loopback", "metadata", "link-local", "unspecified",
 * "reserved" or "self" (MCPbox's own door at that port). For the check of
 * a tool's network request (D37); [] when the name does not resolve.
 */
#define SBX_OP_LOOKUP		"lookup"
#define SBX_LOOKUP_MS		10000
/*
 * Sent by the sandbox while a call runs, with the call's id: a log
 * message or progress for the client. At most SBX_NOTIFY_MAX a call, each
 * at most SBX_NOTIFY_BYTES; the call's answer comes after them.
 */
#define SBX_OP_NOTIFY		"notify"
#define SBX_NOTIFY_MAX		100
#define SBX_NOTIFY_BYTES	16384
/*
 * Sent by the sandbox while a call runs, with the call's id: the tool asks
 * the client (kind "sampling": sampling/createMessage, "elicitation":
 * elicitation/create) and waits. The worker answers with SBX_OP_ANSWER
 * {target: the call's id, ask: the ask's number, result | error}. One ask
 * at a time, at most SBX_ASK_MAX a call, each at most SBX_ASK_BYTES either
 * way. An ask with no answer after SBX_ASK_WAIT_MS fails in the tool (a
 * human may be slow, not forever); the call's own time limit keeps running
 * meanwhile, so asking never stretches it.
 */
/* execute's "entry": the function a call runs instead of main -- a
 * resource's read(**params), an item's complete(argument, value). */
#define SBX_ENTRY_READ		"read"
#define SBX_ENTRY_COMPLETE	"complete"
#define SBX_OP_ASK		"ask"
#define SBX_OP_ANSWER		"answer"
#define SBX_ASK_MAX		10
#define SBX_ASK_BYTES		(256u << 10)
#define SBX_ASK_WAIT_S		120
#define SBX_ASK_WAIT_MS		(SBX_ASK_WAIT_S * 1000)

/* Error types of a failed answer. */
#define SBX_ERR_SANDBOX		"SandboxError"	/* the sandbox could not run it */
#define SBX_ERR_TIMEOUT		"Timeout"
#define SBX_ERR_MEMORY		"MemoryLimit"
#define SBX_ERR_OUTPUT		"OutputLimit"
#define SBX_ERR_TOOL		"ToolError"	/* the tool's code raised */
#define SBX_ERR_NETWORK		"NetworkError"	/* an HttpError left main() */
#define SBX_ERR_VALIDATION	"ValidationError"
#define SBX_ERR_PROTOCOL	"ProtocolError"
#define SBX_ERR_INSTALL		"InstallError"

#endif
