/*
 * Certificates, CSRs and keys decoded from their DER by kiln's own walk:
 * the input found (PEM blocks or DER) and the objects kept here, each
 * kind decoded by its own file (decode.h).
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
#include <mbedtls/pk.h>

#include "core/compat.h"
#include "core/ecwarm.h"
#include "core/strs.h"
#include "inspect/decode.h"
#include "kiln/pem.h"

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

int
inspect_take_der(struct kiln_info *info, const unsigned char *der, size_t len,
    struct kiln_err *err)
{
	if (len == 0)
		return kiln_err_set(err, KILN_EINVAL, "empty DER");
	if (kiln_buf_append(&info->der, der, len, err) == -1)
		return -1;
	return mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
	           info->der.p, len, info->fingerprint) == 0
	           ? 0
	           : kiln_err_set(err, KILN_ECRYPTO, "sha-256 failed");
}

/*
 * The next PEM block labelled "label" from offset "*pos" of "text",
 * found by kiln_pem_next (as kiln check and kiln verify find it) and
 * decoded into "out" by the one base64 decoder.
 */
static int
pem_next(const char *text, size_t *pos, const char *label, struct kiln_buf *out,
    int *found, struct kiln_err *err)
{
	struct kiln_pem_block blk;
	int ret;

	*found = 0;
	if ((ret = kiln_pem_next(text, pos, label, &blk, err)) != 1)
		return ret;
	ret = kiln_base64_decode(
	    (const unsigned char *)text + blk.body, blk.body_len, out, err);
	if (ret == -1)
		return -1;
	if (ret == 1)
		return kiln_err_set(
		    err, KILN_EINVAL, "bad PEM: the body is not base64");
	*found = 1;
	return 0;
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
	               ? inspect_csr_der(&other, data, len, &ignored) == 0
	               : inspect_cert_der(&other, data, len, &ignored) == 0;
	kiln_info_free(&other);
	if (!is_other)
		return;
	kiln_err_replace(err, KILN_EINVAL, "%s",
	    kind == KILN_INFO_CERT
	        ? "a certificate request, not a certificate"
	        : "a certificate, not a certificate request");
}

/*
 * Every certificate in "data" (DER, or each CERTIFICATE block of PEM
 * text), handed to "one" with its number: 0 for DER input, n for the nth
 * block.  "one" words its own errors; "no certificate found" is said
 * here.
 */
static int
each_cert(const unsigned char *data, size_t len,
    int (*one)(
        void *, const unsigned char *, size_t, size_t, struct kiln_err *),
    void *ctx, struct kiln_err *err)
{
	struct kiln_buf text, der;
	struct kiln_err e;
	char label[64];
	size_t pos = 0, count = 0;
	int pem, found, rc = -1;

	kiln_buf_init(&text);
	kiln_buf_init(&der);
	if ((pem = as_text(data, len, &text, err)) == -1)
		goto cleanup;
	if (!pem) {
		if (not_der(data, len, "certificate", err) ||
		    one(ctx, data, len, 0, err) == -1)
			goto cleanup;
		rc = 0;
		goto cleanup;
	}
	for (;; count++) {
		kiln_err_clear(&e);
		if (pem_next((char *)text.p, &pos, "CERTIFICATE", &der, &found,
		        &e) == -1) {
			kiln_err_pass_prefix(
			    err, &e, "certificate %zu", count + 1);
			goto cleanup;
		}
		if (!found)
			break;
		if (one(ctx, der.p, der.len, count + 1, err) == -1)
			goto cleanup;
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

/* each_cert's "one" for kiln_inspect_certs: decode into a new info. */
static int
one_info(void *ctx, const unsigned char *der, size_t len, size_t n,
    struct kiln_err *err)
{
	struct kiln_info *info = NULL;
	struct kiln_err derr;

	if (push_info(ctx, &info, err) == -1)
		return -1;
	kiln_err_clear(&derr);
	if (n > 0) {
		if (inspect_cert_der(info, der, len, &derr) == -1)
			return kiln_err_pass_prefix(
			    err, &derr, "certificate %zu", n);
		return 0;
	}
	if (inspect_cert_der(info, der, len, &derr) == -1) {
		wrong_kind(der, len, KILN_INFO_CERT, &derr);
		kiln_err_pass(err, &derr);
		return -1;
	}
	return 0;
}

int
kiln_inspect_certs(struct kiln_infos *infos, const unsigned char *data,
    size_t len, struct kiln_err *err)
{
	return each_cert(data, len, one_info, infos, err);
}

/* each_cert's "one" for kiln_inspect_x509: mbedTLS parses it. */
static int
one_x509(void *ctx, const unsigned char *der, size_t len, size_t n,
    struct kiln_err *err)
{
	int ret;

	if ((ret = mbedtls_x509_crt_parse_der(ctx, der, len)) == 0)
		return 0;
	if (n == 0)
		kiln_err_mbed(err, ret, "not a certificate mbedTLS reads");
	else
		kiln_err_mbed(err, ret,
		    "certificate %zu: not a certificate mbedTLS reads", n);
	return -1;
}

int
kiln_inspect_x509(mbedtls_x509_crt *chain, const unsigned char *data,
    size_t len, struct kiln_err *err)
{
	return each_cert(data, len, one_x509, chain, err);
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
		if (inspect_csr_der(info, data, len, &derr) == -1) {
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
	if (inspect_csr_der(info, der.p, der.len, err) == -1)
		goto cleanup;
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
	if (inspect_spki(info, spki, err) == -1 ||
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
	struct x509_body b;
	size_t i = info->kind == KILN_INFO_CERT ? X509_SPKI : X509_CSR_SPKI;

	if ((info->kind == KILN_INFO_CERT
	            ? x509_cert_walk(info->der.p, info->der.len, &b)
	            : x509_csr_walk(info->der.p, info->der.len, &b)) == -1 ||
	    b.nfield <= i)
		return -1;
	*spki = b.field[i];
	return 0;
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
	rc = kiln_pk_check_pair_warm(&pub, &key->pk, kiln_rng_random, rng) == 0
	         ? 0
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

const char *
kiln_dn_last(const struct kiln_dn *dn, const char *oid)
{
	const char *v = NULL;
	size_t i;

	for (i = 0; i < dn->n; i++)
		if (strcmp(dn->attr[i].oid, oid) == 0)
			v = dn->attr[i].value;
	return v;
}

void
kiln_join_sans(
    const struct kiln_info *info, struct kiln_buf *b, struct kiln_err *err)
{
	char *const *lists[] = {info->dns, info->ips, info->emails, info->uris};
	size_t counts[] = {info->ndns, info->nips, info->nemails, info->nuris};
	size_t l, i;

	for (l = 0; l < 4; l++)
		for (i = 0; i < counts[l]; i++) {
			if (b->len > 0)
				kiln_buf_append(b, ", ", 2, err);
			kiln_buf_append(
			    b, lists[l][i], strlen(lists[l][i]), err);
		}
}
