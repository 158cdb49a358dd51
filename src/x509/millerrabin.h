/*
 * Miller-Rabin as FIPS 186-4 Appendix C.3 has it, for kiln's RSA prime
 * search (x509/rsagen.c), private to libkiln.
 */
#ifndef KILN_MILLERRABIN_H
#define KILN_MILLERRABIN_H

#include <stddef.h>

#include <mbedtls/bignum.h>

#include "kiln/err.h"

/*
 * The rounds of Miller-Rabin kiln gives a prime p or q of "bits" bits:
 * FIPS 186-4 Appendix C.3, Table C.2, Miller-Rabin only, whose error
 * probability matches the key's security strength: 5 rounds for p, q of
 * 1024 bits (RSA-2048, 2^-112), 4 from 1536 bits on (RSA-3072, 2^-128;
 * FIPS 186-5 Table B.1 keeps 4 for RSA-4096, 2^-144).  Not Table C.3's
 * fewer rounds for 2^-100 (4 and 3): kiln claims 2^-112 and 2^-128.
 * Every round draws its own random base (C.3.1); the sieve's trial
 * division counts as no round.
 */
int kiln_rsagen_mr_rounds(unsigned int);

/*
 * Miller-Rabin as FIPS 186-4 C.3.1 has it: up to "rounds" rounds on "w",
 * an odd number above 3, each with its own base b drawn from "f_rng" as
 * a string of len(w) bits, drawn again until 1 < b < w - 1.  The first
 * round that finds "w" composite ends the test, so a composite costs one
 * modular exponentiation; w's Montgomery constant is computed once and
 * kept for all its rounds.  No trial division: the sieve has done it.
 * "*done" gets the rounds made, the failing one included.  Returns 1 if
 * "w" passed every round (probably prime), 0 if it is composite, or -1
 * with "err" filled (an mbedTLS failure, "w" or "rounds" out of range, or
 * a generator that gave 64 bases in a row out of range).
 */
int kiln_rsagen_mr(const mbedtls_mpi *, int,
    int (*)(void *, unsigned char *, size_t), void *, int *, struct kiln_err *);

#endif /* KILN_MILLERRABIN_H */
