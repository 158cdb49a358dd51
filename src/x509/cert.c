#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/oid.h>

#include "core/civil.h"
#include "core/compat.h"
#include "asn1/der.h"
#include "asn1/x509.h"
#include "kiln/cert.h"
#include "kiln/pem.h"

void
kiln_cert_init(struct kiln_cert *cert)
{
	mbedtls_x509_crt_init(&cert->crt);
	cert->ski_len = 0;
}

void
kiln_cert_free(struct kiln_cert *cert)
{
	mbedtls_x509_crt_free(&cert->crt);
	kiln_cert_init(cert);
}

long long
kiln_cert_not_after(const struct kiln_cert *cert)
{
	return kiln_x509_time_seconds(&cert->crt.valid_to);
}

int
kiln_cert_outlives(const struct kiln_cert *ca, long long not_after)
{
	return not_after - kiln_cert_not_after(ca) > KILN_OUTLIVES_GRACE;
}

/* Accept every extension mbedTLS does not know, critical or not. */
static int
accept_ext(void *ctx, const mbedtls_x509_crt *crt, const mbedtls_x509_buf *oid,
    int critical, const unsigned char *p, const unsigned char *end)
{
	(void)ctx;
	(void)crt;
	(void)oid;
	(void)critical;
	(void)p;
	(void)end;
	return 0;
}

/* The SKI's key identifier from the raw extensions, if any. */
static void
find_ski(struct kiln_cert *cert)
{
	const mbedtls_x509_buf *ext = &cert->crt.v3_ext;
	struct rd r = {ext->p, ext->p + ext->len}, exts, val, id;

	if (ext->p == NULL || rd_tag(&r, DER_SEQUENCE, &exts) == -1 ||
	    x509_ext_find(exts,
	        (const unsigned char *)MBEDTLS_OID_SUBJECT_KEY_IDENTIFIER,
	        sizeof(MBEDTLS_OID_SUBJECT_KEY_IDENTIFIER) - 1, &val,
	        NULL) != 1 ||
	    rd_tag(&val, DER_OCTET_STRING, &id) == -1 ||
	    rd_len(&id) > sizeof(cert->ski) || val.p != val.end)
		return;
	memcpy(cert->ski, id.p, rd_len(&id));
	cert->ski_len = rd_len(&id);
}

int
kiln_cert_parse(struct kiln_cert *cert, const unsigned char *data, size_t len,
    struct kiln_err *err)
{
	struct kiln_pem_block blk;
	struct kiln_buf text, der;
	const unsigned char *p = data;
	size_t n = len, pos = 0;
	int ret, rc = -1;

	kiln_buf_init(&text);
	kiln_buf_init(&der);
	kiln_cert_free(cert);
	if (kiln_buf_append(&text, data, len, err) == -1 ||
	    kiln_buf_terminate(&text, err) == -1)
		goto cleanup;
	/* PEM: one block, as kiln check finds and decodes it. */
	if (kiln_pem_count((char *)text.p) > 0) {
		if (kiln_pem_count((char *)text.p) != 1) {
			kiln_err_set(err, KILN_EINVAL,
			    "expected exactly one PEM certificate");
			goto cleanup;
		}
		if (kiln_pem_next(
		        (char *)text.p, &pos, "CERTIFICATE", &blk, NULL) != 1 ||
		    (ret = kiln_base64_decode(
		         text.p + blk.body, blk.body_len, &der, err)) == 1) {
			kiln_err_set(err, KILN_EINVAL, "not a PEM certificate");
			goto cleanup;
		}
		if (ret == -1)
			goto cleanup;
		p = der.p;
		n = der.len;
	}
	ret = mbedtls_x509_crt_parse_der_with_ext_cb(
	    &cert->crt, p, n, 1, accept_ext, NULL);
	if (ret != 0) {
		kiln_err_mbed(err, ret, "not a valid certificate");
		goto cleanup;
	}
	find_ski(cert);
	rc = 0;
cleanup:
	kiln_buf_free(&der);
	kiln_buf_free(&text);
	if (rc == -1)
		kiln_cert_free(cert);
	return rc;
}

int
kiln_ca_load(struct kiln_cert *ca, struct kiln_key *key,
    const struct kiln_buf *cert, const char *cert_name,
    const struct kiln_buf *key_text, const char *key_name, const char *password,
    struct kiln_rng *rng, struct kiln_err *err)
{
	struct kiln_err e;

	kiln_err_clear(&e);
	if (kiln_cert_parse(ca, cert->p, cert->len, &e) == -1)
		return kiln_err_pass_prefix(err, &e, "%s", cert_name);
	if (!kiln_crt_is_ca(&ca->crt))
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: not a CA certificate (basicConstraints CA:FALSE)",
		    cert_name);
	if (kiln_key_parse_password(
	        key, key_text->p, key_text->len, password, rng, &e) == -1)
		return kiln_err_pass_prefix(err, &e, "%s", key_name);
	if (kiln_key_check_pair(&ca->crt.pk, key, NULL) == -1)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: does not match the CA certificate %s", key_name,
		    cert_name);
	return 0;
}
