/* kiln/certdb.h: one handle, handed to its back end. */
#include <stdlib.h>

#include <mbedtls/md.h>

#include "certdb/certdb_impl.h"

int
kiln_certdb_open(struct kiln_certdb **out, const struct kiln_certdb_config *c,
    struct kiln_err *err)
{
	struct kiln_certdb *db;
	int rc;

	*out = NULL;
	if ((db = calloc(1, sizeof(*db))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "certdb: out of memory");
	db->driver = c->driver;
	if (c->driver == KILN_CERTDB_SQLITE)
		rc = certdb_sqlite_open(db, c->data_source, err);
	else
		rc = certdb_pg_open(db, c->data_source, err);
	if (rc == -1) {
		kiln_certdb_close(db);
		return -1;
	}
	*out = db;
	return 0;
}

void
kiln_certdb_close(struct kiln_certdb *db)
{
	if (db == NULL)
		return;
	if (db->driver == KILN_CERTDB_SQLITE)
		certdb_sqlite_close(db);
	else
		certdb_pg_close(db);
	free(db);
}

int
kiln_certdb_insert(struct kiln_certdb *db, const struct kiln_certdb_row *r,
    struct kiln_err *err)
{
	if (db->driver == KILN_CERTDB_SQLITE)
		return certdb_sqlite_insert(db, r, err);
	return certdb_pg_insert(db, r, err);
}

int
kiln_certdb_revoke(struct kiln_certdb *db, const char *serial, const char *aki,
    int reason, time_t now, struct kiln_err *err)
{
	if (db->driver == KILN_CERTDB_SQLITE)
		return certdb_sqlite_revoke(db, serial, aki, reason, now, err);
	return certdb_pg_revoke(db, serial, aki, reason, now, err);
}

int
kiln_certdb_get(struct kiln_certdb *db, const char *serial, const char *aki,
    struct kiln_certdb_row *r, struct kiln_err *err)
{
	if (db->driver == KILN_CERTDB_SQLITE)
		return certdb_sqlite_get(db, serial, aki, r, err);
	return certdb_pg_get(db, serial, aki, r, err);
}

int
kiln_certdb_each_revoked(struct kiln_certdb *db, time_t now, const char *aki,
    int (*each)(void *, const struct kiln_certdb_row *), void *cls,
    struct kiln_err *err)
{
	if (db->driver == KILN_CERTDB_SQLITE)
		return certdb_sqlite_each_revoked(db, now, aki, each, cls, err);
	return certdb_pg_each_revoked(db, now, aki, each, cls, err);
}

/* The token's SHA-256: what the table keeps of it. */
static int
token_hash(const unsigned char *token, size_t len, unsigned char hash[32],
    struct kiln_err *err)
{
	int ret;

	if ((ret = mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
	         token, len, hash)) != 0)
		return kiln_err_mbed(err, ret, "mbedtls_md");
	return 0;
}

int
kiln_certdb_claim(struct kiln_certdb *db, const char *key,
    const unsigned char *token, size_t len, int64_t now, int64_t expiry,
    struct kiln_err *err)
{
	unsigned char hash[32];

	if (token_hash(token, len, hash, err) == -1)
		return -1;
	if (db->driver == KILN_CERTDB_SQLITE)
		return certdb_sqlite_claim(db, key, hash, now, expiry, err);
	return certdb_pg_claim(db, key, hash, now, expiry, err);
}

int
kiln_certdb_release(struct kiln_certdb *db, const char *key,
    const unsigned char *token, size_t len, int64_t expiry,
    struct kiln_err *err)
{
	unsigned char hash[32];

	if (token_hash(token, len, hash, err) == -1)
		return -1;
	if (db->driver == KILN_CERTDB_SQLITE)
		return certdb_sqlite_release(db, key, hash, expiry, err);
	return certdb_pg_release(db, key, hash, expiry, err);
}
