#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ecp.h>
#include <mbedtls/cipher.h>
#include <mbedtls/pem.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/rsa.h>

#include "core/compat.h"
#include "core/ecwarm.h"
#include "kiln/key.h"
#include "kiln/pem.h"
#include "x509/rsagen.h"

/* Room for an RSA-8192 private key in DER, with margin. */
#define KEY_DER_MAX 8192
#define SPKI_DER_MAX 2200

void
kiln_key_init(struct kiln_key *key)
{
	mbedtls_pk_init(&key->pk);
}

void
kiln_key_free(struct kiln_key *key)
{
	mbedtls_pk_free(&key->pk); /* wipes the key */
	mbedtls_pk_init(&key->pk);
}

/*
 * Whether a failed parse of an encrypted key means mbedTLS lacks the
 * cipher or scheme.  Any other failure with a password given means the
 * password is wrong: a wrong password decrypts to garbage, which fails
 * the padding check (PASSWORD_MISMATCH) or, about one time in 200, passes
 * it and fails as DER.
 */
static int
decrypt_unsupported(int ret)
{
	int high = -(-ret & 0xFF80); /* the high-level module's code */

	return high == MBEDTLS_ERR_PKCS5_FEATURE_UNAVAILABLE ||
	       high == MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE ||
	       high == MBEDTLS_ERR_PEM_FEATURE_UNAVAILABLE ||
	       high == MBEDTLS_ERR_CIPHER_FEATURE_UNAVAILABLE;
}

static mbedtls_ecp_group_id
curve_for_size(int size)
{
	switch (size) {
	case 256:
		return MBEDTLS_ECP_DP_SECP256R1;
	case 384:
		return MBEDTLS_ECP_DP_SECP384R1;
	case 521:
		return MBEDTLS_ECP_DP_SECP521R1;
	}
	return MBEDTLS_ECP_DP_NONE;
}

int
kiln_keyreq_check(const struct kiln_keyreq *kr, struct kiln_err *err)
{
	switch (kr->algo) {
	case KILN_KEY_RSA:
		if (kr->size < 2048)
			return kiln_err_set(err, KILN_EINVAL,
			    "RSA key size %d is too small (at least 2048)",
			    kr->size);
		if (kr->size > 8192)
			return kiln_err_set(err, KILN_EINVAL,
			    "RSA key size %d is too large (at most 8192)",
			    kr->size);
		return 0;
	case KILN_KEY_ECDSA:
		if (kr->size == 256 || kr->size == 384 || kr->size == 521)
			return 0;
		return kiln_err_set(err, KILN_EINVAL,
		    "invalid ECDSA key size %d (256, 384 or 521)", kr->size);
	}
	return kiln_err_set(err, KILN_EINVAL, "unknown key algorithm");
}

int
kiln_key_generate(struct kiln_key *key, const struct kiln_keyreq *kr,
    struct kiln_rng *rng, struct kiln_err *err)
{
	int ret;

	if (kiln_keyreq_check(kr, err) == -1)
		return -1;
	kiln_key_free(key);
	if (kr->algo == KILN_KEY_RSA) {
		if ((ret = mbedtls_pk_setup(&key->pk,
		         mbedtls_pk_info_from_type(MBEDTLS_PK_RSA))) != 0)
			return kiln_err_mbed(err, ret, "RSA key");
		/* A sieve and two threads (or the pool's one): rsagen.h. */
		if (kiln_rsagen(mbedtls_pk_rsa(key->pk), (unsigned int)kr->size,
		        kr->threads == 1 ? 1 : 0, rng, NULL, err) == -1) {
			kiln_key_free(key);
			return -1;
		}
		return 0;
	}
	if ((ret = mbedtls_pk_setup(
	         &key->pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY))) != 0)
		return kiln_err_mbed(err, ret, "ECDSA key");
	/* d * G on the thread's warmed group (core/ecwarm.h). */
	ret = kiln_ec_generate(mbedtls_pk_ec(key->pk), curve_for_size(kr->size),
	    kiln_rng_random, rng);
	if (ret != 0)
		return kiln_err_mbed(err, ret, "ECDSA key generation");
	return 0;
}

/* Refuse what kiln cannot issue with: weak RSA, other curves. */
static int
check_loaded(const mbedtls_pk_context *pk, struct kiln_err *err)
{
	size_t bits = kiln_pk_bitlen(pk);

	switch (mbedtls_pk_get_type(pk)) {
	case MBEDTLS_PK_RSA:
		if (bits < 2048 || bits > 8192)
			return kiln_err_set(err, KILN_EINVAL,
			    "RSA key of %zu bits (2048 to 8192 are accepted)",
			    bits);
		return 0;
	case MBEDTLS_PK_ECKEY:
	case MBEDTLS_PK_ECDSA:
		if (kiln_pk_ec_group(pk) == curve_for_size((int)bits))
			return 0;
		return kiln_err_set(err, KILN_EINVAL,
		    "EC key on an unsupported curve (P-256, P-384 or P-521)");
	default:
		return kiln_err_set(
		    err, KILN_EINVAL, "not an RSA or ECDSA key");
	}
}

