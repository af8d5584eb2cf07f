/*
 * Who is calling: a valid service token marks a caller remote (with the
 * token's rights) on either door. Host and Origin are checked in the
 * http layer (http/origin.c), the door by the listener (hx_public_door).
 */
#include <string.h>

#include "mcp/mcp.h"

/*
 * 1 when the caller may go on (remote set), 0 when a service token was
 * sent and is wrong (the caller must get 403, not 401: a 401 would make
 * clients start an OAuth dance).
 */
int
mcp_caller_remote(struct http_request *req, int *remote)
{
	const char	*tok;
	size_t		len;

	*remote = 0;
	if (!http_request_header(req, "x-mcpbox-service-token", &tok))
		return (1);
	if (mcpbox_cfg.service_token == NULL)
		return (0);
	len = strlen(mcpbox_cfg.service_token);
	if (strlen(tok) != len ||
	    !crypto_ct_equal(tok, mcpbox_cfg.service_token, len))
		return (0);
	*remote = 1;
	return (1);
}
