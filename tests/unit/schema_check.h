/*
 * What the json_schema_check unit tests share: a schema and arguments as
 * text, checked, with the reason compared in full.
 */
#ifndef SCHEMA_CHECK_H
#define SCHEMA_CHECK_H

#include <check.h>
#include <string.h>

#include "core/core.h"

static inline json_t *
load(const char *text)
{
	json_error_t	 e;
	json_t		*j;

	j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
	ck_assert_msg(j != NULL, "%s: %s", text, e.text);
	return (j);
}

static inline int
run(const char *schema, const char *args, char *why, size_t whylen)
{
	json_t	*s, *a;
	int	 r;

	s = load(schema);
	a = load(args);
	r = json_schema_check(s, a, why, whylen);
	json_decref(s);
	json_decref(a);
	return (r);
}

static inline void
ok(const char *schema, const char *args)
{
	char	why[256];

	memset(why, 'x', sizeof(why));
	ck_assert_msg(run(schema, args, why, sizeof(why)) == 0,
	    "%s refused %s: %s", schema, args, why);
	ck_assert_str_eq(why, "");
}

static inline void
refused(const char *schema, const char *args, const char *want)
{
	char	why[256];

	ck_assert_msg(run(schema, args, why, sizeof(why)) == -1,
	    "%s accepted %s", schema, args);
	ck_assert_msg(strcmp(why, want) == 0, "%s on %s\n got  %s\n want %s",
	    schema, args, why, want);
}

#define WEATHER	"{\"type\":\"object\",\"properties\":{" \
	"\"city\":{\"type\":\"string\",\"description\":\"a city\"}," \
	"\"unit\":{\"enum\":[\"c\",\"f\"],\"default\":\"c\"}," \
	"\"days\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":14}," \
	"\"location\":{\"type\":\"object\",\"properties\":{" \
	"\"lat\":{\"type\":\"number\"},\"lon\":{\"type\":\"number\"}}," \
	"\"required\":[\"lat\",\"lon\"]}}," \
	"\"required\":[\"city\"]}"


#endif
