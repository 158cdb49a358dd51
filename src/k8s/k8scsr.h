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
 * No CA certificate; the SANs of "sr": none where kubeadm's certificate has none, else DNS
 * names and IP addresses only (kept as the request has them).  Returns
 * 0, or -1 with KILN_EPOLICY.
 */
int k8s_csr_check_sans(const struct k8s_cert_def *,
    const struct kiln_signreq *, const char *, struct kiln_err *);

#endif /* KILN_K8SCSR_H */
