/*
 * DER writing and the X.509 extensions mbedTLS 2.28 cannot write.
 * Private to libkiln.
 *
 * struct der builds DER front to back: der_open() writes a tag and a
 * placeholder length, der_close() fixes the length once the contents are
 * known.  Allocation failure is sticky: every call after it does nothing
 * and der_check() reports it, so builders check once at the end.
 */
#ifndef KILN_DER_H
#define KILN_DER_H

#include <stddef.h>

#include "kiln/buf.h"
#include "kiln/config.h"
#include "kiln/err.h"
#include "kiln/key.h"
#include "kiln/request.h"
#include "kiln/rng.h"

#define DER_BOOLEAN 0x01
#define DER_INTEGER 0x02
#define DER_BIT_STRING 0x03
#define DER_OCTET_STRING 0x04
#define DER_NULL 0x05
#define DER_OID 0x06
#define DER_UTF8_STRING 0x0c
#define DER_PRINTABLE_STRING 0x13
#define DER_IA5_STRING 0x16
#define DER_UTC_TIME 0x17
#define DER_GENERALIZED_TIME 0x18
#define DER_SEQUENCE 0x30
#define DER_SET 0x31
#define DER_CONTEXT(n) (0x80 | (n))      /* [n] IMPLICIT, primitive */
#define DER_CONTEXT_CONS(n) (0xa0 | (n)) /* [n], constructed */

struct der {
	struct kiln_buf buf;
	int failed; /* an allocation failed */
};

void der_init(struct der *);
void der_free(struct der *); /* wipes */

/* Start a constructed or primitive value; returns the mark for close. */
size_t der_open(struct der *, unsigned char);
/* Finish the value started at "mark", writing its length. */
void der_close(struct der *, size_t);

void der_raw(struct der *, const void *, size_t);
void der_tlv(struct der *, unsigned char, const void *, size_t);
/* An unsigned big-endian number as a minimal, positive INTEGER. */
void der_uint(struct der *, const unsigned char *, size_t);
void der_small_int(struct der *, unsigned int);
void der_bool_true(struct der *);
/* A UTCTime (1950-2049) or GeneralizedTime, as RFC 5280 asks. */
void der_time(struct der *, long long);

/* 0, or -1 with KILN_ENOMEM if any write failed. */
int der_check(const struct der *, struct kiln_err *);

/*
 * The dotted OID "s" ("1.2.840.113549.1.9.1") as DER contents into "out"
 * ("size" bytes).  Returns the length, or 0 if "s" is not a valid OID.
 */
size_t der_oid_from_string(const char *, unsigned char *, size_t);

/* Extension { extnID, critical, extnValue } with "value" as contents. */
void der_extension(struct der *, const char *, size_t, int, const struct der *);

/* Extension values (the contents of extnValue). */
void der_key_usage(struct der *, unsigned int);
void der_ext_key_usage(struct der *, const enum kiln_eku *, size_t);
/* pathlen < 0: none */
void der_basic_constraints(struct der *, int, int);
/* SAN in cfssl's order: every DNS name, then email, IP, URI. */
void der_subject_alt_name(struct der *, const struct kiln_sans *);
void der_authority_info_access(
    struct der *, const char *, char *const *, size_t);
void der_crl_distribution_points(struct der *, const char *);
void der_authority_key_id(struct der *, const unsigned char *, size_t);

/* Reading. */

/*
 * Find extension "oid" in "len" bytes of DER Extensions (a SEQUENCE OF
 * Extension, as mbedTLS's v3_ext).  Returns 1 and the extnValue's
 * contents (and criticality, if "critical" is not NULL), 0 if absent, -1
 * if the DER is malformed.
 */
int der_find_extension(const unsigned char *, size_t, const char *, size_t,
    const unsigned char **, size_t *, int *);

/*
 * The subjectPublicKey BIT STRING's contents (without the unused-bits
 * byte) of SubjectPublicKeyInfo DER.  Returns 0 or -1 if malformed.
 */
int der_spki_key_bits(
    const unsigned char *, size_t, const unsigned char **, size_t *);

/* Signing. */

/*
 * The AlgorithmIdentifier for signing with "pk" and "md": a NULL
 * parameter for RSA, none for ECDSA (RFC 5758; mbedTLS 2.28.3 adds one).
 */
int der_sig_algid(struct der *, const mbedtls_pk_context *, mbedtls_md_type_t,
    struct kiln_err *);

/*
 * Sign "tbs" with "key" and append SEQUENCE { tbs, AlgorithmIdentifier,
 * BIT STRING signature } to "out": the shape of certificates, CSRs and
 * CRLs alike.
 */
int der_sign(struct kiln_buf *, const struct der *, struct kiln_key *,
    mbedtls_md_type_t, struct kiln_rng *, struct kiln_err *);

/*
 * One attribute as its own RDN, SET { SEQUENCE { OID, value } }: a
 * PrintableString when Go's alphabet allows, else a UTF8String (Go's
 * rule).  Returns 0, or -1 for an OID that is not dotted decimal.
 */
int der_rdn(struct der *, const char *, const char *);

#endif /* KILN_DER_H */
