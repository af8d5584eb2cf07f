/*
 * frame.c -- the wire format: a 4-byte big-endian length, then one JSON
 * object in UTF-8.  The same framing is used on the client socket and on
 * the pipes to children and helpers, so there is exactly one parser that
 * has to be right about lengths: a length is checked against the caller's
 * limit before a single byte of payload is buffered, so a peer can never
 * make us allocate what it merely claims.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <string.h>
#include <unistd.h>

#include "frame.h"

/*
 * Buffers that may hold a caller's secrets (client input, queued child
 * requests) live in pages that a fork hands to the child zero-filled, so a
 * child forked while another call is in flight inherits none of its data.
 */
static uint8_t *
frame_wipe_alloc(size_t n)
{
	void	*p;

	p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED)
		return (NULL);
	if (madvise(p, n, MADV_WIPEONFORK) == -1) {
		munmap(p, n);
		return (NULL);
	}
	return (p);
}

void
sbx_buf_free(struct sbx_buf *b)
{
	if (b->data != NULL) {
		explicit_bzero(b->data, b->cap);
		if (b->wipe)
			munmap(b->data, b->cap);
		else
			free(b->data);
	}
	b->data = NULL;
	b->len = b->cap = 0;
}

int
sbx_buf_append(struct sbx_buf *b, const void *p, size_t n)
{
	size_t	 ncap;
	uint8_t	*nd;

	if (n == 0)
		return (0);
	if (b->len + n > b->cap) {
		ncap = b->cap ? b->cap : 4096;
		while (ncap < b->len + n)
			ncap *= 2;
		if (b->wipe) {
			if ((nd = frame_wipe_alloc(ncap)) == NULL)
				return (-1);
			if (b->data != NULL) {
				memcpy(nd, b->data, b->len);
				explicit_bzero(b->data, b->cap);
				munmap(b->data, b->cap);
			}
		} else {
			if ((nd = malloc(ncap)) == NULL)
				return (-1);
			if (b->data != NULL) {
				memcpy(nd, b->data, b->len);
				explicit_bzero(b->data, b->cap);
				free(b->data);
			}
		}
		b->data = nd;
		b->cap = ncap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return (0);
}

void
sbx_buf_consume(struct sbx_buf *b, size_t n)
{
	if (n >= b->len) {
		explicit_bzero(b->data, b->len);
		b->len = 0;
		/* Do not keep a multi-megabyte buffer for an idle peer. */
		if (b->cap > (1u << 20))
			sbx_buf_free(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	explicit_bzero(b->data + b->len - n, n);
	b->len -= n;
}

/*
 * Is a whole frame at the start of b?  On READY *len is the payload length
 * (the frame occupies 4 + *len bytes).  TOOBIG is final for the stream.
 */
int
sbx_frame_next(const struct sbx_buf *b, size_t max, uint32_t *len)
{
	uint32_t	n;

	if (b->len < 4)
		return (SBX_FRAME_NEED);
	n = (uint32_t)b->data[0] << 24 | (uint32_t)b->data[1] << 16 |
	    (uint32_t)b->data[2] << 8 | (uint32_t)b->data[3];
	if (n > max)
		return (SBX_FRAME_TOOBIG);
	if (b->len - 4 < n)
		return (SBX_FRAME_NEED);
	*len = n;
	return (SBX_FRAME_READY);
}

int
sbx_frame_put(struct sbx_buf *b, const char *p, size_t n)
{
	uint8_t	hdr[4];

	if (n > UINT32_MAX)
		return (-1);
	hdr[0] = n >> 24;
	hdr[1] = n >> 16;
	hdr[2] = n >> 8;
	hdr[3] = n;
	if (sbx_buf_append(b, hdr, 4) == -1 || sbx_buf_append(b, p, n) == -1)
		return (-1);
	return (0);
}

/*
 * Compact, and never an invalid document: jansson refuses NaN.  The text
 * may hold a call's code, arguments and secrets, so the scratch copy is
 * wiped before it is freed.
 */
int
sbx_frame_put_json(struct sbx_buf *b, const json_t *v)
{
	char	*s;
	size_t	 n;
	int	 rc;

	if ((n = json_dumpb(v, NULL, 0, JSON_COMPACT)) == 0 ||
	    (s = malloc(n)) == NULL)
		return (-1);
	if (json_dumpb(v, s, n, JSON_COMPACT) != n) {
		free(s);
		return (-1);
	}
	rc = sbx_frame_put(b, s, n);
	explicit_bzero(s, n);
	free(s);
	return (rc);
}

/*
 * Parse a payload that must be a JSON object.  NUL characters are legal
 * JSON ("\u0000") and may come back from a tool, so they are accepted and
 * every later string operation is length-aware.
 */
json_t *
sbx_frame_parse(const uint8_t *p, size_t n, char *err, size_t errlen)
{
	json_error_t	 je;
	json_t		*v;

	v = json_loadb((const char *)p, n, JSON_ALLOW_NUL, &je);
	if (v == NULL) {
		if (err)
			snprintf(err, errlen, "invalid JSON: %s", je.text);
		return (NULL);
	}
	if (!json_is_object(v)) {
		json_decref(v);
		if (err)
			snprintf(err, errlen, "a frame must hold a JSON object");
		return (NULL);
	}
	return (v);
}

int
sbx_frame_write_fd(int fd, const void *p, size_t n)
{
	const uint8_t	*c = p;
	ssize_t		 k;

	while (n > 0) {
		k = write(fd, c, n);
		if (k == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		c += k;
		n -= (size_t)k;
	}
	return (0);
}

static int
frame_read_exact(int fd, void *p, size_t n)
{
	uint8_t	*c = p;
	ssize_t	 k;

	while (n > 0) {
		k = read(fd, c, n);
		if (k == -1 && errno == EINTR)
			continue;
		if (k <= 0)
			return (-1);
		c += k;
		n -= (size_t)k;
	}
	return (0);
}

/* Blocking read of one frame; used by children and helpers only. */
int
sbx_frame_read_fd(int fd, size_t max, char **out, uint32_t *len)
{
	uint8_t		 hdr[4];
	uint32_t	 n;
	char		*p;

	if (frame_read_exact(fd, hdr, 4) == -1)
		return (-1);
	n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
	    (uint32_t)hdr[2] << 8 | (uint32_t)hdr[3];
	if (n > max)
		return (-1);
	if ((p = malloc((size_t)n + 1)) == NULL)
		return (-1);
	if (frame_read_exact(fd, p, n) == -1) {
		free(p);
		return (-1);
	}
	p[n] = '\0';
	*out = p;
	*len = n;
	return (0);
}
