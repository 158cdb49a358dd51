/*
 * The certificate database on PostgreSQL (libpq): cfssl's pg migrations
 * (bytea, timestamptz, jsonb), the bytea columns holding the bytes of
 * the same strings cfssl's lib/pq writes.  Parameters go as raw bytes
 * (binary) for bytea and as text for the rest; results come back in
 * binary: bytea as its bytes, times as whole seconds (int8).  One
 * connection per kiln_certdb, its TLS as the data_source's sslmode says.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certdb/certdb_impl.h"
#include "certdb/pqlib.h"

/* clang-format off */
static const char create_sql[] =
    "CREATE TABLE certificates ("
    " serial_number bytea NOT NULL,"
    " authority_key_identifier bytea NOT NULL,"
    " ca_label bytea,"
    " status bytea NOT NULL,"
    " reason int,"
    " expiry timestamptz,"
    " revoked_at timestamptz,"
    " pem bytea NOT NULL,"
    " issued_at timestamptz,"
    " not_before timestamptz,"
    " metadata jsonb,"
    " sans jsonb,"
    " common_name TEXT,"
    " PRIMARY KEY(serial_number, authority_key_identifier));";
static const char create_ocsp_sql[] =
    "CREATE TABLE ocsp_responses ("
    " serial_number bytea NOT NULL,"
    " authority_key_identifier bytea NOT NULL,"
    " body bytea NOT NULL,"
    " expiry timestamptz,"
    " PRIMARY KEY(serial_number, authority_key_identifier),"
    " FOREIGN KEY(serial_number, authority_key_identifier)"
    " REFERENCES certificates(serial_number, authority_key_identifier));";
/* kiln's own (schema 2): the authsign tokens claimed (sqlschema.c). */
static const char tokens_sql[] =
    "CREATE TABLE IF NOT EXISTS kiln_tokens ("
    " key_name text NOT NULL,"
    " token bytea NOT NULL,"
    " expiry int8 NOT NULL,"
    " PRIMARY KEY(key_name, token));"
    "CREATE INDEX IF NOT EXISTS kiln_tokens_expiry ON kiln_tokens (expiry);";
/* cfssl master's migration 002, each column only if missing. */
static const char add_sql[] =
    "ALTER TABLE certificates"
    " ADD COLUMN IF NOT EXISTS issued_at timestamptz,"
    " ADD COLUMN IF NOT EXISTS not_before timestamptz,"
    " ADD COLUMN IF NOT EXISTS metadata jsonb,"
    " ADD COLUMN IF NOT EXISTS sans jsonb,"
    " ADD COLUMN IF NOT EXISTS common_name TEXT";

/* Seconds since the epoch, Go's zero time (and NULL) as 0. */
#define EPOCH(c) \
    "coalesce(nullif(floor(extract(epoch FROM " c "))::int8," \
    " -62135596800), 0)"
#define ROW_SELECT \
    "SELECT serial_number, authority_key_identifier," \
    " coalesce(ca_label, ''::bytea), status, coalesce(reason, 0)::int8, " \
    EPOCH("expiry") ", " EPOCH("revoked_at") ", pem, " \
    EPOCH("issued_at") ", " EPOCH("not_before") "," \
    " convert_to(coalesce(sans::text, ''), 'UTF8')," \
    " convert_to(coalesce(common_name, ''), 'UTF8') FROM certificates"
/* clang-format on */

/* Any lock number of kiln's own: the schema is made by one at a time. */
#define SCHEMA_LOCK "7316027141"

/*
 * libpq's message for the failure of "what", first line only (never the
 * data_source, which may hold a password).
 */
static int
pg_err(struct kiln_certdb *db, const PGresult *res, const char *what,
    struct kiln_err *err)
{
	const struct certdb_pq *pq = db->pq;
	const char *m = res != NULL ? pq->resultErrorMessage(res) : "";
	size_t n;

	if (*m == '\0' && db->pg != NULL)
		m = pq->errorMessage(db->pg);
	n = strcspn(m, "\n");
	return kiln_err_set(
	    err, KILN_EIO, "certdb: postgres: %s: %.*s", what, (int)n, m);
}

/* Run "sql", which returns no rows.  Returns 0 or -1. */
static int
exec(struct kiln_certdb *db, const char *sql, const char *what,
    struct kiln_err *err)
{
	const struct certdb_pq *pq = db->pq;
	PGresult *res = pq->exec(db->pg, sql);
	int rc = 0;

