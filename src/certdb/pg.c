/* The certificate database on pg: not built yet. */
#include "certdb/certdb_impl.h"

int
certdb_pg_open(struct kiln_certdb *db, const char *source,
    struct kiln_err *err)
{
	(void)db;
	(void)source;
	return kiln_err_set(err, KILN_EINVAL, "certdb: pg: not built yet");
}

void
certdb_pg_close(struct kiln_certdb *db)
{
	(void)db;
}

int
certdb_pg_insert(struct kiln_certdb *db, const struct kiln_certdb_row *r,
    struct kiln_err *err)
{
	(void)db;
	(void)r;
	return kiln_err_set(err, KILN_EINVAL, "certdb: pg: not built yet");
}

int
certdb_pg_revoke(struct kiln_certdb *db, const char *serial,
    const char *aki, int reason, time_t now, struct kiln_err *err)
{
	(void)db;
	(void)serial;
	(void)aki;
	(void)reason;
	(void)now;
	return kiln_err_set(err, KILN_EINVAL, "certdb: pg: not built yet");
}

int
certdb_pg_get(struct kiln_certdb *db, const char *serial, const char *aki,
    struct kiln_certdb_row *r, struct kiln_err *err)
{
	(void)db;
	(void)serial;
	(void)aki;
	(void)r;
	return kiln_err_set(err, KILN_EINVAL, "certdb: pg: not built yet");
}

int
certdb_pg_each_revoked(struct kiln_certdb *db, time_t now, const char *aki,
    int (*each)(void *, const struct kiln_certdb_row *), void *cls,
    struct kiln_err *err)
{
	(void)db;
	(void)now;
	(void)aki;
	(void)each;
	(void)cls;
	return kiln_err_set(err, KILN_EINVAL, "certdb: pg: not built yet");
}
