/*
 * Reading a pipe line by line, for the helper processes that take lines
 * from their parent (the log relay, the alert sender).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"

/*
 * Read `fd` until EOF and hand each line to fn, NUL in place of its
 * newline. `buf` (cap bytes) bounds a line: one that fills it without a
 * newline goes to fn as LINE_CUT and reading starts over; what is left at
 * EOF goes as LINE_UNENDED.
 */
void
lines_read(int fd, char *buf, size_t cap,
    void (*fn)(char *, enum line_kind, void *), void *arg)
{
	size_t	have;
	ssize_t	r;
	char	*nl;

	have = 0;
	for (;;) {
		r = read(fd, buf + have, cap - 1 - have);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		have += (size_t)r;
		buf[have] = '\0';
		while ((nl = memchr(buf, '\n', have)) != NULL) {
			*nl = '\0';
			fn(buf, LINE_WHOLE, arg);
			have -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, have);
			buf[have] = '\0';
		}
		if (have == cap - 1) {
			fn(buf, LINE_CUT, arg);
			have = 0;
		}
	}
	if (have > 0) {
		buf[have] = '\0';
		fn(buf, LINE_UNENDED, arg);
	}
}
