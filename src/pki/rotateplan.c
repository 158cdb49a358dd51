/*
 * The three phases of a CA rotation (pki/rotate.h), each planned as the
 * files of one batch (pki/tree.h), the state file last:
 *  1. the new CA and its cross certificate in DIR/ca/new/, every trust
 *     file the old CA then the new;
 *  2. the old CA kept in DIR/ca/old/, every leaf issued again by the new
 *     CA for the same key (the cross certificate after it; on the pool,
 *     pki/pool.h, the files and their order those of one by one), the
 *     new CA made DIR/ca's, the trust files as in phase 1;
 *  3. every trust file the new CA only; DIR/ca/new and DIR/ca/old
 *     removed.
 * A phase that stopped half way is planned again whole: the files it
 * wrote already are kept (a leaf the new CA issued, the CA already
 * moved), so the re-run completes it.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/strs.h"
#include "kiln/key.h"
#include "kiln/pem.h"
#include "kiln/renew.h"
#include "pki/rotate.h"

/* Add file "name" of folder "f" to the plan.  Returns 0 or -1. */
static int
plan(struct rotate *r, size_t f, const char *name, enum tree_kind kind,
    const struct kiln_buf *data, mode_t mode, struct kiln_err *err)
{
	return tree_add(&r->tree, f, name, kind, data->p, data->len, mode,
	           err) == NULL
	           ? -1
	           : 0;
}

