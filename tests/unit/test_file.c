#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "kiln/file.h"

static char dir[] = "/tmp/kiln-test-file.XXXXXX";
static char path[PATH_MAX];

static void
setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out.pem", dir);
}

static void
teardown(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)system(cmd);
}

TestSuite(file, .init = setup, .fini = teardown);

static mode_t
mode_of(const char *p)
{
	struct stat st;

	cr_assert_eq(stat(p, &st), 0);
	return st.st_mode & 07777;
}

/* Entries in the folder besides "." and "..". */
static int
entries(void)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	cr_assert_not_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

Test(file, write_then_read_round_trips)
{
	struct kiln_buf buf;
	struct kiln_err err = {0};

	kiln_buf_init(&buf);
	cr_assert_eq(kiln_file_write(path, "hello\n", 6, 0644, 0, &err), 0);
	cr_assert_eq(kiln_file_read(path, &buf, &err), 0);
	cr_assert_eq(buf.len, 6);
	cr_assert_str_eq((char *)buf.p, "hello\n"); /* NUL-terminated */
	kiln_buf_free(&buf);
}

Test(file, mode_is_set_whatever_the_umask)
{
	struct kiln_err err = {0};
	mode_t old = umask(0);

	cr_assert_eq(kiln_file_write(path, "k", 1, 0600, 0, &err), 0);
	cr_assert_eq(mode_of(path), 0600);
	umask(077);
	cr_assert_eq(kiln_file_write(path, "c", 1, 0644, 0, &err), 0);
	cr_assert_eq(mode_of(path), 0644);
	umask(old);
}

Test(file, replacing_resets_an_existing_files_mode)
{
	struct kiln_err err = {0};

	cr_assert_eq(kiln_file_write(path, "a", 1, 0644, 0, &err), 0);
	cr_assert_eq(chmod(path, 0666), 0);
	cr_assert_eq(kiln_file_write(path, "b", 1, 0600, 0, &err), 0);
	cr_assert_eq(mode_of(path), 0600);
	cr_assert_eq(entries(), 1, "a temporary file was left behind");
}

Test(file, exclusive_refuses_an_existing_file)
{
	struct kiln_buf buf;
	struct kiln_err err = {0};

	kiln_buf_init(&buf);
	cr_assert_eq(
	    kiln_file_write(path, "old", 3, 0600, KILN_WRITE_EXCL, &err), 0);
	cr_assert_eq(
	    kiln_file_write(path, "new", 3, 0600, KILN_WRITE_EXCL, &err), -1);
	cr_assert_eq(err.code, KILN_EEXIST);
	cr_assert(
	    strstr(err.msg, "out.pem: already exists") != NULL, "%s", err.msg);
	cr_assert_eq(kiln_file_read(path, &buf, NULL), 0);
	cr_assert_str_eq((char *)buf.p, "old");
	cr_assert_eq(entries(), 1, "a temporary file was left behind");
	kiln_buf_free(&buf);
}

Test(file, a_symlink_is_replaced_not_followed)
{
	char target[PATH_MAX];
	struct kiln_buf buf;
	struct kiln_err err = {0};
	struct stat st;

	kiln_buf_init(&buf);
	snprintf(target, sizeof(target), "%s/target", dir);
	cr_assert_eq(kiln_file_write(target, "keep", 4, 0644, 0, &err), 0);
	cr_assert_eq(symlink(target, path), 0);
	cr_assert_eq(kiln_file_write(path, "new", 3, 0644, 0, &err), 0);
	cr_assert_eq(lstat(path, &st), 0);
	cr_assert(S_ISREG(st.st_mode));
	cr_assert_eq(kiln_file_read(target, &buf, NULL), 0);
	cr_assert_str_eq((char *)buf.p, "keep");
	kiln_buf_free(&buf);
}

Test(file, missing_folder_fails_cleanly)
{
	char bad[PATH_MAX];
	struct kiln_err err = {0};

	snprintf(bad, sizeof(bad), "%s/no/such/file.pem", dir);
	cr_assert_eq(kiln_file_write(bad, "x", 1, 0644, 0, &err), -1);
	cr_assert_eq(err.code, KILN_EIO);
	cr_assert(
	    strstr(err.msg, "file.pem: No such file or directory") != NULL,
	    "%s", err.msg);
	cr_assert_eq(entries(), 0);
}

/* "name" in the test folder, its contents as a string. */
static const char *
contents(const char *name)
{
	static char text[64];
	char p[PATH_MAX];
	struct kiln_buf buf;

	kiln_buf_init(&buf);
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	cr_assert_eq(kiln_file_read(p, &buf, NULL), 0, "%s", p);
	snprintf(text, sizeof(text), "%s", (char *)buf.p);
	kiln_buf_free(&buf);
	return text;
}

static int
batch_add(struct kiln_file_batch *b, const char *name, const char *text,
    mode_t mode, int flags, struct kiln_err *err)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return kiln_file_batch_add(b, p, text, strlen(text), mode, flags, err);
}

