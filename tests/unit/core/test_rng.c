#include <string.h>

#include <criterion/criterion.h>
#include <mbedtls/ctr_drbg.h>

#include "kiln/rng.h"

TestSuite(rng);

Test(rng, two_seeded_generators_differ)
{
	struct kiln_rng a, b;
	unsigned char x[32], y[32];

	kiln_rng_init(&a);
	kiln_rng_init(&b);
	cr_assert_eq(kiln_rng_seed(&a, "a", NULL), 0);
	cr_assert_eq(kiln_rng_seed(&b, "a", NULL), 0);
	cr_assert_eq(a.seeded, 1);
	cr_assert_eq(kiln_rng_random(&a, x, sizeof(x)), 0);
	cr_assert_eq(kiln_rng_random(&b, y, sizeof(y)), 0);
	cr_assert(memcmp(x, y, sizeof(x)) != 0);
	kiln_rng_free(&a);
	kiln_rng_free(&b);
}

Test(rng, free_is_safe_without_seeding)
{
	struct kiln_rng r;

	kiln_rng_init(&r);
	kiln_rng_free(&r);
	cr_assert_eq(r.seeded, 0);
}

Test(rng, no_generator_or_an_unseeded_one_is_an_error)
{
	struct kiln_rng r;
	unsigned char x[8];

	kiln_rng_init(&r);
	cr_assert_eq(kiln_rng_random(NULL, x, sizeof(x)),
	    MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED);
	cr_assert_eq(kiln_rng_random(&r, x, sizeof(x)),
	    MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED);
	kiln_rng_free(&r);
}