int
kiln_key_parse(struct kiln_key *key, const unsigned char *data, size_t len,
    struct kiln_rng *rng, struct kiln_err *err)
{
	return kiln_key_parse_password(key, data, len, NULL, rng, err);
}

/*
 * A refusal about the password, marked for kiln_key_password_problem():
 * err->mbed holds mbedTLS's code when this is the error recorded.
 */
static void
password_error(struct kiln_err *err, int ret, const char *msg)
{
	int fresh = err != NULL && err->code == KILN_OK;

	kiln_err_set(err, KILN_EINVAL, "%s", msg);
	if (fresh)
		err->mbed = ret;
}

int
kiln_key_password_problem(const struct kiln_err *err)
{
	if (err == NULL || err->code != KILN_EINVAL)
		return 0;
	if (err->mbed == MBEDTLS_ERR_PK_PASSWORD_REQUIRED)
		return KILN_KEY_NO_PASSWORD;
	if (err->mbed == MBEDTLS_ERR_PK_PASSWORD_MISMATCH)
		return KILN_KEY_WRONG_PASSWORD;
	return 0;
}

int
kiln_key_parse_password(struct kiln_key *key, const unsigned char *data,
    size_t len, const char *password, struct kiln_rng *rng,
    struct kiln_err *err)
{
	const unsigned char *pwd = (const unsigned char *)password;
	size_t pwdlen = password != NULL ? strlen(password) : 0;
	struct kiln_pem_block blk;
	struct kiln_buf copy;
	const unsigned char *p = data;
	size_t n = len, pos = 0;
	int pem, ret, rc = -1;

	kiln_buf_init(&copy);
	kiln_key_free(key);
	if (kiln_buf_append(&copy, data, len, err) == -1 ||
	    kiln_buf_terminate(&copy, err) == -1)
		goto cleanup;
	/*
	 * PEM: its first private key block (after OpenSSL's "EC PARAMETERS"
	 * or a certificate), found as kiln finds every PEM block, reaches
	 * mbedTLS alone and NUL-terminated, the NUL counted: mbedTLS decodes
	 * the body, in constant time and with the legacy encryption
	 * headers.  Anything else is DER, at its exact length.
	 */
	if ((pem = kiln_pem_count((char *)copy.p) > 0)) {
		if (kiln_pem_next(
		        (char *)copy.p, &pos, KILN_PEM_KEY, &blk, NULL) != 1) {
			kiln_err_set(err, KILN_EINVAL, "not a private key");
			goto cleanup;
		}
		copy.p[blk.end] = '\0';
		p = copy.p + blk.begin;
		n = blk.end - blk.begin + 1;
	}
	ret = kiln_pk_parse_key(
	    &key->pk, p, n, pwd, pwdlen, kiln_rng_random, rng);
	if (ret == MBEDTLS_ERR_PK_PASSWORD_REQUIRED) {
		password_error(err, ret,
		    "private key is encrypted, and no password was given");
		goto cleanup;
	}
	if (ret != 0 && password != NULL && pem &&
	    strstr((const char *)p, "ENCRYPTED") != NULL &&
	    decrypt_unsupported(ret)) {
		kiln_err_set(err, KILN_EINVAL,
		    "private key is encrypted in a way mbedTLS cannot decrypt "
		    "(it can: " KILN_PK_DECRYPTS ")");
		goto cleanup;
	}
	if (ret == MBEDTLS_ERR_PK_PASSWORD_MISMATCH ||
	    (ret != 0 && password != NULL && pem &&
	        strstr((const char *)p, "ENCRYPTED") != NULL)) {
		password_error(err, MBEDTLS_ERR_PK_PASSWORD_MISMATCH,
		    "private key is encrypted, and the password is wrong");
		goto cleanup;
	}
	if (ret != 0) {
		kiln_err_set(err, KILN_EINVAL, "not a private key");
		goto cleanup;
	}
	if (check_loaded(&key->pk, err) == -1)
		goto cleanup;
	/*
	 * A key file carries its public part beside the private one, and
	 * nothing makes them agree: an EC key with another key's point would
	 * sign CSRs that fail their own check, and match a certificate it
	 * cannot sign for.  Compared with itself, mbedtls_pk_check_pair
	 * recomputes the point from the scalar (RSA: N = PQ, DE = 1).
	 */
	if (kiln_pk_check_pair_warm(&key->pk, &key->pk, kiln_rng_random, rng) !=
	    0) {
		kiln_err_set(err, KILN_EINVAL,
		    "private key: its public part is not its private part's "
		    "(a corrupt or forged key)");
		goto cleanup;
	}
	rc = 0;
cleanup:
	kiln_buf_free(&copy); /* wipes the key's text */
	if (rc == -1)
		kiln_key_free(key);
	return rc;
}

