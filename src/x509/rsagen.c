#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/bignum.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/rsa.h>

#include "core/compat.h"
#include "x509/rsagen.h"

/*
 * A prime search draws at most MAX_DRAWS random starts, and tries the
 * KILN_SIEVE_WINDOW_PER_BIT * bits odd numbers from each before drawing
 * the next.  A window of 4 * bits odd numbers holds 4 * bits * 2 / (bits *
 * ln 2), about 11.5 primes on average, so it is empty about once in 10^5
 * windows, and all MAX_DRAWS of them practically never: the bound is
 * there so that a broken random generator ends in an error, not in a
 * loop.
 */
#define MAX_DRAWS 32

/*
 * Pairs of primes tried before giving up on FIPS 186-4's conditions on
 * the pair (|p - q| and d), which a random pair fails with a probability
 * below 2^-90.
 */
#define MAX_PAIRS 8

/*
 * Bytes of the caller's kiln_rng that seed each search's CTR_DRBG: enough
 * for its entropy input and a nonce (MBEDTLS_CTR_DRBG_ENTROPY_LEN, 48,
 * and none here; 32 and 16 where mbedTLS lacks SHA-512).
 */
#define SEED_LEN 64

/*
 * The two primes' searches, shared by the workers (the calling thread and,
 * given two threads, one more).  Each worker starts on a search of its
 * own; one that finds its prime joins the search still going, so that no
 * thread sits idle while the other searches alone.
 *
 * A job is one Miller-Rabin round.  A candidate's first round (its
 * screen) decides almost every composite; one that passes is a likely
 * prime, and its remaining rounds are jobs any worker may take, so the
 * rounds of a prime are shared too.  While a search has a likely prime it
 * hands out no new candidate: one past it would almost surely be wasted.
 *
 * Candidates are handed out in order (window, then place in the window),
 * and a search settles on the first prime in that order: a prime found
 * further on waits for the verdicts of earlier candidates still in test.
 * So a search's prime is the one a single thread would have found from
 * the same windows; two threads only find it sooner.
 *
 * Each round is its own kiln_rsagen_mr call and computes w's Montgomery
 * constant again (a division, 0.4% of an exponentiation): keeping it
 * across the four later rounds of each prime would save 0.04% of a key.
 */
#define NONE UINT64_MAX

/* A candidate handed out and not yet decided. */
struct slot {
	enum { FREE, SCREEN, LIKELY } state;
	uint64_t pos;      /* its place: window << 32 | k */
	unsigned long seq; /* its number among the search's candidates */
	int ok;            /* rounds passed */
	int left;          /* rounds not yet handed out */
	mbedtls_mpi v;     /* the candidate, once LIKELY */
};

/*
 * One prime's search, under the run's lock.  With two workers at most two
 * of its candidates are undecided at a time: a new one is handed out only
 * while none is LIKELY, so every undecided one is then in some worker's
 * test.
 */
struct hunt {
	unsigned int bits;
	int rounds; /* Miller-Rabin rounds a prime of "bits" needs */
	struct kiln_sieve sieve;
	mbedtls_mpi start; /* the window's first candidate */
	uint32_t windows;  /* windows drawn */
	uint32_t next;     /* the window's next candidate to hand out */
	int drawing;       /* a worker is drawing the next window */
	unsigned long seq; /* candidates handed out */
	struct slot slot[2];
	uint64_t best;      /* place of the first prime found, or NONE */
	unsigned long used; /* candidates handed out up to that prime */
	mbedtls_mpi prime;  /* the prime at "best" */
	int done;           /* "best" is set and nothing before it is open */
};

struct run;

/* A worker: its generator and its job. */
struct worker {
	struct run *run;
	int id;
	mbedtls_ctr_drbg_context drbg;
	unsigned char seed[SEED_LEN];
	size_t seed_left; /* bytes of "seed" not yet given to the DRBG */
	mbedtls_mpi job;  /* the candidate it tests */
	int hunt;         /* and its search, or -1 */
	uint64_t pos;     /* and its place there */
	int screen;       /* 1: the candidate's first round */
};

