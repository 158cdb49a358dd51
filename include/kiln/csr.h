/*
 * PKCS#10 certificate requests, as cfssl (Go) writes them.
 */
#ifndef KILN_CSR_H
#define KILN_CSR_H

#include <stddef.h>

#include "kiln/buf.h"
#include "kiln/err.h"
#include "kiln/key.h"
#include "kiln/request.h"
#include "kiln/rng.h"

/*
 * Append to "out" the DER of a CSR for subject Name DER "subject" ("len"
 * bytes) and "key", signed with the key's own hash (cfssl's table).  The
 * extensionRequest holds the SAN for "sans" (if any) and, when "ca" is not
 * NULL, a critical basicConstraints CA:TRUE with ca->pathlen (if >= 0).
 * Returns 0 or -1.
 */
int kiln_csr_create(struct kiln_buf *, const unsigned char *, size_t,
    struct kiln_key *, const struct kiln_sans *, const struct kiln_careq *,
    struct kiln_rng *, struct kiln_err *);

#endif /* KILN_CSR_H */
