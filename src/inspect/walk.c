/*
 * The walk kiln check and kiln renew make over files and folders
 * (kiln_walk, declared in kiln/check.h).  Folders are walked without
 * recursion, from a stack on the heap, so that no depth of folders can
 * overflow the C stack, and through descriptors (openat), so that no
 * length of path is too long.  A folder is entered with O_NOFOLLOW: a
 * link to a folder is not followed, so no link can make a loop; a folder
 * that is one of its own ancestors (a bind mount) is reported and not
 * entered again.  The descriptors of the first WALK_FDS levels stay open;
 * deeper, only the current folder's is open, and its parent is opened
 * again on the way back through "..", which must still be the folder that
 * was left (device and inode), or else by name from the nearest open
 * ancestor, each step checked the same way.  A folder that cannot be
 * found again so (moved meanwhile) is reported, and the rest of it is not
 * checked.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/strs.h"
#include "kiln/buf.h"
#include "kiln/check.h"

static int
walk_problem_errno(const struct kiln_walk *k, const char *path, int errnum,
    struct kiln_err *err)
{
	return k->problem(k->arg, path, strerror(errnum), err);
}

/* The last component of "path", "dir/" giving "dir". */
static const char *
base_name(const char *path, char *b, size_t size)
{
	const char *e = path + strlen(path), *s;

	while (e > path + 1 && e[-1] == '/')
		e--;
	for (s = e; s > path && s[-1] != '/'; s--)
		;
	snprintf(b, size, "%.*s", (int)(e - s), s);
	return b;
}

int
kiln_walk_is_backup(const char *name)
{
	size_t n = strlen(name), i;
	const char *t;

	/* NAME.YYYYMMDDTHHMMSSZ, NAME not empty. */
	if (n < 18)
		return 0;
	t = name + n - 17;
	if (t[0] != '.' || t[9] != 'T' || t[16] != 'Z')
		return 0;
	for (i = 1; i < 16; i++)
		if (i != 9 && (t[i] < '0' || t[i] > '9'))
			return 0;
	return 1;
}

int
kiln_walk_skips(const struct kiln_walk *k, const char *name, const char *path)
{
	size_t i;

	if (kiln_walk_is_backup(name))
		return 1;
	for (i = 0; i < k->n_exclude; i++)
		if (fnmatch(k->exclude[i], name, 0) == 0 ||
		    fnmatch(k->exclude[i], path, 0) == 0)
			return 1;
	return 0;
}

#define WALK_FDS 32

struct frame {
	int fd;    /* -1 while closed */
	dev_t dev; /* what "fd" is, to know it again */
	ino_t ino;
	size_t path_len; /* its path: the walk's path buffer, this long */
	char **names;    /* its entries, in name order */
	size_t n, next;
};

struct walk {
	struct frame *f;
	size_t depth, cap;
	struct kiln_buf path; /* the current path, NUL-terminated */
};

