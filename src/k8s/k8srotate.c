/*
 * kiln rotate-ca on a kiln k8s tree (kiln/rotate.h), one of its three
 * CAs at a time: what the tree holds, found from the tree itself (no
 * manifest): DIR/ca with the CA (BASE.crt, BASE.key), the nodes (each
 * folder of DIR with pki/ca.crt), and on each node, from kubeadm's table
 * (k8scerts.c), the CA's copy (a trust file, made a bundle), its key
 * where a control-plane node holds it (the signing copy, with
 * pki/ca-signer.crt for the cluster CA: kube-controller-manager signs
 * with one certificate, never a bundle), its leaves and, for the
 * cluster CA, the kubeconfigs.  The phases are pki/rotate's, with the
 * rotation's files named after the CA: DIR/ca/BASE-rotate.json,
 * BASE-bundle.crt, new/BASE-cross.crt.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/strs.h"
#include "k8s/k8scerts.h"
#include "k8s/k8srotate.h"
#include "kiln/file.h"
#include "kiln/rotate.h"
#include "pki/rotate.h"

/* After pki/rotate.h's ROTATE_F_*: each node's folder, pki/, pki/etcd/. */
#define F_NODES 4

int
kiln_rotate_kind(
    const char *dir, enum kiln_rotate_kind *kind, struct kiln_err *err)
{
	int fd, k8s, etcd;

	if (dir == NULL || kind == NULL)
		return kiln_err_set(err, KILN_EINVAL, "no tree named");
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return kiln_err_sys(err, "%s", dir);
	k8s = tree_file_in(fd, "ca", "ca.crt");
	etcd = tree_file_in(fd, "ca", "ca.pem");
	close(fd);
	if (k8s == etcd)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: %s a kiln etcd tree (ca/ca.pem) %s a kiln k8s tree "
		    "(ca/ca.crt)",
		    dir, k8s ? "both" : "neither", k8s ? "and" : "nor");
	*kind = k8s ? KILN_ROTATE_K8S_TREE : KILN_ROTATE_ETCD_TREE;
	return 0;
}

/* The nodes of DIR, sorted: its folders with pki/ca.crt, but ca/. */
static int
find_nodes(const char *dir, char ***out, size_t *n, struct kiln_err *err)
{
	static const char *const skip[] = {"ca", NULL};
	int fd, rc;

	*out = NULL;
	*n = 0;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return kiln_err_sys(err, "%s", dir);
	rc = tree_marked(fd, "pki", "ca.crt", skip, out, n, err);
	close(fd);
	return rc;
}

/* The CA named "name": its index, or -1 with "err" filled. */
static int
ca_index(const char *name, struct kiln_err *err)
{
	size_t i;

	for (i = 0; i < K8S_N_CAS; i++)
		if (strcmp(name, k8s_cas[i].base) == 0)
			return (int)i;
	return kiln_err_set(err, KILN_EINVAL,
	    "CA \"%s\": a kiln k8s tree's CAs are ca, front-proxy-ca and "
	    "etcd-ca",
	    name);
}

/* Node "i"'s files of CA "ca": its copy, its key, leaves, kubeconfigs. */
static int
node_files(struct rotate *r, size_t i, size_t ca, struct kiln_err *err)
{
	size_t base = F_NODES + 3 * i, pki = base + 1, etcd = base + 2, f;
	const char *b = k8s_cas[ca].pki_base;
	char cert[NAME_MAX + 1], key[NAME_MAX + 1];
	const struct k8s_cert_def *def;
	size_t k;

	f = strncmp(b, "etcd/", 5) == 0 ? etcd : pki;
	b = f == etcd ? b + 5 : b;
	snprintf(cert, sizeof(cert), "%s.crt", b);
	snprintf(key, sizeof(key), "%s.key", b);
	if ((tree_exists(&r->tree, f, cert) &&
	        rotate_add_trust(r, f, cert, err) == -1) ||
	    (tree_exists(&r->tree, f, key) &&
	        rotate_add_signer(r, f, ca == K8S_CA ? "ca-signer.crt" : NULL,
	            key, err) == -1))
		return -1;
	for (k = 0; k < k8s_n_certs; k++) {
		def = &k8s_certs[k];
		if (def->ca != ca)
			continue;
		if (def->flags & K8S_KUBECONFIG) {
			if (tree_exists(&r->tree, base, def->base) &&
			    rotate_add_conf(r, base, def->base,
			        ROTATE_CONF_TRUST | ROTATE_CONF_LEAF,
			        err) == -1)
				return -1;
			continue;
		}
		f = strncmp(def->base, "etcd/", 5) == 0 ? etcd : pki;
		b = f == etcd ? def->base + 5 : def->base;
		snprintf(cert, sizeof(cert), "%s.crt", b);
		snprintf(key, sizeof(key), "%s.key", b);
		if (tree_exists(&r->tree, f, cert) &&
		    rotate_add_leaf(r, f, cert, key, err) == -1)
			return -1;
	}
	return 0;
}

