/*
 * The thread pool (src/pki/pool.c) and what each of its threads signs with.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "kiln/cert.h"
#include "kiln/file.h"
#include "kiln/key.h"
#include "kiln/rng.h"
#include "pki/pool.h"

TestSuite(pool, .timeout = 60);

#define MAX_JOBS 200

/* What the jobs of one run saw. */
struct seen {
	atomic_int runs[MAX_JOBS];         /* per job: how often it ran */
	atomic_int busy[POOL_MAX_THREADS]; /* per worker: running a job */
	atomic_int overlap;                /* a worker ran two jobs at once */
	atomic_int max_worker;
	long square[MAX_JOBS];    /* each job's own result */
	size_t fail[4];           /* jobs that fail; 0 ends */
	size_t slow;              /* a job that takes its time */
	size_t started[MAX_JOBS]; /* jobs in the order handed out */
	size_t n_started;
	pthread_t thread[MAX_JOBS]; /* the thread that ran each job */
};

static void
nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static int
job(void *arg, unsigned int w, size_t i, struct kiln_err *err)
{
	struct seen *s = arg;
	size_t k;
	int m;

	if (atomic_exchange(&s->busy[w], 1) != 0)
		atomic_store(&s->overlap, 1);
	m = atomic_load(&s->max_worker);
	while ((int)w > m &&
	       !atomic_compare_exchange_weak(&s->max_worker, &m, (int)w))
		;
	atomic_fetch_add(&s->runs[i], 1);
	s->thread[i] = pthread_self();
	if (s->slow != 0 && i == s->slow)
		nap_ms(50);
	s->square[i] = (long)(i * i);
	atomic_store(&s->busy[w], 0);
	for (k = 0; k < 4 && s->fail[k] != 0; k++)
		if (s->fail[k] == i)
			return kiln_err_set(err, KILN_EINVAL, "job %zu", i);
	return 0;
}

static void
start(void *arg, size_t i)
{
	struct seen *s = arg;

	s->started[s->n_started++] = i;
}

static struct seen *
seen_new(void)
{
	struct seen *s = calloc(1, sizeof(*s));

	cr_assert_not_null(s);
	return s;
}

/* Every job ran exactly once, its result in its own slot. */
static void
all_ran_once(const struct seen *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		cr_assert_eq(atomic_load(&s->runs[i]), 1,
		    "job %zu ran %d times", i, atomic_load(&s->runs[i]));
		cr_assert_eq(s->square[i], (long)(i * i));
	}
	for (; i < MAX_JOBS; i++)
		cr_assert_eq(atomic_load(&s->runs[i]), 0);
}

Test(pool, every_job_runs_exactly_once_with_its_result_in_order)
{
	static const unsigned int threads[] = {1, 2, 3, 4, 8};
	struct kiln_err err;
	struct seen *s;
	size_t t, i;

	for (t = 0; t < sizeof(threads) / sizeof(threads[0]); t++) {
		s = seen_new();
		kiln_err_clear(&err);
		cr_assert_eq(
		    pool_run(MAX_JOBS, threads[t], job, start, s, &err), 0,
		    "%s", err.msg);
		cr_assert_eq(err.code, KILN_OK);
		all_ran_once(s, MAX_JOBS);
		cr_assert_eq(atomic_load(&s->overlap), 0,
		    "a worker ran two jobs at once");
		cr_assert_lt(atomic_load(&s->max_worker), (int)threads[t]);
		/* Handed out in order, each once. */
		cr_assert_eq(s->n_started, MAX_JOBS);
		for (i = 0; i < MAX_JOBS; i++)
			cr_assert_eq(s->started[i], i);
		free(s);
	}
}

