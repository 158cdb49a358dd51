/*
 * Helpers shared by the libFuzzer targets: a NUL-terminated copy of the
 * input, for the parsers that want text.
 */
#ifndef KILN_FUZZ_COMMON_H
#define KILN_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kiln/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int LLVMFuzzerInitialize(int *, char ***);

/* "size" bytes of "data" and a NUL, or NULL if out of memory. */
static inline char *
fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s;

	if ((s = malloc(size + 1)) == NULL)
		return NULL;
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * "err", cleared: kiln keeps the first error (a set error is never
 * overwritten), so every call gets a clean one.
 */
static inline struct kiln_err *
fuzz_err(struct kiln_err *err)
{
	kiln_err_clear(err);
	return err;
}

#endif /* KILN_FUZZ_COMMON_H */
