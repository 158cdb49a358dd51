#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <mbedtls/bignum.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>

#include "core/compat.h"
#include "kiln/key.h"
#include "x509/rsagen.h"

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

/*
 * The odd primes below KILN_SIEVE_BOUND, by trial division, made once:
 * the reference for the sieve's tables.  Returns how many.
 */
static size_t
naive_odd_primes(const uint32_t **out)
{
	enum { MAX = KILN_SIEVE_PRIMES + KILN_SIEVE_BIG };
	static uint32_t odd_primes[MAX];
	static size_t n;
	size_t i = 0;
	uint32_t p;

	if (n == 0) {
		for (p = 3; p < KILN_SIEVE_BOUND; p += 2) {
			if (!naive_is_prime(p))
				continue;
			cr_assert(i < MAX, "more odd primes than the tables");
			odd_primes[i++] = p;
		}
		n = i;
	}
	*out = odd_primes;
	return n;
}

/* 1 if "v" has an odd prime factor below KILN_SIEVE_BOUND. */
static int
naive_has_small_factor(const mbedtls_mpi *v)
{
	const uint32_t *p;
	size_t i, n = naive_odd_primes(&p);
	mbedtls_mpi_uint r;

	for (i = 0; i < n; i++) {
		cr_assert_eq(
		    mbedtls_mpi_mod_int(&r, v, (mbedtls_mpi_sint)p[i]), 0);
		if (r == 0)
			return 1;
	}
	return 0;
}

/*
 * 1 if "v" has no odd prime factor below KILN_SIEVE_BOUND and is not 1
 * mod 65537.
 */
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

Test(rsagen, big_primes_are_the_36848_odd_primes_from_2_16_to_2_19)
{
	const uint8_t *gap = kiln_sieve_big_gaps();
	const uint32_t *want;
	size_t i, n = naive_odd_primes(&want);
	uint32_t p = KILN_SIEVE_BIG_BASE, widest = 0;

	cr_assert_eq(KILN_SIEVE_BOUND, 524288);
	cr_assert_eq(n, KILN_SIEVE_PRIMES + KILN_SIEVE_BIG);
	cr_assert_eq(KILN_SIEVE_BIG, 36848);
	for (i = 0; i < KILN_SIEVE_BIG; i++) {
		p += 2 * (uint32_t)gap[i];
		cr_assert_eq(p, want[KILN_SIEVE_PRIMES + i],
		    "big prime %zu = %u, want %u", i, p,
		    want[KILN_SIEVE_PRIMES + i]);
		if (gap[i] > widest)
			widest = gap[i];
		if (i == 0)
			cr_assert_eq(
			    p, 65537, "e: its multiples are composite");
	}
	cr_assert_eq(p, 524287, "2^19 - 1, the last");
	/* 492113 to 492227, the widest gap below 2^19, as sieve.c says. */
	cr_assert_eq(widest, 57);
	cr_assert_eq(kiln_sieve_big_gaps(), gap, "computed once");
}

Test(rsagen, miller_rabin_rounds_follow_fips_186_4_table_c2)
{
	cr_assert_eq(kiln_rsagen_mr_rounds(1024), 5);
	cr_assert_eq(kiln_rsagen_mr_rounds(1100), 5);
	cr_assert_eq(kiln_rsagen_mr_rounds(1535), 5);
	cr_assert_eq(kiln_rsagen_mr_rounds(1536), 4);
	cr_assert_eq(kiln_rsagen_mr_rounds(2048), 4);
	cr_assert_eq(kiln_rsagen_mr_rounds(4096), 4);
}

/* f_rng: all ones, or always failing. */
static int
rng_ones(void *p, unsigned char *out, size_t len)
{
	(void)p;
	memset(out, 0xff, len);
	return 0;
}

static int
rng_broken(void *p, unsigned char *out, size_t len)
{
	(void)p;
	(void)out;
	(void)len;
	return MBEDTLS_ERR_MPI_BAD_INPUT_DATA;
}

/* A random prime of "bits" bits, found by mbedTLS's own generator. */
static void
random_prime(mbedtls_mpi *v, unsigned int bits)
{
	cr_assert_eq(
	    mbedtls_mpi_gen_prime(v, bits, 0, kiln_rng_random, &rng), 0);
}

