/*
 * The CA of an etcd tree: DIR/ca's when it exists (never replaced, its
 * key the invoking user's), else the manifest's existing CA, else a new
 * one made from the manifest's "ca" request; planned into DIR/ca with
 * ca-config.json, and whether it ends before the leaves made now.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "etcd/etcdplan.h"
#include "kiln/cert.h"
#include "kiln/duration.h"
#include "kiln/file.h"
#include "kiln/issue.h"
#include "kiln/key.h"
#include "kiln/pem.h"
#include "kiln/rotate.h"

/* A CA certificate and its key, read ("cert_name", "key_name" shown). */
static int
load_ca(struct etcd_run *r, const struct kiln_buf *cert, const char *cert_name,
    const struct kiln_buf *key, const char *key_name, struct kiln_err *err)
{
	if (kiln_signer_open(&r->signer, cert, cert_name, key, key_name,
	        r->m->ca_password, &r->rng, err) == -1 ||
	    kiln_pem_write(&r->ca_pem, "CERTIFICATE", r->signer.ca->crt.raw.p,
	        r->signer.ca->crt.raw.len, err) == -1)
		return -1;
	return 0;
}

/* A new CA from the manifest's "ca" request, planned into DIR/ca. */
static int
make_ca(struct etcd_run *r, struct kiln_err *err)
{
	const struct kiln_etcd_manifest *m = r->m;
	struct kiln_signer *sg = &r->signer;
	struct kiln_careq careq = m->ca.ca;
	struct kiln_profile profile;
	struct kiln_buf der, key_pem;
	struct kiln_gen_in in;
	struct tree_file *w;
	int rc = -1;

	kiln_buf_init(&der);
	kiln_buf_init(&key_pem);
	etcd_progress(r, "CA key (%s %d) and certificate",
	    m->ca.key.algo == KILN_KEY_RSA ? "rsa" : "ecdsa", m->ca.key.size);
	careq.expiry = m->ca_expiry;
	kiln_issue_ca_profile(&profile, &careq, NULL);
	memset(&in, 0, sizeof(in));
	in.req = &m->ca; /* no hosts: the manifest's "ca" takes none */
	in.key = &sg->own_key;
	in.flags = KILN_GEN_NEW_KEY;
	if (kiln_gen_cert(
	        &der, NULL, &in, NULL, &profile, &r->rng, r->now, err) == -1 ||
	    kiln_cert_parse(&sg->own_ca, der.p, der.len, err) == -1 ||
	    kiln_pem_write(&r->ca_pem, "CERTIFICATE", der.p, der.len, err) ==
	        -1 ||
	    kiln_key_write_pem(&sg->own_key, &key_pem, err) == -1)
		goto cleanup;
	kiln_signer_use(sg, &sg->own_ca, &sg->own_key);
	/* The key first: a CA certificate without its key is useless. */
	if ((w = tree_add(&r->tree, F_CA, "ca-key.pem", TREE_CA_KEY, key_pem.p,
	         key_pem.len, 0600, err)) == NULL)
		goto cleanup;
	w->excl = 1;
	if (etcd_plan_data(
	        r, F_CA, "ca.pem", TREE_CA_CERT, &r->ca_pem, 0644, err) == -1)
		goto cleanup;
	r->result->issued++;
	rc = 0;
cleanup:
	kiln_buf_free(&der);
	kiln_buf_free(&key_pem);
	return rc;
}

/*
 * An existing CA: DIR/ca's, or the manifest's ("cert"/"key" hold what
 * DIR/ca has).  Its key stays where the manifest says it is.
 */
static int
open_ca(struct etcd_run *r, struct kiln_buf *cert, int have_cert,
    struct kiln_buf *key, int have_key, struct kiln_err *err)
{
	const struct kiln_etcd_manifest *m = r->m;
	char cert_path[PATH_MAX], key_path[PATH_MAX];
	const char *key_from = key_path;

