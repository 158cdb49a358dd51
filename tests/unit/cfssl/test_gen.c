/*
 * The output side of the generating commands: no CLI flag in what the
 * library says.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "kiln/gen.h"

TestSuite(gen, .timeout = 30);

Test(gen, key_kept_names_no_flag)
{
	struct kiln_err err = {0};
	struct kiln_buf key;
	char dir[] = "/tmp/kiln-test-gen.XXXXXX", base[64], want[512];

	cr_assert_not_null(mkdtemp(dir));
	snprintf(base, sizeof(base), "%s/leaf", dir);
	kiln_buf_init(&key);
	cr_assert_eq(kiln_buf_append(&key, "key\n", 4, &err), 0);
	cr_assert_eq(kiln_gen_write(base, NULL, NULL, &key, 0, &err), 0);
	cr_assert_eq(kiln_gen_write(base, NULL, NULL, &key, 0, &err), -1);
	cr_assert_eq(err.code, KILN_EEXIST);
	snprintf(want, sizeof(want),
	    "%s-key.pem: refusing to replace an existing private key (it "
	    "would be lost, and every certificate made for it or, for a CA, "
	    "issued by it orphaned)",
	    base);
	cr_assert_str_eq(err.msg, want);
	kiln_err_clear(&err);
	cr_assert_eq(kiln_gen_write(base, NULL, NULL, &key, 1, &err), 0);
	snprintf(want, sizeof(want), "%s-key.pem", base);
	cr_assert_eq(unlink(want), 0);
	cr_assert_eq(rmdir(dir), 0);
	kiln_buf_free(&key);
}
