#include <pthread.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/asn1write.h>
#include <mbedtls/ecdsa.h>

#include "core/compat.h"
#include "core/ecwarm.h"

#define N_CURVES 3

static const mbedtls_ecp_group_id curves[N_CURVES] = {MBEDTLS_ECP_DP_SECP256R1,
    MBEDTLS_ECP_DP_SECP384R1, MBEDTLS_ECP_DP_SECP521R1};

/*
 * This thread's groups.  Static thread storage, so that a thread's groups
 * are reachable (for leak checkers) until it ends; the key's destructor
 * frees them when it does.
 */
struct warm {
	mbedtls_ecp_group grp[N_CURVES];
	unsigned char loaded[N_CURVES];
	int registered;
};
static _Thread_local struct warm warm;

static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static pthread_key_t warm_key;
static int key_ok;

static void
warm_free(void *p)
{
	struct warm *w = p;
	size_t i;

	for (i = 0; i < N_CURVES; i++)
		if (w->loaded[i]) {
			mbedtls_ecp_group_free(&w->grp[i]);
			w->loaded[i] = 0;
		}
	w->registered = 0;
}

static void
key_make(void)
{
	key_ok = pthread_key_create(&warm_key, warm_free) == 0;
}

mbedtls_ecp_group *
kiln_ec_group(mbedtls_ecp_group_id id)
{
	size_t i;

	for (i = 0; i < N_CURVES && curves[i] != id; i++)
		;
	if (i == N_CURVES)
		return NULL;
	if (warm.loaded[i])
		return &warm.grp[i];
	/* Only a group that will be freed is kept. */
	if (!warm.registered) {
		if (pthread_once(&key_once, key_make) != 0 || !key_ok ||
		    pthread_setspecific(warm_key, &warm) != 0)
			return NULL;
		warm.registered = 1;
	}
	mbedtls_ecp_group_init(&warm.grp[i]);
	if (mbedtls_ecp_group_load(&warm.grp[i], id) != 0) {
		mbedtls_ecp_group_free(&warm.grp[i]);
		return NULL;
	}
	warm.loaded[i] = 1;
	return &warm.grp[i];
}

/* SEQUENCE { INTEGER r, INTEGER s }, written back to front. */
static int
write_rs(const mbedtls_mpi *r, const mbedtls_mpi *s, unsigned char *sig,
    size_t size, size_t *sig_len)
{
	unsigned char buf[MBEDTLS_ECDSA_MAX_LEN];
	unsigned char *p = buf + sizeof(buf);
	size_t len = 0;
	int ret;

	if ((ret = mbedtls_asn1_write_mpi(&p, buf, s)) < 0)
		return ret;
	len += (size_t)ret;
	if ((ret = mbedtls_asn1_write_mpi(&p, buf, r)) < 0)
		return ret;
	len += (size_t)ret;
	if ((ret = mbedtls_asn1_write_len(&p, buf, len)) < 0)
		return ret;
	len += (size_t)ret;
	if ((ret = mbedtls_asn1_write_tag(&p, buf,
	         MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)) < 0)
		return ret;
	len += (size_t)ret;
	if (len > size)
		return MBEDTLS_ERR_ECP_BUFFER_TOO_SMALL;
	memcpy(sig, p, len);
	*sig_len = len;
	return 0;
}

int
kiln_ec_sign(const mbedtls_ecp_keypair *key, mbedtls_md_type_t md,
    const unsigned char *hash, size_t hlen, unsigned char *sig, size_t size,
    size_t *sig_len, kiln_ec_rng *f_rng, void *p_rng)
{
	mbedtls_ecp_group *grp = kiln_ec_group(key->MBEDTLS_PRIVATE(grp).id);
	mbedtls_mpi r, s;
	int ret;

	if (grp == NULL)
		return MBEDTLS_ERR_ECP_FEATURE_UNAVAILABLE;
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
#if defined(MBEDTLS_ECDSA_DETERMINISTIC)
	ret = mbedtls_ecdsa_sign_det_ext(grp, &r, &s, &key->MBEDTLS_PRIVATE(d),
	    hash, hlen, md, f_rng, p_rng);
#else
	(void)md;
	ret = mbedtls_ecdsa_sign(
	    grp, &r, &s, &key->MBEDTLS_PRIVATE(d), hash, hlen, f_rng, p_rng);
#endif
	if (ret == 0)
		ret = write_rs(&r, &s, sig, size, sig_len);
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	return ret;
}

int
kiln_ec_verify(const mbedtls_ecp_keypair *pub, const unsigned char *hash,
    size_t hlen, const unsigned char *sig, size_t sig_len)
{
	mbedtls_ecp_group *grp = kiln_ec_group(pub->MBEDTLS_PRIVATE(grp).id);
	unsigned char *p = (unsigned char *)sig;
	const unsigned char *end = sig + sig_len;
	mbedtls_mpi r, s;
	size_t len;
	int ret;

	if (grp == NULL)
		return MBEDTLS_ERR_ECP_FEATURE_UNAVAILABLE;
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	/* mbedTLS's codes: the ECP error plus the ASN.1 one. */
	if ((ret = mbedtls_asn1_get_tag(&p, end, &len,
	         MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)) != 0) {
		ret += MBEDTLS_ERR_ECP_BAD_INPUT_DATA;
		goto cleanup;
	}
	if (p + len != end) {
		ret = MBEDTLS_ERR_ECP_BAD_INPUT_DATA +
		      MBEDTLS_ERR_ASN1_LENGTH_MISMATCH;
		goto cleanup;
	}
	if ((ret = mbedtls_asn1_get_mpi(&p, end, &r)) != 0 ||
	    (ret = mbedtls_asn1_get_mpi(&p, end, &s)) != 0) {
		ret += MBEDTLS_ERR_ECP_BAD_INPUT_DATA;
		goto cleanup;
	}
	if ((ret = mbedtls_ecdsa_verify(
	         grp, hash, hlen, &pub->MBEDTLS_PRIVATE(Q), &r, &s)) != 0)
		goto cleanup;
	if (p != end)
		ret = MBEDTLS_ERR_ECP_SIG_LEN_MISMATCH;
cleanup:
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	return ret;
}

