/*
 * The certificate database's schema on SQLite: cfssl master's tables
 * made, or an older cfssl's migrated, and kiln's table of tokens, under
 * one write transaction.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "certdb/certdb_impl.h"

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

/*
 * kiln's own (schema 2): the authsign tokens claimed, by key name and the
 * token's SHA-256, until their expiry (seconds since the epoch), so that
 * every kiln serve on the file, and one restarted, refuses a token
 * again within its window (kiln_certdb_claim).
 */
static const char tokens_sql[] =
    "CREATE TABLE IF NOT EXISTS kiln_tokens ("
    " key_name text NOT NULL,"
    " token blob NOT NULL,"
    " expiry integer NOT NULL,"
    " PRIMARY KEY(key_name, token));"
    "CREATE INDEX IF NOT EXISTS kiln_tokens_expiry ON kiln_tokens (expiry);";

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
/* clang-format on */

/* 1 if table "name" exists, 0 if not, -1 on error. */
static int
has_table(sqlite3 *db, const char *name, struct kiln_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (certdb_lite_prepare(db,
	        "SELECT 1 FROM sqlite_master WHERE type='table'"
	        " AND name=?",
	        &st, err) == -1)
		return -1;
	certdb_lite_bind(st, 1, name, strlen(name));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = 1;
	else if (rc == SQLITE_DONE)
		rc = 0;
	else
		rc = certdb_lite_err(db, "sqlite_master", err);
	sqlite3_finalize(st);
	return rc;
}

/*
 * The declared type of column "col" of "certificates" into "type" (""
 * if the column is missing).  Returns 0 or -1.
 */
static int
column_type(
    sqlite3 *db, const char *col, char *type, size_t cap, struct kiln_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, r;

	*type = '\0';
	if (certdb_lite_prepare(db,
	        "SELECT name, type FROM pragma_table_info("
	        "'certificates')",
	        &st, err) == -1)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		if (strcmp((const char *)sqlite3_column_text(st, 0), col) == 0)
			snprintf(type, cap, "%s",
			    (const char *)sqlite3_column_text(st, 1));
	if (r != SQLITE_DONE)
		certdb_lite_err(db, "certificates", err);
	else
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

/* The count that the query "sql" returns, into "*n".  Returns 0 or -1. */
static int
count(sqlite3 *db, const char *sql, long long *n, struct kiln_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (certdb_lite_prepare(db, sql, &st, err) == -1)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW)
		certdb_lite_err(db, "certificates", err);
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
fix_bytea(sqlite3 *db, const char *shown, struct kiln_err *err)
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
	if (!ocsp &&
	    certdb_lite_exec(db,
	        "CREATE TABLE ocsp_responses (serial_number "
	        "bytea, authority_key_identifier bytea, body bytea, expiry "
	        "timestamp)",
	        err) == -1)
		return -1;
	if (certdb_lite_exec(db, rebuild_sql, err) == -1 ||
	    certdb_lite_exec(db, create_sql, err) == -1 ||
	    certdb_lite_exec(db, copy_sql, err) == -1)
		return -1;
	return 0;
}

/*
 * Version 1: cfssl master's tables, made in an empty database or
 * brought there from an older cfssl's.
 */
static int
make_v1(sqlite3 *db, const char *shown, struct kiln_err *err)
{
	char type[64], sql[160];
	size_t i;
	int t;

	if ((t = has_table(db, "certificates", err)) == -1)
		return -1;
	if (!t)
		return certdb_lite_exec(db, create_sql, err);
	/* cfssl 1.2.0's 8 columns: add master's 5. */
	for (i = 0; i < sizeof(added) / sizeof(added[0]); i++) {
		if (column_type(db, added[i].name, type, sizeof(type), err) ==
		    -1)
			return -1;
		if (*type != '\0')
			continue;
		snprintf(sql, sizeof(sql),
		    "ALTER TABLE certificates "
		    "ADD COLUMN \"%s\" %s",
		    added[i].name, added[i].type);
		if (certdb_lite_exec(db, sql, err) == -1)
			return -1;
	}
	if (fix_bytea(db, shown, err) == -1)
		return -1;
	if ((t = has_table(db, "ocsp_responses", err)) == -1)
		return -1;
	if (!t && certdb_lite_exec(
	              db, strstr(create_sql, "CREATE TABLE ocsp"), err) == -1)
		return -1;
	return 0;
}

/*
 * Make the schema current, in one write transaction (so that two kilns
 * opening the same new file do not both create it).
 */
int
certdb_sqlite_migrate(sqlite3 *db, const char *shown, struct kiln_err *err)
{
	char sql[160];
	long long version = 0;
	int t, rc = -1;

	if (certdb_lite_exec(db, "BEGIN IMMEDIATE", err) == -1)
		return -1;
	if ((t = has_table(db, "kiln_schema", err)) == -1)
		goto cleanup;
	if (t && count(db, "SELECT max(version) FROM kiln_schema", &version,
	             err) == -1)
		goto cleanup;
	if (version > CERTDB_SCHEMA) {
		kiln_err_set(err, KILN_EINVAL,
		    "certdb: %s: schema version %lld is newer than this kiln "
		    "knows (%d)",
		    shown, version, CERTDB_SCHEMA);
		goto cleanup;
	}
	if (version == CERTDB_SCHEMA) {
		rc = certdb_lite_exec(db, "COMMIT", err);
		goto cleanup;
	}
	if (version < 1 && make_v1(db, shown, err) == -1)
		goto cleanup;
	/* 2: kiln's own, which cfssl's tools never read. */
	if (certdb_lite_exec(db, tokens_sql, err) == -1)
		goto cleanup;
	snprintf(sql, sizeof(sql),
	    "CREATE TABLE IF NOT EXISTS kiln_schema "
	    "(version int NOT NULL); DELETE FROM kiln_schema; INSERT INTO "
	    "kiln_schema (version) VALUES (%d); COMMIT",
	    CERTDB_SCHEMA);
	rc = certdb_lite_exec(db, sql, err);
cleanup:
	if (rc == -1)
		(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}
