/*
 * The CA of an etcd tree: DIR/ca's when it exists (never replaced, its
 * key the invoking user's), else the manifest's existing CA, else a new
 * one made from the manifest's "ca" request; planned into DIR/ca with
 * ca-config.json, and whether it ends before the leaves made now.  The
 * CA is a CA in a folder of the tree as kiln k8s's are (pki/treeca.c).
 */
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "etcd/etcdplan.h"
#include "kiln/cert.h"
#include "kiln/duration.h"
#include "kiln/issue.h"
#include "kiln/key.h"
#include "kiln/rotate.h"
#include "pki/treeca.h"

/* Before a new CA is made: its step of the run. */
static void
making_ca(void *arg)
{
	struct etcd_run *r = arg;

	etcd_progress(r, "CA key (%s %d) and certificate",
	    r->m->ca.key.algo == KILN_KEY_RSA ? "rsa" : "ecdsa",
	    r->m->ca.key.size);
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
	struct kiln_careq careq = m->ca.ca;
	struct kiln_profile profile;
	struct tree_ca_opts opts;
	long long leaf_end;

	etcd_profiles(m, r->profiles);
	careq.expiry = m->ca_expiry;
	kiln_issue_ca_profile(&profile, &careq, NULL);
	/*
	 * kiln etcd's CA as it has always been planned: the certificate
	 * as PEM from its DER, an opened CA's certificate first.
	 */
	memset(&opts, 0, sizeof(opts));
	opts.cert = m->ca_cert_path;
	opts.key = m->ca_key_path;
	opts.password = m->ca_password;
	opts.making = making_ca;
	opts.arg = r;
	opts.flags = TREE_CA_PEM_AGAIN | TREE_CA_CERT_FIRST;
	/* m->ca has no hosts: the manifest's "ca" takes none. */
	if (check_rotation(r, err) == -1 ||
	    tree_ca_plan(&r->ca, &r->tree, F_CA, "ca.pem", "ca-key.pem", &m->ca,
	        &profile, &r->rng, r->now, &opts, err) == -1 ||
	    kiln_buf_append(
	        &r->ca_pem, r->ca.cert_pem.p, r->ca.cert_pem.len, err) == -1)
		return -1;
	/* A CA kiln made counts as issued; one it was given, as neither. */
	if (r->ca.made)
		r->result->issued++;
	else if (!r->ca.given)
		r->result->kept++;
	/*
	 * A leaf stops working when its CA does, whatever its own date:
	 * note a CA that ends before a certificate made now would (its
	 * notAfter as kiln_issue sets it: from now rounded to the minute,
	 * less the backdate).
	 */
	leaf_end = ((long long)r->now + 30) / 60 * 60 -
	           r->profiles[ETCD_SERVER].backdate / KILN_NS_SECOND +
	           m->expiry / KILN_NS_SECOND;
	r->result->ca_not_after = kiln_cert_not_after(r->ca.signer.ca);
	r->result->ca_ends_first =
	    kiln_cert_outlives(r->ca.signer.ca, leaf_end);
	return etcd_plan_template(
	    r, F_CA, "ca-config.json", ETCD_CA_CONFIG, 0, err);
}
