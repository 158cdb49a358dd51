/*
 * RSA key generation, private to libkiln (kiln_key_generate calls it).
 *
 * A prime is searched for incrementally: a random odd start x, its
 * residues modulo every odd prime below 2^19 computed once, and from them
 * a window of the candidates x, x + 2, x + 2 * 2, ... in which every
 * multiple of a small prime is struck out, each prime marking its own
 * multiples (a sieve of Eratosthenes on the window: x509/sieve.h).  Only
 * a candidate with no factor below 2^19 and not 1 mod e reaches
 * Miller-Rabin, and a composite almost always fails its first round: one
 * modular exponentiation, the floor of the search (bench/floor.c's
 * mr1024).  The key then has to pass FIPS 186-4 B.3.1 and B.3.3.
 */
#ifndef KILN_RSAGEN_H
#define KILN_RSAGEN_H

#include <stdint.h>

#include <mbedtls/bignum.h>
#include <mbedtls/rsa.h>

#include "kiln/err.h"
#include "kiln/rng.h"
#include "x509/millerrabin.h"
#include "x509/sieve.h"

/*
 * What one kiln_rsagen call did, for the tests and the benchmarks.  A
 * round is one modular exponentiation.  Each round is one that a single
 * thread searching alone would have made too (the first round of each of
 * the "used" candidates, the remaining rounds of each prime), or one a
 * second thread made in vain ("wasted"):
 *
 *	rounds = used + pairs * 2 * (kiln_rsagen_mr_rounds(nbits / 2) - 1)
 *	         + wasted
 *
 * unless a composite passed its first round and failed a later one (for
 * a 1024-bit candidate below 2^-40 by Damgard, Landrock and Pomerance).
 */
struct kiln_rsagen_stats {
	unsigned long windows;    /* random starts drawn */
	unsigned long tested;     /* candidates given a first round */
	unsigned long composites; /* of them, found composite by it */
	unsigned long used;       /* of them, up to each prime, included */
	unsigned long rounds;     /* Miller-Rabin rounds in all */
	unsigned long wasted;     /* rounds the key did not need */
	unsigned long pairs;      /* pairs of primes found */
	uint32_t offset_p;        /* p = its window's start + 2 * offset_p */
	uint32_t offset_q;        /* and q */
};

/*
 * Generate an RSA key of "nbits" bits (even, 2048 to 8192) with e = 65537
 * into "rsa", which is initialised and empty (as mbedtls_pk_setup leaves
 * it).  The two primes are searched for on "threads" threads (1 or 2; 0
 * chooses 2 when two processors are online): each thread starts on a
 * prime of its own, and the first to find it helps with the other; the
 * rounds of a likely prime are shared out too.  Each thread draws from its
 * own CTR_DRBG seeded from "rng", which is only used on the calling
 * thread.  "stats", unless NULL, gets what it took.  Returns 0, or -1
 * with "err" filled ("rsa" is then left empty).
 */
int kiln_rsagen(mbedtls_rsa_context *, unsigned int, int, struct kiln_rng *,
    struct kiln_rsagen_stats *, struct kiln_err *);

#endif /* KILN_RSAGEN_H */
