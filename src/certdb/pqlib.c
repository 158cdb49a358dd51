/*
 * libpq opened on first use (pqlib.h): its soname opened and each
 * function pg.c calls looked up once, through core/dynlib.
 */
#include <dlfcn.h>
#include <stddef.h>

#include "certdb/pqlib.h"
#include "core/dynlib.h"

#define PACKAGE "Debian's libpq5"

/* clang-format off */
#define F(name, member) { #name, offsetof(struct certdb_pq, member) }
static const struct kiln_dynsym syms[] = {
	F(PQclear, clear),
	F(PQcmdTuples, cmdTuples),
	F(PQconnectdb, connectdb),
	F(PQerrorMessage, errorMessage),
	F(PQexec, exec),
	F(PQexecParams, execParams),
	F(PQfinish, finish),
	F(PQgetisnull, getisnull),
	F(PQgetlength, getlength),
	F(PQgetvalue, getvalue),
	F(PQntuples, ntuples),
	F(PQresultErrorField, resultErrorField),
	F(PQresultErrorMessage, resultErrorMessage),
	F(PQresultStatus, resultStatus),
	F(PQsetNoticeProcessor, setNoticeProcessor),
	F(PQstatus, status),
};
#undef F
/* clang-format on */

static struct kiln_dynlib_once once = KILN_DYNLIB_ONCE_INIT;
static struct certdb_pq lib;

/* Open "soname" into "t": the handle, or NULL with "err" set. */
static void *
load_from(const char *soname, struct certdb_pq *t, struct kiln_err *err)
{
	struct kiln_err e = {0};
	void *h;

	if ((h = kiln_dynlib_open(soname, PACKAGE, syms,
	         sizeof(syms) / sizeof(syms[0]), t, &e)) == NULL)
		kiln_err_pass_prefix(err, &e, "certdb: postgres");
	return h;
}

/* Kept open for the process: connections may live to its end. */
const struct certdb_pq *
certdb_pq(struct kiln_err *err)
{
	struct kiln_err e = {0};

	if (kiln_dynlib_open_once(&once, CERTDB_PQ_SONAME, PACKAGE, syms,
	        sizeof(syms) / sizeof(syms[0]), &lib, &e) == -1) {
		kiln_err_pass_prefix(err, &e, "certdb: postgres");
		return NULL;
	}
	return &lib;
}

int
certdb_pq_try(const char *soname, struct kiln_err *err)
{
	struct certdb_pq t;
	void *h;

	if ((h = load_from(soname, &t, err)) == NULL)
		return -1;
	dlclose(h);
	return 0;
}