struct run {
	pthread_mutex_t lock;
	pthread_cond_t drawn; /* a window was drawn */
	struct hunt hunt[2];
	struct worker worker[2];
	int failed;
	struct kiln_err err; /* the first failure */
	struct kiln_rsagen_stats stats;
};

static void
run_init(struct run *r, unsigned int bits)
{
	int i, j;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < 2; i++) {
		r->hunt[i].bits = bits;
		r->hunt[i].rounds = kiln_rsagen_mr_rounds(bits);
		kiln_sieve_init(&r->hunt[i].sieve);
		mbedtls_mpi_init(&r->hunt[i].start);
		mbedtls_mpi_init(&r->hunt[i].prime);
		for (j = 0; j < 2; j++)
			mbedtls_mpi_init(&r->hunt[i].slot[j].v);
		r->worker[i].run = r;
		r->worker[i].id = i;
		mbedtls_ctr_drbg_init(&r->worker[i].drbg);
		mbedtls_mpi_init(&r->worker[i].job);
		r->worker[i].hunt = -1;
	}
	kiln_err_clear(&r->err);
}

static void
run_free(struct run *r)
{
	int i, j;

	/* All of these wipe. */
	for (i = 0; i < 2; i++) {
		kiln_sieve_free(&r->hunt[i].sieve);
		mbedtls_mpi_free(&r->hunt[i].start);
		mbedtls_mpi_free(&r->hunt[i].prime);
		for (j = 0; j < 2; j++)
			mbedtls_mpi_free(&r->hunt[i].slot[j].v);
		mbedtls_ctr_drbg_free(&r->worker[i].drbg);
		mbedtls_platform_zeroize(
		    r->worker[i].seed, sizeof(r->worker[i].seed));
		mbedtls_mpi_free(&r->worker[i].job);
	}
}

/* Ready both searches for a new pair of primes. */
static int
run_reset(struct run *r)
{
	struct hunt *h;
	int i, j, ret;

	for (i = 0; i < 2; i++) {
		h = &r->hunt[i];
		h->windows = h->next = 0;
		h->drawing = h->done = 0;
		h->seq = h->used = 0;
		for (j = 0; j < 2; j++)
			h->slot[j].state = FREE;
		h->best = NONE;
		if ((ret = mbedtls_mpi_lset(&h->prime, 0)) != 0)
			return kiln_err_mbed(
			    &r->err, ret, "RSA key generation");
	}
	return 0;
}

/*
 * The CTR_DRBG's entropy source: the seed, given once.  A reseed finds
 * nothing left and fails; it would take 10,000 requests
 * (MBEDTLS_CTR_DRBG_RESEED_INTERVAL), and a key takes a few hundred.
 */
static int
seed_entropy(void *p, unsigned char *out, size_t len)
{
	struct worker *w = p;
	unsigned char *from = w->seed + sizeof(w->seed) - w->seed_left;

	if (len > w->seed_left)
		return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
	memcpy(out, from, len);
	mbedtls_platform_zeroize(from, len);
	w->seed_left -= len;
	return 0;
}

/*
 * Seed the worker's DRBG from "rng", on the calling thread: mbedTLS
 * contexts are not shared between threads, whether or not it was built
 * with MBEDTLS_THREADING_C.
 */
static int
worker_seed(struct worker *w, struct kiln_rng *rng, const char *pers,
    struct kiln_err *err)
{
	int ret, rc = -1;

	if ((ret = kiln_rng_random(rng, w->seed, sizeof(w->seed))) != 0) {
		kiln_err_mbed(err, ret, "RSA key generation: random generator");
		goto cleanup;
	}
	w->seed_left = sizeof(w->seed);
	ret = mbedtls_ctr_drbg_seed(&w->drbg, seed_entropy, w,
	    (const unsigned char *)pers, strlen(pers));
	if (ret != 0) {
		kiln_err_mbed(err, ret, "RSA key generation: random generator");
		goto cleanup;
	}
	rc = 0;
cleanup:
	mbedtls_platform_zeroize(w->seed, sizeof(w->seed));
	w->seed_left = 0;
	return rc;
}

