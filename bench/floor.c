/*
 * kiln-floor: what kiln's crypto library can do at best, on this machine,
 * now.  bench/run.sh runs it in the same run as the tools it times and
 * reports kiln's costs as multiples of these floors (issue 18).
 *
 * Each operation runs on one thread, in batches, timed by the thread's
 * CPU clock (load on other cores does not count); the median batch's
 * mean is printed, in milliseconds, one "NAME MS" line each:
 *
 *   mr1024        one Miller-Rabin round on a 1024-bit candidate: a
 *                 1024-bit modular exponentiation (mbedtls_mpi_exp_mod,
 *                 its Montgomery constant kept, as a search keeps it)
 *   p256_kg_warm  one P-256 multiplication by the base point on a group
 *                 that already holds its comb table
 *   p256_kg_cold  the same on a freshly loaded group (the table built)
 *   p256_kq       one P-256 multiplication of another point
 *   p256_sign     one deterministic ECDSA signature, warm group
 *   p256_verify   one ECDSA verification, warm group
 *   rsa2048_sign  one RSA-2048 PKCS#1 v1.5 signature (mbedtls_pk_sign:
 *                 the CRT private operation with mbedTLS's blinding)
 *
 * The first line is "version X.Y.Z", the mbedTLS it runs on.  Links
 * mbedTLS only, never libkiln: the floor is the library's.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/version.h>

#define BATCHES 7

static mbedtls_ctr_drbg_context drbg;

static double
cpu_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
die(const char *what, int ret)
{
	fprintf(stderr, "kiln-floor: %s: -0x%04x\n", what, (unsigned)-ret);
	exit(1);
}

/* The operations, each one call of "op" on "st". */
struct st {
	mbedtls_mpi a, e, n, rr, x, d, r, s;
	mbedtls_ecp_group warm;
	mbedtls_ecp_point q, out;
	mbedtls_pk_context rsa;
	unsigned char hash[32];
};

static int
op_mr(struct st *s)
{
	return mbedtls_mpi_exp_mod(&s->x, &s->a, &s->e, &s->n, &s->rr);
}

static int
op_kg_warm(struct st *s)
{
	return mbedtls_ecp_mul(&s->warm, &s->out, &s->d, &s->warm.G,
	    mbedtls_ctr_drbg_random, &drbg);
}

static int
op_kg_cold(struct st *s)
{
	mbedtls_ecp_group g;
	int ret;

	mbedtls_ecp_group_init(&g);
	ret = mbedtls_ecp_group_load(&g, MBEDTLS_ECP_DP_SECP256R1);
	if (ret == 0)
		ret = mbedtls_ecp_mul(
		    &g, &s->out, &s->d, &g.G, mbedtls_ctr_drbg_random, &drbg);
	mbedtls_ecp_group_free(&g);
	return ret;
}

static int
op_kq(struct st *s)
{
	return mbedtls_ecp_mul(
	    &s->warm, &s->out, &s->d, &s->q, mbedtls_ctr_drbg_random, &drbg);
}

static int
op_sign(struct st *s)
{
	return mbedtls_ecdsa_sign_det_ext(&s->warm, &s->r, &s->s, &s->d,
	    s->hash, sizeof(s->hash), MBEDTLS_MD_SHA256,
	    mbedtls_ctr_drbg_random, &drbg);
}

static int
op_verify(struct st *s)
{
	return mbedtls_ecdsa_verify(
	    &s->warm, s->hash, sizeof(s->hash), &s->q, &s->r, &s->s);
}

static int
op_rsa(struct st *s)
{
	unsigned char sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
	size_t len;

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
	return mbedtls_pk_sign(&s->rsa, MBEDTLS_MD_SHA256, s->hash,
	    sizeof(s->hash), sig, sizeof(sig), &len, mbedtls_ctr_drbg_random,
	    &drbg);
#else
	return mbedtls_pk_sign(&s->rsa, MBEDTLS_MD_SHA256, s->hash,
	    sizeof(s->hash), sig, &len, mbedtls_ctr_drbg_random, &drbg);
#endif
}

