/*
 * kiln k8s: a whole Kubernetes PKI, laid out as kubeadm lays out each
 * node's /etc/kubernetes, and its kubeconfigs, from one manifest
 * (kiln-config(5), "The Kubernetes manifest"; kiln-k8s(1)).
 */
#ifndef KILN_K8S_H
#define KILN_K8S_H

#include <stddef.h>
#include <stdint.h>

#include "kiln/err.h"
#include "kiln/key.h"

/* A node: a control-plane node or a worker. */
struct kiln_k8s_node {
	char *name;   /* its folder, its kubelet's system:node:NAME */
	char *ip;     /* as written in the manifest */
	char **hosts; /* control-plane: extra SANs of its serving certs */
	size_t n_hosts;
};

enum kiln_k8s_etcd {
	KILN_K8S_ETCD_STACKED, /* etcd on the control-plane nodes: etcd-ca */
	KILN_K8S_ETCD_EXTERNAL /* none of kubeadm's etcd certificates */
};

struct kiln_k8s_manifest {
	char *cluster_name;    /* "kubernetes" */
	char *endpoint_host;   /* control_plane_endpoint's host, or NULL */
	int endpoint_port;     /* its port: 6443 */
	char *service_cidr;    /* "10.96.0.0/12" */
	char service_ip[64];   /* its first address: "10.96.0.1" */
	char *dns_domain;      /* "cluster.local" */
	char **apiserver_sans; /* apiserver_extra_sans */
	size_t n_apiserver_sans;
	struct kiln_keyreq key; /* every key but sa.key: rsa 2048 */
	int64_t ca_expiry;      /* ns: 87600h */
	int64_t expiry;         /* ns: leaves and kubeconfigs, 8760h */
	enum kiln_k8s_etcd etcd;
	struct kiln_k8s_node *control_plane;
	size_t n_control_plane;
	struct kiln_k8s_node *workers;
	size_t n_workers;
	/*
	 * How the caller's user makes new keys ("use -force"), ending the
	 * refusal of an existing key the run cannot keep; NULL: "make new
	 * keys".  Set by the caller, borrowed.
	 */
	const char *force_hint;
};

void kiln_k8s_manifest_init(struct kiln_k8s_manifest *);
void kiln_k8s_manifest_free(struct kiln_k8s_manifest *);

/*
 * Parse and check manifest JSON ("len" bytes, NUL-terminated): kiln's
 * strict format (an unknown key is refused, naming the nearest known
 * one).  Every error names its field ("workers[2].ip: ...").  Returns 0
 * or -1.
 */
int kiln_k8s_manifest_parse(
    struct kiln_k8s_manifest *, const char *, size_t, struct kiln_err *);

/* What the run did (or, with KILN_K8S_DRY_RUN, would do) to a file. */
enum kiln_k8s_fate {
	KILN_K8S_NEW,     /* written where nothing was */
	KILN_K8S_CHANGED, /* written over a file that held something else */
	KILN_K8S_KEPT,    /* it holds exactly this already: untouched */
	KILN_K8S_RESET,   /* rewritten with the same bytes, for its mode */
	/*
	 * Left behind, untouched: a file in DIR/ca/, a node's pki/ or
	 * pki/etcd/ (*.crt, *.key, *.pub) or a node's folder (*.conf), or
	 * a node's pki/etcd/ folder, that the run no longer makes.
	 */
	KILN_K8S_LEFT
};

struct kiln_k8s_file {
	char *path; /* as the run names it: "DIR/cp-1/pki/apiserver.crt" */
	enum kiln_k8s_fate fate;
	unsigned int was, now; /* KILN_K8S_RESET: the modes */
};

/* A folder of DIR for a node no longer in the manifest. */
struct kiln_k8s_gone {
	char *name;      /* the folder's name, the node's */
	char *path;      /* "DIR/w-3" */
	int has_ca_keys; /* its pki/ still holds ca.key (a control plane's) */
};

