/*
 * A tree's plan decided and written (tree.h): each file judged against
 * what its folder holds now (new, changed, kept, mode reset), the
 * removals planned, checked and made, and the one batch that writes the
 * rest, each file through its folder, replacing only the inode that was
 * read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/strs.h"
#include "kiln/file.h"
#include "pki/tree.h"

/* Removals. */

int
tree_remove(struct tree *t, size_t f, const char *name, struct kiln_err *err)
{
	return tree_add(t, f, name, TREE_GONE, NULL, 0, 0, err) == NULL ? -1
	                                                                : 0;
}

int
tree_remove_dir(struct tree *t, size_t f, struct kiln_err *err)
{
	const struct tree_folder *d = &t->folders[f];
	struct tree_file *w;

	if (f == 0)
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: the tree is never removed", t->dir);
	if ((w = tree_add(t, d->parent, d->name, TREE_GONE_DIR, NULL, 0, 0,
	         err)) == NULL)
		return -1;
	w->arg = f;
	return 0;
}

/*
 * Whether every name in folder "f" is a file the plan removes (among the
 * "n" files before the folder's own entry).
 */
static int
only_removed(const struct tree *t, size_t f, size_t n, struct kiln_err *err)
{
	char **names = NULL;
	size_t i, j, count = 0;
	int all = 0;

	if (tree_list(t->folders[f].fd, TREE_ANY, "", &names, &count, err) ==
	    -1)
		return -1;
	for (i = 0; i < count; i++) {
		for (j = 0; j < n; j++)
			if (t->files[j].kind == TREE_GONE &&
			    t->files[j].folder == f &&
			    t->files[j].fate == TREE_REMOVED &&
			    strcmp(t->files[j].name, names[i]) == 0)
				break;
		if (j == n)
			break;
	}
	all = i == count;
	kiln_strs_free(names, count);
	return all;
}

/* Decide the removal "w" (the "i"th file of the plan). */
static int
decide_gone(
    const struct tree *t, struct tree_file *w, size_t i, struct kiln_err *err)
{
	struct kiln_buf old;
	struct stat st;
	int present, rc;

	w->fate = TREE_ABSENT;
	if (w->kind == TREE_GONE_DIR) {
		if (t->folders[w->arg].fd == -1)
			return 0;
		if (fstat(t->folders[w->arg].fd, &w->st) == -1)
			return kiln_err_sys(err, "%s", w->shown);
		if ((rc = only_removed(t, w->arg, i, err)) == -1)
			return -1;
		if (rc)
			w->fate = TREE_REMOVED;
		return 0;
	}
	/* Read as a file kiln replaces is: the same refusals. */
	kiln_buf_init(&old);
	rc = tree_read(t, w->folder, w->name, &old, &st, &present, err);
	kiln_buf_free(&old);
	if (rc == -1)
		return -1;
	if (present) {
		w->st = st;
		w->fate = TREE_REMOVED;
	}
	return 0;
}

/* What "st" is, for a refusal. */
static const char *
kind_of(const struct stat *st)
{
	if (S_ISLNK(st->st_mode))
		return "a symbolic link";
	if (S_ISFIFO(st->st_mode))
		return "a FIFO";
	if (S_ISDIR(st->st_mode))
		return "a folder";
	if (S_ISREG(st->st_mode))
		return "another file";
	return "a device or socket";
}

/*
 * Whether the name of removal "w" is still the regular, one-link inode
 * tree_decide read.  Returns 0, or -1 with a refusal naming it.
 */
static int
still_removable(
    const struct tree *t, const struct tree_file *w, struct kiln_err *err)
{
	struct stat now;

	if (fstatat(t->folders[w->folder].fd, w->name, &now,
	        AT_SYMLINK_NOFOLLOW) == -1)
		return kiln_err_sys(err, "%s", w->shown);
	if (now.st_dev != w->st.st_dev || now.st_ino != w->st.st_ino ||
	    !S_ISREG(now.st_mode))
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: now %s, not the file kiln read: nothing removed, "
		    "refused",
		    w->shown, kind_of(&now));
	if (now.st_nlink != 1)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: has %ju hard links now: nothing removed, refused",
		    w->shown, (uintmax_t)now.st_nlink);
	return 0;
}

