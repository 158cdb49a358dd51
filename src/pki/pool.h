/*
 * A small thread pool for bulk issuance: "n" independent jobs on a few
 * threads, with the error of the lowest-numbered failing job whatever
 * the scheduling, and what each thread signs with.  Private to libkiln.
 */
#ifndef KILN_POOL_H
#define KILN_POOL_H

#include <stddef.h>

#include "kiln/cert.h"
#include "kiln/err.h"
#include "kiln/key.h"
#include "kiln/rng.h"

/* The most threads a run uses, whatever it is asked for. */
#define POOL_MAX_THREADS 256

/*
 * How many threads a run of "n" jobs uses: "want", or when "want" is 0
 * the number of online cores; never more than "n" or POOL_MAX_THREADS,
 * never fewer than 1.
 */
unsigned int pool_threads(size_t, unsigned int);

/*
 * Job "i" run by worker "w" (0 to threads - 1).  A worker runs one job at
 * a time, so state indexed by "w" is never shared.  "err" is cleared
 * before each job.  Returns 0, or -1 with "err" filled.
 */
typedef int pool_job(void *, unsigned int, size_t, struct kiln_err *);

/*
 * Called as job "i" is handed out: one call at a time, "i" increasing,
 * from whichever thread takes the job.  For progress reports.
 */
typedef void pool_start(void *, size_t);

/*
 * Run jobs 0 to "n" - 1 on "threads" workers, the calling thread being
 * worker 0 (with 1, no thread is created and the jobs run in order).
 * Jobs are handed out in order and none is started once one has failed,
 * so every job numbered below a failing one has run, and the error given
 * back is that of the lowest-numbered failing job, the same with any
 * number of threads.  A thread that cannot be created leaves its share to
 * the others.  "start" may be NULL.  Never prints.  Returns 0, or -1 with
 * "err" filled.
 */
int pool_run(
    size_t, unsigned int, pool_job *, pool_start *, void *, struct kiln_err *);

/*
 * What a worker signs and draws with.  With one thread: the caller's
 * random generator, CA certificate and key themselves.  With more, each
 * worker has a generator of its own seeded from the caller's
 * (kiln_rng_seed_from) and its own copy of the CA certificate and key,
 * parsed again from their DER and PEM: mbedTLS's RSA and ECP contexts
 * keep state while they sign (blinding values, point tables) and must not
 * be used by two threads at once.
 */
struct pool_signer {
	struct kiln_rng *rng;
	/* kiln_keyreq.threads for the keys it makes: 1 when the pool has
	 * more than one worker (each key on its worker alone), else 0. */
	unsigned int key_threads;
	const struct kiln_cert *ca; /* NULL when the caller gave none */
	struct kiln_key *ca_key;    /* NULL when the caller gave none */
	struct kiln_rng own_rng;
	struct kiln_cert own_ca;
	struct kiln_key own_key;
};

/*
 * "threads" signers from the seeded "rng" and the CA "ca" with its key
 * "ca_key" (both may be NULL), "pers" personalising the workers'
 * generators.  While they live, "rng" must be left to them.  Returns the
 * array, to release with pool_signers_free(), or NULL with "err" filled.
 */
struct pool_signer *pool_signers_new(unsigned int, struct kiln_rng *,
    const struct kiln_cert *, struct kiln_key *, const char *,
    struct kiln_err *);

/* Wipe and free "n" signers.  NULL is allowed. */
void pool_signers_free(struct pool_signer *, unsigned int);

#endif /* KILN_POOL_H */
