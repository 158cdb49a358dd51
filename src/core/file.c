/* syncfs(2), for kiln_file_batch_commit. */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kiln/file.h"

int
kiln_path_split(const char *path, char *dir, const char **base,
    struct kiln_err *err)
{
	const char *slash = strrchr(path, '/');
	size_t dlen = slash != NULL ? (size_t)(slash - path) : 0;

	*base = slash != NULL ? slash + 1 : path;
	if (**base == '\0' || strcmp(*base, ".") == 0 ||
	    strcmp(*base, "..") == 0)
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: not a file name", path);
	if (strlen(*base) > NAME_MAX)
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: file name too long", path);
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
	return 0;
}

/* What a file that is not a plain file is, for a message. */
static const char *
file_kind(mode_t m)
{
	return S_ISLNK(m)    ? "a symbolic link"
	       : S_ISREG(m)  ? "a file"
	       : S_ISDIR(m)  ? "a directory"
	       : S_ISFIFO(m) ? "a FIFO"
	       : S_ISCHR(m) || S_ISBLK(m) ? "a device"
	       : S_ISSOCK(m) ? "a socket"
	                     : "not a regular file";
}

int
kiln_dir_open(int at, const char *rel, int create, mode_t mode,
    struct kiln_err *err)
{
	char comp[NAME_MAX + 1];
	const char *p = rel, *e;
	struct stat st;
	int fd, next;
	size_t n;