Test(pool, one_thread_runs_the_jobs_in_order_in_the_caller)
{
	struct kiln_err err;
	struct seen *s = seen_new();
	size_t i;

	kiln_err_clear(&err);
	cr_assert_eq(pool_run(20, 1, job, start, s, &err), 0);
	all_ran_once(s, 20);
	cr_assert_eq(atomic_load(&s->max_worker), 0);
	for (i = 0; i < 20; i++)
		cr_assert(pthread_equal(s->thread[i], pthread_self()));
	free(s);
}

Test(pool, more_threads_than_jobs)
{
	struct kiln_err err;
	struct seen *s = seen_new();

	kiln_err_clear(&err);
	cr_assert_eq(pool_run(3, 64, job, NULL, s, &err), 0);
	all_ran_once(s, 3);
	cr_assert_lt(atomic_load(&s->max_worker), 3);
	free(s);
}

Test(pool, zero_jobs)
{
	struct kiln_err err;
	struct seen *s = seen_new();

	kiln_err_clear(&err);
	cr_assert_eq(pool_run(0, 4, job, start, s, &err), 0);
	cr_assert_eq(pool_run(0, 1, job, start, s, NULL), 0);
	all_ran_once(s, 0);
	cr_assert_eq(s->n_started, 0);
	cr_assert_eq(err.code, KILN_OK);
	free(s);
}

/*
 * Job 3 fails late (it sleeps), jobs 7 and 40 fail at once: job 3's
 * error all the same, with any number of threads, and every job before
 * it ran.
 */
Test(pool, the_lowest_failing_job_gives_the_error)
{
	static const unsigned int threads[] = {1, 2, 4, 8};
	struct kiln_err err;
	struct seen *s;
	size_t t, i;
	int round;

	for (round = 0; round < 5; round++)
		for (t = 0; t < sizeof(threads) / sizeof(threads[0]); t++) {
			s = seen_new();
			s->fail[0] = 40;
			s->fail[1] = 7;
			s->fail[2] = 3;
			s->slow = 3;
			kiln_err_clear(&err);
			cr_assert_eq(
			    pool_run(MAX_JOBS, threads[t], job, start, s, &err),
			    -1);
			cr_assert_eq(err.code, KILN_EINVAL);
			cr_assert_str_eq(err.msg, "job 3", "%u threads: %s",
			    threads[t], err.msg);
			for (i = 0; i <= 3; i++)
				cr_assert_eq(atomic_load(&s->runs[i]), 1);
			/* Handed out in order; one thread stops at job 3. */
			for (i = 0; i < s->n_started; i++)
				cr_assert_eq(s->started[i], i);
			if (threads[t] == 1)
				cr_assert_eq(s->n_started, 4);
			free(s);
		}
}

Test(pool, one_thread_stops_at_the_first_failure)
{
	struct kiln_err err;
	struct seen *s = seen_new();

	s->fail[0] = 5;
	kiln_err_clear(&err);
	cr_assert_eq(pool_run(50, 1, job, start, s, &err), -1);
	cr_assert_str_eq(err.msg, "job 5");
	all_ran_once(s, 6);
	cr_assert_eq(s->n_started, 6);
	free(s);
}

Test(pool, a_failure_is_kept_without_an_error_to_fill)
{
	struct seen *s = seen_new();

	s->fail[0] = 1;
	cr_assert_eq(pool_run(10, 2, job, NULL, s, NULL), -1);
	free(s);
}

/* A job that fails without saying why still gives a message. */
static int
silent_failure(void *arg, unsigned int w, size_t i, struct kiln_err *err)
{
	(void)arg;
	(void)w;
	(void)err;
	return i == 2 ? -1 : 0;
}

Test(pool, a_silent_failure_is_named)
{
	struct kiln_err err;

	kiln_err_clear(&err);
	cr_assert_eq(pool_run(5, 2, silent_failure, NULL, NULL, &err), -1);
	cr_assert_str_eq(err.msg, "job 2 failed");
}

