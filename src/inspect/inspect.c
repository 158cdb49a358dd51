/*
 * Certificates, CSRs and keys decoded from their DER by kiln's own walk.
 * mbedTLS 2.28 does not decode IP, email or URI SANs, key identifiers or
 * CSR extensions, and refuses certificates with unknown critical
 * extensions; a walk of our own also behaves the same on mbedTLS 3.6.
 * mbedTLS is used for hashing, public keys and signature checks only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/bignum.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>

#include "core/civil.h"
#include "core/compat.h"
#include "asn1/der.h"
#include "kiln/inspect.h"
#include "kiln/pem.h"
#include "core/strs.h"
#include "asn1/x509.h"

/* Times. */

/* UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSSZ. */
static int
parse_time(struct rd *r, long long *out)
{
	static const unsigned char mdays[] = {
	    31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	struct rd t;
	int tag, year, mon, day, hour, min, sec;
	const char *s;
	size_t n;

	if (rd_any(r, &tag, &t, NULL) == -1)
		return -1;
	s = (const char *)t.p;
	n = rd_len(&t);
	if (tag == MBEDTLS_ASN1_UTC_TIME && n == 13) {
		if ((year = kiln_digits(s, 2)) < 0)
			return -1;
		year += year < 50 ? 2000 : 1900;
		s += 2;
	} else if (tag == MBEDTLS_ASN1_GENERALIZED_TIME && n == 15) {
		if ((year = kiln_digits(s, 4)) < 0)
			return -1;
		s += 4;
	} else
		return -1;
	mon = kiln_digits(s, 2);
	day = kiln_digits(s + 2, 2);
	hour = kiln_digits(s + 4, 2);
	min = kiln_digits(s + 6, 2);
	sec = kiln_digits(s + 8, 2);
	if (s[10] != 'Z' || mon < 1 || mon > 12 || day < 1 ||
	    day > mdays[mon - 1] || hour < 0 || hour > 23 || min < 0 ||
	    min > 59 || sec < 0 || sec > 60)
		return -1;
	*out = kiln_civil_seconds(year, mon, day, hour, min, sec);
	return 0;
}

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

static int
parse_algid(struct rd *r, char *oid, size_t size, struct rd *whole)
{
	struct rd alg;
	unsigned char *start = r->p;

	if (rd_tag(r, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE, &alg) ==
	        -1 ||
	    rd_oid(&alg, oid, size) == -1)
		return -1;
	if (whole != NULL) {
		whole->p = start;
		whole->end = r->p;
	}
	return 0;
}

static void
set_sigalg(struct kiln_info *info)
{
	size_t i;

	snprintf(info->sigalg, sizeof(info->sigalg), "Unknown Signature");
	for (i = 0; i < sizeof(sigalgs) / sizeof(sigalgs[0]); i++)
		if (strcmp(sigalgs[i].oid, info->sigalg_oid) == 0)
			snprintf(info->sigalg, sizeof(info->sigalg), "%s",
			    sigalgs[i].name);
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

static int
parse_spki(struct kiln_info *info, struct rd spki_whole, struct kiln_err *err)
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

/* Objects. */

void
kiln_info_init(struct kiln_info *info)
{
	memset(info, 0, sizeof(*info));
	kiln_buf_init(&info->der);
	info->max_path_len = -1;
	info->sig_valid = -1;
}

void
kiln_info_free(struct kiln_info *info)
{
	x509_dn_free(&info->subject);
	x509_dn_free(&info->issuer);
	free(info->ext);
	kiln_strs_free(info->dns, info->ndns);
	kiln_strs_free(info->ips, info->nips);
	kiln_strs_free(info->emails, info->nemails);
	kiln_strs_free(info->uris, info->nuris);
	kiln_strs_free(info->eku, info->neku);
	kiln_strs_free(info->permitted, info->npermitted);
	kiln_strs_free(info->excluded, info->nexcluded);
	kiln_buf_free(&info->der);
	kiln_info_init(info);
}

void
kiln_infos_init(struct kiln_infos *infos)
{
	infos->v = NULL;
	infos->n = 0;
}

void
kiln_infos_free(struct kiln_infos *infos)
{
	size_t i;

	for (i = 0; i < infos->n; i++)
		kiln_info_free(&infos->v[i]);
	free(infos->v);
	kiln_infos_init(infos);
}

/* Copy "der" into "info" and point "r" at the copy. */
static int
take_der(struct kiln_info *info, const unsigned char *der, size_t len,
    struct rd *r, struct kiln_err *err)
{
	if (len == 0)
		return kiln_err_set(err, KILN_EINVAL, "empty DER");
	if (kiln_buf_append(&info->der, der, len, err) == -1)
		return -1;
	r->p = info->der.p;
	r->end = info->der.p + len;
	return mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
	           info->der.p, len, info->fingerprint) == 0
	           ? 0
	           : kiln_err_set(err, KILN_ECRYPTO, "sha-256 failed");
}

static int
cert_from_der(struct kiln_info *info, const unsigned char *der, size_t len,
    struct kiln_err *err)
{
	struct rd all, cert, tbs, v, name, spki, validity, exts;
	char oid[64];
	int version = 0, tag;

	info->kind = KILN_INFO_CERT;
	if (take_der(info, der, len, &all, err) == -1)
		return -1;
	if (rd_tag(&all, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &cert) == -1)
		return kiln_err_set(err, KILN_EINVAL, "not a certificate");
	if (all.p != all.end)
		return kiln_err_set(
		    err, KILN_EINVAL, "data after the certificate");
	if (rd_tag(&cert, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &tbs) == -1 ||
	    parse_algid(&cert, info->sigalg_oid, sizeof(info->sigalg_oid),
	        NULL) == -1 ||
	    rd_tag(&cert, MBEDTLS_ASN1_BIT_STRING, &v) == -1 ||
	    cert.p != cert.end)
		return kiln_err_set(err, KILN_EINVAL, "not a certificate");
	set_sigalg(info);

	if (rd_peek(&tbs, 0xa0)) {
		if (rd_tag(&tbs, 0xa0, &v) == -1 ||
		    mbedtls_asn1_get_int(&v.p, v.end, &version) != 0 ||
		    v.p != v.end || version < 0 || version > 2)
			return kiln_err_set(err, KILN_EINVAL, "bad version");
	}
	info->version = version + 1;
	if (rd_tag(&tbs, MBEDTLS_ASN1_INTEGER, &v) == -1 || rd_len(&v) < 1 ||
	    rd_len(&v) > sizeof(info->serial))
		return kiln_err_set(err, KILN_EINVAL, "bad serial number");
	memcpy(info->serial, v.p, rd_len(&v));
	info->serial_len = rd_len(&v);
	if (parse_algid(&tbs, oid, sizeof(oid), NULL) == -1)
		return kiln_err_set(
		    err, KILN_EINVAL, "bad signature algorithm");
	if (rd_tag(&tbs, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &name) == -1)
		return kiln_err_set(err, KILN_EINVAL, "bad issuer");
	if (x509_parse_dn(name, &info->issuer, err) == -1) {
		kiln_err_prefix(err, "issuer");
		return -1;
	}
	if (rd_tag(&tbs, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &validity) == -1 ||
	    parse_time(&validity, &info->not_before) == -1 ||
	    parse_time(&validity, &info->not_after) == -1 ||
	    validity.p != validity.end)
		return kiln_err_set(err, KILN_EINVAL, "bad validity");
	if (rd_tag(&tbs, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &name) == -1)
		return kiln_err_set(err, KILN_EINVAL, "bad subject");
	if (x509_parse_dn(name, &info->subject, err) == -1) {
		kiln_err_prefix(err, "subject");
		return -1;
	}
	spki.p = tbs.p;
	if (rd_tag(&tbs, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &v) == -1)
		return kiln_err_set(err, KILN_EINVAL, "bad public key");
	spki.end = tbs.p;
	if (parse_spki(info, spki, err) == -1)
		return -1;
	while (tbs.p < tbs.end) {
		if (rd_any(&tbs, &tag, &v, NULL) == -1)
			return kiln_err_set(
			    err, KILN_EINVAL, "bad certificate");
		if (tag == 0xa3) {
			if (rd_tag(&v,
			        MBEDTLS_ASN1_CONSTRUCTED |
			            MBEDTLS_ASN1_SEQUENCE,
			        &exts) == -1 ||
			    v.p != v.end)
				return kiln_err_set(
				    err, KILN_EINVAL, "bad extensions");
			if (x509_parse_extensions(info, exts, err) == -1)
				return -1;
		} else if (tag != 0x81 && tag != 0xa1 && tag != 0x82 &&
		           tag != 0xa2)
			return kiln_err_set(err, KILN_EINVAL,
			    "unexpected field in the certificate");
	}
	return 0;
}

/*
 * The next PEM block labelled "label" from offset "*pos" of "text",
 * found by kiln_pem_next (as kiln check and kiln verify find it) and
 * decoded into "out".  A plain body is decoded here, anything else is
 * left to mbedTLS.
 */
static int
pem_next(const char *text, size_t *pos, const char *label, struct kiln_buf *out,
    int *found, struct kiln_err *err)
{
	char begin[80], end[80];
	struct kiln_pem_block blk;
	mbedtls_pem_context pem;
	const unsigned char *der;
	size_t used, len;
	int ret, rc = -1;

	*found = 0;
	mbedtls_pem_init(&pem);
	if ((ret = kiln_pem_next(text, pos, label, &blk, err)) != 1) {
		rc = ret;
		goto cleanup;
	}
	ret = kiln_base64_decode(
	    (const unsigned char *)text + blk.body, blk.body_len, out, err);
	if (ret == -1)
		goto cleanup;
	if (ret == 1) {
		snprintf(begin, sizeof(begin), "-----BEGIN %s-----", label);
		snprintf(end, sizeof(end), "-----END %s-----", label);
		ret = mbedtls_pem_read_buffer(&pem, begin, end,
		    (const unsigned char *)text + blk.begin, NULL, 0, &used);
		if (ret != 0) {
			kiln_err_mbed(err, ret, "bad PEM");
			goto cleanup;
		}
		der = kiln_pem_buffer(&pem, &len);
		out->len = 0;
		if (kiln_buf_append(out, der, len, err) == -1)
			goto cleanup;
	}
	*found = 1;
	rc = 0;
cleanup:
	mbedtls_pem_free(&pem);
	return rc;
}

/* The first PEM label in "text", for "no certificate" messages. */
static void
first_label(const char *text, char *out, size_t size)
{
	struct kiln_pem_block blk;
	size_t pos = 0;

	out[0] = '\0';
	if (kiln_pem_next(text, &pos, NULL, &blk, NULL) != 0)
		snprintf(out, size, "%s", blk.label);
}

static int
push_info(
    struct kiln_infos *infos, struct kiln_info **out, struct kiln_err *err)
{
	struct kiln_info *v;

	if ((v = realloc(infos->v, (infos->n + 1) * sizeof(*v))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	infos->v = v;
	*out = &v[infos->n++];
	kiln_info_init(*out);
	return 0;
}

/*
 * Input that is not PEM and cannot be DER either (DER starts with a
 * SEQUENCE): say so rather than report a parse error deep inside.
 */
static int
not_der(const unsigned char *data, size_t len, const char *what,
    struct kiln_err *err)
{
	if (len == 0)
		kiln_err_set(err, KILN_EINVAL, "empty input");
	else if (data[0] != (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE))
		kiln_err_set(
		    err, KILN_EINVAL, "not a %s (neither PEM nor DER)", what);
	else
		return 0;
	return 1;
}

/*
 * Copy "data" into "text" with a NUL, for the PEM reader.  Returns 1 if
 * it holds a PEM block (a truncated one too), 0 if not (DER, or nothing
 * kiln reads), -1 out of memory.
 */
static int
as_text(const unsigned char *data, size_t len, struct kiln_buf *text,
    struct kiln_err *err)
{
	struct kiln_pem_block blk;
	size_t pos = 0;

	if (kiln_buf_append(text, data, len, err) == -1 ||
	    kiln_buf_terminate(text, err) == -1)
		return -1;
	return kiln_pem_next((char *)text->p, &pos, NULL, &blk, NULL) != 0;
}

static int csr_from_der(
    struct kiln_info *, const unsigned char *, size_t, struct kiln_err *);

/*
 * DER that failed to parse as "kind": if it is the other kind (a CSR
 * given as a certificate or the reverse), say that instead.  "err" is the
 * caller's own error for that parse, restated with kiln_err_replace.
 */
static void
wrong_kind(const unsigned char *data, size_t len, enum kiln_info_kind kind,
    struct kiln_err *err)
{
	struct kiln_info other;
	struct kiln_err ignored;
	int is_other;

	kiln_info_init(&other);
	kiln_err_clear(&ignored);
	is_other = kind == KILN_INFO_CERT
	               ? csr_from_der(&other, data, len, &ignored) == 0
	               : cert_from_der(&other, data, len, &ignored) == 0;
	kiln_info_free(&other);
	if (!is_other)
		return;
	kiln_err_replace(err, KILN_EINVAL, "%s",
	    kind == KILN_INFO_CERT
	        ? "a certificate request, not a certificate"
	        : "a certificate, not a certificate request");
}

int
kiln_inspect_certs(struct kiln_infos *infos, const unsigned char *data,
    size_t len, struct kiln_err *err)
{
	struct kiln_buf text, der;
	struct kiln_info *info = NULL;
	struct kiln_err derr;
	char label[64];
	size_t pos, count = 0;
	int pem, found, rc = -1;

	kiln_buf_init(&text);
	kiln_buf_init(&der);
	if ((pem = as_text(data, len, &text, err)) == -1)
		goto cleanup;
	if (!pem) {
		if (not_der(data, len, "certificate", err) ||
		    push_info(infos, &info, err) == -1)
			goto cleanup;
		kiln_err_clear(&derr);
		if (cert_from_der(info, data, len, &derr) == -1) {
			wrong_kind(data, len, KILN_INFO_CERT, &derr);
			kiln_err_pass(err, &derr);
			goto cleanup;
		}
		rc = 0;
		goto cleanup;
	}
	kiln_err_clear(&derr);
	for (pos = 0;; count++) {
		if (pem_next((char *)text.p, &pos, "CERTIFICATE", &der, &found,
		        &derr) == -1) {
			kiln_err_pass_prefix(
			    err, &derr, "certificate %zu", count + 1);
			goto cleanup;
		}
		if (!found)
			break;
		if (push_info(infos, &info, err) == -1)
			goto cleanup;
		if (cert_from_der(info, der.p, der.len, &derr) == -1) {
			kiln_err_pass_prefix(
			    err, &derr, "certificate %zu", count + 1);
			goto cleanup;
		}
	}
	if (count == 0) {
		first_label((const char *)text.p, label, sizeof(label));
		kiln_err_set(err, KILN_EINVAL,
		    "no certificate found (first PEM block: \"%s\")", label);
		goto cleanup;
	}
	rc = 0;
cleanup:
	kiln_buf_free(&text);
	kiln_buf_free(&der);
	return rc;
}

int
kiln_inspect_x509(mbedtls_x509_crt *chain, const unsigned char *data,
    size_t len, struct kiln_err *err)
{
	struct kiln_buf text, der;
	struct kiln_err perr;
	char label[64];
	size_t pos = 0, count = 0;
	int pem, found, ret, rc = -1;

	kiln_buf_init(&text);
	kiln_buf_init(&der);
	if ((pem = as_text(data, len, &text, err)) == -1)
		goto cleanup;
	if (!pem) {
		if (not_der(data, len, "certificate", err))
			goto cleanup;
		if ((ret = mbedtls_x509_crt_parse_der(chain, data, len)) != 0) {
			kiln_err_mbed(
			    err, ret, "not a certificate mbedTLS reads");
			goto cleanup;
		}
		rc = 0;
		goto cleanup;
	}
	kiln_err_clear(&perr);
	for (;; count++) {
		if (pem_next((char *)text.p, &pos, "CERTIFICATE", &der, &found,
		        &perr) == -1) {
			kiln_err_pass_prefix(
			    err, &perr, "certificate %zu", count + 1);
			goto cleanup;
		}
		if (!found)
			break;
		if ((ret = mbedtls_x509_crt_parse_der(chain, der.p, der.len)) !=
		    0) {
			kiln_err_mbed(err, ret,
			    "certificate %zu: not a certificate mbedTLS reads",
			    count + 1);
			goto cleanup;
		}
	}
	if (count == 0) {
		first_label((const char *)text.p, label, sizeof(label));
		kiln_err_set(err, KILN_EINVAL,
		    "no certificate found (first PEM block: \"%s\")", label);
		goto cleanup;
	}
	rc = 0;
cleanup:
	kiln_buf_free(&text);
	kiln_buf_free(&der);
	return rc;
}

/* CSRs. */

static int
parse_csr_attributes(
    struct kiln_info *info, struct rd attrs, struct kiln_err *err)
{
	struct rd attr, values, exts;
	char oid[64];

	while (attrs.p < attrs.end) {
		if (rd_tag(&attrs,
		        MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
		        &attr) == -1 ||
		    rd_oid(&attr, oid, sizeof(oid)) == -1 ||
		    rd_tag(&attr, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET,
		        &values) == -1)
			return kiln_err_set(err, KILN_EINVAL, "bad attribute");
		if (strcmp(oid, "1.2.840.113549.1.9.14") != 0)
			continue; /* challengePassword and the like */
		if (rd_tag(&values,
		        MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
		        &exts) == -1 ||
		    values.p != values.end)
			return kiln_err_set(
			    err, KILN_EINVAL, "bad extension request");
		if (x509_parse_extensions(info, exts, err) == -1)
			return -1;
	}
	return 0;
}

/* Check the CSR's self-signature: 1 valid, 0 not, -1 not checkable. */
static int
csr_signature(const struct rd *cri, const struct rd *spki,
    const struct rd *sigalg, const struct rd *sig)
{
	unsigned char hash[MBEDTLS_MD_MAX_SIZE], *p;
	mbedtls_x509_buf oid;
	mbedtls_md_type_t md;
	mbedtls_pk_type_t pk_alg;
	mbedtls_pk_context pk;
	const mbedtls_md_info_t *mdi;
	struct rd alg = *sigalg, o;
	int valid = -1;

	mbedtls_pk_init(&pk);
	if (rd_tag(&alg, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &alg) == -1 ||
	    rd_tag(&alg, MBEDTLS_ASN1_OID, &o) == -1)
		goto cleanup;
	oid.tag = MBEDTLS_ASN1_OID;
	oid.p = o.p;
	oid.len = rd_len(&o);
	if (mbedtls_oid_get_sig_alg(&oid, &md, &pk_alg) != 0 ||
	    (pk_alg != MBEDTLS_PK_RSA && pk_alg != MBEDTLS_PK_ECDSA) ||
	    (mdi = mbedtls_md_info_from_type(md)) == NULL)
		goto cleanup;
	p = spki->p;
	if (mbedtls_pk_parse_subpubkey(&p, spki->end, &pk) != 0 ||
	    !mbedtls_pk_can_do(&pk, pk_alg))
		goto cleanup;
	if (mbedtls_md(mdi, cri->p, rd_len(cri), hash) != 0)
		goto cleanup;
	valid = rd_len(sig) >= 1 && sig->p[0] == 0 &&
	        mbedtls_pk_verify(&pk, md, hash, mbedtls_md_get_size(mdi),
	            sig->p + 1, rd_len(sig) - 1) == 0;
cleanup:
	mbedtls_pk_free(&pk);
	return valid;
}

static int
csr_from_der(struct kiln_info *info, const unsigned char *der, size_t len,
    struct kiln_err *err)
{
	struct rd all, csr, cri_whole, cri, v, name, spki, sigalg, sig;
	int version;

	info->kind = KILN_INFO_CSR;
	info->version = 1;
	if (take_der(info, der, len, &all, err) == -1)
		return -1;
	if (rd_tag(&all, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &csr) == -1 ||
	    all.p != all.end)
		return kiln_err_set(err, KILN_EINVAL, "not a CSR");
	cri_whole.p = csr.p;
	if (rd_tag(&csr, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &cri) == -1)
		return kiln_err_set(err, KILN_EINVAL, "not a CSR");
	cri_whole.end = csr.p;
	sigalg.p = csr.p;
	if (parse_algid(&csr, info->sigalg_oid, sizeof(info->sigalg_oid),
	        &sigalg) == -1 ||
	    rd_tag(&csr, MBEDTLS_ASN1_BIT_STRING, &sig) == -1 ||
	    csr.p != csr.end)
		return kiln_err_set(err, KILN_EINVAL, "not a CSR");
	set_sigalg(info);
	if (mbedtls_asn1_get_int(&cri.p, cri.end, &version) != 0 ||
	    version != 0)
		return kiln_err_set(err, KILN_EINVAL, "bad version");
	if (rd_tag(&cri, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &name) == -1)
		return kiln_err_set(err, KILN_EINVAL, "bad subject");
	if (x509_parse_dn(name, &info->subject, err) == -1) {
		kiln_err_prefix(err, "subject");
		return -1;
	}
	spki.p = cri.p;
	if (rd_tag(&cri, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &v) == -1)
		return kiln_err_set(err, KILN_EINVAL, "bad public key");
	spki.end = cri.p;
	if (parse_spki(info, spki, err) == -1)
		return -1;
	if (rd_tag(&cri, 0xa0, &v) == -1 || cri.p != cri.end)
		return kiln_err_set(err, KILN_EINVAL, "bad attributes");
	if (parse_csr_attributes(info, v, err) == -1)
		return -1;
	info->sig_valid = csr_signature(&cri_whole, &spki, &sigalg, &sig);
	return 0;
}

int
kiln_inspect_csr(struct kiln_info *info, const unsigned char *data, size_t len,
    struct kiln_err *err)
{
	struct kiln_buf text, der;
	struct kiln_err derr;
	char label[64];
	size_t pos = 0;
	int pem, found = 0, rc = -1;

	kiln_buf_init(&text);
	kiln_buf_init(&der);
	kiln_info_free(info);
	if ((pem = as_text(data, len, &text, err)) == -1)
		goto cleanup;
	if (!pem) {
		if (not_der(data, len, "certificate request", err))
			goto cleanup;
		kiln_err_clear(&derr);
		if (csr_from_der(info, data, len, &derr) == -1) {
			wrong_kind(data, len, KILN_INFO_CSR, &derr);
			kiln_err_pass(err, &derr);
			goto cleanup;
		}
		rc = 0;
		goto cleanup;
	}
	if (pem_next((char *)text.p, &pos, "CERTIFICATE REQUEST", &der, &found,
	        err) == -1)
		goto cleanup;
	if (!found) {
		pos = 0;
		if (pem_next((char *)text.p, &pos, "NEW CERTIFICATE REQUEST",
		        &der, &found, err) == -1)
			goto cleanup;
	}
	if (!found) {
		first_label((const char *)text.p, label, sizeof(label));
		kiln_err_set(err, KILN_EINVAL,
		    "no certificate request found (first PEM block: \"%s\")",
		    label);
		goto cleanup;
	}
	kiln_err_clear(&derr);
	if (csr_from_der(info, der.p, der.len, &derr) == -1) {
		kiln_err_pass(err, &derr);
		goto cleanup;
	}
	rc = 0;
cleanup:
	kiln_buf_free(&text);
	kiln_buf_free(&der);
	if (rc == -1)
		kiln_info_free(info);
	return rc;
}

/* Keys. */

int
kiln_inspect_key(
    struct kiln_info *info, struct kiln_key *key, struct kiln_err *err)
{
	struct rd spki;

	kiln_info_free(info);
	info->kind = KILN_INFO_KEY;
	if (kiln_key_write_spki(key, &info->der, err) == -1)
		goto fail;
	spki.p = info->der.p;
	spki.end = info->der.p + info->der.len;
	if (parse_spki(info, spki, err) == -1 ||
	    mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
	        info->der.p, info->der.len, info->fingerprint) != 0)
		goto fail;
	return 0;
fail:
	kiln_err_set(err, KILN_EINVAL, "cannot describe the key");
	kiln_info_free(info);
	return -1;
}

/* The SubjectPublicKeyInfo of a certificate or CSR. */
static int
find_spki(const struct kiln_info *info, struct rd *spki)
{
	struct rd r = {info->der.p, info->der.p + info->der.len}, outer, inner,
	          v;
	int i, tag;

	if (rd_tag(&r, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &outer) == -1 ||
	    rd_tag(&outer, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &inner) == -1)
		return -1;
	/* version?, serial, algorithm, issuer, validity, subject | version,
	 * subject */
	if (info->kind == KILN_INFO_CERT) {
		if (rd_peek(&inner, 0xa0) &&
		    rd_any(&inner, &tag, &v, NULL) == -1)
			return -1;
		for (i = 0; i < 5; i++)
			if (rd_any(&inner, &tag, &v, NULL) == -1)
				return -1;
	} else
		for (i = 0; i < 2; i++)
			if (rd_any(&inner, &tag, &v, NULL) == -1)
				return -1;
	return rd_any(&inner, &tag, &v, spki);
}

int
kiln_inspect_key_match(const struct kiln_info *info, struct kiln_key *key,
    struct kiln_rng *rng, struct kiln_err *err)
{
	mbedtls_pk_context pub;
	struct rd spki;
	int rc = -1;

	mbedtls_pk_init(&pub);
	if (info->kind == KILN_INFO_KEY || find_spki(info, &spki) == -1 ||
	    mbedtls_pk_parse_subpubkey(&spki.p, spki.end, &pub) != 0) {
		kiln_err_set(err, KILN_EINVAL,
		    "%s public key: cannot be compared with a private key",
		    info->key_algorithm);
		goto cleanup;
	}
	rc = kiln_pk_check_pair(&pub, &key->pk, kiln_rng_random, rng) == 0 ? 0
	                                                                   : 1;
cleanup:
	mbedtls_pk_free(&pub);
	return rc;
}

int
kiln_info_serial_decimal(
    const struct kiln_info *info, struct kiln_buf *out, struct kiln_err *err)
{
	unsigned char mag[sizeof(info->serial)];
	/* 256^32 < 10^78: 78 digits, a sign and the NUL. */
	char text[80], *d = text + sizeof(text);
	unsigned long long rem;
	size_t i, first, len = info->serial_len;
	int neg, carry, k;

	if (len == 0)
		return kiln_buf_append(out, "0", 1, err);
	/* Two's complement: a negative serial is printed with a minus. */
	neg = (info->serial[0] & 0x80) != 0;
	memcpy(mag, info->serial, len);
	if (neg) {
		for (i = 0; i < len; i++)
			mag[i] = (unsigned char)~mag[i];
		for (carry = 1, i = len; i-- > 0 && carry;)
			carry = ++mag[i] == 0;
	}
	/*
	 * Divide the big-endian magnitude by 10^9 until it is zero; each
	 * remainder is nine digits, the last one without its leading zeros.
	 */
	*--d = '\0';
	for (first = 0; first < len && mag[first] == 0; first++)
		;
	do {
		for (rem = 0, i = first; i < len; i++) {
			rem = rem << 8 | mag[i];
			mag[i] = (unsigned char)(rem / 1000000000u);
			rem %= 1000000000u;
		}
		while (first < len && mag[first] == 0)
			first++;
		for (k = 0; k < 9 && (first < len || rem > 0 || k == 0); k++) {
			*--d = (char)('0' + rem % 10);
			rem /= 10;
		}
	} while (first < len);
	if (neg)
		*--d = '-';
	return kiln_buf_append(out, d, strlen(d), err);
}
