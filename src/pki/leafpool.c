/*
 * The leaves of a plan issued on the pool (leafpool.h).  A re-run keeps
 * what is still right byte for byte: a certificate is kept when a new
 * one for the same key would differ from it only in serial and dates,
 * and it still verifies against the CA.  A key is certified only when it
 * is the invoking user's and matches the certificate beside it.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <mbedtls/x509_crt.h>

#include "core/compat.h"
#include "asn1/x509.h"
#include "pki/pool.h"
#include "core/strs.h"
#include "kiln/cert.h"
#include "kiln/key.h"
#include "kiln/pem.h"
#include "pki/leafpool.h"

void
leaves_init(struct leaves *l)
{
	memset(l, 0, sizeof(*l));
}

static void
leaf_free(struct leaf *j)
{
	free(j->what);
	free(j->cn);
	free(j->o);
	kiln_strs_free(j->hosts, j->n_hosts);
	free(j->cert_name);
	free(j->key_name);
	free(j->cert_path);
	free(j->key_path);
	kiln_buf_free(&j->old_key);
	kiln_buf_free(&j->old_cert);
	kiln_buf_free(&j->cert_pem);
	kiln_buf_free(&j->key_pem);
}

void
leaves_free(struct leaves *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		leaf_free(&l->v[i]);
	free(l->v);
	leaves_init(l);
}

/* A copy of "s", or NULL for NULL; "*bad" set when memory runs out. */
static char *
dup_or_null(const char *s, int *bad)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*bad = 1;
	return d;
}

/* A leaf's two files in folder "f": "cert" and "key". */
static int
leaf_files(struct leaf *j, const struct tree *t, size_t f, const char *cert,
    const char *key, struct kiln_err *err)
{
	char cert_path[PATH_MAX], key_path[PATH_MAX];
	int bad = 0;

	j->folder = f;
	if (tree_shown(t, f, cert, cert_path, err) == -1 ||
	    tree_shown(t, f, key, key_path, err) == -1)
		return -1;
	j->cert_name = dup_or_null(cert, &bad);
	j->key_name = dup_or_null(key, &bad);
	j->cert_path = dup_or_null(cert_path, &bad);
	j->key_path = dup_or_null(key_path, &bad);
	return bad ? kiln_err_set(err, KILN_ENOMEM, "out of memory") : 0;
}

/*
 * The existing key of "j" and the certificate beside it: read through
 * their folder, so a link, FIFO, device or hard link there is refused,
 * and the key must be the invoking user's.
 */
static int
read_existing(const struct tree *t, struct leaf *j, struct kiln_err *err)
{
	struct stat st;

	if (tree_read(t, j->folder, j->key_name, &j->old_key, &st, &j->have_key,
	        err) == -1 ||
	    (j->have_key && tree_key_owner(j->key_path, &st, err) == -1))
		return -1;
	if (j->have_key && tree_read(t, j->folder, j->cert_name, &j->old_cert,
	                       &st, &j->have_cert, err) == -1)
		return -1;
	return 0;
}

