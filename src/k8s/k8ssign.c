/*
 * kiln k8s -sign-csrs: kubeadm's external-CA mode.  The keys and CSRs
 * that `kubeadm certs generate-csr` (or `kubeadm init phase certs all
 * --csr-only`) writes into a node's tree, signed by kiln k8s's CAs, each
 * under kubeadm's profile for its file name (k8scerts.c's table): the
 * CA, key usages and EKUs are the profile's; the CN and O must be the
 * profile's (the node's name where kubeadm puts it), and a request that
 * asks for anything else is refused, never signed with another
 * identity; the SANs are the request's where kubeadm's certificate has
 * SANs, and none elsewhere.  NAME.crt is written beside NAME.csr; a
 * kubeconfig's client-certificate-data and certificate-authority-data
 * are filled in place, every other byte kept.  Everything goes through
 * the tree's folder descriptors (pki/tree.c) as one batch.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <mbedtls/x509_crt.h>

#include "asn1/oid.h"
#include "asn1/x509.h"
#include "core/strs.h"
#include "k8s/k8scerts.h"
#include "k8s/k8scsr.h"
#include "k8s/k8splan.h"
#include "k8s/k8ssign.h"
#include "pki/leafpool.h"
#include "kiln/cert.h"
#include "kiln/duration.h"
#include "kiln/k8s.h"
#include "kiln/key.h"
#include "kiln/kubeconfig.h"
#include "kiln/pem.h"
#include "kiln/sign.h"
#include "kiln/signer.h"
#include "pki/tree.h"

/* CA "i" of CADIR, opened once: its certificate and key, checked. */
static int
open_ca(struct sign_run *r, size_t i, struct kiln_err *err)
{
	char cert[NAME_MAX + 1], key[NAME_MAX + 1];
	char cert_path[PATH_MAX], key_path[PATH_MAX];
	struct kiln_buf key_pem;
	struct stat st;
	int have_cert, have_key, rc = -1;

	if (r->opened[i])
		return 0;
	kiln_buf_init(&key_pem);
	snprintf(cert, sizeof(cert), "%s.crt", k8s_cas[i].base);
	snprintf(key, sizeof(key), "%s.key", k8s_cas[i].base);
	if (tree_shown(&r->cat, 0, cert, cert_path, err) == -1 ||
	    tree_shown(&r->cat, 0, key, key_path, err) == -1 ||
	    tree_read(&r->cat, 0, cert, &r->ca_pem[i], &st, &have_cert, err) ==
	        -1)
		goto cleanup;
	if (!have_cert) {
		kiln_err_set(err, KILN_EINVAL,
		    "%s: no such file (the %s CA, as kiln k8s keeps it)",
		    cert_path, k8s_cas[i].cn);
		goto cleanup;
	}
	if (tree_read(&r->cat, 0, key, &key_pem, &st, &have_key, err) == -1 ||
	    (have_key && tree_key_owner(key_path, &st, err) == -1))
		goto cleanup;
	if (!have_key) {
		kiln_err_set(err, KILN_EINVAL,
		    "%s: no such file (the key of %s)", key_path, cert_path);
		goto cleanup;
	}
	if (kiln_signer_open(&r->ca[i], &r->ca_pem[i], cert_path, &key_pem,
	        key_path, NULL, &r->rng, err) == -1)
		goto cleanup;
	r->opened[i] = 1;
	rc = 0;
cleanup:
	kiln_buf_free(&key_pem);
	return rc;
}

/*
 * CA "i"'s certificate in the node's pki/ (where kubeadm's external-CA
 * mode looks for it), once: kept when it is there already, refused when
 * another certificate is there.
 */
static int
copy_ca(struct sign_run *r, size_t i, struct kiln_err *err)
{
	const char *base = k8s_cas[i].pki_base;
	char name[NAME_MAX + 1], shown[PATH_MAX];
	struct kiln_buf old;
	struct stat st;
	size_t f = r->fpki;
	int have, rc = -1;

	if (r->copied[i])
		return 0;
	kiln_buf_init(&old);
	if (strncmp(base, "etcd/", 5) == 0) {
		f = r->fetcd;
		base += 5;
	}
	snprintf(name, sizeof(name), "%s.crt", base);
	if (tree_shown(&r->tree, f, name, shown, err) == -1 ||
	    tree_read(&r->tree, f, name, &old, &st, &have, err) == -1)
		goto cleanup;
	if (have && (old.len != r->ca_pem[i].len ||
	                memcmp(old.p, r->ca_pem[i].p, old.len) != 0)) {
		kiln_err_set(err, KILN_EINVAL,
		    "%s: holds another certificate than the %s CA of the CA "
		    "folder, refused (remove it if it is stale)",
		    shown, k8s_cas[i].cn);
		goto cleanup;
	}
	if (tree_add(&r->tree, f, name, TREE_CA_COPY, r->ca_pem[i].p,
	        r->ca_pem[i].len, 0644, err) == NULL)
		goto cleanup;
	r->copied[i] = 1;
	rc = 0;
cleanup:
	kiln_buf_free(&old);
	return rc;
}

