#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <mbedtls/bignum.h>

#include "kiln/rng.h"
#include "rsagen.h"

static struct kiln_rng rng;
static struct kiln_err err;
static struct kiln_sieve sieve;
static mbedtls_mpi x;

static void
setup(void)
{
	kiln_rng_init(&rng);
	kiln_err_clear(&err);
	kiln_sieve_init(&sieve);
	mbedtls_mpi_init(&x);
	cr_assert_eq(kiln_rng_seed(&rng, "test_rsagen", &err), 0);
}

static void
teardown(void)
{
	mbedtls_mpi_free(&x);
	kiln_sieve_free(&sieve);
	kiln_rng_free(&rng);
}

TestSuite(rsagen, .init = setup, .fini = teardown, .timeout = 120);

/* Trial division, the slow way: the reference for the sieve's table. */
static int
naive_is_prime(uint32_t n)
{
	uint32_t d;

	if (n < 2)
		return 0;
	for (d = 2; d * d <= n; d++)
		if (n % d == 0)
			return 0;
	return 1;
}

/* 1 if "v" has an odd prime factor below 2^16, by trial division. */
static int
naive_has_small_factor(const mbedtls_mpi *v)
{
	static uint32_t odd_primes[6541];
	static size_t n;
	mbedtls_mpi_uint r;
	uint32_t p;
	size_t i = 0;

	for (p = 3; n == 0 && p < 65536; p += 2) {
		if (!naive_is_prime(p))
			continue;
		cr_assert(i < 6541);
		odd_primes[i++] = p;
		if (p == 65521)
			n = i;
	}
	for (i = 0; i < n; i++) {
		cr_assert_eq(
		    mbedtls_mpi_mod_int(&r, v, (mbedtls_mpi_sint)odd_primes[i]),
		    0);
		if (r == 0)
			return 1;
	}
	return 0;
}

/* 1 if "v" has no odd prime factor below 2^16 and is not 1 mod 65537. */
static int
naive_clean(const mbedtls_mpi *v)
{
	mbedtls_mpi_uint r;

	cr_assert_eq(mbedtls_mpi_mod_int(&r, v, KILN_RSA_E), 0);
	return !naive_has_small_factor(v) && r != 1;
}

static void
set_hex(mbedtls_mpi *v, const char *hex)
{
	cr_assert_eq(mbedtls_mpi_read_string(v, 16, hex), 0);
}

static void
set_u64(mbedtls_mpi *v, uint64_t n)
{
	unsigned char b[8];
	int i;

	for (i = 7; i >= 0; i--, n >>= 8)
		b[i] = (unsigned char)n;
	cr_assert_eq(mbedtls_mpi_read_binary(v, b, sizeof(b)), 0);
}

/* A random odd number of exactly "bits" bits. */
static void
random_odd(mbedtls_mpi *v, unsigned int bits)
{
	cr_assert_eq(
	    mbedtls_mpi_fill_random(v, (bits + 7) / 8, kiln_rng_random, &rng),
	    0);
	cr_assert_eq(mbedtls_mpi_shift_r(v, (bits + 7) / 8 * 8 - bits), 0);
	cr_assert_eq(mbedtls_mpi_set_bit(v, bits - 1, 1), 0);
	cr_assert_eq(mbedtls_mpi_set_bit(v, 0, 1), 0);
}

Test(rsagen, small_primes_are_the_6541_odd_primes_below_2_16)
{
	const uint16_t *p = kiln_sieve_primes();
	size_t i = 0;
	uint32_t n;

	for (n = 3; n < 65536; n += 2) {
		if (!naive_is_prime(n))
			continue;
		cr_assert(i < KILN_SIEVE_PRIMES, "more primes than the table");
		cr_assert_eq(p[i], n, "primes[%zu] = %u, want %u", i, p[i], n);
		i++;
	}
	cr_assert_eq(i, 6541);
	cr_assert_eq(KILN_SIEVE_PRIMES, 6541);
	cr_assert_eq(p[0], 3);
	cr_assert_eq(p[1], 5);
	cr_assert_eq(p[6540], 65521);
	cr_assert_eq(kiln_sieve_primes(), p, "computed once");
}

