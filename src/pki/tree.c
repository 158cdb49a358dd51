/*
 * A tree of files planned as data and written as one batch (tree.h):
 * its folders, opened once relative to their parents and never through
 * a link; the files of the plan, decided against what is there; the one
 * batch; and the files a run no longer makes.
 *
 * The folder may be writable by others (the etcd user, a deploy user)
 * while root runs this: every file is read through its folder (no link,
 * FIFO, device or hard link) and written through it, replacing only the
 * inode that was read.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/strs.h"
#include "kiln/file.h"
#include "pki/tree.h"

void
tree_init(struct tree *t, const char *dir)
{
	memset(t, 0, sizeof(*t));
	t->dir = dir;
}

void
tree_free(struct tree *t)
{
	size_t i;

	for (i = 0; i < t->n_folders; i++) {
		if (t->folders[i].fd != -1)
			close(t->folders[i].fd);
		free(t->folders[i].rel);
	}
	free(t->folders);
	for (i = 0; i < t->n_files; i++) {
		free(t->files[i].name);
		free(t->files[i].shown);
		kiln_buf_free(&t->files[i].data);
	}
	free(t->files);
	tree_init(t, t->dir);
}

/* Folders. */

int
tree_folder(struct tree *t, size_t parent, mode_t mode, const char *a,
    const char *c, struct kiln_err *err)
{
	struct tree_folder *d;
	const char *slash;
	size_t n = strlen(a) + strlen(c) + 2;

	if ((d = realloc(t->folders, (t->n_folders + 1) * sizeof(*d))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	t->folders = d;
	d = &t->folders[t->n_folders];
	memset(d, 0, sizeof(*d));
	d->fd = -1;
	d->parent = parent;
	d->mode = mode;
	if ((d->rel = malloc(n)) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	t->n_folders++;
	snprintf(d->rel, n, "%s%s%s", a, c[0] != '\0' ? "/" : "", c);
	slash = strrchr(d->rel, '/');
	d->name = slash != NULL ? slash + 1 : d->rel;
	return 0;
}

int
tree_shown(const struct tree *t, size_t f, const char *name, char *out,
    struct kiln_err *err)
{
	const char *rel = t->folders[f].rel;
	int n;

	if (f == 0)
		n = snprintf(out, PATH_MAX, "%s%s%s", t->dir,
		    name[0] != '\0' ? "/" : "", name);
	else
		n = snprintf(out, PATH_MAX, "%s/%s%s%s", t->dir, rel,
		    name[0] != '\0' ? "/" : "", name);
	if (n < 0 || n >= PATH_MAX)
		return kiln_err_set(err, KILN_EINVAL, "%s/%s: path too long",
		    t->dir, f == 0 ? name : rel);
	return 0;
}

/*
 * mkdir -p with "mode" for the folders it creates: for DIR only, the
 * user's own path, followed as given.
 */
static int
make_dirs(const char *path, mode_t mode, struct kiln_err *err)
{
	char p[PATH_MAX];
	size_t i;

	if (snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p))
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: path too long", path);
	for (i = 1;; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, mode) == -1 && errno != EEXIST)
			return kiln_err_sys(err, "%s", p);
		if (path[i] == '\0')
			return 0;
		p[i] = '/';
	}
}

/*
 * Open folder "f" in its parent (which is open) with kiln_dir_open: never
 * through a link.  Without "create", a missing folder is left at -1.
 */
static int
open_folder(struct tree *t, size_t f, int create, struct kiln_err *err)
{
	struct tree_folder *d = &t->folders[f];
	int pfd = t->folders[d->parent].fd;
	struct kiln_err e;
	struct stat st;
	size_t n = strlen(d->name);

	kiln_err_clear(&e);
	if ((d->fd = kiln_dir_open(pfd, d->name, create, d->mode, &e)) != -1)
		return 0;
	if (!create && e.code == KILN_EIO && e.sys == ENOENT)
		return 0;
	if (fstatat(pfd, d->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode))
		return kiln_err_set(
		    err, KILN_EINVAL, "%s/%s: not a folder", t->dir, d->rel);
	/* "e" names the folder by its last component: name it from DIR. */
	if (strncmp(e.msg, d->name, n) == 0 && e.msg[n] == ':') {
		char msg[sizeof(e.msg)];

		snprintf(
		    msg, sizeof(msg), "%s/%s%s", t->dir, d->rel, e.msg + n);
		memcpy(e.msg, msg, sizeof(msg));
	}
	return kiln_err_pass(err, &e);
}

