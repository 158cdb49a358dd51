/*
 * Signing certificate requests made elsewhere (cfssl sign): a PKCS#10
 * request turned into what kiln_issue() certifies.
 *
 * mbedTLS 2.28 neither reads a request's extensions nor checks its
 * signature, so the request is read with kiln_inspect_csr(), which does
 * both.  The subject is rebuilt the way cfssl's Go code rebuilds it (see
 * kiln_sign_request), the public key is re-encoded, the SANs are the
 * request's unless replaced.
 */
#ifndef KILN_SIGN_H
#define KILN_SIGN_H

#include <stddef.h>

#include "kiln/buf.h"
#include "kiln/cert.h"
#include "kiln/config.h"
#include "kiln/err.h"
#include "kiln/inspect.h"
#include "kiln/issue.h"
#include "kiln/request.h"

/* One subject attribute kept from the request, in request order. */
struct kiln_sign_attr {
	char oid[64]; /* dotted, "2.5.4.3" */
	char *value;  /* UTF-8, whatever the request's string type */
};

/*
 * A request being signed.  Everything is owned; "certreq" points into the
 * structure itself, so it must not be copied or moved once filled.
 */
struct kiln_signreq {
	struct kiln_info csr; /* the request as kiln_inspect_csr() reads it */
	int was_der;          /* the input was DER, not PEM */

	/* The subject: attributes, then the DER built from them. */
	struct kiln_sign_attr *attr;
	size_t n_attr;
	struct kiln_buf subject;

	struct kiln_buf spki;  /* the public key, re-encoded */
	struct kiln_sans sans; /* the request's SANs, or the replacements */

	/* basicConstraints in the request's extensions. */
	int is_ca;        /* cA TRUE was asked for */
	int max_path_len; /* the pathLenConstraint asked for, -1 for none */

	/* copy_extensions: the request's extensions but basicConstraints. */
	struct kiln_buf extra;

	/* For kiln_issue(): up to date after every call below. */
	struct kiln_certreq certreq;
};

/* Make "req" empty.  Cannot fail. */
void kiln_signreq_init(struct kiln_signreq *);

/* Release "req".  Safe after kiln_signreq_init(). */
void kiln_signreq_free(struct kiln_signreq *);

/*
 * Read a certificate request from "len" bytes of "data" into "req",
 * which must be empty: PEM (the first PEM block, labelled "CERTIFICATE
 * REQUEST" or "NEW CERTIFICATE REQUEST") or DER.  The request's
 * signature must verify with its own key: RSA PKCS#1 v1.5 or ECDSA, with
 * SHA-1 or SHA-2, the algorithms cfssl checks.
 *
 * The subject is rebuilt as cfssl's Go code rebuilds it: C, ST, L,
 * street, postalCode, O, OU, each in request order, then the last CN and
 * the last serialNumber (if not empty), then every other attribute in
 * request order.  Each value is its own RDN (a multi-valued RDN is split)
 * and is a PrintableString when every character allows it, a UTF8String
 * otherwise.  The SANs are the request's: every DNS name, email address,
 * IP address and URI; other kinds are dropped.
 *
 * Returns 0, or -1 with KILN_EINVAL and a one-line reason ("a
 * certificate, not a certificate request", "signature does not verify").
 */
int kiln_sign_request(
    struct kiln_signreq *, const unsigned char *, size_t, struct kiln_err *);

/*
 * Apply cfssl sign's SUBJECT file: "len" bytes of JSON text (followed by
 * a NUL) of the form {"CN":..,"names":[{"C":..,"ST":..,"L":..,"O":..,
 * "OU":..}],"SerialNumber":..}.  A non-empty CN or SerialNumber replaces
 * the request's; each of C, ST, L, O and OU is replaced by the names'
 * values when any names entry gives one.  street, postalCode and every
 * other attribute of the request are dropped, as cfssl drops them.
 * Other keys are ignored.  Returns 0, or -1 with KILN_EINVAL naming the
 * field.
 */
int kiln_sign_subject(
    struct kiln_signreq *, const char *, size_t, struct kiln_err *);

/*
 * Replace the SANs with the comma-separated "list" (cfssl's -hostname:
 * split on commas, not trimmed, each classified by kiln_sans_add()).
 * Returns 0 or -1.
 */
int kiln_sign_hosts(struct kiln_signreq *, const char *, struct kiln_err *);

/*
 * cfssl's rules for a request that asks for a CA certificate: refused
 * unless "profile" has ca_constraint.is_ca, and refused if the CA "ca"
 * has a pathlen above 0 and the request's pathlen is not below it.  (A
 * profile that is a CA issues a CA certificate whatever the request
 * says; its pathlen is the profile's.)  Returns 0, or -1 with
 * KILN_EPOLICY.
 */
int kiln_sign_check(const struct kiln_signreq *, const struct kiln_profile *,
    const struct kiln_cert *, struct kiln_err *);

/*
 * kiln's rule for the key of a request it signs (under kiln's name; cfssl
 * signs any key Go reads): RSA of 2048 to 8192 bits, or ECDSA on P-256,
 * P-384 or P-521, the keys kiln makes itself.  Returns 0, or -1 with
 * KILN_EPOLICY naming the key ("RSA of 1024 bits").
 */
int kiln_sign_key_check(const struct kiln_signreq *, struct kiln_err *);

/*
 * A profile's copy_extensions, as cfssl: every extension of the request
 * but basicConstraints goes into the certificate verbatim, in place of
 * kiln's own of the same OID.  Returns 0 or -1.
 */
int kiln_sign_copy_extensions(struct kiln_signreq *, struct kiln_err *);

#endif /* KILN_SIGN_H */
