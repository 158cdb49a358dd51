#include <string.h>

#include "compat.h"
#include "kiln/rng.h"

void
kiln_rng_init(struct kiln_rng *rng)
{
	mbedtls_entropy_init(&rng->entropy);
	mbedtls_ctr_drbg_init(&rng->drbg);
	rng->seeded = 0;
}

void
kiln_rng_free(struct kiln_rng *rng)
{
	/* Both free functions wipe their state. */
	mbedtls_ctr_drbg_free(&rng->drbg);
	mbedtls_entropy_free(&rng->entropy);
	rng->seeded = 0;
}

int
kiln_rng_seed(struct kiln_rng *rng, const char *pers, struct kiln_err *err)
{
	int ret;

	if (kiln_compat_crypto_init() != 0)
		return kiln_err_set(
		    err, KILN_ECRYPTO, "cannot initialise the crypto library");
	ret = mbedtls_ctr_drbg_seed(&rng->drbg, mbedtls_entropy_func,
	    &rng->entropy, (const unsigned char *)pers, strlen(pers));
	if (ret != 0)
		return kiln_err_mbed(err, ret, "random generator");
	rng->seeded = 1;
	return 0;
}

int
kiln_rng_random(void *p_rng, unsigned char *out, size_t len)
{
	struct kiln_rng *rng = p_rng;

	return mbedtls_ctr_drbg_random(&rng->drbg, out, len);
}
