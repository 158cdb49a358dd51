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

/*
 * The primes from 2^16 to KILN_SIEVE_BOUND, one reduction each: too large
 * to share a 32-bit product, and too many for a long division per word
 * (that cost 115 ns a prime, about what the exponentiations it saved
 * cost).  Each is reduced by multiplication (Barrett's method): about 18
 * ns a prime (strike_big).  They are kept as half the gap from the one
 * before (at most 57 below 2^19), 36 KiB where the primes and their
 * Barrett constants took 432 KiB, which raised a key's process above its
 * 4 MiB of RSS.
 */
static uint8_t big_gap[KILN_SIEVE_BIG];

static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

/* Odd numbers per segment of the second tier's sieve of Eratosthenes. */
#define SEGMENT 16384

/*
 * The primes from 2^16 to KILN_SIEVE_BOUND, segment by segment: the odd
 * multiples of the primes below 2^16 struck out (those up to the square
 * root of KILN_SIEVE_BOUND are enough), what is left prime.  Every
 * process that makes an RSA key waits for this once, so it is kept
 * cheap: a byte per number, not a bit, for the 400,000 strikes, and no
 * branch on what is prime; the tables take 0.4 ms in all (0.72 with bits
 * and a branch).
 */
static void
make_big(void)
{
	uint8_t composite[SEGMENT]; /* composite[i]: lo + 2i has a factor */
	uint32_t lo, p, m, i, v, last = KILN_SIEVE_BIG_BASE;
	size_t k, count = 0;
	int prime;

	for (lo = (1u << 16) + 1; lo < KILN_SIEVE_BOUND; lo += 2 * SEGMENT) {
		memset(composite, 0, sizeof(composite));
		for (k = 0; k < KILN_SIEVE_PRIMES; k++) {
			p = primes[k];
			if ((uint64_t)p * p >= KILN_SIEVE_BOUND)
				break;
			/* The first odd multiple of p from lo on. */
			m = (lo + p - 1) / p * p;
			if (m % 2 == 0)
				m += p;
			/* Odd multiples lie p apart in the segment. */
			for (i = (m - lo) / 2; i < SEGMENT; i += p)
				composite[i] = 1;
		}
		/*
		 * Without a branch on composite[i], which a sixth of the
		 * numbers pass at random: every number writes the gap at
		 * "count", and only a prime moves on.
		 */
		for (i = 0; i < SEGMENT && lo + 2 * i < KILN_SIEVE_BOUND; i++) {
			v = lo + 2 * i;
			prime = !composite[i];
			big_gap[count < KILN_SIEVE_BIG ? count
			                               : KILN_SIEVE_BIG - 1] =
			    (uint8_t)((v - last) / 2);
			count += prime;
			last = prime ? v : last;
		}
	}
}

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
	make_big();
}

const uint16_t *
kiln_sieve_primes(void)
{
	(void)pthread_once(&tables_once, make_tables);
	return primes;
}

