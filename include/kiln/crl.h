/*
 * Certificate revocation lists, which mbedTLS 2.28 can parse but not
 * write: the serial-number file of "cfssl gencrl" and the CRL itself.
 */
#ifndef KILN_CRL_H
#define KILN_CRL_H

#include <stddef.h>

#include "kiln/buf.h"
#include "kiln/cert.h"
#include "kiln/err.h"
#include "kiln/key.h"
#include "kiln/rng.h"

/*
 * A certificate serial number as the contents of its DER INTEGER:
 * big-endian two's complement, minimal, positive (a leading 0x00 when the
 * high bit is set).  This is the form of mbedTLS's crt.serial, so a
 * parsed certificate's serial can be revoked as it is.
 */
struct kiln_serial {
	unsigned char *p;
	size_t len;
};

/* The most bytes a serial's INTEGER contents may take (RFC 5280 4.1.2.2). */
#define KILN_SERIAL_MAX 20

/* A list of serials, in order; duplicates are kept. */
struct kiln_serials {
	struct kiln_serial *v;
	size_t n;
};

/* Make "s" empty.  Cannot fail. */
void kiln_serials_init(struct kiln_serials *);

/* Wipe and release "s" and its serials, leaving it empty. */
void kiln_serials_free(struct kiln_serials *);

/*
 * Append the serials of "len" bytes of "text", named "name" in errors:
 * one decimal serial per line, surrounding white space ignored, blank
 * lines skipped.  Anything else, zero and negative numbers are errors
 * naming the line: 'serials.txt: line 3: "12x" is not a decimal serial
 * number'.  (cfssl ignores the error and revokes what Go's big.Int made
 * of the line: 12 for "12x", 0 for " 12" or "abc", -5 for "-5".)
 * Returns 0, or -1 (KILN_EINVAL, KILN_ENOMEM) with "s" as it was before
 * the call.
 */
int kiln_serials_parse(struct kiln_serials *, const char *, size_t,
    const char *, struct kiln_err *);

/* What a CRL says besides its issuer.  All pointers are borrowed. */
struct kiln_crl_req {
	/* Revoked certificates, listed in this order; none: an empty CRL. */
	const struct kiln_serial *serials;
	size_t n_serials;
	/*
	 * thisUpdate (also every entry's revocationDate when "revoked_at"
	 * is NULL) and nextUpdate, in seconds since the epoch; next_update
	 * must not come before this_update.  UTCTime up to 2049,
	 * GeneralizedTime from 2050.
	 */
	long long this_update;
	long long next_update;
	/*
	 * The cRLNumber extension: a non-negative number of at most 20
	 * octets (RFC 5280), big-endian, "number_len" bytes.  NULL: none,
	 * as cfssl.
	 */
	const unsigned char *number;
	size_t number_len;
	/*
	 * Each entry's revocationDate in seconds since the epoch, one per
	 * serial (a certificate database's revoked_at, as cfssl's crl
	 * endpoint dates its entries), between 1970 and 9999; NULL: every
	 * entry is dated this_update, as cfssl gencrl does.
	 */
	const long long *revoked_at;
};

/*
 * Append to "out" the DER of a version 2 CRL issued by "ca" and signed
 * with "ca_key", which must be its key (kiln_ca_load() checks that; this
 * call does not).  The issuer is the CA's subject byte for byte; the
 * CRL extensions are authorityKeyIdentifier (the CA's subjectKeyIdentifier,
 * when it has one) and cRLNumber (when "req" gives one), neither
 * critical.  The signature follows Go's CreateCRL, which cfssl gencrl
 * calls: SHA-256 for every RSA key (kiln_key_sig_md() would pick SHA-384
 * or SHA-512 for RSA 3072 and 4096) and the curve's hash for ECDSA.
 * A CA whose keyUsage lacks cRLSign is refused: verifiers reject its
 * CRLs.  Returns 0, or -1 (KILN_EINVAL for a bad request or CA).
 */
int kiln_crl_create(struct kiln_buf *, const struct kiln_crl_req *,
    const struct kiln_cert *, struct kiln_key *, struct kiln_rng *,
    struct kiln_err *);

#endif /* KILN_CRL_H */
