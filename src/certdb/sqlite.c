/*
 * The certificate database on SQLite: cfssl master's schema (blob and
 * timestamp columns), every value bound as TEXT as cfssl's Go driver
 * binds its strings, so that cfssl's own queries, which bind TEXT, find
 * kiln's rows (a BLOB never equals a TEXT in SQLite).
 *
 * A handle writes through the file's one writer in this process
 * (sqlwriter.c), which runs the statements below inside its group's
 * transaction, and reads through a read-only connection of its own: in
 * WAL mode a reader never waits for the writer's sync, nor the writer
 * for a reader, and a CRL read over the whole table holds no lock the
 * writes need.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "certdb/certdb_impl.h"
#include "kiln/file.h"

/*
 * How long a write waits for another process's lock (cfssl's revoke, a
 * second kiln), in milliseconds.  Within one process there is one
 * writer, so this never sleeps on kiln's own writes.
 */
#define BUSY_TIMEOUT_MS 30000

/* clang-format off */
#define ROW_COLUMNS \
    "serial_number, authority_key_identifier, ca_label, status, reason," \
    " expiry, revoked_at, pem, issued_at, not_before, sans, common_name"
/* clang-format on */

/* The database's own message for the failure of "what". */
int
certdb_lite_err(sqlite3 *c, const char *what, struct kiln_err *err)
{
	return kiln_err_set(err, KILN_EIO, "certdb: %s: %s", what,
	    c != NULL ? sqlite3_errmsg(c) : "out of memory");
}

int
certdb_lite_exec(sqlite3 *c, const char *sql, struct kiln_err *err)
{
	if (sqlite3_exec(c, sql, NULL, NULL, NULL) != SQLITE_OK)
		return certdb_lite_err(c, sql, err);
	return 0;
}

int
certdb_lite_prepare(
    sqlite3 *c, const char *sql, sqlite3_stmt **st, struct kiln_err *err)
{
	if (sqlite3_prepare_v2(c, sql, -1, st, NULL) != SQLITE_OK)
		return certdb_lite_err(c, "prepare", err);
	return 0;
}

int
certdb_lite_bind(sqlite3_stmt *st, int i, const char *s, size_t len)
{
	return sqlite3_bind_text(st, i, s, (int)len, SQLITE_TRANSIENT);
}

/*
 * The file "path", as kiln's file rules have it: a symbolic link or a
 * file with other names (hard links) is refused; a missing file is
 * created empty with mode 0600 through the one atomic writer.  Its
 * device and inode go to "st".  Returns 0 or -1.
 */
static int
check_file(const char *path, struct stat *st, struct kiln_err *err)
{
	struct kiln_err werr = {0};
	char dir[PATH_MAX];
	struct stat none;
	const char *base;
	int dfd = -1, rc = -1;

	if (kiln_path_split(path, dir, &base, err) == -1)
		return -1;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		kiln_err_sys(err, "certdb: %s", dir);
		goto cleanup;
	}
	if (fstatat(dfd, base, st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno != ENOENT) {
			kiln_err_sys(err, "certdb: %s", path);
			goto cleanup;
		}
		memset(&none, 0, sizeof(none));
		/* KILN_EEXIST: another kiln made it just now. */
		if (kiln_file_write_at(dfd, base, path, "", 0, 0600,
		        KILN_WRITE_EXCL, &none, &werr) == -1 &&
		    werr.code != KILN_EEXIST) {
			kiln_err_pass(err, &werr);
			goto cleanup;
		}
		if (fstatat(dfd, base, st, AT_SYMLINK_NOFOLLOW) == -1) {
			kiln_err_sys(err, "certdb: %s", path);
			goto cleanup;
		}
	}
	if (S_ISLNK(st->st_mode)) {
		kiln_err_set(err, KILN_EINVAL,
		    "certdb: %s: is a symbolic link, refused", path);
		goto cleanup;
	}
	if (!S_ISREG(st->st_mode)) {
		kiln_err_set(
		    err, KILN_EINVAL, "certdb: %s: not a regular file", path);
		goto cleanup;
	}
	if (st->st_nlink != 1) {
		kiln_err_set(err, KILN_EINVAL,
		    "certdb: %s: has %ju names (hard links), refused", path,
		    (uintmax_t)st->st_nlink);
		goto cleanup;
	}
	rc = 0;