Test(rsagen, miller_rabin_agrees_with_trial_division_below_3000)
{
	uint32_t n;
	int done, got;

	for (n = 7; n < 3000; n += 2) {
		set_u64(&x, n);
		got =
		    kiln_rsagen_mr(&x, 20, kiln_rng_random, &rng, &done, &err);
		cr_assert_eq(
		    got, naive_is_prime(n), "%u: %d (%s)", n, got, err.msg);
		if (got)
			cr_assert_eq(done, 20, "%u: every round", n);
	}
}

/*
 * A composite with no small factor, as the sieve hands them on: found out
 * by its first round, one exponentiation.  The product of two random
 * 512-bit primes has a negligible share of strong liars.
 */
Test(rsagen, miller_rabin_rejects_a_composite_after_one_round)
{
	mbedtls_mpi q;
	int i, done;

	mbedtls_mpi_init(&q);
	for (i = 0; i < 10; i++) {
		random_prime(&x, 512);
		random_prime(&q, 512);
		cr_assert_eq(mbedtls_mpi_mul_mpi(&x, &x, &q), 0);
		done = -1;
		cr_assert_eq(
		    kiln_rsagen_mr(&x, 5, kiln_rng_random, &rng, &done, &err),
		    0, "%s", err.msg);
		cr_assert_eq(done, 1, "rounds on a composite: %d", done);
	}
	mbedtls_mpi_free(&q);
}

/*
 * A prime passes every round asked for, and only those: 5 for a 1024-bit
 * p or q (Table C.2).  65537 = 2^16 + 1 takes each round through the
 * fifteen squarings of step 4.5.
 */
Test(rsagen, miller_rabin_counts_the_rounds_on_a_prime)
{
	int i, done;

	for (i = 0; i < 5; i++) {
		random_prime(&x, 1024);
		cr_assert_eq(kiln_rsagen_mr(&x, kiln_rsagen_mr_rounds(1024),
		                 kiln_rng_random, &rng, &done, &err),
		    1, "%s", err.msg);
		cr_assert_eq(done, 5);
	}
	set_u64(&x, 65537);
	cr_assert_eq(
	    kiln_rsagen_mr(&x, 64, kiln_rng_random, &rng, &done, &err), 1);
	cr_assert_eq(done, 64);
	/* 2^127 - 1: w - 1 = 2 * odd, no squaring at all. */
	set_hex(&x, "7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF");
	cr_assert_eq(
	    kiln_rsagen_mr(&x, 3, kiln_rng_random, &rng, &done, &err), 1);
	cr_assert_eq(done, 3);
}

Test(rsagen, miller_rabin_refuses_what_it_cannot_test)
{
	static const char msg[] =
	    "Miller-Rabin: not an odd number above 3, or no rounds";
	const uint64_t bad[] = {0, 1, 2, 3, 4, 1000};
	size_t i;
	int done;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kiln_err_clear(&err);
		set_u64(&x, bad[i]);
		cr_assert_eq(
		    kiln_rsagen_mr(&x, 5, kiln_rng_random, &rng, &done, &err),
		    -1, "%u", (unsigned)bad[i]);
		cr_assert_eq(err.code, KILN_EINVAL);
		cr_assert_str_eq(err.msg, msg);
		cr_assert_eq(done, 0);
	}
	kiln_err_clear(&err);
	set_u64(&x, 65537);
	cr_assert_eq(
	    kiln_rsagen_mr(&x, 0, kiln_rng_random, &rng, &done, &err), -1);
	cr_assert_str_eq(err.msg, msg);

	/* All ones is 2^17 - 1 > w - 1, every time: an error, not a loop. */
	kiln_err_clear(&err);
	cr_assert_eq(kiln_rsagen_mr(&x, 5, rng_ones, NULL, &done, &err), -1);
	cr_assert_eq(err.code, KILN_ECRYPTO);
	cr_assert_str_eq(err.msg, "Miller-Rabin: no base in range in 64 draws");
	cr_assert_eq(done, 1);

	/* The generator's own failure, with its code. */
	kiln_err_clear(&err);
	cr_assert_eq(kiln_rsagen_mr(&x, 5, rng_broken, NULL, &done, &err), -1);
	cr_assert_eq(err.code, KILN_ECRYPTO);
	cr_assert_eq(err.mbed, MBEDTLS_ERR_MPI_BAD_INPUT_DATA);
	cr_assert(strncmp(err.msg, "Miller-Rabin: ", 14) == 0, "%s", err.msg);
}

