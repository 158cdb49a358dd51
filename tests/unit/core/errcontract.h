/*
 * The error contract of include/kiln/err.h, as the test_errcontract*.c
 * suites check it: each public function that takes a struct kiln_err *
 * is called three times with the same arguments, with a clear error, with
 * err == NULL (no crash, the same return) and with a stale error already
 * recorded (the same return, and the stale message kept: the first error
 * wins, and a function never tests or clears the caller's struct as its
 * own failure flag).  Each suite includes this once and names its own
 * TestSuite with ec_setup and ec_teardown.
 */
#ifndef KILN_TEST_ERRCONTRACT_H
#define KILN_TEST_ERRCONTRACT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "kiln/buf.h"
#include "kiln/err.h"
#include "kiln/file.h"
#include "kiln/rng.h"

#define STALE "stale: an error the caller recorded before"
/* 2027-01-01T00:00:00Z: inside the fixtures' validity. */
#define NOW 1798761600LL

static struct kiln_err fresh, old;
static struct kiln_buf data, out;
static struct kiln_rng rng;
static char dir[64];

/*
 * A stale error with the code a site might test for (KILN_EEXIST, as
 * kiln_gen_write's refusal does).
 */
static struct kiln_err *
stale(void)
{
	kiln_err_clear(&old);
	kiln_err_set(&old, KILN_EEXIST, STALE);
	return &old;
}

/*
 * Run "call" (which names its error "E") with a clear error, with NULL
 * and with a stale one: it returns "want" each time ("reset" before each
 * run puts the arguments back), and the stale error is kept as it was.
 */
#define CONTRACT(reset, want, call)                                            \
	do {                                                                   \
		struct kiln_err *E;                                            \
		long long rc_;                                                 \
		reset;                                                         \
		E = &fresh;                                                    \
		kiln_err_clear(E);                                             \
		rc_ = (long long)(call);                                       \
		cr_assert_eq(                                                  \
		    rc_, (long long)(want), "%s: %s", #call, fresh.msg);       \
		reset;                                                         \
		E = NULL;                                                      \
		cr_assert_eq((long long)(call), rc_, "%s with NULL", #call);   \
		reset;                                                         \
		E = stale();                                                   \
		cr_assert_eq((long long)(call), rc_, "%s, stale", #call);      \
		cr_assert_eq(old.code, KILN_EEXIST, "%s", #call);              \
		cr_assert_str_eq(old.msg, STALE, "%s", #call);                 \
		reset;                                                         \
	} while (0)

/* The file "name" of tests/data into "buf" (emptied first). */
static __attribute__((unused)) void
read_into(struct kiln_buf *buf, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", KILN_TEST_DATA, name);
	kiln_buf_free(buf);
	cr_assert_eq(kiln_file_read(path, buf, &fresh), 0, "%s", fresh.msg);
}

static __attribute__((unused)) void
read_data(const char *name)
{
	read_into(&data, name);
}

static void
ec_setup(void)
{
	kiln_buf_init(&data);
	kiln_buf_init(&out);
	kiln_rng_init(&rng);
	cr_assert_eq(kiln_rng_seed(&rng, "errcontract", &fresh), 0);
	snprintf(dir, sizeof(dir), "/tmp/kiln-test-errc.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void
ec_teardown(void)
{
	char cmd[128];

	kiln_buf_free(&data);
	kiln_buf_free(&out);
	kiln_rng_free(&rng);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

#endif /* KILN_TEST_ERRCONTRACT_H */
