/* Unit tests for src/core/config.c: every variable it reads. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

#define KEY_OK	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define KEY_OK2	"ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"

static const char	*vars[32][2];
static int		nvars;

static void
env_reset(void)
{
	nvars = 0;
	vars[nvars][0] = "MCPBOX_DATABASE_URL";
	vars[nvars++][1] = "host=/tmp dbname=x";
	vars[nvars][0] = "MCPBOX_ENCRYPTION_KEY";
	vars[nvars++][1] = KEY_OK;
}

static void
env_set(const char *k, const char *v)
{
	int	i;

	for (i = 0; i < nvars; i++) {
		if (strcmp(vars[i][0], k) == 0) {
			vars[i][1] = v;
			return;
		}
	}
	vars[nvars][0] = k;
	vars[nvars++][1] = v;
}

static const char *
env_get(const char *k)
{
	int	i;

	for (i = 0; i < nvars; i++)
		if (strcmp(vars[i][0], k) == 0)
			return (vars[i][1]);
	return (NULL);
}

static struct mcpbox_config	cfg;
static char			err[512];

static int
load(void)
{
	err[0] = '\0';
	return (config_load(&cfg, env_get, 2, err, sizeof(err)));
}

START_TEST(defaults)
{
	env_reset();
	ck_assert_int_eq(load(), 0);
	ck_assert_str_eq(cfg.listen_host, "127.0.0.1");
	ck_assert_str_eq(cfg.listen_port, "8000");
	ck_assert_int_eq(cfg.workers, 2);
	ck_assert_int_eq(cfg.sandbox_timeout_ms, 30000);
	ck_assert_int_eq(cfg.sandbox_memory_mb, 256);
	ck_assert_int_eq(cfg.sandbox_concurrency, 4);
	ck_assert_int_eq(cfg.max_sse_streams, 100);
	ck_assert_int_eq(cfg.log_level, LOG_LEVEL_INFO);
	ck_assert_int_eq(cfg.jwt_secret_derived, 1);
	ck_assert_uint_eq(cfg.jwt_secret_len, 32);
	ck_assert_int_eq(cfg.enc_key[1], 0x11);
	ck_assert_ptr_null(cfg.service_token);
	config_free(&cfg);
}
END_TEST

START_TEST(key_rules)
{
	char	k63[64];

	env_reset();
	memcpy(k63, KEY_OK, 63);
	k63[63] = '\0';
	env_set("MCPBOX_ENCRYPTION_KEY", k63);
	ck_assert_int_eq(load(), -1);
	ck_assert_ptr_nonnull(strstr(err, "MCPBOX_ENCRYPTION_KEY"));
	ck_assert_ptr_nonnull(strstr(err, "63"));
	/* The value itself never appears in the message. */
	ck_assert_ptr_null(strstr(err, "00112233"));

	env_set("MCPBOX_ENCRYPTION_KEY",
	    "0000000000000000000000000000000000000000000000000000000000000000");
	ck_assert_int_eq(load(), -1);
	ck_assert_ptr_nonnull(strstr(err, "all-zero"));

	env_set("MCPBOX_ENCRYPTION_KEY",
	    "zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
	ck_assert_int_eq(load(), -1);
	ck_assert_ptr_nonnull(strstr(err, "MCPBOX_ENCRYPTION_KEY:"));

	env_set("MCPBOX_ENCRYPTION_KEY", "");
	ck_assert_int_eq(load(), -1);
	ck_assert_ptr_nonnull(strstr(err, "required"));

	env_set("MCPBOX_ENCRYPTION_KEY", KEY_OK);
	env_set("MCPBOX_ENCRYPTION_KEY_OLD", KEY_OK);
	ck_assert_int_eq(load(), -1);
	ck_assert_ptr_nonnull(strstr(err, "MCPBOX_ENCRYPTION_KEY_OLD"));

	env_set("MCPBOX_ENCRYPTION_KEY_OLD", KEY_OK2);
	ck_assert_int_eq(load(), 0);
	ck_assert_int_eq(cfg.has_old_key, 1);
	ck_assert_int_eq(cfg.enc_key_old[0], 0xff);
	config_free(&cfg);
}
END_TEST

