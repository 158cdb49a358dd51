/*
 * Parsed certificates, with what mbedTLS 2.28 does not decode (the
 * subject key identifier) filled in by kiln.
 */
#ifndef KILN_CERT_H
#define KILN_CERT_H

#include <stddef.h>

#include <mbedtls/x509_crt.h>

#include "kiln/buf.h"
#include "kiln/err.h"
#include "kiln/key.h"
#include "kiln/rng.h"

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

/*
 * The notAfter of "crt", in seconds since the epoch: for telling whether
 * a certificate would outlive its issuer (it stops working when the
 * issuer expires, whatever its own date says).
 */
long long kiln_cert_not_after(const struct kiln_cert *);

/*
 * Whether a certificate ending at "not_after" (seconds since the epoch)
 * outlives its CA "ca" by more than KILN_OUTLIVES_GRACE: the one rule of
 * gencert's, sign's, renew's and etcd's warning and of check's reason.
 * The grace keeps quiet about a leaf made with the CA's own lifetime
 * minutes after the CA, which outlives it by those minutes.
 */
#define KILN_OUTLIVES_GRACE 86400LL
int kiln_cert_outlives(const struct kiln_cert *ca, long long not_after);

/*
 * A signing CA: its certificate from "cert" (one PEM certificate or DER)
 * and its private key from "key", decrypted with "password" if it is
 * encrypted (NULL: none), named "cert_name" and "key_name" in errors.  The
 * certificate must be a CA (basicConstraints CA:TRUE) and the key its own.
 * Returns 0 or -1 (KILN_EINVAL naming the file; a missing or wrong
 * password told apart by kiln_key_password_problem).  Issuing commands
 * open their CA with kiln_signer_open(), which calls this.
 */
int kiln_ca_load(struct kiln_cert *, struct kiln_key *, const struct kiln_buf *,
    const char *, const struct kiln_buf *, const char *, const char *,
    struct kiln_rng *, struct kiln_err *);

#endif /* KILN_CERT_H */
