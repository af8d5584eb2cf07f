/*
 * The JSON Schema checker's parts (jsonschema.c and its siblings), shared
 * among them only: the checker's state, the limits, the type table and
 * the functions one part calls in another.
 *
 *   jsonschema.c         the checks and json_schema_check()
 *   jsonschema_report.c  reasons: bounded UTF-8 text and the member path
 *   jsonschema_number.c  number comparisons and JSON equality
 *   jsonschema_pattern.c ECMA 262 patterns as POSIX EREs
 *   jsonschema_shape.c   the keywords: their shapes, "$ref", the scan
 */
#ifndef MCPBOX_JSONSCHEMA_INTERNAL_H
#define MCPBOX_JSONSCHEMA_INTERNAL_H

#include <regex.h>

#include "core/core.h"

#define INSTANCE_DEPTH_MAX	64
#define REF_DEPTH_MAX		64
#define SCHEMA_DEPTH_MAX	128
#define FRAME_DEPTH_MAX		512
#define PATTERN_MAX		4096
#define JS_PATH_LEN		192

#define V_OK		0
#define V_BAD		1	/* the arguments do not fit */
#define V_ERR		(-1)	/* not checkable: never inverted by "not" */

#define T_OBJECT	0x01
#define T_ARRAY		0x02
#define T_STRING	0x04
#define T_NUMBER	0x08
#define T_INTEGER	0x10
#define T_BOOLEAN	0x20
#define T_NULL		0x40

/* 2^63 and 2^53 as doubles. */
#define TWO_63		9223372036854775808.0
#define TWO_53		9007199254740992.0

struct js {
	const json_t	*root;
	char		*why;
	size_t		 whylen;
	int		 frames;
	int		 refs;
	char		 path[JS_PATH_LEN];
	size_t		 pathlen;
	int		 pathfull;
	/* Where the schema is silent, members it does not name are allowed,
	 * as the specification says (json_schema_check_open). */
	int		 open;
};

struct mark {
	size_t	len;
	int	full;
};

struct js_type {
	const char	*name;
	int		 bit;
	const char	*phrase;
};
extern const struct js_type	js_types[];
extern const size_t		js_ntypes;

int	js_bad(struct js *c, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	js_check(struct js *c, const json_t *s, const json_t *v);
int	js_count_of(const json_t *v, json_int_t *out);
int	js_err(struct js *c, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	js_json_same(const json_t *a, const json_t *b);
int	js_key_render(char *buf, size_t cap, size_t *len, const char *k, size_t klen, int dot);
int	js_multiple_of(const json_t *v, const json_t *m);
int	js_num_cmp(const json_t *a, const json_t *b);
const char *js_num_text(const json_t *n, char *buf, size_t len);
struct mark	js_path_index(struct js *c, size_t i);
struct mark	js_path_key(struct js *c, const char *k, size_t klen);
void	js_path_pop(struct js *c, struct mark m);
int	js_pattern_compile(struct js *c, const json_t *pat, regex_t *re);
int	js_put(char *buf, size_t cap, size_t *len, const char *s, size_t n);
int	js_real_integral(double d);
const json_t *js_ref_resolve(const json_t *root, const char *ref, size_t n);
int	js_scan(struct js *c, const json_t *s, int depth);
int	js_shape(struct js *c, const json_t *s);
int	js_too_deep(const json_t *v, int depth);
int	js_type_bit(const json_t *name);
int	js_unresolved(struct js *c);
int	js_unsupported(struct js *c, const char *k, size_t klen);

#endif
