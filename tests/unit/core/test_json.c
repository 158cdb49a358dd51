#include <string.h>

#include <criterion/criterion.h>

#include "core/json.h"

static struct kiln_err err;
static cJSON *root;

static void
setup(void)
{
	kiln_err_clear(&err);
	root = NULL;
}

static void
teardown(void)
{
	cJSON_Delete(root);
}

TestSuite(json, .init = setup, .fini = teardown);

static const char *const known[] = {"name", "ip", "hosts", NULL};

static int
check(const char *text, const char *path)
{
	cJSON_Delete(root);
	kiln_err_clear(&err);
	root = kiln_json_parse_object(text, strlen(text), &err);
	cr_assert_not_null(root, "%s", err.msg);
	return kiln_json_known_keys(root, path, known, &err);
}

Test(json, distance_counts_edits_and_swaps_ignoring_case)
{
	cr_assert_eq(kiln_json_distance("ip", "ip"), 0);
	cr_assert_eq(kiln_json_distance("Members", "members"), 0);
	cr_assert_eq(kiln_json_distance("ipp", "ip"), 1);
	cr_assert_eq(kiln_json_distance("expirey", "expiry"), 1);
	cr_assert_eq(kiln_json_distance("cleints", "clients"), 1);
	cr_assert_eq(kiln_json_distance("layuot", "layout"), 1);
	cr_assert_eq(kiln_json_distance("", "abc"), 3);
	cr_assert_eq(kiln_json_distance("kitten", "sitting"), 3);
	cr_assert_eq(kiln_json_distance("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	                                "aaaaaaaaaaaaaaaaaaaaaaaaaaa",
	                 "a"),
	    (size_t)-1);
}

Test(json, known_keys_pass)
{
	cr_assert_eq(check("{\"name\": \"a\", \"ip\": \"b\", \"hosts\": []}",
	                 "members[0]"),
	    0, "%s", err.msg);
	cr_assert_eq(check("{}", NULL), 0);
	cr_assert_eq(kiln_json_known_keys(NULL, "x", known, &err), 0);
}

Test(json, unknown_key_names_the_nearest_known_one)
{
	cr_assert_eq(
	    check("{\"name\": \"a\", \"ipp\": \"b\"}", "members[1]"), -1);
	cr_assert_eq(err.code, KILN_EINVAL);
	cr_assert_str_eq(
	    err.msg, "members[1]: unknown key \"ipp\" (did you mean \"ip\"?)");
	cr_assert_eq(check("{\"hsots\": []}", NULL), -1);
	cr_assert_str_eq(
	    err.msg, "unknown key \"hsots\" (did you mean \"hosts\"?)");
}

Test(json, keys_are_case_sensitive)
{
	cr_assert_eq(check("{\"Name\": \"a\"}", "members[0]"), -1);
	cr_assert_str_eq(err.msg,
	    "members[0]: unknown key \"Name\" (did you mean \"name\"?)");
}

Test(json, a_key_far_from_all_lists_the_known_ones)
{
	cr_assert_eq(check("{\"zzzz\": 1}", "members[0]"), -1);
	cr_assert_str_eq(err.msg, "members[0]: unknown key \"zzzz\" (known "
	                          "keys: name, ip, hosts)");
	/* One letter away from a two-letter key is too far to guess. */
	cr_assert_eq(check("{\"ix\": 1, \"x\": 2}", NULL), -1);
	cr_assert_str_eq(err.msg, "unknown key \"ix\" (did you mean \"ip\"?)");
	cr_assert_eq(check("{\"x\": 2}", NULL), -1);
	cr_assert_str_eq(
	    err.msg, "unknown key \"x\" (known keys: name, ip, hosts)");
}

Test(json, a_duplicate_key_is_refused)
{
	cr_assert_eq(check("{\"ip\": \"a\", \"name\": \"b\", \"ip\": \"c\"}",
	                 "members[0]"),
	    -1);
	cr_assert_str_eq(err.msg, "members[0]: duplicate key \"ip\"");
}