	if (pq->resultStatus(res) != PGRES_COMMAND_OK &&
	    pq->resultStatus(res) != PGRES_TUPLES_OK)
		rc = pg_err(db, res, what, err);
	pq->clear(res);
	return rc;
}

/* The int8 of row "r", column "c" of a binary result. */
static int64_t
get_int8(const struct certdb_pq *pq, const PGresult *res, int r, int c)
{
	const unsigned char *p = (const unsigned char *)pq->getvalue(res, r, c);
	uint64_t v = 0;
	int i;

	if (pq->getisnull(res, r, c) || pq->getlength(res, r, c) != 8)
		return 0;
	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return (int64_t)v;
}

/* 1 if "sql" (binary results) returns a row, 0 if none, -1 on error. */
static int
query_one(struct kiln_certdb *db, const char *sql, PGresult **res,
    const char *what, struct kiln_err *err)
{
	const struct certdb_pq *pq = db->pq;

	*res = pq->execParams(db->pg, sql, 0, NULL, NULL, NULL, NULL, 1);
	if (pq->resultStatus(*res) != PGRES_TUPLES_OK)
		return pg_err(db, *res, what, err);
	return pq->ntuples(*res) > 0;
}

static int
migrate(struct kiln_certdb *db, struct kiln_err *err)
{
	const struct certdb_pq *pq = db->pq;
	PGresult *res = NULL;
	char sql[200];
	int64_t version = 0;
	int t, rc = -1;

	if (exec(db, "BEGIN", "begin", err) == -1 ||
	    exec(db, "SELECT pg_advisory_xact_lock(" SCHEMA_LOCK ")", "lock",
	        err) == -1)
		goto cleanup;
	if ((t = query_one(db, "SELECT to_regclass('kiln_schema') IS NOT NULL",
	         &res, "kiln_schema", err)) == -1)
		goto cleanup;
	t = pq->getlength(res, 0, 0) == 1 && *pq->getvalue(res, 0, 0) == 1;
	pq->clear(res);
	res = NULL;
	if (t) {
		if (query_one(db,
		        "SELECT coalesce(max(version), 0)::int8 FROM"
		        " kiln_schema",
		        &res, "kiln_schema", err) == -1)
			goto cleanup;
		version = get_int8(pq, res, 0, 0);
		pq->clear(res);
		res = NULL;
	}
	if (version > CERTDB_SCHEMA) {
		kiln_err_set(err, KILN_EINVAL,
		    "certdb: postgres: schema "
		    "version %lld is newer than this kiln knows (%d)",
		    (long long)version, CERTDB_SCHEMA);
		goto cleanup;
	}
	if (version < 1) {
		if ((t = query_one(db,
		         "SELECT to_regclass('certificates') IS"
		         " NULL",
		         &res, "certificates", err)) == -1)
			goto cleanup;
		t = *pq->getvalue(res, 0, 0) == 1;
		pq->clear(res);
		res = NULL;
		if (t && exec(db, create_sql, "create", err) == -1)
			goto cleanup;
		if (!t && exec(db, add_sql, "migrate", err) == -1)
			goto cleanup;
		if ((t = query_one(db,
		         "SELECT to_regclass('ocsp_responses') IS"
		         " NULL",
		         &res, "ocsp_responses", err)) == -1)
			goto cleanup;
		t = *pq->getvalue(res, 0, 0) == 1;
		pq->clear(res);
		res = NULL;
		if (t && exec(db, create_ocsp_sql, "create", err) == -1)
			goto cleanup;
	}
	if (version < CERTDB_SCHEMA) {
		if (exec(db, tokens_sql, "kiln_tokens", err) == -1)
			goto cleanup;
		snprintf(sql, sizeof(sql),
		    "CREATE TABLE IF NOT EXISTS "
		    "kiln_schema (version int NOT NULL); DELETE FROM "
		    "kiln_schema; INSERT INTO kiln_schema (version) VALUES "
		    "(%d)",
		    CERTDB_SCHEMA);
		if (exec(db, sql, "kiln_schema", err) == -1)
			goto cleanup;
	}
	rc = exec(db, "COMMIT", "commit", err);
cleanup:
	pq->clear(res);
	if (rc == -1)
		(void)exec(db, "ROLLBACK", "rollback", NULL);
	return rc;
}

static void
quiet(void *cls, const char *msg)
{
	(void)cls;
	(void)msg;
}

