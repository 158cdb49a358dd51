#include <pthread.h>
#include <string.h>

#include <criterion/criterion.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/md.h>

#include "core/compat.h"
#include "core/ecwarm.h"
#include "kiln/rng.h"

TestSuite(ecwarm);

static struct kiln_rng rng;

static void
setup_rng(void)
{
	kiln_rng_init(&rng);
	cr_assert_eq(kiln_rng_seed(&rng, "test_ecwarm", NULL), 0);
}

/* A key made by mbedTLS alone, on its own group. */
static void
ref_key(mbedtls_pk_context *pk, mbedtls_ecp_group_id id)
{
	mbedtls_pk_init(pk);
	cr_assert_eq(
	    mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)),
	    0);
	cr_assert_eq(
	    mbedtls_ecp_gen_key(id, mbedtls_pk_ec(*pk), kiln_rng_random, &rng),
	    0);
}

static void
hash_of(const char *text, unsigned char h[32])
{
	cr_assert_eq(mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
	                 (const unsigned char *)text, strlen(text), h),
	    0);
}

static const mbedtls_ecp_group_id ids[] = {MBEDTLS_ECP_DP_SECP256R1,
    MBEDTLS_ECP_DP_SECP384R1, MBEDTLS_ECP_DP_SECP521R1};

Test(
    ecwarm, the_group_is_the_threads_own_and_keeps_its_table, .init = setup_rng)
{
	mbedtls_ecp_group *g = kiln_ec_group(MBEDTLS_ECP_DP_SECP256R1);
	mbedtls_pk_context pk;
	unsigned char h[32], sig[MBEDTLS_ECDSA_MAX_LEN];
	size_t len;

	cr_assert_not_null(g);
	cr_assert_eq(g->id, MBEDTLS_ECP_DP_SECP256R1);
	cr_assert_eq(kiln_ec_group(MBEDTLS_ECP_DP_SECP256R1), g);
	cr_assert_neq(kiln_ec_group(MBEDTLS_ECP_DP_SECP384R1), g);
	/* Curves kiln does not issue on have no group here. */
	cr_assert_null(kiln_ec_group(MBEDTLS_ECP_DP_SECP256K1));
	cr_assert_null(kiln_ec_group(MBEDTLS_ECP_DP_NONE));
	ref_key(&pk, MBEDTLS_ECP_DP_SECP256R1);
	hash_of("table", h);
	cr_assert_eq(kiln_ec_sign(mbedtls_pk_ec(pk), MBEDTLS_MD_SHA256, h, 32,
	                 sig, sizeof(sig), &len, kiln_rng_random, &rng),
	    0);
	/* The first multiplication by G left the comb table in it. */
	cr_assert_not_null(g->MBEDTLS_PRIVATE(T));
	cr_assert_eq(kiln_ec_group(MBEDTLS_ECP_DP_SECP256R1), g);
	mbedtls_pk_free(&pk);
	kiln_rng_free(&rng);
}

static void *
other_thread(void *arg)
{
	mbedtls_ecp_group **out = arg;

	*out = kiln_ec_group(MBEDTLS_ECP_DP_SECP256R1);
	return NULL;
}

Test(ecwarm, another_thread_has_another_group)
{
	mbedtls_ecp_group *mine = kiln_ec_group(MBEDTLS_ECP_DP_SECP256R1);
	mbedtls_ecp_group *theirs = NULL;
	pthread_t th;

	cr_assert_eq(pthread_create(&th, NULL, other_thread, &theirs), 0);
	cr_assert_eq(pthread_join(th, NULL), 0);
	cr_assert_not_null(theirs);
	cr_assert_neq(theirs, mine);
}

