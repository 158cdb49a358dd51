/*
 * kiln renew on kubeconfigs (pki/renewkc.h): the client certificate a
 * kubeconfig embeds, found and decoded with the kubeconfig reader
 * (kiln/kubeconfig.h), its key checked, and the new values spliced in
 * place.  The file itself is read and written as every renewed file is
 * (renewplan.c, renewcommit.c): through its folder's descriptor, over
 * the inode that was read.
 */
#include <stdio.h>
#include <string.h>

#include "kiln/inspect.h"
#include "kiln/kubeconfig.h"
#include "kiln/pem.h"
#include "pki/renewkc.h"

/* Whether "kc" embeds any client certificate. */
static int
has_client_data(const struct kiln_kubeconfig *kc)
{
	size_t i;

	for (i = 0; i < kc->n; i++)
		if (kc->items[i].kind == KILN_KC_CERT_DATA)
			return 1;
	return 0;
}

int
renew_kc_read(struct kiln_renew_item *it, struct kiln_err *err)
{
	const struct kiln_kc_item *c;
	struct kiln_buf pem;
	struct kiln_err perr;
	int r, rc = -1;

	kiln_buf_init(&pem);
	kiln_err_clear(&perr);
	r = kiln_kubeconfig_parse(
	    &it->kc, it->text.p, it->text.len, it->path, &perr);
	/*
	 * Named, without PEM and too big to read as a kubeconfig: no
	 * certificate either (kiln's own and a DER one are far smaller), so
	 * say the size rather than "not a certificate".
	 */
	if (r == 1 && it->root_len == 0 && it->text.len > KILN_KUBECONFIG_MAX)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: %zu bytes: too big for a kubeconfig (kiln reads "
		    "%u MiB at most) and not a certificate",
		    it->path, it->text.len, KILN_KUBECONFIG_MAX >> 20);
	if (r != 0) {
		if (r == 1 && perr.code != KILN_ENOMEM)
			return 0;
		return kiln_err_pass(err, &perr);
	}
	it->is_kc = 1;
	if (it->root_len > 0 && !has_client_data(&it->kc))
		return 2;
	if ((c = kiln_kubeconfig_client(&it->kc, it->path, &perr)) == NULL) {
		if (strstr(perr.msg, ", not embedded") == NULL)
			return kiln_err_pass(err, &perr);
		return kiln_err_set(
		    err, perr.code, "%s: renew that file itself", perr.msg);
	}
	it->kc_cert = c;
	if (kiln_kubeconfig_decode(c, it->path, &pem, err) == -1)
		goto cleanup;
	if (kiln_inspect_certs(&it->infos, pem.p, pem.len, err) == -1) {
		kiln_err_prefix(err, "%s: users/%s: client-certificate-data",
		    it->path, c->owner);
		goto cleanup;
	}
	rc = 1;
cleanup:
	kiln_buf_free(&pem);
	return rc;
}

int
renew_kc_key(struct kiln_renew_item *it, const struct kiln_renew_opts *o,
    struct kiln_rng *rng, struct kiln_err *err)
{
	const char *user = it->kc_cert->owner;
	const struct kiln_kc_item *k;
	struct kiln_buf pem;
	int rc = -1;

	kiln_buf_init(&pem);
	if (o->key != NULL)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: a kubeconfig, whose key is its client-key-data: no "
		    "key file is read for it",
		    it->path);
	if ((k = kiln_kubeconfig_find(&it->kc, KILN_KC_KEY_DATA, user)) ==
	    NULL) {
		k = kiln_kubeconfig_find(&it->kc, KILN_KC_KEY_FILE, user);
		if (k != NULL)
			return kiln_err_set(err, KILN_EINVAL,
			    "%s: users/%s: the client key is the file %s, not "
			    "embedded: refused",
			    it->path, user, k->value);
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: users/%s: no client-key-data", it->path, user);
	}
	it->kc_key = k;
	it->inside = 1;
	snprintf(it->key.shown, sizeof(it->key.shown),
	    "client-key-data of users/%s", user);
	if (kiln_kubeconfig_decode(k, it->path, &pem, err) == -1)
		goto cleanup;
	it->has_key = 1;
	rc = kiln_renew_check_key(&it->old_key, &it->infos.v[0], it->path,
	    pem.p, pem.len, it->key.shown, rng, err);
cleanup:
	kiln_buf_free(&pem); /* wiped: a private key */
	return rc;
}

/* "in" with the value of "item" replaced by the base64 of "v", to "out". */
static int
splice_b64(const struct kiln_buf *in, const struct kiln_kc_item *item,
    const struct kiln_buf *v, struct kiln_buf *out, struct kiln_err *err)
{
	struct kiln_buf b64;
	int rc;

	kiln_buf_init(&b64);
	rc = kiln_base64_append(&b64, v->p, v->len, err) == -1 ||
	             kiln_kubeconfig_splice(in->p, in->len, item,
	                 (const char *)b64.p, b64.len, out, err) == -1
	         ? -1
	         : 0;
	kiln_buf_free(&b64); /* may be a key's */
	return rc;
}

int
renew_kc_file(struct kiln_buf *out, const struct kiln_renew_item *it,
    const struct kiln_buf *der, const struct kiln_buf *key_pem,
    struct kiln_err *err)
{
	const struct kiln_kc_item *later = it->kc_cert, *first = NULL;
	const struct kiln_buf *later_v, *first_v = NULL;
	struct kiln_buf cert, mid;
	int rc = -1;

	kiln_buf_init(&cert);
	kiln_buf_init(&mid);
	if (kiln_renew_file(&cert, der, &it->infos, NULL, 1, err) == -1)
		goto cleanup;
	later_v = &cert;
	if (key_pem != NULL) {
		/* The later span first: the earlier one's offsets hold. */
		first = it->kc_key;
		first_v = key_pem;
		if (first->start > later->start) {
			first = it->kc_cert;
			first_v = &cert;
			later = it->kc_key;
			later_v = key_pem;
		}
	}
	if (first == NULL) {
		rc = splice_b64(&it->text, later, later_v, out, err);
		goto cleanup;
	}
	if (splice_b64(&it->text, later, later_v, &mid, err) == -1 ||
	    splice_b64(&mid, first, first_v, out, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	if (rc == -1)
		kiln_err_prefix(err, "%s", it->path);
	kiln_buf_free(&cert);
	kiln_buf_free(&mid); /* holds a key: wiped */
	return rc;
}
