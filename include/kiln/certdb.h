/*
 * cfssl's certificate database (certdb) on SQLite or PostgreSQL: the
 * tables "certificates" and "ocsp_responses" with cfssl's columns and
 * values, so cfssl's own tools (revoke -db-config, ocsprefresh,
 * ocspdump) work on a database kiln writes and the reverse.  The facts
 * (column types, value formats, what cfssl 1.2.0 chokes on) are in
 * kiln-config(5), "The certificate database".
 *
 * A handle (struct kiln_certdb) is used by one thread at a time: a
 * server opens one per thread.  Every call that writes has committed
 * when it returns 0.  On SQLite the handles of one process on one file
 * share its one writer: writes from every thread are queued to it and
 * committed in groups, one transaction and one sync per group, each call
 * returning once its own write is committed or has failed (a failed
 * write fails alone; a failed commit fails its whole group).  On
 * PostgreSQL each handle is a connection of its own.
 */
#ifndef KILN_CERTDB_H
#define KILN_CERTDB_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "kiln/buf.h"
#include "kiln/err.h"

/* cfssl's -db-config file: {"driver": ..., "data_source": ...}. */
enum kiln_certdb_driver {
	KILN_CERTDB_SQLITE,  /* "sqlite3": data_source is a file path */
	KILN_CERTDB_POSTGRES /* "postgres": a libpq URL or key=value list */
};

#define KILN_CERTDB_SOURCE_MAX 4096

struct kiln_certdb_config {
	enum kiln_certdb_driver driver;
	char data_source[KILN_CERTDB_SOURCE_MAX];
};

/*
 * Parse the "len" bytes of "text" (named "shown" in errors) as a
 * -db-config: both keys required, "driver" one of the two above (cfssl's
 * "mysql" is refused, naming what kiln supports), nothing else.
 * Returns 0, or -1 with "err" set.
 */
int kiln_certdb_config_parse(struct kiln_certdb_config *, const char *,
    size_t, const char *, struct kiln_err *);

/* One row of "certificates", as cfssl writes it. */
struct kiln_certdb_row {
	char serial[64];  /* decimal, as Go's big.Int prints it */
	char aki[129];    /* the issuer's key id: lowercase hex, no colons */
	char ca_label[256]; /* the request's "label" ("" if none, never NULL) */
	char status[16];  /* "good" or "revoked" */
	int reason;       /* RFC 5280 CRLReason; 0 until revoked */
	int64_t expiry;   /* notAfter, seconds since the epoch */
	int64_t revoked_at; /* seconds; 0 (cfssl's zero time) until revoked */
	int64_t issued_at;  /* seconds (cfssl >= 1.5's column) */
	int64_t not_before; /* seconds (cfssl >= 1.5's column) */
	char common_name[256];
	struct kiln_buf sans; /* JSON array of strings (cfssl >= 1.5) */
	struct kiln_buf pem;  /* the certificate, PEM with its final newline */
};

/* Make "r" empty.  Cannot fail. */
void kiln_certdb_row_init(struct kiln_certdb_row *);

/* Release "r".  Safe after kiln_certdb_row_init(). */
void kiln_certdb_row_free(struct kiln_certdb_row *);

/*
 * Fill "r" for the certificate "der" ("len" bytes) just issued under
 * "label" at "now": status "good", reason 0, not revoked.  Returns 0, or
 * -1 with "err" set.
 */
int kiln_certdb_row_from_cert(struct kiln_certdb_row *, const unsigned char *,
    size_t, const char *, time_t, struct kiln_err *);

struct kiln_certdb; /* one handle */

/*
 * Connect as "c" says and make the schema current: created in an empty
 * database, migrated from an older kiln or cfssl one (the version kept
 * in the table kiln_schema), refused if newer than this kiln knows.
 * SQLite: the file made 0600 if missing, WAL mode, full sync, a busy
 * timeout for the writes of other processes; the file's writer shared
 * with the process's other handles on it (the schema made by the first),
 * a read-only connection of the handle's own.
 * Returns 0 with "*db" set, or -1 with "err" set.
 */
int kiln_certdb_open(struct kiln_certdb **, const struct kiln_certdb_config *,
    struct kiln_err *);

/* Close "db".  NULL is allowed. */
void kiln_certdb_close(struct kiln_certdb *);

/*
 * Insert "r" and commit.  A row with the same serial and key id already
 * there: -1 with KILN_EEXIST (the caller draws another serial).
 * Returns 0, or -1 with "err" set.
 */
int kiln_certdb_insert(
    struct kiln_certdb *, const struct kiln_certdb_row *, struct kiln_err *);

/*
 * Revoke the certificate "serial" (decimal) of the issuer key id "aki"
 * (lowercase hex) with "reason" at "now", as cfssl revoke does (again:
 * the reason and time replaced).  No such row: -1 with KILN_EINVAL and
 * "certificate not found".  Returns 0, or -1 with "err" set.
 */
int kiln_certdb_revoke(struct kiln_certdb *, const char *, const char *, int,
    time_t, struct kiln_err *);

/*
 * Claim the authsign token "token" ("len" bytes) of the auth key named
 * "key" at "now" (seconds) until "expiry": kiln's table kiln_tokens
 * keeps the key's name, the token's SHA-256 and the expiry, so that
 * every process on the database, and one started again, refuses the
 * token until then.  A claim still held (its expiry after "now") is
 * refused: 1; an expired one is taken over.  Expired claims are deleted
 * now and then, a bounded number at a time.  Returns 0 (claimed), 1
 * (refused), or -1 with "err" set.
 */
int kiln_certdb_claim(struct kiln_certdb *, const char *, const unsigned char *,
    size_t, int64_t, int64_t, struct kiln_err *);

/*
 * Give back the claim of "token" by "key" made with "expiry" (the
 * request it came with was not served): the token is usable again.  A
 * claim no longer there, or taken over since, is left alone.  Returns 0,
 * or -1 with "err" set.
 */
int kiln_certdb_release(struct kiln_certdb *, const char *,
    const unsigned char *, size_t, int64_t, struct kiln_err *);

/*
 * The row of "serial" and "aki" into "r" (empty on entry): 1 if found, 0
 * if not, -1 with "err" set.
 */
int kiln_certdb_get(struct kiln_certdb *, const char *, const char *,
    struct kiln_certdb_row *, struct kiln_err *);

/*
 * Call "each" for every revoked certificate not expired at "now", of the
 * issuer key id "aki" (NULL: every issuer), in serial order; a non-zero
 * return of "each" stops the walk and is returned.  Returns 0, the
 * callback's value, or -1 with "err" set.
 */
int kiln_certdb_each_revoked(struct kiln_certdb *, time_t, const char *,
    int (*)(void *, const struct kiln_certdb_row *), void *,
    struct kiln_err *);

/*
 * RFC 5280 reason "name" (cfssl's names, any case: "keyCompromise", ...)
 * or number ("1".."10", 7 excluded) into "*reason".  "" is 0
 * (unspecified).  Returns 0, or -1 with "err" set.
 */
int kiln_certdb_reason(const char *, int *, struct kiln_err *);

#endif /* KILN_CERTDB_H */