/*
 * A new window for "h" from worker "w"'s generator: a random odd start
 * of exactly h->bits bits, the top two set, and its sieve.  Called
 * without the lock, while h->drawing keeps the other worker away.
 */
static int
draw(struct hunt *h, struct worker *w, struct kiln_err *err)
{
	size_t len = (h->bits + 7) / 8;
	int ret;

	if ((ret = mbedtls_mpi_fill_random(
	         &h->start, len, mbedtls_ctr_drbg_random, &w->drbg)) != 0 ||
	    (ret = mbedtls_mpi_shift_r(&h->start, len * 8 - h->bits)) != 0 ||
	    (ret = mbedtls_mpi_set_bit(&h->start, h->bits - 1, 1)) != 0 ||
	    (ret = mbedtls_mpi_set_bit(&h->start, h->bits - 2, 1)) != 0 ||
	    (ret = mbedtls_mpi_set_bit(&h->start, 0, 1)) != 0)
		return kiln_err_mbed(err, ret, "RSA key generation");
	return kiln_sieve_start(
	    &h->sieve, &h->start, KILN_SIEVE_WINDOW_PER_BIT * h->bits, err);
}

/* Under the lock: the run has failed, with "e" unless it had already. */
static void
fail(struct run *r, const struct kiln_err *e)
{
	if (!r->failed)
		r->err = *e;
	r->failed = 1;
}

/* The undecided candidate of "h" at "pos", or NULL. */
static struct slot *
slot_at(struct hunt *h, uint64_t pos)
{
	int i;

	for (i = 0; i < 2; i++)
		if (h->slot[i].state != FREE && h->slot[i].pos == pos)
			return &h->slot[i];
	return NULL;
}

/* The first likely prime of "h" with rounds to hand out, or NULL. */
static struct slot *
slot_round(struct hunt *h)
{
	struct slot *s = NULL;
	int i;

	for (i = 0; i < 2; i++)
		if (h->slot[i].state == LIKELY && h->slot[i].left > 0 &&
		    (s == NULL || h->slot[i].pos < s->pos))
			s = &h->slot[i];
	return s;
}

/* Whether "h" has a likely prime, or an undecided candidate at all. */
static int
slot_any(const struct hunt *h, int likely_only)
{
	int i;

	for (i = 0; i < 2; i++)
		if (h->slot[i].state == LIKELY ||
		    (!likely_only && h->slot[i].state != FREE))
			return 1;
	return 0;
}

enum act { NOTHING, WAIT, DRAW, SCREEN_NEXT, ROUND };

/*
 * Under the lock: what worker "w" should do next, in which search ("*hp"):
 * from its own search first, another round of a likely prime, else a new
 * candidate, or a new window when the current one is spent.  WAIT: only
 * a window being drawn may bring work; NOTHING: no search has any.
 */
static enum act
choose(struct run *r, const struct worker *w, struct hunt **hp)
{
	struct hunt *h;
	enum act act = NOTHING;
	int i;

	for (i = 0; i < 2; i++) {
		*hp = h = &r->hunt[(w->id + i) % 2];
		if (h->done)
			continue;
		if (slot_round(h) != NULL)
			return ROUND;
		if (h->best != NONE || slot_any(h, 1))
			continue;
		if (h->drawing) {
			act = WAIT;
			continue;
		}
		if (h->windows == 0 ||
		    kiln_sieve_next(&h->sieve, h->next) == h->sieve.window)
			return DRAW;
		return SCREEN_NEXT;
	}
	return act;
}

/*
 * Under the lock: give "w" the next candidate of "h" (none if it lies
 * past 2^bits, which spends the window).  Returns 0, or -1 with "e".
 */
