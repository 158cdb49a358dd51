/*
 * A CA rotation's kubeconfigs (pki/rotate.h): each read through its
 * folder and parsed (kiln/kubeconfig.h), its certificate-authority-data
 * made the phase's bundle (base64 of the PEM) and, in phase 2, its
 * client-certificate-data issued again by the new CA for the key in its
 * client-key-data, the cross certificate after it.  Each value is
 * spliced in place: every other byte of the file is kept.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kiln/kubeconfig.h"
#include "kiln/pem.h"
#include "pki/rotate.h"

/* A value to put in the place of an item's. */
struct edit {
	const struct kiln_kc_item *item;
	const struct kiln_buf *value;
};

#define MAX_EDITS 64

/* Add "item" := "value" to "v" ("*n" so far). */
static int
edit_add(struct edit *v, size_t *n, const struct kiln_kc_item *item,
    const struct kiln_buf *value, const char *shown, struct kiln_err *err)
{
	if (*n == MAX_EDITS)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: more than %d certificates to replace", shown,
		    MAX_EDITS);
	v[*n].item = item;
	v[*n].value = value;
	(*n)++;
	return 0;
}

/*
 * "text" with each edit of "v" made, into "out": from the last value in
 * the file to the first, so that no splice moves a span still to make.
 */
static int
edits_apply(const struct kiln_buf *text, struct edit *v, size_t n,
    struct kiln_buf *out, struct kiln_err *err)
{
	struct kiln_buf a, b, *cur = &a, *next = &b, *t;
	struct edit x;
	size_t i, j;
	int rc = -1;

	kiln_buf_init(&a);
	kiln_buf_init(&b);
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && v[j - 1].item->start < v[j].item->start;
		     j--) {
			x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	if (kiln_buf_append(cur, text->p, text->len, err) == -1)
		goto cleanup;
	for (i = 0; i < n; i++) {
		kiln_buf_free(next);
		if (kiln_kubeconfig_splice(cur->p, cur->len, v[i].item,
		        (const char *)v[i].value->p, v[i].value->len, next,
		        err) == -1)
			goto cleanup;
		t = cur;
		cur = next;
		next = t;
	}
	rc = kiln_buf_append(out, cur->p, cur->len, err);
cleanup:
	kiln_buf_free(&a);
	kiln_buf_free(&b);
	return rc;
}

/*
 * The client certificate of "kc" ("shown") under the new CA: its base64
 * into "b64", unless the new CA issued it already ("*kept").
 */
static int
conf_leaf(struct rotate *r, const struct kiln_kubeconfig *kc, const char *shown,
    const struct kiln_kc_item **item, struct kiln_buf *b64, int *kept,
    struct kiln_err *err)
{
	char cert_shown[PATH_MAX], key_shown[PATH_MAX];
	const struct kiln_kc_item *ki;
	struct kiln_buf cert, key, pem;
	struct kiln_infos infos;
	int rc = -1;