Test(rsagen, residues_are_the_start_modulo_each_prime)
{
	const uint16_t *p = kiln_sieve_primes();
	unsigned int bits[] = {21, 33, 1023, 1024, 1536, 4096};
	mbedtls_mpi_uint r;
	size_t b, i;

	for (b = 0; b < sizeof(bits) / sizeof(bits[0]); b++) {
		random_odd(&x, bits[b]);
		cr_assert_eq(kiln_sieve_start(&sieve, &x, 4096, &err), 0,
		    "%u bits: %s", bits[b], err.msg);
		cr_assert_eq(sieve.window, 4096);
		for (i = 0; i < KILN_SIEVE_PRIMES; i++) {
			cr_assert_eq(mbedtls_mpi_mod_int(&r, &x, p[i]), 0);
			cr_assert_eq(
			    sieve.res[i], r, "%u bits, mod %u", bits[b], p[i]);
		}
		cr_assert_eq(mbedtls_mpi_mod_int(&r, &x, KILN_RSA_E), 0);
		cr_assert_eq(sieve.res_e, r);
	}
}

/*
 * The candidates of a window of "window" from x that have an odd prime
 * factor below KILN_SIEVE_BOUND (bit 1) or are 1 mod e (bit 2), into
 * "dirty": the reference takes each prime's residue r from mbedTLS and
 * its first multiple at k = -r / 2 = (p - r) * (p + 1) / 2 (mod p).
 */
static void
naive_dirty(unsigned char *dirty, uint32_t window)
{
	const uint32_t *p;
	size_t i, n = naive_odd_primes(&p);
	mbedtls_mpi_uint r;
	uint64_t first;
	uint32_t k;

	memset(dirty, 0, window);
	for (i = 0; i < n; i++) {
		cr_assert_eq(mbedtls_mpi_mod_int(&r, &x, p[i]), 0);
		first = (uint64_t)(p[i] - r) * ((p[i] + 1) / 2) % p[i];
		cr_assert_eq((r + 2 * first) % p[i], 0);
		for (k = (uint32_t)first; k < window; k += p[i])
			dirty[k] |= 1;
	}
	cr_assert_eq(mbedtls_mpi_mod_int(&r, &x, KILN_RSA_E), 0);
	for (k = 0; k < window; k++)
		if ((r + 2 * k) % KILN_RSA_E == 1)
			dirty[k] |= 2;
}

/*
 * In a window of 4000 from a random 1024-bit odd number, the sieve calls
 * clean exactly the candidates that have no odd prime factor below
 * KILN_SIEVE_BOUND and are not 1 mod e, and kiln_sieve_next visits
 * exactly those, in order; the first 40 candidates are checked as whole
 * numbers too.  Candidate 2500 is 1 mod e and has no small factor: only
 * the check on e can turn it down.
 */
