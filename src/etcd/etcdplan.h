/*
 * A kiln etcd run between its modules: etcdplan.c turns the manifest and
 * the tree that is there into a plan (pki/tree.h: every file, in the
 * order it is written, and the leaves to issue), the pool issues the
 * leaves (pki/leafpool.h), etcdrender.c renders the templates
 * (ca-config.json, etcd.yml, etcd.service), etcd.c runs the steps and
 * reports.  Private to libkiln.
 */
#ifndef KILN_ETCDPLAN_H
#define KILN_ETCDPLAN_H

#include <stddef.h>
#include <time.h>

#include "kiln/buf.h"
#include "kiln/config.h"
#include "kiln/err.h"
#include "kiln/etcd.h"
#include "kiln/rng.h"
#include "kiln/signer.h"
#include "pki/leafpool.h"
#include "pki/tree.h"
#include "pki/treeca.h"

/* The folders' places in the tree, in the order the plan adds them. */
#define F_ROOT 0
#define F_CA 1
#define F_CLIENTS 2
#define F_MEMBER(i) (3 + 3 * (i))
#define F_SSL(i) (F_MEMBER(i) + 1)
#define F_CFG(i) (F_MEMBER(i) + 2)

/* The templates etcdrender.c renders (struct tree_file's "tmpl"). */
enum etcd_template {
	ETCD_CA_CONFIG, /* ca/ca-config.json */
	ETCD_YML,       /* member "arg"'s cfg/etcd.yml */
	ETCD_SERVICE    /* member "arg"'s etcd.service */
};

/* The leaf profiles, as etcd_profiles() makes them. */
enum etcd_profile { ETCD_SERVER, ETCD_PEER, ETCD_CLIENT, ETCD_N_PROFILES };

struct etcd_run {
	const struct kiln_etcd_manifest *m;
	unsigned int flags; /* KILN_ETCD_* */
	kiln_etcd_progress *progress;
	void *progress_arg;
	size_t step, nsteps;
	struct kiln_etcd_result *result;
	time_t now;
	struct kiln_rng rng;    /* seeded by etcd_plan */
	struct tree_ca ca;      /* opened or made once: its signer, its PEM */
	struct kiln_buf ca_pem; /* its PEM again, for each member's ca.pem */
	struct kiln_profile profiles[ETCD_N_PROFILES];
	int existing_cluster; /* the CA and a member's etcd.yml were there */
	/* Each member's etcd.yml as it was, if it was there. */
	int *had_yml;
	struct kiln_buf *old_yml;
	struct tree tree;     /* the plan */
	struct leaves leaves; /* its leaves, in the order they are issued */
};

/*
 * A run of "m" into folder "dir" (both borrowed) with "flags", reporting
 * into "result" (emptied); no progress callback.  Cannot fail.
 */
void etcd_run_init(struct etcd_run *, const struct kiln_etcd_manifest *,
    const char *, unsigned int, struct kiln_etcd_result *);
/* Free what run "r" holds (its keys wiped); "result" is the caller's. */
void etcd_run_free(struct etcd_run *);

/*
 * The plan of run "r": the tree opened, what is there read (each
 * member's etcd.yml, the members that moved, the folders of members no
 * longer in the manifest), the CA opened or made, and every file and
 * leaf of the run added in order.  A file it refuses (a link, a FIFO, a
 * key another user owns) ends the run before any leaf is made.
 * Returns 0 or -1.
 */
int etcd_plan(struct etcd_run *, struct kiln_err *);

/*
 * Add file "name" of kind "kind" to folder "f" of the plan, with the
 * bytes of "data" (copied) and "mode".  Returns 0 or -1.
 */
int etcd_plan_data(struct etcd_run *, size_t, const char *, enum tree_kind,
    const struct kiln_buf *, mode_t, struct kiln_err *);

/*
 * Add file "name" to folder "f" of the plan: template "tmpl" with
 * argument "arg" (a member), rendered once the leaves are made.
 * Returns 0 or -1.
 */
int etcd_plan_template(struct etcd_run *, size_t, const char *,
    enum etcd_template, size_t, struct kiln_err *);

/*
 * DIR/ca planned (etcdca.c): reused when it exists (never replaced),
 * else the manifest's existing CA, else a new one; then ca-config.json.
 * The CA's signer is opened, its PEM and the profiles set, the result's CA
 * fields filled.  Returns 0 or -1.
 */
int etcd_plan_ca(struct etcd_run *, struct kiln_err *);

/* Step "fmt" of the run, for the progress callback. */
void etcd_progress(struct etcd_run *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* The leaf profiles of manifest "m" into "out". */
void etcd_profiles(const struct kiln_etcd_manifest *, struct kiln_profile *);

/*
 * Template file "w" of run "r" (ETCD_*), rendered into its data.
 * Returns 0 or -1.
 */
int etcd_render(const struct etcd_run *, struct tree_file *, struct kiln_err *);

/*
 * The line of "text" that starts with "key", without its newline, into
 * "out".  Returns 0, or -1 if there is none or it does not fit.
 */
int etcd_find_line(const char *, const char *, char *, size_t);

#endif /* KILN_ETCDPLAN_H */
