/*
 * PEM armour, as Go's pem.EncodeToMemory writes it: 64-column base64,
 * "\n" line ends, a final "\n".
 */
#ifndef KILN_PEM_H
#define KILN_PEM_H

#include <stddef.h>

#include "kiln/buf.h"
#include "kiln/err.h"

/* Append DER "der" as a PEM block labelled "label" to "out". */
int kiln_pem_write(struct kiln_buf *, const char *, const unsigned char *,
    size_t, struct kiln_err *);

/* Number of "-----BEGIN " lines in NUL-terminated text "s". */
size_t kiln_pem_count(const char *);

#endif /* KILN_PEM_H */
