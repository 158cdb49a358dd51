/*
 * kiln check's engine (src/inspect/check.c): what kiln_check_path finds and skips,
 * the status of a certificate at the boundaries of -within and -critical,
 * trust, the exit code of every case, and the JSON and table output.
 *
 * The certificates are the files of tests/data/check, made by gen.sh
 * there with fixed dates; "now" is fixed too, so nothing depends on the
 * clock.  Tests that need a folder build one in a fresh temporary folder
 * and run in it.
 */
#define _XOPEN_SOURCE 700 /* nftw */

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <mbedtls/x509_crt.h>

#include "report/checkrender.h"
#include "kiln/check.h"
#include "kiln/file.h"

#define DAY 86400LL
/* leaf.pem, nocn.pem, foreign.pem, chained.pem: 2030-01-01 to 2031-01-01. */
#define T0 1893456000LL /* 2030-01-01T00:00:00Z */
#define T1 1924992000LL /* 2031-01-01T00:00:00Z */
/* bundle.pem: "bundle one" 2030-01-01 to 2030-03-01, "bundle two"
 * 2029-01-01 to 2032-01-01, then the CA, 2020-01-01 to 2040-01-01. */
#define ONE_END 1898553600LL /* 2030-03-01T00:00:00Z */
#define MID_FEB 1897344000LL /* 2030-02-15T00:00:00Z */

static struct kiln_check c;
static struct kiln_buf out;
static struct kiln_err err;
static mbedtls_x509_crt ca;
static char tmp[64], cwd[4096];

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/*
 * Take apart a chain of folders "top/d/d/..." made by make_deep, one level
 * at a time and never through a long path: nftw cannot remove a tree
 * whose paths are longer than PATH_MAX.
 */
static void
unmake_deep(const char *top)
{
	char sub[64];
	struct stat st;

	snprintf(sub, sizeof(sub), "%s/d", top);
	while (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (rename(sub, "deep.up") != 0)
			break;
		(void)unlink("deep.tmp/leaf.pem");
		if (rename(top, "deep.tmp") != 0 || rmdir("deep.tmp") != 0 ||
		    rename("deep.up", top) != 0)
			break;
	}
}

/* Remove the temporary folder, also after a failed assertion. */
static void
remove_tmp(void)
{
	if (tmp[0] == '\0')
		return;
	(void)chmod("d/locked", 0755); /* so that it can be removed */
	unmake_deep("deep");
	(void)chdir(cwd);
	(void)nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	tmp[0] = '\0';
}

static void
setup(void)
{
	kiln_check_init(&c);
	kiln_buf_init(&out);
	kiln_err_clear(&err);
	mbedtls_x509_crt_init(&ca);
	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	snprintf(tmp, sizeof(tmp), "%s/kiln-check.XXXXXX",
	    getenv("TMPDIR") != NULL && strlen(getenv("TMPDIR")) < 40
	        ? getenv("TMPDIR")
	        : "/tmp");
	cr_assert_not_null(mkdtemp(tmp));
	atexit(remove_tmp);
	cr_assert_eq(chdir(tmp), 0);
}

static void
teardown(void)
{
	kiln_check_free(&c);
	kiln_buf_free(&out);
	mbedtls_x509_crt_free(&ca);
	remove_tmp();
}

TestSuite(check, .init = setup, .fini = teardown);

static char *
data(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/check/%s", KILN_TEST_DATA, name);
	return path;
}

/* Copy the fixture "name" to "dest" in the temporary folder. */
static void
put(const char *name, const char *dest)
{
	struct kiln_buf b;
	FILE *f;

	kiln_buf_init(&b);
	cr_assert_eq(kiln_file_read(data(name), &b, &err), 0, "%s", err.msg);
	cr_assert_not_null(f = fopen(dest, "wb"), "%s", dest);
	cr_assert_eq(fwrite(b.p, 1, b.len, f), b.len);
	cr_assert_eq(fclose(f), 0);
	kiln_buf_free(&b);
}