Test(rsagen, window_passes_exactly_the_candidates_without_a_small_factor)
{
	enum { WINDOW = 4000, WHOLE = 40 };
	unsigned char *dirty = calloc(WINDOW, 1);
	mbedtls_mpi_uint r;
	mbedtls_mpi_sint shift;
	mbedtls_mpi c;
	size_t i, clean = 0;
	uint32_t k, next;
	int got;

	cr_assert_not_null(dirty);
	mbedtls_mpi_init(&c);
	/* x + 5000 = 1 mod e, without a small factor: 1 in 12 or so. */
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
	naive_dirty(dirty, WINDOW);
	cr_assert_eq(
	    dirty[2500], 2, "candidate 2500: 1 mod e, no small factor");

	cr_assert_eq(
	    kiln_sieve_start(&sieve, &x, WINDOW, &err), 0, "%s", err.msg);
	next = kiln_sieve_next(&sieve, 0);
	for (k = 0; k < WINDOW; k++) {
		got = kiln_sieve_clean(&sieve, k);
		cr_assert_eq(
		    got, !dirty[k], "candidate %u: sieve says %d", k, got);
		if (k < WHOLE) {
			cr_assert_eq(mbedtls_mpi_add_int(
			                 &c, &x, (mbedtls_mpi_sint)(2 * k)),
			    0);
			cr_assert_eq(got, naive_clean(&c), "candidate %u", k);
		}
		/* kiln_sieve_next: every clean candidate, in order. */
		if (got) {
			cr_assert_eq(next, k, "next clean after %u", k);
			next = kiln_sieve_next(&sieve, k + 1);
		}
		clean += got;
	}
	cr_assert_eq(next, WINDOW, "none after the last");
	cr_assert_eq(kiln_sieve_clean(&sieve, WINDOW), 0, "past the window");
	cr_assert_eq(kiln_sieve_next(&sieve, WINDOW + 7), WINDOW);
	/* About 8.5% of odd numbers have no odd factor below 2^19. */
	cr_assert(
	    clean > WINDOW / 20 && clean < WINDOW / 5, "%zu clean", clean);
	mbedtls_mpi_free(&c);
	free(dirty);
}

/*
 * The longest windows from 24 random starts of 1024 to 4096 bits, each
 * against the reference: every size of start the second tier's
 * reduction takes, four words at a time, and each prime's one strike at
 * most anywhere in the longest window.
 */
Test(rsagen, long_windows_strike_what_the_reference_strikes)
{
	unsigned char *dirty = malloc(KILN_SIEVE_MAX_WINDOW);
	unsigned int bits;
	size_t round, wrong;
	uint32_t k;

	cr_assert_not_null(dirty);
	for (round = 0; round < 24; round++) {
		bits = 1024 + (unsigned int)(round % 4) * 1024;
		random_odd(&x, bits);
		naive_dirty(dirty, KILN_SIEVE_MAX_WINDOW);
		cr_assert_eq(
		    kiln_sieve_start(&sieve, &x, KILN_SIEVE_MAX_WINDOW, &err),
		    0, "%s", err.msg);
		for (wrong = 0, k = 0; k < KILN_SIEVE_MAX_WINDOW; k++)
			wrong += kiln_sieve_clean(&sieve, k) == !!dirty[k];
		cr_assert_eq(wrong, 0, "%u bits: %zu candidates judged wrong",
		    bits, wrong);
	}
	free(dirty);
}

