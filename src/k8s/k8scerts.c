/*
 * kubeadm's certificates as one table.  Written from kubeadm's sources
 * (Kubernetes 1.31, v1beta4: cmd/kubeadm/app/phases/certs/certlist.go,
 * cmd/kubeadm/app/util/pkiutil/pki_helpers.go,
 * cmd/kubeadm/app/phases/kubeconfig/kubeconfig.go and
 * cmd/kubeadm/app/constants/constants.go), read, not copied; kiln-k8s(1)
 * gives the same table to the operator, with kiln's deliberate
 * differences.
 */
#include "k8s/k8scerts.h"

const struct k8s_ca_def k8s_cas[K8S_N_CAS] = {
    [K8S_CA] = {"ca", "ca", "kubernetes"},
    [K8S_FRONT_PROXY_CA] = {"front-proxy-ca", "front-proxy-ca",
        "front-proxy-ca"},
    [K8S_ETCD_CA] = {"etcd-ca", "etcd/ca", "etcd-ca"},
};

#define CP K8S_CONTROL_PLANE
#define ALL (K8S_CONTROL_PLANE | K8S_WORKER)

/* clang-format off */
const struct k8s_cert_def k8s_certs[] = {
    /* pki/: certlist.go's GetDefaultCertList, in its order. */
    {"apiserver", K8S_CA, "kube-apiserver", NULL, K8S_SERVER,
        K8S_SANS_APISERVER, K8S_ENDPOINT, CP},
    {"apiserver-kubelet-client", K8S_CA, "kube-apiserver-kubelet-client",
        "kubeadm:cluster-admins", K8S_CLIENT, K8S_SANS_NONE, K8S_ENDPOINT,
        CP},
    {"front-proxy-client", K8S_FRONT_PROXY_CA, "front-proxy-client", NULL,
        K8S_CLIENT, K8S_SANS_NONE, K8S_ENDPOINT, CP},
    {"etcd/server", K8S_ETCD_CA, NULL, NULL, K8S_SERVER_CLIENT,
        K8S_SANS_ETCD, K8S_ENDPOINT, CP | K8S_STACKED | K8S_NODE_CN},
    {"etcd/peer", K8S_ETCD_CA, NULL, NULL, K8S_SERVER_CLIENT,
        K8S_SANS_ETCD, K8S_ENDPOINT, CP | K8S_STACKED | K8S_NODE_CN},
    {"etcd/healthcheck-client", K8S_ETCD_CA, "kube-etcd-healthcheck-client",
        NULL, K8S_CLIENT, K8S_SANS_NONE, K8S_ENDPOINT, CP | K8S_STACKED},
    {"apiserver-etcd-client", K8S_ETCD_CA, "kube-apiserver-etcd-client",
        NULL, K8S_CLIENT, K8S_SANS_NONE, K8S_ENDPOINT, CP | K8S_STACKED},
    /* kiln's own: the kubelet's serving certificate (kubeadm leaves it
     * to the kubelet, self-signed, or to a CSR). */
    {"kubelet", K8S_CA, NULL, NULL, K8S_SERVER, K8S_SANS_KUBELET,
        K8S_ENDPOINT, ALL | K8S_NODE_CN},
    /* The kubeconfigs: kubeconfig.go's getKubeConfigSpecsBase. */
    {"admin.conf", K8S_CA, "kubernetes-admin", "kubeadm:cluster-admins",
        K8S_CLIENT, K8S_SANS_NONE, K8S_ENDPOINT, CP | K8S_KUBECONFIG},
    {"super-admin.conf", K8S_CA, "kubernetes-super-admin", "system:masters",
        K8S_CLIENT, K8S_SANS_NONE, K8S_ENDPOINT, CP | K8S_KUBECONFIG},
    {"controller-manager.conf", K8S_CA, "system:kube-controller-manager",
        NULL, K8S_CLIENT, K8S_SANS_NONE, K8S_LOCAL, CP | K8S_KUBECONFIG},
    {"scheduler.conf", K8S_CA, "system:kube-scheduler", NULL, K8S_CLIENT,
        K8S_SANS_NONE, K8S_LOCAL, CP | K8S_KUBECONFIG},
    {"kubelet.conf", K8S_CA, NULL, "system:nodes", K8S_CLIENT,
        K8S_SANS_NONE, K8S_ENDPOINT, ALL | K8S_KUBECONFIG | K8S_NODE_USER},
};
/* clang-format on */

const size_t k8s_n_certs = sizeof(k8s_certs) / sizeof(k8s_certs[0]);

static const enum kiln_eku server[] = {KILN_EKU_SERVER_AUTH};
static const enum kiln_eku client[] = {KILN_EKU_CLIENT_AUTH};
static const enum kiln_eku both[] = {
    KILN_EKU_SERVER_AUTH, KILN_EKU_CLIENT_AUTH};

void
k8s_ekus(enum k8s_eku e, const enum kiln_eku **out, size_t *n)
{
	switch (e) {
	case K8S_SERVER:
		*out = server;
		*n = 1;
		return;
	case K8S_CLIENT:
		*out = client;
		*n = 1;
		return;
	default:
		*out = both;
		*n = 2;
		return;
	}
}
