/*
 * A kiln k8s run between its modules: k8splan.c turns the manifest and
 * the tree that is there into a plan (pki/tree.h: every file in the
 * order it is written; the leaves of each CA, pki/leafpool.h), the pool
 * issues each CA's leaves, k8sconf.c renders the kubeconfigs (and reads
 * back the key and certificate of one that is there), k8s.c runs the
 * steps and reports.  Private to libkiln.
 */
#ifndef KILN_K8SPLAN_H
#define KILN_K8SPLAN_H

#include <stddef.h>
#include <time.h>

#include "k8s/k8scerts.h"
#include "kiln/buf.h"
#include "kiln/config.h"
#include "kiln/err.h"
#include "kiln/k8s.h"
#include "kiln/request.h"
#include "kiln/rng.h"
#include "pki/leafpool.h"
#include "pki/tree.h"
#include "pki/treeca.h"

#define K8S_F_ROOT 0
#define K8S_F_CA 1

/* A node's folders, and what it is. */
struct k8s_node {
	const struct kiln_k8s_node *nd;
	int control_plane;
	size_t base, pki, etcd; /* "etcd" only with stacked etcd */
};

/* A kubeconfig of the plan: its leaf (of the CA "ca"), node, kind. */
struct k8s_conf {
	size_t leaf, node;
	const struct k8s_cert_def *def;
};

struct k8s_run {
	const struct kiln_k8s_manifest *m;
	unsigned int flags; /* KILN_K8S_* */
	kiln_k8s_progress *progress;
	void *progress_arg;
	size_t step, nsteps;
	struct kiln_k8s_result *result;
	time_t now;
	struct kiln_rng rng;
	struct kiln_request careq[K8S_N_CAS]; /* each CA's request */
	struct kiln_request leafreq;          /* every leaf's base */
	struct kiln_profile ca_profile;
	struct kiln_profile profiles[K8S_N_EKUS];
	struct tree_ca cas[K8S_N_CAS];
	struct kiln_buf sa_key, sa_pub; /* the service-account pair, PEM */
	struct k8s_node *nodes;         /* control plane, then workers */
	size_t n_nodes;
	struct k8s_conf *confs;
	size_t n_confs;
	struct tree tree;
	/* Each CA's leaves.  A leaf's planned files keep the CA in their
	 * "tmpl" (unused by the leaf kinds). */
	struct leaves leaves[K8S_N_CAS];
};

/* A run of "m" into "dir" (both borrowed).  Cannot fail. */
void k8s_run_init(struct k8s_run *, const struct kiln_k8s_manifest *,
    const char *, unsigned int, struct kiln_k8s_result *);
void k8s_run_free(struct k8s_run *);

/*
 * The plan of run "r": the tree opened, the CAs opened or made, the
 * service-account key read or made, every file and leaf added in
 * order, what each existing kubeconfig holds read back.  Returns 0 or
 * -1.
 */
int k8s_plan(struct k8s_run *, struct kiln_err *);

/*
 * Kubeconfig "c" of run "r" rendered into the data of "w", once its leaf
 * is made.  Returns 0 or -1.
 */
int k8s_conf_render(const struct k8s_run *, const struct k8s_conf *,
    struct tree_file *, struct kiln_err *);

/*
 * The client key and certificate (PEM) a kubeconfig "text" embeds, read
 * with the kubeconfig reader (kiln/kubeconfig.h): the client-key-data
 * and client-certificate-data of the user it authenticates as
 * (kiln_kubeconfig_client, else the current context's user), into "key"
 * and "cert" (empty).  Either is left empty when the file is not a
 * kubeconfig the reader accepts, or the value is not there or not
 * base64.  Returns 0 or -1 (out of memory).
 */
int k8s_conf_read(const struct kiln_buf *, struct kiln_buf *, struct kiln_buf *,
    struct kiln_err *);

/*
 * What run "r" leaves behind, after its report of the files it made:
 * each file of DIR/ca/ and of the nodes' folders the plan does not make
 * (and a node's pki/etcd/ the plan has not) added to the result's files
 * as KILN_K8S_LEFT, and the folders of nodes no longer in the manifest
 * to its "gone" (k8sleft.c).  Nothing is touched.  Returns 0 or -1.
 */
int k8s_left(struct k8s_run *, struct kiln_err *);

/*
 * Each file of "t" (a kiln k8s run's, or -sign-csrs's) in order, with
 * what became of it, into the files of "res" (empty).  Returns 0 or -1.
 */
int k8s_report(
    const struct tree *, struct kiln_k8s_result *, struct kiln_err *);

/* Step "what" of the run, for the progress callback. */
void k8s_progress(struct k8s_run *, const char *);

#endif /* KILN_K8SPLAN_H */
