/*
 * A tree of files planned as data (tree.h): its folders, opened once
 * relative to their parents and never through a link; what they hold,
 * read and listed; the files of the plan, and those a run no longer
 * makes (left behind).  Deciding the plan against what is there and
 * writing it as one batch is treewrite.c's.
 *
 * The folder may be writable by others (the etcd user, a deploy user)
 * while root runs this: every file is read through its folder (no link,
 * FIFO, device or hard link) and written through it, replacing only the
 * inode that was read.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

int
tree_need_folder(struct tree *t, size_t f, struct kiln_err *err)
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
	if (tree_need_folder(t, d->parent, err) == -1)
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
