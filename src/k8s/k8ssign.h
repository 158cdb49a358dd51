/*
 * kiln k8s -sign-csrs between its two files: k8ssign.c runs it (the
 * layout found, the CAs opened, each CSR checked and signed, NAME.crt
 * planned, one batch), k8ssignconf.c fills a kubeconfig in place.
 * Private to libkiln.
 */
#ifndef KILN_K8SSIGN_H
#define KILN_K8SSIGN_H

#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

#include "k8s/k8scerts.h"
#include "kiln/buf.h"
#include "kiln/config.h"
#include "kiln/err.h"
#include "kiln/k8s.h"
#include "kiln/rng.h"
#include "kiln/sign.h"
#include "kiln/signer.h"
#include "pki/tree.h"

/* The folders of DIR the run opens (tree_folder order). */
#define F_ROOT 0     /* DIR: the kubeconfigs, or --csr-dir's pki files */
#define F_PKI 1      /* DIR/pki */
#define F_ETCD 2     /* DIR/pki/etcd */
#define F_CSR_ETCD 3 /* DIR/etcd: --csr-dir's etcd files */

struct sign_run {
	unsigned int flags;
	time_t now;
	struct kiln_rng rng;
	struct tree tree; /* DIR */
	struct tree cat;  /* CADIR */
	/* The layout: where pki/ and pki/etcd/ are; kubeconfigs or not. */
	size_t fpki, fetcd;
	int csr_dir;
	struct kiln_signer ca[K8S_N_CAS];
	struct kiln_buf ca_pem[K8S_N_CAS];
	int opened[K8S_N_CAS], copied[K8S_N_CAS];
	struct kiln_profile profiles[K8S_N_EKUS];
	/* Each kubeconfig planned, and what was read: to replace only it. */
	struct {
		size_t file;
		struct stat st;
	} confs[8];
	size_t n_confs;
	struct kiln_k8s_result *result;
};

/*
 * Whether the private key PEM "key" (the file "shown") is the key of
 * request "sr": 1 or 0, or -1 with "err" filled.
 */
int k8s_sign_key_matches(const struct kiln_buf *, const struct kiln_signreq *,
    struct kiln_rng *, const char *, struct kiln_err *);

/*
 * The certificate PEM of CA "ca" for a file holding "old" (empty: none)
 * into "out": "old" when still right (unless KILN_K8S_FORCE), else the
 * new certificate "der" as PEM; counted as kept or issued.  Returns 0 or
 * -1.
 */
int k8s_sign_cert_pem(struct sign_run *, size_t, const struct kiln_buf *,
    const struct kiln_buf *, struct kiln_buf *, struct kiln_err *);

/*
 * Kubeconfig "def->base" of DIR, beside its CSR: its client key must be
 * the key of request "sr"; the certificate "der" (or the one there,
 * still right) and the CA go into its client-certificate-data and
 * certificate-authority-data, every other byte kept, planned 0600.
 * Returns 0 or -1.
 */
int k8s_sign_conf(struct sign_run *, const struct k8s_cert_def *,
    const struct kiln_signreq *, const struct kiln_buf *, struct kiln_err *);

#endif /* KILN_K8SSIGN_H */