START_TEST(listen_rules)
{
	static const char *bad[] = { "8000", "127.0.0.1:0", "127.0.0.1:65536",
	    "127.0.0.1:-1", "127.0.0.1:80x", ":8000", "[::1]8000",
	    "127.0.0.1:", "a:b:1", "host\n:80" };
	size_t	i;

	env_reset();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		env_set("MCPBOX_LISTEN", bad[i]);
		ck_assert_msg(load() == -1, "accepted %s", bad[i]);
		ck_assert_ptr_nonnull(strstr(err, "MCPBOX_LISTEN"));
	}
	env_set("MCPBOX_LISTEN", "[::1]:9000");
	ck_assert_int_eq(load(), 0);
	ck_assert_str_eq(cfg.listen_host, "::1");
	ck_assert_str_eq(cfg.listen_port, "9000");
	config_free(&cfg);
	env_set("MCPBOX_LISTEN", "0.0.0.0:65535");
	ck_assert_int_eq(load(), 0);
	ck_assert_str_eq(cfg.listen_port, "65535");
	config_free(&cfg);
}
END_TEST

START_TEST(number_rules)
{
	env_reset();
	env_set("MCPBOX_WORKERS", "0");
	ck_assert_int_eq(load(), -1);
	ck_assert_ptr_nonnull(strstr(err, "MCPBOX_WORKERS"));
	env_set("MCPBOX_WORKERS", "3");
	env_set("MCPBOX_SANDBOX_TIMEOUT_MS", "12abc");
	ck_assert_int_eq(load(), -1);
	ck_assert_ptr_nonnull(strstr(err, "MCPBOX_SANDBOX_TIMEOUT_MS"));
	env_set("MCPBOX_SANDBOX_TIMEOUT_MS", "5000");
	env_set("MCPBOX_SANDBOX_MEMORY_MB", "99999999999999999999");
	ck_assert_int_eq(load(), -1);
	ck_assert_ptr_nonnull(strstr(err, "MCPBOX_SANDBOX_MEMORY_MB"));
	env_set("MCPBOX_SANDBOX_MEMORY_MB", "128");
	env_set("MCPBOX_MAX_SSE_STREAMS", "7");
	env_set("MCPBOX_SANDBOX_CONCURRENCY", "3");
	ck_assert_int_eq(load(), 0);
	ck_assert_int_eq(cfg.workers, 3);
	ck_assert_int_eq(cfg.sandbox_timeout_ms, 5000);
	ck_assert_int_eq(cfg.sandbox_memory_mb, 128);
	ck_assert_int_eq(cfg.max_sse_streams, 7);
	ck_assert_int_eq(cfg.sandbox_concurrency, 3);
	config_free(&cfg);
}
END_TEST

/* The operator's settings (ops/, the breaker): defaults, then each one
 * refused out of range by name, then taken. */
START_TEST(ops_rules)
{
	static const char *const	bad[][2] = {
		{ "MCPBOX_ALERT_DEDUP_S", "0" },
		{ "MCPBOX_CIRCUIT_THRESHOLD", "1001" },
		{ "MCPBOX_CIRCUIT_RESET_S", "x" },
		{ "MCPBOX_SESSION_IDLE_S", "59" },
		{ "MCPBOX_LOG_MAX_ROWS", "999" },
		{ "MCPBOX_RETENTION_INTERVAL_S", "-1" },
		{ "MCPBOX_ALERT_WEBHOOK_FORMAT", "teams" },
	};
	size_t	i;

	env_reset();
	ck_assert_int_eq(load(), 0);
	ck_assert_int_eq(cfg.alert_dedup_s, 900);
	ck_assert_int_eq(cfg.alert_format, ALERT_FORMAT_GENERIC);
	ck_assert_int_eq(cfg.circuit_threshold, 5);
	ck_assert_int_eq(cfg.circuit_reset_s, 30);
	ck_assert_int_eq(cfg.session_idle_s, 86400);
	ck_assert_int_eq(cfg.log_max_rows, 1000000);
	ck_assert_int_eq(cfg.retention_interval_s, 3600);
	config_free(&cfg);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		env_reset();
		env_set(bad[i][0], bad[i][1]);
		ck_assert_int_eq(load(), -1);
		ck_assert_ptr_nonnull(strstr(err, bad[i][0]));
	}
	env_reset();
	env_set("MCPBOX_ALERT_WEBHOOK_URL", "https://hooks.slack.com/services/x");
	env_set("MCPBOX_CIRCUIT_THRESHOLD", "3");
	env_set("MCPBOX_SESSION_IDLE_S", "600");
	env_set("MCPBOX_LOG_MAX_ROWS", "5000");
	ck_assert_int_eq(load(), 0);
	ck_assert_int_eq(cfg.alert_format, ALERT_FORMAT_SLACK);
	ck_assert_int_eq(cfg.circuit_threshold, 3);
	ck_assert_int_eq(cfg.session_idle_s, 600);
	ck_assert_int_eq(cfg.log_max_rows, 5000);
	config_free(&cfg);
	env_set("MCPBOX_ALERT_WEBHOOK_FORMAT", "discord");
	ck_assert_int_eq(load(), 0);
	ck_assert_int_eq(cfg.alert_format, ALERT_FORMAT_DISCORD);
	config_free(&cfg);
}
END_TEST

