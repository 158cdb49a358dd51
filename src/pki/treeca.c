/*
 * A CA kept in a folder of a tree (treeca.h): opened when it is there,
 * made when it is not, and planned into the tree either way.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "kiln/cert.h"
#include "kiln/file.h"
#include "kiln/key.h"
#include "kiln/pem.h"
#include "pki/treeca.h"

void
tree_ca_init(struct tree_ca *c)
{
	memset(c, 0, sizeof(*c));
	kiln_signer_init(&c->signer);
	kiln_buf_init(&c->cert_pem);
	kiln_buf_init(&c->key_pem);
}

void
tree_ca_free(struct tree_ca *c)
{
	kiln_signer_free(&c->signer);
	kiln_buf_free(&c->cert_pem);
	kiln_buf_free(&c->key_pem);
	tree_ca_init(c);
}

/* A new CA from "req", self-signed, into "c". */
static int
make_ca(struct tree_ca *c, const struct kiln_request *req,
    const struct kiln_profile *profile, struct kiln_rng *rng, time_t now,
    struct kiln_err *err)
{
	struct kiln_signer *sg = &c->signer;
	struct kiln_gen_in in;
	struct kiln_buf der;
	int rc = -1;

	kiln_buf_init(&der);
	memset(&in, 0, sizeof(in));
	in.req = req;
	in.key = &sg->own_key;
	in.flags = KILN_GEN_NEW_KEY;
	if (kiln_gen_cert(&der, NULL, &in, NULL, profile, rng, now, err) ==
	        -1 ||
	    kiln_cert_parse(&sg->own_ca, der.p, der.len, err) == -1 ||
	    kiln_pem_write(&c->cert_pem, "CERTIFICATE", der.p, der.len, err) ==
	        -1 ||
	    kiln_key_write_pem(&sg->own_key, &c->key_pem, err) == -1)
		goto cleanup;
	kiln_signer_use(sg, &sg->own_ca, &sg->own_key);
	c->made = 1;
	rc = 0;
cleanup:
	kiln_buf_free(&der);
	return rc;
}

/* The certificate again as PEM from its DER: nothing read around it. */
static int
pem_again(struct tree_ca *c, struct kiln_err *err)
{
	const struct kiln_cert *ca = c->signer.ca;

	kiln_buf_free(&c->cert_pem);
	return kiln_pem_write(
	    &c->cert_pem, "CERTIFICATE", ca->crt.raw.p, ca->crt.raw.len, err);
}

/* The key into the tree, 0600, exclusive when made now. */
static int
plan_key(struct tree_ca *c, struct tree *t, size_t f, const char *key,
    struct kiln_err *err)
{
	struct tree_file *w;

	if ((w = tree_add(t, f, key, TREE_CA_KEY, c->key_pem.p, c->key_pem.len,
	         0600, err)) == NULL)
		return -1;
	w->excl = c->made;
	return 0;
}

/* The certificate into the tree, 0644. */
static int
plan_cert(struct tree_ca *c, struct tree *t, size_t f, const char *cert,
    struct kiln_err *err)
{
	return tree_add(t, f, cert, TREE_CA_CERT, c->cert_pem.p,
	           c->cert_pem.len, 0644, err) == NULL
	           ? -1
	           : 0;
}

int
tree_ca_plan(struct tree_ca *c, struct tree *t, size_t f, const char *cert,
    const char *key, const struct kiln_request *req,
    const struct kiln_profile *profile, struct kiln_rng *rng, time_t now,
    const struct tree_ca_opts *o, struct kiln_err *err)
{
	static const struct tree_ca_opts none;
	char cert_path[PATH_MAX], key_path[PATH_MAX];
	const char *cert_from = cert_path, *key_from = key_path;
	struct stat st;
	int have_cert, have_key;

	if (o == NULL)
		o = &none;
	if (tree_shown(t, f, cert, cert_path, err) == -1 ||
	    tree_shown(t, f, key, key_path, err) == -1 ||
	    tree_read(t, f, key, &c->key_pem, &st, &have_key, err) == -1 ||
	    (have_key && tree_key_owner(key_path, &st, err) == -1) ||
	    tree_read(t, f, cert, &c->cert_pem, &st, &have_cert, err) == -1)
		return -1;
	if (have_cert || o->cert != NULL) {
		/* What the folder lacks, from the given CA's files. */
		if (!have_key && o->key != NULL) {
			key_from = o->key;
			c->given = 1;
			if (kiln_file_read(key_from, &c->key_pem, err) == -1)
				return -1;
		} else if (!have_key) {
			errno = ENOENT;
			return kiln_err_sys(err, "%s", key_path);
		}
		if (!have_cert) {
			cert_from = o->cert;
			c->given = 1;
			if (kiln_file_read(cert_from, &c->cert_pem, err) == -1)
				return -1;
		}
		if (kiln_signer_open(&c->signer, &c->cert_pem, cert_from,
		        &c->key_pem, key_from, o->password, rng, err) == -1)
			return -1;
		if ((o->flags & TREE_CA_PEM_AGAIN) && pem_again(c, err) == -1)
			return -1;
	} else {
		/* A key without its certificate is not replaced: refused
		 * when the batch is decided (an exclusive file). */
		kiln_buf_free(&c->key_pem);
		if (o->making != NULL)
			o->making(o->arg);
		if (make_ca(c, req, profile, rng, now, err) == -1)
			return -1;
	}
	if (!c->made && (o->flags & TREE_CA_CERT_FIRST))
		return plan_cert(c, t, f, cert, err) == -1 ||
		               (have_key && plan_key(c, t, f, key, err) == -1)
		           ? -1
		           : 0;
	/* The key first: a CA certificate without its key is useless. */
	return ((c->made || have_key) && plan_key(c, t, f, key, err) == -1) ||
	               plan_cert(c, t, f, cert, err) == -1
	           ? -1
	           : 0;
}