/* The median over BATCHES of the mean time of "n" calls, in ms. */
static double
measure(const char *name, int (*op)(struct st *), struct st *s, int n)
{
	double t[BATCHES], t0;
	int b, i, ret;

	if ((ret = op(s)) != 0) /* once untimed: caches, tables */
		die(name, ret);
	for (b = 0; b < BATCHES; b++) {
		t0 = cpu_ms();
		for (i = 0; i < n; i++)
			if ((ret = op(s)) != 0)
				die(name, ret);
		t[b] = (cpu_ms() - t0) / n;
	}
	qsort(t, BATCHES, sizeof(t[0]), cmp_double);
	printf("%s %.4f\n", name, t[BATCHES / 2]);
	return t[BATCHES / 2];
}

int
main(int argc, char **argv)
{
	mbedtls_entropy_context entropy;
	struct st s;
	int ret, scale = argc > 1 ? atoi(argv[1]) : 1;

	if (scale < 1)
		scale = 1;
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	if ((ret = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
	         (const unsigned char *)"kiln-floor", 10)) != 0)
		die("seed", ret);
	memset(&s, 0, sizeof(s));
	mbedtls_mpi_init(&s.a);
	mbedtls_mpi_init(&s.e);
	mbedtls_mpi_init(&s.n);
	mbedtls_mpi_init(&s.rr);
	mbedtls_mpi_init(&s.x);
	mbedtls_mpi_init(&s.d);
	mbedtls_mpi_init(&s.r);
	mbedtls_mpi_init(&s.s);
	mbedtls_ecp_group_init(&s.warm);
	mbedtls_ecp_point_init(&s.q);
	mbedtls_ecp_point_init(&s.out);
	mbedtls_pk_init(&s.rsa);
	memset(s.hash, 0x5a, sizeof(s.hash));

	/* An odd 1024-bit modulus, a base and a full-length exponent. */
	if ((ret = mbedtls_mpi_fill_random(
	         &s.n, 128, mbedtls_ctr_drbg_random, &drbg)) != 0 ||
	    (ret = mbedtls_mpi_set_bit(&s.n, 1023, 1)) != 0 ||
	    (ret = mbedtls_mpi_set_bit(&s.n, 0, 1)) != 0 ||
	    (ret = mbedtls_mpi_fill_random(
	         &s.e, 128, mbedtls_ctr_drbg_random, &drbg)) != 0 ||
	    (ret = mbedtls_mpi_set_bit(&s.e, 1023, 1)) != 0 ||
	    (ret = mbedtls_mpi_lset(&s.a, 2)) != 0)
		die("1024-bit operands", ret);

	if ((ret = mbedtls_ecp_group_load(&s.warm, MBEDTLS_ECP_DP_SECP256R1)) !=
	        0 ||
	    (ret = mbedtls_ecp_gen_keypair(
	         &s.warm, &s.d, &s.q, mbedtls_ctr_drbg_random, &drbg)) != 0 ||
	    (ret = mbedtls_ecdsa_sign_det_ext(&s.warm, &s.r, &s.s, &s.d, s.hash,
	         sizeof(s.hash), MBEDTLS_MD_SHA256, mbedtls_ctr_drbg_random,
	         &drbg)) != 0)
		die("P-256 key", ret);

	if ((ret = mbedtls_pk_setup(
	         &s.rsa, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA))) != 0 ||
	    (ret = mbedtls_rsa_gen_key(mbedtls_pk_rsa(s.rsa),
	         mbedtls_ctr_drbg_random, &drbg, 2048, 65537)) != 0)
		die("RSA-2048 key", ret);

	{
		char v[18];

		mbedtls_version_get_string(v);
		printf("version %s\n", v);
	}
	measure("mr1024", op_mr, &s, 20 * scale);
	measure("p256_kg_warm", op_kg_warm, &s, 40 * scale);
	measure("p256_kg_cold", op_kg_cold, &s, 20 * scale);
	measure("p256_kq", op_kq, &s, 20 * scale);
	measure("p256_sign", op_sign, &s, 40 * scale);
	measure("p256_verify", op_verify, &s, 20 * scale);
	measure("rsa2048_sign", op_rsa, &s, 10 * scale);

	mbedtls_mpi_free(&s.a);
	mbedtls_mpi_free(&s.e);
	mbedtls_mpi_free(&s.n);
	mbedtls_mpi_free(&s.rr);
	mbedtls_mpi_free(&s.x);
	mbedtls_mpi_free(&s.d);
	mbedtls_mpi_free(&s.r);
	mbedtls_mpi_free(&s.s);
	mbedtls_ecp_group_free(&s.warm);
	mbedtls_ecp_point_free(&s.q);
	mbedtls_ecp_point_free(&s.out);
	mbedtls_pk_free(&s.rsa);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
	return 0;
}
