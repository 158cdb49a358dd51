/*
 * Public keys and signature algorithms as cfssl-certinfo names them, and
 * the subject and key a certificate and a CSR both carry.
 */
#include <stdio.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/md.h>

#include "asn1/der.h"
#include "inspect/decode.h"

/*
 * Signature algorithms, by cfssl's names (helpers.SignatureString).
 * cfssl 1.2.0 has no name for RSA-PSS or Ed25519: "Unknown Signature".
 */

static const struct {
	const char *oid, *name;
} sigalgs[] = {
    {"1.2.840.113549.1.1.2", "MD2WithRSA"},
    {"1.2.840.113549.1.1.4", "MD5WithRSA"},
    {"1.2.840.113549.1.1.5", "SHA1WithRSA"},
    {"1.3.14.3.2.29", "SHA1WithRSA"},
    {"1.2.840.113549.1.1.11", "SHA256WithRSA"},
    {"1.2.840.113549.1.1.12", "SHA384WithRSA"},
    {"1.2.840.113549.1.1.13", "SHA512WithRSA"},
    {"1.2.840.10040.4.3", "DSAWithSHA1"},
    {"2.16.840.1.101.3.4.3.2", "DSAWithSHA256"},
    {"1.2.840.10045.4.1", "ECDSAWithSHA1"},
    {"1.2.840.10045.4.3.2", "ECDSAWithSHA256"},
    {"1.2.840.10045.4.3.3", "ECDSAWithSHA384"},
    {"1.2.840.10045.4.3.4", "ECDSAWithSHA512"},
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
    {"1.2.840.10045.3.1.7", "P-256", 256},
    {"1.3.132.0.34", "P-384", 384},
    {"1.3.132.0.35", "P-521", 521},
    {"1.2.840.10045.3.1.1", "P-192", 192},
    {"1.3.132.0.33", "P-224", 224},
    {"1.3.132.0.10", "secp256k1", 256},
    {"1.3.36.3.3.2.8.1.1.7", "brainpoolP256r1", 256},
    {"1.3.36.3.3.2.8.1.1.11", "brainpoolP384r1", 384},
    {"1.3.36.3.3.2.8.1.1.13", "brainpoolP512r1", 512},
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
	if (strcmp(oid, "1.2.840.113549.1.1.1") == 0 ||
	    strcmp(oid, "1.2.840.113549.1.1.10") == 0) {
		snprintf(info->key_algorithm, sizeof(info->key_algorithm),
		    strcmp(oid, "1.2.840.113549.1.1.1") == 0 ? "RSA"
		                                             : "RSA-PSS");
		key.p = bits.p + 1;
		key.end = bits.end;
		if (rd_tag(&key,
		        MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
		        &key) == 0 &&
		    rd_tag(&key, MBEDTLS_ASN1_INTEGER, &n) == 0)
			info->key_bits = int_bits(&n);
	} else if (strcmp(oid, "1.2.840.10045.2.1") == 0) {
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
	} else if (strcmp(oid, "1.3.101.112") == 0) {
		snprintf(info->key_algorithm, sizeof(info->key_algorithm),
		    "Ed25519");
		info->key_bits = 256;
	} else if (strcmp(oid, "1.3.101.113") == 0) {
		snprintf(
		    info->key_algorithm, sizeof(info->key_algorithm), "Ed448");
		info->key_bits = 456;
	} else if (strcmp(oid, "1.2.840.10040.4.1") == 0) {
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
