/*
 * Parsed certificates, with what mbedTLS 2.28 does not decode (the
 * subject key identifier) filled in by kiln.
 */
#ifndef KILN_CERT_H
#define KILN_CERT_H

#include <stddef.h>

#include <mbedtls/x509_crt.h>

#include "kiln/err.h"

struct kiln_cert {
	mbedtls_x509_crt crt;
	unsigned char ski[64]; /* subjectKeyIdentifier, if ski_len > 0 */
	size_t ski_len;
};

void kiln_cert_init(struct kiln_cert *);
void kiln_cert_free(struct kiln_cert *);

/*
 * Parse exactly one certificate from "len" bytes of PEM or DER (as
 * cfssl's -ca: one PEM object and nothing else).  Certificates with
 * critical extensions mbedTLS does not know (name constraints) are
 * accepted.  Returns 0, or -1 with KILN_EINVAL.
 */
int kiln_cert_parse(
    struct kiln_cert *, const unsigned char *, size_t, struct kiln_err *);

#endif /* KILN_CERT_H */
