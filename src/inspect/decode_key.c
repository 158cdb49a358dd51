/*
 * Public keys and signature algorithms as cfssl-certinfo names them, and
 * the subject and key a certificate and a CSR both carry.
 */
#include <stdio.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/md.h>

#include "asn1/der.h"
#include "asn1/oid.h"
#include "inspect/decode.h"

/*
 * Signature algorithms, by cfssl's names (helpers.SignatureString).
 * cfssl 1.2.0 has no name for RSA-PSS or Ed25519: "Unknown Signature".
 */

static const struct {
	const char *oid, *name;
} sigalgs[] = {
    {KILN_OID_SIG_MD2_RSA, "MD2WithRSA"},
    {KILN_OID_SIG_MD5_RSA, "MD5WithRSA"},
    {KILN_OID_SIG_SHA1_RSA, "SHA1WithRSA"},
    {KILN_OID_SIG_SHA1_RSA_OIW, "SHA1WithRSA"},
    {KILN_OID_SIG_SHA256_RSA, "SHA256WithRSA"},
    {KILN_OID_SIG_SHA384_RSA, "SHA384WithRSA"},
    {KILN_OID_SIG_SHA512_RSA, "SHA512WithRSA"},
    {KILN_OID_SIG_DSA_SHA1, "DSAWithSHA1"},
    {KILN_OID_SIG_DSA_SHA256, "DSAWithSHA256"},
    {KILN_OID_SIG_ECDSA_SHA1, "ECDSAWithSHA1"},
    {KILN_OID_SIG_ECDSA_SHA256, "ECDSAWithSHA256"},
    {KILN_OID_SIG_ECDSA_SHA384, "ECDSAWithSHA384"},
    {KILN_OID_SIG_ECDSA_SHA512, "ECDSAWithSHA512"},
};

int
inspect_algid(const struct rd *whole, char *oid, size_t size)
{
	struct rd r = *whole, alg;

	if (rd_tag(&r, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &alg) == -1 ||
	    rd_oid(&alg, oid, size) == -1)
		return -1;
	return 0;
}

int
inspect_sigalg(struct kiln_info *info, const struct rd *whole)
{
	size_t i;

	if (inspect_algid(whole, info->sigalg_oid, sizeof(info->sigalg_oid)) ==
	    -1)
		return -1;
	snprintf(info->sigalg, sizeof(info->sigalg), "Unknown Signature");
	for (i = 0; i < sizeof(sigalgs) / sizeof(sigalgs[0]); i++)
		if (strcmp(sigalgs[i].oid, info->sigalg_oid) == 0)
			snprintf(info->sigalg, sizeof(info->sigalg), "%s",
			    sigalgs[i].name);
	return 0;
}

/* Public keys. */

static const struct {
	const char *oid, *name;
	unsigned int bits;
} curves[] = {
    {KILN_OID_CURVE_P256, "P-256", 256},
    {KILN_OID_CURVE_P384, "P-384", 384},
    {KILN_OID_CURVE_P521, "P-521", 521},
    {KILN_OID_CURVE_P192, "P-192", 192},
    {KILN_OID_CURVE_P224, "P-224", 224},
    {KILN_OID_CURVE_SECP256K1, "secp256k1", 256},
    {KILN_OID_CURVE_BP256R1, "brainpoolP256r1", 256},
    {KILN_OID_CURVE_BP384R1, "brainpoolP384r1", 384},
    {KILN_OID_CURVE_BP512R1, "brainpoolP512r1", 512},
};

/* The bit length of an INTEGER's contents. */
static unsigned int
int_bits(const struct rd *v)
{
	const unsigned char *p = v->p;
	size_t n = rd_len(v);
	unsigned int bits;
	unsigned char c;

	while (n > 0 && *p == 0)
		p++, n--;
	if (n == 0)
		return 0;
	for (bits = (unsigned int)(n - 1) * 8, c = *p; c != 0; c >>= 1)
		bits++;
	return bits;
}

int
inspect_spki(struct kiln_info *info, struct rd spki_whole, struct kiln_err *err)
{
	struct rd outer = spki_whole, spki, alg, bits, key, n;
	char oid[64], param[64];
	const unsigned char *kb;
	size_t i, kn;
	int ret;

	if (rd_tag(&outer, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &spki) == -1 ||
	    rd_tag(&spki, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &alg) == -1 ||
	    rd_oid(&alg, oid, sizeof(oid)) == -1 ||
	    rd_tag(&spki, MBEDTLS_ASN1_BIT_STRING, &bits) == -1 ||
	    rd_len(&bits) < 1 || spki.p != spki.end)
		return kiln_err_set(err, KILN_EINVAL, "bad public key");
	if (der_spki_key_bits(spki_whole.p, rd_len(&spki_whole), &kb, &kn) ==
	        -1 ||
	    (ret = mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA1), kb,
	         kn, info->key_id)) != 0)
		return kiln_err_set(err, KILN_EINVAL, "bad public key");

	snprintf(info->key_algorithm, sizeof(info->key_algorithm), "%s", oid);
	if (strcmp(oid, KILN_OID_RSA) == 0 ||
	    strcmp(oid, KILN_OID_RSA_PSS) == 0) {
		snprintf(info->key_algorithm, sizeof(info->key_algorithm),
		    strcmp(oid, KILN_OID_RSA) == 0 ? "RSA" : "RSA-PSS");
		key.p = bits.p + 1;
		key.end = bits.end;
		if (rd_tag(&key,
		        MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
		        &key) == 0 &&
		    rd_tag(&key, MBEDTLS_ASN1_INTEGER, &n) == 0)
			info->key_bits = int_bits(&n);
	} else if (strcmp(oid, KILN_OID_EC_PUBLIC_KEY) == 0) {
		snprintf(
		    info->key_algorithm, sizeof(info->key_algorithm), "ECDSA");
		if (rd_oid(&alg, param, sizeof(param)) == 0)
			for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
				if (strcmp(curves[i].oid, param) == 0) {
					snprintf(info->key_curve,
					    sizeof(info->key_curve), "%s",
					    curves[i].name);
					info->key_bits = curves[i].bits;
				}
	} else if (strcmp(oid, KILN_OID_ED25519) == 0) {
		snprintf(info->key_algorithm, sizeof(info->key_algorithm),
		    "Ed25519");
		info->key_bits = 256;
	} else if (strcmp(oid, KILN_OID_ED448) == 0) {
		snprintf(
		    info->key_algorithm, sizeof(info->key_algorithm), "Ed448");
		info->key_bits = 456;
	} else if (strcmp(oid, KILN_OID_DSA) == 0) {
		snprintf(
		    info->key_algorithm, sizeof(info->key_algorithm), "DSA");
	}
	return 0;
}

int
inspect_field(const struct x509_body *b, size_t i, int tag, struct rd *inner)
{
	struct rd whole;

	if (i >= b->nfield)
		return -1;
	whole = b->field[i];
	return rd_tag(&whole, tag, inner);
}

int
inspect_subject_key(struct kiln_info *info, const struct x509_body *b,
    size_t subject, struct kiln_err *err)
{
	struct rd name;

	if (inspect_field(b, subject,
	        MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE, &name) == -1)
		return kiln_err_set(err, KILN_EINVAL, "bad subject");
	if (x509_parse_dn(name, &info->subject, err) == -1) {
		kiln_err_prefix(err, "subject");
		return -1;
	}
	if (inspect_field(b, subject + 1,
	        MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE, &name) == -1)
		return kiln_err_set(err, KILN_EINVAL, "bad public key");
	return inspect_spki(info, b->field[subject + 1], err);
}