Test(ecwarm, signatures_are_mbedtls_own_bit_for_bit, .init = setup_rng)
{
	unsigned char h[32], a[MBEDTLS_PK_SIGNATURE_MAX_SIZE],
	    b[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
	mbedtls_pk_context pk;
	size_t la, lb, i, round;

	hash_of("kiln", h);
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		ref_key(&pk, ids[i]);
		/* Twice: a cold group, then a warm one. */
		for (round = 0; round < 2; round++) {
			cr_assert_eq(
			    kiln_pk_sign(&pk, MBEDTLS_MD_SHA256, h, 32, a,
			        sizeof(a), &la, kiln_rng_random, &rng),
			    0);
			cr_assert_eq(
			    kiln_pk_sign_warm(&pk, MBEDTLS_MD_SHA256, h, 32, b,
			        sizeof(b), &lb, kiln_rng_random, &rng),
			    0);
#if defined(MBEDTLS_ECDSA_DETERMINISTIC)
			/* RFC 6979: the same k, so the same bytes. */
			cr_assert_eq(la, lb);
			cr_assert_eq(memcmp(a, b, la), 0);
#endif
			cr_assert_eq(mbedtls_pk_verify(
			                 &pk, MBEDTLS_MD_SHA256, h, 32, b, lb),
			    0);
			cr_assert_eq(kiln_pk_verify_warm(
			                 &pk, MBEDTLS_MD_SHA256, h, 32, a, la),
			    0);
		}
		mbedtls_pk_free(&pk);
	}
	kiln_rng_free(&rng);
}

Test(ecwarm, bad_signatures_are_refused_as_mbedtls_refuses_them,
    .init = setup_rng)
{
	unsigned char h[32], other[32], sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE + 1];
	mbedtls_pk_context pk, pk2;
	size_t len;

	ref_key(&pk, MBEDTLS_ECP_DP_SECP256R1);
	ref_key(&pk2, MBEDTLS_ECP_DP_SECP256R1);
	hash_of("signed", h);
	hash_of("not signed", other);
	cr_assert_eq(kiln_pk_sign_warm(&pk, MBEDTLS_MD_SHA256, h, 32, sig,
	                 sizeof(sig) - 1, &len, kiln_rng_random, &rng),
	    0);
	cr_assert_eq(
	    kiln_pk_verify_warm(&pk, MBEDTLS_MD_SHA256, h, 32, sig, len), 0);
	/* Another hash, another key. */
	cr_assert_eq(
	    kiln_pk_verify_warm(&pk, MBEDTLS_MD_SHA256, other, 32, sig, len),
	    MBEDTLS_ERR_ECP_VERIFY_FAILED);
	cr_assert_eq(
	    kiln_pk_verify_warm(&pk2, MBEDTLS_MD_SHA256, h, 32, sig, len),
	    MBEDTLS_ERR_ECP_VERIFY_FAILED);
	/* A byte after the signature: mbedTLS's own error. */
	sig[len] = 0;
	cr_assert_eq(
	    kiln_pk_verify_warm(&pk, MBEDTLS_MD_SHA256, h, 32, sig, len + 1),
	    mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, h, 32, sig, len + 1));
	cr_assert_neq(
	    kiln_pk_verify_warm(&pk, MBEDTLS_MD_SHA256, h, 32, sig, len + 1),
	    0);
	/* Cut short, and the outer length wrong. */
	cr_assert_neq(
	    kiln_pk_verify_warm(&pk, MBEDTLS_MD_SHA256, h, 32, sig, len - 1),
	    0);
	sig[1]++;
	cr_assert_neq(
	    kiln_pk_verify_warm(&pk, MBEDTLS_MD_SHA256, h, 32, sig, len), 0);
	sig[1]--;
	/* r = 0: SEQUENCE { INTEGER 0, INTEGER 1 }. */
	{
		static const unsigned char zero[] = {
		    0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01};
		cr_assert_eq(kiln_pk_verify_warm(&pk, MBEDTLS_MD_SHA256, h, 32,
		                 zero, sizeof(zero)),
		    MBEDTLS_ERR_ECP_VERIFY_FAILED);
	}
	cr_assert_neq(
	    kiln_pk_verify_warm(&pk, MBEDTLS_MD_SHA256, h, 32, sig, 0), 0);
	mbedtls_pk_free(&pk);
	mbedtls_pk_free(&pk2);
	kiln_rng_free(&rng);
}

Test(ecwarm, generated_keys_are_whole_and_on_their_curve, .init = setup_rng)
{
	mbedtls_ecp_keypair kp;
	size_t i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		mbedtls_ecp_keypair_init(&kp);
		cr_assert_eq(
		    kiln_ec_generate(&kp, ids[i], kiln_rng_random, &rng), 0);
		cr_assert_eq(kp.MBEDTLS_PRIVATE(grp).id, ids[i]);
#if !KILN_MBEDTLS3
		/* The key's own group is loaded, never multiplied in (3.x
		 * loads the NIST curves with a precomputed table). */
		cr_assert_null(kp.MBEDTLS_PRIVATE(grp).MBEDTLS_PRIVATE(T));
#endif
		cr_assert_eq(mbedtls_ecp_check_pubkey(&kp.MBEDTLS_PRIVATE(grp),
		                 &kp.MBEDTLS_PRIVATE(Q)),
		    0);
		cr_assert_eq(
		    kiln_ec_check_pair(&kp, &kp, kiln_rng_random, &rng), 0);
		mbedtls_ecp_keypair_free(&kp);
	}
	cr_assert_eq(kiln_ec_generate(
	                 &kp, MBEDTLS_ECP_DP_SECP256K1, kiln_rng_random, &rng),
	    MBEDTLS_ERR_ECP_FEATURE_UNAVAILABLE);
	kiln_rng_free(&rng);
}

