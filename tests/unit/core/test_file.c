#include <dirent.h>
#include <errno.h>
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

/* The test folder, opened. */
static int
dir_fd(void)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);

	cr_assert_neq(fd, -1);
	return fd;
}

Test(file, dir_open_creates_and_walks_folders)
{
	struct kiln_err err = {0};
	int top = dir_fd(), fd;
	char p[PATH_MAX];
	struct stat st;

	fd = kiln_dir_open(top, "a/b/./c", 1, 0750, &err);
	cr_assert_neq(fd, -1, "%s", err.msg);
	close(fd);
	snprintf(p, sizeof(p), "%s/a/b/c", dir);
	cr_assert_eq(stat(p, &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	/* Without "create", a missing folder is an error naming it. */
	cr_assert_eq(kiln_dir_open(top, "a/x/y", 0, 0, &err), -1);
	cr_assert_str_eq(err.msg, "a/x: No such file or directory");
	close(top);
}

Test(file, dir_open_refuses_a_link_anywhere_on_the_way)
{
	struct kiln_err err = {0};
	int top = dir_fd();
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/real", dir);
	cr_assert_eq(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/link", dir);
	cr_assert_eq(symlink("/etc", p), 0);
	cr_assert_eq(kiln_dir_open(top, "link/ssl", 1, 0700, &err), -1);
	cr_assert_str_eq(err.msg, "link: a symbolic link, not a folder");
	kiln_err_clear(&err);
	cr_assert_eq(kiln_dir_open(top, "real/../link", 0, 0, &err), -1);
	cr_assert_str_eq(err.msg, "real/../link: \"..\" is not allowed");
	kiln_err_clear(&err);
	cr_assert_eq(kiln_dir_open(top, "/etc", 0, 0, &err), -1);
	cr_assert_str_eq(err.msg, "/etc: not a relative folder");
	close(top);
}

Test(file, read_at_refuses_links_fifos_folders_and_hard_links)
{
	struct kiln_err err = {0};
	struct kiln_buf buf;
	int top = dir_fd();
	char p[PATH_MAX], q[PATH_MAX];
	struct stat st;

	kiln_buf_init(&buf);
	cr_assert_eq(kiln_file_write(path, "cert", 4, 0644, 0, &err), 0);
	cr_assert_eq(kiln_file_read_at(top, "out.pem", "x/out.pem", &buf, &st,
	                 &err), 0, "%s", err.msg);
	cr_assert_str_eq((char *)buf.p, "cert");
	cr_assert(S_ISREG(st.st_mode));
	kiln_buf_free(&buf);

	snprintf(p, sizeof(p), "%s/link.pem", dir);
	cr_assert_eq(symlink(path, p), 0);
	cr_assert_eq(kiln_file_read_at(top, "link.pem", "x/link.pem", &buf,
	                 &st, &err), -1);
	cr_assert_str_eq(err.msg, "x/link.pem: a symbolic link, refused");

	kiln_err_clear(&err);
	snprintf(p, sizeof(p), "%s/fifo.pem", dir);
	cr_assert_eq(mkfifo(p, 0600), 0);
	/* Would block forever without O_NONBLOCK: no writer. */
	cr_assert_eq(kiln_file_read_at(top, "fifo.pem", "fifo.pem", &buf, &st,
	                 &err), -1);
	cr_assert_str_eq(err.msg, "fifo.pem: a FIFO, refused");

	kiln_err_clear(&err);
	snprintf(p, sizeof(p), "%s/sub", dir);
	cr_assert_eq(mkdir(p, 0700), 0);
	cr_assert_eq(
	    kiln_file_read_at(top, "sub", "sub", &buf, &st, &err), -1);
	cr_assert_str_eq(err.msg, "sub: a directory, refused");

	kiln_err_clear(&err);
	snprintf(q, sizeof(q), "%s/hard.pem", dir);
	cr_assert_eq(link(path, q), 0);
	cr_assert_eq(kiln_file_read_at(top, "hard.pem", "hard.pem", &buf, &st,
	                 &err), -1);
	cr_assert_str_eq(err.msg, "hard.pem: has 2 hard links, refused");

	kiln_err_clear(&err);
	cr_assert_eq(kiln_file_read_at(top, "none.pem", "none.pem", &buf, &st,
	                 &err), -1);
	cr_assert_eq(err.sys, ENOENT);
	cr_assert_null(buf.p);
	close(top);
}

Test(file, write_at_replaces_only_the_file_that_was_read)
{
	struct kiln_err err = {0};
	struct kiln_buf buf;
	struct stat st, nothing;
	int top = dir_fd();
	char p[PATH_MAX];

	kiln_buf_init(&buf);
	cr_assert_eq(kiln_file_write(path, "old", 3, 0644, 0, &err), 0);
	cr_assert_eq(kiln_file_read_at(top, "out.pem", "out.pem", &buf, &st,
	                 &err), 0);
	kiln_buf_free(&buf);
	/* Unchanged: replaced. */
	cr_assert_eq(kiln_file_write_at(top, "out.pem", "out.pem", "new", 3,
	                 0644, 0, &st, &err), 0, "%s", err.msg);
	cr_assert_str_eq(contents("out.pem"), "new");
	/* Now another inode is there: the stale "st" is refused. */
	cr_assert_eq(kiln_file_write_at(top, "out.pem", "out.pem", "evil", 4,
	                 0644, 0, &st, &err), -1);
	cr_assert_str_eq(err.msg, "out.pem: changed while kiln worked on it "
	                          "(replaced, removed or linked), refused");
	cr_assert_str_eq(contents("out.pem"), "new");
	/* A link planted where nothing was expected. */
	kiln_err_clear(&err);
	memset(&nothing, 0, sizeof(nothing));
	snprintf(p, sizeof(p), "%s/new-key.pem", dir);
	cr_assert_eq(symlink(path, p), 0);
	cr_assert_eq(kiln_file_write_at(top, "new-key.pem", "new-key.pem", "k",
	                 1, 0600, 0, &nothing, &err), -1);
	cr_assert_str_eq(contents("out.pem"), "new");
	cr_assert_eq(entries(), 2, "a temporary file was left behind");
	/* Nothing there, nothing expected: written. */
	kiln_err_clear(&err);
	cr_assert_eq(kiln_file_write_at(top, "k.pem", "k.pem", "k", 1, 0600,
	                 KILN_WRITE_EXCL, &nothing, &err), 0, "%s", err.msg);
	snprintf(p, sizeof(p), "%s/k.pem", dir);
	cr_assert_eq(mode_of(p), 0600);
	/* A name with a slash is not a name in the folder. */
	cr_assert_eq(kiln_file_write_at(top, "../x", "../x", "k", 1, 0600, 0,
	                 NULL, &err), -1);
	close(top);
}

Test(file, a_batch_at_a_folder_stays_in_it)
{
	struct kiln_file_batch b;
	struct kiln_err err = {0};
	int top = dir_fd();

	kiln_file_batch_init(&b);
	cr_assert_eq(kiln_file_batch_add_at(&b, top, "one.pem", "d/one.pem",
	                 "1", 1, 0644, 0, NULL, &err), 0);
	cr_assert_eq(kiln_file_batch_add_at(&b, top, "two-key.pem",
	                 "d/two-key.pem", "2", 1, 0600, KILN_WRITE_EXCL, NULL,
	                 &err),
	    0);
	cr_assert_eq(kiln_file_batch_add_at(&b, top, "a/b", "d/a/b", "3", 1,
	                 0644, 0, NULL, &err), -1);
	cr_assert_str_eq(err.msg, "d/a/b: not a file name");
	kiln_err_clear(&err);
	cr_assert_eq(kiln_file_batch_commit(&b, &err), 0, "%s", err.msg);
	kiln_file_batch_free(&b);
	cr_assert_str_eq(contents("one.pem"), "1");
	cr_assert_str_eq(contents("two-key.pem"), "2");
	cr_assert_eq(entries(), 2);
	close(top);
}

/* A name swapped between the batch's look and its commit is refused. */
Test(file, a_batch_refuses_a_file_swapped_before_its_commit)
{
	struct kiln_file_batch b;
	struct kiln_err err = {0};
	struct kiln_buf buf;
	struct stat st, none;
	int top = dir_fd();
	char p[PATH_MAX];

	kiln_buf_init(&buf);
	kiln_file_batch_init(&b);
	memset(&none, 0, sizeof(none));
	cr_assert_eq(kiln_file_write(path, "old", 3, 0644, 0, &err), 0);
	cr_assert_eq(kiln_file_read_at(top, "out.pem", "out.pem", &buf, &st,
	                 &err), 0);
	cr_assert_eq(kiln_file_batch_add_at(&b, top, "new.pem", "new.pem", "n",
	                 1, 0644, 0, &none, &err), 0);
	cr_assert_eq(kiln_file_batch_add_at(&b, top, "out.pem", "out.pem",
	                 "new", 3, 0644, 0, &st, &err), 0);
	/* Someone renames another file over out.pem meanwhile. */
	snprintf(p, sizeof(p), "%s/other", dir);
	cr_assert_eq(kiln_file_write(p, "other", 5, 0644, 0, &err), 0);
	cr_assert_eq(rename(p, path), 0);
	cr_assert_eq(kiln_file_batch_commit(&b, &err), -1);
	cr_assert_str_eq(err.msg, "out.pem: changed while kiln worked on it "
	                          "(replaced, removed or linked), refused");
	kiln_file_batch_free(&b);
	cr_assert_str_eq(contents("out.pem"), "other");
	cr_assert_str_eq(contents("new.pem"), "n");
	cr_assert_eq(entries(), 2, "a temporary file was left behind");
	kiln_buf_free(&buf);
	close(top);
}

Test(file, dir_open_says_what_a_file_in_the_way_is)
{
	struct kiln_err err = {0};
	int top = dir_fd();

	cr_assert_eq(kiln_file_write(path, "x", 1, 0644, 0, &err), 0);
	cr_assert_eq(kiln_dir_open(top, "out.pem/ssl", 1, 0700, &err), -1);
	cr_assert_str_eq(err.msg, "out.pem: a file, not a folder");
	close(top);
}
