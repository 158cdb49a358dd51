#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/random.h>

#include <mbedtls/entropy.h>

#include "core/compat.h"
#include "kiln/rng.h"

void
kiln_rng_init(struct kiln_rng *rng)
{
	mbedtls_ctr_drbg_init(&rng->drbg);
	rng->seeded = 0;
}

void
kiln_rng_free(struct kiln_rng *rng)
{
	mbedtls_ctr_drbg_free(&rng->drbg); /* wipes its state */
	rng->seeded = 0;
}

/*
 * The DRBG's entropy: the kernel's generator, which is also the only
 * source mbedtls_entropy_func would poll on Linux.  Going to it directly
 * skips mbedtls_entropy_init, which in Debian's build (MBEDTLS_HAVEGE_C)
 * runs the HAVEGE collector on every start: about a million instructions,
 * half of a kiln-certinfo run.
 */
static int
from_kernel(void *unused, unsigned char *out, size_t len)
{
	ssize_t n;

	(void)unused;
	while (len > 0) {
		if ((n = getrandom(out, len, 0)) < 0) {
			if (errno == EINTR)
				continue;
			return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
		}
		out += n;
		len -= (size_t)n;
	}
	return 0;
}

int
kiln_rng_seed(struct kiln_rng *rng, const char *pers, struct kiln_err *err)
{
	int ret;

	if (kiln_compat_crypto_init() != 0)
		return kiln_err_set(
		    err, KILN_ECRYPTO, "cannot initialise the crypto library");
	ret = mbedtls_ctr_drbg_seed(&rng->drbg, from_kernel, NULL,
	    (const unsigned char *)pers, strlen(pers));
	if (ret != 0)
		return kiln_err_mbed(err, ret, "random generator");
	rng->seeded = 1;
	return 0;
}

/*
 * A child's entropy source: its parent's output.  Children seed from the
 * main thread, but reseed (every MBEDTLS_CTR_DRBG_RESEED_INTERVAL
 * requests) from whichever worker uses them, so the parent is drawn from
 * under a lock.  MBEDTLS_THREADING_C would make the DRBG lock itself, but
 * not every build of mbedTLS has it.
 */
static pthread_mutex_t parent_lock = PTHREAD_MUTEX_INITIALIZER;

static int
from_parent(void *parent, unsigned char *out, size_t len)
{
	struct kiln_rng *p = parent;
	size_t n;
	int ret = 0;

	pthread_mutex_lock(&parent_lock);
	for (; ret == 0 && len > 0; out += n, len -= n) {
		n = len < MBEDTLS_CTR_DRBG_MAX_REQUEST
		        ? len
		        : MBEDTLS_CTR_DRBG_MAX_REQUEST;
		ret = mbedtls_ctr_drbg_random(&p->drbg, out, n);
	}
	pthread_mutex_unlock(&parent_lock);
	return ret;
}

int
kiln_rng_seed_from(struct kiln_rng *child, struct kiln_rng *parent,
    const char *pers, struct kiln_err *err)
{
	int ret;

	if (!parent->seeded)
		return kiln_err_set(
		    err, KILN_ECRYPTO, "random generator: parent not seeded");
	ret = mbedtls_ctr_drbg_seed(&child->drbg, from_parent, parent,
	    (const unsigned char *)pers, strlen(pers));
	if (ret != 0)
		return kiln_err_mbed(err, ret, "random generator");
	child->seeded = 1;
	return 0;
}

int
kiln_rng_random(void *p_rng, unsigned char *out, size_t len)
{
	struct kiln_rng *rng = p_rng;

	/* No generator, or one never seeded: an error, never a crash. */
	if (rng == NULL || !rng->seeded)
		return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
	return mbedtls_ctr_drbg_random(&rng->drbg, out, len);
}
