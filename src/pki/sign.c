/*
 * A certificate request made elsewhere, turned into what kiln_issue()
 * certifies, with cfssl sign's rules (signer/local/local.go and
 * signer/signer.go ParseCertificateRequest).
 *
 * cfssl hands the request to Go's x509 package and gives the parsed
 * subject back to Go's certificate writer, so the subject is re-encoded:
 * attributes in Go's order, string types by Go's rule.  kiln does the
 * same from the request's DER, which kiln_inspect_csr() has already read
 * and whose self-signature it has checked (the subject: signsubject.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/pk.h>

#include "asn1/oid.h"
#include "core/compat.h"
#include "asn1/der.h"
#include "kiln/key.h"
#include "kiln/pem.h"
#include "kiln/sign.h"
#include "core/strs.h"
#include "asn1/x509.h"
#include "pki/signsubject.h"

void
kiln_signreq_init(struct kiln_signreq *req)
{
	memset(req, 0, sizeof(*req));
	kiln_info_init(&req->csr);
	kiln_buf_init(&req->subject);
	kiln_buf_init(&req->spki);
	kiln_sans_init(&req->sans);
	kiln_buf_init(&req->extra);
	req->max_path_len = -1;
}

void
kiln_signreq_free(struct kiln_signreq *req)
{
	kiln_info_free(&req->csr);
	sign_attrs_free(req->attr, req->n_attr);
	kiln_buf_free(&req->subject);
	kiln_buf_free(&req->spki);
	kiln_sans_free(&req->sans);
	kiln_buf_free(&req->extra);
	kiln_signreq_init(req);
}

/* The public key, parsed and written again as Go's MarshalPKIXPublicKey. */
static int
read_spki(struct kiln_signreq *req, const struct rd *spki, struct kiln_err *err)
{
	struct kiln_key key;
	unsigned char *p = spki->p;
	int ret, rc = -1;

	kiln_key_init(&key);
	if ((ret = mbedtls_pk_parse_subpubkey(&p, spki->end, &key.pk)) != 0) {
		kiln_err_mbed(err, ret, "public key");
		goto cleanup;
	}
	if (kiln_key_write_spki(&key, &req->spki, err) == -1)
		goto cleanup;
	req->certreq.spki = req->spki.p;
	req->certreq.spki_len = req->spki.len;
	rc = 0;
cleanup:
	kiln_key_free(&key);
	return rc;
}

/* One IA5String name of the SAN, NUL-free ASCII as Go demands. */
static int
san_text(struct kiln_signreq *req, enum kiln_san_type type, const struct rd *v,
    struct kiln_err *err)
{
	struct kiln_san san;
	size_t i, n = rd_len(v);
	int rc;