START_TEST(string_rules)
{
	env_reset();
	env_set("MCPBOX_DATABASE_URL", "");
	ck_assert_int_eq(load(), -1);
	ck_assert_ptr_nonnull(strstr(err, "MCPBOX_DATABASE_URL"));
	env_reset();
	env_set("MCPBOX_LOG_LEVEL", "loud");
	ck_assert_int_eq(load(), -1);
	ck_assert_ptr_nonnull(strstr(err, "MCPBOX_LOG_LEVEL"));
	env_set("MCPBOX_LOG_LEVEL", "WARNING");
	env_set("MCPBOX_JWT_SECRET", "short");
	ck_assert_int_eq(load(), -1);
	ck_assert_ptr_nonnull(strstr(err, "MCPBOX_JWT_SECRET"));
	ck_assert_ptr_null(strstr(err, "short"));
	env_set("MCPBOX_JWT_SECRET", "0123456789abcdef0123456789abcdef!");
	env_set("MCPBOX_SERVICE_TOKEN", "tiny");
	ck_assert_int_eq(load(), -1);
	ck_assert_ptr_nonnull(strstr(err, "MCPBOX_SERVICE_TOKEN"));
	ck_assert_ptr_null(strstr(err, "tiny"));
	env_set("MCPBOX_SERVICE_TOKEN", "");
	env_set("MCPBOX_ALLOWED_ORIGINS", "https://a.example, javascript:x");
	ck_assert_int_eq(load(), -1);
	ck_assert_ptr_nonnull(strstr(err, "MCPBOX_ALLOWED_ORIGINS"));
	env_set("MCPBOX_ALLOWED_ORIGINS", "https://a.example,http://b:8080");
	env_set("MCPBOX_ALERT_WEBHOOK_URL", "ftp://x");
	ck_assert_int_eq(load(), -1);
	ck_assert_ptr_nonnull(strstr(err, "MCPBOX_ALERT_WEBHOOK_URL"));
	env_set("MCPBOX_ALERT_WEBHOOK_URL", "http://127.0.0.1:9/hook");
	env_set("MCPBOX_PUBLIC_URL", "http://insecure.example");
	ck_assert_int_eq(load(), -1);
	ck_assert_ptr_nonnull(strstr(err, "MCPBOX_PUBLIC_URL"));
	env_set("MCPBOX_PUBLIC_URL", "https://mcp.example.com");
	env_set("MCPBOX_PUBLIC_LISTEN", "127.0.0.1:8001");
	env_set("MCPBOX_ENABLE_HSTS", "maybe");
	ck_assert_int_eq(load(), -1);
	ck_assert_ptr_nonnull(strstr(err, "MCPBOX_ENABLE_HSTS"));
	env_set("MCPBOX_ENABLE_HSTS", "true");
	ck_assert_int_eq(load(), 0);
	ck_assert_int_eq(cfg.log_level, LOG_LEVEL_WARN);
	ck_assert_int_eq(cfg.jwt_secret_derived, 0);
	ck_assert_uint_eq(cfg.jwt_secret_len, 33);
	ck_assert_int_eq(cfg.enable_hsts, 1);
	ck_assert_str_eq(cfg.public_url, "https://mcp.example.com");
	config_free(&cfg);
}
END_TEST