Test(ecwarm, a_pair_that_does_not_match_is_refused, .init = setup_rng)
{
	mbedtls_pk_context a, b, c;
	mbedtls_ecp_keypair *ka, *kb;

	ref_key(&a, MBEDTLS_ECP_DP_SECP256R1);
	ref_key(&b, MBEDTLS_ECP_DP_SECP256R1);
	ref_key(&c, MBEDTLS_ECP_DP_SECP384R1);
	cr_assert_eq(kiln_pk_check_pair_warm(&a, &a, kiln_rng_random, &rng), 0);
	cr_assert_eq(kiln_pk_check_pair_warm(&b, &a, kiln_rng_random, &rng),
	    MBEDTLS_ERR_ECP_BAD_INPUT_DATA);
	cr_assert_eq(kiln_pk_check_pair_warm(&c, &a, kiln_rng_random, &rng),
	    MBEDTLS_ERR_ECP_BAD_INPUT_DATA);
	/* b's point beside a's scalar: the point is not d * G. */
	ka = mbedtls_pk_ec(a);
	kb = mbedtls_pk_ec(b);
	cr_assert_eq(
	    mbedtls_ecp_copy(&ka->MBEDTLS_PRIVATE(Q), &kb->MBEDTLS_PRIVATE(Q)),
	    0);
	cr_assert_eq(kiln_pk_check_pair_warm(&a, &a, kiln_rng_random, &rng),
	    MBEDTLS_ERR_ECP_BAD_INPUT_DATA);
	cr_assert_neq(kiln_pk_check_pair(&a, &a, kiln_rng_random, &rng), 0);
	/* A scalar of 0 is no key. */
	cr_assert_eq(mbedtls_mpi_lset(&kb->MBEDTLS_PRIVATE(d), 0), 0);
	cr_assert_neq(
	    kiln_pk_check_pair_warm(&b, &b, kiln_rng_random, &rng), 0);
	mbedtls_pk_free(&a);
	mbedtls_pk_free(&b);
	mbedtls_pk_free(&c);
	kiln_rng_free(&rng);
}

Test(ecwarm, rsa_keys_go_to_mbedtls_unchanged, .init = setup_rng)
{
	mbedtls_pk_context pk;
	unsigned char h[32], a[MBEDTLS_PK_SIGNATURE_MAX_SIZE],
	    b[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
	size_t la, lb;

	mbedtls_pk_init(&pk);
	cr_assert_eq(
	    mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)),
	    0);
	cr_assert_eq(mbedtls_rsa_gen_key(mbedtls_pk_rsa(pk), kiln_rng_random,
	                 &rng, 1024, 65537),
	    0);
	hash_of("rsa", h);
	cr_assert_eq(kiln_pk_sign(&pk, MBEDTLS_MD_SHA256, h, 32, a, sizeof(a),
	                 &la, kiln_rng_random, &rng),
	    0);
	cr_assert_eq(kiln_pk_sign_warm(&pk, MBEDTLS_MD_SHA256, h, 32, b,
	                 sizeof(b), &lb, kiln_rng_random, &rng),
	    0);
	/* PKCS#1 v1.5 is deterministic. */
	cr_assert_eq(la, lb);
	cr_assert_eq(memcmp(a, b, la), 0);
	cr_assert_eq(
	    kiln_pk_verify_warm(&pk, MBEDTLS_MD_SHA256, h, 32, a, la), 0);
	a[10] ^= 1;
	cr_assert_neq(
	    kiln_pk_verify_warm(&pk, MBEDTLS_MD_SHA256, h, 32, a, la), 0);
	cr_assert_eq(
	    kiln_pk_check_pair_warm(&pk, &pk, kiln_rng_random, &rng), 0);
	mbedtls_pk_free(&pk);
	kiln_rng_free(&rng);
}
