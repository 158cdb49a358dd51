/*
 * kubeadm's certificates, as one table (k8scerts.c): each CA and each
 * certificate of a node's tree with its file, CA, subject, usages and
 * SANs, written from kubeadm's own definitions (kiln-k8s(1) gives the
 * version and the table).  Private to libkiln.
 */
#ifndef KILN_K8SCERTS_H
#define KILN_K8SCERTS_H

#include <stddef.h>

#include "kiln/config.h"

enum k8s_ca { K8S_CA, K8S_FRONT_PROXY_CA, K8S_ETCD_CA, K8S_N_CAS };

/* A CA: its files in DIR/ca/ and in a control-plane node's pki/. */
struct k8s_ca_def {
	const char *base;     /* DIR/ca/BASE.crt, BASE.key */
	const char *pki_base; /* pki/PKI_BASE.crt, .key: "etcd/ca" */
	const char *cn;
};

/* Which SANs a certificate carries. */
enum k8s_sans {
	K8S_SANS_NONE,
	K8S_SANS_APISERVER, /* kubeadm's GetAPIServerAltNames */
	K8S_SANS_ETCD,      /* getAltNames: server and peer */
	K8S_SANS_KUBELET    /* the node's name and IP */
};

/* The extended key usages. */
enum k8s_eku { K8S_SERVER, K8S_CLIENT, K8S_SERVER_CLIENT, K8S_N_EKUS };

/* The server a kubeconfig names. */
enum k8s_server {
	K8S_ENDPOINT, /* the control-plane endpoint */
	K8S_LOCAL     /* the node's own API server */
};

#define K8S_CONTROL_PLANE 0x1 /* on control-plane nodes */
#define K8S_WORKER 0x2        /* on workers */
#define K8S_STACKED 0x4       /* only with stacked etcd */
#define K8S_KUBECONFIG 0x8    /* a kubeconfig, not pki/ files */
#define K8S_NODE_CN 0x10      /* CN: the node's name */
#define K8S_NODE_USER 0x20    /* CN: "system:node:" and the node's name */

struct k8s_cert_def {
	const char *base; /* pki/BASE.crt and .key; or the kubeconfig */
	enum k8s_ca ca;
	const char *cn; /* NULL with K8S_NODE_CN or K8S_NODE_USER */
	const char *o;  /* or NULL */
	enum k8s_eku eku;
	enum k8s_sans sans;
	enum k8s_server server; /* kubeconfigs */
	unsigned int flags;
};

extern const struct k8s_ca_def k8s_cas[K8S_N_CAS];
extern const struct k8s_cert_def k8s_certs[];
extern const size_t k8s_n_certs;

/* kubeadm's keyUsage: every leaf's, and a CA's. */
#define K8S_LEAF_KU (KILN_KU_DIGITAL_SIGNATURE | KILN_KU_KEY_ENCIPHERMENT)
#define K8S_CA_KU (K8S_LEAF_KU | KILN_KU_CERT_SIGN)

/* The purposes of "e", into "*eku" and "*n". */
void k8s_ekus(enum k8s_eku, const enum kiln_eku **, size_t *);

#endif /* KILN_K8SCERTS_H */
