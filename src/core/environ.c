/*
 * The server's own helper processes (sandbox keeper, alert sender, log
 * relay) are forks of the parent: they run only our code and keep the
 * configuration it parsed, but need none of the environment it was started
 * with. Its MCPBOX_ variables (the encryption key, the database URL, the
 * service token) are wiped right after the fork: from the strings environ
 * points at, and from the process's initial environment block -- what
 * /proc/PID/environ shows, and which Kore's process-title code leaves
 * behind when it moves environ elsewhere. Processes that run other
 * programs are exec'd with a built environment instead.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"

/* Fields 50 and 51 of /proc/self/stat: the initial environment block. */
static int
env_block(uintptr_t *start, uintptr_t *end)
{
	char	buf[4096], *p;
	ssize_t	n;
	int	fd, field;

	if ((fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return (-1);
	buf[n] = '\0';
	/* Field 2 (the name) may hold spaces: count from its closing paren. */
	if ((p = strrchr(buf, ')')) == NULL)
		return (-1);
	for (field = 2; field < 50 && *p != '\0'; p++)
		if (*p == ' ')
			field++;
	*start = (uintptr_t)strtoull(p, &p, 10);
	*end = (uintptr_t)strtoull(p, NULL, 10);
	return (*start != 0 && *end > *start ? 0 : -1);
}

void
env_wipe_secrets(void)
{
	extern char	**environ;
	char		**e, *s;
	uintptr_t	 start, end;

	for (e = environ; e != NULL && *e != NULL; e++)
		if (strncmp(*e, "MCPBOX_", 7) == 0)
			explicit_bzero(*e, strlen(*e));
	if (env_block(&start, &end) == -1)
		return;
	for (s = (char *)start; (uintptr_t)s < end; s += strlen(s) + 1)
		if (strncmp(s, "MCPBOX_", 7) == 0)
			explicit_bzero(s, strlen(s));
}
