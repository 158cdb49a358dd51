/*
 * Libraries opened when first needed, not linked: kiln serve's HTTP
 * stack (libmicrohttpd, and GnuTLS through it) and PostgreSQL's libpq
 * cost every other command their loading, relocation and constructors
 * (about 5 ms of CPU and 5 MiB of resident pages per process, against
 * well under 1 ms for the rest of kiln), so only the code that uses them
 * opens them.  Private to libkiln.
 */
#ifndef KILN_CORE_DYNLIB_H
#define KILN_CORE_DYNLIB_H

#include <pthread.h>
#include <stddef.h>

#include "kiln/err.h"

/* One function looked up: its name, and where in the table it goes. */
struct kiln_dynsym {
	const char *name;
	size_t off; /* offsetof the function pointer in the table */
};

/*
 * Open the shared library "soname" (RTLD_NOW | RTLD_LOCAL) and store the
 * address of each of the "n" functions of "syms" in "table", a struct of
 * function pointers, each at its offset; the functions of the libraries
 * it depends on are found too.  "package" names what installs it, for
 * the error.  Returns the handle (kept open for the process's life), or
 * NULL with KILN_EINVAL ("cannot load libpq.so.5 (Debian's libpq5):
 * ...", "libpq.so.5 has no PQexec") and nothing left open.
 */
void *kiln_dynlib_open(const char *soname, const char *package,
    const struct kiln_dynsym *syms, size_t n, void *table,
    struct kiln_err *err);

/*
 * A library opened at most once in the process, on first use from any
 * thread, and never closed.  Static, set with KILN_DYNLIB_ONCE_INIT.
 */
struct kiln_dynlib_once {
	pthread_mutex_t lock;
	int tried, ok;
	struct kiln_err err; /* the first attempt's, when it failed */
};
#define KILN_DYNLIB_ONCE_INIT                                                  \
	{                                                                      \
		PTHREAD_MUTEX_INITIALIZER, 0, 0, { 0 }                         \
	}

/*
 * kiln_dynlib_open, the first time "once" is used; every later call
 * answers as the first did and fills nothing, so "table" is the same
 * static table on every call.  Returns 0 (the table filled by the first
 * call), or -1 with "err" set to the first attempt's error.
 */
int kiln_dynlib_open_once(struct kiln_dynlib_once *once, const char *soname,
    const char *package, const struct kiln_dynsym *syms, size_t n, void *table,
    struct kiln_err *err);

#endif /* KILN_CORE_DYNLIB_H */
