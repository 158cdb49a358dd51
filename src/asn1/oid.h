/*
 * The one table of the object identifiers kiln uses, each named once in
 * its dotted form (what rd_oid and rd_oid_dotted give and what the
 * tables of names are keyed by).  Where the raw DER contents are needed
 * (writing an extension, comparing with memcmp), use mbedTLS's
 * MBEDTLS_OID_* byte strings, or KILN_OID_RAW_* at the end of this file
 * for those mbedTLS does not name: the comment above a name gives the one
 * it equals, and tests/unit/asn1/test_oid.c checks every such pair and that
 * no two names share a value.  A new name goes into that test's lists
 * too.  Private to libkiln.
 */
#ifndef KILN_OID_H
#define KILN_OID_H

#include <mbedtls/oid.h>

/* Attribute types of a distinguished name (X.520, PKCS #9, RFC 4519). */
/* MBEDTLS_OID_AT_CN */
#define KILN_OID_AT_CN "2.5.4.3"
/* MBEDTLS_OID_AT_SUR_NAME */
#define KILN_OID_AT_SURNAME "2.5.4.4"
/* MBEDTLS_OID_AT_SERIAL_NUMBER */
#define KILN_OID_AT_SERIAL "2.5.4.5"
/* MBEDTLS_OID_AT_COUNTRY */
#define KILN_OID_AT_C "2.5.4.6"
/* MBEDTLS_OID_AT_LOCALITY */
#define KILN_OID_AT_L "2.5.4.7"
/* MBEDTLS_OID_AT_STATE */
#define KILN_OID_AT_ST "2.5.4.8"
/* streetAddress */
#define KILN_OID_AT_STREET "2.5.4.9"
/* MBEDTLS_OID_AT_ORGANIZATION */
#define KILN_OID_AT_O "2.5.4.10"
/* MBEDTLS_OID_AT_ORG_UNIT */
#define KILN_OID_AT_OU "2.5.4.11"
/* MBEDTLS_OID_AT_TITLE */
#define KILN_OID_AT_TITLE "2.5.4.12"
/* businessCategory */
#define KILN_OID_AT_BUSINESS_CATEGORY "2.5.4.15"
/* MBEDTLS_OID_AT_POSTAL_CODE */
#define KILN_OID_AT_POSTAL_CODE "2.5.4.17"
/* MBEDTLS_OID_AT_GIVEN_NAME */
#define KILN_OID_AT_GIVEN_NAME "2.5.4.42"
/* MBEDTLS_OID_AT_INITIALS */
#define KILN_OID_AT_INITIALS "2.5.4.43"
/* MBEDTLS_OID_AT_GENERATION_QUALIFIER */
#define KILN_OID_AT_GENERATION_QUALIFIER "2.5.4.44"
/* MBEDTLS_OID_AT_DN_QUALIFIER */
#define KILN_OID_AT_DN_QUALIFIER "2.5.4.46"
/* MBEDTLS_OID_AT_PSEUDONYM */
#define KILN_OID_AT_PSEUDONYM "2.5.4.65"
/* organizationIdentifier */
#define KILN_OID_AT_ORG_ID "2.5.4.97"
/* MBEDTLS_OID_PKCS9_EMAIL */
#define KILN_OID_AT_EMAIL "1.2.840.113549.1.9.1"
/* domainComponent: MBEDTLS_OID_DOMAIN_COMPONENT */
#define KILN_OID_AT_DC "0.9.2342.19200300.100.1.25"
/* userId */
#define KILN_OID_AT_UID "0.9.2342.19200300.100.1.1"

/* A CSR's attribute holding its extensions: MBEDTLS_OID_PKCS9_CSR_EXT_REQ */
#define KILN_OID_EXT_REQUEST "1.2.840.113549.1.9.14"

/* Certificate extensions (RFC 5280 4.2, RFC 6960, RFC 6962). */
/* subjectKeyIdentifier: MBEDTLS_OID_SUBJECT_KEY_IDENTIFIER */
#define KILN_OID_EXT_SKI "2.5.29.14"
/* MBEDTLS_OID_KEY_USAGE */
#define KILN_OID_EXT_KU "2.5.29.15"
/* MBEDTLS_OID_SUBJECT_ALT_NAME */
#define KILN_OID_EXT_SAN "2.5.29.17"
/* MBEDTLS_OID_BASIC_CONSTRAINTS */
#define KILN_OID_EXT_BC "2.5.29.19"
/* nameConstraints: MBEDTLS_OID_NAME_CONSTRAINTS */
#define KILN_OID_EXT_NAME_CONSTRAINTS "2.5.29.30"
/* cRLDistributionPoints: MBEDTLS_OID_CRL_DISTRIBUTION_POINTS */
#define KILN_OID_EXT_CRL_DP "2.5.29.31"
/* certificatePolicies: MBEDTLS_OID_CERTIFICATE_POLICIES */
#define KILN_OID_EXT_POLICIES "2.5.29.32"
/* authorityKeyIdentifier: MBEDTLS_OID_AUTHORITY_KEY_IDENTIFIER */
#define KILN_OID_EXT_AKI "2.5.29.35"
/* policyConstraints: MBEDTLS_OID_POLICY_CONSTRAINTS */
#define KILN_OID_EXT_POLICY_CONSTRAINTS "2.5.29.36"
/* MBEDTLS_OID_EXTENDED_KEY_USAGE */
#define KILN_OID_EXT_EKU "2.5.29.37"
/* inhibitAnyPolicy: MBEDTLS_OID_INIHIBIT_ANYPOLICY */
#define KILN_OID_EXT_INHIBIT_ANY_POLICY "2.5.29.54"
/* authorityInfoAccess: KILN_OID_RAW_EXT_AIA */
#define KILN_OID_EXT_AIA "1.3.6.1.5.5.7.1.1"
/* id-pkix-ocsp-nocheck: KILN_OID_RAW_EXT_OCSP_NO_CHECK */
#define KILN_OID_EXT_OCSP_NO_CHECK "1.3.6.1.5.5.7.48.1.5"
/* CT precertificate SCTs */
#define KILN_OID_EXT_CT_SCTS "1.3.6.1.4.1.11129.2.4.2"

