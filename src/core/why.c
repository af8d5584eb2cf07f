/*
 * A reason, formatted into the caller's buffer: what the checks of
 * authored definitions (tooldef.c, itemdef.c) return with -1.
 */
#include <stdarg.h>
#include <stdio.h>

#include "core/core.h"

int
why_fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return (-1);
}