/* The tree's folders, opened, and what it holds of CA "ca". */
static int
survey(struct rotate *r, const char *dir, size_t ca,
    struct kiln_rotate_result *res, struct kiln_err *err)
{
	struct tree *t = &r->tree;
	size_t i, f;

	if (find_nodes(dir, &res->members, &res->n_members, err) == -1)
		return -1;
	/* The modes kiln k8s makes its folders with. */
	if (rotate_folders(r, err) == -1)
		return -1;
	for (i = 0; i < res->n_members; i++) {
		f = t->n_folders;
		if (tree_folder(t, ROTATE_F_ROOT, 0755, res->members[i], "",
		        err) == -1 ||
		    tree_folder(t, f, 0755, res->members[i], "pki", err) ==
		        -1 ||
		    tree_folder(
		        t, f + 1, 0755, res->members[i], "pki/etcd", err) == -1)
			return -1;
	}
	if (tree_open(t, err) == -1)
		return -1;
	for (i = 0; i < res->n_members; i++)
		if (node_files(r, i, ca, err) == -1)
			return -1;
	return 0;
}

/* The rotation's file names for CA "ca", kept in "n". */
static void
names_set(struct rotate *r, struct k8s_rotate_names *n, size_t ca)
{
	const char *b = k8s_cas[ca].base;

	snprintf(n->cert, sizeof(n->cert), "%s.crt", b);
	snprintf(n->key, sizeof(n->key), "%s.key", b);
	snprintf(n->cross, sizeof(n->cross), "%s-cross.crt", b);
	snprintf(n->bundle, sizeof(n->bundle), "%s-bundle.crt", b);
	snprintf(n->state, sizeof(n->state), "%s-rotate.json", b);
	r->names.cert = n->cert;
	r->names.key = n->key;
	r->names.cross = n->cross;
	r->names.bundle = n->bundle;
	r->names.state = n->state;
}

int
kiln_k8s_rotate(const char *dir, const char *ca, int phase, unsigned int flags,
    struct kiln_rotate_result *res, struct kiln_err *err)
{
	return kiln_k8s_rotate_threads(dir, ca, phase, flags, 0, res, err);
}

int
kiln_k8s_rotate_threads(const char *dir, const char *ca, int phase,
    unsigned int flags, unsigned int threads, struct kiln_rotate_result *res,
    struct kiln_err *err)
{
	struct k8s_rotate_names names;
	struct rotate r;
	int i, rc = -1;

	kiln_rotate_result_free(res);
	rotate_init(&r, dir);
	if (ca == NULL) {
		kiln_err_set(err, KILN_EINVAL, "no CA named");
		goto cleanup;
	}
	if ((i = ca_index(ca, err)) == -1 ||
	    rotate_start(&r, phase, threads, err) == -1)
		goto cleanup;
	names_set(&r, &names, (size_t)i);
	if (survey(&r, dir, (size_t)i, res, err) == -1 ||
	    rotate_run(&r, phase, flags, res, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	rotate_free(&r);
	return rc;
}

int
k8s_rotation_check(const struct tree *t, size_t f, struct kiln_err *err)
{
	char shown[PATH_MAX], state[NAME_MAX + 1];
	struct kiln_buf text;
	struct kiln_err e;
	struct stat st;
	int present, phase, next, rc = -1;
	size_t i;

	kiln_buf_init(&text);
	kiln_err_clear(&e);
	for (i = 0; i < K8S_N_CAS; i++) {
		kiln_buf_free(&text);
		snprintf(
		    state, sizeof(state), "%s-rotate.json", k8s_cas[i].base);
		if (tree_shown(t, f, state, shown, err) == -1 ||
		    tree_read(t, f, state, &text, &st, &present, err) == -1)
			goto cleanup;
		if (present && kiln_rotate_state_read((const char *)text.p,
		                   text.len, &phase, &next, &e) == -1) {
			kiln_err_pass_prefix(err, &e, "%s", shown);
			goto cleanup;
		}
		if (present && next != 1) {
			kiln_err_set(err, KILN_EINVAL,
			    "%s: a rotation of the CA %s is under way (phase "
			    "%d of 3 done): run its phase %d (rotate-ca), and "
			    "the rest, first",
			    shown, k8s_cas[i].base, phase, next);
			goto cleanup;
		}
	}
	rc = 0;
cleanup:
	kiln_buf_free(&text);
	return rc;
}