/* Access methods of authorityInfoAccess (RFC 5280 4.2.2.1). */
/* KILN_OID_RAW_AD_OCSP */
#define KILN_OID_AD_OCSP "1.3.6.1.5.5.7.48.1"
/* id-ad-caIssuers: KILN_OID_RAW_AD_CA_ISSUERS */
#define KILN_OID_AD_CA_ISSUERS "1.3.6.1.5.5.7.48.2"

/* Policy qualifier types (RFC 5280 4.2.1.4). */
/* id-qt-cps */
#define KILN_OID_QT_CPS "1.3.6.1.5.5.7.2.1"
/* id-qt-unotice */
#define KILN_OID_QT_UNOTICE "1.3.6.1.5.5.7.2.2"

/* Extended key usages (RFC 5280 4.2.1.12). */
/* anyExtendedKeyUsage: MBEDTLS_OID_ANY_EXTENDED_KEY_USAGE */
#define KILN_OID_EKU_ANY "2.5.29.37.0"
/* MBEDTLS_OID_SERVER_AUTH */
#define KILN_OID_EKU_SERVER_AUTH "1.3.6.1.5.5.7.3.1"
/* MBEDTLS_OID_CLIENT_AUTH */
#define KILN_OID_EKU_CLIENT_AUTH "1.3.6.1.5.5.7.3.2"
/* MBEDTLS_OID_CODE_SIGNING */
#define KILN_OID_EKU_CODE_SIGNING "1.3.6.1.5.5.7.3.3"
/* MBEDTLS_OID_EMAIL_PROTECTION */
#define KILN_OID_EKU_EMAIL_PROTECTION "1.3.6.1.5.5.7.3.4"
/* KILN_OID_RAW_EKU_IPSEC_END_SYSTEM */
#define KILN_OID_EKU_IPSEC_END_SYSTEM "1.3.6.1.5.5.7.3.5"
/* KILN_OID_RAW_EKU_IPSEC_TUNNEL */
#define KILN_OID_EKU_IPSEC_TUNNEL "1.3.6.1.5.5.7.3.6"
/* KILN_OID_RAW_EKU_IPSEC_USER */
#define KILN_OID_EKU_IPSEC_USER "1.3.6.1.5.5.7.3.7"
/* MBEDTLS_OID_TIME_STAMPING */
#define KILN_OID_EKU_TIMESTAMPING "1.3.6.1.5.5.7.3.8"
/* MBEDTLS_OID_OCSP_SIGNING */
#define KILN_OID_EKU_OCSP_SIGNING "1.3.6.1.5.5.7.3.9"
/* KILN_OID_RAW_EKU_MICROSOFT_SGC */
#define KILN_OID_EKU_MICROSOFT_SGC "1.3.6.1.4.1.311.10.3.3"
/* KILN_OID_RAW_EKU_NETSCAPE_SGC */
#define KILN_OID_EKU_NETSCAPE_SGC "2.16.840.1.113730.4.1"

/* Public key algorithms. */
/* MBEDTLS_OID_PKCS1_RSA */
#define KILN_OID_RSA "1.2.840.113549.1.1.1"
/* MBEDTLS_OID_RSASSA_PSS */
#define KILN_OID_RSA_PSS "1.2.840.113549.1.1.10"
/* id-ecPublicKey: MBEDTLS_OID_EC_ALG_UNRESTRICTED */
#define KILN_OID_EC_PUBLIC_KEY "1.2.840.10045.2.1"
/* id-Ed25519 */
#define KILN_OID_ED25519 "1.3.101.112"
/* id-Ed448 */
#define KILN_OID_ED448 "1.3.101.113"
/* id-dsa */
#define KILN_OID_DSA "1.2.840.10040.4.1"

