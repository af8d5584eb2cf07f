/*
 * Comma-separated lists in settings (origins, e-mail allowlists, proxy
 * ranges): one walk for all of them, items trimmed of the spaces around
 * them.
 */
#include <string.h>

#include "core/core.h"

int
list_next(const char **cursor, const char **item, size_t *len)
{
	const char	*p = *cursor, *end;
	size_t		 n;

	if (p == NULL || *p == '\0')
		return (0);
	while (*p == ' ')
		p++;
	end = p + strcspn(p, ",");
	n = (size_t)(end - p);
	while (n > 0 && p[n - 1] == ' ')
		n--;
	*item = p;
	*len = n;
	*cursor = *end == ',' ? end + 1 : end;
	return (1);
}