const uint8_t *
kiln_sieve_big_gaps(void)
{
	(void)pthread_once(&tables_once, make_tables);
	return big_gap;
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

/*
 * Barrett's constant for p: floor(2^64 / p), or one or two less.  The
 * double quotient is within 2^-5 of 2^64 / p (p is above 2^16), so its
 * integer part is floor(2^64 / p) or one more or less, and one is taken
 * off.
 */
static uint64_t
barrett(uint32_t p)
{
	return (uint64_t)(0x1p64 / (double)p) - 1;
}

/*
 * v mod p for v below 2^55, with m from barrett(p): the quotient's
 * estimate (v * m) / 2^64 is never above v / p and short of it by less
 * than 1 + 3v / 2^64, so one subtraction at most is left.
 */
static inline uint64_t
reduce(uint64_t v, uint32_t p, uint64_t m)
{
#ifdef __SIZEOF_INT128__
	uint64_t r = v - (uint64_t)((unsigned __int128)v * m >> 64) * p;

	return r >= p ? r - p : r;
#else
	(void)m;
	return v % p;
#endif
}

/* The powers c, c^2, c^3 and c^4 of c = 2^32 mod p. */
static void
powers(uint64_t c[4], uint32_t p, uint64_t m)
{
	c[0] = reduce(UINT64_C(1) << 32, p, m);
	c[1] = reduce(c[0] * c[0], p, m);
	c[2] = reduce(c[1] * c[0], p, m);
	c[3] = reduce(c[1] * c[1], p, m);
}

/* r * 2^128 + the four words at "w" (mod p), from the powers "c". */
static inline uint64_t
step(uint64_t r, const uint32_t *w, const uint64_t c[4], uint32_t p, uint64_t m)
{
	return reduce(
	    r * c[3] + w[0] * c[2] + w[1] * c[1] + w[2] * c[0] + w[3], p, m);
}

/*
 * Strike out the multiples of the primes from 2^16 to KILN_SIEVE_BOUND
 * among the candidates from x, in "n" 32-bit words at "w" (most
 * significant first, n a multiple of 4).  x mod p by Horner's rule four
 * words at a time, r = r * 2^128 + w0 * 2^96 + w1 * 2^64 + w2 * 2^32 +
 * w3 (mod p) with the powers of c = 2^32 mod p: each product is below
 * 2^52 and the sum below 2^55, so one reduction serves four words; two
 * primes at a time, so that their chains of multiplications overlap.
 * Each prime strikes one candidate at most, the window being shorter
 * than the prime.
 */
static void
strike_big(struct kiln_sieve *s, const uint32_t *w, size_t n)
{
	uint64_t a[4], b[4], ra, rb, ma, mb;
	uint32_t pa, pb = KILN_SIEVE_BIG_BASE;
	size_t i, j;

	for (i = 0; i + 2 <= KILN_SIEVE_BIG; i += 2) {
		pa = pb + 2 * (uint32_t)big_gap[i];
		pb = pa + 2 * (uint32_t)big_gap[i + 1];
		ma = barrett(pa);
		mb = barrett(pb);
		powers(a, pa, ma);
		powers(b, pb, mb);
		for (ra = rb = 0, j = 0; j < n; j += 4) {
			ra = step(ra, w + j, a, pa, ma);
			rb = step(rb, w + j, b, pb, mb);
		}
		strike(s, first_k((uint32_t)ra, 0, pa), pa);
		strike(s, first_k((uint32_t)rb, 0, pb), pb);
	}
	for (; i < KILN_SIEVE_BIG; i++) {
		pb += 2 * (uint32_t)big_gap[i];
		mb = barrett(pb);
		powers(b, pb, mb);
		for (rb = 0, j = 0; j < n; j += 4)
			rb = step(rb, w + j, b, pb, mb);
		strike(s, first_k((uint32_t)rb, 0, pb), pb);
	}
}

int
kiln_sieve_start(struct kiln_sieve *s, const mbedtls_mpi *x, uint32_t window,
    struct kiln_err *err)
{
	unsigned char buf[KILN_SIEVE_MAX_BITS / 8];
	uint32_t words[KILN_SIEVE_MAX_BITS / 32];
	size_t len = mbedtls_mpi_size(x), g, k, n;
	const struct group *gr;
	uint32_t r;
	int ret, rc = -1;

	(void)kiln_sieve_primes();
	if (mbedtls_mpi_cmp_int(x, KILN_SIEVE_BOUND) <= 0 ||
	    mbedtls_mpi_get_bit(x, 0) != 1 || len > sizeof(buf))
		return kiln_err_set(err, KILN_EINVAL,
		    "RSA prime candidate: not an odd number above 2^%d of at "
		    "most %d bits",
		    KILN_SIEVE_BOUND_BITS, KILN_SIEVE_MAX_BITS);
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
	 * the first: about window * 2.3 marks in all (the sum of 1/p), where
	 * updating every residue at each step cost a reduction per prime and
	 * candidate.  x is above KILN_SIEVE_BOUND, so no candidate is one of
	 * the primes itself.
	 */
	for (k = 0; k < KILN_SIEVE_PRIMES; k++)
		strike(s, first_k(s->res[k], 0, primes[k]), primes[k]);
	strike(s, first_k(s->res_e, 1, KILN_RSA_E), KILN_RSA_E);
	/*
	 * x as 32-bit words, most significant first, led by zero words to a
	 * multiple of four.
	 */
	n = (len + 15) / 16 * 4;
	memset(words, 0, sizeof(words));
	for (k = 0; k < len; k++)
		words[n - 1 - k / 4] |= (uint32_t)buf[len - 1 - k]
		                        << (8 * (k % 4));
	strike_big(s, words, n);
	rc = 0;
cleanup:
	mbedtls_platform_zeroize(buf, sizeof(buf));
	mbedtls_platform_zeroize(words, sizeof(words));
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