long
leaves_add_files(struct leaves *l, const struct tree *t, size_t f,
    const char *cert, const char *key, const char *what, const char *cn,
    const char *o, char *const *hosts, size_t n_hosts,
    const struct kiln_request *req, const struct kiln_profile *profile,
    int fresh, struct kiln_err *err)
{
	struct leaf *j;
	int bad = 0;

	if ((j = realloc(l->v, (l->n + 1) * sizeof(*j))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	l->v = j;
	j = &l->v[l->n++];
	memset(j, 0, sizeof(*j));
	kiln_buf_init(&j->old_key);
	kiln_buf_init(&j->old_cert);
	kiln_buf_init(&j->cert_pem);
	kiln_buf_init(&j->key_pem);
	j->base = req;
	j->profile = profile;
	if (leaf_files(j, t, f, cert, key, err) == -1 ||
	    (!fresh && read_existing(t, j, err) == -1))
		return -1;
	j->what = dup_or_null(what, &bad);
	j->cn = dup_or_null(cn, &bad);
	j->o = dup_or_null(o, &bad);
	if (bad || kiln_strs_set(&j->hosts, &j->n_hosts,
	               (const char *const *)hosts, n_hosts, err) == -1)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	return (long)(l->n - 1);
}

long
leaves_add(struct leaves *l, const struct tree *t, size_t f, const char *base,
    const char *what, const char *cn, const char *o, char *const *hosts,
    size_t n_hosts, const struct kiln_request *req,
    const struct kiln_profile *profile, int fresh, struct kiln_err *err)
{
	char cert[NAME_MAX + 1], key[NAME_MAX + 1];
	int n = snprintf(cert, sizeof(cert), "%s.pem", base),
	    k = snprintf(key, sizeof(key), "%s-key.pem", base);

	if (n < 0 || (size_t)n >= sizeof(cert) || k < 0 ||
	    (size_t)k >= sizeof(key))
		return kiln_err_set(err, KILN_EINVAL,
		    "%s/%s/%.40s...-key.pem: file name too long", t->dir,
		    t->folders[f].rel, base);
	return leaves_add_files(l, t, f, cert, key, what, cn, o, hosts, n_hosts,
	    req, profile, fresh, err);
}

int
leaves_set_existing(struct leaves *l, size_t i, const struct kiln_buf *key,
    const struct kiln_buf *cert, struct kiln_err *err)
{
	struct leaf *j = &l->v[i];

	kiln_buf_free(&j->old_key);
	kiln_buf_free(&j->old_cert);
	j->have_key = j->have_cert = 0;
	if (key == NULL || key->len == 0)
		return 0;
	if (kiln_buf_append(&j->old_key, key->p, key->len, err) == -1 ||
	    kiln_buf_terminate(&j->old_key, err) == -1)
		return -1;
	j->have_key = 1;
	if (cert == NULL || cert->len == 0)
		return 0;
	if (kiln_buf_append(&j->old_cert, cert->p, cert->len, err) == -1 ||
	    kiln_buf_terminate(&j->old_cert, err) == -1)
		return -1;
	j->have_cert = 1;
	return 0;
}

int
leaves_plan(const struct leaves *l, size_t i, struct tree *t, size_t f,
    struct kiln_err *err)
{
	const struct leaf *j = &l->v[i];
	struct tree_file *w;

	if ((w = tree_add(
	         t, f, j->key_name, TREE_LEAF_KEY, NULL, 0, 0600, err)) == NULL)
		return -1;
	w->arg = i;
	if ((w = tree_add(t, f, j->cert_name, TREE_LEAF_CERT, NULL, 0, 0644,
	         err)) == NULL)
		return -1;
	w->arg = i;
	return 0;
}

/*
 * Whether the certificate "old" (PEM) is still right: it would differ
 * from "fresh" (DER, just issued for the same key) only in its serial
 * number, dates and signature, and it verifies against the CA now.
 */
int
leaf_still_right(const struct kiln_cert *ca, const struct kiln_buf *old,
    const struct kiln_buf *fresh)
{
	struct x509_tbs a, c;
	struct kiln_cert cert;
	struct kiln_err ignored;
	uint32_t flags = 0;
	int right;

	kiln_cert_init(&cert);
	kiln_err_clear(&ignored);
	right = kiln_cert_parse(&cert, old->p, old->len, &ignored) == 0 &&
	        x509_tbs(cert.crt.raw.p, cert.crt.raw.len, &a) == 0 &&
	        x509_tbs(fresh->p, fresh->len, &c) == 0 &&
	        rd_equal(&a.issuer, &c.issuer) &&
	        rd_equal(&a.subject, &c.subject) &&
	        rd_equal(&a.spki, &c.spki) && rd_equal(&a.exts, &c.exts) &&
	        mbedtls_x509_crt_verify(&cert.crt, (mbedtls_x509_crt *)&ca->crt,
	            NULL, NULL, &flags, NULL, NULL) == 0;
	kiln_cert_free(&cert);
	return right;
}

/*
 * Whether the PEM block "p" ("len" bytes) is a cross certificate of the
 * CA "ca": a CA certificate with its subject and key that is not "ca"
 * itself (kiln rotate-ca's, the CA certified by the one before it).
 */
static int
is_cross(const struct kiln_cert *ca, const unsigned char *p, size_t len)
{
	const mbedtls_x509_crt *a = &ca->crt;
	struct kiln_err ignored;
	struct kiln_cert c;
	int cross;

	kiln_cert_init(&c);
	kiln_err_clear(&ignored);
	cross = kiln_cert_parse(&c, p, len, &ignored) == 0 &&
	        kiln_crt_is_ca(&c.crt) &&
	        c.crt.subject_raw.len == a->subject_raw.len &&
	        memcmp(c.crt.subject_raw.p, a->subject_raw.p,
	            a->subject_raw.len) == 0 &&
	        c.crt.pk_raw.len == a->pk_raw.len &&
	        memcmp(c.crt.pk_raw.p, a->pk_raw.p, a->pk_raw.len) == 0 &&
	        (c.crt.raw.len != a->raw.len ||
	            memcmp(c.crt.raw.p, a->raw.p, a->raw.len) != 0);
	kiln_cert_free(&c);
	return cross;
}

/*
 * The leaf of "old" (PEM, NUL-terminated) alone, into "leaf" (empty),
 * when "old" holds two certificates, the second the cross certificate
 * of the CA "ca": a leaf kiln rotate-ca issued, which members started
 * before the rotation accept through that cross certificate.  Returns
 * 1 if so, 0 if not (or out of memory: "leaf" then stays empty).
 */
static int
leaf_of_cross(const struct kiln_cert *ca, const struct kiln_buf *old,
    struct kiln_buf *leaf)
{
	struct kiln_pem_block b[3];
	struct kiln_err ignored;
	const char *text = (const char *)old->p;
	size_t pos = 0, n = 0;

	kiln_err_clear(&ignored);
	if (old->p == NULL)
		return 0;
	while (n < 3 && kiln_pem_next(text, &pos, NULL, &b[n], &ignored) == 1)
		n++;
	if (n != 2 || strcmp(b[0].label, "CERTIFICATE") != 0 ||
	    strcmp(b[1].label, "CERTIFICATE") != 0 ||
	    !is_cross(ca, old->p + b[1].begin, b[1].end - b[1].begin))
		return 0;
	return kiln_buf_append(leaf, old->p + b[0].begin, b[0].end - b[0].begin,
	           &ignored) == 0;
}

/*
 * Whether the private key "key" belongs to the certificate "cert" (PEM):
 * 1 if it does, 0 if not, -1 if "cert" is no certificate at all.
 */
static int
key_matches(struct kiln_key *key, const struct kiln_buf *cert)
{
	struct kiln_cert c;
	struct kiln_err ignored;
	int rc = -1;

	kiln_cert_init(&c);
	kiln_err_clear(&ignored);
	if (kiln_cert_parse(&c, cert->p, cert->len, &ignored) == 0)
		rc = kiln_key_check_pair(&c.crt.pk, key, &ignored) == 0;
	kiln_cert_free(&c);
	return rc;
}

/* The existing key of "j" into "key", checked against its certificate. */
static int
existing_key(const struct leaf *j, const struct leaves_run *run,
    struct kiln_rng *rng, struct kiln_key *key, struct kiln_err *err)
{
	if (kiln_key_parse(key, j->old_key.p, j->old_key.len, rng, err) == -1) {
		kiln_err_prefix(
		    err, "%s (remove it, or %s)", j->key_path, run->force_hint);
		return -1;
	}
	/*
	 * A key swapped in beside its certificate is not certified: the
	 * operator says which of the two is right.  A file there that is no
	 * certificate is replaced, as before.
	 */
	if (j->have_cert && key_matches(key, &j->old_cert) == 0)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: does not match %s, refused (remove both, or %s)",
		    j->key_path, j->cert_path, run->force_hint);
	return 0;
}

/*
 * Leaf "j"'s key and certificate as PEM: the existing key if there is
 * one, the existing certificate if still right, else new ones.  Runs on
 * a pool thread: "s" is the thread's own random generator and copy of
 * the CA.
 */
static int
make_leaf(const struct leaves_run *run, struct pool_signer *s, struct leaf *j,
    struct kiln_err *err)
{
	struct kiln_request req = *j->base; /* borrowed, never freed */
	struct kiln_name *names = NULL;
	struct kiln_signer signer;
	struct kiln_gen_in in;
	struct kiln_buf der, alone;
	struct kiln_key key;
	int rc = -1;

	kiln_buf_init(&der);
	kiln_buf_init(&alone);
	kiln_key_init(&key);
	kiln_signer_init(&signer);
	kiln_signer_use(&signer, s->ca, s->ca_key);
	req.cn = j->cn;
	req.hosts = j->hosts;
	req.n_hosts = j->n_hosts;
	req.key.threads = s->key_threads;
	if (j->o != NULL) {
		if ((names = calloc(req.n_names + 1, sizeof(*names))) == NULL) {
			kiln_err_set(err, KILN_ENOMEM, "out of memory");
			goto cleanup;
		}
		if (req.n_names > 0)
			memcpy(names, req.names, req.n_names * sizeof(*names));
		names[req.n_names++].o = j->o;
		req.names = names;
	}
	if (kiln_gen_check_hosts(&req, err) == -1)
		goto cleanup;
	memset(&in, 0, sizeof(in));
	in.req = &req;
	in.key = &key;
	if (j->have_key) {
		if (existing_key(j, run, s->rng, &key, err) == -1 ||
		    kiln_buf_append(
		        &j->key_pem, j->old_key.p, j->old_key.len, err) == -1)
			goto cleanup;
	} else
		in.flags = KILN_GEN_NEW_KEY;
	if (kiln_gen_cert(&der, NULL, &in, &signer, j->profile, s->rng,
	        run->now, err) == -1 ||
	    (!j->have_key && kiln_key_write_pem(&key, &j->key_pem, err) == -1))
		goto cleanup;
	/* A leaf then the CA's cross certificate: judged on the leaf. */
	if (j->have_key && j->have_cert &&
	    kiln_buf_terminate(&j->old_cert, err) == -1)
		goto cleanup;
	if (j->have_key && j->have_cert &&
	    leaf_of_cross(s->ca, &j->old_cert, &alone) == 0 &&
	    kiln_buf_append(&alone, j->old_cert.p, j->old_cert.len, err) == -1)
		goto cleanup;
	if (j->have_key && j->have_cert &&
	    leaf_still_right(s->ca, &alone, &der)) {
		if (kiln_buf_append(&j->cert_pem, j->old_cert.p,
		        j->old_cert.len, err) == -1)
			goto cleanup;
		j->state = LEAF_KEPT;
	} else {
		if (kiln_pem_write(
		        &j->cert_pem, "CERTIFICATE", der.p, der.len, err) == -1)
			goto cleanup;
		j->state = LEAF_ISSUED;
	}
	rc = 0;
cleanup:
	free(names);
	kiln_buf_free(&der);
	kiln_buf_free(&alone);
	kiln_key_free(&key);
	kiln_signer_free(&signer);
	return rc;
}

/* What the pool's jobs see. */
struct pool_ctx {
	struct leaves *l;
	const struct leaves_run *run;
	struct pool_signer *signers;
};

/* The pool's job "i", on worker "w". */
static int
run_leaf(void *arg, unsigned int w, size_t i, struct kiln_err *err)
{
	struct pool_ctx *c = arg;
	struct leaf *j = &c->l->v[i];

	kiln_err_clear(&j->err);
	if (make_leaf(c->run, &c->signers[w], j, &j->err) == -1) {
		j->state = LEAF_FAILED;
		*err = j->err;
		return -1;
	}
	return 0;
}

/* Progress, as each leaf is handed out: in order, one at a time. */
static void
start_leaf(void *arg, size_t i)
{
	struct pool_ctx *c = arg;

	if (c->run->start != NULL)
		c->run->start(c->run->arg, &c->l->v[i]);
}

/*
 * The pool hands job 0 out first: if it did not run, no job did, and the
 * failure was the pool's own.
 */
int
leaves_issue(
    struct leaves *l, const struct leaves_run *run, struct kiln_err *err)
{
	struct pool_ctx c;
	struct kiln_err first;
	unsigned int threads;
	int rc = -1;

	if (l->n == 0)
		return 0;
	c.l = l;
	c.run = run;
	threads = pool_threads(l->n, run->threads);
	if ((c.signers = pool_signers_new(threads, run->rng, run->signer->ca,
	         run->signer->key, run->pers, err)) == NULL)
		goto cleanup;
	kiln_err_clear(&first);
	if (pool_run(l->n, threads, run_leaf, start_leaf, &c, &first) == -1 &&
	    l->v[0].state == LEAF_NOT_RUN) {
		kiln_err_pass(err, &first);
		goto cleanup;
	}
	rc = 0;
cleanup:
	pool_signers_free(c.signers, threads);
	return rc;
}

int
leaves_fill(struct leaves *l, struct tree_file *w, struct kiln_err *err)
{
	struct leaf *j = &l->v[w->arg];
	const struct kiln_buf *from =
	    w->kind == TREE_LEAF_KEY ? &j->key_pem : &j->cert_pem;

	if (j->state == LEAF_FAILED)
		return kiln_err_pass(err, &j->err);
	if (j->state == LEAF_NOT_RUN)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: internal error: leaf not made", j->what);
	return kiln_buf_append(&w->data, from->p, from->len, err);
}
