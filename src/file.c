/* syncfs(2), for kiln_file_batch_commit. */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kiln/file.h"

int
kiln_file_read(const char *path, struct kiln_buf *out, struct kiln_err *err)
{
	int fd = -1, rc = -1;
	struct stat st;
	ssize_t n;

	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		kiln_err_sys(err, "%s", path);
		goto cleanup;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		kiln_err_set(err, KILN_EINVAL, "%s: is a directory", path);
		goto cleanup;
	}
	for (;;) {
		if (kiln_buf_reserve(out, 4096, err) == -1)
			goto cleanup;
		n = read(fd, out->p + out->len, out->cap - out->len - 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			kiln_err_sys(err, "%s", path);
			goto cleanup;
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
		if (out->len > KILN_FILE_MAX) {
			kiln_err_set(err, KILN_EINVAL,
			    "%s: larger than %u bytes", path, KILN_FILE_MAX);
			goto cleanup;
		}
	}
	out->p[out->len] = '\0';
	rc = 0;
cleanup:
	if (fd != -1 && fd != STDIN_FILENO)
		close(fd);
	if (rc == -1)
		kiln_buf_free(out);
	return rc;
}

/* Split "path" into its folder ("." if none) and the temporary's name. */
static int
temp_names(const char *path, char *dir, char *tmp, struct kiln_err *err)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash != NULL ? slash + 1 : path;
	size_t dlen = slash != NULL ? (size_t)(slash - path) : 0;
	int n;

	if (*base == '\0')
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: not a file name", path);
	if (slash == NULL)
		strcpy(dir, ".");
	else if (dlen == 0)
		strcpy(dir, "/");
	else if (dlen < PATH_MAX) {
		memcpy(dir, path, dlen);
		dir[dlen] = '\0';
	} else
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: path too long", path);
	n = snprintf(
	    tmp, PATH_MAX, "%.*s.%s.XXXXXX", (int)(base - path), path, base);
	if (n < 0 || n >= PATH_MAX)
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: path too long", path);
	return 0;
}

static int
write_all(int fd, const unsigned char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Create the temporary for "path" (its name into "tmp"), set to "mode",
 * holding "data", fsync'ed when "sync".  On failure it is removed.
 */
static int
temp_write(const char *path, char *tmp, const void *data, size_t len,
    mode_t mode, int flags, int sync, struct kiln_err *err)
{
	struct stat old;
	int fd, rc = -1;

	if ((fd = mkstemp(tmp)) == -1)
		return kiln_err_sys(err, "%s", path);
	if (fchmod(fd, mode) == -1 || write_all(fd, data, len) == -1 ||
	    (sync && fsync(fd) == -1)) {
		kiln_err_sys(err, "%s", path);
		goto cleanup;
	}
	/* A renewed file keeps its owner, so etcd running as another user
	 * can still read it. */
	if ((flags & KILN_WRITE_KEEP_OWNER) && stat(path, &old) == 0 &&
	    (old.st_uid != geteuid() || old.st_gid != getegid()) &&
	    fchown(fd, old.st_uid, old.st_gid) == -1) {
		kiln_err_sys(err, "%s: cannot keep its owner", path);
		goto cleanup;
	}
	rc = 0;
cleanup:
	if (close(fd) == -1 && rc == 0)
		rc = kiln_err_sys(err, "%s", path);
	if (rc == -1)
		(void)unlink(tmp);
	return rc;
}

/*
 * Put the temporary "tmp" at "path": renamed over it, or with
 * KILN_WRITE_EXCL linked there only if nothing is.  On failure "tmp" is
 * removed.
 */
static int
temp_commit(const char *tmp, const char *path, int flags, struct kiln_err *err)
{
	if (!(flags & KILN_WRITE_EXCL)) {
		if (rename(tmp, path) == 0)
			return 0;
		kiln_err_sys(err, "%s", path);
	} else if (link(tmp, path) == 0) {
		(void)unlink(tmp);
		return 0;
	} else if (errno == EEXIST)
		kiln_err_set(err, KILN_EEXIST, "%s: already exists", path);
	else
		kiln_err_sys(err, "%s", path);
	(void)unlink(tmp);
	return -1;
}

/* fsync folder "dir" (syncfs with "whole"): what it holds is durable. */
static int
sync_dir(const char *dir, int whole, struct kiln_err *err)
{
	int dfd, rc = 0;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return kiln_err_sys(err, "%s", dir);
	if ((whole ? syncfs(dfd) : fsync(dfd)) == -1)
		rc = kiln_err_sys(err, "%s", dir);
	close(dfd);
	return rc;
}

int
kiln_file_write(const char *path, const void *data, size_t len, mode_t mode,
    int flags, struct kiln_err *err)
{
	char dir[PATH_MAX], tmp[PATH_MAX];

	if (temp_names(path, dir, tmp, err) == -1 ||
	    temp_write(path, tmp, data, len, mode, flags, 1, err) == -1 ||
	    temp_commit(tmp, path, flags, err) == -1)
		return -1;
	/* Make the rename itself durable. */
	return sync_dir(dir, 0, err);
}

struct kiln_file_staged {
	char *path, *tmp, *dir;
	int flags;
};

void
kiln_file_batch_init(struct kiln_file_batch *b)
{
	b->v = NULL;
	b->n = 0;
	b->cap = 0;
}

void
kiln_file_batch_free(struct kiln_file_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		if (b->v[i].tmp != NULL)
			(void)unlink(b->v[i].tmp); /* never committed */
		free(b->v[i].path);
		free(b->v[i].tmp);
		free(b->v[i].dir);
	}
	free(b->v);
	kiln_file_batch_init(b);
}

