/*
 * What the files of the configuration loader share (config.c,
 * config_remote.c); not for anyone else.
 */
#ifndef MCPBOX_CONFIG_INTERNAL_H
#define MCPBOX_CONFIG_INTERNAL_H

#include <stddef.h>

#include "core/core.h"

/* -1 with the message in err (printf-style; never a value). */
int	config_fail(char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	config_has_ctl(const char *);
/* An optional integer variable in [min, max], else `def`. */
int	config_opt_long(config_getenv_fn, const char *name, long min,
	    long max, long def, long *out, char *err, size_t errlen);
/* An optional http(s) URL (https only if asked). */
int	config_opt_url(config_getenv_fn, const char *name, int https_only,
	    char **out, char *err, size_t errlen);
int	config_load_remote(struct mcpbox_config *, config_getenv_fn,
	    char *err, size_t errlen);

#endif
