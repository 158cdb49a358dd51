/*
 * Private keys: RSA 2048..8192 and ECDSA P-256/384/521.
 */
#ifndef KILN_KEY_H
#define KILN_KEY_H

#include <stddef.h>

#include <mbedtls/md.h>
#include <mbedtls/pk.h>

#include "kiln/buf.h"
#include "kiln/err.h"
#include "kiln/rng.h"

enum kiln_keyalgo {
	KILN_KEY_ECDSA, /* cfssl's default */
	KILN_KEY_RSA
};

/* A key request: ecdsa 256/384/521 or rsa 2048..8192. */
struct kiln_keyreq {
	enum kiln_keyalgo algo;
	int size; /* bits: the RSA modulus or the curve's size */
	/*
	 * RSA: threads searching for the primes.  0: two when two
	 * processors are online; 1: the calling thread alone, for a pool
	 * that keeps every core busy with keys already.
	 */
	unsigned int threads;
};

/* Check a key request's algorithm and size.  Returns 0 or -1 (EINVAL). */
int kiln_keyreq_check(const struct kiln_keyreq *, struct kiln_err *);

/*
 * A key.  kiln_key_init() cannot fail; kiln_key_free() wipes the key and
 * is safe on an initialised key that was never loaded.  A key that holds
 * anything is consistent: generated here, or loaded and found to give its
 * own public part, so matching it to a certificate compares public keys.
 */
struct kiln_key {
	mbedtls_pk_context pk;
};

void kiln_key_init(struct kiln_key *);
void kiln_key_free(struct kiln_key *);

/*
 * Generate a key as "req" asks (RSA with e = 65537), drawing from "rng".
 * Returns 0, or -1 (KILN_EINVAL for a bad algorithm or size).
 */
int kiln_key_generate(struct kiln_key *, const struct kiln_keyreq *,
    struct kiln_rng *, struct kiln_err *);

/*
 * Load a private key from "len" bytes of PEM (PKCS#1 "RSA PRIVATE KEY",
 * SEC1 "EC PRIVATE KEY", PKCS#8 "PRIVATE KEY") or DER.  An "EC
 * PARAMETERS" block before the key is skipped.  Only RSA of 2048 to 8192
 * bits and the three NIST curves are accepted, and only a key whose
 * public part is its private part's (an EC point that is not the scalar's
 * is refused; one point multiplication, drawing blinding from "rng").
 * Returns 0 or -1.
 */
int kiln_key_parse(struct kiln_key *, const unsigned char *, size_t,
    struct kiln_rng *, struct kiln_err *);

/*
 * As kiln_key_parse, decrypting with "password" (NUL-terminated, or NULL)
 * a legacy encrypted PEM key ("Proc-Type: 4,ENCRYPTED") or an encrypted
 * PKCS#8 key whose cipher mbedTLS has.
 */
int kiln_key_parse_password(struct kiln_key *, const unsigned char *, size_t,
    const char *, struct kiln_rng *, struct kiln_err *);

/*
 * Why kiln_key_parse_password() (or a call that loads a key with it, as
 * kiln_signer_open) failed, when it was the password: KILN_KEY_NO_PASSWORD
 * for an encrypted key and no password, KILN_KEY_WRONG_PASSWORD for a
 * password that does not decrypt it, else 0.  A front end says there
 * where its password comes from.  "err" may be NULL (0).
 */
#define KILN_KEY_NO_PASSWORD 1
#define KILN_KEY_WRONG_PASSWORD 2
int kiln_key_password_problem(const struct kiln_err *);

/* The key as PEM (PKCS#1 or SEC1, as cfssl writes it) into "out". */
int kiln_key_write_pem(struct kiln_key *, struct kiln_buf *, struct kiln_err *);

/* The public key as SubjectPublicKeyInfo DER, appended to "out". */
int kiln_key_write_spki(
    struct kiln_key *, struct kiln_buf *, struct kiln_err *);

/*
 * The hash cfssl signs with for key "pk": SHA-256/384/512 for RSA under
 * 3072, under 4096 and above; by curve for ECDSA.
 */
mbedtls_md_type_t kiln_key_sig_md(const mbedtls_pk_context *);

/* "rsa-2048", "ecdsa-256", ... into "buf".  Returns "buf". */
const char *kiln_key_describe(const mbedtls_pk_context *, char *, size_t);

/*
 * Whether the private key "key" belongs to the public key "pub" (from a
 * certificate): their SubjectPublicKeyInfo bytes are equal.  Returns 0 if
 * it does, -1 with KILN_EINVAL if not.
 */
int kiln_key_check_pair(
    const mbedtls_pk_context *, struct kiln_key *, struct kiln_err *);

#endif /* KILN_KEY_H */