Test(rsagen, residues_are_the_candidate_modulo_each_prime)
{
	const uint16_t *p = kiln_sieve_primes();
	unsigned int bits[] = {17, 33, 1023, 1024, 1536, 4096};
	mbedtls_mpi_uint r;
	size_t b, i;

	for (b = 0; b < sizeof(bits) / sizeof(bits[0]); b++) {
		random_odd(&x, bits[b]);
		cr_assert_eq(kiln_sieve_start(&sieve, &x, &err), 0,
		    "%u bits: %s", bits[b], err.msg);
		cr_assert_eq(sieve.steps, 0);
		for (i = 0; i < KILN_SIEVE_PRIMES; i++) {
			cr_assert_eq(mbedtls_mpi_mod_int(&r, &x, p[i]), 0);
			cr_assert_eq(
			    sieve.res[i], r, "%u bits, mod %u", bits[b], p[i]);
		}
		cr_assert_eq(mbedtls_mpi_mod_int(&r, &x, KILN_RSA_E), 0);
		cr_assert_eq(sieve.res_e, r);
		/* 1000 steps later: the residues of x + 2000. */
		for (i = 0; i < 1000; i++)
			(void)kiln_sieve_step(&sieve);
		cr_assert_eq(sieve.steps, 1000);
		cr_assert_eq(mbedtls_mpi_add_int(&x, &x, 2000), 0);
		for (i = 0; i < KILN_SIEVE_PRIMES; i++) {
			cr_assert_eq(mbedtls_mpi_mod_int(&r, &x, p[i]), 0);
			cr_assert_eq(sieve.res[i], r, "%u bits + 2000, mod %u",
			    bits[b], p[i]);
		}
		cr_assert_eq(mbedtls_mpi_mod_int(&r, &x, KILN_RSA_E), 0);
		cr_assert_eq(sieve.res_e, r);
	}
}

/*
 * Over 4000 steps from a random 1024-bit odd number, the sieve calls
 * clean exactly the candidates that have no odd prime factor below 2^16
 * and are not 1 mod e.  The reference takes each prime's residue from
 * mbedTLS and steps it with a division, and checks the first 40
 * candidates as whole numbers.  Step 2500 is 1 mod e and has no small
 * factor: only the check on e can turn it down.
 */
Test(rsagen, stepping_passes_exactly_the_candidates_without_a_small_factor)
{
	enum { STEPS = 4000, WHOLE = 40 };
	const uint16_t *p = kiln_sieve_primes();
	unsigned char *dirty = calloc(STEPS, 1);
	mbedtls_mpi_uint r;
	mbedtls_mpi_sint shift;
	mbedtls_mpi c;
	size_t i, k, clean = 0;
	int got;

	cr_assert_not_null(dirty);
	mbedtls_mpi_init(&c);
	/* x + 5000 = 1 mod e, without a factor below 2^16: 1 in 10 or so. */
	for (i = 0; i < 1000; i++) {
		random_odd(&x, 1024);
		cr_assert_eq(mbedtls_mpi_mod_int(&r, &x, KILN_RSA_E), 0);
		shift = (3 * KILN_RSA_E + 1 - 5000 - r) % KILN_RSA_E;
		if (shift % 2 == 1) /* keep x odd */
			shift += KILN_RSA_E;
		cr_assert_eq(mbedtls_mpi_add_int(&x, &x, shift), 0);
		cr_assert_eq(mbedtls_mpi_add_int(&c, &x, 5000), 0);
		if (!naive_has_small_factor(&c))
			break;
	}
	cr_assert(i < 1000);
	for (i = 0; i < KILN_SIEVE_PRIMES; i++) {
		cr_assert_eq(mbedtls_mpi_mod_int(&r, &x, p[i]), 0);
		for (k = 0; k < STEPS; k++)
			if ((r + 2 * k) % p[i] == 0)
				dirty[k] |= 1;
	}
	cr_assert_eq(mbedtls_mpi_mod_int(&r, &x, KILN_RSA_E), 0);
	for (k = 0; k < STEPS; k++)
		if ((r + 2 * k) % KILN_RSA_E == 1)
			dirty[k] |= 2;
	cr_assert_eq(dirty[2500], 2, "step 2500: 1 mod e, no small factor");

	cr_assert_eq(kiln_sieve_start(&sieve, &x, &err), 0, "%s", err.msg);
	for (k = 0; k < STEPS; k++) {
		got =
		    k == 0 ? kiln_sieve_clean(&sieve) : kiln_sieve_step(&sieve);
		cr_assert_eq(got, kiln_sieve_clean(&sieve));
		cr_assert_eq(got, !dirty[k], "step %zu: sieve says %d", k, got);
		if (k < WHOLE) {
			cr_assert_eq(mbedtls_mpi_add_int(
			                 &c, &x, (mbedtls_mpi_sint)(2 * k)),
			    0);
			cr_assert_eq(got, naive_clean(&c), "step %zu", k);
		}
		clean += got;
	}
	/* About 10% of odd numbers have no odd factor below 2^16. */
	cr_assert(clean > STEPS / 20 && clean < STEPS / 5, "%zu clean", clean);
	mbedtls_mpi_free(&c);
	free(dirty);
}

