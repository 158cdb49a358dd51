#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <mbedtls/md.h>
#include <sqlite3.h>

#include "certdb/certdb_impl.h"
#include "certdb/pqlib.h"
#include "kiln/certdb.h"
#include "kiln/file.h"
#include "kiln/pem.h"

static char dir[] = "/tmp/kiln-test-certdb.XXXXXX";
static char path[PATH_MAX];
static struct kiln_certdb_config cfg;

static void
setup(void)
{
	strcpy(dir, "/tmp/kiln-test-certdb.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/certs.db", dir);
	memset(&cfg, 0, sizeof(cfg));
	cfg.driver = KILN_CERTDB_SQLITE;
	snprintf(cfg.data_source, sizeof(cfg.data_source), "%s", path);
}

static void
teardown(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)system(cmd);
}

TestSuite(certdb, .init = setup, .fini = teardown, .timeout = 60);

/* The DER of the certificate in tests/data/crl/NAME. */
static void
load_der(const char *name, struct kiln_buf *der, struct kiln_buf *pem)
{
	char p[PATH_MAX];
	struct kiln_pem_block blk;
	size_t pos = 0;

	snprintf(p, sizeof(p), "%s/crl/%s", KILN_TEST_DATA, name);
	cr_assert_eq(kiln_file_read(p, pem, NULL), 0);
	cr_assert_eq(kiln_pem_next(
	                 (const char *)pem->p, &pos, "CERTIFICATE", &blk, NULL),
	    1);
	cr_assert_eq(
	    kiln_base64_decode(pem->p + blk.body, blk.body_len, der, NULL), 0);
}

/* The row of tests/data/crl/NAME, issued at "now" under "label". */
static void
make_row(
    const char *name, const char *label, time_t now, struct kiln_certdb_row *r)
{
	struct kiln_buf der, pem;
	struct kiln_err err = {0};

	kiln_buf_init(&der);
	kiln_buf_init(&pem);
	load_der(name, &der, &pem);
	cr_assert_eq(
	    kiln_certdb_row_from_cert(r, der.p, der.len, label, now, &err), 0,
	    "%s", err.msg);
	kiln_buf_free(&der);
	kiln_buf_free(&pem);
}

/* Run "sql" on the file directly (as another tool would). */
static void
raw(const char *sql)
{
	sqlite3 *db;
	char *msg = NULL;

	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &msg), SQLITE_OK,
	    "%s: %s", sql, msg ? msg : "");
	sqlite3_close(db);
}

/* The first column of the first row of "sql", as text, into "out". */
static void
raw_text(const char *sql, char *out, size_t cap)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	const unsigned char *s;

	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK,
	    "%s", sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
	s = sqlite3_column_text(st, 0);
	snprintf(out, cap, "%s", s ? (const char *)s : "(null)");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* -db-config */

static int
parse(const char *text, struct kiln_err *err)
{
	return kiln_certdb_config_parse(
	    &cfg, text, strlen(text), "db.json", err);
}

Test(certdb, config_takes_sqlite3_and_postgres)
{
	struct kiln_err err = {0};

	cr_assert_eq(parse("{\"driver\":\"sqlite3\",\"data_source\":"
	                   "\"/var/lib/certs.db\"}",
	                 &err),
	    0, "%s", err.msg);
	cr_assert_eq(cfg.driver, KILN_CERTDB_SQLITE);
	cr_assert_str_eq(cfg.data_source, "/var/lib/certs.db");
	cr_assert_eq(parse("{\"data_source\":\"postgres://u:p@127.0.0.1:5432/"
	                   "db?sslmode=disable\",\"driver\":\"postgres\"}",
	                 &err),
	    0, "%s", err.msg);
	cr_assert_eq(cfg.driver, KILN_CERTDB_POSTGRES);
	cr_assert_str_eq(cfg.data_source,
	    "postgres://u:p@127.0.0.1:5432/db?sslmode=disable");
}

Test(certdb, config_refuses_an_unknown_key)
{
	struct kiln_err err = {0};

	cr_assert_eq(parse("{\"driver\":\"sqlite3\",\"data_source\":\"a\","
	                   "\"data_sourse\":\"b\"}",
	                 &err),
	    -1);
	cr_assert_eq(err.code, KILN_EINVAL);
	cr_assert_str_eq(err.msg, "db.json: unknown key \"data_sourse\" "
	                          "(did you mean \"data_source\"?)");
}

Test(certdb, config_refuses_mysql_naming_what_kiln_has)
{
	struct kiln_err err = {0};

	cr_assert_eq(parse("{\"driver\":\"mysql\",\"data_source\":"
	                   "\"u:p@tcp(h:3306)/db\"}",
	                 &err),
	    -1);
	cr_assert_str_eq(err.msg, "db.json: driver: \"mysql\" is not "
	                          "supported (kiln has \"sqlite3\" and "
	                          "\"postgres\")");
}

Test(certdb, config_refuses_a_missing_key)
{
	struct kiln_err err = {0};

	cr_assert_eq(parse("{\"driver\":\"sqlite3\"}", &err), -1);
	cr_assert_str_eq(err.msg, "db.json: \"data_source\" is required");
	kiln_err_clear(&err);
	cr_assert_eq(parse("{\"data_source\":\"x\"}", &err), -1);
	cr_assert_str_eq(err.msg, "db.json: \"driver\" is required");
	kiln_err_clear(&err);
	cr_assert_eq(
	    parse("{\"driver\":\"sqlite3\",\"data_source\":\"\"}", &err), -1);
	cr_assert_str_eq(err.msg, "db.json: data_source: empty");
	kiln_err_clear(&err);
	cr_assert_eq(parse("{\"driver\":1,\"data_source\":\"x\"}", &err), -1);
	cr_assert_str_eq(err.msg, "db.json: driver: expected a string, "
	                          "got number");
}

