/*
 * fuzz_frame.c -- libFuzzer target for the sandbox wire format
 * (src/core/frame.c).  The input is a byte stream as a peer would send it;
 * it is fed to a buffer in chunks whose sizes come from the input itself,
 * and every complete frame is parsed, re-encoded and parsed again: the
 * round trip must give the same object.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/frame.h"
#include "core/sandbox_protocol.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MAXF	(64u << 10)

static int
drain(struct sbx_buf *b)
{
	struct sbx_buf	 out = { 0 };
	uint32_t	 n;
	json_t		*v, *w;
	char		 err[160];
	int		 st;

	for (;;) {
		st = sbx_frame_next(b, MAXF, &n);
		if (st == SBX_FRAME_NEED)
			return (0);
		if (st == SBX_FRAME_TOOBIG)
			return (-1);
		if (n > b->len - 4)
			abort();
		v = sbx_frame_parse(b->data + 4, n, err, sizeof(err));
		if (v != NULL) {
			if (sbx_frame_put_json(&out, v) == 0) {
				if (sbx_frame_next(&out, SBX_FRAME_MAX, &n) !=
				    SBX_FRAME_READY)
					abort();
				w = sbx_frame_parse(out.data + 4, n, NULL, 0);
				if (w == NULL || !json_equal(v, w))
					abort();
				json_decref(w);
				sbx_buf_consume(&out, 4 + (size_t)n);
				if (out.len != 0)
					abort();
			}
			json_decref(v);
		} else if (err[0] == '\0')
			abort();
		sbx_buf_consume(b, 4 + (size_t)n);
		sbx_buf_free(&out);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbx_buf	b = { 0 };
	size_t		off, k;

	if (size < 1)
		return (0);
	/* First byte: chunk size (1..256) and whether the buffer wipes. */
	k = (size_t)(data[0] & 0x7f) * 2 + 1;
	b.wipe = data[0] >> 7;
	for (off = 1; off < size; off += k) {
		if (k > size - off)
			k = size - off;
		if (sbx_buf_append(&b, data + off, k) == -1)
			break;
		if (drain(&b) == -1)
			break;
	}
	sbx_buf_free(&b);
	return (0);
}
