/*
 * Structured logs: one JSON object per line on stdout.
 *
 * Every line is built with jansson, so quotes, newlines and control bytes are
 * escaped by the encoder, and text is first made valid UTF-8 (invalid bytes
 * become U+FFFD) because jansson refuses invalid UTF-8 rather than escaping
 * it. Each line goes out in a single write(2), so lines from the parent, the
 * workers and the sandbox never interleave mid-line on a pipe.
 *
 * Kore itself logs with printf("[wrk 1]: ..."). To keep stdout pure JSON the
 * parent points fd 1 at a pipe read by a tiny relay process that wraps each
 * of those lines into a JSON object (log_capture_stdout); our own lines go
 * straight to the saved original stdout.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"

#define LOG_MSG_MAX	8192

static enum log_level	log_threshold = LOG_LEVEL_INFO;
static int		log_out = STDOUT_FILENO;
static char		log_process[32] = "main";

static void	log_relay(int, int);

void
log_init(enum log_level level, int fd)
{
	log_threshold = level;
	log_out = fd;
}

int
log_fd(void)
{
	return (log_out);
}

void
log_set_process(const char *name)
{
	(void)snprintf(log_process, sizeof(log_process), "%s", name);
}

const char *
log_level_name(enum log_level l)
{
	switch (l) {
	case LOG_LEVEL_DEBUG:
		return ("debug");
	case LOG_LEVEL_INFO:
		return ("info");
	case LOG_LEVEL_WARN:
		return ("warn");
	default:
		return ("error");
	}
}

/* Length of a valid UTF-8 sequence at p (RFC 3629), or 0 if invalid. */
static size_t
log_utf8_seq(const unsigned char *p, size_t left)
{
	size_t		n, i;
	uint32_t	cp;

	if (p[0] < 0x80)
		return (1);
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07;
	} else {
		return (0);
	}
	if (left < n)
		return (0);
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return (0);
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return (0);
	return (n);
}

/*
 * Copy `len` bytes of `s` replacing every invalid UTF-8 byte and every NUL
 * with U+FFFD. The result is NUL-terminated and owned by the caller.
 */
char *
log_utf8_clean(const char *s, size_t len)
{
	const unsigned char	*p;
	char			*out, *o;
	size_t			i, n;

	if ((out = malloc(len * 3 + 1)) == NULL)
		return (NULL);
	p = (const unsigned char *)s;
	o = out;
	for (i = 0; i < len; i += n) {
		n = log_utf8_seq(p + i, len - i);
		if (n == 0 || p[i] == '\0') {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			n = 1;
			continue;
		}
		memcpy(o, p + i, n);
		o += n;
	}
	*o = '\0';
	return (out);
}

/*
 * Render one log line (with the trailing newline). `fields` is borrowed;
 * its string values are trusted to be valid UTF-8 because jansson would not
 * have created them otherwise.
 */
char *
log_format(enum log_level level, const char *msg, json_t *fields)
{
	json_t		*o;
	char		*clean, *line, *out, ts[32];
	size_t		len;

	if ((clean = log_utf8_clean(msg, strlen(msg))) == NULL)
		return (NULL);
	clock_iso8601(ts);
	o = json_object();
	json_object_set_new(o, "time", json_string(ts));
	json_object_set_new(o, "level", json_string(log_level_name(level)));
	json_object_set_new(o, "process", json_string(log_process));
	json_object_set_new(o, "msg", json_string(clean));
	free(clean);
	if (fields != NULL)
		json_object_update_missing(o, fields);
	line = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII |
	    JSON_REAL_PRECISION(9));
	json_decref(o);
	if (line == NULL)
		return (NULL);
	len = strlen(line);
	if ((out = malloc(len + 2)) != NULL) {
		memcpy(out, line, len);
		out[len] = '\n';
		out[len + 1] = '\0';
	}
	free(line);
	return (out);
}

void
log_emit(enum log_level level, const char *msg, json_t *fields)
{
	char		*line;
	size_t		len, off;
	ssize_t		r;

	if (level < log_threshold)
		return;
	if ((line = log_format(level, msg, fields)) == NULL)
		return;
	len = strlen(line);
	for (off = 0; off < len; off += (size_t)r) {
		r = write(log_out, line + off, len - off);
		if (r == -1 && errno == EINTR) {
			r = 0;
			continue;
		}
		if (r <= 0)
			break;
	}
	free(line);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list		ap;
	char		buf[LOG_MSG_MAX];

	if (level < log_threshold)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_emit(level, buf, NULL);
}

