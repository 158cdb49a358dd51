/*
 * Reading whole files and the one atomic writer.  Every file kiln writes
 * goes through kiln_file_write(), or its batch form for many files.
 */
#ifndef KILN_FILE_H
#define KILN_FILE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "kiln/buf.h"
#include "kiln/err.h"

/* Largest input kiln reads: far above any certificate, key or config. */
#define KILN_FILE_MAX (64u * 1024 * 1024)

/* kiln_file_write() flags */
#define KILN_WRITE_EXCL 0x1       /* refuse to replace an existing file */
#define KILN_WRITE_KEEP_OWNER 0x2 /* the replaced file's owner and group */

/*
 * Read the whole of "path" ("-" is standard input) into "out", which must
 * be empty, and keep a NUL after the contents (not counted in out->len).
 * Returns 0, or -1 with "err" naming the path (KILN_EIO, or KILN_EINVAL
 * for a directory or a file larger than KILN_FILE_MAX).
 */
int kiln_file_read(const char *, struct kiln_buf *, struct kiln_err *);

/*
 * Write "len" bytes to "path" atomically with permissions "mode": a
 * temporary file in the same folder is created, set to "mode" with
 * fchmod (so neither the umask nor an existing file's mode matters),
 * written, fsync'ed and renamed over "path", and the folder is fsync'ed.
 * A symbolic link at "path" is replaced, never written through.  With
 * KILN_WRITE_EXCL an existing "path" is left alone and the call fails
 * with KILN_EEXIST.  With KILN_WRITE_KEEP_OWNER the new file gets the
 * owner of the regular file at "path", if any (never of what a link
 * there names).  On failure no temporary file is left behind.
 * Returns 0 or -1.
 */
int kiln_file_write(
    const char *, const void *, size_t, mode_t, int, struct kiln_err *);

/*
 * Split "path" into its folder, written to "dir" (PATH_MAX bytes; "." if
 * none, "/" for the root), and its last component, "*base" pointing into
 * "path".  Returns 0, or -1 with KILN_EINVAL naming "path" when the last
 * component is empty, "." or "..", or longer than NAME_MAX, or the folder
 * is longer than PATH_MAX.
 */
int kiln_path_split(const char *, char *, const char **, struct kiln_err *);

/*
 * Open the folder "rel" under the folder "at" (AT_FDCWD: the current
 * one), following no symbolic link on the way: each component is opened
 * with O_NOFOLLOW|O_DIRECTORY, so a link planted anywhere below "at" is
 * refused, naming it.  With "create", missing folders are made with
 * "mode".  "rel" may be "." and must not be absolute nor hold "..".
 * Returns the folder's descriptor (O_CLOEXEC), or -1 with "err" filled.
 */
int kiln_dir_open(int, const char *, int, mode_t, struct kiln_err *);

/*
 * Read the file "name" of the folder "dfd" into "out" (empty; a NUL is
 * kept after the contents) and its status into "st": the file is opened
 * with O_NOFOLLOW|O_NONBLOCK and must be a regular file with a single
 * link, so a symbolic link, a FIFO, a device, a folder or a hard link is
 * refused with one line naming "shown" (the path to print) and what it is.
 * Returns 0, or -1 with "err" filled (KILN_EIO with err->sys ENOENT when
 * nothing is there).
 */
int kiln_file_read_at(int, const char *, const char *, struct kiln_buf *,
    struct stat *, struct kiln_err *);

/*
 * kiln_file_write() of "name" in the folder "dfd" ("shown" is the path to
 * print): the temporary is created in "dfd" and renamed (linked, with
 * KILN_WRITE_EXCL) there, so nothing is written outside that folder.
 * With "expect" (non-NULL) the name must still be the file "expect"
 * describes (same device and inode, as read by kiln_file_read_at), or,
 * when expect->st_ino is 0, still nothing: a file swapped or a link
 * planted in between is refused, not replaced.  With
 * KILN_WRITE_KEEP_OWNER the new file gets expect's owner and group (never
 * looked up again by name).  Returns 0 or -1.
 */
int kiln_file_write_at(int, const char *, const char *, const void *, size_t,
    mode_t, int, const struct stat *, struct kiln_err *);

/*
 * Many files written as one, for two flushes of the disk rather than two
 * per file, with kiln_file_write()'s guarantees for each: at its path
 * there is the old file or the complete new one, never a part.
 * kiln_file_batch_add() writes a file's temporary next to it (mode and
 * flags as for kiln_file_write()); kiln_file_batch_commit() makes every
 * temporary durable (syncfs(2) once per file system), puts each at its
 * path in the order added, and syncs again so the renames are durable.
 * If a commit fails part way, the files before the failure are in place
 * and the rest are not.  kiln_file_batch_free() removes every temporary
 * not committed, so a batch given up before its commit writes nothing.
 */
struct kiln_file_staged;
struct kiln_file_batch {
	struct kiln_file_staged *v;
	size_t n, cap;
};

/* Make "b" empty.  Cannot fail. */
void kiln_file_batch_init(struct kiln_file_batch *);

/* Remove the temporaries not committed, and release "b". */
void kiln_file_batch_free(struct kiln_file_batch *);

/* Returns 0 or -1 (the temporary is then removed). */
int kiln_file_batch_add(struct kiln_file_batch *, const char *, const void *,
    size_t, mode_t, int, struct kiln_err *);

/*
 * kiln_file_batch_add() of "name" in the folder "dfd", which the batch
 * borrows: keep it open until the batch is committed or freed.  "shown"
 * is the path to print.  As with kiln_file_write_at(), the temporary and
 * the rename stay in "dfd", and with "expect" (copied) the commit refuses
 * to replace a name that is no longer that file (or, with st_ino 0, no
 * longer absent).  Returns 0 or -1.
 */
int kiln_file_batch_add_at(struct kiln_file_batch *, int, const char *,
    const char *, const void *, size_t, mode_t, int, const struct stat *,
    struct kiln_err *);

/* Returns 0 or -1. */
int kiln_file_batch_commit(struct kiln_file_batch *, struct kiln_err *);

/*
 * "base" followed by "suffix" into "path" (PATH_MAX bytes); a name that
 * does not fit is an error, never a silently shortened file name.
 * Returns 0 or -1.
 */
int kiln_file_path(char *, const char *, const char *, struct kiln_err *);

#endif /* KILN_FILE_H */
