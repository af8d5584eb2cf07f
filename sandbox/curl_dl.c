/*
 * curl_dl.c -- libcurl's functions looked up once, by the processes that
 * use them (curl_dl.h says why it is not linked).
 */
#include <dlfcn.h>
#include <string.h>

#include <jansson.h>

#define SBX_CURL_TABLE
#include "curl_dl.h"
#include "sbx.h"

struct sbx_curl	sbx_curl;

/* The library's soname: the one Debian's libcurl4 package installs. */
#define CURL_SONAME	"libcurl.so.4"

int
sbx_curl_load(void)
{
	struct sbx_curl	 t;
	void		*h;
	const char	*missing = NULL;

	if (sbx_curl.curl_easy_init != NULL)
		return (0);
	if ((h = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		sbx_log("error", "start", json_pack("{s:s, s:s}", "message",
		    "cannot load libcurl (package libcurl4)", "reason",
		    dlerror()));
		return (-1);
	}
	memset(&t, 0, sizeof(t));
	/* The pointer is stored through memcpy: ISO C has no cast from
	 * dlsym's void * to a function pointer. */
#define SBX_CURL_SYM(f)	{ void *s = dlsym(h, #f); \
	if (s == NULL && missing == NULL) missing = #f; \
	memcpy(&t.f, &s, sizeof(s)); }
	SBX_CURL_FUNCS(SBX_CURL_SYM)
#undef SBX_CURL_SYM
	if (missing != NULL) {
		sbx_log("error", "start", json_pack("{s:s, s:s}", "message",
		    "libcurl lacks a function the broker needs", "function",
		    missing));
		dlclose(h);
		return (-1);
	}
	sbx_curl = t;
	return (0);
}
