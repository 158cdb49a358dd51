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

int
kiln_file_write(const char *path, const void *data, size_t len, mode_t mode,
    int flags, struct kiln_err *err)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	struct stat old;
	int fd = -1, dfd = -1, rc = -1, created = 0;

	if (temp_names(path, dir, tmp, err) == -1)
		return -1;
	if ((fd = mkstemp(tmp)) == -1) {
		kiln_err_sys(err, "%s", path);
		goto cleanup;
	}
	created = 1;
	if (fchmod(fd, mode) == -1 || write_all(fd, data, len) == -1 ||
	    fsync(fd) == -1) {
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
	if (close(fd) == -1) {
		fd = -1;
		kiln_err_sys(err, "%s", path);
		goto cleanup;
	}
	fd = -1;
	if (flags & KILN_WRITE_EXCL) {
		if (link(tmp, path) == -1) {
			if (errno == EEXIST)
				kiln_err_set(err, KILN_EEXIST,
				    "%s: already exists", path);
			else
				kiln_err_sys(err, "%s", path);
			goto cleanup;
		}
		(void)unlink(tmp);
	} else if (rename(tmp, path) == -1) {
		kiln_err_sys(err, "%s", path);
		goto cleanup;
	}
	created = 0;
	/* Make the rename itself durable. */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fsync(dfd) == -1) {
		kiln_err_sys(err, "%s", dir);
		goto cleanup;
	}
	rc = 0;
cleanup:
	if (fd != -1)
		close(fd);
	if (dfd != -1)
		close(dfd);
	if (created)
		(void)unlink(tmp);
	return rc;
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
