#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>
#include <mbedtls/pk.h>

#include "kiln/err.h"

TestSuite(err);

Test(err, first_error_wins)
{
	struct kiln_err err = {0};

	cr_assert_eq(kiln_err_set(&err, KILN_EINVAL, "first %d", 1), -1);
	cr_assert_eq(kiln_err_set(&err, KILN_EIO, "second"), -1);
	cr_assert_eq(err.code, KILN_EINVAL);
	cr_assert_str_eq(err.msg, "first 1");
}

Test(err, null_err_is_ignored)
{
	cr_assert_eq(kiln_err_set(NULL, KILN_EINVAL, "x"), -1);
	cr_assert_eq(kiln_err_sys(NULL, "x"), -1);
	cr_assert_eq(kiln_err_mbed(NULL, -1, "x"), -1);
	kiln_err_prefix(NULL, "x");
	kiln_err_clear(NULL);
}

Test(err, sys_appends_strerror_and_keeps_errno)
{
	struct kiln_err err = {0};

	errno = ENOENT;
	kiln_err_sys(&err, "%s", "ca.pem");
	cr_assert_eq(err.code, KILN_EIO);
	cr_assert_eq(err.sys, ENOENT);
	cr_assert_str_eq(err.msg, "ca.pem: No such file or directory");
}

Test(err, mbed_names_the_code)
{
	struct kiln_err err = {0};

	kiln_err_mbed(&err, MBEDTLS_ERR_PK_KEY_INVALID_FORMAT, "ca-key.pem");
	cr_assert_eq(err.code, KILN_ECRYPTO);
	cr_assert_eq(err.mbed, MBEDTLS_ERR_PK_KEY_INVALID_FORMAT);
	cr_assert(
	    strncmp(err.msg, "ca-key.pem: PK - ", 17) == 0, "%s", err.msg);
	cr_assert(strstr(err.msg, "(-0x3d00)") != NULL, "%s", err.msg);
}

Test(err, prefix_adds_context_only_to_an_error)
{
	struct kiln_err err = {0};

	kiln_err_prefix(&err, "unused");
	cr_assert_str_eq(err.msg, "");
	kiln_err_set(&err, KILN_EINVAL, "expiry: missing");
	kiln_err_prefix(&err, "%s", "ca-config.json");
	cr_assert_str_eq(err.msg, "ca-config.json: expiry: missing");
}

Test(err, clear_resets)
{
	struct kiln_err err = {0};

	kiln_err_set(&err, KILN_EINVAL, "x");
	kiln_err_clear(&err);
	cr_assert_eq(err.code, KILN_OK);
	cr_assert_str_eq(err.msg, "");
}

Test(err, replace_overwrites)
{
	struct kiln_err err = {0};

	kiln_err_sys(&err, "a.pem");
	cr_assert_eq(kiln_err_replace(&err, KILN_EEXIST, "b %d", 2), -1);
	cr_assert_eq(err.code, KILN_EEXIST);
	cr_assert_eq(err.sys, 0);
	cr_assert_str_eq(err.msg, "b 2");
	cr_assert_eq(kiln_err_replace(NULL, KILN_EINVAL, "x"), -1);
}

Test(err, pass_keeps_the_first)
{
	struct kiln_err from = {0}, err = {0};

	cr_assert_eq(kiln_err_pass(&err, &from), 0);
	cr_assert_eq(err.code, KILN_OK);
	errno = ENOENT;
	kiln_err_sys(&from, "a.pem");
	cr_assert_eq(kiln_err_pass(NULL, &from), -1);
	cr_assert_eq(kiln_err_pass(&err, &from), -1);
	cr_assert_eq(err.code, KILN_EIO);
	cr_assert_eq(err.sys, ENOENT);
	cr_assert_str_eq(err.msg, "a.pem: No such file or directory");
	kiln_err_replace(&from, KILN_EINVAL, "later");
	cr_assert_eq(kiln_err_pass(&err, &from), -1);
	cr_assert_str_eq(err.msg, "a.pem: No such file or directory");
}