int
certdb_pg_open(struct kiln_certdb *db, const char *source, struct kiln_err *err)
{
	const struct certdb_pq *pq;

	/* libpq is loaded for the first PostgreSQL database, not before. */
	if ((pq = db->pq = certdb_pq(err)) == NULL)
		return -1;
	if ((db->pg = pq->connectdb(source)) == NULL)
		return kiln_err_set(
		    err, KILN_ENOMEM, "certdb: postgres: out of memory");
	if (pq->status(db->pg) != CONNECTION_OK)
		return pg_err(db, NULL, "connect", err);
	/* libkiln prints nothing: libpq's notices go nowhere. */
	pq->setNoticeProcessor(db->pg, quiet, NULL);
	return migrate(db, err);
}

void
certdb_pg_close(struct kiln_certdb *db)
{
	if (db->pq != NULL)
		db->pq->finish(db->pg);
	db->pg = NULL;
}

int
certdb_pg_insert(struct kiln_certdb *db, const struct kiln_certdb_row *r,
    struct kiln_err *err)
{
	const struct certdb_pq *pq = db->pq;
	static const char sql[] =
	    "INSERT INTO certificates (serial_number,"
	    " authority_key_identifier, ca_label, status, reason, expiry,"
	    " revoked_at, pem, issued_at, not_before, metadata, sans,"
	    " common_name) VALUES ($1, $2, $3, $4, $5::int, $6::timestamptz,"
	    " $7::timestamptz, $8, $9::timestamptz, $10::timestamptz,"
	    " 'null'::jsonb, $11::jsonb, $12)";
	char expiry[CERTDB_TIME_MAX], revoked[CERTDB_TIME_MAX];
	char issued[CERTDB_TIME_MAX], nb[CERTDB_TIME_MAX], reason[16];
	const char *v[12];
	int len[12], fmt[12] = {1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0};
	const char *state;
	PGresult *res;
	int i, rc = -1;

	certdb_time_format(r->expiry, expiry);
	certdb_time_format(r->revoked_at, revoked);
	certdb_time_format(r->issued_at, issued);
	certdb_time_format(r->not_before, nb);
	snprintf(reason, sizeof(reason), "%d", r->reason);
	v[0] = r->serial;
	v[1] = r->aki;
	v[2] = r->ca_label;
	v[3] = r->status;
	v[4] = reason;
	v[5] = expiry;
	v[6] = revoked;
	v[7] = r->pem.len > 0 ? (const char *)r->pem.p : "";
	v[8] = issued;
	v[9] = nb;
	v[10] = r->sans.len > 0 ? (const char *)r->sans.p : "[]";
	v[11] = r->common_name;
	for (i = 0; i < 12; i++)
		len[i] = (int)strlen(v[i]);
	len[7] = (int)r->pem.len;
	res = pq->execParams(db->pg, sql, 12, NULL, v, len, fmt, 0);
	if (pq->resultStatus(res) == PGRES_COMMAND_OK)
		rc = 0;
	else if ((state = pq->resultErrorField(res, PG_DIAG_SQLSTATE)) !=
	             NULL &&
	         strcmp(state, "23505") == 0)
		kiln_err_set(err, KILN_EEXIST,
		    "certdb: certificate %s of key id %s: already recorded",
		    r->serial, r->aki);
	else
		pg_err(db, res, "insert", err);
	pq->clear(res);
	return rc;
}

int
certdb_pg_revoke(struct kiln_certdb *db, const char *serial, const char *aki,
    int reason, time_t now, struct kiln_err *err)
{
	const struct certdb_pq *pq = db->pq;
	static const char sql[] =
	    "UPDATE certificates SET status='revoked',"
	    " revoked_at=$1::timestamptz, reason=$2::int WHERE"
	    " (serial_number = $3 AND authority_key_identifier = $4)";
	char at[CERTDB_TIME_MAX], code[16];
	const char *v[4] = {at, code, serial, aki};
	int len[4], fmt[4] = {0, 0, 1, 1};
	PGresult *res;
	int rc = -1;

	certdb_time_format(now, at);
	snprintf(code, sizeof(code), "%d", reason);
	len[0] = (int)strlen(at);
	len[1] = (int)strlen(code);
	len[2] = (int)strlen(serial);
	len[3] = (int)strlen(aki);
	res = pq->execParams(db->pg, sql, 4, NULL, v, len, fmt, 0);
	if (pq->resultStatus(res) != PGRES_COMMAND_OK)
		pg_err(db, res, "revoke", err);
	else if (strcmp(pq->cmdTuples(res), "0") == 0)
		kiln_err_set(err, KILN_EINVAL, "certificate not found");
	else
		rc = 0;
	pq->clear(res);
	return rc;
}

