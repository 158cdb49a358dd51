#include <dlfcn.h>
#include <string.h>

#include "core/dynlib.h"

/* dlsym's pointers are copied into function pointers of that size. */
_Static_assert(sizeof(void *) == sizeof(void (*)(void)),
    "function pointers are not the size of data pointers");

void *
kiln_dynlib_open(const char *soname, const char *package,
    const struct kiln_dynsym *syms, size_t n, void *table, struct kiln_err *err)
{
	const char *why;
	void *h, *f;
	size_t i;

	(void)dlerror();
	if ((h = dlopen(soname, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		why = dlerror();
		kiln_err_set(err, KILN_EINVAL, "cannot load %s (%s): %s",
		    soname, package, why != NULL ? why : "dlopen failed");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if ((f = dlsym(h, syms[i].name)) == NULL) {
			kiln_err_set(err, KILN_EINVAL, "%s has no %s", soname,
			    syms[i].name);
			dlclose(h);
			return NULL;
		}
		/* POSIX: a function's address from dlsym, copied as is. */
		memcpy((char *)table + syms[i].off, &f, sizeof(f));
	}
	return h;
}

int
kiln_dynlib_open_once(struct kiln_dynlib_once *once, const char *soname,
    const char *package, const struct kiln_dynsym *syms, size_t n, void *table,
    struct kiln_err *err)
{
	int ok;

	pthread_mutex_lock(&once->lock);
	if (!once->tried) {
		once->tried = 1;
		once->ok = kiln_dynlib_open(soname, package, syms, n, table,
		               &once->err) != NULL;
	}
	ok = once->ok;
	pthread_mutex_unlock(&once->lock);
	if (!ok)
		return kiln_err_pass(err, &once->err);
	return 0;
}