static int
hand_screen(struct hunt *h, struct worker *w, int hunt, struct kiln_err *e)
{
	uint32_t k = kiln_sieve_next(&h->sieve, h->next);
	struct slot *s;
	int ret;

	h->next = k + 1;
	ret = mbedtls_mpi_add_int(&w->job, &h->start, 2 * (mbedtls_mpi_sint)k);
	if (ret != 0)
		return kiln_err_mbed(e, ret, "RSA key generation");
	if (mbedtls_mpi_bitlen(&w->job) != h->bits) {
		h->next = h->sieve.window;
		return 0;
	}
	s = h->slot[0].state == FREE ? &h->slot[0] : &h->slot[1];
	if (s->state != FREE) /* see struct hunt */
		return kiln_err_set(e, KILN_ECRYPTO,
		    "RSA key generation: more candidates open than workers");
	s->state = SCREEN;
	s->pos = (uint64_t)h->windows << 32 | k;
	s->seq = ++h->seq;
	s->ok = s->left = 0;
	w->hunt = hunt;
	w->pos = s->pos;
	w->screen = 1;
	return 0;
}

/* Under the lock: give "w" a round of the first likely prime of "h". */
static int
hand_round(struct hunt *h, struct worker *w, int hunt, struct kiln_err *e)
{
	struct slot *s = slot_round(h);
	int ret;

	if ((ret = mbedtls_mpi_copy(&w->job, &s->v)) != 0)
		return kiln_err_mbed(e, ret, "RSA key generation");
	s->left--;
	w->hunt = hunt;
	w->pos = s->pos;
	w->screen = 0;
	return 0;
}

/*
 * Under the lock: worker "w"'s round ended with "got" (1 passed, 0
 * failed), after "done" exponentiations.  A composite's candidate is
 * dropped; a prime's last round settles its search on it if it comes
 * first, and drops every candidate after it.  Returns 0, or -1 with "e".
 */
static int
report(struct run *r, struct worker *w, int got, int done, struct kiln_err *e)
{
	struct hunt *h = &r->hunt[w->hunt];
	struct slot *s = slot_at(h, w->pos);
	int i, ret;

	w->hunt = -1;
	r->stats.rounds += (unsigned long)done;
	if (w->screen) {
		r->stats.tested++;
		r->stats.composites += got == 0;
	}
	if (s == NULL) {
		/* Dropped meanwhile: a screen's waste is counted at the end. */
		if (!w->screen)
			r->stats.wasted += (unsigned long)done;
	} else if (got == 0) {
		s->state = FREE;
	} else if (++s->ok < h->rounds) {
		if (w->screen) {
			if ((ret = mbedtls_mpi_copy(&s->v, &w->job)) != 0)
				return kiln_err_mbed(
				    e, ret, "RSA key generation");
			s->state = LIKELY;
			s->left = h->rounds - 1;
		}
	} else {
		/* Every round passed: a prime. */
		if (s->pos < h->best) {
			if ((ret = mbedtls_mpi_copy(&h->prime, &w->job)) != 0)
				return kiln_err_mbed(
				    e, ret, "RSA key generation");
			/*
			 * The prime settled on before lies past this one: its
			 * rounds after the first were not needed (the first is
			 * past "used").
			 */
			if (h->best != NONE)
				r->stats.wasted += (unsigned long)h->rounds - 1;
			h->best = s->pos;
			h->used = s->seq;
		}
		s->state = FREE;
		for (i = 0; i < 2; i++) {
			s = &h->slot[i];
			if (s->state == FREE || s->pos < h->best)
				continue;
			/* Past the prime: the rounds it passed were wasted. */
			if (s->state == LIKELY)
				r->stats.wasted += (unsigned long)(s->ok - 1);
			s->state = FREE;
		}
	}
	h->done = h->best != NONE && !slot_any(h, 0);
	return 0;
}

/*
 * Take jobs and do them until no search has one to hand out.  Everything
 * shared is read and written under r->lock, which is released for the
 * two slow steps: drawing a window and a Miller-Rabin round.
 */