/* Make the removals planned in "t", every file checked first. */
static int
remove_planned(struct tree *t, struct kiln_err *err)
{
	struct tree_file *w;
	size_t i;

	for (i = 0; i < t->n_files; i++) {
		w = &t->files[i];
		if (w->kind == TREE_GONE && w->fate == TREE_REMOVED &&
		    still_removable(t, w, err) == -1)
			return -1;
	}
	for (i = 0; i < t->n_files; i++) {
		w = &t->files[i];
		if (w->kind != TREE_GONE || w->fate != TREE_REMOVED)
			continue;
		if (unlinkat(t->folders[w->folder].fd, w->name, 0) == -1)
			return kiln_err_sys(err, "%s", w->shown);
	}
	for (i = 0; i < t->n_files; i++) {
		w = &t->files[i];
		if (w->kind != TREE_GONE_DIR || w->fate != TREE_REMOVED)
			continue;
		/* Something put there since: the folder stays. */
		if (unlinkat(t->folders[w->folder].fd, w->name, AT_REMOVEDIR) ==
		    -1) {
			if (errno != ENOTEMPTY && errno != EEXIST)
				return kiln_err_sys(err, "%s", w->shown);
			w->fate = TREE_ABSENT;
		}
	}
	return 0;
}

/* Decide file "w" from what its folder holds now. */
static int
decide(const struct tree *t, struct tree_file *w, struct kiln_err *err)
{
	struct kiln_buf old;
	struct stat st;
	int present, rc = -1;

	kiln_buf_init(&old);
	memset(&w->st, 0, sizeof(w->st));
	w->fate = TREE_NEW;
	w->was = 0;
	if (w->excl) {
		if (tree_exists(t, w->folder, w->name))
			return kiln_err_set(
			    err, KILN_EEXIST, "%s: already exists", w->shown);
		return 0;
	}
	if (tree_read(t, w->folder, w->name, &old, &st, &present, err) == -1)
		goto cleanup;
	if (present) {
		w->st = st;
		w->fate = TREE_CHANGED;
	}
	if (present && old.len == w->data.len &&
	    memcmp(old.p, w->data.p, old.len) == 0) {
		w->fate =
		    (st.st_mode & 07777) == w->mode ? TREE_KEPT : TREE_RESET;
		w->was = st.st_mode & 07777;
	}
	rc = 0;
cleanup:
	kiln_buf_free(&old);
	return rc;
}

int
tree_decide(struct tree *t, struct kiln_err *err)
{
	size_t i;

	for (i = 0; i < t->n_files; i++) {
		struct tree_file *w = &t->files[i];

		memset(&w->st, 0, sizeof(w->st));
		if (w->kind == TREE_GONE || w->kind == TREE_GONE_DIR) {
			if (decide_gone(t, w, i, err) == -1)
				return -1;
		} else if (decide(t, w, err) == -1)
			return -1;
	}
	return 0;
}

int
tree_write(struct tree *t, struct kiln_err *err)
{
	struct kiln_file_batch batch;
	size_t i;
	int rc = -1;

	kiln_file_batch_init(&batch);
	for (i = 0; i < t->n_files; i++) {
		struct tree_file *w = &t->files[i];

		if (w->fate == TREE_KEPT || w->kind == TREE_GONE ||
		    w->kind == TREE_GONE_DIR)
			continue;
		/* The batch borrows the folder: open until it is freed. */
		if (tree_need_folder(t, w->folder, err) == -1 ||
		    kiln_file_batch_add_at(&batch, t->folders[w->folder].fd,
		        w->name, w->shown, w->data.p, w->data.len, w->mode,
		        w->excl ? KILN_WRITE_EXCL : 0, &w->st, err) == -1)
			goto cleanup;
	}
	if (remove_planned(t, err) == -1 ||
	    kiln_file_batch_commit(&batch, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	kiln_file_batch_free(&batch);
	return rc;
}