static void
frame_free(struct frame *f)
{
	if (f->fd >= 0)
		close(f->fd);
	kiln_strs_free(f->names, f->n);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The path of the entry "name" of the top folder, in w->path. */
static int
sub_path(struct walk *w, const char *name, struct kiln_err *err)
{
	struct frame *top = &w->f[w->depth - 1];

	w->path.len = top->path_len;
	if ((w->path.len == 0 || w->path.p[w->path.len - 1] != '/') &&
	    kiln_buf_append(&w->path, "/", 1, err) == -1)
		return -1;
	if (kiln_buf_append(&w->path, name, strlen(name), err) == -1 ||
	    kiln_buf_terminate(&w->path, err) == -1)
		return -1;
	return 0;
}

/* The names in the folder "fd", sorted, into "f".  0, or errno. */
static int
list_folder(int fd, struct frame *f, struct kiln_err *err, int *fatal)
{
	struct dirent *d;
	DIR *dir;
	int dfd, saved = 0;

	*fatal = 0;
	if ((dfd = dup(fd)) == -1)
		return errno;
	if ((dir = fdopendir(dfd)) == NULL) {
		saved = errno;
		close(dfd);
		return saved;
	}
	for (;;) {
		errno = 0;
		if ((d = readdir(dir)) == NULL) {
			saved = errno;
			break;
		}
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		if (kiln_strs_push(&f->names, &f->n, d->d_name, err) == -1) {
			*fatal = 1;
			break;
		}
	}
	closedir(dir);
	if (f->n > 1)
		qsort(f->names, f->n, sizeof(*f->names), by_name);
	return saved;
}

/*
 * Enter the folder "name" of "dfd", whose path is in w->path: push it on
 * the stack.  "follow": an operand, whose link is followed (as find -H
 * does).  Problems are recorded; returns -1 only out of memory.
 */
static int
enter(const struct kiln_walk *k, struct walk *w, int dfd, const char *name,
    int follow, struct kiln_err *err)
{
	const char *path = (const char *)w->path.p;
	struct frame *f;
	struct stat st;
	size_t i;
	int fd, fatal, errnum;

	fd = openat(dfd, name,
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
	if (fd == -1) {
		/* A link now (swapped since it was listed): not followed. */
		if (errno == ELOOP && !follow)
			return 0;
		return walk_problem_errno(k, path, errno, err);
	}
	if (fstat(fd, &st) == -1) {
		errnum = errno;
		close(fd);
		return walk_problem_errno(k, path, errnum, err);
	}
	for (i = 0; i < w->depth; i++)
		if (w->f[i].dev == st.st_dev && w->f[i].ino == st.st_ino) {
			close(fd);
			return k->problem(k->arg, path,
			    "the same folder as one above it (a loop): not "
			    "entered again",
			    err);
		}
	if (w->depth == w->cap) {
		size_t cap = w->cap < 16 ? 16 : w->cap * 2;

		if ((f = realloc(w->f, cap * sizeof(*f))) == NULL) {
			close(fd);
			return kiln_err_set(err, KILN_ENOMEM, "out of memory");
		}
		w->f = f;
		w->cap = cap;
	}
	f = &w->f[w->depth++];
	memset(f, 0, sizeof(*f));
	f->fd = fd;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->path_len = w->path.len;
	if ((errnum = list_folder(fd, f, err, &fatal)) != 0 || fatal) {
		/* Nothing of a folder that cannot be read is checked. */
		kiln_strs_free(f->names, f->n);
		f->names = NULL;
		f->n = 0;
		if (fatal)
			return -1;
		if (walk_problem_errno(k, path, errnum, err) == -1)
			return -1;
	}
	/* Below the first WALK_FDS levels, only the top folder stays open. */
	if (w->depth - 1 > WALK_FDS && w->f[w->depth - 2].fd >= 0) {
		close(w->f[w->depth - 2].fd);
		w->f[w->depth - 2].fd = -1;
	}
	return 0;
}

/* Open frame "k" by name from frame "k - 1", which is open. */
static int
reopen_step(struct walk *w, size_t k)
{
	const struct frame *up = &w->f[k - 1];
	struct stat st;
	int fd;

	fd = openat(up->fd, up->names[up->next - 1],
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1 || st.st_dev != w->f[k].dev ||
	    st.st_ino != w->f[k].ino) {
		close(fd);
		return -1;
	}
	w->f[k].fd = fd;
	return 0;
}

/*
 * Open frame "k" again, from its child's descriptor "child" (-1: none)
 * through "..", or else by name from its nearest open ancestor.  0, or -1
 * if it is no longer where it was.
 */
static int
reopen(struct walk *w, size_t k, int child)
{
	struct stat st;
	size_t j, i;
	int fd;

	if (child >= 0 && (fd = openat(child, "..",
	                       O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		if (fstat(fd, &st) == 0 && st.st_dev == w->f[k].dev &&
		    st.st_ino == w->f[k].ino) {
			w->f[k].fd = fd;
			return 0;
		}
		close(fd);
	}
	/* w->f[j - 1] is open: the first WALK_FDS levels always are. */
	for (j = k; j > 0 && w->f[j - 1].fd < 0; j--)
		;
	for (i = j; i <= k; i++) {
		if (reopen_step(w, i) == -1)
			break;
		if (i > j) { /* opened on the way: closed again */
			close(w->f[i - 1].fd);
			w->f[i - 1].fd = -1;
		}
	}
	if (i > j && i <= k) {
		close(w->f[i - 1].fd);
		w->f[i - 1].fd = -1;
	}
	return i > k ? 0 : -1;
}

/* Leave the top folder; its parent is opened again if it was closed. */
static int
leave(const struct kiln_walk *k, struct walk *w, struct kiln_err *err)
{
	struct frame *top = &w->f[w->depth - 1], *up;
	int rc = 0;

	if (w->depth > 1 && (up = &w->f[w->depth - 2])->fd < 0 &&
	    reopen(w, w->depth - 2, top->fd) == -1) {
		w->path.len = up->path_len;
		if (kiln_buf_terminate(&w->path, err) == -1 ||
		    k->problem(k->arg, (const char *)w->path.p,
		        "moved or replaced during the check: the rest of it "
		        "was not checked",
		        err) == -1)
			rc = -1;
		up->next = up->n;
	}
	frame_free(top);
	w->depth--;
	return rc;
}

/* Visit the next entry of the top folder. */
static int
visit(const struct kiln_walk *k, struct walk *w, struct kiln_err *err)
{
	struct frame *top = &w->f[w->depth - 1];
	const char *name = top->names[top->next++], *path;
	struct stat st;

	if (sub_path(w, name, err) == -1)
		return -1;
	path = (const char *)w->path.p;
	if (kiln_walk_skips(k, name, path))
		return 0;
	if (fstatat(top->fd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return walk_problem_errno(k, path, errno, err);
	if (S_ISLNK(st.st_mode)) {
		/* A link to a file is read; one to a folder is not followed. */
		if (fstatat(top->fd, name, &st, 0) == -1)
			return k->problem(k->arg, path,
			    errno == ELOOP ? "a link in a loop of links"
			                   : "a link to nothing (dangling)",
			    err);
		return S_ISREG(st.st_mode)
		           ? k->file(k->arg, top->fd, name, path, err)
		           : 0;
	}
	if (S_ISDIR(st.st_mode))
		return enter(k, w, top->fd, name, 0, err);
	if (S_ISREG(st.st_mode))
		return k->file(k->arg, top->fd, name, path, err);
	return 0; /* FIFOs, devices, sockets: never opened */
}

int
kiln_walk(const struct kiln_walk *k, const char *path, struct kiln_err *err)
{
	char name[NAME_MAX + 1];
	struct walk w;
	struct stat st;
	int rc = -1;

	memset(&w, 0, sizeof(w));
	kiln_buf_init(&w.path);
	if (kiln_buf_append(&w.path, path, strlen(path), err) == -1 ||
	    kiln_buf_terminate(&w.path, err) == -1)
		goto cleanup;
	/* An operand that is a link is followed, to a folder too. */
	if (lstat(path, &st) == -1) {
		rc = walk_problem_errno(k, path, errno, err);
		goto cleanup;
	}
	if (kiln_walk_skips(k, base_name(path, name, sizeof(name)), path)) {
		rc = 0;
		goto cleanup;
	}
	if (S_ISLNK(st.st_mode) && stat(path, &st) == -1) {
		rc = k->problem(k->arg, path,
		    errno == ELOOP ? "a link in a loop of links"
		                   : "a link to nothing (dangling)",
		    err);
		goto cleanup;
	}
	if (S_ISREG(st.st_mode)) {
		rc = k->file(k->arg, AT_FDCWD, path, path, err);
		goto cleanup;
	}
	if (!S_ISDIR(st.st_mode)) {
		rc = 0;
		goto cleanup;
	}
	if (enter(k, &w, AT_FDCWD, path, 1, err) == -1)
		goto cleanup;
	while (w.depth > 0) {
		if (w.f[w.depth - 1].next < w.f[w.depth - 1].n
		        ? visit(k, &w, err) == -1
		        : leave(k, &w, err) == -1)
			goto cleanup;
	}
	rc = 0;
cleanup:
	while (w.depth > 0)
		frame_free(&w.f[--w.depth]);
	free(w.f);
	kiln_buf_free(&w.path);
	return rc;
}