static void
work(struct worker *w)
{
	struct run *r = w->run;
	struct kiln_err e;
	struct hunt *h;
	enum act act;
	int got, done;

	pthread_mutex_lock(&r->lock);
	while (!r->failed) {
		if ((act = choose(r, w, &h)) == NOTHING)
			break;
		if (act == WAIT) {
			pthread_cond_wait(&r->drawn, &r->lock);
			continue;
		}
		kiln_err_clear(&e);
		if (act == DRAW) {
			if (h->windows == MAX_DRAWS) {
				kiln_err_set(&e, KILN_ECRYPTO,
				    "RSA key generation: no prime of %u bits "
				    "in %d windows",
				    h->bits, MAX_DRAWS);
				fail(r, &e);
				break;
			}
			h->drawing = 1;
			pthread_mutex_unlock(&r->lock);
			got = draw(h, w, &e);
			pthread_mutex_lock(&r->lock);
			h->drawing = 0;
			pthread_cond_broadcast(&r->drawn);
			if (got == -1) {
				fail(r, &e);
				break;
			}
			h->windows++;
			h->next = 0;
			r->stats.windows++;
			continue;
		}
		got = act == ROUND ? hand_round(h, w, (int)(h - r->hunt), &e)
		                   : hand_screen(h, w, (int)(h - r->hunt), &e);
		if (got == -1) {
			fail(r, &e);
			break;
		}
		if (w->hunt < 0) /* past 2^bits */
			continue;
		pthread_mutex_unlock(&r->lock);
		got = kiln_rsagen_mr(
		    &w->job, 1, mbedtls_ctr_drbg_random, &w->drbg, &done, &e);
		pthread_mutex_lock(&r->lock);
		if (got == -1 || report(r, w, got, done, &e) == -1) {
			fail(r, &e);
			break;
		}
	}
	pthread_mutex_unlock(&r->lock);
}

static void *
worker_main(void *arg)
{
	work(arg);
	return NULL;
}

/*
 * Find both primes: on two workers when "threads" is 2 or more and the
 * second thread starts, else on the calling thread alone, one search
 * after the other.  Returns 0, or -1 with r->err filled.
 */
static int
run_pair(struct run *r, int threads)
{
	pthread_t tid;
	int started, i;

	if (run_reset(r) == -1)
		return -1;
	started = threads >= 2 &&
	          pthread_create(&tid, NULL, worker_main, &r->worker[1]) == 0;
	work(&r->worker[0]);
	if (started)
		(void)pthread_join(tid, NULL);
	if (r->failed)
		return -1;
	for (i = 0; i < 2; i++) {
		/* Candidates screened past the prime. */
		r->stats.wasted += r->hunt[i].seq - r->hunt[i].used;
		r->stats.used += r->hunt[i].used;
	}
	r->stats.pairs++;
	return 0;
}

/*
 * d = e^-1 mod L, L = lcm(p - 1, q - 1): FIPS 186-4 B.3.1 criterion
 * 3(b).  e is prime and does not divide L (the sieve has seen to it), so
 * k = -L^-1 mod e is a one-word number that makes 1 + kL a multiple of e,
 * and d = (1 + kL) / e is below L with ed = 1 mod L.  That takes a gcd,
 * two multiplications and two divisions, where mbedtls_rsa_complete runs
 * a binary inversion modulo the 2048-bit L (4 M instructions, 0.4% of a
 * key).
 */
