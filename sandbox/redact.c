/*
 * redact.c -- secret values never leave the supervisor in an answer.  The
 * child is given the secrets of its call, so anything it returns (result,
 * stdout, error text) may echo one; every occurrence of a value of at
 * least SBX_REDACT_MIN bytes (the worker uses the same rule) is replaced
 * by "[REDACTED]".  Shorter values are left alone: redacting "1" or "ab"
 * would corrupt results without hiding anything worth hiding.  Matching
 * is byte-wise and length-aware (results may contain NUL), longest
 * secret first so a secret that contains another is removed whole.
 */
#include <stdlib.h>
#include <string.h>

#include "sbx.h"

#define REDACTED	"[REDACTED]"

static int
redact_by_len_desc(const void *a, const void *b)
{
	const char *const	*x = a, *const *y = b;
	size_t			 lx = strlen(*x), ly = strlen(*y);

	return (lx < ly) - (lx > ly);
}

int
sbx_secrets_from_json(struct sbx_secrets *s, const json_t *obj)
{
	const char	*k;
	json_t		*v;
	size_t		 n = 0, i;

	memset(s, 0, sizeof(*s));
	if (obj == NULL || !json_is_object(obj))
		return (0);
	s->val = calloc(json_object_size(obj) + 1, sizeof(char *));
	s->len = calloc(json_object_size(obj) + 1, sizeof(size_t));
	if (s->val == NULL || s->len == NULL)
		return (-1);
	json_object_foreach((json_t *)obj, k, v) {
		if (!json_is_string(v) || json_string_length(v) < SBX_REDACT_MIN ||
		    strlen(json_string_value(v)) != json_string_length(v))
			continue;
		if ((s->val[n] = strdup(json_string_value(v))) == NULL)
			return (-1);
		n++;
	}
	s->n = n;
	qsort(s->val, n, sizeof(char *), redact_by_len_desc);
	for (i = 0; i < n; i++)
		s->len[i] = strlen(s->val[i]);
	return (0);
}

void
sbx_secrets_free(struct sbx_secrets *s)
{
	size_t	i;

	for (i = 0; i < s->n; i++) {
		explicit_bzero(s->val[i], s->len[i]);
		free(s->val[i]);
	}
	free(s->val);
	free(s->len);
	memset(s, 0, sizeof(*s));
}

/*
 * Returns a new buffer (NUL-terminated, *outlen bytes) or NULL when
 * nothing had to change.
 */
char *
sbx_redact_str(const struct sbx_secrets *s, const char *in, size_t n,
    size_t *outlen)
{
	struct sbx_buf	 b = { 0 };
	const char	*p, *hit, *best;
	size_t		 i, blen, changed = 0;

	if (s == NULL || s->n == 0)
		return (NULL);
	p = in;
	while (p < in + n) {
		best = NULL;
		blen = 0;
		for (i = 0; i < s->n; i++) {
			hit = memmem(p, (size_t)(in + n - p), s->val[i],
			    s->len[i]);
			if (hit && (best == NULL || hit < best)) {
				best = hit;
				blen = s->len[i];
			}
		}
		if (best == NULL)
			break;
		if (sbx_buf_append(&b, p, (size_t)(best - p)) == -1 ||
		    sbx_buf_append(&b, REDACTED, strlen(REDACTED)) == -1)
			goto fail;
		p = best + blen;
		changed++;
	}
	if (changed == 0)
		return (NULL);
	if (sbx_buf_append(&b, p, (size_t)(in + n - p)) == -1 ||
	    sbx_buf_append(&b, "", 1) == -1)
		goto fail;
	*outlen = b.len - 1;
	return ((char *)b.data);
fail:
	sbx_buf_free(&b);
	*outlen = 0;
	return (strdup(REDACTED));
}

/*
 * Redact every string and object key.  Takes the caller's reference to v
 * and returns a reference to the redacted value (v itself or a new one).
 */
json_t *
sbx_redact_json(const struct sbx_secrets *s, json_t *v)
{
	json_t		*o, *item, *nv;
	const char	*k;
	char		*r;
	size_t		 rl, i, klen;

	if (s == NULL || s->n == 0 || v == NULL)
		return (v);
	if (json_is_string(v)) {
		r = sbx_redact_str(s, json_string_value(v),
		    json_string_length(v), &rl);
		if (r != NULL) {
			json_string_setn_nocheck(v, r, rl);
			free(r);
		}
		return (v);
	}
	if (json_is_array(v)) {
		json_array_foreach(v, i, item) {
			nv = sbx_redact_json(s, json_incref(item));
			json_array_set_new(v, i, nv);
		}
		return (v);
	}
	if (!json_is_object(v))
		return (v);
	o = json_object();
	json_object_keylen_foreach(v, k, klen, item) {
		json_incref(item);
		nv = sbx_redact_json(s, item);
		r = sbx_redact_str(s, k, klen, &rl);
		if (r != NULL) {
			json_object_setn_new_nocheck(o, r, rl, nv);
			free(r);
		} else
			json_object_setn_new_nocheck(o, k, klen, nv);
	}
	json_decref(v);
	return (o);
}