Test(rsagen, sieve_rejects_known_composites_and_passes_known_primes)
{
	const uint16_t *p = kiln_sieve_primes();

	/* 2^127 - 1 is prime, 32768 mod e; 2^127 + 1 is a multiple of 3. */
	set_hex(&x, "7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF");
	cr_assert_eq(kiln_sieve_start(&sieve, &x, 2, &err), 0);
	cr_assert_eq(sieve.res_e, 32768);
	cr_assert_eq(kiln_sieve_clean(&sieve, 0), 1);
	cr_assert_eq(kiln_sieve_clean(&sieve, 1), 0);
	cr_assert_eq(kiln_sieve_next(&sieve, 1), 2, "none left in the window");
	cr_assert_eq(p[0], 3);
	cr_assert_eq(sieve.res[0], 1, "2^127 - 1 = 1 mod 3, so 3 | 2^127 + 1");

	/* 65519 * 65521, the two largest primes of the table. */
	set_u64(&x, 4292870399u);
	cr_assert_eq(kiln_sieve_start(&sieve, &x, 1, &err), 0);
	cr_assert_eq(kiln_sieve_clean(&sieve, 0), 0);
	cr_assert_eq(sieve.res[6539], 0);
	cr_assert_eq(sieve.res[6540], 0);

	/* Carmichael 530881 = 13 * 97 * 421. */
	set_u64(&x, 530881);
	cr_assert_eq(kiln_sieve_start(&sieve, &x, 1, &err), 0);
	cr_assert_eq(kiln_sieve_clean(&sieve, 0), 0);
	cr_assert_eq(sieve.res[4], 0); /* 13 */

	/* 151 * 751 * 28351, a strong pseudoprime to bases 2, 3, 5 and 7. */
	set_u64(&x, 3215031751u);
	cr_assert_eq(kiln_sieve_start(&sieve, &x, 1, &err), 0);
	cr_assert_eq(kiln_sieve_clean(&sieve, 0), 0);

	/* 917519 = 14e + 1 is prime, but p - 1 would share e. */
	set_u64(&x, 917519);
	cr_assert_eq(naive_is_prime(917519), 1);
	cr_assert_eq(kiln_sieve_start(&sieve, &x, 1, &err), 0);
	cr_assert_eq(sieve.res_e, 1);
	cr_assert_eq(kiln_sieve_clean(&sieve, 0), 0);

	/* 65537 * 65539: e and a prime of the second tier. */
	set_u64(&x, 4295229443u);
	cr_assert_eq(kiln_sieve_start(&sieve, &x, 1, &err), 0);
	cr_assert_eq(sieve.res_e, 0);
	cr_assert_eq(kiln_sieve_clean(&sieve, 0), 0);

	/* 524287 * 524309 (2^19 - 1, the last prime of the second tier). */
	set_u64(&x, UINT64_C(274888392683));
	cr_assert_eq(kiln_sieve_start(&sieve, &x, 1, &err), 0);
	cr_assert_eq(kiln_sieve_clean(&sieve, 0), 0);

	/* 524309 * 524341: no factor below 2^19, left for Miller-Rabin. */
	set_u64(&x, UINT64_C(274916705369));
	cr_assert_eq(kiln_sieve_start(&sieve, &x, 1, &err), 0);
	cr_assert_eq(kiln_sieve_clean(&sieve, 0), 1);
}

Test(rsagen, sieve_refuses_what_it_cannot_take)
{
	static const char msg[] = "RSA prime candidate: not an odd number "
	                          "above 2^19 of at most 4096 bits";
	const uint64_t bad[] = {65535, 65537, 524287, 524288, 524309 + 1, 3};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kiln_err_clear(&err);
		set_u64(&x, bad[i]);
		cr_assert_eq(kiln_sieve_start(&sieve, &x, 10, &err), -1);
		cr_assert_eq(err.code, KILN_EINVAL);
		cr_assert_str_eq(err.msg, msg);
	}
	kiln_err_clear(&err);
	random_odd(&x, 4097);
	cr_assert_eq(kiln_sieve_start(&sieve, &x, 10, &err), -1);
	cr_assert_str_eq(err.msg, msg);
	set_u64(&x, 524309);
	cr_assert_eq(kiln_sieve_start(&sieve, &x, 10, NULL), 0);
	kiln_err_clear(&err);
	cr_assert_eq(kiln_sieve_start(&sieve, &x, 0, &err), -1);
	cr_assert_eq(err.code, KILN_EINVAL);
	cr_assert_str_eq(
	    err.msg, "RSA prime search: a window of 0 candidates (1 to 16384)");
	kiln_err_clear(&err);
	cr_assert_eq(kiln_sieve_start(&sieve, &x, 16385, &err), -1);
	cr_assert_str_eq(err.msg,
	    "RSA prime search: a window of 16385 candidates (1 to 16384)");
	cr_assert_eq(kiln_sieve_start(&sieve, &x, 16384, &err), 0);
	cr_assert_eq(
	    kiln_sieve_next(&sieve, 0), 0, "524309 has no small factor");
	/* The window's last marks: 557069 is prime, 557071 = 97 * 5743. */
	cr_assert_eq(kiln_sieve_clean(&sieve, 16380), 1, "524309 + 32760");
	cr_assert_eq(kiln_sieve_clean(&sieve, 16381), 0, "524309 + 32762");
	cr_assert_eq(kiln_sieve_next(&sieve, 16381), 16384);
}

/*
 * Everything FIPS 186-4 B.3.1 and B.3.3 ask of a key, checked with
 * mbedTLS's own arithmetic, then the PEM round trip.
 */