/*
 * SEC1 or PKCS#1 DER into a buffer kiln wipes, then kiln's own PEM armour:
 * mbedTLS 2.28's mbedtls_pk_write_key_pem leaves the DER on its stack and
 * the base64 in freed heap memory.
 */
int
kiln_key_write_pem(
    struct kiln_key *key, struct kiln_buf *out, struct kiln_err *err)
{
	struct kiln_buf der;
	const char *label;
	int n, rc = -1;

	kiln_buf_init(&der);
	switch (mbedtls_pk_get_type(&key->pk)) {
	case MBEDTLS_PK_RSA:
		label = "RSA PRIVATE KEY";
		break;
	case MBEDTLS_PK_ECKEY:
		label = "EC PRIVATE KEY";
		break;
	default:
		kiln_err_set(err, KILN_EINVAL, "private key: not RSA or ECDSA");
		goto cleanup;
	}
	if (kiln_buf_reserve(&der, KEY_DER_MAX, err) == -1)
		goto cleanup;
	/* Written at the end of the buffer. */
	n = mbedtls_pk_write_key_der(&key->pk, der.p, der.cap);
	if (n < 0) {
		kiln_err_mbed(err, n, "private key");
		goto cleanup;
	}
	rc = kiln_pem_write(out, label, der.p + der.cap - n, (size_t)n, err);
cleanup:
	kiln_buf_free(&der);
	return rc;
}

int
kiln_key_write_spki(
    struct kiln_key *key, struct kiln_buf *out, struct kiln_err *err)
{
	unsigned char buf[SPKI_DER_MAX];
	int n;

	/* Written at the end of "buf". */
	if ((n = mbedtls_pk_write_pubkey_der(&key->pk, buf, sizeof(buf))) < 0)
		return kiln_err_mbed(err, n, "public key");
	return kiln_buf_append(out, buf + sizeof(buf) - n, (size_t)n, err);
}

mbedtls_md_type_t
kiln_key_sig_md(const mbedtls_pk_context *pk)
{
	size_t bits = kiln_pk_bitlen(pk);

	if (mbedtls_pk_get_type(pk) == MBEDTLS_PK_RSA)
		return bits >= 4096   ? MBEDTLS_MD_SHA512
		       : bits >= 3072 ? MBEDTLS_MD_SHA384
		                      : MBEDTLS_MD_SHA256;
	switch (kiln_pk_ec_group(pk)) {
	case MBEDTLS_ECP_DP_SECP384R1:
		return MBEDTLS_MD_SHA384;
	case MBEDTLS_ECP_DP_SECP521R1:
		return MBEDTLS_MD_SHA512;
	default:
		return MBEDTLS_MD_SHA256;
	}
}

const char *
kiln_key_describe(const mbedtls_pk_context *pk, char *buf, size_t size)
{
	snprintf(buf, size, "%s-%zu",
	    mbedtls_pk_get_type(pk) == MBEDTLS_PK_RSA ? "rsa" : "ecdsa",
	    kiln_pk_bitlen(pk));
	return buf;
}

/* Whether two public keys are the same: their SubjectPublicKeyInfo. */
static int
same_public(const mbedtls_pk_context *a, const mbedtls_pk_context *b)
{
	unsigned char da[SPKI_DER_MAX], db[SPKI_DER_MAX];
	int na, nb;

	/* mbedTLS writes at the end of the buffer and takes no const. */
	na = mbedtls_pk_write_pubkey_der(
	    (mbedtls_pk_context *)a, da, sizeof(da));
	nb = mbedtls_pk_write_pubkey_der(
	    (mbedtls_pk_context *)b, db, sizeof(db));
	return na > 0 && na == nb &&
	       memcmp(da + sizeof(da) - na, db + sizeof(db) - nb, (size_t)na) ==
	           0;
}

int
kiln_key_check_pair(
    const mbedtls_pk_context *pub, struct kiln_key *key, struct kiln_err *err)
{
	/* A kiln_key is consistent (generated here, or checked when it was
	 * loaded): the public keys decide. */
	if (!same_public(pub, &key->pk))
		return kiln_err_set(err, KILN_EINVAL,
		    "private key does not match the certificate");
	return 0;
}
