/*
 * A tree of files planned as data and written as one batch (pki/tree.c),
 * with no manifest: folders, decisions, the batch, files left behind.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sys/types.h>

#include <criterion/criterion.h>

#include "core/strs.h"
#include "kiln/file.h"
#include "pki/tree.h"

static struct tree t;
static struct kiln_err err;
static char dir[64];

static void
setup(void)
{
	kiln_err_clear(&err);
	snprintf(dir, sizeof(dir), "/tmp/kiln-test-tree.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	tree_init(&t, dir);
	cr_assert_eq(tree_folder(&t, 0, 0755, ".", "", &err), 0);
	cr_assert_eq(tree_folder(&t, 0, 0700, "a", "", &err), 0);
	cr_assert_eq(tree_folder(&t, 1, 0755, "a", "b", &err), 0);
}

static void
teardown(void)
{
	char cmd[128];

	tree_free(&t);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(tree, .init = setup, .fini = teardown, .timeout = 30);

static const char *
at(const char *rel)
{
	static char p[4][160]; /* four in one expression */
	static unsigned int next;
	char *out = p[next++ % 4];

	snprintf(out, sizeof(p[0]), "%s/%s", dir, rel);
	return out;
}

static void
put(const char *rel, const char *text, mode_t mode)
{
	cr_assert_eq(
	    kiln_file_write(at(rel), text, strlen(text), mode, 0, &err), 0,
	    "%s", err.msg);
}

static void
add(size_t f, const char *name, const char *text, mode_t mode)
{
	cr_assert_not_null(
	    tree_add(&t, f, name, TREE_CA_COPY, text, strlen(text), mode, &err),
	    "%s", err.msg);
}