static void
check_key(struct kiln_key *key, unsigned int nbits)
{
	mbedtls_rsa_context *rsa = mbedtls_pk_rsa(key->pk);
	mbedtls_mpi n, p, q, d, e, t, u, lcm, bound;
	struct kiln_key back;
	struct kiln_buf pem;

	mbedtls_mpi_init(&n);
	mbedtls_mpi_init(&p);
	mbedtls_mpi_init(&q);
	mbedtls_mpi_init(&d);
	mbedtls_mpi_init(&e);
	mbedtls_mpi_init(&t);
	mbedtls_mpi_init(&u);
	mbedtls_mpi_init(&lcm);
	mbedtls_mpi_init(&bound);
	kiln_key_init(&back);
	kiln_buf_init(&pem);

	cr_assert_eq(mbedtls_pk_get_type(&key->pk), MBEDTLS_PK_RSA);
	cr_assert_eq(mbedtls_rsa_export(rsa, &n, &p, &q, &d, &e), 0);
	cr_assert_eq(mbedtls_mpi_cmp_int(&e, 65537), 0);
	cr_assert_eq(mbedtls_mpi_bitlen(&n), nbits);
	/* The exact size, where 2.28's mbedtls_pk_get_bitlen rounds up. */
	cr_assert_eq(kiln_pk_bitlen(&key->pk), nbits);
	cr_assert_eq(mbedtls_mpi_bitlen(&p), nbits / 2);
	cr_assert_eq(mbedtls_mpi_bitlen(&q), nbits / 2);
	cr_assert_eq(mbedtls_mpi_get_bit(&p, nbits / 2 - 2), 1);
	cr_assert_eq(mbedtls_mpi_get_bit(&q, nbits / 2 - 2), 1);
	cr_assert_eq(mbedtls_mpi_is_prime_ext(&p, 40, kiln_rng_random, &rng), 0,
	    "p is not prime");
	cr_assert_eq(mbedtls_mpi_is_prime_ext(&q, 40, kiln_rng_random, &rng), 0,
	    "q is not prime");
	cr_assert_eq(mbedtls_mpi_mul_mpi(&t, &p, &q), 0);
	cr_assert_eq(mbedtls_mpi_cmp_mpi(&t, &n), 0, "n = pq");
	cr_assert(mbedtls_mpi_cmp_mpi(&p, &q) > 0, "p > q");

	/* |p - q| > 2^(nbits/2 - 100). */
	cr_assert_eq(mbedtls_mpi_sub_mpi(&t, &p, &q), 0);
	cr_assert_eq(mbedtls_mpi_set_bit(&bound, nbits / 2 - 100, 1), 0);
	cr_assert(mbedtls_mpi_cmp_mpi(&t, &bound) > 0, "|p - q| too small");

	/* 2^(nbits/2) < d < lcm(p - 1, q - 1), and ed = 1 mod the lcm. */
	cr_assert_eq(mbedtls_mpi_lset(&bound, 0), 0);
	cr_assert_eq(mbedtls_mpi_set_bit(&bound, nbits / 2, 1), 0);
	cr_assert(mbedtls_mpi_cmp_mpi(&d, &bound) > 0, "d too small");
	cr_assert_eq(mbedtls_mpi_sub_int(&t, &p, 1), 0);
	cr_assert_eq(mbedtls_mpi_sub_int(&u, &q, 1), 0);
	cr_assert_eq(mbedtls_mpi_gcd(&bound, &t, &e), 0);
	cr_assert_eq(mbedtls_mpi_cmp_int(&bound, 1), 0, "gcd(p - 1, e)");
	cr_assert_eq(mbedtls_mpi_gcd(&bound, &u, &e), 0);
	cr_assert_eq(mbedtls_mpi_cmp_int(&bound, 1), 0, "gcd(q - 1, e)");
	cr_assert_eq(mbedtls_mpi_gcd(&bound, &t, &u), 0);
	cr_assert_eq(mbedtls_mpi_mul_mpi(&lcm, &t, &u), 0);
	cr_assert_eq(mbedtls_mpi_div_mpi(&lcm, NULL, &lcm, &bound), 0);
	cr_assert(mbedtls_mpi_cmp_mpi(&d, &lcm) < 0, "d above the lcm");
	cr_assert_eq(mbedtls_mpi_mul_mpi(&t, &d, &e), 0);
	cr_assert_eq(mbedtls_mpi_mod_mpi(&t, &t, &lcm), 0);
	cr_assert_eq(mbedtls_mpi_cmp_int(&t, 1), 0, "ed mod lcm");

	cr_assert_eq(mbedtls_rsa_check_pubkey(rsa), 0);
	cr_assert_eq(mbedtls_rsa_check_privkey(rsa), 0);

	/* PEM out and back: the same key. */
	cr_assert_eq(kiln_key_write_pem(key, &pem, &err), 0, "%s", err.msg);
	cr_assert(strncmp((char *)pem.p, "-----BEGIN RSA PRIVATE KEY-----\n",
	              32) == 0);
	cr_assert_eq(kiln_key_parse(&back, pem.p, pem.len, &rng, &err), 0, "%s",
	    err.msg);
	cr_assert_eq(
	    kiln_pk_check_pair(&key->pk, &back.pk, kiln_rng_random, &rng), 0);
	cr_assert_eq(mbedtls_rsa_check_privkey(mbedtls_pk_rsa(back.pk)), 0);
	cr_assert_eq(mbedtls_rsa_export(
	                 mbedtls_pk_rsa(back.pk), &t, &u, NULL, NULL, NULL),
	    0);
	cr_assert_eq(mbedtls_mpi_cmp_mpi(&t, &n), 0);
	cr_assert_eq(mbedtls_mpi_cmp_mpi(&u, &p), 0);

	kiln_buf_free(&pem);
	kiln_key_free(&back);
	mbedtls_mpi_free(&n);
	mbedtls_mpi_free(&p);
	mbedtls_mpi_free(&q);
	mbedtls_mpi_free(&d);
	mbedtls_mpi_free(&e);
	mbedtls_mpi_free(&t);
	mbedtls_mpi_free(&u);
	mbedtls_mpi_free(&lcm);
	mbedtls_mpi_free(&bound);
}

