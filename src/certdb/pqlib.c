/*
 * libpq opened on first use (pqlib.h): dlopen of its soname, each
 * function pg.c calls looked up once.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "certdb/pqlib.h"

/* clang-format off */
#define F(name, member) { name, offsetof(struct certdb_pq, member) }
static const struct {
	const char *name;
	size_t off;
} symbols[] = {
	F("PQclear", clear),
	F("PQcmdTuples", cmdTuples),
	F("PQconnectdb", connectdb),
	F("PQerrorMessage", errorMessage),
	F("PQexec", exec),
	F("PQexecParams", execParams),
	F("PQfinish", finish),
	F("PQgetisnull", getisnull),
	F("PQgetlength", getlength),
	F("PQgetvalue", getvalue),
	F("PQntuples", ntuples),
	F("PQresultErrorField", resultErrorField),
	F("PQresultErrorMessage", resultErrorMessage),
	F("PQresultStatus", resultStatus),
	F("PQsetNoticeProcessor", setNoticeProcessor),
	F("PQstatus", status),
};
#undef F
/* clang-format on */

/* dlsym's pointers are copied into function pointers of that size. */
_Static_assert(sizeof(void *) == sizeof(void (*)(void)),
    "function pointers are not the size of data pointers");

static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct certdb_pq lib;
static struct kiln_err lib_err;

/*
 * Open "soname" into "*handle" and fill "t" from it.  Returns 0, or -1
 * with "err" set and nothing left open.
 */
static int
load(const char *soname, void **handle, struct certdb_pq *t,
    struct kiln_err *err)
{
	const char *why;
	void *h, *f;
	size_t i;

	*handle = NULL;
	(void)dlerror();
	if ((h = dlopen(soname, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		why = dlerror();
		return kiln_err_set(err, KILN_EINVAL,
		    "certdb: postgres: cannot load %s (Debian's libpq5): %s",
		    soname, why != NULL ? why : "dlopen failed");
	}
	memset(t, 0, sizeof(*t));
	for (i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
		if ((f = dlsym(h, symbols[i].name)) == NULL) {
			dlclose(h);
			return kiln_err_set(err, KILN_EINVAL,
			    "certdb: postgres: %s has no %s", soname,
			    symbols[i].name);
		}
		/* A function pointer from dlsym, as POSIX allows. */
		memcpy((char *)t + symbols[i].off, &f, sizeof(f));
	}
	*handle = h;
	return 0;
}

static void
load_once(void)
{
	void *h;

	/* Kept open for the process: connections may live to its end. */
	(void)load(CERTDB_PQ_SONAME, &h, &lib, &lib_err);
}

const struct certdb_pq *
certdb_pq(struct kiln_err *err)
{
	pthread_once(&once, load_once);
	if (lib_err.code != KILN_OK) {
		kiln_err_pass(err, &lib_err);
		return NULL;
	}
	return &lib;
}

int
certdb_pq_try(const char *soname, struct kiln_err *err)
{
	struct certdb_pq t;
	void *h;

	if (load(soname, &h, &t, err) == -1)
		return -1;
	dlclose(h);
	return 0;
}