	if (rel[0] == '/')
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: not a relative folder", rel);
	if ((fd = openat(at, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return kiln_err_sys(err, "%s", rel);
	while (*p != '\0') {
		for (e = p; *e != '\0' && *e != '/'; e++)
			;
		n = (size_t)(e - p);
		if (n == 0 || (n == 1 && p[0] == '.')) {
			p = *e == '/' ? e + 1 : e;
			continue;
		}
		if (n > NAME_MAX || (n == 2 && p[0] == '.' && p[1] == '.')) {
			close(fd);
			return kiln_err_set(err, KILN_EINVAL,
			    "%s: %s", rel,
			    n > NAME_MAX ? "file name too long"
			                 : "\"..\" is not allowed");
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		if (create && mkdirat(fd, comp, mode) == -1 && errno != EEXIST) {
			kiln_err_sys(err, "%.*s", (int)(e - rel), rel);
			close(fd);
			return -1;
		}
		next = openat(fd, comp,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next == -1) {
			int saved = errno;

			if ((saved == ELOOP || saved == ENOTDIR) &&
			    fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0)
				kiln_err_set(err, KILN_EINVAL,
				    "%.*s: %s, not a folder", (int)(e - rel),
				    rel, file_kind(st.st_mode));
			else {
				errno = saved;
				kiln_err_sys(err, "%.*s", (int)(e - rel), rel);
			}
			close(fd);
			return -1;
		}
		close(fd);
		fd = next;
		p = *e == '/' ? e + 1 : e;
	}
	return fd;
}

/* Read all of "fd" into "out", keeping a NUL after it. */
static int
read_fd(int fd, const char *shown, struct kiln_buf *out, struct kiln_err *err)
{
	ssize_t n;

	for (;;) {
		if (kiln_buf_reserve(out, 4096, err) == -1)
			return -1;
		n = read(fd, out->p + out->len, out->cap - out->len - 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return kiln_err_sys(err, "%s", shown);
		if (n == 0)
			break;
		out->len += (size_t)n;
		if (out->len > KILN_FILE_MAX)
			return kiln_err_set(err, KILN_EINVAL,
			    "%s: larger than %u bytes", shown, KILN_FILE_MAX);
	}
	out->p[out->len] = '\0';
	return 0;
}

int
kiln_file_read(const char *path, struct kiln_buf *out, struct kiln_err *err)
{
	int fd = -1, rc = -1;
	struct stat st;

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
	if (read_fd(fd, path, out, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	if (fd != -1 && fd != STDIN_FILENO)
		close(fd);
	if (rc == -1)
		kiln_buf_free(out);
	return rc;
}

int
kiln_file_read_at(int dfd, const char *name, const char *shown,
    struct kiln_buf *out, struct stat *st, struct kiln_err *err)
{
	int fd, rc = -1;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		int saved = errno;

		/* O_NOFOLLOW on a link: ELOOP; say what it is. */
		if (saved == ELOOP &&
		    fstatat(dfd, name, st, AT_SYMLINK_NOFOLLOW) == 0)
			return kiln_err_set(err, KILN_EINVAL,
			    "%s: %s, refused", shown, file_kind(st->st_mode));
		errno = saved;
		return kiln_err_sys(err, "%s", shown);
	}
	if (fstat(fd, st) == -1) {
		kiln_err_sys(err, "%s", shown);
		goto cleanup;
	}
	if (!S_ISREG(st->st_mode)) {
		kiln_err_set(err, KILN_EINVAL, "%s: %s, refused", shown,
		    file_kind(st->st_mode));
		goto cleanup;
	}
	if (st->st_nlink != 1) {
		kiln_err_set(err, KILN_EINVAL,
		    "%s: has %ju hard links, refused", shown,
		    (uintmax_t)st->st_nlink);
		goto cleanup;
	}
	if (read_fd(fd, shown, out, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	close(fd);
	if (rc == -1)
		kiln_buf_free(out);
	return rc;
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
 * A new, empty file ".NAME.XXXXXX" in "dfd", mode 0600, its name into
 * "tmp" (NAME_MAX + 1 bytes): mkstemp(3) relative to a folder.
 */
static int
temp_create(int dfd, const char *name, char *tmp, struct kiln_err *err)
{
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	                          "qrstuvwxyz0123456789";
	unsigned char r[6];
	size_t n = strlen(name), i;
	int fd, tries;

	/* ".NAME.XXXXXX": the name is cut to keep within NAME_MAX. */
	if (n > NAME_MAX - 8)
		n = NAME_MAX - 8;
	for (tries = 0; tries < 100; tries++) {
		if (getentropy(r, sizeof(r)) == -1)
			return kiln_err_sys(err, "getentropy");
		snprintf(tmp, NAME_MAX + 1, ".%.*s.", (int)n, name);
		for (i = 0; i < sizeof(r); i++)
			tmp[n + 2 + i] = set[r[i] % (sizeof(set) - 1)];
		tmp[n + 2 + sizeof(r)] = '\0';
		fd = openat(dfd, tmp,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd != -1 || errno != EEXIST)
			return fd;
	}
	errno = EEXIST;
	return -1;
}

/*
 * Create the temporary for "name" in "dfd" (its name into "tmp"), set to
 * "mode", owned as "owner" (NULL: as the caller), holding "data",
 * fsync'ed when "sync".  On failure it is removed.
 */
static int
temp_write(int dfd, const char *name, const char *shown, char *tmp,
    const void *data, size_t len, mode_t mode, const struct stat *owner,
    int sync, struct kiln_err *err)
{
	int fd, rc = -1;

	if ((fd = temp_create(dfd, name, tmp, err)) == -1)
		return kiln_err_sys(err, "%s", shown);
	if (fchmod(fd, mode) == -1 || write_all(fd, data, len) == -1 ||
	    (sync && fsync(fd) == -1)) {
		kiln_err_sys(err, "%s", shown);
		goto cleanup;
	}
	/* A renewed file keeps its owner, so etcd running as another user
	 * can still read it. */
	if (owner != NULL &&
	    (owner->st_uid != geteuid() || owner->st_gid != getegid()) &&
	    fchown(fd, owner->st_uid, owner->st_gid) == -1) {
		kiln_err_sys(err, "%s: cannot keep its owner", shown);
		goto cleanup;
	}
	rc = 0;
cleanup:
	if (close(fd) == -1 && rc == 0)
		rc = kiln_err_sys(err, "%s", shown);
	if (rc == -1)
		(void)unlinkat(dfd, tmp, 0);
	return rc;
}

/*
 * Whether "name" in "dfd" is still what "expect" describes: the same
 * file, never a link (or with st_ino 0, still nothing).
 */
static int
still_there(int dfd, const char *name, const char *shown,
    const struct stat *expect, struct kiln_err *err)
{
	struct stat now;

	if (fstatat(dfd, name, &now, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT && expect->st_ino == 0)
			return 0;
		if (errno != ENOENT)
			return kiln_err_sys(err, "%s", shown);
	} else if (expect->st_ino != 0 && now.st_dev == expect->st_dev &&
	           now.st_ino == expect->st_ino && S_ISREG(now.st_mode))
		return 0;
	return kiln_err_set(err, KILN_EINVAL,
	    "%s: changed while kiln worked on it (replaced, removed or "
	    "linked), refused",
	    shown);
}

/*
 * Put the temporary "tmp" at "name" in "dfd": renamed over it, or with
 * KILN_WRITE_EXCL linked there only if nothing is.  On failure "tmp" is
 * removed.
 */
static int
temp_commit(int dfd, const char *tmp, const char *name, const char *shown,
    int flags, struct kiln_err *err)
{
	if (!(flags & KILN_WRITE_EXCL)) {
		if (renameat(dfd, tmp, dfd, name) == 0)
			return 0;
		kiln_err_sys(err, "%s", shown);
	} else if (linkat(dfd, tmp, dfd, name, 0) == 0) {
		(void)unlinkat(dfd, tmp, 0);
		return 0;
	} else if (errno == EEXIST)
		kiln_err_set(err, KILN_EEXIST, "%s: already exists", shown);
	else
		kiln_err_sys(err, "%s", shown);
	(void)unlinkat(dfd, tmp, 0);
	return -1;
}

/* kiln_file_write_at(), the owner given apart from "expect". */
static int
write_at(int dfd, const char *name, const char *shown, const void *data,
    size_t len, mode_t mode, int flags, const struct stat *expect,
    const struct stat *owner, struct kiln_err *err)
{
	char tmp[NAME_MAX + 1];

	if (temp_write(dfd, name, shown, tmp, data, len, mode, owner, 1,
	        err) == -1)
		return -1;
	if (expect != NULL && still_there(dfd, name, shown, expect, err) == -1) {
		(void)unlinkat(dfd, tmp, 0);
		return -1;
	}
	if (temp_commit(dfd, tmp, name, shown, flags, err) == -1)
		return -1;
	/* Make the rename itself durable. */
	if (fsync(dfd) == -1)
		return kiln_err_sys(err, "%s", shown);
	return 0;
}

int
kiln_file_write_at(int dfd, const char *name, const char *shown,
    const void *data, size_t len, mode_t mode, int flags,
    const struct stat *expect, struct kiln_err *err)
{
	if (strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0 || name[0] == '\0')
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: not a file name", shown);
	return write_at(dfd, name, shown, data, len, mode, flags, expect,
	    (flags & KILN_WRITE_KEEP_OWNER) ? expect : NULL, err);
}

int
kiln_file_write(const char *path, const void *data, size_t len, mode_t mode,
    int flags, struct kiln_err *err)
{
	char dir[PATH_MAX];
	const char *base;
	struct stat st;
	int dfd, keep, rc;

	if (kiln_path_split(path, dir, &base, err) == -1)
		return -1;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return kiln_err_sys(err, "%s", path);
	/* KILN_WRITE_KEEP_OWNER: the owner of the plain file there now, if
	 * any; never of what a link there names. */
	keep = (flags & KILN_WRITE_KEEP_OWNER) &&
	       fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISREG(st.st_mode);
	rc = write_at(dfd, base, path, data, len, mode, flags, NULL,
	    keep ? &st : NULL, err);
	close(dfd);
	return rc;
}

struct kiln_file_staged {
	char *name, *shown;
	char tmp[NAME_MAX + 1]; /* "" once committed */
	int dfd, own_dfd;       /* own_dfd: opened here, closed at free */
	int flags;
	int has_expect; /* expect: what must still be at the name */
	struct stat expect;
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
		if (b->v[i].tmp[0] != '\0') /* never committed */
			(void)unlinkat(b->v[i].dfd, b->v[i].tmp, 0);
		if (b->v[i].own_dfd)
			close(b->v[i].dfd);
		free(b->v[i].name);
		free(b->v[i].shown);
	}
	free(b->v);
	kiln_file_batch_init(b);
}

/* Stage "name" in "dfd"; the batch closes "dfd" when "own_dfd". */
static int
batch_stage(struct kiln_file_batch *b, int dfd, int own_dfd,
    const char *name, const char *shown, const void *data, size_t len,
    mode_t mode, int flags, const struct stat *expect, struct kiln_err *err)
{
	struct kiln_file_staged *e, *v;

	if (b->n == b->cap) {
		size_t cap = b->cap == 0 ? 16 : 2 * b->cap;

		if ((v = realloc(b->v, cap * sizeof(*v))) == NULL) {
			if (own_dfd)
				close(dfd);
			return kiln_err_set(err, KILN_ENOMEM, "out of memory");
		}
		b->v = v;
		b->cap = cap;
	}
	e = &b->v[b->n];
	memset(e, 0, sizeof(*e));
	e->dfd = dfd;
	e->own_dfd = own_dfd;
	e->flags = flags;
	if ((e->has_expect = expect != NULL))
		e->expect = *expect;
	if ((e->name = strdup(name)) == NULL ||
	    (e->shown = strdup(shown)) == NULL) {
		free(e->name);
		if (own_dfd)
			close(dfd);
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	}
	b->n++; /* kiln_file_batch_free() releases it from here on */
	if (temp_write(dfd, name, shown, e->tmp, data, len, mode, NULL, 0,
	        err) == -1) {
		e->tmp[0] = '\0';
		return -1;
	}
	return 0;
}

int
kiln_file_batch_add(struct kiln_file_batch *b, const char *path,
    const void *data, size_t len, mode_t mode, int flags,
    struct kiln_err *err)
{
	char dir[PATH_MAX];
	const char *base;
	int dfd;

	if (kiln_path_split(path, dir, &base, err) == -1)
		return -1;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return kiln_err_sys(err, "%s", path);
	return batch_stage(
	    b, dfd, 1, base, path, data, len, mode, flags, NULL, err);
}

int
kiln_file_batch_add_at(struct kiln_file_batch *b, int dfd, const char *name,
    const char *shown, const void *data, size_t len, mode_t mode, int flags,
    const struct stat *expect, struct kiln_err *err)
{
	if (strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: not a file name", shown);
	return batch_stage(
	    b, dfd, 0, name, shown, data, len, mode, flags, expect, err);
}

/*
 * syncfs (with "whole") or fsync once per file system the batch's
 * folders are on.
 */
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
		if (fstat(b->v[i].dfd, &st) == -1) {
			kiln_err_sys(err, "%s", b->v[i].shown);
			goto cleanup;
		}
		for (j = 0; j < n && done[j] != st.st_dev; j++)
			;
		if (j < n)
			continue;
		if (syncfs(b->v[i].dfd) == -1) {
			kiln_err_sys(err, "%s", b->v[i].shown);
			goto cleanup;
		}
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
	char tmp[NAME_MAX + 1];
	size_t i;

	/* Every temporary's contents on disk before any is renamed. */
	if (sync_batch(b, err) == -1)
		return -1;
	for (i = 0; i < b->n; i++) {
		struct kiln_file_staged *e = &b->v[i];

		memcpy(tmp, e->tmp, sizeof(tmp));
		e->tmp[0] = '\0'; /* temp_commit removes it on failure */
		if (e->has_expect && still_there(e->dfd, e->name, e->shown,
		                         &e->expect, err) == -1) {
			(void)unlinkat(e->dfd, tmp, 0);
			return -1;
		}
		if (temp_commit(e->dfd, tmp, e->name, e->shown, e->flags,
		        err) == -1)
			return -1;
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