/* Delete at most CERTDB_PRUNE_MAX tokens expired at "now".  0 or -1. */
static int
prune(struct kiln_certdb *db, int64_t now, struct kiln_err *err)
{
	const struct certdb_pq *pq = db->pq;
	/*
	 * Bounded by the index on expiry; rows another replica is
	 * deleting or taking over just now are skipped, not waited for.
	 */
	static const char sql[] =
	    "DELETE FROM kiln_tokens WHERE ctid = ANY(ARRAY(SELECT ctid"
	    " FROM kiln_tokens WHERE expiry <= $1::int8 ORDER BY expiry"
	    " LIMIT $2::int FOR UPDATE SKIP LOCKED)) AND expiry <= $1::int8";
	char at[24], max[16];
	const char *v[2] = {at, max};
	PGresult *res;
	int rc = 0;

	snprintf(at, sizeof(at), "%lld", (long long)now);
	snprintf(max, sizeof(max), "%d", CERTDB_PRUNE_MAX);
	res = pq->execParams(db->pg, sql, 2, NULL, v, NULL, NULL, 0);
	if (pq->resultStatus(res) != PGRES_COMMAND_OK)
		rc = pg_err(db, res, "prune", err);
	pq->clear(res);
	return rc;
}

int
certdb_pg_claim(struct kiln_certdb *db, const char *key,
    const unsigned char hash[32], int64_t now, int64_t expiry,
    struct kiln_err *err)
{
	const struct certdb_pq *pq = db->pq;
	/*
	 * One statement, atomic among replicas: a new row, or an expired
	 * one taken over; a row still held is left alone and none
	 * returned.
	 */
	static const char sql[] =
	    "INSERT INTO kiln_tokens (key_name, token, expiry) VALUES ($1,"
	    " $2, $3::int8) ON CONFLICT (key_name, token) DO UPDATE SET"
	    " expiry = EXCLUDED.expiry WHERE kiln_tokens.expiry <= $4::int8"
	    " RETURNING 1";
	char exp[24], at[24];
	const char *v[4] = {key, (const char *)hash, exp, at};
	int len[4] = {(int)strlen(key), 32, 0, 0}, fmt[4] = {0, 1, 0, 0};
	PGresult *res;
	int rc = -1;

	snprintf(exp, sizeof(exp), "%lld", (long long)expiry);
	snprintf(at, sizeof(at), "%lld", (long long)now);
	res = pq->execParams(db->pg, sql, 4, NULL, v, len, fmt, 0);
	if (pq->resultStatus(res) != PGRES_TUPLES_OK)
		pg_err(db, res, "claim", err);
	else
		rc = pq->ntuples(res) == 1 ? 0 : 1;
	pq->clear(res);
	/* A failed prune fails no claim: the next one tries again. */
	if (rc == 0 && ++db->claims >= CERTDB_PRUNE_EVERY) {
		db->claims = 0;
		(void)prune(db, now, NULL);
	}
	return rc;
}

int
certdb_pg_release(struct kiln_certdb *db, const char *key,
    const unsigned char hash[32], int64_t expiry, struct kiln_err *err)
{
	const struct certdb_pq *pq = db->pq;
	static const char sql[] =
	    "DELETE FROM kiln_tokens WHERE key_name = $1 AND token = $2"
	    " AND expiry = $3::int8";
	char exp[24];
	const char *v[3] = {key, (const char *)hash, exp};
	int len[3] = {(int)strlen(key), 32, 0}, fmt[3] = {0, 1, 0};
	PGresult *res;
	int rc = 0;

	snprintf(exp, sizeof(exp), "%lld", (long long)expiry);
	res = pq->execParams(db->pg, sql, 3, NULL, v, len, fmt, 0);
	if (pq->resultStatus(res) != PGRES_COMMAND_OK)
		rc = pg_err(db, res, "release", err);
	pq->clear(res);
	return rc;
}