/* Signature algorithms. */
/* MBEDTLS_OID_PKCS1_MD2 */
#define KILN_OID_SIG_MD2_RSA "1.2.840.113549.1.1.2"
/* MBEDTLS_OID_PKCS1_MD5 */
#define KILN_OID_SIG_MD5_RSA "1.2.840.113549.1.1.4"
/* MBEDTLS_OID_PKCS1_SHA1 */
#define KILN_OID_SIG_SHA1_RSA "1.2.840.113549.1.1.5"
/* the OIW's sha1WithRSASignature: MBEDTLS_OID_RSA_SHA_OBS */
#define KILN_OID_SIG_SHA1_RSA_OIW "1.3.14.3.2.29"
/* MBEDTLS_OID_PKCS1_SHA256 */
#define KILN_OID_SIG_SHA256_RSA "1.2.840.113549.1.1.11"
/* MBEDTLS_OID_PKCS1_SHA384 */
#define KILN_OID_SIG_SHA384_RSA "1.2.840.113549.1.1.12"
/* MBEDTLS_OID_PKCS1_SHA512 */
#define KILN_OID_SIG_SHA512_RSA "1.2.840.113549.1.1.13"
/* id-dsa-with-sha1 */
#define KILN_OID_SIG_DSA_SHA1 "1.2.840.10040.4.3"
/* id-dsa-with-sha256: MBEDTLS_OID_NIST_ALG "\x03\x02" */
#define KILN_OID_SIG_DSA_SHA256 "2.16.840.1.101.3.4.3.2"
/* MBEDTLS_OID_ECDSA_SHA1 */
#define KILN_OID_SIG_ECDSA_SHA1 "1.2.840.10045.4.1"
/* MBEDTLS_OID_ECDSA_SHA256 */
#define KILN_OID_SIG_ECDSA_SHA256 "1.2.840.10045.4.3.2"
/* MBEDTLS_OID_ECDSA_SHA384 */
#define KILN_OID_SIG_ECDSA_SHA384 "1.2.840.10045.4.3.3"
/* MBEDTLS_OID_ECDSA_SHA512 */
#define KILN_OID_SIG_ECDSA_SHA512 "1.2.840.10045.4.3.4"

/* Named elliptic curves (RFC 5480, RFC 5639). */
/* MBEDTLS_OID_EC_GRP_SECP256R1 */
#define KILN_OID_CURVE_P256 "1.2.840.10045.3.1.7"
/* MBEDTLS_OID_EC_GRP_SECP384R1 */
#define KILN_OID_CURVE_P384 "1.3.132.0.34"
/* MBEDTLS_OID_EC_GRP_SECP521R1 */
#define KILN_OID_CURVE_P521 "1.3.132.0.35"
/* MBEDTLS_OID_EC_GRP_SECP192R1 */
#define KILN_OID_CURVE_P192 "1.2.840.10045.3.1.1"
/* MBEDTLS_OID_EC_GRP_SECP224R1 */
#define KILN_OID_CURVE_P224 "1.3.132.0.33"
/* MBEDTLS_OID_EC_GRP_SECP256K1 */
#define KILN_OID_CURVE_SECP256K1 "1.3.132.0.10"
/* MBEDTLS_OID_EC_GRP_BP256R1 */
#define KILN_OID_CURVE_BP256R1 "1.3.36.3.3.2.8.1.1.7"
/* MBEDTLS_OID_EC_GRP_BP384R1 */
#define KILN_OID_CURVE_BP384R1 "1.3.36.3.3.2.8.1.1.11"
/* MBEDTLS_OID_EC_GRP_BP512R1 */
#define KILN_OID_CURVE_BP512R1 "1.3.36.3.3.2.8.1.1.13"

/*
 * The DER contents of the OIDs above that mbedTLS has no one name for,
 * for writing them; each equals its dotted name without _RAW.
 */
#define KILN_OID_RAW_EXT_AIA MBEDTLS_OID_PKIX "\x01\x01"
#define KILN_OID_RAW_EXT_OCSP_NO_CHECK MBEDTLS_OID_PKIX "\x30\x01\x05"
#define KILN_OID_RAW_AD_OCSP MBEDTLS_OID_PKIX "\x30\x01"
#define KILN_OID_RAW_AD_CA_ISSUERS MBEDTLS_OID_PKIX "\x30\x02"
#define KILN_OID_RAW_EKU_IPSEC_END_SYSTEM MBEDTLS_OID_KP "\x05"
#define KILN_OID_RAW_EKU_IPSEC_TUNNEL MBEDTLS_OID_KP "\x06"
#define KILN_OID_RAW_EKU_IPSEC_USER MBEDTLS_OID_KP "\x07"
#define KILN_OID_RAW_EKU_MICROSOFT_SGC                                         \
	"\x2b\x06\x01\x04\x01\x82\x37\x0a\x03\x03"
#define KILN_OID_RAW_EKU_NETSCAPE_SGC "\x60\x86\x48\x01\x86\xf8\x42\x04\x01"

#endif /* KILN_OID_H */
