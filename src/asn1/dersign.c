#include <mbedtls/oid.h>
#include <mbedtls/platform_util.h>

#include "core/compat.h"
#include "core/ecwarm.h"
#include "asn1/der.h"

int
der_sig_algid(struct der *d, const mbedtls_pk_context *pk, mbedtls_md_type_t md,
    struct kiln_err *err)
{
	static const unsigned char null[] = {0};
	mbedtls_pk_type_t type = mbedtls_pk_get_type(pk);
	const char *oid;
	size_t oid_len, m;
	int ret;

	if (type == MBEDTLS_PK_ECKEY)
		type = MBEDTLS_PK_ECDSA;
	if ((ret = mbedtls_oid_get_oid_by_sig_alg(type, md, &oid, &oid_len)) !=
	    0)
		return kiln_err_mbed(err, ret, "signature algorithm");
	m = der_open(d, DER_SEQUENCE);
	der_tlv(d, DER_OID, oid, oid_len);
	if (type == MBEDTLS_PK_RSA)
		der_tlv(d, DER_NULL, null, 0);
	der_close(d, m);
	return 0;
}

int
der_sign(struct kiln_buf *out, const struct der *tbs, struct kiln_key *key,
    mbedtls_md_type_t md, struct kiln_rng *rng, struct kiln_err *err)
{
	unsigned char hash[MBEDTLS_MD_MAX_SIZE];
	unsigned char sig[1 + MBEDTLS_PK_SIGNATURE_MAX_SIZE];
	const mbedtls_md_info_t *info = mbedtls_md_info_from_type(md);
	size_t sig_len = 0, m;
	struct der d;
	int ret, rc = -1;

	der_init(&d);
	if (der_check(tbs, err) == -1)
		goto cleanup;
	if (info == NULL) {
		kiln_err_set(err, KILN_ECRYPTO, "hash not available");
		goto cleanup;
	}
	if ((ret = mbedtls_md(info, tbs->buf.p, tbs->buf.len, hash)) != 0) {
		kiln_err_mbed(err, ret, "hash");
		goto cleanup;
	}
	/* sig[0] is the BIT STRING's unused-bits count. */
	sig[0] = 0;
	ret = kiln_pk_sign_warm(&key->pk, md, hash, mbedtls_md_get_size(info),
	    sig + 1, sizeof(sig) - 1, &sig_len, kiln_rng_random, rng);
	if (ret != 0) {
		kiln_err_mbed(err, ret, "signature");
		goto cleanup;
	}
	m = der_open(&d, DER_SEQUENCE);
	der_raw(&d, tbs->buf.p, tbs->buf.len);
	if (der_sig_algid(&d, &key->pk, md, err) == -1)
		goto cleanup;
	der_tlv(&d, DER_BIT_STRING, sig, 1 + sig_len);
	der_close(&d, m);
	if (der_check(&d, err) == -1 ||
	    kiln_buf_append(out, d.buf.p, d.buf.len, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	mbedtls_platform_zeroize(hash, sizeof(hash));
	der_free(&d);
	return rc;
}
