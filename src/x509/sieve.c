#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <mbedtls/bignum.h>
#include <mbedtls/platform_util.h>

#include "x509/sieve.h"

/*
 * Consecutive small primes whose product fits in 32 bits.  A candidate is
 * reduced modulo the product, a long division per 32-bit word, and each
 * prime's residue then comes from that remainder: about half as many long
 * divisions as one reduction per prime.
 */
struct group {
	uint32_t mod;
	uint16_t first; /* index into primes[] */
	uint16_t count;
};

static uint16_t primes[KILN_SIEVE_PRIMES];
static struct group groups[KILN_SIEVE_PRIMES];
static size_t ngroups;
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

/* The odd primes below 2^16 (sieve of Eratosthenes), then their groups. */
static void
make_tables(void)
{
	uint8_t composite[(1u << 15) / 8]; /* bit i: is 2i + 1 composite? */
	uint32_t i, n, m;
	uint64_t prod;
	size_t count = 0, g;

	memset(composite, 0, sizeof(composite));
	for (i = 1; i < (1u << 15); i++) {
		if (composite[i / 8] & (1u << (i % 8)))
			continue;
		n = 2 * i + 1;
		if (count < KILN_SIEVE_PRIMES)
			primes[count++] = (uint16_t)n;
		/* Odd multiples below n^2 have a smaller factor. */
		for (m = n * n; m < (1u << 16); m += 2 * n)
			composite[m / 16] |= (uint8_t)(1u << (m / 2 % 8));
	}
	for (i = 0, g = 0; i < count; g++) {
		groups[g].first = (uint16_t)i;
		groups[g].count = 0;
		prod = 1;
		while (i < count && prod * primes[i] <= UINT32_MAX) {
			prod *= primes[i++];
			groups[g].count++;
		}
		groups[g].mod = (uint32_t)prod;
	}
	ngroups = g;
}

const uint16_t *
kiln_sieve_primes(void)
{
	(void)pthread_once(&tables_once, make_tables);
	return primes;
}

void
kiln_sieve_init(struct kiln_sieve *s)
{
	memset(s, 0, sizeof(*s));
}

void
kiln_sieve_free(struct kiln_sieve *s)
{
	mbedtls_platform_zeroize(s, sizeof(*s));
}

/* The big-endian number in "len" bytes at "b", modulo "m" (nonzero). */
static uint32_t
mod_bytes(const unsigned char *b, size_t len, uint32_t m)
{
	uint64_t r = 0; /* below m, so r << 32 | w fits */
	uint32_t w;
	size_t i = 0;

	for (; i < len % 4; i++)
		r = (r << 8 | b[i]) % m;
	for (; i < len; i += 4) {
		w = (uint32_t)b[i] << 24 | (uint32_t)b[i + 1] << 16 |
		    (uint32_t)b[i + 2] << 8 | b[i + 3];
		r = (r << 32 | w) % m;
	}
	return (uint32_t)r;
}

/* Strike out x + 2k for k = first, first + p, ... below the window. */
static void
strike(struct kiln_sieve *s, uint32_t first, uint32_t p)
{
	uint32_t k;

	for (k = first; k < s->window; k += p)
		s->out[k / 8] |= (uint8_t)(1u << (k % 8));
}

/*
 * The first k with r + 2k = want (mod p), for an odd p and r, want below
 * it: 2k = want - r (mod p), and halving mod p is halving an even number,
 * t or t + p.
 */
static uint32_t
first_k(uint32_t r, uint32_t want, uint32_t p)
{
	uint32_t t = want >= r ? want - r : want + p - r;

	return t % 2 == 0 ? t / 2 : (t + p) / 2;
}

int
kiln_sieve_start(struct kiln_sieve *s, const mbedtls_mpi *x, uint32_t window,
    struct kiln_err *err)
{
	unsigned char buf[KILN_SIEVE_MAX_BITS / 8];
	size_t len = mbedtls_mpi_size(x), g, k;
	const struct group *gr;
	uint32_t r;
	int ret, rc = -1;

	(void)kiln_sieve_primes();
	if (mbedtls_mpi_cmp_int(x, 1 << 16) <= 0 ||
	    mbedtls_mpi_get_bit(x, 0) != 1 || len > sizeof(buf))
		return kiln_err_set(err, KILN_EINVAL,
		    "RSA prime candidate: not an odd number above 2^16 of at "
		    "most %d bits",
		    KILN_SIEVE_MAX_BITS);
	if (window < 1 || window > KILN_SIEVE_MAX_WINDOW)
		return kiln_err_set(err, KILN_EINVAL,
		    "RSA prime search: a window of %u candidates (1 to %d)",
		    window, KILN_SIEVE_MAX_WINDOW);
	if ((ret = mbedtls_mpi_write_binary(x, buf, len)) != 0) {
		kiln_err_mbed(err, ret, "RSA prime candidate");
		goto cleanup;
	}
	for (g = 0; g < ngroups; g++) {
		gr = &groups[g];
		r = mod_bytes(buf, len, gr->mod);
		for (k = gr->first; k < (size_t)gr->first + gr->count; k++)
			s->res[k] = (uint16_t)(r % primes[k]);
	}
	s->res_e = mod_bytes(buf, len, KILN_RSA_E);
	s->window = window;
	memset(s->out, 0, sizeof(s->out));
	/*
	 * x + 2k has the factor p when r + 2k = 0 (mod p), every p-th k from
	 * the first: about window * 2.2 marks in all (the sum of 1/p), where
	 * updating every residue at each step cost 6541 per candidate.  x is
	 * above 2^16, so no candidate is a small prime itself.
	 */
	for (k = 0; k < KILN_SIEVE_PRIMES; k++)
		strike(s, first_k(s->res[k], 0, primes[k]), primes[k]);
	strike(s, first_k(s->res_e, 1, KILN_RSA_E), KILN_RSA_E);
	rc = 0;
cleanup:
	mbedtls_platform_zeroize(buf, sizeof(buf));
	return rc;
}

int
kiln_sieve_clean(const struct kiln_sieve *s, uint32_t k)
{
	return k < s->window && !(s->out[k / 8] & (1u << (k % 8)));
}

uint32_t
kiln_sieve_next(const struct kiln_sieve *s, uint32_t k)
{
	/* Whole bytes struck out are skipped eight at a time. */
	while (k < s->window) {
		if (k % 8 == 0 && s->out[k / 8] == 0xff)
			k += 8;
		else if (kiln_sieve_clean(s, k))
			return k;
		else
			k++;
	}
	return s->window;
}