	kiln_buf_init(&cert);
	kiln_buf_init(&key);
	kiln_buf_init(&pem);
	kiln_infos_init(&infos);
	if ((*item = kiln_kubeconfig_client(kc, shown, err)) == NULL)
		goto cleanup;
	if (snprintf(cert_shown, sizeof(cert_shown), "%s#users/%s", shown,
	        (*item)->owner) >= (int)sizeof(cert_shown) ||
	    snprintf(key_shown, sizeof(key_shown), "%s: client-key-data",
	        cert_shown) >= (int)sizeof(key_shown)) {
		kiln_err_set(err, KILN_EINVAL, "%s: name too long", shown);
		goto cleanup;
	}
	if ((ki = kiln_kubeconfig_find(kc, KILN_KC_KEY_DATA, (*item)->owner)) ==
	    NULL) {
		kiln_err_set(
		    err, KILN_EINVAL, "%s: no client-key-data", cert_shown);
		goto cleanup;
	}
	if (kiln_kubeconfig_decode(*item, shown, &cert, err) == -1 ||
	    rotate_leaf_read(r, &cert, cert_shown, &infos, kept, err) == -1)
		goto cleanup;
	if (*kept) {
		rc = 0;
		goto cleanup;
	}
	if (kiln_kubeconfig_decode(ki, shown, &key, err) == -1 ||
	    rotate_leaf_issue(r, NULL, &infos.v[0], cert_shown, key.p, key.len,
	        key_shown, &pem, err) == -1 ||
	    kiln_base64_append(b64, pem.p, pem.len, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	kiln_buf_free(&cert);
	kiln_buf_free(&key);
	kiln_buf_free(&pem);
	kiln_infos_free(&infos);
	return rc;
}

/* Kubeconfig "c" with the phase's values, into "out". */
static int
conf_file(struct rotate *r, const struct rotate_conf *c,
    const struct kiln_buf *ca_b64, int leaf, struct kiln_rotate_result *res,
    struct kiln_buf *out, struct kiln_err *err)
{
	const struct kiln_kc_item *client = NULL;
	struct edit edits[MAX_EDITS];
	struct kiln_kubeconfig kc;
	struct kiln_buf text, cert_b64;
	char shown[PATH_MAX];
	struct stat st;
	size_t i, n = 0;
	int have, kept = 0, rc = -1;

	kiln_kubeconfig_init(&kc);
	kiln_buf_init(&text);
	kiln_buf_init(&cert_b64);
	if (tree_shown(&r->tree, c->folder, c->name, shown, err) == -1 ||
	    tree_read(&r->tree, c->folder, c->name, &text, &st, &have, err) ==
	        -1)
		goto cleanup;
	if (!have) {
		kiln_err_set(err, KILN_EINVAL, "%s: missing", shown);
		goto cleanup;
	}
	/* It holds a key: the invoking user's, as every key kiln keeps. */
	if (tree_key_owner(shown, &st, err) == -1 ||
	    kiln_kubeconfig_parse(&kc, text.p, text.len, shown, err) != 0)
		goto cleanup;
	if (c->what & ROTATE_CONF_TRUST)
		for (i = 0; i < kc.n; i++)
			if (kc.items[i].kind == KILN_KC_CA_DATA &&
			    edit_add(edits, &n, &kc.items[i], ca_b64, shown,
			        err) == -1)
				goto cleanup;
	if (leaf && (c->what & ROTATE_CONF_LEAF)) {
		if (conf_leaf(r, &kc, shown, &client, &cert_b64, &kept, err) ==
		    -1)
			goto cleanup;
		if (kept)
			res->kept++;
		else if (edit_add(edits, &n, client, &cert_b64, shown, err) ==
		         -1)
			goto cleanup;
		else
			res->reissued++;
	}
	rc = edits_apply(&text, edits, n, out, err);
cleanup:
	kiln_kubeconfig_free(&kc);
	kiln_buf_free(&text);
	kiln_buf_free(&cert_b64);
	return rc;
}

int
rotate_plan_confs(struct rotate *r, const struct rotate_ca *a,
    const struct rotate_ca *b, int leaf, struct kiln_rotate_result *res,
    struct kiln_err *err)
{
	struct kiln_buf bundle, b64, file;
	size_t i;
	int rc = -1;

	kiln_buf_init(&bundle);
	kiln_buf_init(&b64);
	kiln_buf_init(&file);
	if (rotate_bundle(&bundle, a, b, err) == -1 ||
	    kiln_base64_append(&b64, bundle.p, bundle.len, err) == -1)
		goto cleanup;
	for (i = 0; i < r->n_confs; i++) {
		kiln_buf_free(&file);
		/* A kubeconfig holds a key: 0600, as kubeadm writes it. */
		if (conf_file(r, &r->confs[i], &b64, leaf, res, &file, err) ==
		        -1 ||
		    tree_add(&r->tree, r->confs[i].folder, r->confs[i].name,
		        TREE_LEAF_CERT, file.p, file.len, 0600, err) == NULL)
			goto cleanup;
	}
	rc = 0;
cleanup:
	kiln_buf_free(&bundle);
	kiln_buf_free(&b64);
	kiln_buf_free(&file);
	return rc;
}
