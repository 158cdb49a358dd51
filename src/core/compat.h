/*
 * Every mbedTLS call or field that differs between 2.28 (Debian 12) and
 * 3.6 (Debian 13) goes through this header, so that a port is this file.
 * Private to libkiln.
 */
#ifndef KILN_COMPAT_H
#define KILN_COMPAT_H

#include <stddef.h>

#include <mbedtls/version.h>
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#include <mbedtls/build_info.h>
#define KILN_MBEDTLS3 1
#else
#include <mbedtls/config.h>
#define KILN_MBEDTLS3 0
#endif

#include <mbedtls/ecp.h>
#include <mbedtls/oid.h> /* 3.x x509.h no longer includes it */
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>

#if KILN_MBEDTLS3 && defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>
#endif

/* 3.x hides struct members behind MBEDTLS_PRIVATE(); 2.28 has none. */
#ifndef MBEDTLS_PRIVATE
#define MBEDTLS_PRIVATE(m) m
#endif

/* 3.x with PSA needs psa_crypto_init() before any crypto.  0 on success. */
static inline int
kiln_compat_crypto_init(void)
{
#if KILN_MBEDTLS3 && defined(MBEDTLS_PSA_CRYPTO_C)
	return psa_crypto_init() == PSA_SUCCESS ? 0 : -1;
#else
	return 0;
#endif
}

/* mbedtls_pk_parse_key: 3.x takes an RNG for blinding. */
static inline int
kiln_pk_parse_key(mbedtls_pk_context *pk, const unsigned char *key,
    size_t keylen, const unsigned char *pwd, size_t pwdlen,
    int (*f_rng)(void *, unsigned char *, size_t), void *p_rng)
{
#if KILN_MBEDTLS3
	return mbedtls_pk_parse_key(pk, key, keylen, pwd, pwdlen, f_rng, p_rng);
#else
	(void)f_rng;
	(void)p_rng;
	return mbedtls_pk_parse_key(pk, key, keylen, pwd, pwdlen);
#endif
}

/* mbedtls_pk_check_pair: 3.x takes an RNG. */
static inline int
kiln_pk_check_pair(const mbedtls_pk_context *pub, const mbedtls_pk_context *prv,
    int (*f_rng)(void *, unsigned char *, size_t), void *p_rng)
{
#if KILN_MBEDTLS3
	return mbedtls_pk_check_pair(pub, prv, f_rng, p_rng);
#else
	(void)f_rng;
	(void)p_rng;
	return mbedtls_pk_check_pair(pub, prv);
#endif
}

/*
 * mbedtls_rsa_init: 2.28 takes the padding and hash; 3.x sets PKCS#1
 * v1.5 and no hash, which is what 2.28's pk_setup asks for too.
 */
static inline void
kiln_rsa_init(mbedtls_rsa_context *rsa)
{
#if KILN_MBEDTLS3
	mbedtls_rsa_init(rsa);
#else
	mbedtls_rsa_init(rsa, MBEDTLS_RSA_PKCS_V15, 0);
#endif
}

/* mbedtls_pk_sign: 3.x takes the signature buffer's size. */
static inline int
kiln_pk_sign(mbedtls_pk_context *pk, mbedtls_md_type_t md,
    const unsigned char *hash, size_t hlen, unsigned char *sig, size_t sig_size,
    size_t *sig_len, int (*f_rng)(void *, unsigned char *, size_t), void *p_rng)
{
#if KILN_MBEDTLS3
	return mbedtls_pk_sign(
	    pk, md, hash, hlen, sig, sig_size, sig_len, f_rng, p_rng);
#else
	(void)sig_size; /* sig holds MBEDTLS_PK_SIGNATURE_MAX_SIZE bytes */
	return mbedtls_pk_sign(pk, md, hash, hlen, sig, sig_len, f_rng, p_rng);
#endif
}

/*
 * A key's size in bits.  For RSA, 2.28's mbedtls_pk_get_bitlen rounds the
 * modulus up to whole bytes (2050 -> 2056) and 3.x gives its exact
 * length; kiln uses the exact length on both, as Go's N.BitLen() does.
 */
static inline size_t
kiln_pk_bitlen(const mbedtls_pk_context *pk)
{
#if KILN_MBEDTLS3
	return mbedtls_pk_get_bitlen(pk);
#else
	if (mbedtls_pk_get_type(pk) == MBEDTLS_PK_RSA)
		return mbedtls_mpi_bitlen(&mbedtls_pk_rsa(*pk)->N);
	return mbedtls_pk_get_bitlen(pk);
#endif
}