int
tree_open(struct tree *t, struct kiln_err *err)
{
	struct tree_folder *root = &t->folders[0];
	size_t i;

	root->fd = open(t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root->fd == -1) {
		if (errno == ENOENT)
			return 0;
		if (errno == ENOTDIR)
			return kiln_err_set(
			    err, KILN_EINVAL, "%s: not a folder", t->dir);
		return kiln_err_sys(err, "%s", t->dir);
	}
	/* A folder's parent comes before it. */
	for (i = 1; i < t->n_folders; i++)
		if (t->folders[t->folders[i].parent].fd != -1 &&
		    open_folder(t, i, 0, err) == -1)
			return -1;
	return 0;
}

/* Folder "f", made (with its parents) if it is missing. */
static int
need_folder(struct tree *t, size_t f, struct kiln_err *err)
{
	struct tree_folder *d = &t->folders[f];

	if (d->fd != -1)
		return 0;
	if (f == 0) {
		if (make_dirs(t->dir, d->mode, err) == -1)
			return -1;
		d->fd = open(t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		return d->fd == -1 ? kiln_err_sys(err, "%s", t->dir) : 0;
	}
	if (need_folder(t, d->parent, err) == -1)
		return -1;
	return open_folder(t, f, 1, err);
}

/* Reading what is there. */

int
tree_read(const struct tree *t, size_t f, const char *name,
    struct kiln_buf *out, struct stat *st, int *present, struct kiln_err *err)
{
	char shown[PATH_MAX];
	struct kiln_err e;

	*present = 0;
	if (t->folders[f].fd == -1)
		return 0;
	if (tree_shown(t, f, name, shown, err) == -1)
		return -1;
	kiln_err_clear(&e);
	if (kiln_file_read_at(t->folders[f].fd, name, shown, out, st, &e) ==
	    0) {
		*present = 1;
		return 0;
	}
	if (e.code == KILN_EIO && e.sys == ENOENT)
		return 0;
	return kiln_err_pass(err, &e);
}

int
tree_exists(const struct tree *t, size_t f, const char *name)
{
	struct stat st;

	return t->folders[f].fd != -1 &&
	       fstatat(t->folders[f].fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* "name (uid N)", or "uid N", into "out". */
static const char *
user_name(uid_t uid, char *out, size_t size)
{
	struct passwd pw, *found = NULL;
	char buf[1024];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &found) == 0 &&
	    found != NULL)
		snprintf(
		    out, size, "%s (uid %lu)", pw.pw_name, (unsigned long)uid);
	else
		snprintf(out, size, "uid %lu", (unsigned long)uid);
	return out;
}

/*
 * One another user owns may have been put there by that user, who knows
 * it.
 */
int
tree_key_owner(const char *shown, const struct stat *st, struct kiln_err *err)
{
	char owner[128], me[128];

	if (st->st_uid == geteuid())
		return 0;
	return kiln_err_set(err, KILN_EINVAL,
	    "%s: owned by %s, not by %s who runs kiln, refused", shown,
	    user_name(st->st_uid, owner, sizeof(owner)),
	    user_name(geteuid(), me, sizeof(me)));
}

static int
by_string(const void *a, const void *c)
{
	return strcmp(*(char *const *)a, *(char *const *)c);
}

/* Whether "name" in "fd" is a "type" ending in "suffix" (after a char). */
static int
listed(int fd, const char *name, int type, const char *suffix)
{
	size_t len = strlen(name), n = strlen(suffix);
	struct stat st;

	if (n > 0 && (len <= n || strcmp(name + len - n, suffix) != 0))
		return 0;
	if (type == TREE_ANY)
		return 1;
	return fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       (type == TREE_FOLDERS ? S_ISDIR(st.st_mode)
	                             : S_ISREG(st.st_mode));
}

/* Every name in the open folder "fd" (but . and ..), into "*out". */
static int
tree_names(int fd, char ***out, size_t *n, struct kiln_err *err)
{
	struct dirent *e;
	DIR *d;
	int dfd;

	*out = NULL;
	*n = 0;
	if ((dfd = dup(fd)) == -1)
		return kiln_err_sys(err, "dup");
	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return kiln_err_sys(err, "fdopendir");
	}
	rewinddir(d);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (kiln_strs_push(out, n, e->d_name, err) == -1) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

int
tree_list(int fd, int type, const char *suffix, char ***out, size_t *n,
    struct kiln_err *err)
{
	char **names = NULL;
	size_t i, count = 0;
	int rc = -1;

	*out = NULL;
	*n = 0;
	if (tree_names(fd, &names, &count, err) == -1)
		goto cleanup;
	for (i = 0; i < count; i++)
		if (listed(fd, names[i], type, suffix) &&
		    kiln_strs_push(out, n, names[i], err) == -1)
			goto cleanup;
	if (*n > 1)
		qsort(*out, *n, sizeof(**out), by_string);
	rc = 0;
cleanup:
	kiln_strs_free(names, count);
	return rc;
}

int
tree_file_in(int at, const char *rel, const char *name)
{
	struct kiln_err ignored;
	struct stat st;
	int fd, found;

	kiln_err_clear(&ignored);
	if (rel[0] == '\0')
		rel = ".";
	if ((fd = kiln_dir_open(at, rel, 0, 0, &ignored)) == -1)
		return 0;
	found = fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	        S_ISREG(st.st_mode);
	close(fd);
	return found;
}

/* Whether "name" is one of "skip" (NULL-terminated, or NULL). */
static int
skipped(const char *name, const char *const *skip)
{
	for (; skip != NULL && *skip != NULL; skip++)
		if (strcmp(name, *skip) == 0)
			return 1;
	return 0;
}

int
tree_marked(int fd, const char *sub, const char *marker,
    const char *const *skip, char ***out, size_t *n, struct kiln_err *err)
{
	char **names = NULL, rel[PATH_MAX];
	size_t i, count = 0;
	int rc = -1;

	*out = NULL;
	*n = 0;
	if (tree_list(fd, TREE_FOLDERS, "", &names, &count, err) == -1)
		goto cleanup;
	for (i = 0; i < count; i++) {
		if (skipped(names[i], skip) ||
		    snprintf(rel, sizeof(rel), "%s%s%s", names[i],
		        sub[0] != '\0' ? "/" : "", sub) >= (int)sizeof(rel) ||
		    !tree_file_in(fd, rel, marker))
			continue;
		if (kiln_strs_push(out, n, names[i], err) == -1)
			goto cleanup;
	}
	rc = 0;
cleanup:
	kiln_strs_free(names, count);
	return rc;
}

/* The plan. */

struct tree_file *
tree_add(struct tree *t, size_t f, const char *name, enum tree_kind kind,
    const void *data, size_t len, mode_t mode, struct kiln_err *err)
{
	char shown[PATH_MAX];
	struct tree_file *w;

	if (tree_shown(t, f, name, shown, err) == -1)
		return NULL;
	if ((w = realloc(t->files, (t->n_files + 1) * sizeof(*w))) == NULL) {
		kiln_err_set(err, KILN_ENOMEM, "out of memory");
		return NULL;
	}
	t->files = w;
	w = &t->files[t->n_files];
	memset(w, 0, sizeof(*w));
	kiln_buf_init(&w->data);
	w->folder = f;
	w->kind = kind;
	w->mode = mode;
	t->n_files++; /* freed from here on */
	if ((w->name = strdup(name)) == NULL ||
	    (w->shown = strdup(shown)) == NULL) {
		kiln_err_set(err, KILN_ENOMEM, "out of memory");
		return NULL;
	}
	if (data != NULL && kiln_buf_append(&w->data, data, len, err) == -1)
		return NULL;
	return w;
}

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

	if (tree_names(t->folders[f].fd, &names, &count, err) == -1)
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
		if (need_folder(t, w->folder, err) == -1 ||
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

int
tree_left(const struct tree *t, size_t f, const char *suffix, char ***out,
    size_t *n_out, struct kiln_err *err)
{
	char **names = NULL, shown[PATH_MAX];
	size_t i, j, n = 0;
	int fd = t->folders[f].fd, rc = -1;

	if (fd == -1)
		return 0;
	if (tree_list(fd, TREE_FILES, suffix, &names, &n, err) == -1)
		goto cleanup;
	for (i = 0; i < n; i++) {
		for (j = 0; j < t->n_files; j++)
			if (t->files[j].folder == f &&
			    strcmp(t->files[j].name, names[i]) == 0)
				break;
		if (j < t->n_files)
			continue;
		if (tree_shown(t, f, names[i], shown, err) == -1 ||
		    kiln_strs_push(out, n_out, shown, err) == -1)
			goto cleanup;
	}
	rc = 0;
cleanup:
	kiln_strs_free(names, n);
	return rc;
}