/* Reasons */

Test(certdb, reasons_are_cfssls_names_in_any_case_and_numbers)
{
	struct kiln_err err = {0};
	int r = -1;

	cr_assert_eq(kiln_certdb_reason("", &r, &err), 0);
	cr_assert_eq(r, 0);
	cr_assert_eq(kiln_certdb_reason("keyCompromise", &r, &err), 0);
	cr_assert_eq(r, 1);
	cr_assert_eq(kiln_certdb_reason("SUPERSEDED", &r, &err), 0);
	cr_assert_eq(r, 4);
	cr_assert_eq(kiln_certdb_reason("removeFromCRL", &r, &err), 0);
	cr_assert_eq(r, 8);
	cr_assert_eq(kiln_certdb_reason("aACompromise", &r, &err), 0);
	cr_assert_eq(r, 10);
	cr_assert_eq(kiln_certdb_reason("9", &r, &err), 0);
	cr_assert_eq(r, 9);
	cr_assert_eq(kiln_certdb_reason("0", &r, &err), -1);
	cr_assert_str_eq(err.msg, "reason: \"0\" is not a revocation reason");
	kiln_err_clear(&err);
	cr_assert_eq(kiln_certdb_reason("7", &r, &err), -1);
	kiln_err_clear(&err);
	cr_assert_eq(kiln_certdb_reason("11", &r, &err), -1);
	kiln_err_clear(&err);
	cr_assert_eq(kiln_certdb_reason("bogus", &r, &err), -1);
	cr_assert_str_eq(
	    err.msg, "reason: \"bogus\" is not a revocation reason");
}

/* Times */

Test(certdb, times_are_written_as_go_sqlite3_and_read_in_all_forms)
{
	char s[CERTDB_TIME_MAX];
	int64_t t = -1;

	certdb_time_format(4321592640LL, s);
	cr_assert_str_eq(s, "2106-12-12 10:24:00+00:00");
	certdb_time_format(0, s);
	cr_assert_str_eq(s, "0001-01-01 00:00:00+00:00");
	cr_assert_eq(certdb_time_parse("2026-12-07 18:44:00+00:00", &t), 0);
	cr_assert_eq(t, 1796669040LL);
	cr_assert_eq(
	    certdb_time_parse("2026-12-07 18:44:00.676739747+00:00", &t), 0);
	cr_assert_eq(t, 1796669040LL);
	cr_assert_eq(certdb_time_parse("2026-12-07 18:44:00", &t), 0);
	cr_assert_eq(t, 1796669040LL);
	cr_assert_eq(certdb_time_parse("2026-12-07T19:44:00+01:00", &t), 0);
	cr_assert_eq(t, 1796669040LL);
	cr_assert_eq(certdb_time_parse("0001-01-01 00:00:00+00:00", &t), 0);
	cr_assert_eq(t, 0);
	cr_assert_eq(certdb_time_parse("2026-13-09 18:44:00", &t), -1);
	cr_assert_eq(certdb_time_parse("1796669040", &t), -1);
}

/* Rows */

Test(certdb, a_row_is_made_as_cfssl_master_makes_it)
{
	struct kiln_certdb_row r;
	struct kiln_buf der, pem;

	kiln_certdb_row_init(&r);
	kiln_buf_init(&der);
	kiln_buf_init(&pem);
	load_der("ec-leaf.pem", &der, &pem);
	make_row("ec-leaf.pem", "", 1796669040, &r);
	cr_assert_str_eq(r.serial, "5");
	cr_assert_str_eq(r.aki, "22ef156fd055f8262ef89dbf4e904f574163b879");
	cr_assert_str_eq(r.ca_label, "");
	cr_assert_str_eq(r.status, "good");
	cr_assert_eq(r.reason, 0);
	cr_assert_eq(r.revoked_at, 0);
	cr_assert_eq(r.issued_at, 1796669040);
	cr_assert_str_eq(r.common_name, "ec-leaf");
	cr_assert_str_eq((char *)r.sans.p, "[]");
	cr_assert_eq(r.pem.len, pem.len);
	cr_assert_eq(memcmp(r.pem.p, pem.p, pem.len), 0);
	kiln_buf_free(&der);
	kiln_buf_free(&pem);
	kiln_certdb_row_free(&r);
}

Test(certdb, a_serial_with_the_high_bit_is_positive_decimal)
{
	struct kiln_certdb_row r;

	kiln_certdb_row_init(&r);
	make_row("rsa-leaf.pem", "L1", 0, &r);
	cr_assert_str_eq(r.serial, "128");
	cr_assert_str_eq(r.ca_label, "L1");
	kiln_certdb_row_free(&r);
}

/* SQLite */

Test(certdb, open_creates_the_file_0600_in_wal_mode_with_the_schema)
{
	struct kiln_certdb *db = NULL;
	struct kiln_err err = {0};
	struct stat st;
	char s[512];

	cr_assert_eq(kiln_certdb_open(&db, &cfg, &err), 0, "%s", err.msg);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600);
	kiln_certdb_close(db);
	raw_text("PRAGMA journal_mode", s, sizeof(s));
	cr_assert_str_eq(s, "wal");
	raw_text("SELECT version FROM kiln_schema", s, sizeof(s));
	cr_assert_str_eq(s, "2");
	raw_text("SELECT group_concat(name || ' ' || lower(type), ', ') FROM "
	         "pragma_table_info('certificates')",
	    s, sizeof(s));
	cr_assert_str_eq(s, "serial_number blob, authority_key_identifier "
	                    "blob, ca_label blob, status blob, reason int, "
	                    "expiry timestamp, revoked_at timestamp, pem "
	                    "blob, issued_at timestamp, not_before "
	                    "timestamp, metadata text, sans text, "
	                    "common_name text");
	/* Again: nothing to do. */
	cr_assert_eq(kiln_certdb_open(&db, &cfg, &err), 0, "%s", err.msg);
	kiln_certdb_close(db);
}