Test(pool, thread_counts)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int want = cores < 1 ? 1 : (unsigned int)cores;

	if (want > POOL_MAX_THREADS)
		want = POOL_MAX_THREADS;
	cr_assert_eq(pool_threads(1000, 0), want);
	cr_assert_eq(pool_threads(1, 0), 1);
	cr_assert_eq(pool_threads(10, 3), 3);
	cr_assert_eq(pool_threads(2, 8), 2);
	cr_assert_eq(pool_threads(0, 4), 1);
	cr_assert_eq(pool_threads(0, 0), 1);
	cr_assert_eq(pool_threads(100000, 100000), POOL_MAX_THREADS);
}

/* Signers. */

static void
read_data(const char *name, struct kiln_buf *b)
{
	char path[512];
	struct kiln_err err;

	kiln_err_clear(&err);
	snprintf(path, sizeof(path), "%s/%s", KILN_TEST_DATA, name);
	cr_assert_eq(kiln_file_read(path, b, &err), 0, "%s: %s", name, err.msg);
}

static void
load_ca(struct kiln_cert *ca, struct kiln_key *key, struct kiln_rng *rng)
{
	struct kiln_buf c, k;
	struct kiln_err err;

	kiln_buf_init(&c);
	kiln_buf_init(&k);
	kiln_err_clear(&err);
	read_data("renew/ca.pem", &c);
	read_data("renew/ca-key.pem", &k);
	cr_assert_eq(kiln_ca_load(ca, key, &c, "ca.pem", &k, "ca-key.pem", NULL,
	                 rng, &err),
	    0, "%s", err.msg);
	kiln_buf_free(&c);
	kiln_buf_free(&k);
}

Test(pool, one_signer_is_the_callers_own)
{
	struct kiln_rng rng;
	struct kiln_cert ca;
	struct kiln_key key;
	struct pool_signer *s;
	struct kiln_err err;

	kiln_rng_init(&rng);
	kiln_cert_init(&ca);
	kiln_key_init(&key);
	kiln_err_clear(&err);
	cr_assert_eq(kiln_rng_seed(&rng, "test_pool", &err), 0);
	load_ca(&ca, &key, &rng);
	s = pool_signers_new(1, &rng, &ca, &key, "test", &err);
	cr_assert_not_null(s, "%s", err.msg);
	cr_assert_eq(s->rng, &rng);
	cr_assert_eq(s->ca, &ca);
	cr_assert_eq(s->ca_key, &key);
	/* Alone, its RSA keys search on two threads as kiln's own do. */
	cr_assert_eq(s->key_threads, 0);
	pool_signers_free(s, 1);
	kiln_rng_free(&rng);
	kiln_cert_free(&ca);
	kiln_key_free(&key);
}

Test(pool, signers_have_their_own_generator_and_copy_of_the_ca)
{
	unsigned char x[3][32];
	struct kiln_rng rng;
	struct kiln_cert ca;
	struct kiln_key key;
	struct pool_signer *s;
	struct kiln_err err;
	unsigned int i, j;

	kiln_rng_init(&rng);
	kiln_cert_init(&ca);
	kiln_key_init(&key);
	kiln_err_clear(&err);
	cr_assert_eq(kiln_rng_seed(&rng, "test_pool", &err), 0);
	load_ca(&ca, &key, &rng);
	s = pool_signers_new(3, &rng, &ca, &key, "test", &err);
	cr_assert_not_null(s, "%s", err.msg);
	for (i = 0; i < 3; i++) {
		cr_assert_eq(s[i].rng, &s[i].own_rng);
		cr_assert_eq(s[i].ca, &s[i].own_ca);
		cr_assert_eq(s[i].ca_key, &s[i].own_key);
		/* Every core busy with keys already: one thread a key. */
		cr_assert_eq(s[i].key_threads, 1);
		cr_assert_eq(s[i].ca->crt.raw.len, ca.crt.raw.len);
		cr_assert_eq(
		    memcmp(s[i].ca->crt.raw.p, ca.crt.raw.p, ca.crt.raw.len),
		    0);
		cr_assert_eq(s[i].ca->ski_len, ca.ski_len);
		cr_assert_eq(kiln_key_check_pair(&ca.crt.pk, s[i].ca_key, &err),
		    0, "%s", err.msg);
		cr_assert_eq(kiln_rng_random(s[i].rng, x[i], sizeof(x[i])), 0);
		for (j = 0; j < i; j++)
			cr_assert_neq(memcmp(x[i], x[j], sizeof(x[i])), 0);
	}
	pool_signers_free(s, 3);
	/* Without a CA: generators only. */
	s = pool_signers_new(2, &rng, NULL, NULL, "test", &err);
	cr_assert_not_null(s, "%s", err.msg);
	cr_assert_null(s[1].ca);
	cr_assert_null(s[1].ca_key);
	pool_signers_free(s, 2);
	kiln_rng_free(&rng);
	kiln_cert_free(&ca);
	kiln_key_free(&key);
}

