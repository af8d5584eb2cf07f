/*
 * frame.c: the sandbox protocol's framing, one implementation compiled
 * into both programs (the server's sbx/ and mcpbox-sandbox, as netaddr.c
 * is): a 4-byte big-endian length, then one JSON object.
 */
#ifndef MCPBOX_FRAME_H
#define MCPBOX_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct sbx_buf {
	uint8_t		*data;
	size_t		 len;
	size_t		 cap;
	int		 wipe;	/* MADV_WIPEONFORK pages, zeroed on free */
};

enum { SBX_FRAME_NEED, SBX_FRAME_READY, SBX_FRAME_TOOBIG };

void	 sbx_buf_free(struct sbx_buf *);
int	 sbx_buf_append(struct sbx_buf *, const void *, size_t);
void	 sbx_buf_consume(struct sbx_buf *, size_t);
int	 sbx_frame_next(const struct sbx_buf *, size_t, uint32_t *);
int	 sbx_frame_put(struct sbx_buf *, const char *, size_t);
int	 sbx_frame_put_json(struct sbx_buf *, const json_t *);
json_t	*sbx_frame_parse(const uint8_t *, size_t, char *, size_t);
int	 sbx_frame_write_fd(int, const void *, size_t);
int	 sbx_frame_read_fd(int, size_t, char **, uint32_t *);

#endif
