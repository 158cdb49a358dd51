/*
 * The inspector's decoders, one file each, on the one walk of a
 * certificate's or CSR's body (asn1/x509.h): a certificate
 * (decode_cert.c), a CSR (decode_csr.c), public keys and signature
 * algorithms (decode_key.c).  inspect.c finds the input (PEM or DER),
 * keeps the objects and calls them.  Private to libkiln.
 */
#ifndef KILN_INSPECT_DECODE_H
#define KILN_INSPECT_DECODE_H

#include <stddef.h>

#include "asn1/x509.h"
#include "kiln/err.h"
#include "kiln/inspect.h"

/*
 * Copy "len" bytes of DER into info->der and its SHA-256 into
 * info->fingerprint.  0, or -1 with "err" filled ("empty DER").
 */
int inspect_take_der(
    struct kiln_info *, const unsigned char *, size_t, struct kiln_err *);

/*
 * Decode certificate DER (inspect_cert_der) or CSR DER (inspect_csr_der)
 * into "info", which is empty.  0, or -1 with "err" filled by the first
 * problem, in the order of the fields.
 */
int inspect_cert_der(
    struct kiln_info *, const unsigned char *, size_t, struct kiln_err *);
int inspect_csr_der(
    struct kiln_info *, const unsigned char *, size_t, struct kiln_err *);

/*
 * The OID of the AlgorithmIdentifier element "whole" into "oid" of
 * "size" bytes.  0, or -1 if it is not a SEQUENCE starting with an OID.
 */
int inspect_algid(const struct rd *, char *, size_t);

/*
 * The outer signature algorithm element "whole" into info->sigalg_oid
 * and, by cfssl's names, info->sigalg.  0, or -1 as inspect_algid.
 */
int inspect_sigalg(struct kiln_info *, const struct rd *);

/*
 * The SubjectPublicKeyInfo element "whole" decoded into "info": the
 * algorithm, size or curve and the key identifier.  0, or -1 with "err"
 * filled ("bad public key").
 */
int inspect_spki(struct kiln_info *, struct rd, struct kiln_err *);

/*
 * The subject and public key of body "b", fields "subject" and
 * "subject" + 1 (a certificate's and a CSR's come in that order), into
 * "info": "bad subject" or "subject: ..." and "bad public key" errors.
 */
int inspect_subject_key(
    struct kiln_info *, const struct x509_body *, size_t, struct kiln_err *);

/*
 * Field "i" of body "b" if it was read and has tag "tag": its contents
 * into "inner", 0; else -1.
 */
int inspect_field(const struct x509_body *, size_t, int, struct rd *);

#endif /* KILN_INSPECT_DECODE_H */
