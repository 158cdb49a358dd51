/*
 * libpq, opened when a PostgreSQL database is first used rather than
 * linked: a process on SQLite never maps libpq and what it pulls in
 * (libssl, libcrypto, Kerberos, LDAP: about 2.7 MiB resident).  The
 * functions pg.c calls, typed by libpq-fe.h's own prototypes.  Private to
 * src/certdb/.
 */
#ifndef KILN_CERTDB_PQLIB_H
#define KILN_CERTDB_PQLIB_H

#include <libpq-fe.h>

#include "kiln/err.h"

/* The soname Debian's libpq5 installs. */
#define CERTDB_PQ_SONAME "libpq.so.5"

struct certdb_pq {
	__typeof__(PQclear) *clear;
	__typeof__(PQcmdTuples) *cmdTuples;
	__typeof__(PQconnectdb) *connectdb;
	__typeof__(PQerrorMessage) *errorMessage;
	__typeof__(PQexec) *exec;
	__typeof__(PQexecParams) *execParams;
	__typeof__(PQfinish) *finish;
	__typeof__(PQgetisnull) *getisnull;
	__typeof__(PQgetlength) *getlength;
	__typeof__(PQgetvalue) *getvalue;
	__typeof__(PQntuples) *ntuples;
	__typeof__(PQresultErrorField) *resultErrorField;
	__typeof__(PQresultErrorMessage) *resultErrorMessage;
	__typeof__(PQresultStatus) *resultStatus;
	__typeof__(PQsetNoticeProcessor) *setNoticeProcessor;
	__typeof__(PQstatus) *status;
};

/*
 * libpq's functions, CERTDB_PQ_SONAME opened and resolved once in the
 * process (kiln_dynlib_open_once; never closed): the table, or NULL with "err"
 * set, the same error on every call.
 */
const struct certdb_pq *certdb_pq(struct kiln_err *);

/*
 * Open the library "soname" and resolve the table as certdb_pq does,
 * then close it again: 0, or -1 with "err" set (for the tests).
 */
int certdb_pq_try(const char *, struct kiln_err *);

#endif /* KILN_CERTDB_PQLIB_H */
