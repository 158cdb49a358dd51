/*
 * A certificate request decoded from its DER: subject, key, the
 * extensions it asks for, and whether its self-signature verifies.
 */
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>

#include "asn1/oid.h"
#include "core/ecwarm.h"
#include "inspect/decode.h"

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
		if (strcmp(oid, KILN_OID_EXT_REQUEST) != 0)
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
	        kiln_pk_verify_warm(&pk, md, hash, mbedtls_md_get_size(mdi),
	            sig->p + 1, rd_len(sig) - 1) == 0;
cleanup:
	mbedtls_pk_free(&pk);
	return valid;
}

int
inspect_csr_der(struct kiln_info *info, const unsigned char *der, size_t len,
    struct kiln_err *err)
{
	struct x509_body b;
	struct rd v, sig;
	int version;

	info->kind = KILN_INFO_CSR;
	info->version = 1;
	if (inspect_take_der(info, der, len, err) == -1)
		return -1;
	if (x509_csr_walk(info->der.p, len, &b) == -1 ||
	    rd_len(&b.after) != 0 || rd_len(&b.body) == 0 || !b.outer_ok ||
	    inspect_sigalg(info, &b.sigalg) == -1 ||
	    rd_tag(&b.sig, MBEDTLS_ASN1_BIT_STRING, &sig) == -1 ||
	    rd_len(&b.extra) != 0)
		return kiln_err_set(err, KILN_EINVAL, "not a CSR");
	v = b.field[X509_CSR_VERSION];
	if (b.nfield <= X509_CSR_VERSION || rd_int(&v, &version) == -1 ||
	    version != 0)
		return kiln_err_set(err, KILN_EINVAL, "bad version");
	if (inspect_subject_key(info, &b, X509_CSR_SUBJECT, err) == -1)
		return -1;
	if (inspect_field(&b, X509_CSR_ATTRS, 0xa0, &v) == -1 ||
	    rd_len(&b.rest) != 0)
		return kiln_err_set(err, KILN_EINVAL, "bad attributes");
	if (parse_csr_attributes(info, v, err) == -1)
		return -1;
	info->sig_valid =
	    csr_signature(&b.body, &b.field[X509_CSR_SPKI], &b.sigalg, &sig);
	return 0;
}