/*
 * "v" was the first prime of its window: none of the candidates before it
 * (v - 2 * offset, ..., v - 2) is prime, those 1 mod e aside, which the
 * search passes over.
 */
static void
first_of_its_window(const mbedtls_mpi *v, uint32_t offset)
{
	mbedtls_mpi c;
	mbedtls_mpi_uint r;
	uint32_t j;
	int ret;

	mbedtls_mpi_init(&c);
	cr_assert(offset < 4 * mbedtls_mpi_bitlen(v), "offset %u", offset);
	for (j = 1; j <= offset; j++) {
		cr_assert_eq(
		    mbedtls_mpi_sub_int(&c, v, 2 * (mbedtls_mpi_sint)j), 0);
		cr_assert_eq(mbedtls_mpi_mod_int(&r, &c, KILN_RSA_E), 0);
		if (r == 1)
			continue;
		ret = mbedtls_mpi_is_prime_ext(&c, 40, kiln_rng_random, &rng);
		cr_assert_eq(ret, MBEDTLS_ERR_MPI_NOT_ACCEPTABLE,
		    "a prime %u candidates before the key's", j);
	}
	mbedtls_mpi_free(&c);
}

/*
 * "count" keys of "nbits" through kiln_rsagen on "threads" threads, each
 * checked, with what its search reports: every composite cost one round
 * and every prime the rounds of Table C.2, and what a second thread did
 * beyond that is counted as wasted; on one thread nothing is wasted, and
 * only the two primes passed a first round; each of p and q is the first
 * prime of its window, however the two threads shared the candidates.
 */