START_TEST(jwt_derivation_is_stable)
{
	uint8_t	first[32];

	env_reset();
	ck_assert_int_eq(load(), 0);
	memcpy(first, cfg.jwt_secret, 32);
	config_free(&cfg);
	ck_assert_int_eq(load(), 0);
	ck_assert_int_eq(memcmp(first, cfg.jwt_secret, 32), 0);
	/* Derived, so never equal to the key itself. */
	ck_assert_int_ne(memcmp(cfg.enc_key, cfg.jwt_secret, 32), 0);
	config_free(&cfg);
	env_set("MCPBOX_ENCRYPTION_KEY", KEY_OK2);
	ck_assert_int_eq(load(), 0);
	ck_assert_int_ne(memcmp(first, cfg.jwt_secret, 32), 0);
	config_free(&cfg);
}
END_TEST

START_TEST(public_door_rules)
{
	env_reset();
	/* The old single-listener remote mode says what to set instead. */
	env_set("MCPBOX_PUBLIC_URL", "https://mcp.example.com");
	ck_assert_int_eq(load(), -1);
	ck_assert_ptr_nonnull(strstr(err, "set MCPBOX_PUBLIC_LISTEN"));
	env_reset();
	env_set("MCPBOX_PUBLIC_LISTEN", "127.0.0.1:8001");
	ck_assert_int_eq(load(), -1);
	ck_assert_ptr_nonnull(strstr(err, "needs MCPBOX_PUBLIC_URL"));
	env_set("MCPBOX_PUBLIC_URL", "https://mcp.example.com");
	env_set("MCPBOX_PUBLIC_LISTEN", "127.0.0.1:8000");
	ck_assert_int_eq(load(), -1);
	ck_assert_ptr_nonnull(strstr(err, "must differ from MCPBOX_LISTEN"));
	env_set("MCPBOX_PUBLIC_LISTEN", "0.0.0.0:8000");
	ck_assert_int_eq(load(), -1);
	env_set("MCPBOX_PUBLIC_LISTEN", "nonsense");
	ck_assert_int_eq(load(), -1);
	ck_assert_ptr_nonnull(strstr(err, "MCPBOX_PUBLIC_LISTEN"));
	env_set("MCPBOX_PUBLIC_LISTEN", "127.0.0.1:8001");
	ck_assert_int_eq(load(), 0);
	ck_assert_int_eq(cfg.has_public_listen, 1);
	ck_assert_str_eq(cfg.public_listen_port, "8001");
	/* Loopback proxies are trusted by default, nobody else. */
	ck_assert_int_eq(cidr_list_match(&cfg.trusted_proxies, "127.0.0.1"), 1);
	ck_assert_int_eq(cidr_list_match(&cfg.trusted_proxies, "10.0.0.1"), 0);
	config_free(&cfg);
	env_set("MCPBOX_TRUSTED_PROXIES", "172.30.255.0/24, ::1");
	ck_assert_int_eq(load(), 0);
	ck_assert_int_eq(cidr_list_match(&cfg.trusted_proxies, "172.30.255.9"),
	    1);
	ck_assert_int_eq(cidr_list_match(&cfg.trusted_proxies, "127.0.0.1"), 0);
	config_free(&cfg);
	env_set("MCPBOX_TRUSTED_PROXIES", "172.30.255.0/33");
	ck_assert_int_eq(load(), -1);
	ck_assert_ptr_nonnull(strstr(err, "MCPBOX_TRUSTED_PROXIES"));
}
END_TEST

