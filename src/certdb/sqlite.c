/*
 * The certificate database on SQLite: cfssl master's schema (blob and
 * timestamp columns), every value bound as TEXT as cfssl's Go driver
 * binds its strings, so that cfssl's own queries, which bind TEXT, find
 * kiln's rows (a BLOB never equals a TEXT in SQLite).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "certdb/certdb_impl.h"
#include "kiln/file.h"

/* How long a writer waits for another's lock, in milliseconds. */
#define BUSY_TIMEOUT_MS 30000

/* clang-format off */
static const char create_sql[] =
    "CREATE TABLE certificates ("
    " serial_number blob NOT NULL,"
    " authority_key_identifier blob NOT NULL,"
    " ca_label blob,"
    " status blob NOT NULL,"
    " reason int,"
    " expiry timestamp,"
    " revoked_at timestamp,"
    " pem blob NOT NULL,"
    " issued_at timestamp,"
    " not_before timestamp,"
    " metadata text,"
    " sans text,"
    " common_name text,"
    " PRIMARY KEY(serial_number, authority_key_identifier));"
    "CREATE TABLE ocsp_responses ("
    " serial_number blob NOT NULL,"
    " authority_key_identifier blob NOT NULL,"
    " body blob NOT NULL,"
    " expiry timestamp,"
    " PRIMARY KEY(serial_number, authority_key_identifier),"
    " FOREIGN KEY(serial_number, authority_key_identifier)"
    " REFERENCES certificates(serial_number, authority_key_identifier));";

/* cfssl master's migration 002: the 5 columns 1.2.0 lacks. */
static const struct {
	const char *name, *type;
} added[] = {
	{ "issued_at", "timestamp" },
	{ "not_before", "timestamp" },
	{ "metadata", "text" },
	{ "sans", "text" },
	{ "common_name", "text" },
};

#define ROW_COLUMNS \
    "serial_number, authority_key_identifier, ca_label, status, reason," \
    " expiry, revoked_at, pem, issued_at, not_before, sans, common_name"
/* clang-format on */

/* The database's own message for the failure of "what". */
static int
lite_err(struct kiln_certdb *db, const char *what, struct kiln_err *err)
{
	return kiln_err_set(err, KILN_EIO, "certdb: %s: %s", what,
	    db->lite != NULL ? sqlite3_errmsg(db->lite) : "out of memory");
}

static int
exec(struct kiln_certdb *db, const char *sql, struct kiln_err *err)
{
	if (sqlite3_exec(db->lite, sql, NULL, NULL, NULL) != SQLITE_OK)
		return lite_err(db, sql, err);
	return 0;
}

static int
prepare(struct kiln_certdb *db, const char *sql, sqlite3_stmt **st,
    struct kiln_err *err)
{
	if (sqlite3_prepare_v2(db->lite, sql, -1, st, NULL) != SQLITE_OK)
		return lite_err(db, "prepare", err);
	return 0;
}

static int
bind(sqlite3_stmt *st, int i, const char *s, size_t len)
{
	return sqlite3_bind_text(st, i, s, (int)len, SQLITE_TRANSIENT);
}

/* 1 if table "name" exists, 0 if not, -1 on error. */
static int
has_table(struct kiln_certdb *db, const char *name, struct kiln_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (prepare(db, "SELECT 1 FROM sqlite_master WHERE type='table'"
	    " AND name=?", &st, err) == -1)
		return -1;
	bind(st, 1, name, strlen(name));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = 1;
	else if (rc == SQLITE_DONE)
		rc = 0;
	else
		rc = lite_err(db, "sqlite_master", err);
	sqlite3_finalize(st);
	return rc;
}

/*
 * The declared type of column "col" of "certificates" into "type" (""
 * if the column is missing).  Returns 0 or -1.
 */
