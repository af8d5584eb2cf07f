/*
 * curl_dl.h -- libcurl, loaded at run time by the processes that speak
 * HTTP (the supervisor's pre-check and the broker helper), never mapped
 * into the zygote.
 *
 * Linked normally, libcurl and the 27 libraries it pulls in (TLS, Kerberos,
 * LDAP, SSH, IDN, ...) would be in every process this binary starts,
 * before main: some 140 of the zygote's 240 mappings.  fork() copies every
 * mapping and every child's exit tears it down again, so they cost each
 * call about 0.3 ms of CPU for a library no child may use.  The supervisor
 * loads it after the zygote is forked (sbx_broker_global_init); the helper
 * at its start.
 *
 * Files that call libcurl include this header instead of <curl/curl.h>:
 * the calls below go through the table that sbx_curl_load() fills.
 */
#ifndef SBX_CURL_DL_H
#define SBX_CURL_DL_H

#include <curl/curl.h>

/* curl's type-checking wrapper of setopt/getinfo calls the functions by
 * name: take the plain declarations. */
#undef curl_easy_setopt
#undef curl_easy_getinfo

#define SBX_CURL_FUNCS(X) \
	X(curl_global_init) X(curl_easy_init) X(curl_easy_setopt) \
	X(curl_easy_perform) X(curl_easy_getinfo) X(curl_easy_cleanup) \
	X(curl_easy_strerror) X(curl_free) X(curl_slist_append) \
	X(curl_slist_free_all) X(curl_url) X(curl_url_set) X(curl_url_get) \
	X(curl_url_cleanup)

struct sbx_curl {
#define SBX_CURL_PTR(f)	__typeof__(f) *f;
	SBX_CURL_FUNCS(SBX_CURL_PTR)
#undef SBX_CURL_PTR
};

extern struct sbx_curl	sbx_curl;

/* 0 when libcurl is loaded and every function found; else -1, logged. */
int	sbx_curl_load(void);

/* curl_dl.c itself names the table's members. */
#ifndef SBX_CURL_TABLE
#define curl_global_init	(*sbx_curl.curl_global_init)
#define curl_easy_init		(*sbx_curl.curl_easy_init)
#define curl_easy_setopt	(*sbx_curl.curl_easy_setopt)
#define curl_easy_perform	(*sbx_curl.curl_easy_perform)
#define curl_easy_getinfo	(*sbx_curl.curl_easy_getinfo)
#define curl_easy_cleanup	(*sbx_curl.curl_easy_cleanup)
#define curl_easy_strerror	(*sbx_curl.curl_easy_strerror)
#define curl_free		(*sbx_curl.curl_free)
#define curl_slist_append	(*sbx_curl.curl_slist_append)
#define curl_slist_free_all	(*sbx_curl.curl_slist_free_all)
#define curl_url		(*sbx_curl.curl_url)
#define curl_url_set		(*sbx_curl.curl_url_set)
#define curl_url_get		(*sbx_curl.curl_url_get)
#define curl_url_cleanup	(*sbx_curl.curl_url_cleanup)
#endif

#endif
