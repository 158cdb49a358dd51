/*
 * A CA kept in a folder of a tree (treeca.h): opened when it is there,
 * made when it is not, and planned into the tree either way.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "kiln/cert.h"
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

int
tree_ca_plan(struct tree_ca *c, struct tree *t, size_t f, const char *cert,
    const char *key, const struct kiln_request *req,
    const struct kiln_profile *profile, struct kiln_rng *rng, time_t now,
    struct kiln_err *err)
{
	char cert_path[PATH_MAX], key_path[PATH_MAX];
	struct tree_file *w;
	struct stat st;
	int have_cert, have_key;

	if (tree_shown(t, f, cert, cert_path, err) == -1 ||
	    tree_shown(t, f, key, key_path, err) == -1 ||
	    tree_read(t, f, key, &c->key_pem, &st, &have_key, err) == -1 ||
	    (have_key && tree_key_owner(key_path, &st, err) == -1) ||
	    tree_read(t, f, cert, &c->cert_pem, &st, &have_cert, err) == -1)
		return -1;
	if (have_cert && !have_key) {
		errno = ENOENT;
		return kiln_err_sys(err, "%s", key_path);
	}
	if (have_cert) {
		if (kiln_signer_open(&c->signer, &c->cert_pem, cert_path,
		        &c->key_pem, key_path, NULL, rng, err) == -1)
			return -1;
	} else {
		/* A key without its certificate is not replaced: refused
		 * when the batch is decided (an exclusive file). */
		kiln_buf_free(&c->key_pem);
		if (make_ca(c, req, profile, rng, now, err) == -1)
			return -1;
	}
	/* The key first: a CA certificate without its key is useless. */
	if ((w = tree_add(t, f, key, TREE_CA_KEY, c->key_pem.p, c->key_pem.len,
	         0600, err)) == NULL)
		return -1;
	w->excl = c->made;
	return tree_add(t, f, cert, TREE_CA_CERT, c->cert_pem.p,
	           c->cert_pem.len, 0644, err) == NULL
	           ? -1
	           : 0;
}