static int
private_exponent(mbedtls_mpi *d, const mbedtls_mpi *p, const mbedtls_mpi *q)
{
	mbedtls_mpi p1, q1, g, l;
	mbedtls_mpi_uint r, rem;
	uint64_t inv = 1, base;
	unsigned int x;
	int ret;

	mbedtls_mpi_init(&p1);
	mbedtls_mpi_init(&q1);
	mbedtls_mpi_init(&g);
	mbedtls_mpi_init(&l);
	if ((ret = mbedtls_mpi_sub_int(&p1, p, 1)) != 0 ||
	    (ret = mbedtls_mpi_sub_int(&q1, q, 1)) != 0 ||
	    (ret = mbedtls_mpi_gcd(&g, &p1, &q1)) != 0 ||
	    (ret = mbedtls_mpi_mul_mpi(&l, &p1, &q1)) != 0 ||
	    (ret = mbedtls_mpi_div_mpi(&l, NULL, &l, &g)) != 0 ||
	    (ret = mbedtls_mpi_mod_int(&r, &l, KILN_RSA_E)) != 0)
		goto cleanup;
	if (r == 0) {
		ret = MBEDTLS_ERR_MPI_NOT_ACCEPTABLE;
		goto cleanup;
	}
	/* r^(e - 2) = r^-1 mod the prime e. */
	for (base = r, x = KILN_RSA_E - 2; x != 0; x >>= 1) {
		if (x & 1)
			inv = inv * base % KILN_RSA_E;
		base = base * base % KILN_RSA_E;
	}
	if ((ret = mbedtls_mpi_mul_int(
	         d, &l, (mbedtls_mpi_uint)(KILN_RSA_E - inv))) != 0 ||
	    (ret = mbedtls_mpi_add_int(d, d, 1)) != 0 ||
	    (ret = mbedtls_mpi_mod_int(&rem, d, KILN_RSA_E)) != 0)
		goto cleanup;
	if (rem != 0) { /* cannot be, unless the arithmetic above is wrong */
		ret = MBEDTLS_ERR_MPI_NOT_ACCEPTABLE;
		goto cleanup;
	}
	ret = mbedtls_mpi_div_int(d, NULL, d, KILN_RSA_E);
cleanup:
	/* All of these wipe: they tell about the key. */
	mbedtls_mpi_free(&p1);
	mbedtls_mpi_free(&q1);
	mbedtls_mpi_free(&g);
	mbedtls_mpi_free(&l);
	return ret;
}

int
kiln_rsagen(mbedtls_rsa_context *rsa, unsigned int nbits, int threads,
    struct kiln_rng *rng, struct kiln_rsagen_stats *stats, struct kiln_err *err)
{
	unsigned int half = nbits / 2;
	struct run *r = NULL;
	mbedtls_rsa_context tmp;
	mbedtls_mpi *p, *q;
	mbedtls_mpi e, n, d, diff, bound;
	int locks = 0, pair, ret, rc = -1;

