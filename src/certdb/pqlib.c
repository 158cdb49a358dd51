/*
 * libpq opened on first use (pqlib.h): its soname opened and each
 * function pg.c calls looked up once, through core/dynlib.
 */
#include <dlfcn.h>
#include <pthread.h>
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

static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct certdb_pq lib;
static const struct certdb_pq *loaded;
static struct kiln_err load_err;

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

static void
load(void)
{
	/* Kept open for the process: connections may live to its end. */
	if (load_from(CERTDB_PQ_SONAME, &lib, &load_err) != NULL)
		loaded = &lib;
}

const struct certdb_pq *
certdb_pq(struct kiln_err *err)
{
	if (pthread_once(&once, load) != 0) {
		kiln_err_set(err, KILN_EINVAL, "%s: pthread_once failed",
		    CERTDB_PQ_SONAME);
		return NULL;
	}
	if (loaded == NULL)
		kiln_err_pass(err, &load_err);
	return loaded;
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
