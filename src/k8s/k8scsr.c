/*
 * kubeadm's profiles applied to a CSR made elsewhere (k8scsr.h).
 *
 * kubeadm's CSRs (pkiutil.NewCSR) carry only the subject (CN, O) and the
 * SANs; the key usages, EKUs and CA come from kubeadm's table, here
 * k8scerts.c's, by the file's name.  What kubeadm fixes (the CN and O of
 * each certificate) is checked, never taken from the request: a request
 * asking for another identity is refused rather than signed with a
 * rewritten one, so that what is signed is what was asked.  What kubeadm
 * takes from its configuration (the node's name, the API server's and
 * etcd's SANs) is taken from the request.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "asn1/oid.h"
#include "k8s/k8scsr.h"

int
k8s_csr_signable(const struct k8s_cert_def *def)
{
	return (def->flags & K8S_CONTROL_PLANE) &&
	       def->sans != K8S_SANS_KUBELET;
}

const struct k8s_cert_def *
k8s_csr_def(enum k8s_csr_where where, const char *name)
{
	const struct k8s_cert_def *def;
	char want[NAME_MAX + 1];
	size_t i;
	int etcd;

	for (i = 0; i < k8s_n_certs; i++) {
		def = &k8s_certs[i];
		etcd = strncmp(def->base, "etcd/", 5) == 0;
		if (!k8s_csr_signable(def) ||
		    (where == K8S_CSR_CONF) !=
		        ((def->flags & K8S_KUBECONFIG) != 0) ||
		    (where == K8S_CSR_ETCD) != etcd)
			continue;
		snprintf(want, sizeof(want), "%s.csr",
		    etcd ? def->base + 5 : def->base);
		if (strcmp(want, name) == 0)
			return def;
	}
	return NULL;
}

/* A Kubernetes node name: a DNS-1123 subdomain. */
static int
node_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 253 || s[0] == '.' || s[0] == '-' ||
	    s[n - 1] == '.' || s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		        (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		        s[i] == '.'))
			return 0;
	return 1;
}

/* The request's subject as text ("CN=a, O=b"), into "out". */
static void
subject_text(const struct kiln_signreq *sr, char *out, size_t size)
{
	size_t i, used = 0;
	const char *a;

	out[0] = '\0';
	for (i = 0; i < sr->n_attr && used < size; i++) {
		a = strcmp(sr->attr[i].oid, KILN_OID_AT_CN) == 0  ? "CN"
		    : strcmp(sr->attr[i].oid, KILN_OID_AT_O) == 0 ? "O"
		    : strcmp(sr->attr[i].oid, KILN_OID_AT_OU) == 0
		        ? "OU"
		        : sr->attr[i].oid;
		used += (size_t)snprintf(out + used, size - used, "%s%s=%s",
		    i > 0 ? ", " : "", a, sr->attr[i].value);
	}
	if (sr->n_attr == 0)
		snprintf(out, size, "an empty subject");
}

/* kubeadm's subject for "def", as text, into "out". */
static void
profile_text(const struct k8s_cert_def *def, char *out, size_t size)
{
	snprintf(out, size, "CN=%s%s%s",
	    def->flags & K8S_NODE_USER ? "system:node:NODE"
	    : def->flags & K8S_NODE_CN ? "NODE"
	                               : def->cn,
	    def->o != NULL ? ", O=" : " with no O",
	    def->o != NULL ? def->o : "");
}

int
k8s_csr_check_subject(const struct k8s_cert_def *def,
    const struct kiln_signreq *sr, const char *shown, struct kiln_err *err)
{
	const char *cn = NULL, *o = NULL;
	char asked[512], want[160];
	size_t i, n_cn = 0, n_o = 0, other = 0;
	int ok;

	for (i = 0; i < sr->n_attr; i++)
		if (strcmp(sr->attr[i].oid, KILN_OID_AT_CN) == 0)
			cn = sr->attr[i].value, n_cn++;
		else if (strcmp(sr->attr[i].oid, KILN_OID_AT_O) == 0)
			o = sr->attr[i].value, n_o++;
		else
			other++;
	ok = n_cn == 1 && other == 0 &&
	     (def->o == NULL ? n_o == 0 : n_o == 1 && strcmp(o, def->o) == 0);
	if (ok && (def->flags & K8S_NODE_USER))
		ok = strncmp(cn, "system:node:", 12) == 0 && node_name(cn + 12);
	else if (ok && (def->flags & K8S_NODE_CN)) {
		ok = node_name(cn);
		for (i = 0; ok && i < sr->sans.n; i++)
			if (sr->sans.v[i].type == KILN_SAN_DNS &&
			    strcmp(sr->sans.v[i].value, cn) == 0)
				break;
		ok = ok && i < sr->sans.n;
	} else if (ok)
		ok = strcmp(cn, def->cn) == 0;
	if (ok)
		return 0;
	subject_text(sr, asked, sizeof(asked));
	profile_text(def, want, sizeof(want));
	return kiln_err_set(err, KILN_EPOLICY,
	    "%s: asks for %s; kubeadm's %s is %s%s: refused", shown, asked,
	    def->base, want,
	    def->flags & K8S_NODE_CN ? " (NODE also a DNS name of it)" : "");
}

int
k8s_csr_check_sans(const struct k8s_cert_def *def,
    const struct kiln_signreq *sr, const char *shown, struct kiln_err *err)
{
	size_t i;

	if (sr->is_ca)
		return kiln_err_set(err, KILN_EPOLICY,
		    "%s: asks for a CA certificate (basicConstraints CA:TRUE); "
		    "kubeadm's %s is not one: refused",
		    shown, def->base);
	if (def->sans == K8S_SANS_NONE && sr->sans.n > 0)
		return kiln_err_set(err, KILN_EPOLICY,
		    "%s: asks for subject alternative names (%s first); "
		    "kubeadm's %s has none: refused",
		    shown, sr->sans.v[0].value, def->base);
	for (i = 0; i < sr->sans.n; i++)
		if (sr->sans.v[i].type != KILN_SAN_DNS &&
		    sr->sans.v[i].type != KILN_SAN_IP)
			return kiln_err_set(err, KILN_EPOLICY,
			    "%s: asks for the subject alternative name %s; "
			    "kubeadm's %s has DNS names and IP addresses "
			    "only: refused",
			    shown, sr->sans.v[i].value, def->base);
	return 0;
}