int
k8s_sign_key_matches(const struct kiln_buf *key, const struct kiln_signreq *sr,
    struct kiln_rng *rng, const char *shown, struct kiln_err *err)
{
	struct kiln_key k;
	struct kiln_buf spki;
	int rc = -1;

	kiln_key_init(&k);
	kiln_buf_init(&spki);
	if (kiln_key_parse(&k, key->p, key->len, rng, err) == -1) {
		kiln_err_prefix(err, "%s", shown);
		goto cleanup;
	}
	if (kiln_key_write_spki(&k, &spki, err) == -1)
		goto cleanup;
	rc = spki.len == sr->spki.len &&
	     memcmp(spki.p, sr->spki.p, spki.len) == 0;
cleanup:
	kiln_key_free(&k);
	kiln_buf_free(&spki);
	return rc;
}

int
k8s_sign_cert_pem(struct sign_run *r, size_t ca, const struct kiln_buf *old,
    const struct kiln_buf *der, struct kiln_buf *out, struct kiln_err *err)
{
	if (!(r->flags & KILN_K8S_FORCE) && old->len > 0 &&
	    leaf_still_right(r->ca[ca].ca, old, der)) {
		r->result->kept++;
		return kiln_buf_append(out, old->p, old->len, err);
	}
	r->result->issued++;
	return kiln_pem_write(out, "CERTIFICATE", der->p, der->len, err);
}

/* NAME.crt beside NAME.csr in folder "f"; NAME.key, if there, checked. */
static int
sign_pki(struct sign_run *r, const struct k8s_cert_def *def, size_t f,
    const char *base, const struct kiln_signreq *sr, const struct kiln_buf *der,
    struct kiln_err *err)
{
	char crt[NAME_MAX + 1], key[NAME_MAX + 1], shown[PATH_MAX];
	struct kiln_buf k, old, pem;
	struct stat st;
	int have, m = 0, rc = -1;

	kiln_buf_init(&k);
	kiln_buf_init(&old);
	kiln_buf_init(&pem);
	snprintf(crt, sizeof(crt), "%s.crt", base);
	snprintf(key, sizeof(key), "%s.key", base);
	if (tree_shown(&r->tree, f, key, shown, err) == -1 ||
	    tree_read(&r->tree, f, key, &k, &st, &have, err) == -1 ||
	    (have && tree_key_owner(shown, &st, err) == -1) ||
	    (have &&
	        (m = k8s_sign_key_matches(&k, sr, &r->rng, shown, err)) == -1))
		goto cleanup;
	if (have && m == 0) {
		kiln_err_set(err, KILN_EINVAL,
		    "%s: is not the key of %s.csr, refused (a stale CSR?)",
		    shown, base);
		goto cleanup;
	}
	if (tree_read(&r->tree, f, crt, &old, &st, &have, err) == -1 ||
	    k8s_sign_cert_pem(r, def->ca, &old, der, &pem, err) == -1 ||
	    copy_ca(r, def->ca, err) == -1 ||
	    tree_add(&r->tree, f, crt, TREE_LEAF_CERT, pem.p, pem.len, 0644,
	        err) == NULL)
		goto cleanup;
	rc = 0;
cleanup:
	kiln_buf_free(&k);
	kiln_buf_free(&old);
	kiln_buf_free(&pem);
	return rc;
}

/* The CSR of "def", if kubeadm wrote one: checked, signed, planned. */
static int
sign_one(
    struct sign_run *r, const struct k8s_cert_def *def, struct kiln_err *err)
{
	int conf = (def->flags & K8S_KUBECONFIG) != 0,
	    etcd = strncmp(def->base, "etcd/", 5) == 0;
	const char *base = etcd ? def->base + 5 : def->base;
	size_t f = conf ? F_ROOT : etcd ? r->fetcd : r->fpki;
	char csr[NAME_MAX + 1], shown[PATH_MAX];
	struct kiln_signreq sr;
	struct kiln_gen_in in;
	struct kiln_buf text, der;
	struct stat st;
	int have, rc = -1;

