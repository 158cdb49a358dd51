/*
 * The two back ends of kiln/certdb.h, behind one connection type.
 * Private to src/certdb/.
 */
#ifndef KILN_CERTDB_IMPL_H
#define KILN_CERTDB_IMPL_H

#include "kiln/certdb.h"

/* One connection: exactly one of the two handles is set. */
struct kiln_certdb {
	enum kiln_certdb_driver driver;
	struct sqlite3 *lite;
	struct pg_conn *pg;
};

/*
 * The schema version kiln writes into kiln_schema: 1 is cfssl master's
 * 13 columns of "certificates" and "ocsp_responses".
 */
#define CERTDB_SCHEMA 1

/*
 * Times as cfssl leaves them in SQLite (row.c): "t" as "2026-12-09
 * 18:44:00+00:00", 0 as Go's zero time; and any of cfssl's forms back
 * (0, or -1 if "s" is none of them).
 */
#define CERTDB_TIME_MAX 40
void certdb_time_format(int64_t, char[CERTDB_TIME_MAX]);
int certdb_time_parse(const char *, int64_t *);

/* Each back end's side of kiln/certdb.h, "db" already allocated. */
int certdb_sqlite_open(struct kiln_certdb *, const char *, struct kiln_err *);
void certdb_sqlite_close(struct kiln_certdb *);
int certdb_sqlite_insert(
    struct kiln_certdb *, const struct kiln_certdb_row *, struct kiln_err *);
int certdb_sqlite_revoke(struct kiln_certdb *, const char *, const char *, int,
    time_t, struct kiln_err *);
int certdb_sqlite_get(struct kiln_certdb *, const char *, const char *,
    struct kiln_certdb_row *, struct kiln_err *);
int certdb_sqlite_each_revoked(struct kiln_certdb *, time_t, const char *,
    int (*)(void *, const struct kiln_certdb_row *), void *, struct kiln_err *);

/* SQLite's helpers (sqlite.c), for sqlschema.c. */
struct sqlite3_stmt;
int certdb_lite_err(struct kiln_certdb *, const char *, struct kiln_err *);
int certdb_lite_exec(struct kiln_certdb *, const char *, struct kiln_err *);
int certdb_lite_prepare(struct kiln_certdb *, const char *,
    struct sqlite3_stmt **, struct kiln_err *);
int certdb_lite_bind(struct sqlite3_stmt *, int, const char *, size_t);
/* Make the schema current (sqlschema.c); "shown" names the file. */
int certdb_sqlite_migrate(
    struct kiln_certdb *, const char *, struct kiln_err *);

int certdb_pg_open(struct kiln_certdb *, const char *, struct kiln_err *);
void certdb_pg_close(struct kiln_certdb *);
int certdb_pg_insert(
    struct kiln_certdb *, const struct kiln_certdb_row *, struct kiln_err *);
int certdb_pg_revoke(struct kiln_certdb *, const char *, const char *, int,
    time_t, struct kiln_err *);
int certdb_pg_get(struct kiln_certdb *, const char *, const char *,
    struct kiln_certdb_row *, struct kiln_err *);
int certdb_pg_each_revoked(struct kiln_certdb *, time_t, const char *,
    int (*)(void *, const struct kiln_certdb_row *), void *, struct kiln_err *);

#endif /* KILN_CERTDB_IMPL_H */
