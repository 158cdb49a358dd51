#include <mbedtls/oid.h>

#include "asn1/der.h"
#include "kiln/csr.h"

int
kiln_csr_create(struct kiln_buf *out, const unsigned char *subject,
    size_t subject_len, struct kiln_key *key, const struct kiln_sans *sans,
    const struct kiln_careq *ca, struct kiln_rng *rng, struct kiln_err *err)
{
	static const char ext_req[] = MBEDTLS_OID_PKCS9_CSR_EXT_REQ;
	struct der cri, value;
	struct kiln_buf spki;
	size_t m, attrs, attr, set, exts;
	int rc = -1;

	der_init(&cri);
	der_init(&value);
	kiln_buf_init(&spki);
	if (kiln_key_write_spki(key, &spki, err) == -1)
		goto cleanup;
	m = der_open(&cri, DER_SEQUENCE);
	der_small_int(&cri, 0); /* version 1 */
	der_raw(&cri, subject, subject_len);
	der_raw(&cri, spki.p, spki.len);
	/* Go writes the attributes field even when empty (a0 00). */
	attrs = der_open(&cri, DER_CONTEXT_CONS(0));
	if (sans->n > 0 || ca != NULL) {
		attr = der_open(&cri, DER_SEQUENCE);
		der_tlv(&cri, DER_OID, ext_req, sizeof(ext_req) - 1);
		set = der_open(&cri, DER_SET);
		exts = der_open(&cri, DER_SEQUENCE);
		if (sans->n > 0) {
			der_subject_alt_name(&value, sans);
			der_extension(&cri, MBEDTLS_OID_SUBJECT_ALT_NAME,
			    sizeof(MBEDTLS_OID_SUBJECT_ALT_NAME) - 1, 0,
			    &value);
		}
		if (ca != NULL) {
			der_free(&value);
			der_basic_constraints(&value, 1, ca->pathlen);
			der_extension(&cri, MBEDTLS_OID_BASIC_CONSTRAINTS,
			    sizeof(MBEDTLS_OID_BASIC_CONSTRAINTS) - 1, 1,
			    &value);
		}
		der_close(&cri, exts);
		der_close(&cri, set);
		der_close(&cri, attr);
	}
	der_close(&cri, attrs);
	der_close(&cri, m);
	if (der_sign(out, &cri, key, kiln_key_sig_md(&key->pk), rng, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	der_free(&cri);
	der_free(&value);
	kiln_buf_free(&spki);
	return rc;
}
