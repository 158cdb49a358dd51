/*
 * kubeadm's profiles applied to a CSR made elsewhere (k8scsr.c): which
 * certificates of the table kiln signs from a CSR, and what of the
 * request each keeps.  Used by kiln k8s -sign-csrs (k8ssign.c).  Private
 * to libkiln.
 */
#ifndef KILN_K8SCSR_H
#define KILN_K8SCSR_H

#include "k8s/k8scerts.h"
#include "kiln/err.h"
#include "kiln/sign.h"

/* Whether kubeadm writes a CSR for "def" (kiln's kubelet: no). */
int k8s_csr_signable(const struct k8s_cert_def *);

/*
 * Where kubeadm writes a CSR, by the folders of its two layouts: `kubeadm
 * certs generate-csr` writes a node's tree (NAME.conf.csr beside the
 * kubeconfigs, pki/NAME.csr, pki/etcd/NAME.csr); `kubeadm init phase
 * certs NAME --csr-only --csr-dir D` writes D/NAME.csr and
 * D/etcd/NAME.csr, each with its key, and no kubeconfig.
 */
enum k8s_csr_where {
	K8S_CSR_CONF, /* NAME.conf.csr, beside the kubeconfigs */
	K8S_CSR_PKI,  /* NAME.csr in pki/ or --csr-dir */
	K8S_CSR_ETCD  /* NAME.csr in pki/etcd/ or --csr-dir's etcd/ */
};

/*
 * The certificate of the table kubeadm names "name" (a CSR's file name)
 * in a folder of kind "where", if it is one kiln signs; else NULL.
 */
const struct k8s_cert_def *k8s_csr_def(enum k8s_csr_where, const char *);

/*
 * The subject of request "sr" (the file "shown") must be kubeadm's for
 * "def": one CN, kubeadm's; where kubeadm puts the node's name, a node
 * name (a DNS-1123 subdomain, after "system:node:" for kubelet.conf;
 * for etcd's server and peer also one of the request's DNS names);
 * kubeadm's O, or none where kubeadm has none; nothing else.  Returns 0,
 * or -1 with KILN_EPOLICY naming what was asked and what kubeadm's is.
 */
int k8s_csr_check_subject(const struct k8s_cert_def *,
    const struct kiln_signreq *, const char *, struct kiln_err *);

/*
 * No CA certificate; the SANs of "sr": none where kubeadm's certificate
 * has none, else DNS names and IP addresses only (kept as the request
 * has them).  Returns 0, or -1 with KILN_EPOLICY.
 */
int k8s_csr_check_sans(const struct k8s_cert_def *, const struct kiln_signreq *,
    const char *, struct kiln_err *);

#endif /* KILN_K8SCSR_H */