Test(certdb, a_symbolic_link_or_hard_link_is_refused)
{
	struct kiln_certdb *db = NULL;
	struct kiln_err err = {0};
	char other[PATH_MAX];

	snprintf(other, sizeof(other), "%s/other.db", dir);
	cr_assert_eq(kiln_file_write(other, "", 0, 0600, 0, NULL), 0);
	cr_assert_eq(symlink(other, path), 0);
	cr_assert_eq(kiln_certdb_open(&db, &cfg, &err), -1);
	cr_assert_null(db);
	cr_assert_eq(err.code, KILN_EINVAL);
	cr_assert(strstr(err.msg, ": is a symbolic link, refused") != NULL,
	    "%s", err.msg);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(link(other, path), 0);
	kiln_err_clear(&err);
	cr_assert_eq(kiln_certdb_open(&db, &cfg, &err), -1);
	cr_assert(
	    strstr(err.msg, ": has 2 names (hard links), refused") != NULL,
	    "%s", err.msg);
}

Test(certdb, a_newer_schema_is_refused)
{
	struct kiln_certdb *db = NULL;
	struct kiln_err err = {0};
	char want[PATH_MAX + 128];

	cr_assert_eq(kiln_certdb_open(&db, &cfg, &err), 0, "%s", err.msg);
	kiln_certdb_close(db);
	raw("UPDATE kiln_schema SET version = 3");
	cr_assert_eq(kiln_certdb_open(&db, &cfg, &err), -1);
	snprintf(want, sizeof(want),
	    "certdb: %s: schema version 3 is newer "
	    "than this kiln knows (2)",
	    path);
	cr_assert_str_eq(err.msg, want);
}

Test(certdb, insert_writes_text_values_as_cfssl_and_refuses_a_duplicate)
{
	struct kiln_certdb *db = NULL;
	struct kiln_certdb_row r;
	struct kiln_err err = {0};
	char s[512];

	kiln_certdb_row_init(&r);
	make_row("ec-leaf.pem", "", 1796669040, &r);
	cr_assert_eq(kiln_certdb_open(&db, &cfg, &err), 0, "%s", err.msg);
	cr_assert_eq(kiln_certdb_insert(db, &r, &err), 0, "%s", err.msg);
	/* Committed: another connection sees it. */
	raw_text("SELECT typeof(serial_number) || ' ' || serial_number || ' ' "
	         "|| typeof(authority_key_identifier) || ' ' || "
	         "authority_key_identifier || ' [' || ca_label || '] ' || "
	         "typeof(ca_label) || ' ' || status || ' ' || typeof(reason) "
	         "|| reason || ' ' || expiry || ' ' || revoked_at || ' ' || "
	         "issued_at || ' ' || not_before || ' ' || metadata || ' ' || "
	         "sans || ' ' || common_name || ' ' || typeof(pem) "
	         "FROM certificates",
	    s, sizeof(s));
	cr_assert_str_eq(s, "text 5 text 22ef156fd055f8262ef89dbf4e904f574163"
	                    "b879 [] text good integer0 2126-10-31 "
	                    "10:07:41+00:00 0001-01-01 00:00:00+00:00 "
	                    "2026-12-07 18:44:00+00:00 2026-11-24 "
	                    "10:07:41+00:00 null [] ec-leaf text");
	cr_assert_eq(kiln_certdb_insert(db, &r, &err), -1);
	cr_assert_eq(err.code, KILN_EEXIST);
	cr_assert_str_eq(err.msg, "certdb: certificate 5 of key id "
	                          "22ef156fd055f8262ef89dbf4e904f574163b879: "
	                          "already recorded");
	kiln_certdb_close(db);
	kiln_certdb_row_free(&r);
}