/* Children reseed from their parent on their own threads. */
static int
draw_a_lot(void *arg, unsigned int w, size_t i, struct kiln_err *err)
{
	struct pool_signer *s = arg;
	unsigned char b[16];
	int k;

	(void)i;
	for (k = 0; k < 3000; k++)
		if (kiln_rng_random(s[w].rng, b, sizeof(b)) != 0)
			return kiln_err_set(err, KILN_ECRYPTO, "draw %d", k);
	return 0;
}

Test(pool, children_reseed_from_the_parent_on_their_threads)
{
	struct kiln_rng rng;
	struct pool_signer *s;
	struct kiln_err err;

	kiln_rng_init(&rng);
	kiln_err_clear(&err);
	cr_assert_eq(kiln_rng_seed(&rng, "test_pool", &err), 0);
	s = pool_signers_new(4, &rng, NULL, NULL, "test", &err);
	cr_assert_not_null(s, "%s", err.msg);
	/* 16 x 3000 draws over 4 generators, which reseed every 10000:
	 * at least one of them reseeds. */
	cr_assert_eq(
	    pool_run(16, 4, draw_a_lot, NULL, s, &err), 0, "%s", err.msg);
	pool_signers_free(s, 4);
	kiln_rng_free(&rng);
}

Test(pool, a_child_reseeds_from_its_parent)
{
	struct kiln_rng parent, child;
	unsigned char a[32], b[32];
	struct kiln_err err;
	int i;

	kiln_rng_init(&parent);
	kiln_rng_init(&child);
	kiln_err_clear(&err);
	cr_assert_eq(kiln_rng_seed(&parent, "test_pool", &err), 0);
	cr_assert_eq(kiln_rng_seed_from(&child, &parent, "x", &err), 0);
	cr_assert_eq(child.seeded, 1);
	mbedtls_ctr_drbg_set_reseed_interval(&child.drbg, 1);
	for (i = 0; i < 4; i++) {
		cr_assert_eq(kiln_rng_random(&child, a, sizeof(a)), 0);
		cr_assert_eq(kiln_rng_random(&parent, b, sizeof(b)), 0);
		cr_assert_neq(memcmp(a, b, sizeof(a)), 0);
	}
	kiln_rng_free(&parent);
	kiln_rng_free(&child);
}

Test(pool, a_child_needs_a_seeded_parent)
{
	struct kiln_rng parent, child;
	struct kiln_err err;

	kiln_rng_init(&parent);
	kiln_rng_init(&child);
	kiln_err_clear(&err);
	cr_assert_eq(kiln_rng_seed_from(&child, &parent, "x", &err), -1);
	cr_assert_eq(err.code, KILN_ECRYPTO);
	cr_assert_str_eq(err.msg, "random generator: parent not seeded");
	kiln_rng_free(&parent);
	kiln_rng_free(&child);
}
