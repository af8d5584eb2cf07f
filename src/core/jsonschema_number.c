/*
 * Numbers for the JSON Schema checker: integers and reals compared
 * exactly (1 equals 1.0), multipleOf, and JSON equality built on them.
 */
#include <ctype.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonschema_internal.h"

/* ---- numbers ------------------------------------------------------------ */

int
js_real_integral(double d)
{
	if (d != d)
		return (0);
	if (d >= TWO_63 || d <= -TWO_63)
		return (1);
	return ((double)(json_int_t)d == d);
}

/* A count keyword's value: a non-negative integer (1.0 will do). */
int
js_count_of(const json_t *v, json_int_t *out)
{
	double	d;

	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = json_integer_value(v);
		return (0);
	}
	if (json_is_real(v)) {
		d = json_real_value(v);
		if (d >= 0 && d < TWO_53 && js_real_integral(d)) {
			*out = (json_int_t)d;
			return (0);
		}
	}
	return (-1);
}

/* -1, 0 or 1 as the integer i is below, at or above the real r. */
static int
num_int_real_cmp(json_int_t i, double r)
{
	json_int_t	t;

	if (r >= TWO_63)
		return (-1);
	if (r < -TWO_63)
		return (1);
	t = (json_int_t)r;
	if (i != t)
		return (i < t ? -1 : 1);
	if (r > (double)t)
		return (-1);
	return (r < (double)t ? 1 : 0);
}

/* -1, 0 or 1 as the number a is below, equal to or above the number b. */
int
js_num_cmp(const json_t *a, const json_t *b)
{
	json_int_t	ai, bi;
	double		ad, bd;

	if (json_is_integer(a) && json_is_integer(b)) {
		ai = json_integer_value(a);
		bi = json_integer_value(b);
		return (ai < bi ? -1 : ai > bi);
	}
	if (json_is_integer(a))
		return (num_int_real_cmp(json_integer_value(a),
		    json_real_value(b)));
	if (json_is_integer(b))
		return (-num_int_real_cmp(json_integer_value(b),
		    json_real_value(a)));
	ad = json_real_value(a);
	bd = json_real_value(b);
	return (ad < bd ? -1 : ad > bd);
}

const char *
js_num_text(const json_t *n, char *buf, size_t len)
{
	if (json_is_integer(n))
		(void)snprintf(buf, len, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(n));
	else
		(void)snprintf(buf, len, "%.15g", json_real_value(n));
	return (buf);
}

/*
 * Whether v is a multiple of m (> 0): exact for integers; for reals the
 * quotient may miss an integer by rounding (0.3 / 0.1), so by 1e-12 of it.
 */
int
js_multiple_of(const json_t *v, const json_t *m)
{
	double	q, r, d;

	if (json_is_integer(v) && json_is_integer(m))
		return (json_integer_value(v) % json_integer_value(m) == 0);
	q = json_number_value(v) / json_number_value(m);
	if (!(q - q == 0))
		return (0);
	if (q >= TWO_53 || q <= -TWO_53)
		return (1);
	r = (double)(json_int_t)(q < 0 ? q - 0.5 : q + 0.5);
	d = q < r ? r - q : q - r;
	return (d <= (q < 0 ? -q : q) * 1e-12);
}

/* Equality for enum, const and uniqueItems: numbers by value. */
int
js_json_same(const json_t *a, const json_t *b)
{
	const char	*k;
	size_t		 klen, i;
	json_t		*av, *bv;

	if (a == NULL || b == NULL)
		return (a == b);
	if (json_is_number(a) && json_is_number(b))
		return (js_num_cmp(a, b) == 0);
	if (json_typeof(a) != json_typeof(b))
		return (0);
	if (json_is_object(a)) {
		if (json_object_size(a) != json_object_size(b))
			return (0);
		json_object_keylen_foreach((json_t *)a, k, klen, av) {
			if ((bv = json_object_getn(b, k, klen)) == NULL ||
			    !js_json_same(av, bv))
				return (0);
		}
		return (1);
	}
	if (json_is_array(a)) {
		if (json_array_size(a) != json_array_size(b))
			return (0);
		json_array_foreach(a, i, av) {
			if (!js_json_same(av, json_array_get(b, i)))
				return (0);
		}
		return (1);
	}
	return (json_equal(a, b));
}
