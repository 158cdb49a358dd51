/*
 * The error contract (errcontract.h) of the core and asn1 layers: errors,
 * buffers, escaping, durations, files, randomness and PEM.
 */
#include <fcntl.h>
#include <limits.h>

#include "errcontract.h"
#include "kiln/duration.h"
#include "kiln/esc.h"
#include "kiln/pem.h"

TestSuite(errcontract, .init = ec_setup, .fini = ec_teardown, .timeout = 60);

Test(errcontract, err_functions)
{
	struct kiln_err from;

	CONTRACT((void)0, -1, kiln_err_set(E, KILN_EINVAL, "new"));
	CONTRACT((void)0, -1, kiln_err_sys(E, "new"));
	CONTRACT((void)0, -1, kiln_err_mbed(E, -1, "new"));
	kiln_err_clear(&from);
	CONTRACT((void)0, 0, kiln_err_pass(E, &from));
	CONTRACT((void)0, 0, kiln_err_pass_prefix(E, &from, "p"));
	cr_assert_str_eq(from.msg, "");
	kiln_err_set(&from, KILN_EINVAL, "from");
	CONTRACT((void)0, -1, kiln_err_pass(E, &from));
	CONTRACT(
	    (kiln_err_clear(&from), kiln_err_set(&from, KILN_EINVAL, "from")),
	    -1, kiln_err_pass_prefix(E, &from, "%s", "p"));
	kiln_err_clear(&fresh);
	kiln_err_pass_prefix(&fresh, &from, "%s %d", "file", 2);
	cr_assert_str_eq(fresh.msg, "file 2: from");
	cr_assert_eq(fresh.code, KILN_EINVAL);
	/* These three act on the error itself: NULL is allowed. */
	kiln_err_clear(NULL);
	kiln_err_prefix(NULL, "p");
	cr_assert_eq(kiln_err_replace(NULL, KILN_EINVAL, "new"), -1);
	/* replace overwrites, by design: for a function's own struct. */
	cr_assert_eq(kiln_err_replace(stale(), KILN_EINVAL, "new"), -1);
	cr_assert_str_eq(old.msg, "new");
}

Test(errcontract, buf_esc_duration)
{
	int64_t ns;
	char *s = NULL;

	CONTRACT(out.len = 0, 0, kiln_buf_reserve(&out, 100, E));
	CONTRACT(out.len = 0, -1, kiln_buf_reserve(&out, SIZE_MAX, E));
	CONTRACT(out.len = 0, 0, kiln_buf_append(&out, "ab", 2, E));
	CONTRACT(out.len = 0, 0, kiln_buf_terminate(&out, E));
	CONTRACT(out.len = 0, 0, kiln_buf_printf(&out, E, "%d", 7));
	CONTRACT(out.len = 0, 0, kiln_buf_append_json(&out, "a\"b", 3, E));
	CONTRACT(out.len = 0, 0, kiln_buf_append_json_log(&out, "a\x7f", 2, E));
	CONTRACT(out.len = 0, 0, kiln_esc_append(&out, "a\033b", 3, E));
	CONTRACT((free(s), s = NULL), 1, (s = kiln_esc_dup("a\nb", E)) != NULL);
	CONTRACT((void)0, 0, kiln_duration_parse("8760h", &ns, E));
	CONTRACT((void)0, -1, kiln_duration_parse("8760", &ns, E));
}

Test(errcontract, pem)
{
	struct kiln_pem_block blk;
	size_t pos;
	static const char pem[] = "-----BEGIN X-----\nAAEC\n-----END X-----\n";
	static const char cut[] = "-----BEGIN X-----\nAAEC\n";

	CONTRACT(out.len = 0, 0,
	    kiln_base64_append(&out, (const unsigned char *)"ab", 2, E));
	CONTRACT((void)0, 0,
	    kiln_base64_decode((const unsigned char *)"YWI=", 4, &out, E));
	/* Not base64: 1, for the caller to word, and err untouched. */
	CONTRACT((void)0, 1,
	    kiln_base64_decode((const unsigned char *)"Y!I=", 4, &out, E));
	CONTRACT(out.len = 0, 0,
	    kiln_pem_write(&out, "X", (const unsigned char *)"ab", 2, E));
	CONTRACT(pos = 0, 1, kiln_pem_next(pem, &pos, "X", &blk, E));
	CONTRACT(pos = 0, 0, kiln_pem_next(pem, &pos, "Y", &blk, E));
	CONTRACT(pos = 0, -1, kiln_pem_next(cut, &pos, "X", &blk, E));
}

