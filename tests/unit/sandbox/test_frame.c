/* Unit tests for frame.c: lengths are checked before payload is buffered. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sbx.h"

START_TEST(test_roundtrip)
{
	struct sbx_buf	 b = { 0 };
	uint32_t	 len;
	json_t		*v;

	ck_assert_int_eq(sbx_frame_put(&b, "{\"a\":1}", 7), 0);
	ck_assert_int_eq(b.len, 11);
	ck_assert_int_eq(b.data[3], 7);
	ck_assert_int_eq(sbx_frame_next(&b, 100, &len), SBX_FRAME_READY);
	ck_assert_int_eq(len, 7);
	v = sbx_frame_parse(b.data + 4, len, NULL, 0);
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(json_integer_value(json_object_get(v, "a")), 1);
	json_decref(v);
	sbx_buf_consume(&b, 4 + len);
	ck_assert_int_eq(b.len, 0);
	sbx_buf_free(&b);
}
END_TEST

START_TEST(test_partial_and_toobig)
{
	struct sbx_buf	b = { 0 };
	uint8_t		hdr[4] = { 0x00, 0x90, 0x00, 0x00 };	/* 9 MiB */
	uint32_t	len;

	ck_assert_int_eq(sbx_frame_next(&b, 100, &len), SBX_FRAME_NEED);
	sbx_buf_append(&b, hdr, 2);
	ck_assert_int_eq(sbx_frame_next(&b, SBX_FRAME_MAX, &len), SBX_FRAME_NEED);
	sbx_buf_append(&b, hdr + 2, 2);
	ck_assert_int_eq(sbx_frame_next(&b, SBX_FRAME_MAX, &len), SBX_FRAME_TOOBIG);
	sbx_buf_free(&b);
	sbx_frame_put(&b, "{}", 2);
	b.len--;	/* payload incomplete */
	ck_assert_int_eq(sbx_frame_next(&b, 100, &len), SBX_FRAME_NEED);
	sbx_buf_free(&b);
}
END_TEST

START_TEST(test_parse_rejects)
{
	char	err[128];

	ck_assert_ptr_null(sbx_frame_parse((const uint8_t *)"[1]", 3, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "object"));
	ck_assert_ptr_null(sbx_frame_parse((const uint8_t *)"{", 1, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "invalid JSON"));
	ck_assert_ptr_null(sbx_frame_parse((const uint8_t *)"{\"a\":NaN}", 9, NULL, 0));
}
END_TEST

START_TEST(test_wipe_buffer)
{
	struct sbx_buf	b = { 0 };
	int		i;

	b.wipe = 1;
	for (i = 0; i < 3000; i++)
		ck_assert_int_eq(sbx_buf_append(&b, "secret!", 7), 0);
	ck_assert_int_eq(b.len, 21000);
	ck_assert_int_eq(memcmp(b.data + 20993, "secret!", 7), 0);
	sbx_buf_consume(&b, 7);
	ck_assert_int_eq(b.len, 20993);
	sbx_buf_free(&b);
	ck_assert_ptr_null(b.data);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("frame");
	TCase	*tc = tcase_create("frame");
	SRunner	*sr;
	int	 nf;

	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_partial_and_toobig);
	tcase_add_test(tc, test_parse_rejects);
	tcase_add_test(tc, test_wipe_buffer);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? 0 : 1);
}