static void
generate_and_check(int count, unsigned int nbits, int threads)
{
	struct kiln_rsagen_stats st;
	struct kiln_key key;
	mbedtls_mpi first, p, q;
	unsigned long extra = kiln_rsagen_mr_rounds(nbits / 2) - 1;
	int i;

	mbedtls_mpi_init(&first);
	mbedtls_mpi_init(&p);
	mbedtls_mpi_init(&q);
	for (i = 0; i < count; i++) {
		kiln_key_init(&key);
		cr_assert_eq(mbedtls_pk_setup(&key.pk,
		                 mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)),
		    0);
		cr_assert_eq(kiln_rsagen(mbedtls_pk_rsa(key.pk), nbits, threads,
		                 &rng, &st, &err),
		    0, "%s", err.msg);
		check_key(&key, nbits);

		cr_assert(st.pairs >= 1);
		cr_assert(st.windows >= 2 * st.pairs);
		cr_assert(st.used >= 2 * st.pairs && st.used <= st.tested);
		cr_assert(st.tested - st.composites >= 2 * st.pairs);
		cr_assert_eq(st.rounds,
		    st.used + st.pairs * 2 * extra + st.wasted,
		    "%lu rounds: %lu used, %lu pairs, %lu wasted", st.rounds,
		    st.used, st.pairs, st.wasted);
		if (threads == 1) {
			cr_assert_eq(st.wasted, 0);
			cr_assert_eq(st.used, st.tested);
			cr_assert_eq(st.tested - st.composites, 2 * st.pairs);
		}
		cr_assert_eq(mbedtls_rsa_export(mbedtls_pk_rsa(key.pk), NULL,
		                 &p, &q, NULL, NULL),
		    0);
		first_of_its_window(&p, st.offset_p);
		first_of_its_window(&q, st.offset_q);

		/* Each key its own. */
		if (i == 0)
			cr_assert_eq(mbedtls_mpi_copy(&first, &p), 0);
		else
			cr_assert_neq(mbedtls_mpi_cmp_mpi(&first, &p), 0);
		kiln_key_free(&key);
	}
	mbedtls_mpi_free(&q);
	mbedtls_mpi_free(&p);
	mbedtls_mpi_free(&first);
}

Test(rsagen, rsa_2048_keys_on_one_thread_meet_fips_186_4)
{
	generate_and_check(8, 2048, 1);
}

Test(rsagen, rsa_2048_keys_on_two_threads_meet_fips_186_4)
{
	generate_and_check(8, 2048, 2);
}

Test(rsagen, rsa_3072_keys_with_the_default_threads_meet_fips_186_4)
{
	generate_and_check(2, 3072, 0);
}

Test(rsagen, refuses_sizes_it_cannot_make)
{
	static const unsigned int bad[] = {0, 1024, 2047, 2049, 8193, 8194};
	mbedtls_rsa_context rsa;
	char want[128];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kiln_err_clear(&err);
		kiln_rsa_init(&rsa);
		cr_assert_eq(
		    kiln_rsagen(&rsa, bad[i], 0, &rng, NULL, &err), -1);
		cr_assert_eq(err.code, KILN_EINVAL);
		snprintf(want, sizeof(want),
		    "RSA key size %u: not an even number from 2048 to 8192",
		    bad[i]);
		cr_assert_str_eq(err.msg, want);
		cr_assert_eq(mbedtls_rsa_get_len(&rsa), 0, "left empty");
		mbedtls_rsa_free(&rsa);
	}
}

Test(rsagen, kiln_key_generate_makes_its_rsa_keys_here)
{
	struct kiln_keyreq kr = {.algo = KILN_KEY_RSA, .size = 2050};
	struct kiln_key key;
	char name[32];

	kiln_key_init(&key);
	/* An RSA size of no common use: primes of 1025 bits. */
	cr_assert_eq(
	    kiln_key_generate(&key, &kr, &rng, &err), 0, "%s", err.msg);
	check_key(&key, 2050);
	cr_assert_str_eq(
	    kiln_key_describe(&key.pk, name, sizeof(name)), "rsa-2050");
	kiln_key_free(&key);
}

Test(rsagen, kiln_key_generate_frees_a_key_it_could_not_make)
{
	struct kiln_keyreq kr = {.algo = KILN_KEY_RSA, .size = 2049};
	struct kiln_key key;

	kiln_key_init(&key);
	cr_assert_eq(kiln_key_generate(&key, &kr, &rng, &err), -1);
	cr_assert_eq(err.code, KILN_EINVAL);
	cr_assert_str_eq(
	    err.msg, "RSA key size 2049: not an even number from 2048 to 8192");
	cr_assert_eq(mbedtls_pk_get_type(&key.pk), MBEDTLS_PK_NONE);
	kiln_key_free(&key);
}