	for (i = 0; i < n; i++)
		if (v->p[i] == 0 || v->p[i] >= 0x80)
			return kiln_err_set(err, KILN_EINVAL,
			    "subject alternative name: not ASCII, or holds a "
			    "NUL");
	memset(&san, 0, sizeof(san));
	san.type = type;
	if ((san.value = strndup((const char *)v->p, n)) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	rc = kiln_sans_add_typed(&req->sans, &san, err);
	free(san.value);
	return rc;
}

static int
san_ip(struct kiln_signreq *req, const struct rd *v, struct kiln_err *err)
{
	static const unsigned char mapped[12] = {
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	struct kiln_san san;
	char text[64];
	size_t n = rd_len(v);
	const unsigned char *ip = v->p;

	if (n != 4 && n != 16)
		return kiln_err_set(err, KILN_EINVAL,
		    "subject alternative name: IP address of %zu bytes", n);
	/* Go writes an IPv4-mapped address as 4 bytes. */
	if (n == 16 && memcmp(ip, mapped, sizeof(mapped)) == 0)
		ip += 12, n = 4;
	memset(&san, 0, sizeof(san));
	san.type = KILN_SAN_IP;
	memcpy(san.ip, ip, n);
	san.ip_len = n;
	x509_ip_string(ip, n, text, sizeof(text));
	san.value = text;
	return kiln_sans_add_typed(&req->sans, &san, err);
}

/*
 * The SANs of the request's extension "e", grouped as Go's
 * x509.CertificateRequest holds them: DNS names, email addresses, IP
 * addresses, URIs.  Other kinds of name are dropped, as Go drops them.
 */
static int
read_sans(
    struct kiln_signreq *req, const struct kiln_ext *e, struct kiln_err *err)
{
	static const int order[] = {2, 1, 7, 6};
	struct rd all = {req->csr.der.p + e->off,
	              req->csr.der.p + e->off + e->len},
	          names, seq, name;
	size_t k;
	int tag, rc = 0;

	if (rd_tag(&all, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &seq) == -1)
		return kiln_err_set(
		    err, KILN_EINVAL, "bad subject alternative name");
	for (k = 0; k < sizeof(order) / sizeof(order[0]); k++)
		for (names = seq; rc == 0 && names.p < names.end;) {
			if (rd_any(&names, &tag, &name, NULL) == -1)
				return kiln_err_set(err, KILN_EINVAL,
				    "bad subject alternative name");
			if (tag != (MBEDTLS_ASN1_CONTEXT_SPECIFIC | order[k]))
				continue;
			switch (order[k]) {
			case 1:
				rc = san_text(req, KILN_SAN_EMAIL, &name, err);
				break;
			case 2:
				rc = san_text(req, KILN_SAN_DNS, &name, err);
				break;
			case 6:
				rc = san_text(req, KILN_SAN_URI, &name, err);
				break;
			default:
				rc = san_ip(req, &name, err);
				break;
			}
		}
	return rc;
}

/* Whether "s" is one of the "n" strings of "list". */
static int
in_list(const char *s, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

/*
 * Read the request in "data" into req->csr.  PEM input is its first PEM
 * block, which must be a certificate request (cfssl takes the first block
 * and then looks at its label); anything else is taken as DER.
 */
static int
read_request(struct kiln_signreq *req, const unsigned char *data, size_t len,
    struct kiln_err *err)
{
	static const char *const csr[] = {
	    "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"};
	static const char *const cert[] = {
	    "CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"};
	struct kiln_pem_block blk;
	struct kiln_buf text;
	size_t pos = 0;
	int ret, rc = -1;

	kiln_buf_init(&text);
	if (kiln_buf_append(&text, data, len, err) == -1 ||
	    kiln_buf_terminate(&text, err) == -1)
		goto cleanup;
	if (kiln_pem_count((char *)text.p) == 0) {
		/* Not PEM: DER, or an error kiln_inspect_csr() words. */
		req->was_der = 1;
		rc = kiln_inspect_csr(&req->csr, data, len, err);
		goto cleanup;
	}
	if ((ret = kiln_pem_next((char *)text.p, &pos, NULL, &blk, err)) != 1) {
		if (ret == 0)
			kiln_err_set(err, KILN_EINVAL, "bad PEM header");
		goto cleanup;
	}
	if (!in_list(blk.label, csr, 2)) {
		if (in_list(blk.label, cert, 3))
			kiln_err_set(err, KILN_EINVAL,
			    "a certificate, not a certificate request");
		else
			kiln_err_set(err, KILN_EINVAL,
			    "not a certificate request (PEM block \"%.40s\")",
			    blk.label);
		goto cleanup;
	}
	/* Only this block, so that no later one is taken instead. */
	rc = kiln_inspect_csr(
	    &req->csr, text.p + blk.begin, blk.end - blk.begin, err);
cleanup:
	kiln_buf_free(&text);
	return rc;
}

/*
 * The signature algorithms cfssl checks (helpers.CheckSignature): RSA
 * PKCS#1 v1.5 and ECDSA with SHA-1 or SHA-2, by inspect's names.  MD5
 * and MD2, which mbedTLS would check, are refused.
 */
static int
checked_sigalg(const char *name)
{
	static const char *const ok[] = {"SHA1WithRSA", "SHA256WithRSA",
	    "SHA384WithRSA", "SHA512WithRSA", "ECDSAWithSHA1",
	    "ECDSAWithSHA256", "ECDSAWithSHA384", "ECDSAWithSHA512"};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(name, ok[i]) == 0)
			return 1;
	return 0;
}

/* Subject and SubjectPublicKeyInfo of the request's DER. */
static int
find_cri(const struct kiln_info *csr, struct rd *name, struct rd *spki)
{
	struct x509_body b;
	struct rd whole;

	if (x509_csr_walk(csr->der.p, csr->der.len, &b) == -1 ||
	    b.nfield <= X509_CSR_SPKI)
		return -1;
	whole = b.field[X509_CSR_SUBJECT];
	if (rd_tag(&whole, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        name) == -1)
		return -1;
	*spki = b.field[X509_CSR_SPKI];
	return 0;
}

int
kiln_sign_request(struct kiln_signreq *req, const unsigned char *data,
    size_t len, struct kiln_err *err)
{
	const struct kiln_ext *san = NULL;
	struct rd name, spki;
	size_t i;

	if (read_request(req, data, len, err) == -1)
		return -1;
	if (!checked_sigalg(req->csr.sigalg))
		return kiln_err_set(err, KILN_EINVAL,
		    "signature cannot be checked: %s, %s key (kiln checks RSA "
		    "PKCS#1 v1.5 and ECDSA with SHA-1 or SHA-2)",
		    strcmp(req->csr.sigalg, "Unknown Signature") == 0
		        ? req->csr.sigalg_oid
		        : req->csr.sigalg,
		    req->csr.key_algorithm);
	if (req->csr.sig_valid == 0)
		return kiln_err_set(err, KILN_EINVAL,
		    "signature does not verify: the request was altered, or "
		    "not signed with its own key");
	if (req->csr.sig_valid != 1)
		return kiln_err_set(err, KILN_EINVAL,
		    "signature cannot be checked: %s key",
		    req->csr.key_algorithm);
	if (find_cri(&req->csr, &name, &spki) == -1)
		return kiln_err_set(err, KILN_EINVAL, "not a CSR");
	if (sign_read_subject(req, name, err) == -1 ||
	    read_spki(req, &spki, err) == -1)
		return -1;
	for (i = 0; i < req->csr.next; i++) {
		if (strcmp(req->csr.ext[i].oid, KILN_OID_EXT_SAN) != 0)
			continue;
		if (san != NULL)
			return kiln_err_set(err, KILN_EINVAL,
			    "two subject alternative name extensions");
		san = &req->csr.ext[i];
	}
	if (san != NULL && read_sans(req, san, err) == -1)
		return -1;
	req->is_ca = req->csr.has_bc && req->csr.is_ca;
	req->max_path_len = req->csr.has_bc ? req->csr.max_path_len : -1;
	req->certreq.sans = &req->sans;
	return sign_encode_subject(req, err);
}

int
kiln_sign_hosts(
    struct kiln_signreq *req, const char *list, struct kiln_err *err)
{
	struct kiln_sans sans;
	const char *p, *comma;
	char *host;
	int rc = -1;

	kiln_sans_init(&sans);
	for (p = list;; p = comma + 1) {
		comma = strchr(p, ',');
		if ((host = strndup(p, comma != NULL ? (size_t)(comma - p)
		                                     : strlen(p))) == NULL) {
			kiln_err_set(err, KILN_ENOMEM, "out of memory");
			goto cleanup;
		}
		rc = kiln_sans_add(&sans, host, err);
		free(host);
		if (rc == -1)
			goto cleanup;
		rc = -1;
		if (comma == NULL)
			break;
	}
	kiln_sans_free(&req->sans);
	req->sans = sans;
	kiln_sans_init(&sans); /* owned by req */
	req->certreq.sans = &req->sans;
	rc = 0;
cleanup:
	kiln_sans_free(&sans);
	return rc;
}

int
kiln_sign_check(const struct kiln_signreq *req,
    const struct kiln_profile *profile, const struct kiln_cert *ca,
    struct kiln_err *err)
{
	int ca_pathlen;

	if (!req->is_ca)
		return 0;
	if (!profile->is_ca)
		return kiln_err_set(err, KILN_EPOLICY,
		    "the request asks for a CA certificate (basicConstraints "
		    "CA:TRUE) and the profile does not allow one "
		    "(ca_constraint.is_ca)");
	/* mbedTLS keeps pathlen + 1, and 0 for none. */
	ca_pathlen = ca != NULL ? kiln_crt_max_pathlen(&ca->crt) - 1 : -1;
	if (ca_pathlen > 0 && req->max_path_len >= ca_pathlen)
		return kiln_err_set(err, KILN_EPOLICY,
		    "the request asks for pathlen %d and the CA's pathlen %d "
		    "allows at most %d",
		    req->max_path_len, ca_pathlen, ca_pathlen - 1);
	return 0;
}

int
kiln_sign_key_check(const struct kiln_signreq *req, struct kiln_err *err)
{
	const struct kiln_info *c = &req->csr;

	if (strcmp(c->key_algorithm, "RSA") == 0) {
		if (c->key_bits >= 2048 && c->key_bits <= 8192)
			return 0;
		return kiln_err_set(err, KILN_EPOLICY,
		    "the request's key is RSA of %u bits: kiln signs RSA of "
		    "2048 to 8192 bits and ECDSA on P-256, P-384 or P-521",
		    c->key_bits);
	}
	if (strcmp(c->key_algorithm, "ECDSA") == 0 &&
	    (strcmp(c->key_curve, "P-256") == 0 ||
	        strcmp(c->key_curve, "P-384") == 0 ||
	        strcmp(c->key_curve, "P-521") == 0))
		return 0;
	return kiln_err_set(err, KILN_EPOLICY,
	    "the request's key is %s%s%s: kiln signs RSA of 2048 to 8192 bits "
	    "and ECDSA on P-256, P-384 or P-521",
	    c->key_algorithm,
	    strcmp(c->key_algorithm, "ECDSA") != 0 ? ""
	    : c->key_curve[0] != '\0'             ? " on "
	                                           : " on another curve",
	    strcmp(c->key_algorithm, "ECDSA") == 0 ? c->key_curve : "");
}

int
kiln_sign_copy_extensions(struct kiln_signreq *req, struct kiln_err *err)
{
	const struct kiln_info *c = &req->csr;
	unsigned char oid[64];
	struct der d;
	size_t i, n, m;
	int rc = -1;

	der_init(&d);
	for (i = 0; i < c->next; i++) {
		if (strcmp(c->ext[i].oid, KILN_OID_EXT_BC) == 0)
			continue; /* cfssl never copies basicConstraints */
		if ((n = der_oid_from_string(
		         c->ext[i].oid, oid, sizeof(oid))) == 0) {
			kiln_err_set(err, KILN_EINVAL,
			    "extension %s: not an OID kiln can copy",
			    c->ext[i].oid);
			goto cleanup;
		}
		m = der_open(&d, DER_SEQUENCE);
		der_tlv(&d, DER_OID, oid, n);
		if (c->ext[i].critical)
			der_bool_true(&d);
		der_tlv(&d, DER_OCTET_STRING, c->der.p + c->ext[i].off,
		    c->ext[i].len);
		der_close(&d, m);
	}
	if (der_check(&d, err) == -1)
		goto cleanup;
	req->extra.len = 0;
	if (kiln_buf_append(&req->extra, d.buf.p, d.buf.len, err) == -1)
		goto cleanup;
	req->certreq.extra = req->extra.len > 0 ? req->extra.p : NULL;
	req->certreq.extra_len = req->extra.len;
	rc = 0;
cleanup:
	der_free(&d);
	return rc;
}