static int
column_type(struct kiln_certdb *db, const char *col, char *type, size_t cap,
    struct kiln_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, r;

	*type = '\0';
	if (prepare(db, "SELECT name, type FROM pragma_table_info("
	    "'certificates')", &st, err) == -1)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		if (strcmp((const char *)sqlite3_column_text(st, 0), col) == 0)
			snprintf(type, cap, "%s",
			    (const char *)sqlite3_column_text(st, 1));
	if (r != SQLITE_DONE)
		lite_err(db, "certificates", err);
	else
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

/* The count that the query "sql" returns, into "*n".  Returns 0 or -1. */
static int
count(struct kiln_certdb *db, const char *sql, long long *n,
    struct kiln_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (prepare(db, sql, &st, err) == -1)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW)
		lite_err(db, "certificates", err);
	else {
		*n = sqlite3_column_int64(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * cfssl 1.2.0's SQLite tables declare their columns "bytea", which SQLite
 * gives NUMERIC affinity: a decimal serial number is stored as a number,
 * a REAL when it does not fit 64 bits (the 48-digit serial becomes
 * 2.83852216414286e+47), and cfssl's revoke can then find nothing.  A
 * serial or key id stored as a REAL (or a key id as an INTEGER, its
 * leading zeros gone) is lost: refused.  Otherwise the tables are
 * rebuilt with master's blob columns and every value made TEXT again.
 */
static int
fix_bytea(struct kiln_certdb *db, const char *shown, struct kiln_err *err)
{
	static const char lost_sql[] =
	    "SELECT count(*) FROM certificates WHERE"
	    " typeof(serial_number) = 'real' OR"
	    " typeof(authority_key_identifier) IN ('real', 'integer')";
	/* clang-format off */
	static const char rebuild_sql[] =
	    "ALTER TABLE certificates RENAME TO kiln_old_certificates;"
	    "ALTER TABLE ocsp_responses RENAME TO kiln_old_ocsp_responses;";
	static const char copy_sql[] =
	    "INSERT INTO certificates (serial_number, authority_key_identifier,"
	    " ca_label, status, reason, expiry, revoked_at, pem, issued_at,"
	    " not_before, metadata, sans, common_name)"
	    " SELECT CAST(serial_number AS TEXT),"
	    " CAST(authority_key_identifier AS TEXT), ca_label, status,"
	    " reason, expiry, revoked_at, pem, issued_at, not_before,"
	    " metadata, sans, common_name FROM kiln_old_certificates;"
	    "INSERT INTO ocsp_responses SELECT CAST(serial_number AS TEXT),"
	    " CAST(authority_key_identifier AS TEXT), body, expiry"
	    " FROM kiln_old_ocsp_responses;"
	    "DROP TABLE kiln_old_ocsp_responses;"
	    "DROP TABLE kiln_old_certificates;";
	/* clang-format on */
	char type[64];
	long long lost;
	int ocsp;

	if (column_type(db, "serial_number", type, sizeof(type), err) == -1)
		return -1;
	if (strcasecmp(type, "bytea") != 0)
		return 0;
	if (count(db, lost_sql, &lost, err) == -1)
		return -1;
	if (lost > 0)
		return kiln_err_set(err, KILN_EINVAL,
		    "certdb: %s: cfssl 1.2.0's SQLite schema (bytea columns) "
		    "stored %lld serial number(s) or key id(s) as numbers, "
		    "which lost digits: this database cannot be used (remake "
		    "it with kiln, or with cfssl's blob schema)",
		    shown, lost);
	if ((ocsp = has_table(db, "ocsp_responses", err)) == -1)
		return -1;
	if (!ocsp && exec(db, "CREATE TABLE ocsp_responses (serial_number "
	    "bytea, authority_key_identifier bytea, body bytea, expiry "
	    "timestamp)", err) == -1)
		return -1;
	if (exec(db, rebuild_sql, err) == -1 ||
	    exec(db, create_sql, err) == -1 || exec(db, copy_sql, err) == -1)
		return -1;
	return 0;
}

/*
 * Make the schema current, in one write transaction (so that two kilns
 * opening the same new file do not both create it).
 */
static int
migrate(struct kiln_certdb *db, const char *shown, struct kiln_err *err)
{
	char type[64], sql[160];
	long long version = 0;
	size_t i;
	int t, rc = -1;

	if (exec(db, "BEGIN IMMEDIATE", err) == -1)
		return -1;
	if ((t = has_table(db, "kiln_schema", err)) == -1)
		goto cleanup;
	if (t && count(db, "SELECT max(version) FROM kiln_schema", &version,
	    err) == -1)
		goto cleanup;
	if (version > CERTDB_SCHEMA) {
		kiln_err_set(err, KILN_EINVAL,
		    "certdb: %s: schema version %lld is newer than this kiln "
		    "knows (%d)", shown, version, CERTDB_SCHEMA);
		goto cleanup;
	}
	if (version == CERTDB_SCHEMA) {
		rc = exec(db, "COMMIT", err);
		goto cleanup;
	}
	if ((t = has_table(db, "certificates", err)) == -1)
		goto cleanup;
	if (!t && exec(db, create_sql, err) == -1)
		goto cleanup;
	if (t) {
		/* cfssl 1.2.0's 8 columns: add master's 5. */
		for (i = 0; i < sizeof(added) / sizeof(added[0]); i++) {
			if (column_type(db, added[i].name, type, sizeof(type),
			    err) == -1)
				goto cleanup;
			if (*type != '\0')
				continue;
			snprintf(sql, sizeof(sql), "ALTER TABLE certificates "
			    "ADD COLUMN \"%s\" %s", added[i].name,
			    added[i].type);
			if (exec(db, sql, err) == -1)
				goto cleanup;
		}
		if (fix_bytea(db, shown, err) == -1)
			goto cleanup;
		if ((t = has_table(db, "ocsp_responses", err)) == -1)
			goto cleanup;
		if (!t && exec(db, strstr(create_sql, "CREATE TABLE ocsp"),
		    err) == -1)
			goto cleanup;
	}
	snprintf(sql, sizeof(sql), "CREATE TABLE IF NOT EXISTS kiln_schema "
	    "(version int NOT NULL); DELETE FROM kiln_schema; INSERT INTO "
	    "kiln_schema (version) VALUES (%d); COMMIT", CERTDB_SCHEMA);
	rc = exec(db, sql, err);
cleanup:
	if (rc == -1)
		(void)sqlite3_exec(db->lite, "ROLLBACK", NULL, NULL, NULL);
	return rc;
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
	struct kiln_err werr = { 0 };
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
		kiln_err_set(err, KILN_EINVAL,
		    "certdb: %s: not a regular file", path);
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
certdb_sqlite_open(struct kiln_certdb *db, const char *path,
    struct kiln_err *err)
{
	struct stat before, after;

	if (check_file(path, &before, err) == -1)
		return -1;
	/* NOFOLLOW: a link swapped in since the check is refused too. */
	if (sqlite3_open_v2(path, &db->lite, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return lite_err(db, path, err);
	if (lstat(path, &after) == -1)
		return kiln_err_sys(err, "certdb: %s", path);
	if (after.st_dev != before.st_dev || after.st_ino != before.st_ino)
		return kiln_err_set(err, KILN_EINVAL,
		    "certdb: %s: replaced while it was opened, refused", path);
	sqlite3_extended_result_codes(db->lite, 1);
	if (sqlite3_busy_timeout(db->lite, BUSY_TIMEOUT_MS) != SQLITE_OK ||
	    exec(db, "PRAGMA journal_mode=WAL", err) == -1 ||
	    exec(db, "PRAGMA synchronous=FULL", err) == -1)
		return -1;
	return migrate(db, path, err);
}

void
certdb_sqlite_close(struct kiln_certdb *db)
{
	sqlite3_close_v2(db->lite);
	db->lite = NULL;
}

int
certdb_sqlite_insert(struct kiln_certdb *db, const struct kiln_certdb_row *r,
    struct kiln_err *err)
{
	static const char sql[] = "INSERT INTO certificates (" ROW_COLUMNS
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
	if (prepare(db, sql, &st, err) == -1)
		return -1;
	bind(st, 1, r->serial, strlen(r->serial));
	bind(st, 2, r->aki, strlen(r->aki));
	bind(st, 3, r->ca_label, strlen(r->ca_label));
	bind(st, 4, r->status, strlen(r->status));
	bind(st, 5, reason, strlen(reason));
	bind(st, 6, expiry, strlen(expiry));
	bind(st, 7, revoked, strlen(revoked));
	bind(st, 8, (const char *)r->pem.p, r->pem.len);
	bind(st, 9, issued, strlen(issued));
	bind(st, 10, nb, strlen(nb));
	bind(st, 11, r->sans.len > 0 ? (const char *)r->sans.p : "[]",
	    r->sans.len > 0 ? r->sans.len : 2);
	bind(st, 12, r->common_name, strlen(r->common_name));
	r2 = sqlite3_step(st);
	if (r2 == SQLITE_CONSTRAINT_PRIMARYKEY || r2 == SQLITE_CONSTRAINT_UNIQUE)
		kiln_err_set(err, KILN_EEXIST,
		    "certdb: certificate %s of key id %s: already recorded",
		    r->serial, r->aki);
	else if (r2 != SQLITE_DONE)
		lite_err(db, "insert", err);
	else
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

int
certdb_sqlite_revoke(struct kiln_certdb *db, const char *serial,
    const char *aki, int reason, time_t now, struct kiln_err *err)
{
	static const char sql[] = "UPDATE certificates SET status='revoked',"
	    " revoked_at=?, reason=? WHERE (serial_number = ? AND"
	    " authority_key_identifier = ?)";
	char at[CERTDB_TIME_MAX], code[16];
	sqlite3_stmt *st = NULL;
	int rc = -1;

	certdb_time_format(now, at);
	snprintf(code, sizeof(code), "%d", reason);
	if (prepare(db, sql, &st, err) == -1)
		return -1;
	bind(st, 1, at, strlen(at));
	bind(st, 2, code, strlen(code));
	bind(st, 3, serial, strlen(serial));
	bind(st, 4, aki, strlen(aki));
	if (sqlite3_step(st) != SQLITE_DONE)
		lite_err(db, "revoke", err);
	else if (sqlite3_changes(db->lite) == 0)
		kiln_err_set(err, KILN_EINVAL, "certificate not found");
	else
		rc = 0;
	sqlite3_finalize(st);
	return rc;
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
	    col_str(st, 2, r->ca_label, sizeof(r->ca_label), "ca_label",
	    err) == -1 ||
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
	static const char sql[] = "SELECT " ROW_COLUMNS " FROM certificates"
	    " WHERE (serial_number = ? AND authority_key_identifier = ?)";
	sqlite3_stmt *st = NULL;
	int rc = -1, r2;

	if (prepare(db, sql, &st, err) == -1)
		return -1;
	bind(st, 1, serial, strlen(serial));
	bind(st, 2, aki, strlen(aki));
	r2 = sqlite3_step(st);
	if (r2 == SQLITE_DONE)
		rc = 0;
	else if (r2 != SQLITE_ROW)
		lite_err(db, "select", err);
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
	static const char sql[] = "SELECT " ROW_COLUMNS " FROM certificates"
	    " WHERE status = 'revoked' AND (? IS NULL OR"
	    " authority_key_identifier = ?)"
	    " ORDER BY length(serial_number), serial_number";
	struct kiln_certdb_row r;
	sqlite3_stmt *st = NULL;
	int rc = -1, r2;

	kiln_certdb_row_init(&r);
	if (prepare(db, sql, &st, err) == -1)
		goto cleanup;
	if (aki != NULL) {
		bind(st, 1, aki, strlen(aki));
		bind(st, 2, aki, strlen(aki));
	}
	while ((r2 = sqlite3_step(st)) == SQLITE_ROW) {
		if (read_row(st, &r, err) == -1)
			goto cleanup;
		if (r.expiry > (int64_t)now && (rc = each(cls, &r)) != 0)
			goto cleanup;
	}
	if (r2 != SQLITE_DONE) {
		lite_err(db, "select", err);
		goto cleanup;
	}
	rc = 0;
cleanup:
	sqlite3_finalize(st);
	kiln_certdb_row_free(&r);
	return rc;
}
