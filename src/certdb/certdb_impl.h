/*
 * The two back ends of kiln/certdb.h, behind one handle type.
 * Private to src/certdb/.
 */
#ifndef KILN_CERTDB_IMPL_H
#define KILN_CERTDB_IMPL_H

#include <sys/types.h>

#include "kiln/certdb.h"

struct sqlite3;
struct sqlite3_stmt;
struct certdb_writer;
struct certdb_pq;

/*
 * One handle, used by one thread at a time.  SQLite: the file's one
 * writer in this process (shared by every handle on the file, see
 * sqlwriter.c) and this handle's own read-only connection.  PostgreSQL:
 * one connection of its own.
 */
struct kiln_certdb {
	enum kiln_certdb_driver driver;
	struct certdb_writer *w;    /* SQLite: shared, counted */
	struct sqlite3 *lite;       /* SQLite: reads only */
	const struct certdb_pq *pq; /* PostgreSQL: libpq (pqlib.h) */
	struct pg_conn *pg;
	unsigned int claims; /* PostgreSQL: token claims since a prune */
};

/*
 * The schema version kiln writes into kiln_schema: 1 is cfssl master's
 * 13 columns of "certificates" and "ocsp_responses"; 2 adds kiln's own
 * table of authsign tokens claimed, kiln_tokens.
 */
#define CERTDB_SCHEMA 2

/* Every how many token claims the expired ones are pruned, and how many
 * rows a prune deletes at most. */
#define CERTDB_PRUNE_EVERY 64
#define CERTDB_PRUNE_MAX 256

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
int certdb_sqlite_claim(struct kiln_certdb *, const char *,
    const unsigned char[32], int64_t, int64_t, struct kiln_err *);
int certdb_sqlite_release(struct kiln_certdb *, const char *,
    const unsigned char[32], int64_t, struct kiln_err *);
int certdb_sqlite_get(struct kiln_certdb *, const char *, const char *,
    struct kiln_certdb_row *, struct kiln_err *);
int certdb_sqlite_each_revoked(struct kiln_certdb *, time_t, const char *,
    int (*)(void *, const struct kiln_certdb_row *), void *, struct kiln_err *);

/*
 * A write for the SQLite writer: what it is, its arguments (borrowed
 * from the caller, who waits until "done"), and its result.
 */
enum certdb_op_kind {
	CERTDB_OP_INSERT,
	CERTDB_OP_REVOKE,
	CERTDB_OP_CLAIM,
	CERTDB_OP_RELEASE
};

struct certdb_op {
	enum certdb_op_kind kind;
	const struct kiln_certdb_row *row; /* INSERT */
	const char *serial, *aki;          /* REVOKE */
	int reason;
	const char *key;           /* CLAIM, RELEASE: the auth key's name */
	const unsigned char *hash; /* the token's SHA-256, 32 bytes */
	int64_t now;               /* REVOKE, CLAIM */
	int64_t expiry;            /* CLAIM, RELEASE */
	/* The writer's answer: the API's return value, its error. */
	int rc;
	struct kiln_err err;
	int done;
	struct certdb_op *next; /* in the queue */
};

/*
 * SQLite's helpers (sqlite.c), on one connection, for sqlschema.c and
 * sqlwriter.c.
 */
int certdb_lite_err(struct sqlite3 *, const char *, struct kiln_err *);
int certdb_lite_exec(struct sqlite3 *, const char *, struct kiln_err *);
int certdb_lite_prepare(
    struct sqlite3 *, const char *, struct sqlite3_stmt **, struct kiln_err *);
int certdb_lite_bind(struct sqlite3_stmt *, int, const char *, size_t);
/*
 * The file "path" checked as kiln's file rules have it (no link, one
 * name, made 0600 if missing): its device and inode.  0 or -1.
 */
int certdb_lite_file(const char *, dev_t *, ino_t *, struct kiln_err *);
/*
 * Open the file "path" as kiln's file rules have it (no link, one name,
 * made 0600 if missing), with extended result codes and the busy
 * timeout for other processes.  Its device and inode go to "dev" and
 * "ino".  Returns 0, or -1 with "err" set and "*out" NULL.
 */
int certdb_lite_open(
    const char *, struct sqlite3 **, dev_t *, ino_t *, struct kiln_err *);
/*
 * Run "op" on "c" inside the writer's open transaction: "op->rc" as the
 * API's call returns, "op->err" set when it is -1.
 */
void certdb_lite_op(struct sqlite3 *, struct certdb_op *);
/* Delete at most CERTDB_PRUNE_MAX tokens expired at "now".  0 or -1. */
int certdb_lite_prune(struct sqlite3 *, int64_t, struct kiln_err *);
/* Make the schema current (sqlschema.c); "shown" names the file. */
int certdb_sqlite_migrate(struct sqlite3 *, const char *, struct kiln_err *);

/*
 * The one writer of a SQLite file in this process (sqlwriter.c).
 *
 * certdb_writer_get: the writer of the file "path" (found by its device
 * and inode, so every name of one file shares it), opened and its schema
 * made current if this process has none yet, else shared; 0 or -1.
 * certdb_writer_put: give it back (the last closes it).
 * certdb_writer_run: queue "op", and return once it is committed or has
 * failed (its rc, its error passed to "err"): whoever finds no commit
 * under way commits everything queued in one transaction.
 * certdb_writer_file: the file's device and inode.
 * certdb_writer_stats: transactions committed or failed, writes in them,
 * writes queued now and whether a group is under way (for the tests and
 * the figures).
 * certdb_writer_busy_timeout: how long a group waits for another
 * process's lock, in milliseconds (tests shorten it).
 */
int certdb_writer_get(struct certdb_writer **, const char *, struct kiln_err *);
void certdb_writer_put(struct certdb_writer *);
int certdb_writer_run(
    struct certdb_writer *, struct certdb_op *, struct kiln_err *);
void certdb_writer_file(const struct certdb_writer *, dev_t *, ino_t *);
struct certdb_writer_stats {
	unsigned long groups, writes, queued;
	int busy;
};
void certdb_writer_stats(struct certdb_writer *, struct certdb_writer_stats *);
void certdb_writer_busy_timeout(struct certdb_writer *, int);

int certdb_pg_open(struct kiln_certdb *, const char *, struct kiln_err *);
void certdb_pg_close(struct kiln_certdb *);
int certdb_pg_insert(
    struct kiln_certdb *, const struct kiln_certdb_row *, struct kiln_err *);
int certdb_pg_revoke(struct kiln_certdb *, const char *, const char *, int,
    time_t, struct kiln_err *);
int certdb_pg_claim(struct kiln_certdb *, const char *, const unsigned char[32],
    int64_t, int64_t, struct kiln_err *);
int certdb_pg_release(struct kiln_certdb *, const char *,
    const unsigned char[32], int64_t, struct kiln_err *);
int certdb_pg_get(struct kiln_certdb *, const char *, const char *,
    struct kiln_certdb_row *, struct kiln_err *);
int certdb_pg_each_revoked(struct kiln_certdb *, time_t, const char *,
    int (*)(void *, const struct kiln_certdb_row *), void *, struct kiln_err *);

#endif /* KILN_CERTDB_IMPL_H */