	kiln_rsa_init(&tmp);
	mbedtls_mpi_init(&e);
	mbedtls_mpi_init(&n);
	mbedtls_mpi_init(&d);
	mbedtls_mpi_init(&diff);
	mbedtls_mpi_init(&bound);
	if (stats != NULL)
		memset(stats, 0, sizeof(*stats));
	if (nbits < 2048 || nbits > 8192 || nbits % 2 != 0) {
		kiln_err_set(err, KILN_EINVAL,
		    "RSA key size %u: not an even number from 2048 to 8192",
		    nbits);
		goto cleanup;
	}
	/* 31 KiB, two sieves: off the stack of whatever thread calls. */
	if ((r = malloc(sizeof(*r))) == NULL) {
		kiln_err_set(err, KILN_ENOMEM, "out of memory");
		goto cleanup;
	}
	run_init(r, half);
	if (pthread_mutex_init(&r->lock, NULL) != 0) {
		kiln_err_set(err, KILN_ENOMEM, "out of memory");
		goto cleanup;
	}
	if (pthread_cond_init(&r->drawn, NULL) != 0) {
		pthread_mutex_destroy(&r->lock);
		kiln_err_set(err, KILN_ENOMEM, "out of memory");
		goto cleanup;
	}
	locks = 1;
	p = &r->hunt[0].prime;
	q = &r->hunt[1].prime;
	if (threads <= 0)
		threads = sysconf(_SC_NPROCESSORS_ONLN) >= 2 ? 2 : 1;
	if (worker_seed(&r->worker[0], rng, "kiln rsagen worker 0", err) ==
	        -1 ||
	    worker_seed(&r->worker[1], rng, "kiln rsagen worker 1", err) == -1)
		goto cleanup;
	if ((ret = mbedtls_mpi_lset(&e, KILN_RSA_E)) != 0) {
		kiln_err_mbed(err, ret, "RSA key generation");
		goto cleanup;
	}
	for (pair = 0; pair < MAX_PAIRS; pair++) {
		if (run_pair(r, threads) == -1) {
			if (err != NULL && err->code == KILN_OK)
				*err = r->err;
			goto cleanup;
		}
		/* p > q, as mbedtls_rsa_gen_key leaves them. */
		r->stats.offset_p = (uint32_t)r->hunt[0].best;
		r->stats.offset_q = (uint32_t)r->hunt[1].best;
		if (mbedtls_mpi_cmp_mpi(p, q) < 0) {
			mbedtls_mpi_swap(p, q);
			r->stats.offset_p = (uint32_t)r->hunt[1].best;
			r->stats.offset_q = (uint32_t)r->hunt[0].best;
		}
		/* n = pq, then FIPS 186-4's checks on the pair. */
		if ((ret = mbedtls_mpi_mul_mpi(&n, p, q)) != 0 ||
		    (ret = mbedtls_mpi_sub_mpi(&diff, p, q)) != 0 ||
		    (ret = mbedtls_mpi_lset(&bound, 0)) != 0 ||
		    (ret = mbedtls_mpi_set_bit(&bound, half - 100, 1)) != 0) {
			kiln_err_mbed(err, ret, "RSA key generation");
			goto cleanup;
		}
		/* Two primes of nbits / 2 bits, the top two set: nbits. */
		if (mbedtls_mpi_bitlen(&n) != nbits)
			continue;
		/* B.3.3 step 5.4: |p - q| > 2^(nlen/2 - 100). */
		if (mbedtls_mpi_cmp_mpi(&diff, &bound) <= 0)
			continue;
		if ((ret = private_exponent(&d, p, q)) != 0 ||
		    (ret = mbedtls_mpi_lset(&bound, 0)) != 0 ||
		    (ret = mbedtls_mpi_set_bit(&bound, half, 1)) != 0) {
			kiln_err_mbed(err, ret, "RSA key generation");
			goto cleanup;
		}
		/* B.3.1 criterion 3(a): d > 2^(nlen/2). */
		if (mbedtls_mpi_cmp_mpi(&d, &bound) <= 0)
			continue;
		break;
	}
	if (pair == MAX_PAIRS) {
		kiln_err_set(err, KILN_ECRYPTO,
		    "RSA key generation: no pair of primes met FIPS 186-4 in "
		    "%d tries",
		    MAX_PAIRS);
		goto cleanup;
	}
	/*
	 * mbedtls_rsa_complete adds the CRT values (DP, DQ, QP) to n and d,
	 * and mbedtls_rsa_check_privkey checks them all, without another
	 * primality test (no generator given): the public key, n = pq, ed =
	 * 1 mod p - 1 and q - 1, and the CRT values.
	 */
	if ((ret = mbedtls_rsa_import(&tmp, &n, p, q, &d, &e)) != 0 ||
	    (ret = mbedtls_rsa_complete(&tmp)) != 0 ||
	    (ret = mbedtls_rsa_check_privkey(&tmp)) != 0 ||
	    (ret = mbedtls_rsa_copy(rsa, &tmp)) != 0) {
		kiln_err_mbed(err, ret, "RSA key generation");
		goto cleanup;
	}
	rc = 0;
cleanup:
	if (r != NULL && stats != NULL)
		*stats = r->stats;
	/* All of these wipe what they held. */
	if (locks) {
		pthread_cond_destroy(&r->drawn);
		pthread_mutex_destroy(&r->lock);
	}
	if (r != NULL) {
		run_free(r);
		mbedtls_platform_zeroize(r, sizeof(*r));
		free(r);
	}
	mbedtls_rsa_free(&tmp);
	mbedtls_mpi_free(&e);
	mbedtls_mpi_free(&n);
	mbedtls_mpi_free(&d);
	mbedtls_mpi_free(&diff);
	mbedtls_mpi_free(&bound);
	return rc;
}
