/*
 * Elliptic-curve operations on each thread's own warmed groups.
 *
 * mbedTLS multiplies by a curve's base point G with a comb table that it
 * builds on the first multiplication and then keeps in the group.  But
 * 2.28's mbedtls_pk_sign, mbedtls_pk_verify, mbedtls_pk_check_pair and
 * mbedtls_ecp_gen_key each work on a fresh copy of the group, so every
 * call builds the table again (about two thirds of a P-256 signature).
 * The functions here do the same work on the calling thread's own group
 * of the curve, loaded on first use and freed when the thread ends, so
 * the table is built once per thread.  A thread's group is never shared:
 * the table is filled lazily, without a lock.
 *
 * Results are those of mbedTLS's own functions, bit for bit: the same
 * (deterministic, where mbedTLS is) signatures, the same DER, the same
 * checks.  Private to libkiln.
 */
#ifndef KILN_CORE_ECWARM_H
#define KILN_CORE_ECWARM_H

#include <stddef.h>

#include <mbedtls/ecp.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>

typedef int kiln_ec_rng(void *, unsigned char *, size_t);

/*
 * The calling thread's group of curve "id" (P-256, P-384 or P-521),
 * loaded on first use, or NULL (another curve, no memory).  Only for this
 * thread, and only until it ends.
 */
mbedtls_ecp_group *kiln_ec_group(mbedtls_ecp_group_id);

/*
 * The DER ECDSA signature of "hash" ("hlen" bytes, made with "md") by
 * "key", as mbedtls_ecdsa_write_signature makes it, into "sig" of
 * "size" bytes.  Returns 0 or an mbedTLS error code.
 */
int kiln_ec_sign(const mbedtls_ecp_keypair *key, mbedtls_md_type_t md,
    const unsigned char *hash, size_t hlen, unsigned char *sig, size_t size,
    size_t *sig_len, kiln_ec_rng *f_rng, void *p_rng);

/*
 * Whether "sig" is a DER ECDSA signature of "hash" by "pub", with
 * mbedtls_ecdsa_read_signature's rules (nothing after it).  Returns 0
 * or an mbedTLS error code.
 */
int kiln_ec_verify(const mbedtls_ecp_keypair *pub, const unsigned char *hash,
    size_t hlen, const unsigned char *sig, size_t sig_len);

/* A new key pair on curve "id" into "key", as mbedtls_ecp_gen_key. */
int kiln_ec_generate(mbedtls_ecp_keypair *key, mbedtls_ecp_group_id id,
    kiln_ec_rng *f_rng, void *p_rng);

/*
 * mbedtls_ecp_check_pub_priv: "pub" and "prv" on one curve with one
 * point, and that point d * G.  Returns 0 or an mbedTLS error code.
 */
int kiln_ec_check_pair(const mbedtls_ecp_keypair *pub,
    const mbedtls_ecp_keypair *prv, kiln_ec_rng *f_rng, void *p_rng);

/*
 * mbedtls_pk_sign, mbedtls_pk_verify and mbedtls_pk_check_pair with the
 * EC work done by the functions above; RSA goes to mbedTLS unchanged.
 * "sig" of kiln_pk_sign holds MBEDTLS_PK_SIGNATURE_MAX_SIZE bytes.
 */
int kiln_pk_sign_warm(mbedtls_pk_context *, mbedtls_md_type_t,
    const unsigned char *, size_t, unsigned char *, size_t, size_t *,
    kiln_ec_rng *, void *);
int kiln_pk_verify_warm(mbedtls_pk_context *, mbedtls_md_type_t,
    const unsigned char *, size_t, const unsigned char *, size_t);
int kiln_pk_check_pair_warm(const mbedtls_pk_context *,
    const mbedtls_pk_context *, kiln_ec_rng *, void *);

#endif /* KILN_CORE_ECWARM_H */