/* Column "c" (bytes) into "out" of "cap" bytes, as a string. */
static int
col_str(const struct certdb_pq *pq, const PGresult *res, int row, int c,
    char *out, size_t cap, const char *name, struct kiln_err *err)
{
	const char *s = pq->getvalue(res, row, c);
	size_t n = (size_t)pq->getlength(res, row, c);

	if (n >= cap || memchr(s, '\0', n) != NULL)
		return kiln_err_set(err, KILN_EINVAL,
		    "certdb: a row's %s is not a %zu-byte string", name,
		    cap - 1);
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

static int
col_buf(const struct certdb_pq *pq, const PGresult *res, int row, int c,
    struct kiln_buf *out, struct kiln_err *err)
{
	out->len = 0;
	if (kiln_buf_append(out, pq->getvalue(res, row, c),
	        (size_t)pq->getlength(res, row, c), err) == -1)
		return -1;
	return kiln_buf_terminate(out, err);
}

static int
read_row(const struct certdb_pq *pq, const PGresult *res, int i,
    struct kiln_certdb_row *r, struct kiln_err *err)
{
	if (col_str(pq, res, i, 0, r->serial, sizeof(r->serial),
	        "serial_number", err) == -1 ||
	    col_str(pq, res, i, 1, r->aki, sizeof(r->aki),
	        "authority_key_identifier", err) == -1 ||
	    col_str(pq, res, i, 2, r->ca_label, sizeof(r->ca_label), "ca_label",
	        err) == -1 ||
	    col_str(pq, res, i, 3, r->status, sizeof(r->status), "status",
	        err) == -1 ||
	    col_buf(pq, res, i, 7, &r->pem, err) == -1 ||
	    col_buf(pq, res, i, 10, &r->sans, err) == -1 ||
	    col_str(pq, res, i, 11, r->common_name, sizeof(r->common_name),
	        "common_name", err) == -1)
		return -1;
	r->reason = (int)get_int8(pq, res, i, 4);
	r->expiry = get_int8(pq, res, i, 5);
	r->revoked_at = get_int8(pq, res, i, 6);
	r->issued_at = get_int8(pq, res, i, 8);
	r->not_before = get_int8(pq, res, i, 9);
	return 0;
}

int
certdb_pg_get(struct kiln_certdb *db, const char *serial, const char *aki,
    struct kiln_certdb_row *r, struct kiln_err *err)
{
	const struct certdb_pq *pq = db->pq;
	static const char sql[] = ROW_SELECT " WHERE (serial_number = $1 AND"
	                                     " authority_key_identifier = $2)";
	const char *v[2] = {serial, aki};
	int len[2] = {(int)strlen(serial), (int)strlen(aki)};
	int fmt[2] = {1, 1};
	PGresult *res;
	int rc = -1;

	res = pq->execParams(db->pg, sql, 2, NULL, v, len, fmt, 1);
	if (pq->resultStatus(res) != PGRES_TUPLES_OK)
		pg_err(db, res, "select", err);
	else if (pq->ntuples(res) == 0)
		rc = 0;
	else if (read_row(pq, res, 0, r, err) == 0)
		rc = 1;
	pq->clear(res);
	return rc;
}

int
certdb_pg_each_revoked(struct kiln_certdb *db, time_t now, const char *aki,
    int (*each)(void *, const struct kiln_certdb_row *), void *cls,
    struct kiln_err *err)
{
	const struct certdb_pq *pq = db->pq;
	static const char sql[] =
	    ROW_SELECT " WHERE $1::timestamptz < expiry"
	               " AND status = 'revoked' AND ($2::bytea IS NULL OR"
	               " authority_key_identifier = $2)"
	               " ORDER BY length(serial_number), serial_number";
	char at[CERTDB_TIME_MAX];
	const char *v[2] = {at, aki};
	int len[2] = {0, aki != NULL ? (int)strlen(aki) : 0};
	int fmt[2] = {0, 1};
	struct kiln_certdb_row r;
	PGresult *res;
	int i, rc = -1;

	kiln_certdb_row_init(&r);
	certdb_time_format(now, at);
	len[0] = (int)strlen(at);
	res = pq->execParams(db->pg, sql, 2, NULL, v, len, fmt, 1);
	if (pq->resultStatus(res) != PGRES_TUPLES_OK) {
		pg_err(db, res, "select", err);
		goto cleanup;
	}
	for (i = 0; i < pq->ntuples(res); i++) {
		if (read_row(pq, res, i, &r, err) == -1)
			goto cleanup;
		if ((rc = each(cls, &r)) != 0)
			goto cleanup;
	}
	rc = 0;
cleanup:
	pq->clear(res);
	kiln_certdb_row_free(&r);
	return rc;
}