cleanup:
	if (dfd != -1)
		close(dfd);
	return rc;
}

int
certdb_lite_file(const char *path, dev_t *dev, ino_t *ino, struct kiln_err *err)
{
	struct stat st;

	if (check_file(path, &st, err) == -1)
		return -1;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return 0;
}

int
certdb_lite_open(const char *path, sqlite3 **out, dev_t *dev, ino_t *ino,
    struct kiln_err *err)
{
	struct stat before, after;
	sqlite3 *c = NULL;
	int rc = -1;

	*out = NULL;
	if (check_file(path, &before, err) == -1)
		return -1;
	/* NOFOLLOW: a link swapped in since the check is refused too. */
	if (sqlite3_open_v2(path, &c,
	        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW |
	            SQLITE_OPEN_NOMUTEX,
	        NULL) != SQLITE_OK) {
		certdb_lite_err(c, path, err);
		goto cleanup;
	}
	if (lstat(path, &after) == -1) {
		kiln_err_sys(err, "certdb: %s", path);
		goto cleanup;
	}
	if (after.st_dev != before.st_dev || after.st_ino != before.st_ino) {
		kiln_err_set(err, KILN_EINVAL,
		    "certdb: %s: replaced while it was opened, refused", path);
		goto cleanup;
	}
	sqlite3_extended_result_codes(c, 1);
	if (sqlite3_busy_timeout(c, BUSY_TIMEOUT_MS) != SQLITE_OK) {
		certdb_lite_err(c, "busy timeout", err);
		goto cleanup;
	}
	*dev = before.st_dev;
	*ino = before.st_ino;
	*out = c;
	c = NULL; /* owned by out */
	rc = 0;
cleanup:
	sqlite3_close_v2(c);
	return rc;
}

int
certdb_sqlite_open(
    struct kiln_certdb *db, const char *path, struct kiln_err *err)
{
	dev_t wdev, dev;
	ino_t wino, ino;

	if (certdb_writer_get(&db->w, path, err) == -1)
		return -1;
	if (certdb_lite_open(path, &db->lite, &dev, &ino, err) == -1)
		return -1;
	certdb_writer_file(db->w, &wdev, &wino);
	if (dev != wdev || ino != wino)
		return kiln_err_set(err, KILN_EINVAL,
		    "certdb: %s: replaced while it was opened, refused", path);
	/* Reads only: every write goes through the one writer. */
	return certdb_lite_exec(db->lite, "PRAGMA query_only=1", err);
}

void
certdb_sqlite_close(struct kiln_certdb *db)
{
	sqlite3_close_v2(db->lite);
	db->lite = NULL;
	certdb_writer_put(db->w);
	db->w = NULL;
}

/* The writes, each run by the writer inside its group's transaction. */

