#include <stddef.h>

#include <mbedtls/bignum.h>

#include "x509/millerrabin.h"

/*
 * FIPS 186-4, Appendix C.3, Table C.2 "Minimum number of rounds of M-R
 * testing when generating primes for use in RSA Digital Signatures", the
 * rounds for p and q, M-R tests only:
 *	p, q of 1024 bits (nlen 2048): 5 rounds (error probability 2^-112)
 *	p, q of 1536 bits (nlen 3072): 4 rounds (2^-128)
 * (Table C.3, for an error probability of 2^-100, asks for 4 and 3.)
 * FIPS 186-4 stops at nlen 3072; FIPS 186-5 Table B.1 adds p, q of 2048
 * bits (nlen 4096) with 4 rounds (2^-144).  A round's error probability
 * falls as the prime grows, so a size between two rows takes the count of
 * the row below it, and every size from 1536 bits on takes 4.
 * kiln_rsagen_mr draws a random base for each round, as C.3.1 does.
 */
int
kiln_rsagen_mr_rounds(unsigned int bits)
{
	return bits >= 1536 ? 4 : 5;
}

/*
 * Bases drawn for one round before giving up: each is out of range with
 * a probability below 1/2 (a w just above a power of 2), below 1/4 for
 * a prime candidate (its top two bits are set).
 */
#define MR_DRAWS 64

int
kiln_rsagen_mr(const mbedtls_mpi *w, int rounds,
    int (*f_rng)(void *, unsigned char *, size_t), void *p_rng, int *done,
    struct kiln_err *err)
{
	mbedtls_mpi w1, m, b, z, rr;
	size_t wlen = mbedtls_mpi_bitlen(w), len = (wlen + 7) / 8, a, j;
	int i, tries, passed, ret = 0, rc = -1;

	*done = 0;
	mbedtls_mpi_init(&w1);
	mbedtls_mpi_init(&m);
	mbedtls_mpi_init(&b);
	mbedtls_mpi_init(&z);
	mbedtls_mpi_init(&rr);
	if (mbedtls_mpi_cmp_int(w, 3) <= 0 || mbedtls_mpi_get_bit(w, 0) != 1 ||
	    rounds < 1) {
		kiln_err_set(err, KILN_EINVAL,
		    "Miller-Rabin: not an odd number above 3, or no rounds");
		goto cleanup;
	}
	/* Steps 1 and 2: w - 1 = 2^a * m, m odd. */
	if ((ret = mbedtls_mpi_sub_int(&w1, w, 1)) != 0)
		goto cleanup;
	a = mbedtls_mpi_lsb(&w1);
	if ((ret = mbedtls_mpi_copy(&m, &w1)) != 0 ||
	    (ret = mbedtls_mpi_shift_r(&m, a)) != 0)
		goto cleanup;
	for (i = 0; i < rounds; i++) {
		++*done;
		/* 4.1 and 4.2: b of wlen bits until 1 < b < w - 1. */
		for (tries = 0;; tries++) {
			if (tries == MR_DRAWS) {
				kiln_err_set(err, KILN_ECRYPTO,
				    "Miller-Rabin: no base in range in %d "
				    "draws",
				    MR_DRAWS);
				goto cleanup;
			}
			if ((ret = mbedtls_mpi_fill_random(
			         &b, len, f_rng, p_rng)) != 0 ||
			    (ret = mbedtls_mpi_shift_r(&b, len * 8 - wlen)) !=
			        0)
				goto cleanup;
			if (mbedtls_mpi_cmp_int(&b, 1) > 0 &&
			    mbedtls_mpi_cmp_mpi(&b, &w1) < 0)
				break;
		}
		/* 4.3: z = b^m mod w, w's Montgomery constant kept in rr. */
		if ((ret = mbedtls_mpi_exp_mod(&z, &b, &m, w, &rr)) != 0)
			goto cleanup;
		/* 4.4 and 4.5: 1 or w - 1 now, or w - 1 within a - 1 squares.
		 */
		passed = mbedtls_mpi_cmp_int(&z, 1) == 0 ||
		         mbedtls_mpi_cmp_mpi(&z, &w1) == 0;
		for (j = 1; !passed && j < a; j++) {
			if ((ret = mbedtls_mpi_mul_mpi(&z, &z, &z)) != 0 ||
			    (ret = mbedtls_mpi_mod_mpi(&z, &z, w)) != 0)
				goto cleanup;
			if (mbedtls_mpi_cmp_int(&z, 1) == 0)
				break;
			passed = mbedtls_mpi_cmp_mpi(&z, &w1) == 0;
		}
		/* 4.6: composite. */
		if (!passed) {
			rc = 0;
			goto cleanup;
		}
	}
	rc = 1;
cleanup:
	if (ret != 0)
		kiln_err_mbed(err, ret, "Miller-Rabin");
	/* All of these wipe: they tell about a prime of the key. */
	mbedtls_mpi_free(&w1);
	mbedtls_mpi_free(&m);
	mbedtls_mpi_free(&b);
	mbedtls_mpi_free(&z);
	mbedtls_mpi_free(&rr);
	return rc;
}