	if (tree_shown(&r->tree, F_CA, "ca.pem", cert_path, err) == -1 ||
	    tree_shown(&r->tree, F_CA, "ca-key.pem", key_path, err) == -1)
		return -1;
	if (!have_key && m->ca_key_path != NULL) {
		key_from = m->ca_key_path;
		if (kiln_file_read(key_from, key, err) == -1)
			return -1;
	} else if (!have_key) {
		errno = ENOENT;
		return kiln_err_sys(err, "%s", key_path);
	}
	if (!have_cert && kiln_file_read(m->ca_cert_path, cert, err) == -1)
		return -1;
	if (load_ca(r, cert, have_cert ? cert_path : m->ca_cert_path, key,
	        key_from, err) == -1)
		return -1;
	/* A CA kiln made counts as kept; one it was given does not. */
	if (have_cert && have_key)
		r->result->kept++;
	if (etcd_plan_data(
	        r, F_CA, "ca.pem", TREE_CA_CERT, &r->ca_pem, 0644, err) == -1 ||
	    (have_key && etcd_plan_data(r, F_CA, "ca-key.pem", TREE_CA_KEY, key,
	                     0600, err) == -1))
		return -1;
	return 0;
}

/*
 * A CA rotation under way (kiln/rotate.h) is refused: the plan would put
 * back what its phases changed (the members' bundles, the leaves' cross
 * certificate).  A finished rotation is no obstacle.
 */
static int
check_rotation(struct etcd_run *r, struct kiln_err *err)
{
	char shown[PATH_MAX];
	struct kiln_buf text;
	struct stat st;
	struct kiln_err e;
	int present, phase, next, rc = -1;

	kiln_buf_init(&text);
	kiln_err_clear(&e);
	if (tree_shown(&r->tree, F_CA, "rotate.json", shown, err) == -1 ||
	    tree_read(
	        &r->tree, F_CA, "rotate.json", &text, &st, &present, err) == -1)
		goto cleanup;
	if (present && kiln_rotate_state_read((const char *)text.p, text.len,
	                   &phase, &next, &e) == -1) {
		kiln_err_pass_prefix(err, &e, "%s", shown);
		goto cleanup;
	}
	if (present && next != 1) {
		kiln_err_set(err, KILN_EINVAL,
		    "%s: a CA rotation is under way (phase %d of 3 done): run "
		    "its phase %d (rotate-ca), and the rest, first",
		    shown, phase, next);
		goto cleanup;
	}
	rc = 0;
cleanup:
	kiln_buf_free(&text);
	return rc;
}

/*
 * DIR/ca: reused when it exists (never replaced), else the manifest's
 * existing CA, else a new one.  Then ca-config.json and its profiles.
 * Everything that can fail on bad input is read before the first write.
 * A key in DIR/ca must be the invoking user's, and is planned again with
 * mode 0600, so a wider mode is reset.
 */
int
etcd_plan_ca(struct etcd_run *r, struct kiln_err *err)
{
	const struct kiln_etcd_manifest *m = r->m;
	char key_path[PATH_MAX];
	long long leaf_end;
	struct kiln_buf cert, key;
	struct stat st;
	int have_cert, have_key, rc = -1;

	kiln_buf_init(&cert);
	kiln_buf_init(&key);
	etcd_profiles(m, r->profiles);
	if (check_rotation(r, err) == -1 ||
	    tree_shown(&r->tree, F_CA, "ca-key.pem", key_path, err) == -1 ||
	    tree_read(&r->tree, F_CA, "ca-key.pem", &key, &st, &have_key,
	        err) == -1 ||
	    (have_key && tree_key_owner(key_path, &st, err) == -1) ||
	    tree_read(&r->tree, F_CA, "ca.pem", &cert, &st, &have_cert, err) ==
	        -1)
		goto cleanup;
	if (have_cert || m->ca_cert_path != NULL) {
		if (open_ca(r, &cert, have_cert, &key, have_key, err) == -1)
			goto cleanup;
	} else if (make_ca(r, err) == -1)
		goto cleanup;
	/*
	 * A leaf stops working when its CA does, whatever its own date:
	 * note a CA that ends before a certificate made now would (its
	 * notAfter as kiln_issue sets it: from now rounded to the minute,
	 * less the backdate).
	 */
	leaf_end = ((long long)r->now + 30) / 60 * 60 -
	           r->profiles[ETCD_SERVER].backdate / KILN_NS_SECOND +
	           m->expiry / KILN_NS_SECOND;
	r->result->ca_not_after = kiln_cert_not_after(r->signer.ca);
	r->result->ca_ends_first = kiln_cert_outlives(r->signer.ca, leaf_end);
	if (etcd_plan_template(
	        r, F_CA, "ca-config.json", ETCD_CA_CONFIG, 0, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	kiln_buf_free(&cert);
	kiln_buf_free(&key);
	return rc;
}
