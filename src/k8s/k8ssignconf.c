/*
 * kiln k8s -sign-csrs on a kubeconfig (k8ssign.h): the kubeconfig
 * `kubeadm certs generate-csr` writes beside NAME.conf.csr holds the
 * client key and no certificate; its client key must be the request's,
 * and the certificate and the CA's go into its client-certificate-data
 * and certificate-authority-data, spliced in place or added before the
 * entry's first key (inspect/kubeconfigedit.c), every other byte kept.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "k8s/k8ssign.h"
#include "kiln/kubeconfig.h"
#include "kiln/pem.h"

/* The user a kubeconfig authenticates as: the current, or the only one. */
static const char *
conf_user(const struct kiln_kubeconfig *kc)
{
	const char *u = NULL;
	size_t i, n = 0;

	if (kc->current_user != NULL)
		return kc->current_user;
	for (i = 0; i < kc->n_bodies; i++)
		if (kc->bodies[i].users)
			u = kc->bodies[i].owner, n++;
	return n == 1 ? u : NULL;
}

/* The cluster a kubeconfig names: the current, or the only one. */
static const char *
conf_cluster(const struct kiln_kubeconfig *kc)
{
	const char *c = NULL;
	size_t i, n = 0;

	if (kc->current_cluster != NULL)
		return kc->current_cluster;
	for (i = 0; i < kc->n_bodies; i++)
		if (!kc->bodies[i].users)
			c = kc->bodies[i].owner, n++;
	return n == 1 ? c : NULL;
}

/*
 * "text" (the kubeconfig "shown", parsed into "kc") with the value of
 * "kind" for "owner" set to the base64 of "pem": kept when it holds
 * that already, replaced in place, or added; into "out" (empty).
 */
static int
conf_set(const struct kiln_buf *text, const struct kiln_kubeconfig *kc,
    enum kiln_kc_kind kind, const char *owner, const struct kiln_buf *pem,
    const char *shown, struct kiln_buf *out, struct kiln_err *err)
{
	const struct kiln_kc_item *it = kiln_kubeconfig_find(kc, kind, owner);
	struct kiln_buf b64, cur;
	struct kiln_err ignored;
	int rc = -1;

	kiln_buf_init(&b64);
	kiln_buf_init(&cur);
	kiln_err_clear(&ignored);
	if (kiln_base64_append(&b64, pem->p, pem->len, err) == -1)
		goto cleanup;
	if (it != NULL &&
	    kiln_kubeconfig_decode(it, shown, &cur, &ignored) == 0 &&
	    cur.len == pem->len && memcmp(cur.p, pem->p, cur.len) == 0) {
		rc = kiln_buf_append(out, text->p, text->len, err);
		goto cleanup;
	}
	rc = it != NULL ? kiln_kubeconfig_splice(text->p, text->len, it,
	                      (char *)b64.p, b64.len, out, err)
	                : kiln_kubeconfig_add(text->p, text->len, kc, kind,
	                      owner, (char *)b64.p, b64.len, out, err);
	if (rc == -1)
		kiln_err_prefix(err, "%s", shown);
cleanup:
	kiln_buf_free(&b64);
	kiln_buf_free(&cur);
	return rc;
}

int
k8s_sign_conf(struct sign_run *r, const struct k8s_cert_def *def,
    const struct kiln_signreq *sr, const struct kiln_buf *der,
    struct kiln_err *err)
{
	struct kiln_kubeconfig kc;
	struct kiln_buf text, key, old, pem, mid;
	const struct kiln_kc_item *it;
	const char *user, *cluster;
	char shown[PATH_MAX];
	struct tree_file *w;
	struct stat st;
	int have, m = 0, rc = -1;

	kiln_kubeconfig_init(&kc);
	kiln_buf_init(&text);
	kiln_buf_init(&key);
	kiln_buf_init(&old);
	kiln_buf_init(&pem);
	kiln_buf_init(&mid);
	if (tree_shown(&r->tree, F_ROOT, def->base, shown, err) == -1 ||
	    tree_read(&r->tree, F_ROOT, def->base, &text, &st, &have, err) ==
	        -1)
		goto cleanup;
	if (!have) {
		kiln_err_set(err, KILN_EINVAL,
		    "%s: no such file (kubeadm writes it beside %s.csr, with "
		    "its key)",
		    shown, def->base);
		goto cleanup;
	}
	if (tree_key_owner(shown, &st, err) == -1 ||
	    (m = kiln_kubeconfig_parse(&kc, text.p, text.len, shown, err)) ==
	        -1)
		goto cleanup;
	if (m == 1 || (user = conf_user(&kc)) == NULL ||
	    (cluster = conf_cluster(&kc)) == NULL) {
		kiln_err_replace(err, KILN_EINVAL,
		    "%s: not a kubeconfig with one user and cluster to sign "
		    "for",
		    shown);
		goto cleanup;
	}
	if ((it = kiln_kubeconfig_find(&kc, KILN_KC_KEY_DATA, user)) == NULL) {
		kiln_err_set(err, KILN_EINVAL,
		    "%s: users/%s: no client-key-data", shown, user);
		goto cleanup;
	}
	if (kiln_kubeconfig_decode(it, shown, &key, err) == -1 ||
	    (m = k8s_sign_key_matches(&key, sr, &r->rng, shown, err)) == -1)
		goto cleanup;
	if (m == 0) {
		kiln_err_set(err, KILN_EINVAL,
		    "%s: users/%s: client-key-data is not the key of %s.csr, "
		    "refused",
		    shown, user, shown);
		goto cleanup;
	}
	it = kiln_kubeconfig_find(&kc, KILN_KC_CERT_DATA, user);
	if ((it != NULL &&
	        kiln_kubeconfig_decode(it, shown, &old, err) == -1) ||
	    k8s_sign_cert_pem(r, def->ca, &old, der, &pem, err) == -1 ||
	    conf_set(&text, &kc, KILN_KC_CERT_DATA, user, &pem, shown, &mid,
	        err) == -1)
		goto cleanup;
	/* Parsed again: the spans moved (and "user", "cluster" with it). */
	kiln_kubeconfig_free(&kc);
	kiln_buf_free(&text);
	if (kiln_kubeconfig_parse(&kc, mid.p, mid.len, shown, err) != 0 ||
	    (cluster = conf_cluster(&kc)) == NULL ||
	    conf_set(&mid, &kc, KILN_KC_CA_DATA, cluster, &r->ca_pem[def->ca],
	        shown, &text, err) == -1)
		goto cleanup;
	/* Kubeconfigs hold a key: 0600, as kubeadm writes them. */
	if ((w = tree_add(&r->tree, F_ROOT, def->base, TREE_TEMPLATE, text.p,
	         text.len, 0600, err)) == NULL)
		goto cleanup;
	if (r->n_confs == sizeof(r->confs) / sizeof(r->confs[0])) {
		kiln_err_set(
		    err, KILN_EINVAL, "%s: too many kubeconfigs", shown);
		goto cleanup;
	}
	r->confs[r->n_confs].file = r->tree.n_files - 1;
	r->confs[r->n_confs++].st = st;
	rc = 0;
cleanup:
	kiln_kubeconfig_free(&kc);
	kiln_buf_free(&text);
	kiln_buf_free(&key);
	kiln_buf_free(&old);
	kiln_buf_free(&pem);
	kiln_buf_free(&mid);
	return rc;
}