static void
write_text(const char *dest, const char *text)
{
	FILE *f;

	cr_assert_not_null(f = fopen(dest, "wb"), "%s", dest);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

static void
check(const char *path)
{
	cr_assert_eq(kiln_check_path(&c, path, &err), 0, "%s", err.msg);
	cr_assert_eq(err.code, KILN_OK);
}

static void
trust(const char *name)
{
	cr_assert_eq(mbedtls_x509_crt_parse_file(&ca, data(name)), 0);
	c.ca = &ca;
}

/* The status of the only certificate of fixture "name" at "now". */
static enum kiln_check_status
status_at(const char *name, long long now, long long within, long long critical)
{
	enum kiln_check_status s;

	kiln_check_free(&c);
	c.now = now;
	c.within = within;
	c.critical = critical;
	check(data(name));
	cr_assert_eq(c.n_entries, 1, "%s: %zu entries", name, c.n_entries);
	cr_assert_eq(c.n_problems, 0);
	s = c.entries[0].status;
	cr_assert_null(c.entries[0].why);
	return s;
}

Test(check, status_names)
{
	cr_assert_str_eq(kiln_check_status_name(KILN_CHECK_OK), "ok");
	cr_assert_str_eq(
	    kiln_check_status_name(KILN_CHECK_EXPIRING), "expiring");
	cr_assert_str_eq(
	    kiln_check_status_name(KILN_CHECK_CRITICAL), "critical");
	cr_assert_str_eq(kiln_check_status_name(KILN_CHECK_EXPIRED), "expired");
	cr_assert_str_eq(
	    kiln_check_status_name(KILN_CHECK_NOT_YET_VALID), "not yet valid");
	cr_assert_str_eq(
	    kiln_check_status_name(KILN_CHECK_UNTRUSTED), "untrusted");
}

Test(check, defaults_and_free_resets)
{
	cr_assert_eq(c.within, 30 * DAY);
	cr_assert_eq(c.critical, -1);
	cr_assert_eq(c.now, 0);
	cr_assert_null(c.ca);
	cr_assert_eq(c.n_entries + c.n_problems + c.files, 0);
	c.within = 5;
	c.now = T0;
	check(data("leaf.pem"));
	check("missing.pem");
	kiln_check_free(&c);
	cr_assert_eq(c.within, 30 * DAY);
	cr_assert_eq(c.critical, -1);
	cr_assert_eq(c.n_entries + c.n_problems + c.files, 0);
	cr_assert_null(c.entries);
	cr_assert_null(c.problems);
}

Test(check, validity_boundaries)
{
	/* not before and not after are both inside the validity. */
	cr_assert_eq(status_at("leaf.pem", T0 - 1, 30 * DAY, -1),
	    KILN_CHECK_NOT_YET_VALID);
	cr_assert_eq(status_at("leaf.pem", T0, 30 * DAY, -1), KILN_CHECK_OK);
	cr_assert_eq(
	    status_at("leaf.pem", T1, 30 * DAY, -1), KILN_CHECK_EXPIRING);
	cr_assert_eq(
	    status_at("leaf.pem", T1 + 1, 30 * DAY, -1), KILN_CHECK_EXPIRED);
	/* Not yet valid wins over expiring: a year left, -within 400d. */
	cr_assert_eq(status_at("leaf.pem", T0 - 1, 400 * DAY, 400 * DAY),
	    KILN_CHECK_NOT_YET_VALID);
	/* Expired wins over critical. */
	cr_assert_eq(status_at("leaf.pem", T1 + 1, 30 * DAY, 30 * DAY),
	    KILN_CHECK_EXPIRED);
}

Test(check, within_boundaries)
{
	cr_assert_eq(
	    status_at("leaf.pem", T1 - 1000, 1000, -1), KILN_CHECK_EXPIRING);
	cr_assert_eq(status_at("leaf.pem", T1 - 1001, 1000, -1), KILN_CHECK_OK);
	/* The default, 30 days. */
	cr_assert_eq(status_at("leaf.pem", T1 - 30 * DAY, 30 * DAY, -1),
	    KILN_CHECK_EXPIRING);
	cr_assert_eq(status_at("leaf.pem", T1 - 30 * DAY - 1, 30 * DAY, -1),
	    KILN_CHECK_OK);
	/* -within 0: expiring only in its very last second. */
	cr_assert_eq(status_at("leaf.pem", T1, 0, -1), KILN_CHECK_EXPIRING);
	cr_assert_eq(status_at("leaf.pem", T1 - 1, 0, -1), KILN_CHECK_OK);
	/* No -critical: never critical, even at the last second. */
	cr_assert_eq(status_at("leaf.pem", T1, 1000, -1), KILN_CHECK_EXPIRING);
}

Test(check, critical_boundaries)
{
	cr_assert_eq(
	    status_at("leaf.pem", T1 - 500, 1000, 500), KILN_CHECK_CRITICAL);
	cr_assert_eq(
	    status_at("leaf.pem", T1 - 501, 1000, 500), KILN_CHECK_EXPIRING);
	cr_assert_eq(status_at("leaf.pem", T1, 1000, 0), KILN_CHECK_CRITICAL);
	cr_assert_eq(
	    status_at("leaf.pem", T1 - 1, 1000, 0), KILN_CHECK_EXPIRING);
	/* -critical longer than -within: critical still comes first. */
	cr_assert_eq(
	    status_at("leaf.pem", T1 - 1500, 1000, 2000), KILN_CHECK_CRITICAL);
	cr_assert_eq(
	    status_at("leaf.pem", T1 - 2000, 1000, 2000), KILN_CHECK_CRITICAL);
	cr_assert_eq(
	    status_at("leaf.pem", T1 - 2001, 1000, 2000), KILN_CHECK_OK);
}

Test(check, bundle_every_certificate_with_its_index)
{
	size_t i;

	c.now = MID_FEB;
	check(data("bundle.pem"));
	cr_assert_eq(c.files, 1);
	cr_assert_eq(c.n_entries, 3);
	cr_assert_eq(c.n_problems, 0);
	for (i = 0; i < 3; i++) {
		cr_assert_str_eq(c.entries[i].path, data("bundle.pem"));
		cr_assert_eq(c.entries[i].index, i + 1);
	}
	/* Bundle one ends on 1 March: 14 days left, within 30. */
	cr_assert_eq(c.entries[0].status, KILN_CHECK_EXPIRING);
	cr_assert_eq(c.entries[0].not_after, ONE_END);
	cr_assert_eq(c.entries[1].status, KILN_CHECK_OK);
	cr_assert_eq(c.entries[2].status, KILN_CHECK_OK);
	cr_assert_eq(c.entries[2].is_ca, 1);
	/* What the reports show is kept, and nothing else. */
	cr_assert_str_eq(c.entries[0].subject_cn, "bundle one");
	cr_assert_str_eq(c.entries[0].issuer_cn, "check CA");
	cr_assert_eq(c.entries[0].nsans, 1);
	cr_assert_str_eq(c.entries[0].sans[0], "one.example");
	cr_assert_str_eq(c.entries[0].serial, "32");
	cr_assert_str_eq(c.entries[1].sans[0], "10.0.0.2");
	cr_assert_str_eq(c.entries[1].serial, "33");
	cr_assert_eq(c.entries[1].is_ca, 0);
	cr_assert_str_eq(c.entries[2].subject_cn, "check CA");
	cr_assert_eq(c.entries[2].nsans, 0);
	cr_assert_null(c.entries[2].sans);
	cr_assert_eq(kiln_check_worst(&c), KILN_CHECK_EXPIRING);
	cr_assert_eq(kiln_check_exit(&c), 1);
}

Test(check, der_certificate)
{
	c.now = T0;
	check(data("leaf.der"));
	cr_assert_eq(c.n_entries, 1);
	cr_assert_eq(c.n_problems, 0);
	cr_assert_eq(c.entries[0].index, 1);
	cr_assert_eq(c.entries[0].status, KILN_CHECK_OK);
	cr_assert_eq(c.entries[0].not_before, T0);
	cr_assert_eq(c.entries[0].not_after, T1);
	cr_assert_eq(kiln_check_exit(&c), 0);
}

Test(check, files_without_certificates_are_skipped_quietly)
{
	static const char *const names[] = {"key.pem", "key.der", "leaf.csr",
	    "csr.json", "notes.txt", "gen.sh"};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		check(data(names[i]));
	write_text("empty", "");
	check("empty");
	write_text("zero.txt", "0123\n"); /* starts as DER would, 0x30 */
	check("zero.txt");
	cr_assert_eq(c.n_entries, 0);
	cr_assert_eq(c.n_problems, 0, "%s: %s",
	    c.n_problems ? c.problems[0].path : "",
	    c.n_problems ? c.problems[0].msg : "");
	cr_assert_eq(c.files, 8); /* read, even if skipped */
	cr_assert_eq(kiln_check_exit(&c), 3);
}

/*
 * cfssl's and kiln gencert's JSON output holds the certificate as a JSON
 * string, "-----BEGIN CERTIFICATE-----\nMII...": a JSON file, not a
 * broken certificate, so it must not be a problem (exit 3).
 */
Test(check, json_file_holding_a_pem_string_is_no_problem)
{
	struct kiln_buf b;
	FILE *f;
	size_t i;

	kiln_buf_init(&b);
	cr_assert_eq(kiln_file_read(data("leaf.pem"), &b, &err), 0);
	cr_assert_not_null(f = fopen("leaf.json", "wb"));
	fputs("{\"cert\":\"", f);
	for (i = 0; i < b.len; i++)
		if (b.p[i] == '\n')
			fputs("\\n", f);
		else
			fputc(b.p[i], f);
	fputs("\",\"csr\":\"\",\"key\":\"\"}\n", f);
	cr_assert_eq(fclose(f), 0);
	kiln_buf_free(&b);
	c.now = T0;
	check("leaf.json");
	cr_assert_eq(c.n_problems, 0, "%s: %s",
	    c.n_problems ? c.problems[0].path : "",
	    c.n_problems ? c.problems[0].msg : "");
}

Test(check, problems_are_recorded)
{
	c.now = T0;
	check(data("leaf.pem"));
	check(data("broken.pem"));
	check("missing.pem");
	cr_assert_eq(c.n_entries, 1);
	cr_assert_eq(c.n_problems, 2);
	cr_assert_str_eq(c.problems[0].path, data("broken.pem"));
	cr_assert_str_eq(c.problems[0].msg, "certificate 1: not a certificate");
	cr_assert_str_eq(c.problems[1].path, "missing.pem");
	cr_assert_str_eq(c.problems[1].msg, "No such file or directory");
	cr_assert_eq(c.files, 2); /* leaf.pem and broken.pem */
	cr_assert_eq(kiln_check_worst(&c), KILN_CHECK_OK);
	cr_assert_eq(kiln_check_exit(&c), 3);
}

Test(check, unreadable_file_and_folder)
{
	if (geteuid() == 0)
		cr_skip_test("root reads files whatever their mode");
	cr_assert_eq(mkdir("d", 0755), 0);
	cr_assert_eq(mkdir("d/locked", 0755), 0);
	put("leaf.pem", "d/locked/leaf.pem");
	put("leaf.pem", "d/secret.pem");
	cr_assert_eq(chmod("d/secret.pem", 0), 0);
	cr_assert_eq(chmod("d/locked", 0), 0);
	c.now = T0;
	check("d");
	cr_assert_eq(c.n_entries, 0);
	cr_assert_eq(c.n_problems, 2);
	cr_assert_str_eq(c.problems[0].path, "d/locked");
	cr_assert_str_eq(c.problems[0].msg, "Permission denied");
	cr_assert_str_eq(c.problems[1].path, "d/secret.pem");
	cr_assert_str_eq(c.problems[1].msg, "Permission denied");
	cr_assert_eq(kiln_check_exit(&c), 3);
}

Test(check, folder_in_name_order_links_to_folders_not_followed)
{
	static const char *const want[][2] = {{"d/a.der", "1"},
	    {"d/b-bundle.pem", "1"}, {"d/b-bundle.pem", "2"},
	    {"d/b-bundle.pem", "3"}, {"d/link.pem", "1"},
	    {"d/sub/deep/nocn.pem", "1"}};
	size_t i;

	cr_assert_eq(mkdir("d", 0755), 0);
	cr_assert_eq(mkdir("d/sub", 0755), 0);
	cr_assert_eq(mkdir("d/sub/deep", 0755), 0);
	cr_assert_eq(mkdir("d/empty", 0755), 0);
	put("leaf.der", "d/a.der");
	put("bundle.pem", "d/b-bundle.pem");
	put("leaf.pem", "d/sub/leaf.pem");
	put("nocn.pem", "d/sub/deep/nocn.pem");
	put("key.pem", "d/key.pem");
	put("csr.json", "d/csr.json");
	put("notes.txt", "d/notes.txt");
	cr_assert_eq(symlink("sub/leaf.pem", "d/link.pem"), 0);
	cr_assert_eq(symlink("sub", "d/linkdir"), 0);
	cr_assert_eq(symlink("nowhere.pem", "d/dangling.pem"), 0);
	cr_assert_eq(mkfifo("d/fifo.pem", 0644), 0); /* not read: no hang */
	c.now = T0;
	check("d/"); /* the trailing slash is not doubled */
	/* A dangling link is a broken certificate path worth reporting. */
	cr_assert_eq(c.n_problems, 1);
	cr_assert_str_eq(c.problems[0].path, "d/dangling.pem");
	cr_assert_str_eq(c.problems[0].msg, "a link to nothing (dangling)");
	cr_assert_eq(c.n_entries, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < c.n_entries; i++) {
		cr_assert_str_eq(c.entries[i].path, want[i][0]);
		cr_assert_eq(c.entries[i].index, (size_t)atoi(want[i][1]), "%s",
		    want[i][0]);
	}
	/* Regular files and the link to one: 7 read, 4 with certificates;
	 * sub/leaf.pem is the file link.pem was, read once. */
	cr_assert_eq(c.files, 7);
	cr_assert_eq(c.entries[4].npaths, 1);
	cr_assert_str_eq(c.entries[4].paths[0], "d/sub/leaf.pem");
}

/*
 * "top" as a chain of "levels" folders named "d", with the fixture
 * "name" as leaf.pem at the bottom.  No long path is ever used: each
 * step wraps what was made so far in one more folder.
 */
static void
make_deep(const char *top, int levels, const char *name)
{
	int i;

	cr_assert_eq(mkdir("deep.w", 0755), 0);
	put(name, "deep.w/leaf.pem");
	for (i = 0; i < levels; i++) {
		cr_assert_eq(mkdir("deep.n", 0755), 0);
		cr_assert_eq(rename("deep.w", "deep.n/d"), 0);
		cr_assert_eq(rename("deep.n", "deep.w"), 0);
	}
	cr_assert_eq(rename("deep.w", top), 0);
}

/* The path kiln check gives the certificate at the bottom of make_deep. */
static char *
deep_path(const char *top, int levels)
{
	struct kiln_buf b;
	int i;

	kiln_buf_init(&b);
	kiln_buf_printf(&b, &err, "%s", top);
	for (i = 0; i < levels; i++)
		kiln_buf_printf(&b, &err, "/d");
	kiln_buf_printf(&b, &err, "/leaf.pem");
	cr_assert_eq(kiln_buf_terminate(&b, &err), 0);
	return (char *)b.p; /* the caller frees it */
}

/*
 * A tree "levels" deep, an expired certificate at the bottom: found and
 * reported, no crash (a recursive walk overflows the stack), with at most
 * "fds" descriptors (the walk keeps only a few open however deep it goes).
 */
static void
deep_tree(int levels, rlim_t fds)
{
	struct rlimit rl;
	char *want;

	make_deep("deep", levels, "leaf.pem");
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = fds;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	c.now = T1 + 1;
	check("deep");
	cr_assert_eq(
	    c.n_problems, 0, "%s", c.n_problems ? c.problems[0].msg : "");
	cr_assert_eq(c.n_entries, 1);
	want = deep_path("deep", levels);
	cr_assert_str_eq(c.entries[0].path, want);
	free(want);
	cr_assert_str_eq(c.entries[0].subject_cn, "leaf");
	cr_assert_eq(c.entries[0].status, KILN_CHECK_EXPIRED);
	cr_assert_eq(kiln_check_exit(&c), 2);
	unmake_deep("deep");
}

Test(check, tree_of_1500_folders_does_not_crash) { deep_tree(1500, 64); }

/* Paths of 10,000 characters, beyond PATH_MAX: openat needs none. */
Test(check, tree_of_5000_folders_with_few_descriptors) { deep_tree(5000, 64); }

/* "t/a/a.../z.pem", "k" folders "a" deep, in "b". */
static const char *
level_file(struct kiln_buf *b, int k)
{
	int i;

	b->len = 0;
	kiln_buf_printf(b, &err, "t");
	for (i = 0; i < k; i++)
		kiln_buf_printf(b, &err, "/a");
	kiln_buf_printf(b, &err, "/z.pem");
	cr_assert_eq(kiln_buf_terminate(b, &err), 0);
	return (const char *)b->p;
}

/*
 * Below the levels whose folders stay open, the walk goes back up through
 * "..": a file beside each folder, on every level of a tree 80 deep, is
 * found, each once, deepest first (its folder "a" sorts before "z.pem").
 */
Test(check, back_up_a_deep_tree_in_name_order)
{
	struct kiln_buf path;
	size_t i;
	int k;

	kiln_buf_init(&path);
	cr_assert_eq(mkdir("t", 0755), 0);
	kiln_buf_printf(&path, &err, "t");
	for (k = 0; k < 80; k++) {
		kiln_buf_printf(&path, &err, "/a");
		cr_assert_eq(kiln_buf_terminate(&path, &err), 0);
		cr_assert_eq(mkdir((char *)path.p, 0755), 0);
	}
	for (k = 80; k >= 0; k--)
		put("leaf.pem", level_file(&path, k));
	c.now = T0;
	check("t");
	cr_assert_eq(c.n_problems, 0);
	cr_assert_eq(c.n_entries, 81);
	for (i = 0; i < c.n_entries; i++)
		cr_assert_str_eq(
		    c.entries[i].path, level_file(&path, 80 - (int)i));
	kiln_buf_free(&path);
}

/*
 * Links: one to the folder itself and one to its parent are not followed
 * (no loop, no hang), two links naming each other are a problem, a link
 * to a file is read.  Given as the operand, a link to a folder is
 * followed, and the link inside back to it is not.
 */
Test(check, link_loops_end)
{
	cr_assert_eq(mkdir("d", 0755), 0);
	put("leaf.pem", "d/leaf.pem");
	cr_assert_eq(symlink(".", "d/self"), 0);
	cr_assert_eq(symlink("..", "d/up"), 0);
	cr_assert_eq(symlink("../top", "d/top"), 0);
	cr_assert_eq(symlink("b.pem", "d/a.pem"), 0);
	cr_assert_eq(symlink("a.pem", "d/b.pem"), 0);
	cr_assert_eq(symlink("leaf.pem", "d/to-file.pem"), 0);
	cr_assert_eq(symlink("d", "top"), 0);
	c.now = T0;
	check("top");
	cr_assert_eq(c.n_entries, 1);
	cr_assert_str_eq(c.entries[0].path, "top/leaf.pem");
	cr_assert_eq(c.entries[0].npaths, 1);
	cr_assert_str_eq(c.entries[0].paths[0], "top/to-file.pem");
	cr_assert_eq(c.n_problems, 2);
	cr_assert_str_eq(c.problems[0].path, "top/a.pem");
	cr_assert_str_eq(c.problems[0].msg, "a link in a loop of links");
	cr_assert_str_eq(c.problems[1].path, "top/b.pem");
	cr_assert_eq(kiln_check_exit(&c), 3);
}

/* The fixture "name" with "before" in front of it, CRLF line ends if
 * "crlf", each line indented by "indent", written to "dest". */
static void
put_framed(const char *name, const char *dest, const char *before, int crlf,
    const char *indent)
{
	struct kiln_buf b;
	FILE *f;
	size_t i;

	kiln_buf_init(&b);
	cr_assert_eq(kiln_file_read(data(name), &b, &err), 0, "%s", err.msg);
	cr_assert_not_null(f = fopen(dest, "wb"), "%s", dest);
	fputs(before, f);
	fputs(indent, f);
	for (i = 0; i < b.len; i++) {
		if (b.p[i] == '\n' && crlf)
			fputc('\r', f);
		fputc(b.p[i], f);
		if (b.p[i] == '\n' && i + 1 < b.len)
			fputs(indent, f);
	}
	cr_assert_eq(fclose(f), 0);
	kiln_buf_free(&b);
}

/*
 * PEM is found as kiln-certinfo finds it: after a UTF-8 byte order mark,
 * after text (on the lines before, or on the BEGIN line itself), with
 * CRLF line ends, indented (YAML).  An expired certificate in any of them
 * is reported: a file skipped here is an expiry missed.
 */
Test(check, pem_after_a_bom_or_text_is_read)
{
	static const char *const files[] = {"bom.pem", "crlf-bom.pem",
	    "lines.pem", "same-line.pem", "indented.yaml"};
	size_t i;

	put_framed("leaf.pem", "bom.pem", "\xef\xbb\xbf", 0, "");
	put_framed("leaf.pem", "crlf-bom.pem", "\xef\xbb\xbf", 1, "");
	put_framed("leaf.pem", "lines.pem",
	    "subject=CN = leaf\nissuer=O = kiln, CN = check CA\n", 0, "");
	put_framed("leaf.pem", "same-line.pem", "cert: ", 0, "");
	put_framed("leaf.pem", "indented.yaml", "tls:\n  crt: |\n", 0, "    ");
	c.now = T1 + 1;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		check(files[i]);
	cr_assert_eq(c.n_problems, 0, "%s: %s",
	    c.n_problems ? c.problems[0].path : "",
	    c.n_problems ? c.problems[0].msg : "");
	cr_assert_eq(c.n_entries, 5);
	for (i = 0; i < c.n_entries; i++) {
		cr_assert_str_eq(c.entries[i].path, files[i]);
		cr_assert_str_eq(c.entries[i].subject_cn, "leaf");
		cr_assert_eq(c.entries[i].status, KILN_CHECK_EXPIRED);
	}
	cr_assert_eq(kiln_check_exit(&c), 2);
}

Test(check, untrusted_with_a_ca)
{
	trust("ca.pem");
	c.now = T0;
	check(data("leaf.pem"));
	check(data("foreign.pem"));
	check(data("chain.pem"));   /* chained + its intermediate */
	check(data("chained.pem")); /* the intermediate is elsewhere */
	check(data("ca.pem"));
	check(data("other-ca.pem"));
	cr_assert_eq(c.n_entries, 7);
	cr_assert_eq(c.entries[0].status, KILN_CHECK_OK);
	cr_assert_null(c.entries[0].why);
	cr_assert_eq(c.entries[1].status, KILN_CHECK_UNTRUSTED);
	/* Two CAs often share a name: the key identifiers tell which. */
	cr_assert_str_eq(c.entries[1].why,
	    "not issued by the CA given: its authority key identifier is "
	    "DC:D5:54:17:7E:31:CD:B5:82:E1:5F:BC:64:CD:C0:F5:86:40:F9:23, "
	    "the CA's subject key identifier is "
	    "08:D3:6A:72:7A:7B:89:50:F3:BB:23:E7:A1:3C:67:4A:3E:09:45:79");
	cr_assert_eq(c.entries[2].status, KILN_CHECK_OK);
	cr_assert_eq(c.entries[3].status, KILN_CHECK_OK);
	cr_assert_eq(c.entries[4].status, KILN_CHECK_UNTRUSTED);
	cr_assert_not_null(c.entries[4].why);
	cr_assert_eq(c.entries[5].status, KILN_CHECK_OK);
	cr_assert_eq(c.entries[6].status, KILN_CHECK_UNTRUSTED);
	cr_assert_eq(kiln_check_worst(&c), KILN_CHECK_UNTRUSTED);
	cr_assert_eq(kiln_check_exit(&c), 2);
}

Test(check, trust_ignores_dates_and_wins_over_them)
{
	trust("ca.pem");
	/* The dates are c.now's business, not mbedTLS's clock's. */
	c.now = T1 + 1;
	check(data("leaf.pem"));
	check(data("foreign.pem"));
	cr_assert_eq(c.entries[0].status, KILN_CHECK_EXPIRED);
	cr_assert_null(c.entries[0].why);
	cr_assert_eq(c.entries[1].status, KILN_CHECK_UNTRUSTED);
	kiln_check_free(&c);
	trust("ca.pem");
	c.now = T0 - 1;
	check(data("leaf.pem"));
	cr_assert_eq(c.entries[0].status, KILN_CHECK_NOT_YET_VALID);
	cr_assert_null(c.entries[0].why);
}

Test(check, no_ca_no_trust_check)
{
	c.now = T0;
	check(data("foreign.pem"));
	check(data("other-ca.pem"));
	cr_assert_eq(c.entries[0].status, KILN_CHECK_OK);
	cr_assert_null(c.entries[0].why);
	cr_assert_eq(c.entries[1].status, KILN_CHECK_OK);
	cr_assert_eq(kiln_check_exit(&c), 0);
}

/* kiln_check_exit on a made-up set: statuses and a number of problems. */
static int
exit_of(size_t n, const enum kiln_check_status *s, size_t problems)
{
	struct kiln_check_entry e[4];
	struct kiln_check x;
	size_t i;

	memset(e, 0, sizeof(e));
	kiln_check_init(&x);
	for (i = 0; i < n; i++)
		e[i].status = s[i];
	x.entries = n > 0 ? e : NULL;
	x.n_entries = n;
	x.n_problems = problems;
	return kiln_check_exit(&x);
}

Test(check, exit_codes)
{
	/* Set before the empty calls too: gcc -O0 -fsanitize=address
	 * warns (maybe-uninitialized) on passing unset memory. */
	enum kiln_check_status s[2] = { KILN_CHECK_OK, KILN_CHECK_OK };

	cr_assert_eq(exit_of(0, s, 0), 3); /* nothing checked */
	cr_assert_eq(exit_of(0, s, 1), 3);
	cr_assert_eq(exit_of(2, s, 0), 0);
	cr_assert_eq(exit_of(2, s, 1), 3); /* a problem */
	s[1] = KILN_CHECK_EXPIRING;
	cr_assert_eq(exit_of(2, s, 0), 1);
	cr_assert_eq(exit_of(2, s, 1), 3);
	s[1] = KILN_CHECK_CRITICAL;
	cr_assert_eq(exit_of(2, s, 0), 2);
	cr_assert_eq(exit_of(2, s, 1), 2); /* 2 already */
	s[1] = KILN_CHECK_EXPIRED;
	cr_assert_eq(exit_of(2, s, 0), 2);
	cr_assert_eq(exit_of(2, s, 3), 2);
	s[1] = KILN_CHECK_NOT_YET_VALID;
	cr_assert_eq(exit_of(2, s, 0), 2);
	s[1] = KILN_CHECK_UNTRUSTED;
	cr_assert_eq(exit_of(2, s, 0), 2);
	cr_assert_eq(exit_of(2, s, 1), 2);
	s[0] = KILN_CHECK_EXPIRING;
	cr_assert_eq(exit_of(1, s, 0), 1);
}

Test(check, worst_is_the_highest_status)
{
	struct kiln_check_entry e[3];
	struct kiln_check x;

	memset(e, 0, sizeof(e));
	kiln_check_init(&x);
	x.entries = e;
	cr_assert_eq(kiln_check_worst(&x), KILN_CHECK_OK); /* empty */
	x.n_entries = 3;
	e[0].status = KILN_CHECK_EXPIRED;
	e[1].status = KILN_CHECK_NOT_YET_VALID;
	e[2].status = KILN_CHECK_EXPIRING;
	cr_assert_eq(kiln_check_worst(&x), KILN_CHECK_NOT_YET_VALID);
	e[2].status = KILN_CHECK_UNTRUSTED;
	cr_assert_eq(kiln_check_worst(&x), KILN_CHECK_UNTRUSTED);
}

static void
json(void)
{
	out.len = 0;
	cr_assert_eq(kiln_check_json(&c, &out, &err), 0, "%s", err.msg);
}

static void
table(void)
{
	out.len = 0;
	cr_assert_eq(kiln_check_table(&c, &out, &err), 0, "%s", err.msg);
}

Test(check, json_exact)
{
	put("bundle.pem", "bundle.pem");
	put("nocn.pem", "nocn.pem");
	c.now = MID_FEB;
	check("bundle.pem");
	check("nocn.pem");
	check("missing.pem");
	json();
	cr_assert_str_eq((char *)out.p,
	    "{\n"
	    "  \"status\": \"unknown\",\n"
	    "  \"exit\": 3,\n"
	    "  \"files\": 2,\n"
	    "  \"certificates\": [\n"
	    "    {\n"
	    "      \"path\": \"bundle.pem\",\n"
	    "      \"index\": 1,\n"
	    "      \"subject_cn\": \"bundle one\",\n"
	    "      \"sans\": [\n"
	    "        \"one.example\"\n"
	    "      ],\n"
	    "      \"not_before\": \"2030-01-01T00:00:00Z\",\n"
	    "      \"not_after\": \"2030-03-01T00:00:00Z\",\n"
	    "      \"seconds_left\": 1209600,\n"
	    "      \"days_left\": 14,\n"
	    "      \"issuer_cn\": \"check CA\",\n"
	    "      \"serial_number\": \"32\",\n"
	    "      \"status\": \"expiring\"\n"
	    "    },\n"
	    "    {\n"
	    "      \"path\": \"bundle.pem\",\n"
	    "      \"index\": 2,\n"
	    "      \"subject_cn\": \"bundle two\",\n"
	    "      \"sans\": [\n"
	    "        \"10.0.0.2\"\n"
	    "      ],\n"
	    "      \"not_before\": \"2029-01-01T00:00:00Z\",\n"
	    "      \"not_after\": \"2032-01-01T00:00:00Z\",\n"
	    "      \"seconds_left\": 59184000,\n"
	    "      \"days_left\": 685,\n"
	    "      \"issuer_cn\": \"check CA\",\n"
	    "      \"serial_number\": \"33\",\n"
	    "      \"status\": \"ok\"\n"
	    "    },\n"
	    "    {\n"
	    "      \"path\": \"bundle.pem\",\n"
	    "      \"index\": 3,\n"
	    "      \"subject_cn\": \"check CA\",\n"
	    "      \"sans\": [],\n"
	    "      \"not_before\": \"2020-01-01T00:00:00Z\",\n"
	    "      \"not_after\": \"2040-01-01T00:00:00Z\",\n"
	    "      \"seconds_left\": 311644800,\n"
	    "      \"days_left\": 3607,\n"
	    "      \"issuer_cn\": \"check CA\",\n"
	    "      \"serial_number\": \"1\",\n"
	    "      \"status\": \"ok\"\n"
	    "    },\n"
	    "    {\n"
	    "      \"path\": \"nocn.pem\",\n"
	    "      \"index\": 1,\n"
	    "      \"subject_cn\": \"\",\n"
	    "      \"sans\": [],\n"
	    "      \"not_before\": \"2030-01-01T00:00:00Z\",\n"
	    "      \"not_after\": \"2031-01-01T00:00:00Z\",\n"
	    "      \"seconds_left\": 27648000,\n"
	    "      \"days_left\": 320,\n"
	    "      \"issuer_cn\": \"check CA\",\n"
	    "      \"serial_number\": \"16\",\n"
	    "      \"status\": \"ok\"\n"
	    "    }\n"
	    "  ],\n"
	    "  \"problems\": [\n"
	    "    {\n"
	    "      \"path\": \"missing.pem\",\n"
	    "      \"error\": \"No such file or directory\"\n"
	    "    }\n"
	    "  ]\n"
	    "}\n");
}

Test(check, json_sans_in_order_reason_and_negative_days)
{
	put("leaf.pem", "leaf.pem");
	put("foreign.pem", "foreign.pem");
	trust("ca.pem");
	c.now = T1 + DAY / 2; /* half a day after the end: -1 day */
	check("leaf.pem");
	check("foreign.pem");
	json();
	cr_assert_str_eq((char *)out.p,
	    "{\n"
	    "  \"status\": \"untrusted\",\n"
	    "  \"exit\": 2,\n"
	    "  \"files\": 2,\n"
	    "  \"certificates\": [\n"
	    "    {\n"
	    "      \"path\": \"leaf.pem\",\n"
	    "      \"index\": 1,\n"
	    "      \"subject_cn\": \"leaf\",\n"
	    "      \"sans\": [\n"
	    "        \"leaf.example\",\n"
	    "        \"*.leaf.example\",\n"
	    "        \"127.0.0.1\",\n"
	    "        \"::1\",\n"
	    "        \"ops@leaf.example\",\n"
	    "        \"spiffe://check/leaf\"\n"
	    "      ],\n"
	    "      \"not_before\": \"2030-01-01T00:00:00Z\",\n"
	    "      \"not_after\": \"2031-01-01T00:00:00Z\",\n"
	    "      \"seconds_left\": -43200,\n"
	    "      \"days_left\": -1,\n"
	    "      \"issuer_cn\": \"check CA\",\n"
	    "      \"serial_number\": \"20988295479420645121\",\n"
	    "      \"status\": \"expired\"\n"
	    "    },\n"
	    "    {\n"
	    "      \"path\": \"foreign.pem\",\n"
	    "      \"index\": 1,\n"
	    "      \"subject_cn\": \"foreign\",\n"
	    "      \"sans\": [\n"
	    "        \"foreign.example\"\n"
	    "      ],\n"
	    "      \"not_before\": \"2030-01-01T00:00:00Z\",\n"
	    "      \"not_after\": \"2031-01-01T00:00:00Z\",\n"
	    "      \"seconds_left\": -43200,\n"
	    "      \"days_left\": -1,\n"
	    "      \"issuer_cn\": \"other CA\",\n"
	    "      \"serial_number\": \"17\",\n"
	    "      \"status\": \"untrusted\",\n"
	    "      \"reason\": \"not issued by the CA given: its authority "
	    "key identifier is DC:D5:54:17:7E:31:CD:B5:82:E1:5F:BC:64:CD:C0:"
	    "F5:86:40:F9:23, the CA's subject key identifier is 08:D3:6A:72:"
	    "7A:7B:89:50:F3:BB:23:E7:A1:3C:67:4A:3E:09:45:79\"\n"
	    "    }\n"
	    "  ],\n"
	    "  \"problems\": []\n"
	    "}\n");
}

Test(check, json_nothing_checked)
{
	json();
	cr_assert_str_eq((char *)out.p, "{\n"
	                                "  \"status\": \"unknown\",\n"
	                                "  \"exit\": 3,\n"
	                                "  \"files\": 0,\n"
	                                "  \"certificates\": [],\n"
	                                "  \"problems\": []\n"
	                                "}\n");
}

Test(check, table_exact)
{
	put("bundle.pem", "bundle.pem");
	put("leaf.pem", "leaf.pem");
	/* 3 h 2 min 5 s before bundle one ends. */
	c.now = ONE_END - 3 * 3600 - 125;
	c.critical = DAY;
	check("bundle.pem");
	check("leaf.pem");
	table();
	cr_assert_str_eq((char *)out.p,
	    "+--------------+------------+-------------------------------------"
	    "------------------------------------------------+-----------------"
	    "-----+----------+-----------+----------+\n"
	    "|     PATH     | SUBJECT CN |                                    "
	    "    SANS                                         |      NOT AFTER "
	    "      |   LEFT   | ISSUER CN |  STATUS  |\n"
	    "+--------------+------------+-------------------------------------"
	    "------------------------------------------------+-----------------"
	    "-----+----------+-----------+----------+\n"
	    "| bundle.pem#1 | bundle one | one.example                         "
	    "                                                | 2030-03-01T00:00"
	    ":00Z |    3h 2m | check CA  | critical |\n"
	    "| bundle.pem#2 | bundle two | 10.0.0.2                            "
	    "                                                | 2032-01-01T00:00"
	    ":00Z |  671d 3h | check CA  | ok       |\n"
	    "| bundle.pem#3 | check CA   |                                     "
	    "                                                | 2040-01-01T00:00"
	    ":00Z | 3593d 3h | check CA  | ok       |\n"
	    "| leaf.pem     | leaf       | leaf.example, *.leaf.example, 127.0."
	    "0.1, ::1, ops@leaf.example, spiffe://check/leaf | 2031-01-01T00:00"
	    ":00Z |  306d 3h | check CA  | ok       |\n"
	    "+--------------+------------+-------------------------------------"
	    "------------------------------------------------+-----------------"
	    "-----+----------+-----------+----------+\n");
}

Test(check, table_time_left_forms)
{
	put("bundle.pem", "b.pem");
	put("nocn.pem", "n.pem");
	/* 90 s after bundle one ended; nocn has 306 days left. */
	c.now = ONE_END + 90;
	check("b.pem");
	check("n.pem");
	table();
	cr_assert(strstr((char *)out.p,
	              "| b.pem#1 | bundle one | one.example | "
	              "2030-03-01T00:00:00Z |   -1m 30s | check CA  | expired "
	              "|\n") != NULL,
	    "%s", (char *)out.p);
	/* No CN: the subject's O and OU instead; no SANs: an empty cell;
	 * one certificate: no #1. */
	cr_assert(strstr((char *)out.p,
	              "| n.pem   | O=kiln     |             | "
	              "2031-01-01T00:00:00Z |  305d 23h | check CA  | ok      "
	              "|\n") != NULL,
	    "%s", (char *)out.p);
	kiln_check_free(&c);
	/* Under an hour left: minutes and seconds. */
	c.now = ONE_END - 59 * 60 - 59;
	check("b.pem");
	table();
	cr_assert(
	    strstr((char *)out.p, "|  59m 59s |") != NULL, "%s", (char *)out.p);
}

Test(check, table_nothing_checked)
{
	table();
	cr_assert_str_eq((char *)out.p,
	    "+------+------------+------+-----------+------+-----------+------"
	    "--+\n"
	    "| PATH | SUBJECT CN | SANS | NOT AFTER | LEFT | ISSUER CN | "
	    "STATUS "
	    "|\n"
	    "+------+------------+------+-----------+------+-----------+------"
	    "--+\n"
	    "+------+------------+------+-----------+------+-----------+------"
	    "--+\n");
}

/*
 * kiln_check_html.  Sets made by hand use a check of their own ("x"),
 * not "c", whose teardown would free their string literals.
 */

static void
html(const struct kiln_check *x)
{
	out.len = 0;
	cr_assert_eq(kiln_check_html(x, &out, &err), 0, "%s", err.msg);
	cr_assert_eq(err.code, KILN_OK);
	cr_assert_eq(strlen((char *)out.p), out.len, "a NUL in the page");
}

/* How often "needle" occurs in "hay". */
static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* Where "needle" occurs in the page, exactly once. */
static size_t
once(const char *needle)
{
	const char *p = (char *)out.p;

	cr_assert_eq(
	    count(p, needle), 1, "%zu times: %s", count(p, needle), needle);
	return (size_t)(strstr(p, needle) - p);
}

/* The number after "prefix" in the page, as a float: "x=\"910.3\"". */
static double
number_after(const char *prefix)
{
	const char *p = strstr((char *)out.p, prefix);

	cr_assert_not_null(p, "%s not in the page", prefix);
	return strtod(p + strlen(prefix), NULL);
}

static struct kiln_check_entry
entry(const char *path, const char *cn, long long nb, long long na,
    enum kiln_check_status s)
{
	struct kiln_check_entry e;

	memset(&e, 0, sizeof(e));
	e.path = (char *)path;
	e.index = 1;
	e.subject_cn = (char *)cn;
	e.issuer_cn = (char *)"check CA";
	e.serial = (char *)"1";
	e.not_before = nb;
	e.not_after = na;
	e.chain_not_after = na;
	e.status = s;
	return e;
}

/* Every certificate of tests/data/check once in the table and once as a
 * bar, in the order of expiry, with its status as class. */
Test(check, html_every_certificate_once_by_expiry)
{
	static const char *const cls[] = {"ok", "expiring", "critical",
	    "expired", "not-yet-valid", "untrusted"};
	const struct kiln_check_entry *e;
	struct kiln_buf name, want;
	size_t i, k, row[32], bar[32], by_row[32];
	const char *at;

	kiln_buf_init(&name);
	kiln_buf_init(&want);
	c.now = MID_FEB;
	check(data(""));
	cr_assert_eq(c.n_entries, 13); /* the fixtures of gen.sh */
	html(&c);
	cr_assert_eq(count((char *)out.p, "<rect class=\"bar "), c.n_entries);
	cr_assert_eq(count((char *)out.p, "<tr class=\""), c.n_entries);
	for (i = 0; i < c.n_entries; i++) {
		e = &c.entries[i];
		name.len = 0;
		cr_assert_eq(kiln_check_entry_name(&c, i, &name, &err), 0);
		cr_assert_eq(kiln_buf_terminate(&name, &err), 0);
		want.len = 0;
		kiln_buf_printf(&want, &err,
		    "<tr class=\"%s\" data-status=\"%s\"><td>%s</td>"
		    "<td class=\"cn\">%s</td>",
		    cls[e->status], kiln_check_status_name(e->status),
		    (char *)name.p, e->subject_cn);
		cr_assert_eq(kiln_buf_terminate(&want, &err), 0);
		row[i] = once((char *)want.p);
		want.len = 0;
		kiln_buf_printf(&want, &err, "<title>%s%s%s\n%s, time left ",
		    (char *)name.p, e->subject_cn[0] ? " \xe2\x80\x94 " : "",
		    e->subject_cn, kiln_check_status_name(e->status));
		cr_assert_eq(kiln_buf_terminate(&want, &err), 0);
		bar[i] = once((char *)want.p);
		/* The bar that holds this title has its status's class. */
		want.len = 0;
		kiln_buf_printf(
		    &want, &err, "<rect class=\"bar %s\" x=\"", cls[e->status]);
		cr_assert_eq(kiln_buf_terminate(&want, &err), 0);
		for (at = (char *)out.p + bar[i];
		     at > (char *)out.p && strncmp(at, "<rect ", 6) != 0; at--)
			;
		cr_assert_eq(strncmp(at, (char *)want.p, want.len), 0,
		    "%s: %.40s", (char *)name.p, at);
	}
	/* Sorted by the place in the table: not after ascending, ties by
	 * path and index; the bars in the same order. */
	for (i = 0; i < c.n_entries; i++)
		by_row[i] = i;
	for (i = 1; i < c.n_entries; i++)
		for (k = i; k > 0 && row[by_row[k]] < row[by_row[k - 1]]; k--) {
			size_t t = by_row[k];

			by_row[k] = by_row[k - 1];
			by_row[k - 1] = t;
		}
	for (i = 1; i < c.n_entries; i++) {
		const struct kiln_check_entry *a = &c.entries[by_row[i - 1]];
		const struct kiln_check_entry *b = &c.entries[by_row[i]];
		int r = strcmp(a->path, b->path);

		cr_assert(a->not_after < b->not_after ||
		              (a->not_after == b->not_after &&
		                  (r < 0 || (r == 0 && a->index < b->index))),
		    "row %zu: %s#%zu before %s#%zu", i, a->path, a->index,
		    b->path, b->index);
		cr_assert(bar[by_row[i - 1]] < bar[by_row[i]], "bar %zu", i);
	}
	/* Bundle one ends first: the first row, expiring. */
	cr_assert_eq(c.entries[by_row[0]].status, KILN_CHECK_EXPIRING);
	cr_assert_str_eq(c.entries[by_row[0]].subject_cn, "bundle one");
	/* broken.pem is a problem, listed under the table. */
	cr_assert(strstr((char *)out.p, "<h2>Problems</h2>\n") != NULL);
	cr_assert(
	    strstr((char *)out.p, "broken.pem</code>: certificate 1: not a "
	                          "certificate</li>") != NULL);
	kiln_buf_free(&name);
	kiln_buf_free(&want);
}

/* A set made by hand, one certificate of each status, checked on
 * 2030-01-01 (T0): the classes, colours, legend and heading exactly. */
Test(check, html_status_classes_legend_heading)
{
	struct kiln_check_entry e[6];
	struct kiln_check x;

	kiln_check_init(&x);
	x.now = T0;
	x.files = 6;
	e[0] = entry("ok.pem", "ok", T0 - DAY, T0 + 300 * DAY, KILN_CHECK_OK);
	e[1] = entry("exp.pem", "expiring", T0 - DAY, T0 + 20 * DAY,
	    KILN_CHECK_EXPIRING);
	e[2] = entry("crit.pem", "critical", T0 - DAY, T0 + 2 * DAY,
	    KILN_CHECK_CRITICAL);
	e[3] = entry(
	    "dead.pem", "expired", T0 - 90 * DAY, T0 - DAY, KILN_CHECK_EXPIRED);
	e[4] = entry("later.pem", "later", T0 + DAY, T0 + 400 * DAY,
	    KILN_CHECK_NOT_YET_VALID);
	e[5] = entry("foreign.pem", "foreign", T0 - DAY, T0 + 100 * DAY,
	    KILN_CHECK_UNTRUSTED);
	e[5].why = (char *)"The certificate is not correctly signed by the "
	                   "trusted CA";
	x.entries = e;
	x.n_entries = 6;
	html(&x);
	once("<title>kiln check: untrusted</title>\n");
	once("<h1>kiln check: <span class=\"untrusted\">untrusted</span>"
	     "</h1>\n<p class=\"summary\">6 certificates in 6 files, 0 "
	     "problems; exit status 2; checked at 2030-01-01T00:00:00Z.</p>\n");
	cr_assert_eq(count((char *)out.p, "<tr class="), 6);
	once("<li class=\"ok\"><svg width=\"12\" height=\"12\" "
	     "aria-hidden=\"true\"><rect width=\"12\" height=\"12\" "
	     "fill=\"#009e73\"/></svg> ok: 1</li>\n");
	once("fill=\"#7a0019\"/></svg> expired: 1</li>\n");
	once("<rect class=\"bar ok\" ");
	once("<rect class=\"bar expiring\" ");
	once("<rect class=\"bar critical\" ");
	once("<rect class=\"bar expired\" ");
	once("<rect class=\"bar not-yet-valid\" ");
	once("<rect class=\"bar untrusted\" ");
	once("<tr class=\"not-yet-valid\" data-status=\"not yet valid\">"
	     "<td>later.pem</td><td class=\"cn\">later</td><td></td>"
	     "<td class=\"date\">2030-01-02T00:00:00Z</td>"
	     "<td class=\"date\">2031-02-05T00:00:00Z</td>"
	     "<td class=\"left\">400d 0h</td><td>check CA</td>"
	     "<td class=\"status\"><span class=\"st\">not yet valid</span>"
	     "</td></tr>\n");
	once("<td class=\"status\"><span class=\"st\">untrusted</span><span "
	     "class=\"why\">The certificate is not "
	     "correctly signed by the trusted CA</span></td></tr>\n");
	/* By expiry: expired, critical, expiring, untrusted, ok, later. */
	cr_assert(once("<td>dead.pem</td>") < once("<td>crit.pem</td>"));
	cr_assert(once("<td>crit.pem</td>") < once("<td>exp.pem</td>"));
	cr_assert(once("<td>exp.pem</td>") < once("<td>foreign.pem</td>"));
	cr_assert(once("<td>foreign.pem</td>") < once("<td>ok.pem</td>"));
	cr_assert(once("<td>ok.pem</td>") < once("<td>later.pem</td>"));
}

/* Text from certificates and paths is text, never markup. */
Test(check, html_escapes_hostile_text)
{
	struct kiln_check_entry e[1];
	struct kiln_check_problem p[1];
	struct kiln_check x;
	char *sans[] = {
	    (char *)"x\" onmouseover=\"alert(2)", (char *)"\x01\xff.example"};

	kiln_check_init(&x);
	x.now = T0;
	e[0] = entry("d/<img src=x>&\"'.pem", "<script>alert(1)</script>",
	    T0 - DAY, T1, KILN_CHECK_UNTRUSTED);
	e[0].issuer_cn = (char *)"</title><script>alert(3)</script>";
	e[0].why = (char *)"<b>bad</b>";
	e[0].sans = sans;
	e[0].nsans = 2;
	p[0].path = (char *)"<svg onload=alert(4)>";
	p[0].msg = (char *)"</li><script>";
	x.entries = e;
	x.n_entries = 1;
	x.problems = p;
	x.n_problems = 1;
	html(&x);
	cr_assert_eq(count((char *)out.p, "<script"), 0, "%s", (char *)out.p);
	cr_assert_eq(count((char *)out.p, "<img"), 0);
	cr_assert_eq(count((char *)out.p, "<b>"), 0);
	cr_assert_eq(count((char *)out.p, "onmouseover=\""), 0);
	cr_assert_eq(count((char *)out.p, "<svg onload"), 0);
	once("<td>d/&lt;img src=x&gt;&amp;&quot;&#39;.pem</td><td "
	     "class=\"cn\">&lt;script&gt;alert(1)&lt;/script&gt;</"
	     "td><td>x&quot; "
	     "onmouseover=&quot;alert(2), "
	     "\xef\xbf\xbd\xef\xbf\xbd.example</td>");
	once("<td>&lt;/title&gt;&lt;script&gt;alert(3)&lt;/script&gt;</td>");
	once("untrusted</span><span class=\"why\">&lt;b&gt;bad&lt;/b&gt;</span>"
	     "</td>");
	once("<title>d/&lt;img src=x&gt;&amp;&quot;&#39;.pem \xe2\x80\x94 "
	     "&lt;script&gt;alert(1)&lt;/script&gt;\n");
	/* The label: the name's tail and the CN's head, both escaped. */
	once("font-size=\"12\">d/&lt;img src=x&gt;&amp;&quot;&#39;.pem <tspan "
	     "fill=\"#555\">&lt;script&gt;alert(1)&lt;/s\xe2\x80\xa6</tspan>"
	     "</text>\n");
	once("<li><code>&lt;svg onload=alert(4)&gt;</code>: "
	     "&lt;/li&gt;&lt;script&gt;</li>\n");
}

/*
 * The table shows paths, names and SANs escaped for a terminal (ESC, BEL,
 * CR, LF, C1 CSI, a bidi override, a byte that is not UTF-8), and its
 * columns are measured on the escaped text.
 */
Test(check, table_escapes_hostile_text)
{
	struct kiln_check_entry e[2];
	struct kiln_check x;
	char *sans[] = {(char *)"a\x1b[2Jb.example", (char *)"x\xc2\x85y"};
	const char *p;
	size_t first, n;

	kiln_check_init(&x);
	x.now = T0;
	e[0] = entry("d/\x1b]0;owned\x07.pem", "evil\r\nkiln: forged\xc2\x9b",
	    T0 - DAY, T1, KILN_CHECK_OK);
	e[0].issuer_cn = (char *)"\xe2\x80\xae"
	                         "AC\xff";
	e[0].sans = sans;
	e[0].nsans = 2;
	e[1] = entry("plain.pem", "plain", T0 - DAY, T1, KILN_CHECK_OK);
	x.entries = e;
	x.n_entries = 2;
	out.len = 0;
	cr_assert_eq(kiln_check_table(&x, &out, &err), 0, "%s", err.msg);
	p = (char *)out.p;
	once("| d/\\x1b]0;owned\\x07.pem | evil\\x0d\\x0akiln: forged\\u009b | "
	     "a\\x1b[2Jb.example, x\\u0085y | 2031-01-01T00:00:00Z | 365d 0h "
	     "| \\u202eAC\\xff | ok     |\n");
	once("| plain.pem              | plain                          | "
	     "                            | 2031-01-01T00:00:00Z | 365d 0h "
	     "| check CA     | ok     |\n");
	/* Every line as long as the first: the widths are the escaped text's.
	 */
	first = strcspn(p, "\n");
	for (; *p != '\0'; p += n + 1)
		cr_assert_eq(n = strcspn(p, "\n"), first, "%s", (char *)out.p);
	cr_assert_eq(
	    strcspn((char *)out.p, "\x1b\x07\r\x85\x9b\xae\xff"), out.len);
}

/*
 * The table and the JSON keep their own record of a failure: NULL is a
 * valid "err", and an error already in the caller's is not theirs.
 */
Test(check, table_and_json_neither_need_nor_read_the_callers_err)
{
	c.now = T0;
	check(data("leaf.pem"));
	out.len = 0;
	cr_assert_eq(kiln_check_table(&c, &out, NULL), 0);
	cr_assert_eq(kiln_check_json(&c, &out, NULL), 0);
	kiln_err_set(&err, KILN_EIO, "an older error");
	cr_assert_eq(kiln_check_table(&c, &out, &err), 0);
	cr_assert_eq(kiln_check_json(&c, &out, &err), 0);
	cr_assert_str_eq(err.msg, "an older error");
}

/*
 * One expired certificate and one valid, checked on 2030-01-01: the axis
 * runs from the first date to the last, 600 days, with 15 days of room
 * at both ends, over x = 390 to 1180.  Today is 415 of its 630 days in:
 * x = 390 + 415 * 790 / 630 = 910.3.
 */
Test(check, html_today_between_expired_and_valid_exactly)
{
	struct kiln_check_entry e[2];
	struct kiln_check x;
	double today, ex, ew, vx, vw;

	kiln_check_init(&x);
	x.now = T0;
	e[0] = entry("valid.pem", "valid", T0 - 100 * DAY, T0 + 200 * DAY,
	    KILN_CHECK_OK);
	e[1] = entry("old.pem", "old", T0 - 400 * DAY, T0 - 30 * DAY,
	    KILN_CHECK_EXPIRED);
	x.entries = e;
	x.n_entries = 2;
	html(&x);
	once("<line class=\"today\" x1=\"910.3\" y1=\"18\" x2=\"910.3\" "
	     "y2=\"93\" stroke=\"#000\" stroke-width=\"2\" "
	     "stroke-dasharray=\"6 3\"/>\n"
	     "<text class=\"today\" x=\"910.3\" y=\"14\" "
	     "text-anchor=\"middle\" font-size=\"12\" font-weight=\"bold\">"
	     "today 2030-01-01</text>\n<text class=\"label\" ");
	/* Under the bars, so that it hides no short one. */
	cr_assert(strstr((char *)out.p, "<line class=\"today\"") <
	          strstr((char *)out.p, "<rect class=\"bar "));
	cr_assert_eq(count((char *)out.p, "<rect class=\"bar "), 2);
	once("ok, 200d 0h left</text>\n</svg>\n");
	/* old.pem: days 15 to 385 of 630; valid.pem: 315 to 615. */
	once("<text class=\"label\" x=\"380\" y=\"59\" text-anchor=\"end\" "
	     "font-size=\"12\">old.pem <tspan fill=\"#555\">old</tspan>"
	     "</text>\n"
	     "<rect class=\"bar expired\" x=\"408.8\" y=\"48\" "
	     "width=\"463.9\" height=\"14\" rx=\"2\" fill=\"#7a0019\">"
	     "<title>old.pem \xe2\x80\x94 old\nexpired, time left -30d 0h\n"
	     "not before 2028-11-27T00:00:00Z\n"
	     "not after 2029-12-02T00:00:00Z</title></rect>\n"
	     "<text class=\"note\" x=\"876.7\" y=\"59\" "
	     "text-anchor=\"start\" font-size=\"10\" fill=\"#333\">"
	     "expired 30d 0h ago</text>\n");
	/* No room right of valid.pem's bar: its note is left of it. */
	once("<text class=\"note\" x=\"781.0\" y=\"81\" text-anchor=\"end\" "
	     "font-size=\"10\" fill=\"#333\">ok, 200d 0h left</text>\n");
	once("<rect class=\"bar ok\" x=\"785.0\" y=\"70\" width=\"376.1\" ");
	today = number_after("<line class=\"today\" x1=\"");
	ex = number_after("<rect class=\"bar expired\" x=\"");
	ew = number_after("<rect class=\"bar expired\" x=\"408.8\" y=\"48\" "
	                  "width=\"");
	vx = number_after("<rect class=\"bar ok\" x=\"");
	vw = number_after("<rect class=\"bar ok\" x=\"785.0\" y=\"70\" "
	                  "width=\"");
	cr_assert(
	    ex + ew < today, "expired bar %g+%g, today %g", ex, ew, today);
	cr_assert(vx < today && today < vx + vw, "valid bar %g+%g, today %g",
	    vx, vw, today);
	/* 630 days: a tick every second month, at its first day. */
	once(">2029-01</text>");
	once(">2029-03</text>");
	cr_assert_eq(count((char *)out.p, ">2029-02</text>"), 0);
}

Test(check, html_nothing_checked)
{
	html(&c);
	once("<title>kiln check: unknown</title>");
	once("<h1>kiln check: <span class=\"unknown\">unknown</span></h1>\n"
	     "<p class=\"summary\">0 certificates in 0 files, 0 problems; exit "
	     "status 3; checked at 1970-01-01T00:00:00Z.</p>\n"
	     "<p class=\"none\">No certificate found.</p>\n"
	     "</body>\n</html>\n");
	cr_assert_eq(count((char *)out.p, "<svg"), 0);
	cr_assert_eq(count((char *)out.p, "<table"), 0);
	/* A problem and nothing else: the problem is on the page. */
	c.now = T0;
	check("missing.pem");
	html(&c);
	once("<p class=\"none\">No certificate found.</p>\n"
	     "<h2>Problems</h2>\n<ul class=\"problems\">\n"
	     "<li><code>missing.pem</code>: No such file or directory</li>\n"
	     "</ul>\n</body>\n</html>\n");
}

/*
 * The page stands alone: no script, and nothing that would be fetched.
 * The only "http" is the Content Security Policy's http-equiv, which
 * forbids both.  (The fixtures have no URL in them: leaf.pem's SPIFFE
 * URI is left out.)
 */
Test(check, html_no_script_no_url)
{
	static const char *const never[] = {"<script", "http:", "https:", "//",
	    "src=", "href", "url(", "@import", "<link", "<img", "<iframe",
	    "<object", "<embed", "onload", "onerror", "onclick", "onmouse"};
	size_t i;

	put("bundle.pem", "bundle.pem");
	put("nocn.pem", "nocn.pem");
	put("foreign.pem", "foreign.pem");
	c.now = MID_FEB;
	check(".");
	cr_assert_eq(c.n_entries, 5);
	html(&c);
	for (i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		cr_assert_eq(count((char *)out.p, never[i]), 0, "%s", never[i]);
	cr_assert_eq(count((char *)out.p, "http"), 1);
	once("<meta http-equiv=\"Content-Security-Policy\" "
	     "content=\"default-src 'none'; style-src 'unsafe-inline'; "
	     "base-uri 'none'; form-action 'none'\">\n");
	cr_assert_eq(strncmp((char *)out.p,
	                 "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	                 "<meta charset=\"utf-8\">\n",
	                 60),
	    0);
}

/*
 * Absurd dates (1950 to 9999) do not squeeze the others: the axis is set
 * by the sane certificates, the absurd bar is cut at both edges with an
 * arrow.
 */
Test(check, html_absurd_dates_leave_others_visible)
{
	struct kiln_check_entry e[2];
	struct kiln_check x;
	double w;

	kiln_check_init(&x);
	x.now = T0;
	e[0] = entry("absurd.pem", "absurd", -631152000LL, 253402300799LL,
	    KILN_CHECK_OK); /* 1950-01-01 to 9999-12-31 */
	e[1] = entry(
	    "year.pem", "year", T0 - 100 * DAY, T0 + 265 * DAY, KILN_CHECK_OK);
	x.entries = e;
	x.n_entries = 2;
	html(&x);
	/* year.pem fills the axis but its room: 365 of 383 days. */
	w = number_after(
	    "<rect class=\"bar ok\" x=\"408.8\" y=\"48\" width=\"");
	cr_assert(w > 700, "year.pem is %g px wide", w);
	once("<rect class=\"bar ok\" x=\"408.8\" y=\"48\" width=\"752.3\" ");
	once("<rect class=\"bar ok\" x=\"390.0\" y=\"70\" width=\"790.0\" ");
	once("<polygon class=\"cut\" points=\"382,77 388,71 388,83\" "
	     "fill=\"#009e73\"/>\n"
	     "<polygon class=\"cut\" points=\"1188,77 1182,71 1182,83\" "
	     "fill=\"#009e73\"/>\n");
	cr_assert_eq(count((char *)out.p, "<polygon"), 2);
	once("<title>absurd.pem \xe2\x80\x94 absurd\nok, time left "
	     "2910981d 23h\nnot before 1950-01-01T00:00:00Z\n"
	     "not after 9999-12-31T23:59:59Z</title>");
}

/* One certificate, even one of no length at all, still has an axis. */
Test(check, html_one_certificate_has_an_axis)
{
	struct kiln_check_entry e[1];
	struct kiln_check x;

	kiln_check_init(&x);
	x.now = T0;
	e[0] = entry("point.pem", "point", T0, T0, KILN_CHECK_EXPIRING);
	x.entries = e;
	x.n_entries = 1;
	html(&x);
	/* Two days and room: ticks at midnight, a bar of the least width. */
	once(">2030-01-01</text>");
	once(
	    "<rect class=\"bar expiring\" x=\"785.0\" y=\"48\" width=\"2.0\" ");
	once("<line class=\"today\" x1=\"785.0\" ");
	e[0].not_before = T0 - 30 * DAY;
	e[0].not_after = T0 + 10 * DAY;
	html(&x);
	once("<rect class=\"bar expiring\" x=\"408.8\" y=\"48\" "
	     "width=\"752.3\" ");
}

Test(check, backup_names_are_renews_stamps_only)
{
	cr_assert(kiln_walk_is_backup("server.pem.20261124T094959Z"));
	cr_assert(kiln_walk_is_backup("x.20000101T000000Z"));
	cr_assert_not(kiln_walk_is_backup(".20261124T094959Z"));
	cr_assert_not(kiln_walk_is_backup("server.pem.20261124T094959"));
	cr_assert_not(kiln_walk_is_backup("server.pem.2026112XT094959Z"));
	cr_assert_not(kiln_walk_is_backup("server.pem-20261124T094959Z"));
	cr_assert_not(kiln_walk_is_backup("server.pem"));
}

Test(check, backups_and_excluded_names_are_left_out)
{
	static const char *const globs[] = {"old", "*.bak", "d/sub/x*"};

	cr_assert_eq(mkdir("d", 0755), 0);
	cr_assert_eq(mkdir("d/old", 0755), 0);
	cr_assert_eq(mkdir("d/sub", 0755), 0);
	put("leaf.pem", "d/leaf.pem");
	put("leaf.pem", "d/leaf.pem.20261124T094959Z");
	put("leaf.pem", "d/old/leaf.pem");
	put("leaf.pem", "d/leaf.pem.bak");
	put("leaf.pem", "d/sub/x1.pem");
	put("leaf.pem", "d/sub/y1.pem");
	c.now = T0;
	c.exclude = globs;
	c.n_exclude = 3;
	check("d");
	check("d/leaf.pem.20261124T094959Z"); /* named, still a backup */
	cr_assert_eq(c.n_entries, 2);
	cr_assert_str_eq(c.entries[0].path, "d/leaf.pem");
	cr_assert_str_eq(c.entries[1].path, "d/sub/y1.pem");
	cr_assert_eq(c.n_problems, 0);
}
