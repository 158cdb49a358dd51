/*
 * The leaves of a plan (tree.h), issued on the pool: each leaf's request
 * (a base request with its own CN, O and hosts, and a profile), what is
 * there now (its key, unless new keys are asked for, and the certificate
 * beside it), and what the pool made of it: the existing certificate
 * kept when still right, else a new one for the existing key (or a new
 * key).  Shared by the manifest kinds.  Private to libkiln.
 */
#ifndef KILN_LEAFPOOL_H
#define KILN_LEAFPOOL_H

#include <stddef.h>
#include <time.h>

#include "kiln/buf.h"
#include "kiln/cert.h"
#include "kiln/config.h"
#include "kiln/err.h"
#include "kiln/request.h"
#include "kiln/rng.h"
#include "kiln/signer.h"
#include "pki/tree.h"

enum leaf_state { LEAF_NOT_RUN, LEAF_ISSUED, LEAF_KEPT, LEAF_FAILED };

/* One leaf certificate and its key. */
struct leaf {
	/* The request: "base" with this CN, O (added to its names) and
	 * hosts, under "profile" (both borrowed). */
	const struct kiln_request *base;
	const struct kiln_profile *profile;
	char *what; /* for progress: "etcd-1 server certificate" */
	char *cn, *o;
	char **hosts;
	size_t n_hosts;
	/* Its files in a folder: "BASE.pem" and "BASE-key.pem" (kiln
	 * etcd), "NAME.crt" and "NAME.key" (kubeadm's), or a file that
	 * holds both (a kubeconfig). */
	size_t folder;
	char *cert_name, *key_name;
	char *cert_path, *key_path; /* as shown */
	/* What is there, read by leaves_add (the key wiped when freed). */
	struct kiln_buf old_key, old_cert;
	int have_key, have_cert;
	/* What the pool made: PEM. */
	struct kiln_buf cert_pem, key_pem;
	enum leaf_state state;
	struct kiln_err err; /* LEAF_FAILED: why */
};

struct leaves {
	struct leaf *v;
	size_t n;
};

void leaves_init(struct leaves *);
void leaves_free(struct leaves *);

/*
 * Add a leaf "what" for "cn" ("o" may be NULL) with "hosts" (copied),
 * "base" and "profile" (borrowed), its files "BASE.pem" and
 * "BASE-key.pem" in folder "f" of "t"; unless "fresh", read the key
 * there and, beside it, the certificate, through the folder (a link,
 * FIFO, device or hard link is refused, and the key must be the invoking
 * user's).  Returns the leaf's index, or -1 with "err" filled.
 */
long leaves_add(struct leaves *, const struct tree *, size_t, const char *,
    const char *, const char *, const char *, char *const *, size_t,
    const struct kiln_request *, const struct kiln_profile *, int,
    struct kiln_err *);

/*
 * As leaves_add, with the files named "cert" and "key" (which may be
 * one file, read once by the caller and given with
 * leaves_set_existing: then "fresh" must be 1).
 */
long leaves_add_files(struct leaves *, const struct tree *, size_t,
    const char *, const char *, const char *, const char *, const char *,
    char *const *, size_t, const struct kiln_request *,
    const struct kiln_profile *, int, struct kiln_err *);

/*
 * The key and certificate (PEM) of leaf "i" as they are now, read by
 * the caller from where they are kept (a kubeconfig): copied; a NULL or
 * empty "key" means none (a new key), a NULL or empty "cert" none
 * beside the key.  Returns 0 or -1.
 */
int leaves_set_existing(struct leaves *, size_t, const struct kiln_buf *,
    const struct kiln_buf *, struct kiln_err *);

/*
 * Plan leaf "i" into folder "f" of "t" (its own, or another where a copy
 * goes): its key (0600), then its certificate (0644).  Returns 0 or -1.
 */
int leaves_plan(
    const struct leaves *, size_t, struct tree *, size_t, struct kiln_err *);

/* The pool's settings for leaves_issue. */
struct leaves_run {
	struct kiln_signer *signer; /* the CA */
	struct kiln_rng *rng;       /* seeded; left to the pool meanwhile */
	time_t now;
	unsigned int threads; /* 0: one per online core */
	const char *pers;     /* personalises the workers' generators */
	/* Ends a refusal to keep a key: "(remove it, or HINT)". */
	const char *force_hint;
	/* Called as each leaf is handed out, or NULL. */
	void (*start)(void *, const struct leaf *);
	void *arg;
};

/*
 * Make every leaf on the pool.  A leaf's failure is left in the leaf
 * (state LEAF_FAILED, "err"), for the caller to report where a run on
 * one thread would have met it; only a failure to set the pool up is
 * returned.  Returns 0 or -1.
 */
int leaves_issue(struct leaves *, const struct leaves_run *, struct kiln_err *);

/*
 * The bytes of planned file "w" from its leaf: its key or certificate
 * PEM, moved into "w".  A leaf that failed gives its error.  Returns 0
 * or -1.
 */
int leaves_fill(struct leaves *, struct tree_file *, struct kiln_err *);

/*
 * Whether the certificate "old" (PEM) is still right: it would differ
 * from "fresh" (DER, just issued for the same key and request) only in
 * its serial number, dates and signature, and it verifies against the
 * CA "ca" now.  Shared by the pool and kiln k8s -sign-csrs.
 */
int leaf_still_right(
    const struct kiln_cert *, const struct kiln_buf *, const struct kiln_buf *);

#endif /* KILN_LEAFPOOL_H */
