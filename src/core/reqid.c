/*
 * Request ids. A caller (or the proxy in front of us) may send X-Request-ID
 * so its logs and ours can be joined; we keep it only when it is short and
 * made of characters that are harmless in a header, a log line and a URL.
 * Anything else is replaced, never escaped, so the id is safe everywhere.
 */
#include <string.h>

#include "core/core.h"

int
reqid_valid(const char *s)
{
	size_t		len;
	const char	*p;

	if (s == NULL || (len = strlen(s)) == 0 || len > REQID_MAX)
		return (0);
	for (p = s; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    *p == '.' || *p == ':')
			continue;
		return (0);
	}
	return (1);
}

void
reqid_generate(char out[REQID_MAX + 1])
{
	char	uuid[37];

	crypto_uuid4(uuid);
	memcpy(out, uuid, sizeof(uuid));
}

void
reqid_choose(const char *incoming, char out[REQID_MAX + 1])
{
	if (reqid_valid(incoming)) {
		memcpy(out, incoming, strlen(incoming) + 1);
		return;
	}
	reqid_generate(out);
}