START_TEST(remote_rules)
{
	env_reset();
	env_set("MCPBOX_PUBLIC_LISTEN", "127.0.0.2:8123");
	/* Plain http only for a loopback host (the integration tests). */
	env_set("MCPBOX_PUBLIC_URL", "http://127.0.0.2:8123/");
	ck_assert_int_eq(load(), 0);
	ck_assert_str_eq(cfg.public_url, "http://127.0.0.2:8123");
	config_free(&cfg);
	env_set("MCPBOX_PUBLIC_URL", "http://127.evil.example");
	ck_assert_int_eq(load(), -1);
	ck_assert_ptr_nonnull(strstr(err, "MCPBOX_PUBLIC_URL"));
	env_set("MCPBOX_PUBLIC_URL", "https://mcp.example.com/mcp");
	ck_assert_int_eq(load(), -1);
	ck_assert_ptr_nonnull(strstr(err, "without a path"));
	env_set("MCPBOX_PUBLIC_URL", "https://user@mcp.example.com");
	ck_assert_int_eq(load(), -1);
	env_set("MCPBOX_PUBLIC_URL", "https://mcp.example.com");

	env_set("MCPBOX_CF_ACCESS_TEAM_DOMAIN", "team.cloudflareaccess.com");
	ck_assert_int_eq(load(), -1);
	ck_assert_ptr_nonnull(strstr(err, "set both or neither"));
	env_set("MCPBOX_CF_ACCESS_AUD", "abc def");
	ck_assert_int_eq(load(), -1);
	ck_assert_ptr_nonnull(strstr(err, "MCPBOX_CF_ACCESS_AUD"));
	env_set("MCPBOX_CF_ACCESS_AUD", "4714c1358e65fe4b408ad6d432a5f878");
	env_set("MCPBOX_CF_ACCESS_TEAM_DOMAIN", "team/../x");
	ck_assert_int_eq(load(), -1);
	ck_assert_ptr_nonnull(strstr(err, "MCPBOX_CF_ACCESS_TEAM_DOMAIN"));
	env_set("MCPBOX_CF_ACCESS_TEAM_DOMAIN", "http://team.example");
	ck_assert_int_eq(load(), -1);
	env_set("MCPBOX_CF_ACCESS_TEAM_DOMAIN", "team.cloudflareaccess.com");
	ck_assert_int_eq(load(), 0);
	ck_assert_str_eq(cfg.cf_access_issuer,
	    "https://team.cloudflareaccess.com");
	config_free(&cfg);

	env_set("MCPBOX_REMOTE_EMAILS", "alice@example.com, nobody");
	ck_assert_int_eq(load(), -1);
	ck_assert_ptr_nonnull(strstr(err, "MCPBOX_REMOTE_EMAILS"));
	env_set("MCPBOX_REMOTE_EMAILS", "alice@example.com, @corp.example");
	ck_assert_int_eq(load(), 0);
	ck_assert_int_eq(config_email_allowed(cfg.remote_emails,
	    "Alice@Example.com"), 1);
	ck_assert_int_eq(config_email_allowed(cfg.remote_emails,
	    "bob@corp.example"), 1);
	ck_assert_int_eq(config_email_allowed(cfg.remote_emails,
	    "bob@xcorp.example"), 0);
	ck_assert_int_eq(config_email_allowed(cfg.remote_emails,
	    "alice@example.com.evil"), 0);
	ck_assert_int_eq(config_loopback_url("http://localhost:1"), 1);
	ck_assert_int_eq(config_loopback_url("http://[::1]:1"), 1);
	ck_assert_int_eq(config_loopback_url("http://localhost.evil"), 0);
	config_free(&cfg);
}
END_TEST

START_TEST(find_links_rules)
{
	env_reset();
	ck_assert_int_eq(load(), 0);
	ck_assert_ptr_null(cfg.pip_find_links);
	config_free(&cfg);
	env_set("MCPBOX_PIP_FIND_LINKS", "/srv/wheels");
	ck_assert_int_eq(load(), 0);
	ck_assert_str_eq(cfg.pip_find_links, "/srv/wheels");
	config_free(&cfg);
	env_set("MCPBOX_PIP_FIND_LINKS", "https://wheels.example/simple/");
	ck_assert_int_eq(load(), 0);
	config_free(&cfg);
	env_set("MCPBOX_PIP_FIND_LINKS", "wheels");
	ck_assert_int_eq(load(), -1);
	ck_assert_ptr_nonnull(strstr(err, "MCPBOX_PIP_FIND_LINKS"));
	env_set("MCPBOX_PIP_FIND_LINKS", "/srv/../etc");
	ck_assert_int_eq(load(), -1);
	env_set("MCPBOX_PIP_FIND_LINKS", "http://wheels.example/");
	ck_assert_int_eq(load(), -1);
	env_set("MCPBOX_PIP_FIND_LINKS", "/srv/wheels\n");
	ck_assert_int_eq(load(), -1);
}
END_TEST

int
main(void)
{
	Suite	*s;
	TCase	*tc;
	SRunner	*sr;
	int	failed;

	s = suite_create("config");
	tc = tcase_create("core");
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, key_rules);
	tcase_add_test(tc, listen_rules);
	tcase_add_test(tc, number_rules);
	tcase_add_test(tc, ops_rules);
	tcase_add_test(tc, string_rules);
	tcase_add_test(tc, jwt_derivation_is_stable);
	tcase_add_test(tc, find_links_rules);
	tcase_add_test(tc, remote_rules);
	tcase_add_test(tc, public_door_rules);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
