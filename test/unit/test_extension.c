/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Extension points: entries go only into a published point, through its
 * check, once per name; tcp_proxy's points hold the built-in policies.
 */
#include "nfg/extension.h"
#include "nfg/proxy.h"
#include "harness.h"

struct thing {
	const char *name;
	int valid;
};

static const char *
check_thing(const void *entry)
{
	const struct thing *t = entry;

	return t->valid ? t->name : NULL;
}

START_TEST(entries_go_through_the_points_check)
{
	static const struct thing a = { "a", 1 }, a2 = { "a", 1 }, b = { "b", 1 },
				  bad = { "bad", 0 };

	ck_assert_int_eq(nfg_extension_point("test.things", check_thing), 0);
	ck_assert_int_eq(nfg_extension_point("test.things", check_thing), -1); /* twice */
	ck_assert_int_eq(nfg_extension_register("test.things", &a), 0);
	ck_assert_int_eq(nfg_extension_register("test.things", &a2), -1); /* name taken */
	ck_assert_int_eq(nfg_extension_register("test.things", &bad), -1); /* refused */
	ck_assert_int_eq(nfg_extension_register("test.thing", &b), -1);    /* no such point */
	ck_assert_int_eq(nfg_extension_register("test.things", NULL), -1);
	ck_assert_int_eq(nfg_extension_register("test.things", &b), 0);
	ck_assert_ptr_eq(nfg_extension_find("test.things", "a"), &a);
	ck_assert_ptr_eq(nfg_extension_find("test.things", "b"), &b);
	ck_assert_ptr_null(nfg_extension_find("test.things", "bad"));
	ck_assert_ptr_null(nfg_extension_find("test.none", "a"));
	ck_assert_str_eq(nfg_extension_name("test.things", 0), "a");
	ck_assert_str_eq(nfg_extension_name("test.things", 1), "b");
	ck_assert_ptr_null(nfg_extension_name("test.things", 2));
}
END_TEST

START_TEST(proxy_points_hold_the_built_in_policies)
{
	static const struct nfg_proxy_policy no_select = { NFG_PROXY_API_VERSION, "no_select",
							   "", NULL, NULL, NULL };

	ck_assert_ptr_nonnull(nfg_proxy_policy_find("round_robin"));
	ck_assert_ptr_nonnull(nfg_proxy_policy_find("source_hash"));
	ck_assert_ptr_eq(nfg_proxy_policy_find("round_robin"),
			 nfg_extension_find(NFG_PROXY_POLICY_POINT, "round_robin"));
	ck_assert_int_eq(nfg_proxy_policy_register(&no_select), -1);
	ck_assert_ptr_null(nfg_proxy_policy_find("no_select"));
}
END_TEST

static Suite *
extension_suite(void)
{
	Suite *s = suite_create("extension");
	TCase *tc = tcase_create("extension");

	tcase_add_test(tc, entries_go_through_the_points_check);
	tcase_add_test(tc, proxy_points_hold_the_built_in_policies);
	suite_add_tcase(s, tc);
	return s;
}

TEST_SUITE(extension_suite)
