/*
 * The key of a certificate kiln renew replaces: the key file's name
 * beside it by the layouts in use, a key block inside the certificate's
 * own file, and the check that a key is the certificate's.
 */
#include <stdio.h>
#include <string.h>

#include "kiln/buf.h"
#include "kiln/pem.h"
#include "kiln/renew.h"

int
kiln_renew_key_name(const char *name, char *out, size_t size)
{
	size_t n = strlen(name);
	int w;

	if (n > 4 && strcmp(name + n - 4, ".pem") == 0)
		w = snprintf(out, size, "%.*s-key.pem", (int)(n - 4), name);
	else if (n > 4 && strcmp(name + n - 4, ".crt") == 0)
		w = snprintf(out, size, "%.*s.key", (int)(n - 4), name);
	else
		return 0;
	return w > 0 && (size_t)w < size;
}

int
kiln_renew_key_block(const unsigned char *text, size_t len, size_t *off,
    size_t *n, struct kiln_err *err)
{
	struct kiln_pem_block blk;
	struct kiln_buf copy;
	size_t pos = 0, count = 0;
	int ret, rc = -1;

	/* kiln_pem_next reads NUL-terminated text: a copy (wiped). */
	kiln_buf_init(&copy);
	if (kiln_buf_append(&copy, text, len, err) == -1 ||
	    kiln_buf_terminate(&copy, err) == -1)
		goto cleanup;
	while ((ret = kiln_pem_next(
	            (char *)copy.p, &pos, KILN_PEM_KEY, &blk, NULL)) == 1) {
		if (++count > 1) {
			kiln_err_set(err, KILN_EINVAL,
			    "holds more than one private key");
			goto cleanup;
		}
		/* From its BEGIN to the end of its END line's text. */
		*off = blk.begin;
		*n = blk.body + blk.body_len + strlen("-----END -----") +
		     strlen(blk.label) - blk.begin;
	}
	if (ret == -1) {
		kiln_err_set(err, KILN_EINVAL, "a private key cut short");
		goto cleanup;
	}
	rc = count == 1;
cleanup:
	kiln_buf_free(&copy);
	return rc;
}

int
kiln_renew_check_key(struct kiln_key *key, const struct kiln_info *old,
    const char *cert, const unsigned char *data, size_t len,
    const char *keyname, struct kiln_rng *rng, struct kiln_err *err)
{
	struct kiln_cert crt;
	struct kiln_err kerr;
	int rc = -1;

	kiln_cert_init(&crt);
	kiln_err_clear(&kerr);
	if (kiln_key_parse(key, data, len, rng, &kerr) == -1) {
		if (kiln_key_password_problem(&kerr) != 0)
			kiln_err_set(err, KILN_EINVAL,
			    "%s: its key %s is encrypted: kiln renew reads no "
			    "password for it (CFSSL_CA_PK_PASSWORD is the CA "
			    "key's only)",
			    cert, keyname);
		else
			kiln_err_set(err, kerr.code, "%s: its key %s: %s", cert,
			    keyname, kerr.msg);
		goto cleanup;
	}
	if (kiln_cert_parse(&crt, old->der.p, old->der.len, &kerr) == -1) {
		kiln_err_set(err, kerr.code, "%s: %s", cert, kerr.msg);
		goto cleanup;
	}
	/* kiln_key_parse refused a key whose public part is not its private
	 * part's (an EC point that is not the scalar's): comparing public
	 * keys is then enough. */
	if (kiln_key_check_pair(&crt.crt.pk, key, &kerr) == -1) {
		kiln_err_set(err, KILN_EINVAL,
		    "%s: its key %s does not match it: refused (a certificate "
		    "is renewed only for the key beside it)",
		    cert, keyname);
		goto cleanup;
	}
	rc = 0;
cleanup:
	kiln_cert_free(&crt);
	if (rc == -1)
		kiln_key_free(key);
	return rc;
}
