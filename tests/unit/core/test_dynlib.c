#include <stddef.h>
#include <string.h>

#include <criterion/criterion.h>

#include "core/dynlib.h"

TestSuite(dynlib);

struct libc_table {
	size_t (*strlen)(const char *);
	int (*strcmp)(const char *, const char *);
};

static const struct kiln_dynsym libc_syms[] = {
    {"strlen", offsetof(struct libc_table, strlen)},
    {"strcmp", offsetof(struct libc_table, strcmp)},
};

Test(dynlib, every_function_lands_at_its_offset)
{
	struct libc_table t;
	struct kiln_err err = {0};

	memset(&t, 0, sizeof(t));
	cr_assert_not_null(
	    kiln_dynlib_open("libc.so.6", "libc6", libc_syms, 2, &t, &err),
	    "%s", err.msg);
	cr_assert_eq(t.strlen("kiln"), 4);
	cr_assert_eq(t.strcmp("a", "a"), 0);
	cr_assert_eq(err.code, KILN_OK);
}

Test(dynlib, a_missing_library_names_its_package)
{
	struct libc_table t;
	struct kiln_err err = {0};

	cr_assert_null(kiln_dynlib_open("libkiln-no-such.so.0",
	    "Debian's libkiln-no-such0", libc_syms, 2, &t, &err));
	cr_assert_eq(err.code, KILN_EINVAL);
	cr_assert(strncmp(err.msg,
	              "cannot load libkiln-no-such.so.0 (Debian's "
	              "libkiln-no-such0): ",
	              62) == 0,
	    "%s", err.msg);
}

Test(dynlib, a_missing_function_is_named)
{
	static const struct kiln_dynsym syms[] = {
	    {"strlen", offsetof(struct libc_table, strlen)},
	    {"kiln_no_such_function", offsetof(struct libc_table, strcmp)},
	};
	struct libc_table t;
	struct kiln_err err = {0};

	cr_assert_null(
	    kiln_dynlib_open("libc.so.6", "libc6", syms, 2, &t, &err));
	cr_assert_str_eq(err.msg, "libc.so.6 has no kiln_no_such_function");
}

Test(dynlib, once_answers_every_call_as_the_first)
{
	static struct kiln_dynlib_once ok = KILN_DYNLIB_ONCE_INIT;
	static struct kiln_dynlib_once missing = KILN_DYNLIB_ONCE_INIT;
	struct libc_table t;
	struct kiln_err err = {0};
	int i;

	for (i = 0; i < 2; i++) {
		memset(&t, 0, sizeof(t));
		cr_assert_eq(kiln_dynlib_open_once(&ok, "libc.so.6", "libc6",
		                 libc_syms, 2, &t, &err),
		    0, "%s", err.msg);
		/* Filled the first time only: the table is the caller's. */
		if (i == 0)
			cr_assert_eq(t.strlen("ab"), 2);
		else
			cr_assert_null(t.strlen);
	}
	for (i = 0; i < 2; i++) {
		kiln_err_clear(&err);
		cr_assert_eq(
		    kiln_dynlib_open_once(&missing, "libkiln-no-such.so.0",
		        "none", libc_syms, 2, &t, &err),
		    -1);
		cr_assert(
		    strncmp(err.msg,
		        "cannot load libkiln-no-such.so.0 (none): ", 41) == 0,
		    "%s", err.msg);
	}
}
