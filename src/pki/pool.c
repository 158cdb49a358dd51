/*
 * The thread pool of bulk issuance (kiln etcd, kiln k8s, kiln renew,
 * rotate-ca's phase 2).  Jobs are coarse (a key generation, a
 * signature), so one mutex hands them out.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pki/pool.h"

unsigned int
pool_threads(size_t n, unsigned int want)
{
	long cores;

	if (want == 0) {
		cores = sysconf(_SC_NPROCESSORS_ONLN);
		want = cores < 1                  ? 1
		       : cores > POOL_MAX_THREADS ? POOL_MAX_THREADS
		                                  : (unsigned int)cores;
	}
	if (want > POOL_MAX_THREADS)
		want = POOL_MAX_THREADS;
	if (n < want)
		want = n > 0 ? (unsigned int)n : 1;
	return want;
}

/* One run, shared by its workers; every field but "lock" under "lock". */
struct run {
	pthread_mutex_t lock;
	size_t n, next;
	pool_job *job;
	pool_start *start;
	void *arg;
	int failed;
	size_t first;        /* with "failed": the lowest failing job */
	struct kiln_err err; /* and its error */
};

struct worker {
	struct run *run;
	unsigned int w;
};

/* Take jobs until none is left or one has failed. */
static void
work(struct run *r, unsigned int w)
{
	struct kiln_err e;
	size_t i;
	int ret;

	pthread_mutex_lock(&r->lock);
	while (!r->failed && r->next < r->n) {
		i = r->next++;
		if (r->start != NULL)
			r->start(r->arg, i);
		pthread_mutex_unlock(&r->lock);
		kiln_err_clear(&e);
		if ((ret = r->job(r->arg, w, i, &e)) != 0 && e.code == KILN_OK)
			kiln_err_set(&e, KILN_EINVAL, "job %zu failed", i);
		pthread_mutex_lock(&r->lock);
		/* Jobs run out of order: keep the lowest failing one. */
		if (ret != 0 && (!r->failed || i < r->first)) {
			r->failed = 1;
			r->first = i;
			r->err = e;
		}
	}
	pthread_mutex_unlock(&r->lock);
}

static void *
thread_main(void *arg)
{
	struct worker *wk = arg;

	work(wk->run, wk->w);
	return NULL;
}

int
pool_run(size_t n, unsigned int threads, pool_job *job, pool_start *start,
    void *arg, struct kiln_err *err)
{
	struct worker *workers = NULL;
	pthread_t *tids = NULL;
	struct run r;
	unsigned int i, started = 0;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	r.n = n;
	r.job = job;
	r.start = start;
	r.arg = arg;
	if (pthread_mutex_init(&r.lock, NULL) != 0)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	if (threads > n)
		threads = (unsigned int)n;
	/* Without memory for the threads, the caller works alone. */
	if (threads > 1 &&
	    ((tids = calloc(threads - 1, sizeof(*tids))) == NULL ||
	        (workers = calloc(threads - 1, sizeof(*workers))) == NULL))
		threads = 1;
	for (i = 1; i < threads; i++) {
		workers[i - 1].run = &r;
		workers[i - 1].w = i;
		if (pthread_create(
		        &tids[i - 1], NULL, thread_main, &workers[i - 1]) != 0)
			break;
		started++;
	}
	work(&r, 0);
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	pthread_mutex_destroy(&r.lock);
	if (r.failed) {
		if (err != NULL && err->code == KILN_OK)
			*err = r.err;
		goto cleanup;
	}
	rc = 0;
cleanup:
	free(tids);
	free(workers);
	return rc;
}

struct pool_signer *
pool_signers_new(unsigned int n, struct kiln_rng *rng,
    const struct kiln_cert *ca, struct kiln_key *ca_key, const char *pers,
    struct kiln_err *err)
{
	struct pool_signer *s = NULL;
	struct kiln_buf key_pem;
	char what[128];
	unsigned int i;
	int rc = -1;

	kiln_buf_init(&key_pem);
	if (ca != NULL && ca->crt.raw.p == NULL)
		ca = NULL;
	if ((s = calloc(n, sizeof(*s))) == NULL) {
		kiln_err_set(err, KILN_ENOMEM, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		s[i].key_threads = n > 1 ? 1 : 0;
		kiln_rng_init(&s[i].own_rng);
		kiln_cert_init(&s[i].own_ca);
		kiln_key_init(&s[i].own_key);
	}
	if (n == 1) {
		s->rng = rng;
		s->ca = ca;
		s->ca_key = ca_key;
		rc = 0;
		goto cleanup;
	}
	if (ca_key != NULL && kiln_key_write_pem(ca_key, &key_pem, err) == -1)
		goto cleanup;
	for (i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "%s, worker %u", pers, i);
		if (kiln_rng_seed_from(&s[i].own_rng, rng, what, err) == -1)
			goto cleanup;
		s[i].rng = &s[i].own_rng;
		if (ca != NULL) {
			if (kiln_cert_parse(&s[i].own_ca, ca->crt.raw.p,
			        ca->crt.raw.len, err) == -1)
				goto cleanup;
			s[i].ca = &s[i].own_ca;
		}
		if (ca_key != NULL) {
			if (kiln_key_parse(&s[i].own_key, key_pem.p,
			        key_pem.len, s[i].rng, err) == -1)
				goto cleanup;
			s[i].ca_key = &s[i].own_key;
		}
	}
	rc = 0;
cleanup:
	kiln_buf_free(&key_pem); /* wipes */
	if (rc == -1) {
		pool_signers_free(s, n);
		s = NULL;
	}
	return s;
}

void
pool_signers_free(struct pool_signer *s, unsigned int n)
{
	unsigned int i;

	if (s == NULL)
		return;
	for (i = 0; i < n; i++) {
		kiln_rng_free(&s[i].own_rng);
		kiln_cert_free(&s[i].own_ca);
		kiln_key_free(&s[i].own_key);
	}
	free(s);
}
