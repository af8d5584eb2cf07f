/* Unit tests for the input-schema derivation (runs the embedded harness). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sbx.h"

static void
expect(const char *src, const char *want)
{
	char	*got = sbx_py_schema(src);

	ck_assert_ptr_nonnull(got);
	ck_assert_msg(strcmp(got, want) == 0, "%s\n got  %s\n want %s", src,
	    got, want);
	free(got);
}

START_TEST(test_schema)
{
	struct sbx_pyconf	pc;

	memset(&pc, 0, sizeof(pc));
	ck_assert_int_eq(sbx_py_init(&pc), 0);
	expect("def main(a: str, b: int, c: float, d: bool, e: list, f: dict):\n pass\n",
	    "{\"additionalProperties\": false, \"properties\": {\"a\": {\"type\": \"string\"}, "
	    "\"b\": {\"type\": \"integer\"}, \"c\": {\"type\": \"number\"}, \"d\": {\"type\": "
	    "\"boolean\"}, \"e\": {\"type\": \"array\"}, \"f\": {\"type\": \"object\"}}, "
	    "\"required\": [\"a\", \"b\", \"c\", \"d\", \"e\", \"f\"], \"type\": \"object\"}");
	expect("from typing import Optional\ndef main(x, y: Optional[int] = None, z: str | None = 'q'):\n pass\n",
	    "{\"additionalProperties\": false, \"properties\": {\"x\": {\"type\": \"string\"}, "
	    "\"y\": {\"default\": null, \"type\": [\"integer\", \"null\"]}, \"z\": {\"default\": "
	    "\"q\", \"type\": [\"string\", \"null\"]}}, \"required\": [\"x\"], \"type\": \"object\"}");
	expect("async def main(items: list[int], **kw):\n pass\n",
	    "{\"properties\": {\"items\": {\"items\": {\"type\": \"integer\"}, \"type\": \"array\"}}, "
	    "\"required\": [\"items\"], \"type\": \"object\"}");
	expect("def main():\n pass\n",
	    "{\"additionalProperties\": false, \"properties\": {}, \"required\": [], \"type\": \"object\"}");
	expect("def helper(a):\n pass\n", "null");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("schema");
	TCase	*tc = tcase_create("schema");
	SRunner	*sr;
	int	 nf;

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_schema);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? 0 : 1);
}
