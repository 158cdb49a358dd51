/*
 * Random numbers: the platform entropy source feeding an AES-256 CTR_DRBG.
 * Every libkiln call that needs randomness takes a struct kiln_rng *, and
 * kiln_rng_random() is its mbedTLS f_rng (with the rng as p_rng).
 */
#ifndef KILN_RNG_H
#define KILN_RNG_H

#include <stddef.h>

#include <mbedtls/ctr_drbg.h>

#include "kiln/err.h"

struct kiln_rng {
	mbedtls_ctr_drbg_context drbg;
	int seeded;
};

/* Prepare "rng" for kiln_rng_seed().  Cannot fail. */
void kiln_rng_init(struct kiln_rng *);

/* Wipe and release "rng".  Safe on an initialised, unseeded rng. */
void kiln_rng_free(struct kiln_rng *);

/*
 * Seed the DRBG from the entropy source, personalised with "pers".
 * Returns 0 or -1 (KILN_ECRYPTO).
 */
int kiln_rng_seed(struct kiln_rng *, const char *, struct kiln_err *);

/*
 * Seed "child" from the seeded "parent" instead of the entropy source,
 * personalised with "pers": a worker thread's own generator.  The child
 * reseeds from the parent too, under one lock that all children share,
 * so children may be used from different threads at once; while any
 * child lives, nothing else may draw from "parent".  Returns 0 or -1
 * (KILN_ECRYPTO).
 */
int kiln_rng_seed_from(
    struct kiln_rng *, struct kiln_rng *, const char *, struct kiln_err *);

/*
 * mbedTLS f_rng: fill "out" with "len" random bytes from the seeded
 * kiln_rng "p_rng".  Returns 0 or a negative mbedTLS error
 * (MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED for NULL or a generator
 * never seeded).
 */
int kiln_rng_random(void *, unsigned char *, size_t);

#endif /* KILN_RNG_H */