	if (conf && r->csr_dir)
		return 0; /* --csr-only makes no kubeconfig */
	kiln_signreq_init(&sr);
	kiln_buf_init(&text);
	kiln_buf_init(&der);
	snprintf(csr, sizeof(csr), "%s.csr", base);
	if (tree_shown(&r->tree, f, csr, shown, err) == -1 ||
	    tree_read(&r->tree, f, csr, &text, &st, &have, err) == -1)
		goto cleanup;
	if (!have) {
		rc = 0;
		goto cleanup;
	}
	if (kiln_sign_request(&sr, text.p, text.len, err) == -1) {
		kiln_err_prefix(err, "%s", shown);
		goto cleanup;
	}
	if (k8s_csr_check_subject(def, &sr, shown, err) == -1 ||
	    k8s_csr_check_sans(def, &sr, shown, err) == -1 ||
	    open_ca(r, def->ca, err) == -1)
		goto cleanup;
	memset(&in, 0, sizeof(in));
	in.csr = &sr; /* its errors prefixed here, once */
	if (kiln_gen_cert(&der, NULL, &in, &r->ca[def->ca],
	        &r->profiles[def->eku], &r->rng, r->now, err) == -1) {
		kiln_err_prefix(err, "%s", shown);
		goto cleanup;
	}
	rc = conf ? k8s_sign_conf(r, def, &sr, &der, err)
	          : sign_pki(r, def, f, base, &sr, &der, err);
cleanup:
	kiln_signreq_free(&sr);
	kiln_buf_free(&text);
	kiln_buf_free(&der);
	return rc;
}

/* A layout's folders, each with the kind of CSR kubeadm writes there. */
struct csr_folder {
	size_t f;
	enum k8s_csr_where where;
};
static const struct csr_folder node_layout[] = {
    {F_ROOT, K8S_CSR_CONF}, {F_PKI, K8S_CSR_PKI}, {F_ETCD, K8S_CSR_ETCD}};
static const struct csr_folder csr_dir_layout[] = {
    {F_ROOT, K8S_CSR_PKI}, {F_CSR_ETCD, K8S_CSR_ETCD}};

/*
 * The CSRs of the "n" folders "v": the first of kubeadm's shown into
 * "first" (PATH_MAX bytes, left empty when there is none), or, with
 * "first" NULL, each of the others named in the result, left alone.
 */
static int
scan(struct sign_run *r, const struct csr_folder *v, size_t n_v, char *first,
    struct kiln_err *err)
{
	char **names = NULL, shown[PATH_MAX];
	size_t f, i, n = 0;
	int known, rc = 0;

	if (first != NULL)
		first[0] = '\0';
	for (f = 0; rc == 0 && f < n_v; f++) {
		if (r->tree.folders[v[f].f].fd == -1)
			continue;
		rc = tree_list(r->tree.folders[v[f].f].fd, TREE_FILES, ".csr",
		    &names, &n, err);
		for (i = 0; rc == 0 && i < n; i++) {
			known = k8s_csr_def(v[f].where, names[i]) != NULL;
			if (first != NULL && known && first[0] == '\0')
				rc = tree_shown(
				    &r->tree, v[f].f, names[i], first, err);
			else if (first == NULL && !known)
				rc = tree_shown(&r->tree, v[f].f, names[i],
				         shown, err) == -1 ||
				             kiln_strs_push(&r->result->ignored,
				                 &r->result->n_ignored, shown,
				                 err) == -1
				         ? -1
				         : 0;
		}
		kiln_strs_free(names, n);
		names = NULL;
		n = 0;
	}
	return rc;
}

#define N_OF(v) (sizeof(v) / sizeof((v)[0]))

/*
 * Which of kubeadm's layouts DIR holds, by the CSRs of kubeadm's found
 * in it: a node's tree (pki/, pki/etcd/, the kubeconfigs beside their
 * CSRs), or a --csr-dir (NAME.csr and etcd/NAME.csr in DIR itself).
 * Both at once is refused: which to sign would be a guess.
 */
