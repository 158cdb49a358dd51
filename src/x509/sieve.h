/*
 * The sieve of kiln's RSA prime search (x509/rsagen.c), private to
 * libkiln: a window of odd candidates x, x + 2, x + 2 * 2, ... from a
 * random start x, in which every multiple of a small prime is struck out
 * before any candidate costs a modular exponentiation.
 */
#ifndef KILN_SIEVE_H
#define KILN_SIEVE_H

#include <stdint.h>

#include <mbedtls/bignum.h>

#include "kiln/err.h"

/* How many odd primes there are below 2^16: 3, 5, ..., 65521. */
#define KILN_SIEVE_PRIMES 6541

/* The public exponent of every RSA key kiln makes. */
#define KILN_RSA_E 65537

/* The largest candidate the sieve takes: half of an RSA-8192 modulus. */
#define KILN_SIEVE_MAX_BITS 4096

/*
 * A search's window holds 4 candidates per bit of the prime (rsagen.c
 * says why), so the longest is 4 * KILN_SIEVE_MAX_BITS.
 */
#define KILN_SIEVE_WINDOW_PER_BIT 4
#define KILN_SIEVE_MAX_WINDOW (KILN_SIEVE_WINDOW_PER_BIT * KILN_SIEVE_MAX_BITS)

/*
 * Every odd prime below KILN_SIEVE_BOUND strikes out its multiples.  A
 * deeper sieve leaves fewer composites for Miller-Rabin (about 1.12 /
 * ln B of the odd numbers pass it) but costs a reduction of the start
 * per prime.  Measured on a 1024-bit prime search (the candidates it
 * tests, the sieve's time per window; an exponentiation is 0.55 ms):
 *	2^16: 35.9 candidates, 0.29 ms
 *	2^19: 30.3 candidates, 1.05 ms (5.6 exponentiations fewer, 3.1 ms)
 *	2^20: 28.9 candidates, 1.8 ms (1.4 fewer again, for 0.75 ms more)
 */
#define KILN_SIEVE_BOUND_BITS 19
#define KILN_SIEVE_BOUND (UINT32_C(1) << KILN_SIEVE_BOUND_BITS)

/* How many odd primes lie between 2^16 and KILN_SIEVE_BOUND. */
#define KILN_SIEVE_BIG 36848
/* What the first gap of kiln_sieve_big_gaps counts from: 2^16 - 1. */
#define KILN_SIEVE_BIG_BASE 65535

/*
 * The odd primes below 2^16 in ascending order, KILN_SIEVE_PRIMES of
 * them, and (kiln_sieve_big_gaps) those from 2^16 to KILN_SIEVE_BOUND,
 * KILN_SIEVE_BIG of them, each as half its distance from the one before
 * (the first from KILN_SIEVE_BIG_BASE), computed by a sieve of
 * Eratosthenes on the first call (any thread may make them).  Cannot
 * fail.
 */
const uint16_t *kiln_sieve_primes(void);
const uint8_t *kiln_sieve_big_gaps(void);

/*
 * A window of candidates x + 2k, 0 <= k < window, and which of them are
 * struck out.  Caller-allocated (15 KiB); kiln_sieve_init() cannot fail,
 * kiln_sieve_free() wipes (the residues and the marks tell about a prime
 * of the key).
 */
struct kiln_sieve {
	uint16_t res[KILN_SIEVE_PRIMES]; /* x mod each prime below 2^16 */
	uint32_t res_e;                  /* x mod KILN_RSA_E */
	uint32_t window;                 /* candidates in the window */
	uint8_t out[KILN_SIEVE_MAX_WINDOW / 8]; /* bit k: x + 2k struck out */
};

void kiln_sieve_init(struct kiln_sieve *);
void kiln_sieve_free(struct kiln_sieve *);

/*
 * Start a window of "window" candidates (1 to KILN_SIEVE_MAX_WINDOW) at
 * "x", an odd integer above KILN_SIEVE_BOUND of at most
 * KILN_SIEVE_MAX_BITS bits: compute its residues and strike out every
 * candidate that has an odd prime factor below KILN_SIEVE_BOUND or is 1
 * mod KILN_RSA_E (so that gcd(p - 1, e) = 1).  Returns 0, or -1 with
 * KILN_EINVAL for an "x" or a "window" out of range.
 */
int kiln_sieve_start(
    struct kiln_sieve *, const mbedtls_mpi *, uint32_t, struct kiln_err *);

/* 1 if candidate "k" (x + 2k, k below the window) is clean, else 0. */
int kiln_sieve_clean(const struct kiln_sieve *, uint32_t);

/* The first clean candidate from "k" on, or the window if none is. */
uint32_t kiln_sieve_next(const struct kiln_sieve *, uint32_t);

#endif /* KILN_SIEVE_H */