/*
 * One of Kore's lines as we log it. Kore reports a worker's end at notice
 * level ("worker wrk 1 (123) exited with status 139"), a crash included:
 * that one is an error, with the signal by name.
 */
static void
log_relay_line(const char *line, json_t *kore)
{
	const char	*w, *ex, *open;
	int		 pid, status;
	json_t		*f;

	/*
	 * MCPbox never chroots (it needs its run directory) and logs whom the
	 * workers run as itself: Kore's warnings about both say nothing.
	 */
	if (strstr(line, "privsep: will not chroot") != NULL ||
	    strstr(line, "privsep: will not change user") != NULL)
		return;
	w = strstr(line, "worker ");
	ex = w != NULL ? strstr(w, " exited with status ") : NULL;
	open = ex != NULL ? memrchr(w, '(', (size_t)(ex - w)) : NULL;
	if (open == NULL || open < w + 8 || sscanf(open, "(%d)", &pid) != 1 ||
	    sscanf(ex + strlen(" exited with status "), "%d", &status) != 1 ||
	    status == 0) {
		log_emit(LOG_LEVEL_INFO, line, kore);
		return;
	}
	/* "worker <name> (<pid>)": the name is what lies between. */
	f = json_pack("{s:s, s:s%, s:i, s:i}", "source", "kore", "worker",
	    w + 7, (size_t)(open - 1 - (w + 7)), "pid", pid, "status", status);
	if (f == NULL)
		return;
	if (WIFSIGNALED(status)) {
		json_object_set_new(f, "signal", json_sprintf("SIG%s",
		    sigabbrev_np(WTERMSIG(status)) != NULL ?
		    sigabbrev_np(WTERMSIG(status)) : "UNKNOWN"));
		json_object_set_new(f, "core_dumped",
		    json_boolean(WCOREDUMP(status)));
	} else if (WIFEXITED(status)) {
		json_object_set_new(f, "exit_code",
		    json_integer(WEXITSTATUS(status)));
	}
	log_emit(LOG_LEVEL_ERROR, WIFSIGNALED(status) ? "worker crashed; Kore "
	    "restarts it" : "worker exited with an error; Kore restarts it", f);
	json_decref(f);
}

/*
 * The relay: read Kore's plain-text lines from `in`, write each as a JSON
 * object to `out`. It outlives nobody: when every writer has exited the pipe
 * reads EOF and the relay leaves.
 */
/* One of Kore's lines; a cut or unended one is written as it is. */
static void
log_relay_one(char *line, enum line_kind kind, void *kore)
{
	if (kind != LINE_WHOLE)
		log_emit(LOG_LEVEL_INFO, line, kore);
	else if (*line != '\0')
		log_relay_line(line, kore);
}

static void
log_relay(int in, int out)
{
	char		buf[LOG_MSG_MAX];
	json_t		*f;

	log_init(LOG_LEVEL_DEBUG, out);
	log_set_process("kore");
	f = json_pack("{s:s}", "source", "kore");
	lines_read(in, buf, sizeof(buf), log_relay_one, f);
	json_decref(f);
	_exit(0);
}

/*
 * Point fd 1 at the relay and keep the original stdout for our JSON lines.
 * Returns the relay's pid, or -1 (then stdout is left as it was).
 */
int
log_capture_stdout(void)
{
	int		fds[2], saved;
	pid_t		pid;

	(void)fflush(stdout);
	if ((saved = dup(STDOUT_FILENO)) == -1)
		return (-1);
	if (pipe(fds) == -1) {
		(void)close(saved);
		return (-1);
	}
	if ((pid = fork()) == -1) {
		(void)close(saved);
		(void)close(fds[0]);
		(void)close(fds[1]);
		return (-1);
	}
	if (pid == 0) {
		/* Ctrl-C goes to the whole group; the relay waits for EOF. */
		(void)signal(SIGINT, SIG_IGN);
		(void)signal(SIGTERM, SIG_IGN);
		(void)signal(SIGHUP, SIG_IGN);
		(void)close(fds[1]);
		(void)dup2(saved, STDOUT_FILENO);
		env_wipe_secrets();
		log_relay(fds[0], saved);
	}
	(void)close(fds[0]);
	(void)dup2(fds[1], STDOUT_FILENO);
	(void)close(fds[1]);
	/* Kore's printf must not sit in a block buffer. */
	(void)setvbuf(stdout, NULL, _IOLBF, 0);
	log_out = saved;
	return ((int)pid);
}