/* What a run did, for the caller to report. */
struct kiln_k8s_result {
	size_t issued, kept; /* certificates, the CAs' included */
	/*
	 * Every file in the order written, then what is left behind
	 * (KILN_K8S_LEFT): each folder's, sorted, in the plan's order.
	 */
	struct kiln_k8s_file *files;
	size_t n_files;
	/* kiln_k8s_sign_csrs: CSRs there that are not kubeadm's, as shown,
	 * left alone. */
	char **ignored;
	size_t n_ignored;
	/*
	 * The folders of DIR, other than ca/, holding a regular
	 * kubelet.conf and named after no node of the manifest, sorted.
	 */
	struct kiln_k8s_gone *gone;
	size_t n_gone;
};

void kiln_k8s_result_init(struct kiln_k8s_result *);
void kiln_k8s_result_free(struct kiln_k8s_result *);

/* Called before each certificate is made: "i" of "n", and which. */
typedef void kiln_k8s_progress(void *, size_t, size_t, const char *);

#define KILN_K8S_FORCE 0x1   /* new keys and certificates for every leaf */
#define KILN_K8S_DRY_RUN 0x2 /* decide everything, write and make nothing */

/*
 * Write the PKI of "m" into folder "dir" (created if missing): DIR/ca/
 * with the CAs and the service-account key pair, one folder per node
 * laid out as its /etc/kubernetes (pki/ and the kubeconfigs).  Existing
 * CAs are never replaced; valid keys and certificates (those inside
 * kubeconfigs too) are kept byte for byte.  Leaves are made on
 * "threads" threads (0: one per online core).  Nothing is written unless
 * everything could be made.  "result" lists every file with what became
 * of it, what the run left behind, and the folders of nodes no longer in
 * the manifest (left as they are).  With KILN_K8S_DRY_RUN every decision
 * is taken and "result" filled as a real run would, but no folder is made
 * and no file written.  "progress" may be NULL.  Returns 0 or -1.
 */
int kiln_k8s_build(const struct kiln_k8s_manifest *, const char *, unsigned int,
    unsigned int, kiln_k8s_progress *, void *, struct kiln_k8s_result *,
    struct kiln_err *);

/*
 * kubeadm's external-CA mode: sign the CSRs `kubeadm certs generate-csr
 * --cert-dir DIR/pki --kubeconfig-dir DIR` wrote into folder "dir" (a
 * node's /etc/kubernetes), or `kubeadm init phase certs --csr-only
 * --csr-dir DIR` (NAME.csr and etcd/NAME.csr in "dir" itself, no
 * kubeconfig; told apart by where kubeadm's CSR names are, both at once
 * refused), with the CAs kiln k8s keeps in folder "cadir"
 * (ca, front-proxy-ca, etcd-ca: BASE.crt and BASE.key), each under
 * kubeadm's profile for its file name (kiln-k8s(1) has the table): the
 * CA, key usages and EKUs are the profile's, valid "expiry" ns (0: one
 * year).  A request whose subject is not the profile's (its CN and O;
 * the node's name where kubeadm puts it), that has SANs where kubeadm's
 * certificate has none, asks to be a CA, or whose key is not the one
 * beside it (NAME.key, or the kubeconfig's client-key-data) is refused,
 * and nothing is written.  NAME.crt goes beside NAME.csr (with the CA's
 * certificate in pki/ as kubeadm looks for it); a kubeconfig NAME.conf
 * gets its client-certificate-data and certificate-authority-data, every
 * other byte kept.  A certificate there that is still right is kept
 * unless KILN_K8S_FORCE.  Links, FIFOs and hard links are refused;
 * everything is read and written through folder descriptors, as one
 * batch; with KILN_K8S_DRY_RUN nothing is written.  "result" lists every
 * file and what became of it, and the CSRs left alone.  Returns 0 or -1.
 */
int kiln_k8s_sign_csrs(const char *, const char *, int64_t, unsigned int,
    struct kiln_k8s_result *, struct kiln_err *);

#endif /* KILN_K8S_H */