Test(rsagen, sieve_rejects_known_composites_and_passes_known_primes)
{
	const uint16_t *p = kiln_sieve_primes();

	/* 2^127 - 1 is prime, 32768 mod e; 2^127 + 1 is a multiple of 3. */
	set_hex(&x, "7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF");
	cr_assert_eq(kiln_sieve_start(&sieve, &x, &err), 0);
	cr_assert_eq(sieve.res_e, 32768);
	cr_assert_eq(kiln_sieve_clean(&sieve), 1);
	cr_assert_eq(kiln_sieve_step(&sieve), 0);
	cr_assert_eq(p[0], 3);
	cr_assert_eq(sieve.res[0], 0);

	/* 65519 * 65521, the two largest primes of the table. */
	set_u64(&x, 4292870399u);
	cr_assert_eq(kiln_sieve_start(&sieve, &x, &err), 0);
	cr_assert_eq(kiln_sieve_clean(&sieve), 0);
	cr_assert_eq(sieve.res[6539], 0);
	cr_assert_eq(sieve.res[6540], 0);

	/* Carmichael 75361 = 11 * 13 * 17 * 31. */
	set_u64(&x, 75361);
	cr_assert_eq(kiln_sieve_start(&sieve, &x, &err), 0);
	cr_assert_eq(kiln_sieve_clean(&sieve), 0);
	cr_assert_eq(sieve.res[3], 0); /* 11 */

	/* 151 * 751 * 28351, a strong pseudoprime to bases 2, 3, 5 and 7. */
	set_u64(&x, 3215031751u);
	cr_assert_eq(kiln_sieve_start(&sieve, &x, &err), 0);
	cr_assert_eq(kiln_sieve_clean(&sieve), 0);

	/* 917519 = 14e + 1 is prime, but p - 1 would share e. */
	set_u64(&x, 917519);
	cr_assert_eq(naive_is_prime(917519), 1);
	cr_assert_eq(kiln_sieve_start(&sieve, &x, &err), 0);
	cr_assert_eq(sieve.res_e, 1);
	cr_assert_eq(kiln_sieve_clean(&sieve), 0);

	/* 65537 * 65539: no factor below 2^16, left for Miller-Rabin. */
	set_u64(&x, 4295229443u);
	cr_assert_eq(kiln_sieve_start(&sieve, &x, &err), 0);
	cr_assert_eq(sieve.res_e, 0);
	cr_assert_eq(kiln_sieve_clean(&sieve), 1);
}

Test(rsagen, sieve_refuses_what_it_cannot_take)
{
	static const char msg[] = "RSA prime candidate: not an odd number "
	                          "above 2^16 of at most 4096 bits";
	const uint64_t bad[] = {65535, 65537 + 1, 3};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kiln_err_clear(&err);
		set_u64(&x, bad[i]);
		cr_assert_eq(kiln_sieve_start(&sieve, &x, &err), -1);
		cr_assert_eq(err.code, KILN_EINVAL);
		cr_assert_str_eq(err.msg, msg);
	}
	kiln_err_clear(&err);
	random_odd(&x, 4097);
	cr_assert_eq(kiln_sieve_start(&sieve, &x, &err), -1);
	cr_assert_str_eq(err.msg, msg);
	set_u64(&x, 65537);
	cr_assert_eq(kiln_sieve_start(&sieve, &x, NULL), 0);
}