Test(tree, folders_are_named_from_dir_and_made_when_written)
{
	char shown[4096];
	struct stat st;

	cr_assert_str_eq(t.folders[2].rel, "a/b");
	cr_assert_str_eq(t.folders[2].name, "b");
	cr_assert_eq(tree_shown(&t, 2, "x.pem", shown, &err), 0);
	cr_assert_str_eq(shown, at("a/b/x.pem"));
	cr_assert_eq(tree_shown(&t, 0, "", shown, &err), 0);
	cr_assert_str_eq(shown, dir);
	cr_assert_eq(tree_open(&t, &err), 0, "%s", err.msg);
	cr_assert_eq(t.folders[1].fd, -1, "a/ is missing: not opened");
	add(2, "x.pem", "x\n", 0644);
	cr_assert_eq(tree_decide(&t, &err), 0, "%s", err.msg);
	cr_assert_eq(t.files[0].fate, TREE_NEW);
	cr_assert_eq(tree_write(&t, &err), 0, "%s", err.msg);
	cr_assert_eq(stat(at("a"), &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0700);
	cr_assert_eq(stat(at("a/b/x.pem"), &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0644);
}

Test(tree, each_file_is_new_changed_kept_or_reset)
{
	struct stat before, after;
	struct kiln_buf b;

	kiln_buf_init(&b);
	cr_assert_eq(mkdir(at("a"), 0700), 0);
	cr_assert_eq(mkdir(at("a/b"), 0755), 0);
	put("a/b/same", "same\n", 0644);
	put("a/b/other", "old\n", 0644);
	put("a/b/mode", "key\n", 0644);
	cr_assert_eq(stat(at("a/b/same"), &before), 0);
	cr_assert_eq(tree_open(&t, &err), 0, "%s", err.msg);
	add(2, "same", "same\n", 0644);
	add(2, "other", "new\n", 0644);
	add(2, "mode", "key\n", 0600);
	add(1, "fresh", "fresh\n", 0644);
	cr_assert_eq(tree_decide(&t, &err), 0, "%s", err.msg);
	cr_assert_eq(t.files[0].fate, TREE_KEPT);
	cr_assert_eq(t.files[1].fate, TREE_CHANGED);
	cr_assert_eq(t.files[2].fate, TREE_RESET);
	cr_assert_eq(t.files[2].was, 0644);
	cr_assert_eq(t.files[3].fate, TREE_NEW);
	cr_assert_eq(tree_write(&t, &err), 0, "%s", err.msg);
	cr_assert_eq(stat(at("a/b/same"), &after), 0);
	cr_assert_eq(after.st_ino, before.st_ino, "a kept file is untouched");
	cr_assert_eq(kiln_file_read(at("a/b/other"), &b, &err), 0);
	cr_assert_eq(b.len, 4);
	cr_assert_eq(memcmp(b.p, "new\n", 4), 0);
	cr_assert_eq(stat(at("a/b/mode"), &after), 0);
	cr_assert_eq(after.st_mode & 07777, 0600);
	kiln_buf_free(&b);
}

Test(tree, an_exclusive_file_refuses_anything_there)
{
	struct tree_file *w;
	char want[200];

	cr_assert_eq(mkdir(at("a"), 0700), 0);
	cr_assert_eq(symlink("/nonexistent", at("a/key.pem")), 0);
	cr_assert_eq(tree_open(&t, &err), 0, "%s", err.msg);
	w = tree_add(&t, 1, "key.pem", TREE_CA_KEY, "k", 1, 0600, &err);
	cr_assert_not_null(w);
	w->excl = 1;
	cr_assert_eq(tree_decide(&t, &err), -1);
	cr_assert_eq(err.code, KILN_EEXIST);
	snprintf(want, sizeof(want), "%s: already exists", at("a/key.pem"));
	cr_assert_str_eq(err.msg, want);
}

Test(tree, a_link_planted_for_a_folder_is_refused_naming_it)
{
	char want[200], target[200];

	snprintf(target, sizeof(target), "%s", at("elsewhere"));
	cr_assert_eq(mkdir(target, 0755), 0);
	cr_assert_eq(symlink(target, at("a")), 0);
	cr_assert_eq(tree_open(&t, &err), -1);
	snprintf(
	    want, sizeof(want), "%s/a: a symbolic link, not a folder", dir);
	cr_assert_str_eq(err.msg, want);
}

Test(tree, files_the_plan_no_longer_makes_are_left_behind_sorted)
{
	char **left = NULL;
	size_t n = 0;

	cr_assert_eq(mkdir(at("a"), 0700), 0);
	cr_assert_eq(mkdir(at("a/b"), 0755), 0);
	put("a/b/made.pem", "m\n", 0644);
	put("a/b/z-old.pem", "z\n", 0644);
	put("a/b/old.pem", "o\n", 0644);
	put("a/b/notes.txt", "n\n", 0644);
	put("a/b/.pem", "n\n", 0644);
	cr_assert_eq(mkdir(at("a/b/dir.pem"), 0755), 0);
	cr_assert_eq(symlink("old.pem", at("a/b/link.pem")), 0);
	cr_assert_eq(tree_open(&t, &err), 0, "%s", err.msg);
	add(2, "made.pem", "m\n", 0644);
	cr_assert_eq(
	    tree_left(&t, 2, ".pem", &left, &n, &err), 0, "%s", err.msg);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(left[0], at("a/b/old.pem"));
	cr_assert_str_eq(left[1], at("a/b/z-old.pem"));
	kiln_strs_free(left, n);
	left = NULL;
	n = 0;
	cr_assert_eq(tree_left(&t, 1, ".pem", &left, &n, &err), 0);
	cr_assert_eq(n, 0);
}

/* Removals (tree_remove, tree_remove_dir). */

/* The folders a and a/b, made. */
static void
make_ab(void)
{
	cr_assert_eq(mkdir(at("a"), 0700), 0);
	cr_assert_eq(mkdir(at("a/b"), 0755), 0);
}

/* A plan removing a/b/x.pem and a/b/y.pem, then a/b, with a file to
 * write in a/, decided. */
static void
plan_removals(void)
{
	make_ab();
	put("a/b/x.pem", "x\n", 0600);
	put("a/b/y.pem", "y\n", 0644);
	cr_assert_eq(tree_open(&t, &err), 0, "%s", err.msg);
	add(1, "kept.pem", "k\n", 0644);
	cr_assert_eq(tree_remove(&t, 2, "x.pem", &err), 0, "%s", err.msg);
	cr_assert_eq(tree_remove(&t, 2, "y.pem", &err), 0, "%s", err.msg);
	cr_assert_eq(tree_remove_dir(&t, 2, &err), 0, "%s", err.msg);
	cr_assert_eq(tree_decide(&t, &err), 0, "%s", err.msg);
	cr_assert_eq(t.files[1].fate, TREE_REMOVED);
	cr_assert_eq(t.files[2].fate, TREE_REMOVED);
	cr_assert_eq(t.files[3].fate, TREE_REMOVED);
	cr_assert_str_eq(t.files[3].shown, at("a/b"));
}

/* After a refused removal: nothing removed, nothing written. */
static void
nothing_removed(void)
{
	struct stat st;

	cr_assert_eq(lstat(at("a/b/y.pem"), &st), 0, "y.pem was removed");
	cr_assert_eq(lstat(at("a/b"), &st), 0, "a/b was removed");
	cr_assert_neq(lstat(at("a/kept.pem"), &st), 0, "kept.pem was written");
}

Test(tree, removals_take_the_files_then_the_folder_emptied)
{
	struct stat st;

	plan_removals();
	cr_assert_eq(tree_write(&t, &err), 0, "%s", err.msg);
	cr_assert_neq(lstat(at("a/b/x.pem"), &st), 0);
	cr_assert_neq(lstat(at("a/b"), &st), 0);
	cr_assert_eq(lstat(at("a/kept.pem"), &st), 0);
	/* Planned again: nothing there, nothing done or reported. */
	tree_free(&t);
	tree_init(&t, dir);
	cr_assert_eq(tree_folder(&t, 0, 0755, ".", "", &err), 0);
	cr_assert_eq(tree_folder(&t, 0, 0700, "a", "", &err), 0);
	cr_assert_eq(tree_folder(&t, 1, 0755, "a", "b", &err), 0);
	cr_assert_eq(tree_open(&t, &err), 0, "%s", err.msg);
	cr_assert_eq(tree_remove(&t, 2, "x.pem", &err), 0);
	cr_assert_eq(tree_remove_dir(&t, 2, &err), 0);
	cr_assert_eq(tree_decide(&t, &err), 0, "%s", err.msg);
	cr_assert_eq(t.files[0].fate, TREE_ABSENT);
	cr_assert_eq(t.files[1].fate, TREE_ABSENT);
	cr_assert_eq(tree_write(&t, &err), 0, "%s", err.msg);
}

Test(tree, a_folder_holding_more_than_the_removals_stays)
{
	struct stat st;

	make_ab();
	put("a/b/x.pem", "x\n", 0600);
	put("a/b/other.pem", "o\n", 0644);
	cr_assert_eq(tree_open(&t, &err), 0, "%s", err.msg);
	cr_assert_eq(tree_remove(&t, 2, "x.pem", &err), 0);
	cr_assert_eq(tree_remove_dir(&t, 2, &err), 0);
	cr_assert_eq(tree_decide(&t, &err), 0, "%s", err.msg);
	cr_assert_eq(t.files[0].fate, TREE_REMOVED);
	cr_assert_eq(t.files[1].fate, TREE_ABSENT);
	cr_assert_eq(tree_write(&t, &err), 0, "%s", err.msg);
	cr_assert_neq(lstat(at("a/b/x.pem"), &st), 0);
	cr_assert_eq(lstat(at("a/b/other.pem"), &st), 0);
}

Test(tree, a_link_or_hard_link_to_remove_is_refused_when_planned)
{
	make_ab();
	put("a/b/x.pem", "x\n", 0600);
	cr_assert_eq(symlink("x.pem", at("a/b/l.pem")), 0);
	cr_assert_eq(link(at("a/b/x.pem"), at("a/h.pem")), 0);
	cr_assert_eq(tree_open(&t, &err), 0, "%s", err.msg);
	cr_assert_eq(tree_remove(&t, 2, "l.pem", &err), 0);
	cr_assert_eq(tree_decide(&t, &err), -1);
	cr_assert_str_eq(err.msg,
	    strcat(strcpy((char[256]){0}, at("a/b/l.pem")),
	        ": a symbolic link, refused"));
	tree_free(&t);
	tree_init(&t, dir);
	cr_assert_eq(tree_folder(&t, 0, 0755, ".", "", &err), 0);
	cr_assert_eq(tree_folder(&t, 0, 0700, "a", "", &err), 0);
	cr_assert_eq(tree_folder(&t, 1, 0755, "a", "b", &err), 0);
	cr_assert_eq(tree_open(&t, &err), 0, "%s", err.msg);
	cr_assert_eq(tree_remove(&t, 2, "x.pem", &err), 0);
	kiln_err_clear(&err);
	cr_assert_eq(tree_decide(&t, &err), -1);
	cr_assert_str_eq(err.msg,
	    strcat(strcpy((char[256]){0}, at("a/b/x.pem")),
	        ": has 2 hard links, refused"));
}

/* The name of y.pem swapped by "swap" after the plan: refused. */
static void
swapped(const char *why)
{
	char want[256];

	kiln_err_clear(&err);
	cr_assert_eq(tree_write(&t, &err), -1);
	snprintf(want, sizeof(want), "%s: %s", at("a/b/y.pem"), why);
	cr_assert_str_eq(err.msg, want);
	nothing_removed();
	/* x.pem, checked first, is there still too. */
	cr_assert_eq(access(at("a/b/x.pem"), F_OK), 0);
}

Test(tree, a_name_swapped_for_a_symlink_after_the_plan_is_not_removed)
{
	plan_removals();
	cr_assert_eq(rename(at("a/b/y.pem"), at("a/y.pem")), 0);
	cr_assert_eq(symlink("../y.pem", at("a/b/y.pem")), 0);
	swapped("now a symbolic link, not the file kiln read: nothing "
	        "removed, refused");
}

Test(tree, a_name_given_a_hard_link_after_the_plan_is_not_removed)
{
	plan_removals();
	cr_assert_eq(link(at("a/b/y.pem"), at("a/copy.pem")), 0);
	swapped("has 2 hard links now: nothing removed, refused");
}

Test(tree, a_name_swapped_for_a_fifo_after_the_plan_is_not_removed)
{
	plan_removals();
	cr_assert_eq(unlink(at("a/b/y.pem")), 0);
	cr_assert_eq(mkfifo(at("a/b/y.pem"), 0644), 0);
	swapped("now a FIFO, not the file kiln read: nothing removed, "
	        "refused");
}

Test(tree, a_name_swapped_for_another_file_after_the_plan_is_not_removed)
{
	plan_removals();
	put("a/other.pem", "y\n", 0644);
	cr_assert_eq(rename(at("a/other.pem"), at("a/b/y.pem")), 0);
	swapped("now another file, not the file kiln read: nothing "
	        "removed, refused");
}

/*
 * The members or nodes of a tree found from the tree (tree_marked): the
 * folders holding a regular marker, but those skipped; a link, for the
 * folder or for the marker, is not followed.
 */
Test(tree, folders_with_a_marker_are_found_sorted_no_link_followed)
{
	static const char *const skip[] = {"ca", NULL};
	char **names = NULL, cmd[256];
	size_t n = 0;
	int fd;

	snprintf(cmd, sizeof(cmd),
	    "cd '%s' && mkdir -p n1/cfg n2/cfg ca/cfg n3 n4/cfg n5/cfg", dir);
	cr_assert_eq(system(cmd), 0);
	put("n2/cfg/m.yml", "x", 0644);
	put("n1/cfg/m.yml", "x", 0644);
	put("ca/cfg/m.yml", "x", 0644);
	put("n3/m.yml", "x", 0644);
	put("n4/cfg/other", "x", 0644);
	put("n5/cfg/real", "x", 0644);
	cr_assert_eq(symlink("real", at("n5/cfg/m.yml")), 0);
	cr_assert_eq(symlink("n1", at("n6")), 0);
	cr_assert_eq(mkdir(at("n7"), 0755), 0);
	cr_assert_eq(symlink("../n1/cfg", at("n7/cfg")), 0);
	cr_assert_neq(fd = open(dir, O_RDONLY | O_DIRECTORY), -1);
	cr_assert_eq(tree_marked(fd, "cfg", "m.yml", skip, &names, &n, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(names[0], "n1");
	cr_assert_str_eq(names[1], "n2");
	kiln_strs_free(names, n);
	/* Directly in each folder; nothing skipped. */
	cr_assert_eq(tree_marked(fd, "", "m.yml", NULL, &names, &n, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(names[0], "n3");
	kiln_strs_free(names, n);
	cr_assert_eq(tree_file_in(fd, "n1/cfg", "m.yml"), 1);
	cr_assert_eq(tree_file_in(fd, "", "n1"), 0);
	cr_assert_eq(tree_file_in(fd, "n7/cfg", "m.yml"), 0);
	close(fd);
}