static int
lite_insert(sqlite3 *c, const struct kiln_certdb_row *r, struct kiln_err *err)
{
	static const char sql[] =
	    "INSERT INTO certificates (" ROW_COLUMNS
	    ", metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'null')";
	char expiry[CERTDB_TIME_MAX], revoked[CERTDB_TIME_MAX];
	char issued[CERTDB_TIME_MAX], nb[CERTDB_TIME_MAX], reason[16];
	sqlite3_stmt *st = NULL;
	int rc = -1, r2;

	certdb_time_format(r->expiry, expiry);
	certdb_time_format(r->revoked_at, revoked);
	certdb_time_format(r->issued_at, issued);
	certdb_time_format(r->not_before, nb);
	snprintf(reason, sizeof(reason), "%d", r->reason);
	if (certdb_lite_prepare(c, sql, &st, err) == -1)
		return -1;
	certdb_lite_bind(st, 1, r->serial, strlen(r->serial));
	certdb_lite_bind(st, 2, r->aki, strlen(r->aki));
	certdb_lite_bind(st, 3, r->ca_label, strlen(r->ca_label));
	certdb_lite_bind(st, 4, r->status, strlen(r->status));
	certdb_lite_bind(st, 5, reason, strlen(reason));
	certdb_lite_bind(st, 6, expiry, strlen(expiry));
	certdb_lite_bind(st, 7, revoked, strlen(revoked));
	certdb_lite_bind(st, 8, (const char *)r->pem.p, r->pem.len);
	certdb_lite_bind(st, 9, issued, strlen(issued));
	certdb_lite_bind(st, 10, nb, strlen(nb));
	certdb_lite_bind(st, 11,
	    r->sans.len > 0 ? (const char *)r->sans.p : "[]",
	    r->sans.len > 0 ? r->sans.len : 2);
	certdb_lite_bind(st, 12, r->common_name, strlen(r->common_name));
	r2 = sqlite3_step(st);
	if (r2 == SQLITE_CONSTRAINT_PRIMARYKEY ||
	    r2 == SQLITE_CONSTRAINT_UNIQUE)
		kiln_err_set(err, KILN_EEXIST,
		    "certdb: certificate %s of key id %s: already recorded",
		    r->serial, r->aki);
	else if (r2 != SQLITE_DONE)
		certdb_lite_err(c, "insert", err);
	else
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

static int
lite_revoke(sqlite3 *c, const char *serial, const char *aki, int reason,
    int64_t now, struct kiln_err *err)
{
	static const char sql[] =
	    "UPDATE certificates SET status='revoked',"
	    " revoked_at=?, reason=? WHERE (serial_number = ? AND"
	    " authority_key_identifier = ?)";
	char at[CERTDB_TIME_MAX], code[16];
	sqlite3_stmt *st = NULL;
	int rc = -1;

	certdb_time_format(now, at);
	snprintf(code, sizeof(code), "%d", reason);
	if (certdb_lite_prepare(c, sql, &st, err) == -1)
		return -1;
	certdb_lite_bind(st, 1, at, strlen(at));
	certdb_lite_bind(st, 2, code, strlen(code));
	certdb_lite_bind(st, 3, serial, strlen(serial));
	certdb_lite_bind(st, 4, aki, strlen(aki));
	if (sqlite3_step(st) != SQLITE_DONE)
		certdb_lite_err(c, "revoke", err);
	else if (sqlite3_changes(c) == 0)
		kiln_err_set(err, KILN_EINVAL, "certificate not found");
	else
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

/*
 * Claim: a new row, or an expired one taken over; a row not expired at
 * "now" is left alone, and then nothing changed (1).
 */
static int
lite_claim(sqlite3 *c, const char *key, const unsigned char *hash, int64_t now,
    int64_t expiry, struct kiln_err *err)
{
	static const char sql[] =
	    "INSERT INTO kiln_tokens (key_name, token, expiry)"
	    " VALUES (?1, ?2, ?3) ON CONFLICT (key_name, token)"
	    " DO UPDATE SET expiry = excluded.expiry"
	    " WHERE kiln_tokens.expiry <= ?4";
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (certdb_lite_prepare(c, sql, &st, err) == -1)
		return -1;
	certdb_lite_bind(st, 1, key, strlen(key));
	sqlite3_bind_blob(st, 2, hash, 32, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, expiry);
	sqlite3_bind_int64(st, 4, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		certdb_lite_err(c, "claim", err);
	else
		rc = sqlite3_changes(c) == 1 ? 0 : 1;
	sqlite3_finalize(st);
	return rc;
}

/* Release: only the claim of this expiry (not one taken over since). */
static int
lite_release(sqlite3 *c, const char *key, const unsigned char *hash,
    int64_t expiry, struct kiln_err *err)
{
	static const char sql[] =
	    "DELETE FROM kiln_tokens WHERE key_name = ?1 AND token = ?2"
	    " AND expiry = ?3";
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (certdb_lite_prepare(c, sql, &st, err) == -1)
		return -1;
	certdb_lite_bind(st, 1, key, strlen(key));
	sqlite3_bind_blob(st, 2, hash, 32, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, expiry);
	if (sqlite3_step(st) != SQLITE_DONE)
		certdb_lite_err(c, "release", err);
	else
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

int
certdb_lite_prune(sqlite3 *c, int64_t now, struct kiln_err *err)
{
	/* The index on expiry bounds the work to the rows deleted. */
	static const char sql[] =
	    "DELETE FROM kiln_tokens WHERE rowid IN (SELECT rowid FROM"
	    " kiln_tokens WHERE expiry <= ?1 ORDER BY expiry LIMIT ?2)";
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (certdb_lite_prepare(c, sql, &st, err) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, CERTDB_PRUNE_MAX);
	if (sqlite3_step(st) != SQLITE_DONE)
		certdb_lite_err(c, "prune", err);
	else
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

void
certdb_lite_op(sqlite3 *c, struct certdb_op *op)
{
	switch (op->kind) {
	case CERTDB_OP_INSERT:
		op->rc = lite_insert(c, op->row, &op->err);
		break;
	case CERTDB_OP_REVOKE:
		op->rc = lite_revoke(
		    c, op->serial, op->aki, op->reason, op->now, &op->err);
		break;
	case CERTDB_OP_CLAIM:
		op->rc = lite_claim(
		    c, op->key, op->hash, op->now, op->expiry, &op->err);
		break;
	case CERTDB_OP_RELEASE:
		op->rc =
		    lite_release(c, op->key, op->hash, op->expiry, &op->err);
		break;
	}
}

/* What the API's writes hand to the writer. */

int
certdb_sqlite_insert(struct kiln_certdb *db, const struct kiln_certdb_row *r,
    struct kiln_err *err)
{
	struct certdb_op op = {.kind = CERTDB_OP_INSERT, .row = r};

	return certdb_writer_run(db->w, &op, err);
}

int
certdb_sqlite_revoke(struct kiln_certdb *db, const char *serial,
    const char *aki, int reason, time_t now, struct kiln_err *err)
{
	struct certdb_op op = {.kind = CERTDB_OP_REVOKE,
	    .serial = serial,
	    .aki = aki,
	    .reason = reason,
	    .now = (int64_t)now};

	return certdb_writer_run(db->w, &op, err);
}

int
certdb_sqlite_claim(struct kiln_certdb *db, const char *key,
    const unsigned char hash[32], int64_t now, int64_t expiry,
    struct kiln_err *err)
{
	struct certdb_op op = {.kind = CERTDB_OP_CLAIM,
	    .key = key,
	    .hash = hash,
	    .now = now,
	    .expiry = expiry};

	return certdb_writer_run(db->w, &op, err);
}

int
certdb_sqlite_release(struct kiln_certdb *db, const char *key,
    const unsigned char hash[32], int64_t expiry, struct kiln_err *err)
{
	struct certdb_op op = {.kind = CERTDB_OP_RELEASE,
	    .key = key,
	    .hash = hash,
	    .expiry = expiry};

	return certdb_writer_run(db->w, &op, err);
}

/* Column "i" as text ("" for NULL) into "out" of "cap" bytes. */
static int
col_str(sqlite3_stmt *st, int i, char *out, size_t cap, const char *name,
    struct kiln_err *err)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	size_t n = (size_t)sqlite3_column_bytes(st, i);

	if (s == NULL)
		n = 0;
	if (n >= cap || (n > 0 && memchr(s, '\0', n) != NULL))
		return kiln_err_set(err, KILN_EINVAL,
		    "certdb: a row's %s is not a %zu-byte string", name,
		    cap - 1);
	memcpy(out, n > 0 ? (const char *)s : "", n);
	out[n] = '\0';
	return 0;
}

static int
col_buf(sqlite3_stmt *st, int i, struct kiln_buf *out, struct kiln_err *err)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	size_t n = (size_t)sqlite3_column_bytes(st, i);

	out->len = 0;
	if (s != NULL && kiln_buf_append(out, s, n, err) == -1)
		return -1;
	return kiln_buf_terminate(out, err);
}

static int
col_time(sqlite3_stmt *st, int i, int64_t *out, const char *name,
    struct kiln_err *err)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	*out = 0;
	if (s == NULL)
		return 0;
	if (certdb_time_parse(s, out) == -1)
		return kiln_err_set(err, KILN_EINVAL,
		    "certdb: a row's %s is not a time: \"%.40s\"", name, s);
	return 0;
}

/* The ROW_COLUMNS of the current result row into "r". */
static int
read_row(sqlite3_stmt *st, struct kiln_certdb_row *r, struct kiln_err *err)
{
	if (col_str(st, 0, r->serial, sizeof(r->serial), "serial_number",
	        err) == -1 ||
	    col_str(st, 1, r->aki, sizeof(r->aki), "authority_key_identifier",
	        err) == -1 ||
	    col_str(st, 2, r->ca_label, sizeof(r->ca_label), "ca_label", err) ==
	        -1 ||
	    col_str(st, 3, r->status, sizeof(r->status), "status", err) == -1)
		return -1;
	r->reason = sqlite3_column_int(st, 4);
	if (col_time(st, 5, &r->expiry, "expiry", err) == -1 ||
	    col_time(st, 6, &r->revoked_at, "revoked_at", err) == -1 ||
	    col_buf(st, 7, &r->pem, err) == -1 ||
	    col_time(st, 8, &r->issued_at, "issued_at", err) == -1 ||
	    col_time(st, 9, &r->not_before, "not_before", err) == -1 ||
	    col_buf(st, 10, &r->sans, err) == -1 ||
	    col_str(st, 11, r->common_name, sizeof(r->common_name),
	        "common_name", err) == -1)
		return -1;
	return 0;
}

int
certdb_sqlite_get(struct kiln_certdb *db, const char *serial, const char *aki,
    struct kiln_certdb_row *r, struct kiln_err *err)
{
	static const char sql[] =
	    "SELECT " ROW_COLUMNS " FROM certificates"
	    " WHERE (serial_number = ? AND authority_key_identifier = ?)";
	sqlite3_stmt *st = NULL;
	int rc = -1, r2;

	if (certdb_lite_prepare(db->lite, sql, &st, err) == -1)
		return -1;
	certdb_lite_bind(st, 1, serial, strlen(serial));
	certdb_lite_bind(st, 2, aki, strlen(aki));
	r2 = sqlite3_step(st);
	if (r2 == SQLITE_DONE)
		rc = 0;
	else if (r2 != SQLITE_ROW)
		certdb_lite_err(db->lite, "select", err);
	else if (read_row(st, r, err) == 0)
		rc = 1;
	sqlite3_finalize(st);
	return rc;
}

int
certdb_sqlite_each_revoked(struct kiln_certdb *db, time_t now, const char *aki,
    int (*each)(void *, const struct kiln_certdb_row *), void *cls,
    struct kiln_err *err)
{
	/*
	 * The expiry is compared here, not in SQL: SQLite compares the
	 * text, and a "T" written by another tool sorts after a space.
	 */
	static const char sql[] =
	    "SELECT " ROW_COLUMNS " FROM certificates"
	    " WHERE status = 'revoked' AND (? IS NULL OR"
	    " authority_key_identifier = ?)"
	    " ORDER BY length(serial_number), serial_number";
	struct kiln_certdb_row r;
	sqlite3_stmt *st = NULL;
	int rc = -1, r2;

	kiln_certdb_row_init(&r);
	if (certdb_lite_prepare(db->lite, sql, &st, err) == -1)
		goto cleanup;
	if (aki != NULL) {
		certdb_lite_bind(st, 1, aki, strlen(aki));
		certdb_lite_bind(st, 2, aki, strlen(aki));
	}
	while ((r2 = sqlite3_step(st)) == SQLITE_ROW) {
		if (read_row(st, &r, err) == -1)
			goto cleanup;
		if (r.expiry > (int64_t)now && (rc = each(cls, &r)) != 0)
			goto cleanup;
	}
	if (r2 != SQLITE_DONE) {
		certdb_lite_err(db->lite, "select", err);
		goto cleanup;
	}
	rc = 0;
cleanup:
	sqlite3_finalize(st);
	kiln_certdb_row_free(&r);
	return rc;
}