int
kiln_ec_generate(mbedtls_ecp_keypair *key, mbedtls_ecp_group_id id,
    kiln_ec_rng *f_rng, void *p_rng)
{
	mbedtls_ecp_group *grp = kiln_ec_group(id);
	int ret;

	if (grp == NULL)
		return MBEDTLS_ERR_ECP_FEATURE_UNAVAILABLE;
	/* The key's own group is loaded but never multiplied in. */
	if ((ret = mbedtls_ecp_group_load(&key->MBEDTLS_PRIVATE(grp), id)) !=
	        0 ||
	    (ret = mbedtls_ecp_gen_keypair(grp, &key->MBEDTLS_PRIVATE(d),
	         &key->MBEDTLS_PRIVATE(Q), f_rng, p_rng)) != 0)
		return ret;
	return 0;
}

int
kiln_ec_check_pair(const mbedtls_ecp_keypair *pub,
    const mbedtls_ecp_keypair *prv, kiln_ec_rng *f_rng, void *p_rng)
{
	mbedtls_ecp_group_id id = prv->MBEDTLS_PRIVATE(grp).id;
	mbedtls_ecp_group *grp = kiln_ec_group(id);
	mbedtls_ecp_point q;
	int ret;

	if (grp == NULL)
		return MBEDTLS_ERR_ECP_FEATURE_UNAVAILABLE;
	if (pub->MBEDTLS_PRIVATE(grp).id != id ||
	    mbedtls_ecp_point_cmp(
	        &pub->MBEDTLS_PRIVATE(Q), &prv->MBEDTLS_PRIVATE(Q)) != 0)
		return MBEDTLS_ERR_ECP_BAD_INPUT_DATA;
	mbedtls_ecp_point_init(&q);
	/* mbedtls_ecp_mul checks that d is a valid scalar. */
	ret = mbedtls_ecp_mul(
	    grp, &q, &prv->MBEDTLS_PRIVATE(d), &grp->G, f_rng, p_rng);
	if (ret == 0 &&
	    mbedtls_ecp_point_cmp(&q, &prv->MBEDTLS_PRIVATE(Q)) != 0)
		ret = MBEDTLS_ERR_ECP_BAD_INPUT_DATA;
	mbedtls_ecp_point_free(&q);
	return ret;
}

/*
 * Whether "pk" is an EC key (not ECDH-only) on a curve with a group
 * here; any other goes to mbedTLS's own functions.
 */
static int
warm_ec(const mbedtls_pk_context *pk)
{
	mbedtls_pk_type_t t = mbedtls_pk_get_type(pk);

	return (t == MBEDTLS_PK_ECKEY || t == MBEDTLS_PK_ECDSA) &&
	       kiln_ec_group(mbedtls_pk_ec(*pk)->MBEDTLS_PRIVATE(grp).id) !=
	           NULL;
}

int
kiln_pk_sign_warm(mbedtls_pk_context *pk, mbedtls_md_type_t md,
    const unsigned char *hash, size_t hlen, unsigned char *sig, size_t size,
    size_t *sig_len, kiln_ec_rng *f_rng, void *p_rng)
{
	if (warm_ec(pk))
		return kiln_ec_sign(mbedtls_pk_ec(*pk), md, hash, hlen, sig,
		    size, sig_len, f_rng, p_rng);
	return kiln_pk_sign(
	    pk, md, hash, hlen, sig, size, sig_len, f_rng, p_rng);
}

int
kiln_pk_verify_warm(mbedtls_pk_context *pk, mbedtls_md_type_t md,
    const unsigned char *hash, size_t hlen, const unsigned char *sig,
    size_t sig_len)
{
	int ret;

	if (!warm_ec(pk))
		return mbedtls_pk_verify(pk, md, hash, hlen, sig, sig_len);
	ret = kiln_ec_verify(mbedtls_pk_ec(*pk), hash, hlen, sig, sig_len);
	/* As mbedtls_pk_verify says it. */
	return ret == MBEDTLS_ERR_ECP_SIG_LEN_MISMATCH
	           ? MBEDTLS_ERR_PK_SIG_LEN_MISMATCH
	           : ret;
}

int
kiln_pk_check_pair_warm(const mbedtls_pk_context *pub,
    const mbedtls_pk_context *prv, kiln_ec_rng *f_rng, void *p_rng)
{
	/* mbedtls_pk_check_pair wants the same type too. */
	if (warm_ec(prv) &&
	    mbedtls_pk_get_type(pub) == mbedtls_pk_get_type(prv))
		return kiln_ec_check_pair(
		    mbedtls_pk_ec(*pub), mbedtls_pk_ec(*prv), f_rng, p_rng);
	return kiln_pk_check_pair(pub, prv, f_rng, p_rng);
}