/* The curve of an EC key. */
static inline mbedtls_ecp_group_id
kiln_pk_ec_group(const mbedtls_pk_context *pk)
{
#if KILN_MBEDTLS3
	return mbedtls_ecp_keypair_get_group_id(mbedtls_pk_ec(*pk));
#else
	return mbedtls_pk_ec(*pk)->grp.id;
#endif
}

/*
 * The encrypted private keys mbedTLS decrypts, for kiln's message about
 * one it cannot: 3.6 added PKCS#8 (PBES2) with AES, OpenSSL's default.
 */
#if MBEDTLS_VERSION_NUMBER >= 0x03060000
#define KILN_PK_DECRYPTS                                                       \
	"legacy PEM, and PKCS#8 with AES or 3DES, e.g. openssl pkcs8 "         \
	"-topk8 -v2 aes-256-cbc"
#else
#define KILN_PK_DECRYPTS                                                       \
	"legacy PEM, and PKCS#8 with 3DES, e.g. openssl pkcs8 -topk8 -v2 des3"
#endif

/* basicConstraints of a parsed certificate (private fields in 3.x). */
static inline int
kiln_crt_is_ca(const mbedtls_x509_crt *crt)
{
	return crt->MBEDTLS_PRIVATE(ca_istrue);
}

/* pathLenConstraint + 1, or 0 when the certificate sets none. */
static inline int
kiln_crt_max_pathlen(const mbedtls_x509_crt *crt)
{
	return crt->MBEDTLS_PRIVATE(max_pathlen);
}

/* keyUsage bits of a parsed certificate, 0 if absent (private in 3.x). */
static inline unsigned int
kiln_crt_key_usage(const mbedtls_x509_crt *crt)
{
	return crt->MBEDTLS_PRIVATE(key_usage);
}

/*
 * Whether a parsed certificate's keyUsage has every bit of "usage", or
 * the certificate has no keyUsage (private fields in 3.x).
 */
static inline int
kiln_crt_allows_key_usage(const mbedtls_x509_crt *crt, unsigned int usage)
{
	if (!(crt->MBEDTLS_PRIVATE(ext_types) & MBEDTLS_X509_EXT_KEY_USAGE))
		return 1;
	return (kiln_crt_key_usage(crt) & usage) == usage;
}

/* The hash a parsed CRL is signed with (private field in 3.x). */
static inline mbedtls_md_type_t
kiln_crl_sig_md(const mbedtls_x509_crl *crl)
{
	return crl->MBEDTLS_PRIVATE(sig_md);
}

/* The key type a parsed CRL is signed with (private field in 3.x). */
static inline mbedtls_pk_type_t
kiln_crl_sig_pk(const mbedtls_x509_crl *crl)
{
	return crl->MBEDTLS_PRIVATE(sig_pk);
}

/* A parsed CRL's signature bytes (private field in 3.x). */
static inline const mbedtls_x509_buf *
kiln_crl_sig(const mbedtls_x509_crl *crl)
{
	return &crl->MBEDTLS_PRIVATE(sig);
}

/*
 * Offer nothing newer than TLS 1.2, whose Certificate message travels in
 * the clear (kiln_tls_peer_chain reads it from the records).  2.28 has
 * no TLS 1.3 to offer; 3.x replaced mbedtls_ssl_conf_max_version.
 */
static inline void
kiln_ssl_conf_max_tls12(mbedtls_ssl_config *conf)
{
#if KILN_MBEDTLS3
	mbedtls_ssl_conf_max_tls_version(conf, MBEDTLS_SSL_VERSION_TLS1_2);
#else
	mbedtls_ssl_conf_max_version(
	    conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
#endif
}

/*
 * Whether mbedtls_ssl_handshake_step() gave up on a handshake message
 * split across records: 2.28 (and 3.x before 3.6.3) reassembles none and
 * says FEATURE_UNAVAILABLE; 3.6.3 on reassembles one that fits its input
 * buffer (16 KiB) and says BAD_INPUT_DATA of a longer one.
 */
static inline int
kiln_ssl_split_refused(int ret)
{
#if MBEDTLS_VERSION_NUMBER >= 0x03060300
	return ret == MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
#else
	return ret == MBEDTLS_ERR_SSL_FEATURE_UNAVAILABLE;
#endif
}

#endif /* KILN_COMPAT_H */