int
kiln_file_batch_add(struct kiln_file_batch *b, const char *path,
    const void *data, size_t len, mode_t mode, int flags,
    struct kiln_err *err)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	struct kiln_file_staged *e, *v;

	if (b->n == b->cap) {
		size_t cap = b->cap == 0 ? 16 : 2 * b->cap;

		if ((v = realloc(b->v, cap * sizeof(*v))) == NULL)
			return kiln_err_set(err, KILN_ENOMEM, "out of memory");
		b->v = v;
		b->cap = cap;
	}
	if (temp_names(path, dir, tmp, err) == -1 ||
	    temp_write(path, tmp, data, len, mode, flags, 0, err) == -1)
		return -1;
	e = &b->v[b->n];
	e->flags = flags;
	e->path = strdup(path);
	e->tmp = strdup(tmp);
	e->dir = strdup(dir);
	if (e->path == NULL || e->tmp == NULL || e->dir == NULL) {
		(void)unlink(tmp);
		free(e->path);
		free(e->tmp);
		free(e->dir);
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	}
	b->n++; /* kiln_file_batch_free() removes the temporary */
	return 0;
}

/* syncfs once per file system the batch's folders are on. */
static int
sync_batch(const struct kiln_file_batch *b, struct kiln_err *err)
{
	dev_t *done;
	size_t i, j, n = 0;
	struct stat st;
	int rc = -1;

	if (b->n == 0)
		return 0;
	if ((done = calloc(b->n, sizeof(*done))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	for (i = 0; i < b->n; i++) {
		if (stat(b->v[i].dir, &st) == -1) {
			kiln_err_sys(err, "%s", b->v[i].dir);
			goto cleanup;
		}
		for (j = 0; j < n && done[j] != st.st_dev; j++)
			;
		if (j < n)
			continue;
		if (sync_dir(b->v[i].dir, 1, err) == -1)
			goto cleanup;
		done[n++] = st.st_dev;
	}
	rc = 0;
cleanup:
	free(done);
	return rc;
}

int
kiln_file_batch_commit(struct kiln_file_batch *b, struct kiln_err *err)
{
	size_t i;

	/* Every temporary's contents on disk before any is renamed. */
	if (sync_batch(b, err) == -1)
		return -1;
	for (i = 0; i < b->n; i++) {
		char *tmp = b->v[i].tmp;

		b->v[i].tmp = NULL; /* temp_commit removes it on failure */
		if (temp_commit(tmp, b->v[i].path, b->v[i].flags, err) == -1) {
			free(tmp);
			return -1;
		}
		free(tmp);
	}
	/* And the renames. */
	return sync_batch(b, err);
}

int
kiln_file_path(
    char *path, const char *base, const char *suffix, struct kiln_err *err)
{
	int n = snprintf(path, PATH_MAX, "%s%s", base, suffix);

	/* The name itself would fill the message: show its start only. */
	if (n < 0 || n >= PATH_MAX)
		return kiln_err_set(err, KILN_EINVAL,
		    "%.40s...%s: path too long (%zu bytes)", base, suffix,
		    strlen(base) + strlen(suffix));
	return 0;
}
