/*
 * kiln k8s's plan: one pass over the manifest and the tree that is
 * there, giving every file of the run in the order it is written (DIR/ca
 * with the CAs and the service-account pair; each node's pki/ and
 * kubeconfigs) and every leaf to issue, by CA, with what each existing
 * one holds.  Nothing is made or written here but the CAs and the
 * service-account key, in memory.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/strs.h"
#include "k8s/k8splan.h"
#include "k8s/k8srotate.h"
#include "kiln/issue.h"
#include "kiln/key.h"
#include "kiln/pem.h"
#include "kiln/request.h"

void
k8s_run_init(struct k8s_run *r, const struct kiln_k8s_manifest *m,
    const char *dir, unsigned int flags, struct kiln_k8s_result *result)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	r->m = m;
	r->flags = flags;
	r->result = result;
	r->now = time(NULL);
	kiln_rng_init(&r->rng);
	for (i = 0; i < K8S_N_CAS; i++) {
		kiln_request_init(&r->careq[i]);
		tree_ca_init(&r->cas[i]);
		leaves_init(&r->leaves[i]);
	}
	kiln_request_init(&r->leafreq);
	kiln_buf_init(&r->sa_key);
	kiln_buf_init(&r->sa_pub);
	tree_init(&r->tree, dir);
	kiln_k8s_result_free(result); /* a reused result starts over */
}

void
k8s_run_free(struct k8s_run *r)
{
	size_t i;

	for (i = 0; i < K8S_N_CAS; i++) {
		leaves_free(&r->leaves[i]);
		tree_ca_free(&r->cas[i]);
		kiln_request_free(&r->careq[i]);
	}
	kiln_request_free(&r->leafreq);
	tree_free(&r->tree);
	kiln_buf_free(&r->sa_key);
	kiln_buf_free(&r->sa_pub);
	free(r->nodes);
	free(r->confs);
	kiln_rng_free(&r->rng);
}