Test(file, a_batch_appears_at_its_commit_with_its_modes)
{
	struct kiln_file_batch b;
	struct kiln_err err = {0};
	char p[PATH_MAX];

	kiln_file_batch_init(&b);
	cr_assert_eq(kiln_file_write(path, "old", 3, 0644, 0, &err), 0);
	cr_assert_eq(batch_add(&b, "out.pem", "new", 0644, 0, &err), 0);
	cr_assert_eq(batch_add(&b, "a-key.pem", "key", 0600, KILN_WRITE_EXCL,
	                 &err), 0);
	cr_assert_eq(batch_add(&b, "b.pem", "bbb", 0644, 0, &err), 0);
	/* Before the commit: the old file, and three temporaries. */
	cr_assert_str_eq(contents("out.pem"), "old");
	snprintf(p, sizeof(p), "%s/a-key.pem", dir);
	cr_assert_eq(access(p, F_OK), -1);
	cr_assert_eq(entries(), 4);
	cr_assert_eq(kiln_file_batch_commit(&b, &err), 0, "%s", err.msg);
	kiln_file_batch_free(&b);
	cr_assert_eq(entries(), 3, "a temporary file was left behind");
	cr_assert_str_eq(contents("out.pem"), "new");
	cr_assert_str_eq(contents("a-key.pem"), "key");
	cr_assert_str_eq(contents("b.pem"), "bbb");
	cr_assert_eq(mode_of(p), 0600);
}

Test(file, a_batch_given_up_writes_nothing)
{
	struct kiln_file_batch b;
	struct kiln_err err = {0};
	char bad[PATH_MAX];

	kiln_file_batch_init(&b);
	cr_assert_eq(batch_add(&b, "one.pem", "1", 0644, 0, &err), 0);
	snprintf(bad, sizeof(bad), "%s/no/such.pem", dir);
	cr_assert_eq(kiln_file_batch_add(&b, bad, "x", 1, 0644, 0, &err), -1);
	cr_assert(strstr(err.msg, "such.pem: No such file or directory") !=
	              NULL,
	    "%s", err.msg);
	kiln_file_batch_free(&b);
	cr_assert_eq(entries(), 0, "the batch left a file behind");
}

Test(file, a_batch_stops_at_a_file_that_exists)
{
	struct kiln_file_batch b;
	struct kiln_err err = {0};

	kiln_file_batch_init(&b);
	cr_assert_eq(kiln_file_write(path, "old", 3, 0600, 0, &err), 0);
	cr_assert_eq(batch_add(&b, "first.pem", "1", 0644, 0, &err), 0);
	cr_assert_eq(
	    batch_add(&b, "out.pem", "new", 0600, KILN_WRITE_EXCL, &err), 0);
	cr_assert_eq(batch_add(&b, "last.pem", "3", 0644, 0, &err), 0);
	cr_assert_eq(kiln_file_batch_commit(&b, &err), -1);
	cr_assert_eq(err.code, KILN_EEXIST);
	cr_assert(strstr(err.msg, "out.pem: already exists") != NULL, "%s",
	    err.msg);
	kiln_file_batch_free(&b);
	/* Committed in order: the first is there, the old file kept, the
	 * last not written, no temporary left. */
	cr_assert_str_eq(contents("first.pem"), "1");
	cr_assert_str_eq(contents("out.pem"), "old");
	cr_assert_eq(entries(), 2);
}

Test(file, an_empty_batch_commits)
{
	struct kiln_file_batch b;
	struct kiln_err err = {0};

	kiln_file_batch_init(&b);
	cr_assert_eq(kiln_file_batch_commit(&b, &err), 0);
	kiln_file_batch_free(&b);
	cr_assert_eq(entries(), 0);
}

Test(file, reading_a_missing_file_names_it)
{
	struct kiln_buf buf;
	struct kiln_err err = {0};

	kiln_buf_init(&buf);
	cr_assert_eq(kiln_file_read("/nonexistent/ca.pem", &buf, &err), -1);
	cr_assert_str_eq(
	    err.msg, "/nonexistent/ca.pem: No such file or directory");
	cr_assert_eq(buf.len, 0);
	cr_assert_null(buf.p);
}

Test(file, reading_a_folder_is_refused)
{
	struct kiln_buf buf;
	struct kiln_err err = {0};
	char msg[PATH_MAX + 32];

	kiln_buf_init(&buf);
	cr_assert_eq(kiln_file_read(dir, &buf, &err), -1);
	snprintf(msg, sizeof(msg), "%s: is a directory", dir);
	cr_assert_str_eq(err.msg, msg);
}

Test(file, buffers_grow_and_keep_contents)
{
	struct kiln_buf buf;
	char chunk[1000];
	int i;

	kiln_buf_init(&buf);
	memset(chunk, 'x', sizeof(chunk));
	for (i = 0; i < 100; i++)
		cr_assert_eq(
		    kiln_buf_append(&buf, chunk, sizeof(chunk), NULL), 0);
	cr_assert_eq(buf.len, 100000);
	cr_assert_geq(buf.cap, buf.len);
	cr_assert_eq(buf.p[99999], 'x');
	kiln_buf_free(&buf);
	cr_assert_null(buf.p);
	cr_assert_eq(buf.cap, 0);
}