Test(errcontract, rng)
{
	struct kiln_rng r, child;

	kiln_rng_init(&r);
	CONTRACT((kiln_rng_free(&r), kiln_rng_init(&r)), 0,
	    kiln_rng_seed(&r, "errcontract", E));
	kiln_rng_init(&child);
	CONTRACT((kiln_rng_free(&child), kiln_rng_init(&child)), -1,
	    kiln_rng_seed_from(&child, &r, "child", E));
	cr_assert_eq(kiln_rng_seed(&r, "errcontract", &fresh), 0);
	CONTRACT((kiln_rng_free(&child), kiln_rng_init(&child)), 0,
	    kiln_rng_seed_from(&child, &r, "child", E));
	kiln_rng_free(&child);
	kiln_rng_free(&r);
}

/* "b" made empty, then "name" staged (in "dfd" if not -1). */
static void
staged(struct kiln_file_batch *b, int dfd, const char *name,
    const struct stat *expect)
{
	kiln_file_batch_free(b);
	kiln_file_batch_init(b);
	if (dfd < 0)
		cr_assert_eq(
		    kiln_file_batch_add(b, name, "z", 1, 0644, 0, &fresh), 0);
	else
		cr_assert_eq(kiln_file_batch_add_at(b, dfd, name, name, "z", 1,
		                 0644, 0, expect, &fresh),
		    0);
}

Test(errcontract, files)
{
	char path[PATH_MAX], missing[PATH_MAX], base[PATH_MAX + 8];
	struct kiln_file_batch b;
	struct stat st;
	int dfd, fd = -1;

	snprintf(path, sizeof(path), "%s/f", dir);
	snprintf(missing, sizeof(missing), "%s/none/f", dir);
	CONTRACT((void)0, 0, kiln_file_write(path, "x", 1, 0644, 0, E));
	CONTRACT((void)0, -1,
	    kiln_file_write(path, "x", 1, 0644, KILN_WRITE_EXCL, E));
	CONTRACT(kiln_buf_free(&out), 0, kiln_file_read(path, &out, E));
	CONTRACT(kiln_buf_free(&out), -1, kiln_file_read(missing, &out, E));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(dfd, 0);
	CONTRACT((fd >= 0 ? close(fd) : 0, fd = -1), 1,
	    (fd = kiln_dir_open(dfd, "sub/dir", 1, 0700, E)) >= 0);
	CONTRACT((void)0, -1, kiln_dir_open(dfd, "none", 0, 0700, E));
	CONTRACT(kiln_buf_free(&out), 0,
	    kiln_file_read_at(dfd, "f", "shown", &out, &st, E));
	CONTRACT(kiln_buf_free(&out), -1,
	    kiln_file_read_at(dfd, "none", "shown", &out, &st, E));
	CONTRACT((void)0, 0,
	    kiln_file_write_at(dfd, "g", "g", "x", 1, 0644, 0, NULL, E));
	CONTRACT((void)0, -1,
	    kiln_file_write_at(
	        dfd, "g", "g", "x", 1, 0644, KILN_WRITE_EXCL, NULL, E));
	kiln_file_batch_init(&b);
	CONTRACT((kiln_file_batch_free(&b), kiln_file_batch_init(&b)), 0,
	    kiln_file_batch_add(&b, path, "y", 1, 0644, 0, E));
	CONTRACT((kiln_file_batch_free(&b), kiln_file_batch_init(&b)), -1,
	    kiln_file_batch_add(&b, missing, "y", 1, 0644, 0, E));
	CONTRACT((kiln_file_batch_free(&b), kiln_file_batch_init(&b)), 0,
	    kiln_file_batch_add_at(
	        &b, dfd, "h", "h", "y", 1, 0644, 0, NULL, E));
	CONTRACT(staged(&b, -1, path, NULL), 0, kiln_file_batch_commit(&b, E));
	/* "f" is no longer absent when the batch commits: refused. */
	memset(&st, 0, sizeof(st));
	CONTRACT(staged(&b, dfd, "f", &st), -1, kiln_file_batch_commit(&b, E));
	kiln_file_batch_free(&b);
	CONTRACT((void)0, 0, kiln_file_path(base, dir, "-key.pem", E));
	memset(base, 'a', PATH_MAX);
	base[PATH_MAX] = '\0';
	CONTRACT((void)0, -1, kiln_file_path(path, base, "-key.pem", E));
	close(dfd);
}