/* The folders: DIR, DIR/ca, then each node's, pki/ and pki/etcd/. */
static int
folders_new(struct k8s_run *r, struct kiln_err *err)
{
	const struct kiln_k8s_manifest *m = r->m;
	struct tree *t = &r->tree;
	struct k8s_node *n;
	size_t i;

	r->n_nodes = m->n_control_plane + m->n_workers;
	if ((r->nodes = calloc(r->n_nodes, sizeof(*r->nodes))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	if (tree_folder(t, K8S_F_ROOT, 0755, ".", "", err) == -1 ||
	    tree_folder(t, K8S_F_ROOT, 0700, "ca", "", err) == -1)
		return -1;
	for (i = 0; i < r->n_nodes; i++) {
		n = &r->nodes[i];
		n->control_plane = i < m->n_control_plane;
		n->nd = n->control_plane ? &m->control_plane[i]
		                         : &m->workers[i - m->n_control_plane];
		n->base = t->n_folders;
		if (tree_folder(t, K8S_F_ROOT, 0755, n->nd->name, "", err) ==
		        -1 ||
		    tree_folder(t, n->base, 0755, n->nd->name, "pki", err) ==
		        -1)
			return -1;
		n->pki = n->base + 1;
		if (!n->control_plane || m->etcd != KILN_K8S_ETCD_STACKED)
			continue;
		if (tree_folder(
		        t, n->pki, 0755, n->nd->name, "pki/etcd", err) == -1)
			return -1;
		n->etcd = n->pki + 1;
	}
	return 0;
}

/* The requests and profiles every certificate is made from. */
static int
requests(struct k8s_run *r, struct kiln_err *err)
{
	struct kiln_careq careq;
	const enum kiln_eku *eku;
	size_t i, n;

	memset(&careq, 0, sizeof(careq));
	careq.pathlen = -1; /* kubeadm's CAs: no pathLenConstraint */
	careq.expiry = r->m->ca_expiry;
	kiln_issue_ca_profile(&r->ca_profile, &careq, NULL);
	r->ca_profile.ku = K8S_CA_KU;
	for (i = 0; i < K8S_N_EKUS; i++) {
		k8s_ekus((enum k8s_eku)i, &eku, &n);
		kiln_profile_make(
		    &r->profiles[i], r->m->expiry, K8S_LEAF_KU, eku, n);
	}
	r->leafreq.key = r->m->key;
	for (i = 0; i < K8S_N_CAS; i++) {
		r->careq[i].key = r->m->key;
		if (kiln_str_set(&r->careq[i].cn, k8s_cas[i].cn, err) == -1)
			return -1;
	}
	return 0;
}

/* Whether CA "i" is made by this run's manifest. */
static int
ca_used(const struct k8s_run *r, size_t i)
{
	return i != K8S_ETCD_CA || r->m->etcd == KILN_K8S_ETCD_STACKED;
}

/* The service-account pair in DIR/ca: read, or made (RSA 2048). */
static int
sa_pair(struct k8s_run *r, struct kiln_err *err)
{
	static const struct kiln_keyreq rsa2048 = {
	    .algo = KILN_KEY_RSA, .size = 2048};
	char shown[PATH_MAX];
	struct kiln_buf spki;
	struct kiln_key key;
	struct tree_file *w;
	struct stat st;
	int have, rc = -1;

	kiln_buf_init(&spki);
	kiln_key_init(&key);
	if (tree_shown(&r->tree, K8S_F_CA, "sa.key", shown, err) == -1 ||
	    tree_read(&r->tree, K8S_F_CA, "sa.key", &r->sa_key, &st, &have,
	        err) == -1 ||
	    (have && tree_key_owner(shown, &st, err) == -1))
		goto cleanup;
	if (have) {
		if (kiln_key_parse(
		        &key, r->sa_key.p, r->sa_key.len, &r->rng, err) == -1) {
			kiln_err_prefix(err, "%s", shown);
			goto cleanup;
		}
	} else if (kiln_key_generate(&key, &rsa2048, &r->rng, err) == -1 ||
	           kiln_key_write_pem(&key, &r->sa_key, err) == -1)
		goto cleanup;
	if (kiln_key_write_spki(&key, &spki, err) == -1 ||
	    kiln_pem_write(&r->sa_pub, "PUBLIC KEY", spki.p, spki.len, err) ==
	        -1)
		goto cleanup;
	if ((w = tree_add(&r->tree, K8S_F_CA, "sa.key", TREE_CA_KEY,
	         r->sa_key.p, r->sa_key.len, 0600, err)) == NULL)
		goto cleanup;
	w->excl = !have;
	if (tree_add(&r->tree, K8S_F_CA, "sa.pub", TREE_CA_COPY, r->sa_pub.p,
	        r->sa_pub.len, 0600, err) == NULL)
		goto cleanup;
	rc = 0;
cleanup:
	kiln_buf_free(&spki);
	kiln_key_free(&key);
	return rc;
}

/* DIR/ca: each CA the manifest uses, then the service-account pair. */
static int
plan_cas(struct k8s_run *r, struct kiln_err *err)
{
	char cert[NAME_MAX + 1], key[NAME_MAX + 1];
	size_t i;

	for (i = 0; i < K8S_N_CAS; i++) {
		if (!ca_used(r, i))
			continue;
		snprintf(cert, sizeof(cert), "%s.crt", k8s_cas[i].base);
		snprintf(key, sizeof(key), "%s.key", k8s_cas[i].base);
		if (tree_ca_plan(&r->cas[i], &r->tree, K8S_F_CA, cert, key,
		        &r->careq[i], &r->ca_profile, &r->rng, r->now, NULL,
		        err) == -1)
			return -1;
		if (r->cas[i].made)
			r->result->issued++;
		else
			r->result->kept++;
		/* A finished rotation's bundle (rotate-ca): the CA alone. */
		snprintf(cert, sizeof(cert), "%s-bundle.crt", k8s_cas[i].base);
		if (tree_exists(&r->tree, K8S_F_CA, cert) &&
		    tree_add(&r->tree, K8S_F_CA, cert, TREE_CA_COPY,
		        r->cas[i].cert_pem.p, r->cas[i].cert_pem.len, 0644,
		        err) == NULL)
			return -1;
	}
	return sa_pair(r, err);
}

/* SANs: DNS names (sorted, as kubeadm's) then IP addresses, each once. */
struct hosts {
	char **dns, **ips;
	size_t n_dns, n_ips;
};

static void
hosts_free(struct hosts *h)
{
	kiln_strs_free(h->dns, h->n_dns);
	kiln_strs_free(h->ips, h->n_ips);
	memset(h, 0, sizeof(*h));
}

static int
hosts_add(struct hosts *h, const char *s, struct kiln_err *err)
{
	unsigned char a[16], b[16];
	size_t i, n = kiln_ip_parse(s, a);

	if (n == 0) {
		for (i = 0; i < h->n_dns; i++)
			if (strcmp(h->dns[i], s) == 0)
				return 0;
		return kiln_strs_push(&h->dns, &h->n_dns, s, err);
	}
	for (i = 0; i < h->n_ips; i++)
		if (kiln_ip_parse(h->ips[i], b) == n && memcmp(a, b, n) == 0)
			return 0;
	return kiln_strs_push(&h->ips, &h->n_ips, s, err);
}

static int
by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The SANs of certificate "def" for node "n", into "h". */
static int
sans(const struct k8s_run *r, const struct k8s_node *n,
    const struct k8s_cert_def *def, struct hosts *h, struct kiln_err *err)
{
	const struct kiln_k8s_manifest *m = r->m;
	char svc[300];
	size_t i;
	int rc = 0;

	switch (def->sans) {
	case K8S_SANS_NONE:
		return 0;
	case K8S_SANS_APISERVER:
		snprintf(svc, sizeof(svc), "kubernetes.default.svc.%s",
		    m->dns_domain);
		rc = hosts_add(h, n->nd->name, err) |
		     hosts_add(h, "kubernetes", err) |
		     hosts_add(h, "kubernetes.default", err) |
		     hosts_add(h, "kubernetes.default.svc", err) |
		     hosts_add(h, svc, err) | hosts_add(h, m->service_ip, err) |
		     hosts_add(h, n->nd->ip, err);
		if (m->endpoint_host != NULL)
			rc |= hosts_add(h, m->endpoint_host, err);
		for (i = 0; i < m->n_apiserver_sans; i++)
			rc |= hosts_add(h, m->apiserver_sans[i], err);
		break;
	case K8S_SANS_ETCD:
		rc = hosts_add(h, n->nd->name, err) |
		     hosts_add(h, "localhost", err) |
		     hosts_add(h, n->nd->ip, err) |
		     hosts_add(h, "127.0.0.1", err) | hosts_add(h, "::1", err);
		break;
	case K8S_SANS_KUBELET:
		return hosts_add(h, n->nd->name, err) == -1 ||
		               hosts_add(h, n->nd->ip, err) == -1
		           ? -1
		           : 0;
	}
	for (i = 0; i < n->nd->n_hosts; i++)
		rc |= hosts_add(h, n->nd->hosts[i], err);
	if (h->n_dns > 1)
		qsort(h->dns, h->n_dns, sizeof(*h->dns), by_string);
	return rc != 0 ? -1 : 0;
}

/* The SANs as one list: DNS names, then IP addresses. */
static int
sans_list(const struct hosts *h, char ***out, size_t *n, struct kiln_err *err)
{
	size_t i;

	for (i = 0; i < h->n_dns; i++)
		if (kiln_strs_push(out, n, h->dns[i], err) == -1)
			return -1;
	for (i = 0; i < h->n_ips; i++)
		if (kiln_strs_push(out, n, h->ips[i], err) == -1)
			return -1;
	return 0;
}

/* The existing kubeconfig "name" of node "n": its key and certificate. */
static int
conf_existing(struct k8s_run *r, const struct k8s_node *n, size_t ca, long leaf,
    const char *name, struct kiln_err *err)
{
	struct kiln_buf text, key, cert;
	char shown[PATH_MAX];
	struct stat st;
	int have, rc = -1;

	kiln_buf_init(&text);
	kiln_buf_init(&key);
	kiln_buf_init(&cert);
	if (tree_shown(&r->tree, n->base, name, shown, err) == -1 ||
	    tree_read(&r->tree, n->base, name, &text, &st, &have, err) == -1 ||
	    (have && tree_key_owner(shown, &st, err) == -1) ||
	    (have && k8s_conf_read(&text, &key, &cert, err) == -1) ||
	    leaves_set_existing(
	        &r->leaves[ca], (size_t)leaf, &key, &cert, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	kiln_buf_free(&text);
	kiln_buf_free(&key);
	kiln_buf_free(&cert);
	return rc;
}

/* A kubeconfig of node "i": its leaf (new, or read back) and template. */
static int
plan_conf(struct k8s_run *r, size_t i, const struct k8s_cert_def *def,
    long leaf, struct kiln_err *err)
{
	struct k8s_conf *c;
	struct tree_file *w;

	if ((c = realloc(r->confs, (r->n_confs + 1) * sizeof(*c))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	r->confs = c;
	c = &r->confs[r->n_confs];
	c->leaf = (size_t)leaf;
	c->node = i;
	c->def = def;
	if (!(r->flags & KILN_K8S_FORCE) &&
	    conf_existing(r, &r->nodes[i], def->ca, leaf, def->base, err) == -1)
		return -1;
	/* Kubeconfigs hold a key: 0600, as kubeadm writes them. */
	if ((w = tree_add(&r->tree, r->nodes[i].base, def->base, TREE_TEMPLATE,
	         NULL, 0, 0600, err)) == NULL)
		return -1;
	w->arg = r->n_confs++;
	return 0;
}

/* Certificate "def" of node "i": its leaf, and its files planned. */
static int
plan_cert(struct k8s_run *r, size_t i, const struct k8s_cert_def *def,
    struct kiln_err *err)
{
	const struct k8s_node *n = &r->nodes[i];
	int conf = (def->flags & K8S_KUBECONFIG) != 0,
	    etcd = strncmp(def->base, "etcd/", 5) == 0;
	const char *base = etcd ? def->base + 5 : def->base;
	char cert[NAME_MAX + 1], key[NAME_MAX + 1], what[300], cn[128];
	struct hosts h;
	char **list = NULL;
	size_t f = conf ? n->base : etcd ? n->etcd : n->pki, n_list = 0, k;
	long leaf;
	int rc = -1;

	memset(&h, 0, sizeof(h));
	snprintf(cert, sizeof(cert), conf ? "%s" : "%s.crt", base);
	snprintf(key, sizeof(key), conf ? "%s" : "%s.key", base);
	snprintf(cn, sizeof(cn), "%s%s",
	    def->flags & K8S_NODE_USER ? "system:node:" : "",
	    def->cn != NULL ? def->cn : n->nd->name);
	snprintf(what, sizeof(what), "%s %s", n->nd->name, def->base);
	if (sans(r, n, def, &h, err) == -1 ||
	    sans_list(&h, &list, &n_list, err) == -1)
		goto cleanup;
	leaf = leaves_add_files(&r->leaves[def->ca], &r->tree, f, cert, key,
	    what, cn, def->o, list, n_list, &r->leafreq, &r->profiles[def->eku],
	    conf || (r->flags & KILN_K8S_FORCE), err);
	if (leaf == -1)
		goto cleanup;
	if (conf)
		rc = plan_conf(r, i, def, leaf, err);
	else {
		k = r->tree.n_files;
		rc = leaves_plan(
		    &r->leaves[def->ca], (size_t)leaf, &r->tree, f, err);
		for (; rc == 0 && k < r->tree.n_files; k++)
			r->tree.files[k].tmpl = (int)def->ca;
	}
cleanup:
	hosts_free(&h);
	kiln_strs_free(list, n_list);
	return rc;
}

/* A copy of CA "ca" (its key too on a control-plane node) in pki/. */
static int
plan_ca_copy(struct k8s_run *r, size_t i, size_t ca, struct kiln_err *err)
{
	const struct k8s_node *n = &r->nodes[i];
	const struct tree_ca *c = &r->cas[ca];
	const char *base = k8s_cas[ca].pki_base;
	char cert[NAME_MAX + 1], key[NAME_MAX + 1];
	size_t f = n->pki;

	if (strncmp(base, "etcd/", 5) == 0) {
		f = n->etcd;
		base += 5;
	}
	snprintf(cert, sizeof(cert), "%s.crt", base);
	snprintf(key, sizeof(key), "%s.key", base);
	if (n->control_plane &&
	    tree_add(&r->tree, f, key, TREE_CA_KEY, c->key_pem.p,
	        c->key_pem.len, 0600, err) == NULL)
		return -1;
	if (tree_add(&r->tree, f, cert, TREE_CA_COPY, c->cert_pem.p,
	        c->cert_pem.len, 0644, err) == NULL)
		return -1;
	/*
	 * The signing CA alone that a rotation of the cluster CA wrote
	 * beside its key (rotate-ca), for --cluster-signing-cert-file.
	 */
	if (ca == K8S_CA && n->control_plane &&
	    tree_exists(&r->tree, f, "ca-signer.crt") &&
	    tree_add(&r->tree, f, "ca-signer.crt", TREE_CA_COPY, c->cert_pem.p,
	        c->cert_pem.len, 0644, err) == NULL)
		return -1;
	return 0;
}

/*
 * Node "i"'s files in kubeadm's order: pki/ca, its leaves, front-proxy-ca
 * before its client, sa.key and sa.pub, etcd/ca before the etcd leaves,
 * the kubelet's serving certificate, then the kubeconfigs.  A worker
 * gets pki/ca.crt, its kubelet's certificate and kubelet.conf.
 */
static int
plan_node(struct k8s_run *r, size_t i, struct kiln_err *err)
{
	const struct k8s_node *n = &r->nodes[i];
	unsigned int where = n->control_plane ? K8S_CONTROL_PLANE : K8S_WORKER;
	const struct k8s_cert_def *def;
	int copied[K8S_N_CAS] = {0};
	size_t k;

	for (k = 0; k < k8s_n_certs; k++) {
		def = &k8s_certs[k];
		if (!(def->flags & where) ||
		    ((def->flags & K8S_STACKED) &&
		        r->m->etcd != KILN_K8S_ETCD_STACKED))
			continue;
		if (!copied[def->ca] && !(def->flags & K8S_KUBECONFIG)) {
			if (plan_ca_copy(r, i, def->ca, err) == -1)
				return -1;
			copied[def->ca] = 1;
		}
		if (def->ca == K8S_FRONT_PROXY_CA && n->control_plane &&
		    (tree_add(&r->tree, n->pki, "sa.key", TREE_CA_KEY,
		         r->sa_key.p, r->sa_key.len, 0600, err) == NULL ||
		        tree_add(&r->tree, n->pki, "sa.pub", TREE_CA_COPY,
		            r->sa_pub.p, r->sa_pub.len, 0600, err) == NULL))
			return -1;
		if (plan_cert(r, i, def, err) == -1)
			return -1;
	}
	return 0;
}

int
k8s_plan(struct k8s_run *r, struct kiln_err *err)
{
	size_t i;

	if (folders_new(r, err) == -1 || tree_open(&r->tree, err) == -1 ||
	    k8s_rotation_check(&r->tree, K8S_F_CA, err) == -1 ||
	    requests(r, err) == -1 ||
	    kiln_rng_seed(&r->rng, "kiln k8s", err) == -1 ||
	    plan_cas(r, err) == -1)
		return -1;
	for (i = 0; i < r->n_nodes; i++)
		if (plan_node(r, i, err) == -1)
			return -1;
	for (i = 0; i < K8S_N_CAS; i++)
		r->nsteps += r->leaves[i].n;
	return 0;
}