Test(certdb, get_reads_the_row_back_or_finds_nothing)
{
	struct kiln_certdb *db = NULL;
	struct kiln_certdb_row r, got;
	struct kiln_err err = {0};

	kiln_certdb_row_init(&r);
	kiln_certdb_row_init(&got);
	make_row("ec-leaf.pem", "lbl", 1796669040, &r);
	cr_assert_eq(kiln_certdb_open(&db, &cfg, &err), 0, "%s", err.msg);
	cr_assert_eq(kiln_certdb_insert(db, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(
	    kiln_certdb_get(db, "5", r.aki, &got, &err), 1, "%s", err.msg);
	cr_assert_str_eq(got.serial, "5");
	cr_assert_str_eq(got.aki, r.aki);
	cr_assert_str_eq(got.ca_label, "lbl");
	cr_assert_str_eq(got.status, "good");
	cr_assert_eq(got.expiry, r.expiry);
	cr_assert_eq(got.not_before, r.not_before);
	cr_assert_eq(got.issued_at, 1796669040);
	cr_assert_eq(got.revoked_at, 0);
	cr_assert_str_eq(got.common_name, "ec-leaf");
	cr_assert_str_eq((char *)got.pem.p, (char *)r.pem.p);
	kiln_certdb_row_free(&got);
	/* Upper-case key ids do not match, as in cfssl. */
	cr_assert_eq(
	    kiln_certdb_get(db, "5", "22EF156FD055F8262EF89DBF4E904F574163B879",
	        &got, &err),
	    0);
	cr_assert_eq(kiln_certdb_get(db, "6", r.aki, &got, &err), 0);
	kiln_certdb_close(db);
	kiln_certdb_row_free(&r);
}

Test(certdb, revoke_updates_as_cfssl_or_says_not_found)
{
	struct kiln_certdb *db = NULL;
	struct kiln_certdb_row r, got;
	struct kiln_err err = {0};
	char s[256];

	kiln_certdb_row_init(&r);
	kiln_certdb_row_init(&got);
	make_row("ec-leaf.pem", "", 1796669040, &r);
	cr_assert_eq(kiln_certdb_open(&db, &cfg, &err), 0, "%s", err.msg);
	cr_assert_eq(kiln_certdb_insert(db, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(
	    kiln_certdb_revoke(db, "6", r.aki, 1, 1796670000, &err), -1);
	cr_assert_eq(err.code, KILN_EINVAL);
	cr_assert_str_eq(err.msg, "certificate not found");
	kiln_err_clear(&err);
	cr_assert_eq(kiln_certdb_revoke(db, "5", r.aki, 1, 1796670000, &err), 0,
	    "%s", err.msg);
	raw_text("SELECT status || ' ' || reason || ' ' || revoked_at FROM "
	         "certificates",
	    s, sizeof(s));
	cr_assert_str_eq(s, "revoked 1 2026-12-07 19:00:00+00:00");
	/* Again: reason and time replaced. */
	cr_assert_eq(kiln_certdb_revoke(db, "5", r.aki, 4, 1796670060, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(kiln_certdb_get(db, "5", r.aki, &got, &err), 1);
	cr_assert_str_eq(got.status, "revoked");
	cr_assert_eq(got.reason, 4);
	cr_assert_eq(got.revoked_at, 1796670060);
	kiln_certdb_close(db);
	kiln_certdb_row_free(&got);
	kiln_certdb_row_free(&r);
}

struct walk {
	char seen[8][96];
	int n, stop_at;
};

static int
each(void *cls, const struct kiln_certdb_row *r)
{
	struct walk *w = cls;

	snprintf(
	    w->seen[w->n], sizeof(w->seen[0]), "%s/%d", r->serial, r->reason);
	w->n++;
	return w->n == w->stop_at ? 42 : 0;
}

Test(certdb, each_revoked_walks_revoked_unexpired_rows_in_serial_order)
{
	struct kiln_certdb *db = NULL;
	struct kiln_certdb_row r;
	struct kiln_err err = {0};
	struct walk w;
	const char *serials[] = {"100", "9", "25", "7"};
	size_t i;
	char sql[512];

	kiln_certdb_row_init(&r);
	make_row("ec-leaf.pem", "", 1796669040, &r);
	cr_assert_eq(kiln_certdb_open(&db, &cfg, &err), 0, "%s", err.msg);
	for (i = 0; i < 4; i++) {
		snprintf(r.serial, sizeof(r.serial), "%s", serials[i]);
		cr_assert_eq(
		    kiln_certdb_insert(db, &r, &err), 0, "%s", err.msg);
	}
	/* 7 stays good; 25 expired; another issuer's 9. */
	cr_assert_eq(
	    kiln_certdb_revoke(db, "100", r.aki, 1, 1796670000, &err), 0);
	cr_assert_eq(
	    kiln_certdb_revoke(db, "9", r.aki, 4, 1796670000, &err), 0);
	cr_assert_eq(
	    kiln_certdb_revoke(db, "25", r.aki, 5, 1796670000, &err), 0);
	snprintf(sql, sizeof(sql),
	    "UPDATE certificates SET expiry = "
	    "'2026-12-01 00:00:00' WHERE serial_number = '25';"
	    "INSERT INTO certificates (serial_number, authority_key_identifier,"
	    " status, reason, expiry, revoked_at, pem) VALUES ('9', 'aa',"
	    " 'revoked', 2, '2100-01-01T00:00:00Z', '2026-12-07 18:50:03',"
	    " 'x')");
	raw(sql);
	memset(&w, 0, sizeof(w));
	cr_assert_eq(
	    kiln_certdb_each_revoked(db, 1796670000, r.aki, each, &w, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(w.n, 2);
	cr_assert_str_eq(w.seen[0], "9/4");
	cr_assert_str_eq(w.seen[1], "100/1");
	memset(&w, 0, sizeof(w));
	cr_assert_eq(
	    kiln_certdb_each_revoked(db, 1796670000, NULL, each, &w, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(w.n, 3);
	memset(&w, 0, sizeof(w));
	w.stop_at = 1;
	cr_assert_eq(
	    kiln_certdb_each_revoked(db, 1796670000, NULL, each, &w, &err), 42);
	cr_assert_eq(w.n, 1);
	kiln_certdb_close(db);
	kiln_certdb_row_free(&r);
}

/* Migrations */

Test(certdb, a_cfssl_1_2_0_database_gets_masters_five_columns)
{
	struct kiln_certdb *db = NULL;
	struct kiln_certdb_row got;
	struct kiln_err err = {0};
	char s[64];

	kiln_certdb_row_init(&got);
	/* 1.2.0's migration 001 with master's blob types, a row as
	 * Debian's cfssl writes it (no AKI), revoked by cfssl revoke. */
	raw("CREATE TABLE certificates (serial_number blob NOT NULL,"
	    " authority_key_identifier blob NOT NULL, ca_label blob,"
	    " status blob NOT NULL, reason int, expiry timestamp,"
	    " revoked_at timestamp, pem blob NOT NULL,"
	    " PRIMARY KEY(serial_number, authority_key_identifier));"
	    "CREATE TABLE goose_db_version (id integer);"
	    "INSERT INTO certificates VALUES ('48270451493043544401528424803781"
	    "7245200659533321', '', '', 'revoked', 1,"
	    " '2026-12-09 18:44:00+00:00', '2026-12-07 18:50:03', 'PEM');");
	cr_assert_eq(kiln_certdb_open(&db, &cfg, &err), 0, "%s", err.msg);
	raw_text("SELECT count(*) FROM pragma_table_info('certificates')", s,
	    sizeof(s));
	cr_assert_str_eq(s, "13");
	raw_text("SELECT count(*) FROM sqlite_master WHERE name = "
	         "'ocsp_responses'",
	    s, sizeof(s));
	cr_assert_str_eq(s, "1");
	cr_assert_eq(kiln_certdb_get(db,
	                 "48270451493043544401528424803781724"
	                 "5200659533321",
	                 "", &got, &err),
	    1, "%s", err.msg);
	cr_assert_eq(got.revoked_at, 1796669403);
	cr_assert_eq(got.expiry, 1796841840);
	cr_assert_eq(got.issued_at, 0);
	cr_assert_str_eq(got.common_name, "");
	kiln_certdb_close(db);
	kiln_certdb_row_free(&got);
}

static const char bytea_sql[] =
    "CREATE TABLE certificates (serial_number bytea NOT NULL,"
    " authority_key_identifier bytea NOT NULL, ca_label bytea,"
    " status bytea NOT NULL, reason int, expiry timestamp,"
    " revoked_at timestamp, pem bytea NOT NULL,"
    " PRIMARY KEY(serial_number, authority_key_identifier));"
    "CREATE TABLE ocsp_responses (serial_number bytea NOT NULL,"
    " authority_key_identifier bytea NOT NULL, body bytea NOT NULL,"
    " expiry timestamp, PRIMARY KEY(serial_number, "
    "authority_key_identifier), FOREIGN KEY(serial_number, "
    "authority_key_identifier) REFERENCES certificates(serial_number, "
    "authority_key_identifier));";

Test(certdb, a_bytea_table_whose_serials_became_real_is_refused)
{
	struct kiln_certdb *db = NULL;
	struct kiln_err err = {0};
	char want[PATH_MAX + 512], s[64];

	raw(bytea_sql);
	raw("INSERT INTO certificates VALUES ('48270451493043544401528424803781"
	    "7245200659533321', 'aa', '', 'good', 0,"
	    " '2026-12-09 18:44:00+00:00', '0001-01-01 00:00:00+00:00', 'P')");
	raw_text(
	    "SELECT typeof(serial_number) FROM certificates", s, sizeof(s));
	cr_assert_str_eq(s, "real");
	cr_assert_eq(kiln_certdb_open(&db, &cfg, &err), -1);
	cr_assert_null(db);
	snprintf(want, sizeof(want),
	    "certdb: %s: cfssl 1.2.0's SQLite schema "
	    "(bytea columns) stored 1 serial number(s) or key id(s) as "
	    "numbers, which lost digits: this database cannot be used "
	    "(remake it with kiln, or with cfssl's blob schema)",
	    path);
	cr_assert_str_eq(err.msg, want);
	/* Not half-migrated either. */
	raw_text("SELECT count(*) FROM pragma_table_info('certificates')", s,
	    sizeof(s));
	cr_assert_str_eq(s, "8");
}

Test(certdb, a_bytea_table_without_lost_values_is_rebuilt_as_blob)
{
	struct kiln_certdb *db = NULL;
	struct kiln_certdb_row got;
	struct kiln_err err = {0};
	char s[128];

	kiln_certdb_row_init(&got);
	raw(bytea_sql);
	raw("INSERT INTO certificates VALUES ('1234', 'ab12', '', 'good', 0,"
	    " '2126-12-09 18:44:00+00:00', '0001-01-01 00:00:00+00:00', 'P')");
	cr_assert_eq(kiln_certdb_open(&db, &cfg, &err), 0, "%s", err.msg);
	raw_text(
	    "SELECT lower(type) FROM pragma_table_info('certificates') WHERE "
	    "name = 'serial_number'",
	    s, sizeof(s));
	cr_assert_str_eq(s, "blob");
	raw_text("SELECT typeof(serial_number) || ' ' || serial_number FROM "
	         "certificates",
	    s, sizeof(s));
	cr_assert_str_eq(s, "text 1234");
	cr_assert_eq(
	    kiln_certdb_revoke(db, "1234", "ab12", 1, 1796670000, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(kiln_certdb_get(db, "1234", "ab12", &got, &err), 1);
	cr_assert_str_eq(got.status, "revoked");
	kiln_certdb_close(db);
	kiln_certdb_row_free(&got);
}

Test(certdb, a_schema_1_database_gets_the_tokens_table)
{
	struct kiln_certdb *db = NULL;
	struct kiln_err err = {0};
	char s[256];

	cr_assert_eq(kiln_certdb_open(&db, &cfg, &err), 0, "%s", err.msg);
	kiln_certdb_close(db);
	raw("DROP TABLE kiln_tokens; UPDATE kiln_schema SET version = 1");
	cr_assert_eq(kiln_certdb_open(&db, &cfg, &err), 0, "%s", err.msg);
	raw_text("SELECT version FROM kiln_schema", s, sizeof(s));
	cr_assert_str_eq(s, "2");
	raw_text("SELECT group_concat(name || ' ' || lower(type) || ' ' || "
	         "pk, ', ') FROM pragma_table_info('kiln_tokens')",
	    s, sizeof(s));
	cr_assert_str_eq(s, "key_name text 1, token blob 2, expiry integer 0");
	raw_text("SELECT count(*) FROM sqlite_master WHERE name = "
	         "'kiln_tokens_expiry'",
	    s, sizeof(s));
	cr_assert_str_eq(s, "1");
	kiln_certdb_close(db);
}

/* One writer per file, group commit */

Test(certdb, every_handle_on_a_file_shares_its_one_writer)
{
	struct kiln_certdb *a = NULL, *b = NULL, *c = NULL;
	struct kiln_certdb_config other;
	struct kiln_err err = {0};

	cr_assert_eq(kiln_certdb_open(&a, &cfg, &err), 0, "%s", err.msg);
	cr_assert_eq(kiln_certdb_open(&b, &cfg, &err), 0, "%s", err.msg);
	cr_assert_not_null(a->w);
	cr_assert_eq(a->w, b->w);
	cr_assert_neq(a->lite, b->lite);
	/* Another spelling of the same file's path. */
	other = cfg;
	snprintf(
	    other.data_source, sizeof(other.data_source), "%s/./certs.db", dir);
	cr_assert_eq(kiln_certdb_open(&c, &other, &err), 0, "%s", err.msg);
	cr_assert_eq(c->w, a->w);
	kiln_certdb_close(c);
	kiln_certdb_close(a);
	kiln_certdb_close(b);
}

struct inserter {
	struct kiln_certdb *db;
	struct kiln_certdb_row row;
	int first, n; /* serials first .. first + n - 1 */
	int failed;   /* inserts that did not return 0 */
	int rc, code; /* the last insert's return and error code */
	char msg[KILN_ERRMSG_MAX];
};

static void *
insert_all(void *p)
{
	struct inserter *in = p;
	struct kiln_err err;
	int i;

	for (i = 0; i < in->n; i++) {
		kiln_err_clear(&err);
		snprintf(in->row.serial, sizeof(in->row.serial), "%d",
		    in->first + i);
		in->rc = kiln_certdb_insert(in->db, &in->row, &err);
		in->code = err.code;
		snprintf(in->msg, sizeof(in->msg), "%s", err.msg);
		if (in->rc != 0)
			in->failed++;
	}
	return NULL;
}

/* "in" ready to insert serials first .. first + n - 1 on a handle. */
static void
inserter_open(struct inserter *in, int first, int n)
{
	struct kiln_err err = {0};

	memset(in, 0, sizeof(*in));
	kiln_certdb_row_init(&in->row);
	make_row("ec-leaf.pem", "", 1796669040, &in->row);
	cr_assert_eq(kiln_certdb_open(&in->db, &cfg, &err), 0, "%s", err.msg);
	in->first = first;
	in->n = n;
}

static void
inserter_close(struct inserter *in)
{
	kiln_certdb_close(in->db);
	kiln_certdb_row_free(&in->row);
}

#define WRITERS 8
#define EACH 40

Test(certdb, concurrent_inserts_all_land_in_fewer_commits)
{
	struct inserter in[WRITERS];
	pthread_t th[WRITERS];
	struct certdb_writer_stats st;
	char s[128];
	int i;

	for (i = 0; i < WRITERS; i++)
		inserter_open(&in[i], 1000 * (i + 1), EACH);
	for (i = 0; i < WRITERS; i++)
		cr_assert_eq(
		    pthread_create(&th[i], NULL, insert_all, &in[i]), 0);
	for (i = 0; i < WRITERS; i++) {
		pthread_join(th[i], NULL);
		cr_expect_eq(in[i].failed, 0, "thread %d: %s", i, in[i].msg);
	}
	/* Every row, each with its serial, committed. */
	raw_text("SELECT count(*) || ' ' || count(DISTINCT serial_number) || "
	         "' ' || sum(serial_number % 1000) || ' ' || "
	         "min(serial_number) || ' ' || max(serial_number) FROM "
	         "certificates",
	    s, sizeof(s));
	cr_assert_str_eq(s, "320 320 6240 1000 8039");
	certdb_writer_stats(in[0].db->w, &st);
	cr_assert_eq(st.writes, WRITERS * EACH);
	cr_assert_eq(st.queued, 0);
	cr_assert_leq(st.groups, st.writes);
	/* The figure, not asserted: it depends on the scheduler. */
	cr_log_info("%lu inserts from %d threads in %lu commits", st.writes,
	    WRITERS, st.groups);
	for (i = 0; i < WRITERS; i++)
		inserter_close(&in[i]);
}

/*
 * Wait (up to 10 s) until the writer of "db" has "n" writes queued
 * behind a group under way.
 */
static void
wait_queued(struct kiln_certdb *db, unsigned long n)
{
	struct timespec nap = {0, 10 * 1000 * 1000};
	struct certdb_writer_stats st;
	int i;

	for (i = 0; i < 1000; i++) {
		certdb_writer_stats(db->w, &st);
		if (st.busy && st.queued == n)
			return;
		nanosleep(&nap, NULL);
	}
	cr_assert_fail(
	    "%lu writes queued (busy %d), not %lu", st.queued, st.busy, n);
}

/* Another process's write lock on the file, held until lock_end(). */
static sqlite3 *
lock_begin(void)
{
	sqlite3 *c;

	cr_assert_eq(sqlite3_open(path, &c), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(c, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK, "%s", sqlite3_errmsg(c));
	return c;
}

static void
lock_end(sqlite3 *c)
{
	cr_assert_eq(sqlite3_exec(c, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(c);
}

/*
 * Another process's lock taken (returned), then "lead" started, which
 * takes its write and waits for the lock, then each of the "n" writers
 * of "in" started and its write queued behind it, in order.
 */
static sqlite3 *
hold_and_queue(struct inserter *lead, pthread_t *lt, struct inserter *in,
    pthread_t *th, int n)
{
	sqlite3 *lock = lock_begin();
	int i;

	cr_assert_eq(pthread_create(lt, NULL, insert_all, lead), 0);
	wait_queued(lead->db, 0);
	for (i = 0; i < n; i++) {
		cr_assert_eq(
		    pthread_create(&th[i], NULL, insert_all, &in[i]), 0);
		wait_queued(lead->db, (unsigned long)i + 1);
	}
	return lock;
}

#define GROUP 6

/*
 * A leader held in BEGIN by another process's lock, and six writes
 * queued behind it, two of them duplicates (of a row already there, and
 * of a row earlier in the same group): they commit as one group, and
 * each duplicate alone fails.
 */
Test(certdb, a_duplicate_in_a_group_fails_alone)
{
	static const int serials[GROUP] = {100, 101, 5, 102, 102, 103};
	struct inserter lead, in[GROUP];
	pthread_t lt, th[GROUP];
	struct certdb_writer_stats st;
	struct kiln_err err = {0};
	sqlite3 *lock;
	char s[128];
	int i;

	inserter_open(&lead, 99, 1);
	/* Serial 5, there before. */
	snprintf(lead.row.serial, sizeof(lead.row.serial), "5");
	cr_assert_eq(kiln_certdb_insert(lead.db, &lead.row, &err), 0);
	for (i = 0; i < GROUP; i++)
		inserter_open(&in[i], serials[i], 1);
	lock = hold_and_queue(&lead, &lt, in, th, GROUP);
	lock_end(lock);
	pthread_join(lt, NULL);
	cr_assert_eq(lead.rc, 0, "%s", lead.msg);
	for (i = 0; i < GROUP; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < GROUP; i++) {
		if (i == 2 || i == 4) {
			cr_expect_eq(in[i].rc, -1, "write %d", i);
			cr_expect_eq(in[i].code, KILN_EEXIST, "write %d", i);
			continue;
		}
		cr_expect_eq(in[i].rc, 0, "write %d: %s", i, in[i].msg);
	}
	cr_assert_str_eq(in[2].msg,
	    "certdb: certificate 5 of key id "
	    "22ef156fd055f8262ef89dbf4e904f574163b879: already recorded");
	cr_assert_str_eq(in[4].msg,
	    "certdb: certificate 102 of key id "
	    "22ef156fd055f8262ef89dbf4e904f574163b879: already recorded");
	/* 5, then 99 alone, then the six as one group. */
	certdb_writer_stats(lead.db->w, &st);
	cr_assert_eq(st.groups, 3);
	cr_assert_eq(st.writes, 8);
	raw_text("SELECT group_concat(serial_number, ' ') FROM (SELECT "
	         "serial_number FROM certificates ORDER BY "
	         "CAST(serial_number AS int))",
	    s, sizeof(s));
	cr_assert_str_eq(s, "5 99 100 101 102 103");
	for (i = 0; i < GROUP; i++)
		inserter_close(&in[i]);
	inserter_close(&lead);
}

/*
 * A group that cannot begin (another process holds the lock past the
 * busy timeout) fails every write in it, and records none of them.
 */
Test(certdb, a_group_that_cannot_commit_fails_every_write)
{
	struct inserter lead, in[3];
	pthread_t lt, th[3];
	struct kiln_err err = {0};
	sqlite3 *lock;
	char s[128];
	int i;

	inserter_open(&lead, 1, 1);
	certdb_writer_busy_timeout(lead.db->w, 1500);
	for (i = 0; i < 3; i++)
		inserter_open(&in[i], 10 + i, 1);
	lock = hold_and_queue(&lead, &lt, in, th, 3);
	/* The lone leader times out; the group of three behind it too. */
	pthread_join(lt, NULL);
	for (i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	lock_end(lock);
	cr_assert_eq(lead.rc, -1);
	cr_assert_eq(lead.code, KILN_EIO);
	cr_assert_str_eq(
	    lead.msg, "certdb: BEGIN IMMEDIATE: database is locked");
	for (i = 0; i < 3; i++) {
		cr_expect_eq(in[i].rc, -1, "write %d", i);
		cr_expect_str_eq(
		    in[i].msg, "certdb: BEGIN IMMEDIATE: database is locked");
	}
	raw_text("SELECT count(*) FROM certificates", s, sizeof(s));
	cr_assert_str_eq(s, "0");
	/* The lock gone, the next write commits. */
	snprintf(lead.row.serial, sizeof(lead.row.serial), "77");
	cr_assert_eq(
	    kiln_certdb_insert(lead.db, &lead.row, &err), 0, "%s", err.msg);
	for (i = 0; i < 3; i++)
		inserter_close(&in[i]);
	inserter_close(&lead);
}

/* Tokens claimed */

/* The hex of SHA-256 of "tok" (32 bytes). */
static void
sha256_hex(const unsigned char *tok, char out[65])
{
	unsigned char h[32];
	int i;

	cr_assert_eq(mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
	                 tok, 32, h),
	    0);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

Test(certdb, a_token_is_claimed_once_until_it_expires)
{
	struct kiln_certdb *a = NULL, *b = NULL;
	struct kiln_err err = {0};
	unsigned char tok[32];
	char s[256], want[256], hex[65];

	memset(tok, 0xa5, sizeof(tok));
	cr_assert_eq(kiln_certdb_open(&a, &cfg, &err), 0, "%s", err.msg);
	cr_assert_eq(kiln_certdb_open(&b, &cfg, &err), 0, "%s", err.msg);
	cr_assert_eq(kiln_certdb_claim(a, "k1", tok, 32, 100, 400, &err), 0,
	    "%s", err.msg);
	/* What is kept: the key's name, the token's hash, the expiry. */
	sha256_hex(tok, hex);
	snprintf(want, sizeof(want), "k1|%s|400", hex);
	raw_text("SELECT key_name || '|' || lower(hex(token)) || '|' || "
	         "expiry FROM kiln_tokens",
	    s, sizeof(s));
	cr_assert_str_eq(s, want);
	cr_assert_eq(kiln_certdb_claim(a, "k1", tok, 32, 399, 699, &err), 1);
	cr_assert_eq(kiln_certdb_claim(b, "k1", tok, 32, 399, 699, &err), 1);
	/* Another key's token of the same bytes is another token. */
	cr_assert_eq(kiln_certdb_claim(b, "k2", tok, 32, 399, 699, &err), 0);
	/* Expired: taken over, until its new expiry. */
	cr_assert_eq(kiln_certdb_claim(b, "k1", tok, 32, 400, 700, &err), 0);
	cr_assert_eq(kiln_certdb_claim(a, "k1", tok, 32, 699, 999, &err), 1);
	/* The first claim given back after the take-over: nothing. */
	cr_assert_eq(kiln_certdb_release(a, "k1", tok, 32, 400, &err), 0);
	cr_assert_eq(kiln_certdb_claim(a, "k1", tok, 32, 500, 800, &err), 1);
	/* The second given back: usable again. */
	cr_assert_eq(kiln_certdb_release(b, "k1", tok, 32, 700, &err), 0);
	cr_assert_eq(kiln_certdb_claim(a, "k1", tok, 32, 500, 800, &err), 0);
	kiln_certdb_close(a);
	kiln_certdb_close(b);
	/* Open again (a restart): still refused. */
	cr_assert_eq(kiln_certdb_open(&a, &cfg, &err), 0, "%s", err.msg);
	cr_assert_eq(kiln_certdb_claim(a, "k1", tok, 32, 501, 801, &err), 1);
	raw_text("SELECT group_concat(key_name || ' ' || expiry, ', ') FROM "
	         "(SELECT * FROM kiln_tokens ORDER BY key_name)",
	    s, sizeof(s));
	cr_assert_str_eq(s, "k1 800, k2 699");
	kiln_certdb_close(a);
}

Test(certdb, expired_tokens_are_pruned_a_bounded_number_at_a_time)
{
	struct kiln_certdb *db = NULL;
	struct kiln_err err = {0};
	unsigned char tok[32];
	char s[64];
	int i;

	cr_assert_eq(kiln_certdb_open(&db, &cfg, &err), 0, "%s", err.msg);
	/* 300 claims long expired, and one not yet. */
	raw("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
	    "WHERE i < 300) INSERT INTO kiln_tokens SELECT 'old', "
	    "randomblob(32), 10 + i FROM n;"
	    "INSERT INTO kiln_tokens VALUES ('old', randomblob(32), 5000)");
	memset(tok, 0, sizeof(tok));
	for (i = 0; i < CERTDB_PRUNE_EVERY - 1; i++) {
		tok[0] = (unsigned char)i;
		cr_assert_eq(
		    kiln_certdb_claim(db, "k1", tok, 32, 1000, 1300, &err), 0,
		    "%s", err.msg);
	}
	raw_text("SELECT count(*) FROM kiln_tokens WHERE expiry < 1000", s,
	    sizeof(s));
	cr_assert_str_eq(s, "300");
	/* The 64th claim prunes 256, the oldest first. */
	tok[0] = 0xff;
	cr_assert_eq(kiln_certdb_claim(db, "k1", tok, 32, 1000, 1300, &err), 0);
	raw_text("SELECT count(*) || ' ' || min(expiry) FROM kiln_tokens "
	         "WHERE key_name = 'old'",
	    s, sizeof(s));
	cr_assert_str_eq(s, "45 267");
	tok[1] = 1;
	for (i = 0; i < CERTDB_PRUNE_EVERY; i++) {
		tok[0] = (unsigned char)i;
		cr_assert_eq(
		    kiln_certdb_claim(db, "k1", tok, 32, 1000, 1300, &err), 0,
		    "%s", err.msg);
	}
	raw_text("SELECT count(*) FROM kiln_tokens WHERE key_name = 'old'", s,
	    sizeof(s));
	cr_assert_str_eq(s, "1");
	raw_text("SELECT count(*) FROM kiln_tokens WHERE key_name = 'k1'", s,
	    sizeof(s));
	cr_assert_str_eq(s, "128");
	kiln_certdb_close(db);
}

/* libpq, opened on first use */

Test(certdb, libpq_is_opened_by_its_soname_or_refused_in_words)
{
	struct kiln_err err = {0};

	cr_assert_eq(certdb_pq_try(CERTDB_PQ_SONAME, &err), 0, "%s", err.msg);
	cr_assert_eq(certdb_pq_try("libkiln-none.so.5", &err), -1);
	cr_assert_eq(err.code, KILN_EINVAL);
	cr_assert_str_eq(err.msg,
	    "certdb: postgres: cannot load libkiln-none.so.5 (Debian's "
	    "libpq5): libkiln-none.so.5: cannot open shared object file: No "
	    "such file or directory");
	/* A library that is not libpq: the first function it lacks. */
	kiln_err_clear(&err);
	cr_assert_eq(certdb_pq_try("libsqlite3.so.0", &err), -1);
	cr_assert_str_eq(
	    err.msg, "certdb: postgres: libsqlite3.so.0 has no PQclear");
}
