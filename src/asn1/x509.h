/*
 * kiln's own X.509 DER walk, shared by the inspector's parts: directory
 * strings and names, and the extensions kiln decodes, read with the
 * cursor of derread.h.  Private to libkiln.
 */
#ifndef KILN_X509_H
#define KILN_X509_H

#include <stddef.h>

#include "asn1/derread.h"
#include "kiln/err.h"
#include "kiln/inspect.h"

/*
 * The one walk of a certificate's and a CSR's body.  It reads each field
 * as a whole element (tag, length, contents) without judging its tag, in
 * order, and stops at the first it cannot read: each caller applies its
 * own rules to what was found (the inspector words a message per field;
 * x509_tbs only needs the elements), so none walks the body again.
 */

/* TBSCertificate's fields, in order; X509_VERSION is empty when absent. */
enum {
	X509_VERSION,
	X509_SERIAL,
	X509_SIGNATURE,
	X509_ISSUER,
	X509_VALIDITY,
	X509_SUBJECT,
	X509_SPKI,
	X509_TBS_FIELDS
};

/* CertificationRequestInfo's fields, in order. */
enum {
	X509_CSR_VERSION,
	X509_CSR_SUBJECT,
	X509_CSR_SPKI,
	X509_CSR_ATTRS,
	X509_CSR_FIELDS
};

/*
 * A certificate or CSR: "body" is the TBSCertificate or
 * CertificationRequestInfo element (empty if the outer SEQUENCE holds
 * none), "sigalg" and "sig" the elements after it, "extra" what the outer
 * SEQUENCE holds after them and "after" what follows it.  "field" holds
 * the body's first "nfield" fields (whole elements) and "rest" what
 * follows the last of them (a certificate's optional fields).  "outer_ok"
 * is 1 when the body, "sigalg" and "sig" were all read.
 */
struct x509_body {
	struct rd after, body, sigalg, sig, extra, rest;
	struct rd field[X509_TBS_FIELDS];
	size_t nfield;
	int outer_ok;
};

/*
 * Walk certificate DER (x509_cert_walk) or CSR DER (x509_csr_walk) into
 * "b".  Returns 0, or -1 if "der" does not start with a SEQUENCE.
 */
int x509_cert_walk(const unsigned char *, size_t, struct x509_body *);
int x509_csr_walk(const unsigned char *, size_t, struct x509_body *);

/* Whole elements of a certificate's TBSCertificate. */
struct x509_tbs {
	struct rd issuer, subject, spki;
	struct rd exts; /* the [3] element, empty without extensions */
};

/*
 * Find them in certificate DER "der" (through x509_cert_walk).  Returns
 * 0 or -1.
 */
int x509_tbs(const unsigned char *, size_t, struct x509_tbs *);

/*
 * A directory string of type "tag" with contents "v" (the whole element
 * "whole", for types that are not strings) as a new UTF-8 string, or NULL.
 */
char *x509_decode_string(
    int, const struct rd *, const struct rd *, struct kiln_err *);

/* The attributes of Name contents "name", appended to "dn". */
int x509_parse_dn(struct rd, struct kiln_dn *, struct kiln_err *);
void x509_dn_free(struct kiln_dn *);

/* An IP address of 4 or 16 bytes as Go's net.IP.String() writes it. */
void x509_ip_string(const unsigned char *, size_t, char *, size_t);

/*
 * The one reader of X.509 extensions.  x509_ext_next reads the next
 * Extension of Extensions contents "exts": its OID's contents into
 * "oid", its criticality into "*critical" (0 when the field is absent)
 * and its extnValue's contents into "value"; 0, or -1 if it is malformed.
 * x509_ext_find finds the extension whose OID contents are the "len"
 * bytes "oid" in Extensions contents "exts": 1 with "value" and, unless
 * NULL, "*critical" filled; 0 if absent; -1 if an extension before it,
 * or it, is malformed.
 */
int x509_ext_next(struct rd *, struct rd *, int *, struct rd *);
int x509_ext_find(struct rd, const unsigned char *, size_t, struct rd *, int *);

/*
 * Every extension of Extensions contents "exts", recorded in "info" (whose
 * "der" holds them) and decoded where kiln knows the extension.
 */
int x509_parse_extensions(struct kiln_info *, struct rd, struct kiln_err *);

#endif /* KILN_X509_H */