static int
layout(struct sign_run *r, struct kiln_err *err)
{
	char node[PATH_MAX], csr_dir[PATH_MAX];

	if (scan(r, node_layout, N_OF(node_layout), node, err) == -1 ||
	    scan(r, csr_dir_layout, N_OF(csr_dir_layout), csr_dir, err) == -1)
		return -1;
	if (node[0] != '\0' && csr_dir[0] != '\0')
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: holds CSRs in both of kubeadm's layouts (%s as "
		    "`kubeadm certs generate-csr` writes them, %s as "
		    "--csr-only --csr-dir does): refused, sign them from "
		    "separate folders",
		    r->tree.dir, node, csr_dir);
	r->csr_dir = csr_dir[0] != '\0';
	r->fpki = r->csr_dir ? F_ROOT : F_PKI;
	r->fetcd = r->csr_dir ? F_CSR_ETCD : F_ETCD;
	return 0;
}

/* The CSRs of the layout's folders that are not kubeadm's, named. */
static int
unknown_csrs(struct sign_run *r, struct kiln_err *err)
{
	return r->csr_dir
	           ? scan(r, csr_dir_layout, N_OF(csr_dir_layout), NULL, err)
	           : scan(r, node_layout, N_OF(node_layout), NULL, err);
}

/* Each kubeconfig must still be the file that was read. */
static int
confs_unchanged(const struct sign_run *r, struct kiln_err *err)
{
	const struct tree_file *w;
	size_t i;

	for (i = 0; i < r->n_confs; i++) {
		w = &r->tree.files[r->confs[i].file];
		if (w->st.st_ino != r->confs[i].st.st_ino ||
		    w->st.st_dev != r->confs[i].st.st_dev)
			return kiln_err_set(err, KILN_EINVAL,
			    "%s: replaced while kiln read it, refused",
			    w->shown);
	}
	return 0;
}

static void
run_free(struct sign_run *r)
{
	size_t i;

	for (i = 0; i < K8S_N_CAS; i++) {
		kiln_signer_free(&r->ca[i]);
		kiln_buf_free(&r->ca_pem[i]);
	}
	tree_free(&r->tree);
	tree_free(&r->cat);
	kiln_rng_free(&r->rng);
}

int
kiln_k8s_sign_csrs(const char *dir, const char *cadir, int64_t expiry,
    unsigned int flags, struct kiln_k8s_result *result, struct kiln_err *err)
{
	const enum kiln_eku *eku;
	struct sign_run r;
	size_t i, n;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	r.flags = flags;
	r.now = time(NULL);
	r.result = result;
	kiln_k8s_result_free(result); /* a reused result starts over */
	kiln_rng_init(&r.rng);
	tree_init(&r.tree, dir);
	tree_init(&r.cat, cadir);
	for (i = 0; i < K8S_N_CAS; i++) {
		kiln_signer_init(&r.ca[i]);
		kiln_buf_init(&r.ca_pem[i]);
	}
	for (i = 0; i < K8S_N_EKUS; i++) {
		k8s_ekus((enum k8s_eku)i, &eku, &n);
		kiln_profile_make(&r.profiles[i],
		    expiry > 0 ? expiry : KILN_NS_YEAR, K8S_LEAF_KU, eku, n);
	}
	if (tree_folder(&r.tree, F_ROOT, 0755, ".", "", err) == -1 ||
	    tree_folder(&r.tree, F_ROOT, 0755, "pki", "", err) == -1 ||
	    tree_folder(&r.tree, F_PKI, 0755, "pki", "etcd", err) == -1 ||
	    tree_folder(&r.tree, F_ROOT, 0755, "etcd", "", err) == -1 ||
	    tree_folder(&r.cat, 0, 0700, ".", "", err) == -1 ||
	    tree_open(&r.tree, err) == -1 || tree_open(&r.cat, err) == -1 ||
	    kiln_rng_seed(&r.rng, "kiln k8s -sign-csrs", err) == -1)
		goto cleanup;
	if (r.tree.folders[F_ROOT].fd == -1) {
		kiln_err_set(err, KILN_EINVAL, "%s: no such folder", dir);
		goto cleanup;
	}
	if (layout(&r, err) == -1)
		goto cleanup;
	for (i = 0; i < k8s_n_certs; i++)
		if (k8s_csr_signable(&k8s_certs[i]) &&
		    sign_one(&r, &k8s_certs[i], err) == -1)
			goto cleanup;
	if (unknown_csrs(&r, err) == -1 || tree_decide(&r.tree, err) == -1 ||
	    confs_unchanged(&r, err) == -1)
		goto cleanup;
	if (!(flags & KILN_K8S_DRY_RUN) && tree_write(&r.tree, err) == -1)
		goto cleanup;
	if (k8s_report(&r.tree, r.result, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	run_free(&r);
	return rc;
}