/* Every trust file and DIR/ca/ca-bundle.pem: "a" then "b" (or none). */
static int
plan_trust(struct rotate *r, const struct rotate_ca *a,
    const struct rotate_ca *b, struct kiln_err *err)
{
	struct kiln_buf bundle;
	size_t i;
	int rc = -1;

	kiln_buf_init(&bundle);
	if (rotate_bundle(&bundle, a, b, err) == -1)
		goto cleanup;
	for (i = 0; i < r->n_trust; i++)
		if (plan(r, r->trust[i].folder, r->trust[i].name, TREE_CA_COPY,
		        &bundle, 0644, err) == -1)
			goto cleanup;
	if (plan(r, r->f_ca, r->names.bundle, TREE_CA_COPY, &bundle, 0644,
	        err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	kiln_buf_free(&bundle);
	return rc;
}

/* A CA into folder "f": its key (0600), then its certificate. */
static int
plan_ca(
    struct rotate *r, size_t f, const struct rotate_ca *c, struct kiln_err *err)
{
	if (plan(r, f, r->names.key, TREE_CA_KEY, &c->key_pem, 0600, err) ==
	        -1 ||
	    plan(r, f, r->names.cert, TREE_CA_CERT, &c->pem, 0644, err) == -1)
		return -1;
	return 0;
}

/*
 * The copies of the signing CA "c": its key, and its certificate alone
 * where a file holds it.
 */
static int
plan_signers(struct rotate *r, const struct rotate_ca *c, struct kiln_err *err)
{
	const struct rotate_signer *s;
	size_t i;

	for (i = 0; i < r->n_signers; i++) {
		s = &r->signers[i];
		if (plan(r, s->folder, s->key, TREE_CA_KEY, &c->key_pem, 0600,
		        err) == -1 ||
		    (s->cert != NULL &&
		        plan(r, s->folder, s->cert, TREE_CA_CERT, &c->pem, 0644,
		            err) == -1))
			return -1;
	}
	return 0;
}

/* The CA "c" of folder "f" and its name, which must be there. */
static int
need_ca(struct rotate *r, struct rotate_ca *c, size_t f, const char *want,
    struct kiln_err *err)
{
	char shown[PATH_MAX];
	int present;

	if (rotate_ca_read(r, c, f, r->names.cert, r->names.key, want, &present,
	        err) == -1 ||
	    tree_shown(&r->tree, f, r->names.cert, shown, err) == -1)
		return -1;
	if (!present)
		return kiln_err_set(err, KILN_EINVAL, "%s: missing", shown);
	return 0;
}

/* Phase 1: the new CA, its cross certificate, trust in both. */
static int
phase1(struct rotate *r, struct kiln_err *err)
{
	if (need_ca(r, &r->old, r->f_ca, NULL, err) == -1 ||
	    rotate_ca_make(r, &r->old, &r->new, err) == -1 ||
	    rotate_cross_make(r, err) == -1 ||
	    plan_ca(r, r->f_new, &r->new, err) == -1 ||
	    plan(r, r->f_new, r->names.cross, TREE_CA_CERT, &r->cross_pem, 0644,
	        err) == -1 ||
	    plan_trust(r, &r->old, &r->new, err) == -1 ||
	    rotate_plan_confs(r, &r->old, &r->new, 0, NULL, err) == -1 ||
	    plan_signers(r, &r->old, err) == -1)
		return -1;
	memcpy(r->st.old_id, r->old.id, sizeof(r->st.old_id));
	memcpy(r->st.new_id, r->new.id, sizeof(r->st.new_id));
	return 0;
}

/*
 * The two CAs of the rotation under way: the new one in DIR/ca/new/, the
 * old one in DIR/ca until phase 2 moves it, then in DIR/ca/old/.
 */
static int
both_cas(struct rotate *r, struct kiln_err *err)
{
	char shown[PATH_MAX];

	if (need_ca(r, &r->new, r->f_new, r->st.new_id, err) == -1 ||
	    need_ca(r, &r->old, r->f_ca, NULL, err) == -1)
		return -1;
	if (strcmp(r->old.id, r->st.old_id) == 0)
		return 0;
	if (strcmp(r->old.id, r->st.new_id) != 0) {
		if (tree_shown(&r->tree, r->f_ca, r->names.cert, shown, err) ==
		    -1)
			return -1;
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: key id %s is neither the old CA's (%s) nor the new "
		    "one's (%s)",
		    shown, r->old.id, r->st.old_id, r->st.new_id);
	}
	return need_ca(r, &r->old, r->f_old, r->st.old_id, err);
}

int
rotate_leaf_read(struct rotate *r, const struct kiln_buf *text,
    const char *shown, struct kiln_infos *infos, int *kept,
    struct kiln_err *err)
{
	const struct kiln_info *v;
	struct kiln_err e;

	kiln_err_clear(&e);
	*kept = 0;
	if (kiln_inspect_certs(infos, text->p, text->len, &e) == -1)
		return kiln_err_pass_prefix(err, &e, "%s", shown);
	v = &infos->v[0];
	/* Issued by the new CA already, the cross certificate after it. */
	if (infos->n == 2 &&
	    kiln_renew_kind(v, r->new.signer.ca) == KILN_RENEW_LEAF &&
	    infos->v[1].der.len == r->cross.v[0].der.len &&
	    memcmp(infos->v[1].der.p, r->cross.v[0].der.p,
	        infos->v[1].der.len) == 0) {
		*kept = 1;
		return 0;
	}
	if (kiln_renew_kind(v, r->old.signer.ca) != KILN_RENEW_LEAF)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: issued by neither the old CA nor the new one", shown);
	return 0;
}

int
rotate_leaf_issue(struct rotate *r, struct pool_signer *s,
    const struct kiln_info *v, const char *cert_shown,
    const unsigned char *key_text, size_t key_len, const char *key_shown,
    struct kiln_buf *out, struct kiln_err *err)
{
	const struct kiln_cert *ca = s != NULL ? s->ca : r->new.signer.ca;
	struct kiln_key *ca_key = s != NULL ? s->ca_key : r->new.signer.key;
	struct kiln_rng *rng = s != NULL ? s->rng : &r->rng;
	struct kiln_buf der;
	struct kiln_renew opts;
	struct kiln_key key;
	struct kiln_err e;
	char **dropped = NULL;
	size_t n_dropped = 0;
	int rc = -1;

	kiln_err_clear(&e);
	kiln_buf_init(&der);
	kiln_key_init(&key);
	memset(&opts, 0, sizeof(opts));
	opts.other_ca = 1;
	if (kiln_renew_check_key(&key, v, cert_shown, key_text, key_len,
	        key_shown, rng, err) == -1)
		goto cleanup;
	if (kiln_renew(&der, v, &opts, ca, ca_key, rng, r->now, &dropped,
	        &n_dropped, &e) == -1) {
		kiln_err_pass_prefix(err, &e, "%s", cert_shown);
		goto cleanup;
	}
	if (kiln_pem_write(out, "CERTIFICATE", der.p, der.len, err) == -1 ||
	    kiln_buf_append(out, r->cross_pem.p, r->cross_pem.len, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	kiln_strs_free(dropped, n_dropped);
	kiln_buf_free(&der);
	kiln_key_free(&key);
	return rc;
}

/* A leaf of phase 2: what was read of it, and its file under the new CA. */
struct leaf_work {
	char cert_shown[PATH_MAX], key_shown[PATH_MAX];
	struct kiln_buf text;     /* its certificate file */
	struct kiln_buf key_text; /* its key, unless kept: wiped when freed */
	struct kiln_infos infos;
	int kept;             /* the new CA issued it already */
	struct kiln_buf file; /* what goes in its place */
};

static void
leaf_work_free(struct leaf_work *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++) {
		kiln_buf_free(&v[i].text);
		kiln_buf_free(&v[i].key_text);
		kiln_infos_free(&v[i].infos);
		kiln_buf_free(&v[i].file);
	}
	free(v);
}

/*
 * Read leaf "l" into "w": its certificate file, kept as it is when the
 * new CA issued it already, else its key too, for the pool to issue it
 * again.  Nothing is signed or drawn here.
 */
static int
leaf_read(struct rotate *r, const struct rotate_leaf *l, struct leaf_work *w,
    struct kiln_err *err)
{
	struct stat st;
	int have;

	if (tree_shown(&r->tree, l->folder, l->cert, w->cert_shown, err) ==
	        -1 ||
	    tree_shown(&r->tree, l->folder, l->key, w->key_shown, err) == -1 ||
	    tree_read(
	        &r->tree, l->folder, l->cert, &w->text, &st, &have, err) == -1)
		return -1;
	if (!have)
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: missing", w->cert_shown);
	if (rotate_leaf_read(
	        r, &w->text, w->cert_shown, &w->infos, &w->kept, err) == -1)
		return -1;
	if (w->kept)
		return kiln_buf_append(&w->file, w->text.p, w->text.len, err);
	if (tree_read(&r->tree, l->folder, l->key, &w->key_text, &st, &have,
	        err) == -1 ||
	    (have && tree_key_owner(w->key_shown, &st, err) == -1))
		return -1;
	if (!have)
		return kiln_err_set(err, KILN_EINVAL, "%s: missing, beside %s",
		    w->key_shown, w->cert_shown);
	return 0;
}

/* What the pool's jobs see: the leaves to issue again, in order. */
struct leaf_pool {
	struct rotate *r;
	struct leaf_work **todo;
	struct pool_signer *signers;
};

/* The pool's job "i", on worker "w": a leaf issued again. */
static int
issue_job(void *arg, unsigned int w, size_t i, struct kiln_err *err)
{
	struct leaf_pool *c = arg;
	struct leaf_work *v = c->todo[i];

	return rotate_leaf_issue(c->r, &c->signers[w], &v->infos.v[0],
	    v->cert_shown, v->key_text.p, v->key_text.len, v->key_shown,
	    &v->file, err);
}

/*
 * The leaves of "v" (the first "n" read) not kept, issued again on the
 * pool: every core (r->threads), each thread with its own generator and
 * copy of the new CA.  The files and their order are those of one by
 * one; on one thread the draws too.  The error is the first failing
 * leaf's, whatever the scheduling.  Returns 0 or -1.
 */
static int
issue_all(struct rotate *r, struct leaf_work *v, size_t n,
    struct kiln_rotate_result *res, struct kiln_err *err)
{
	struct leaf_pool c;
	unsigned int threads = 1;
	size_t i, k = 0;
	int rc = -1;

	memset(&c, 0, sizeof(c));
	c.r = r;
	if (n > 0 && (c.todo = calloc(n, sizeof(*c.todo))) == NULL) {
		kiln_err_set(err, KILN_ENOMEM, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < n; i++)
		if (!v[i].kept)
			c.todo[k++] = &v[i];
	if (k == 0) {
		rc = 0;
		goto cleanup;
	}
	threads = pool_threads(k, r->threads);
	if ((c.signers = pool_signers_new(threads, &r->rng, r->new.signer.ca,
	         r->new.signer.key, "kiln rotate-ca", err)) == NULL ||
	    pool_run(k, threads, issue_job, NULL, &c, err) == -1)
		goto cleanup;
	res->reissued += k;
	rc = 0;
cleanup:
	pool_signers_free(c.signers, threads);
	free(c.todo);
	return rc;
}

/*
 * Every leaf's file under the new CA, planned in order: each read (one
 * by one), then those to issue again on the pool.  A leaf that cannot
 * be read stops the reading; the leaves before it are issued first, so
 * that the error given back is the first failing leaf's, as one by one.
 */
static int
plan_leaves(
    struct rotate *r, struct kiln_rotate_result *res, struct kiln_err *err)
{
	struct leaf_work *v = NULL;
	struct kiln_err read_err;
	size_t i, n = 0;
	int rc = -1;

	kiln_err_clear(&read_err);
	if (r->n_leaves > 0 && (v = calloc(r->n_leaves, sizeof(*v))) == NULL) {
		kiln_err_set(err, KILN_ENOMEM, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < r->n_leaves; i++) {
		kiln_buf_init(&v[i].text);
		kiln_buf_init(&v[i].key_text);
		kiln_infos_init(&v[i].infos);
		kiln_buf_init(&v[i].file);
	}
	while (n < r->n_leaves &&
	       leaf_read(r, &r->leaves[n], &v[n], &read_err) == 0)
		n++;
	if (issue_all(r, v, n, res, err) == -1)
		goto cleanup;
	if (n < r->n_leaves) {
		kiln_err_pass(err, &read_err);
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		if (v[i].kept)
			res->kept++;
		if (plan(r, r->leaves[i].folder, r->leaves[i].cert,
		        TREE_LEAF_CERT, &v[i].file, 0644, err) == -1)
			goto cleanup;
	}
	rc = 0;
cleanup:
	leaf_work_free(v, r->n_leaves);
	return rc;
}

/*
 * Phase 2: the old CA backed up, every leaf issued again, the new CA
 * made DIR/ca's.  The backup comes first in the batch: the old CA's key
 * is never only in memory.
 */
static int
phase2(struct rotate *r, struct kiln_rotate_result *res, struct kiln_err *err)
{
	if (both_cas(r, err) == -1 || rotate_cross_read(r, err) == -1 ||
	    plan_ca(r, r->f_old, &r->old, err) == -1 ||
	    plan_leaves(r, res, err) == -1 ||
	    rotate_plan_confs(r, &r->old, &r->new, 1, res, err) == -1 ||
	    plan_signers(r, &r->new, err) == -1 ||
	    plan_ca(r, r->f_ca, &r->new, err) == -1 ||
	    plan_trust(r, &r->old, &r->new, err) == -1)
		return -1;
	return 0;
}

/*
 * What a finished rotation no longer needs: the copies of the new CA in
 * DIR/ca/new (its key there a second copy of DIR/ca's) and the old CA in
 * DIR/ca/old (no file trusts it any more, and its key could only sign
 * what nothing should accept), with the two folders when nothing else is
 * in them (a kiln k8s tree's other CAs may be mid-rotation there).  Its
 * key id stays in the state file; the cross certificate stays in the
 * leaves until they are next issued.
 */
static int
plan_gone(struct rotate *r, struct kiln_err *err)
{
	if (tree_remove(&r->tree, r->f_new, r->names.key, err) == -1 ||
	    tree_remove(&r->tree, r->f_new, r->names.cert, err) == -1 ||
	    tree_remove(&r->tree, r->f_new, r->names.cross, err) == -1 ||
	    tree_remove(&r->tree, r->f_old, r->names.key, err) == -1 ||
	    tree_remove(&r->tree, r->f_old, r->names.cert, err) == -1 ||
	    tree_remove_dir(&r->tree, r->f_new, err) == -1 ||
	    tree_remove_dir(&r->tree, r->f_old, err) == -1)
		return -1;
	return 0;
}

/*
 * Phase 3: the old CA out of every trust file, and out of the tree.  The
 * new CA is read from DIR/ca (phase 2 moved it there), so that a run
 * stopped among the removals completes.
 */
static int
phase3(struct rotate *r, struct kiln_err *err)
{
	if (need_ca(r, &r->new, r->f_ca, r->st.new_id, err) == -1 ||
	    plan_ca(r, r->f_ca, &r->new, err) == -1 ||
	    plan_trust(r, &r->new, NULL, err) == -1 ||
	    rotate_plan_confs(r, &r->new, NULL, 0, NULL, err) == -1 ||
	    plan_signers(r, &r->new, err) == -1 || plan_gone(r, err) == -1)
		return -1;
	return 0;
}

/* The plan's files into the result. */
static int
report(
    const struct tree *t, struct kiln_rotate_result *res, struct kiln_err *err)
{
	static const enum kiln_rotate_fate fates[] = {
	    [TREE_NEW] = KILN_ROTATE_NEW,
	    [TREE_CHANGED] = KILN_ROTATE_CHANGED,
	    [TREE_KEPT] = KILN_ROTATE_KEPT,
	    [TREE_RESET] = KILN_ROTATE_RESET,
	    [TREE_REMOVED] = KILN_ROTATE_REMOVED};
	size_t i;

	if (t->n_files > 0 &&
	    (res->files = calloc(t->n_files, sizeof(*res->files))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	for (i = 0; i < t->n_files; i++) {
		const struct tree_file *w = &t->files[i];
		struct kiln_rotate_file *f = &res->files[res->n_files];

		if (w->fate == TREE_ABSENT)
			continue;
		if ((f->path = strdup(w->shown)) == NULL)
			return kiln_err_set(err, KILN_ENOMEM, "out of memory");
		res->n_files++;
		f->fate = fates[w->fate];
		f->was = w->was;
		f->now = w->mode;
	}
	return 0;
}

/*
 * Which phase comes next, from the state read ("have": whether there
 * was one); a phase asked for that is done already, or out of order.
 */
static int
order(struct rotate *r, int phase, struct kiln_rotate_result *res,
    struct kiln_err *err)
{
	int finished = r->have_state && r->st.phase == KILN_ROTATE_PHASES;

	res->before = r->have_state && !finished ? r->st.phase : 0;
	res->next = res->before + 1;
	if (r->have_state) {
		memcpy(res->old_id, r->st.old_id, sizeof(res->old_id));
		memcpy(res->new_id, r->st.new_id, sizeof(res->new_id));
	}
	if (phase == res->next)
		return 0;
	if (r->have_state && phase <= r->st.phase) {
		res->done_already = 1;
		return 0;
	}
	if (res->before == 0)
		return kiln_err_set(err, KILN_EINVAL,
		    "phase %d: no CA rotation is under way: phase 1 starts "
		    "one",
		    phase);
	return kiln_err_set(err, KILN_EINVAL,
	    "phase %d: out of order: phase %d is done, phase %d is next", phase,
	    res->before, res->next);
}

int
rotate_run(struct rotate *r, int phase, unsigned int flags,
    struct kiln_rotate_result *res, struct kiln_err *err)
{
	char shown[PATH_MAX];
	struct kiln_buf text;
	struct stat st;
	int rc = -1;

	kiln_buf_init(&text);
	res->phase = phase;
	if (tree_shown(&r->tree, r->f_ca, r->names.state, shown, err) == -1 ||
	    tree_read(&r->tree, r->f_ca, r->names.state, &text, &st,
	        &r->have_state, err) == -1 ||
	    (r->have_state && rotate_state_parse(&r->st, (const char *)text.p,
	                          text.len, shown, err) == -1) ||
	    order(r, phase, res, err) == -1)
		goto cleanup;
	if (res->done_already) {
		rc = 0;
		goto cleanup;
	}
	if ((phase == 1 && phase1(r, err) == -1) ||
	    (phase == 2 && phase2(r, res, err) == -1) ||
	    (phase == 3 && phase3(r, err) == -1))
		goto cleanup;
	r->st.phase = phase;
	memcpy(res->old_id, r->st.old_id, sizeof(res->old_id));
	memcpy(res->new_id, r->st.new_id, sizeof(res->new_id));
	kiln_buf_free(&text);
	/* The state last: a batch that stops part way is run again. */
	if (rotate_state_text(&r->st, &text, err) == -1 ||
	    plan(r, r->f_ca, r->names.state, TREE_CA_COPY, &text, 0644, err) ==
	        -1 ||
	    tree_decide(&r->tree, err) == -1 ||
	    (!(flags & KILN_ROTATE_DRY_RUN) &&
	        tree_write(&r->tree, err) == -1) ||
	    report(&r->tree, res, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	kiln_buf_free(&text);
	return rc;
}
