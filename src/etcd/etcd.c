/*
 * kiln etcd's run: plan → issue → render → write.  The plan (etcdplan.c)
 * lists every file of the cluster's tree and every leaf to issue, from
 * one pass over the manifest and what the tree holds; the pool issues
 * the leaves (pki/leafpool.c); the templates render from the plan
 * (etcdrender.c); every file is decided against what is there and the
 * tree is written as one batch (pki/tree.c).  A dry run stops before
 * the batch with the same decisions.  Nothing is written unless
 * everything could be made.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strs.h"
#include "etcd/etcdplan.h"

void
kiln_etcd_result_init(struct kiln_etcd_result *r)
{
	memset(r, 0, sizeof(*r));
}

void
kiln_etcd_result_free(struct kiln_etcd_result *r)
{
	size_t i;

	free(r->added);
	for (i = 0; i < r->n_reset; i++)
		free(r->reset[i].path);
	free(r->reset);
	for (i = 0; i < r->n_files; i++)
		free(r->files[i].path);
	free(r->files);
	for (i = 0; i < r->n_moved; i++)
		free(r->moved[i].old_url);
	free(r->moved);
	for (i = 0; i < r->n_gone; i++) {
		free(r->gone[i].name);
		free(r->gone[i].path);
	}
	free(r->gone);
	kiln_etcd_result_init(r);
}

void
etcd_progress(struct etcd_run *r, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	r->step++;
	if (r->progress == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	r->progress(r->progress_arg, r->step, r->nsteps, what);
}

/* Progress, as the pool hands each leaf out. */
static void
start_leaf(void *arg, const struct leaf *l)
{
	etcd_progress(arg, "%s", l->what);
}

/*
 * Every planned file's bytes, in the plan's order: a leaf's from the
 * pool (its failure reported here, where a run on one thread met it, so
 * the error is the same as that run's), a template rendered.
 */
static int
fill(struct etcd_run *r, struct kiln_err *err)
{
	struct tree_file *w;
	size_t i;

	for (i = 0; i < r->tree.n_files; i++) {
		w = &r->tree.files[i];
		if ((w->kind == TREE_LEAF_KEY || w->kind == TREE_LEAF_CERT) &&
		    leaves_fill(&r->leaves, w, err) == -1)
			return -1;
		if (w->kind == TREE_TEMPLATE && etcd_render(r, w, err) == -1)
			return -1;
	}
	for (i = 0; i < r->leaves.n; i++)
		if (r->leaves.v[i].state == LEAF_KEPT)
			r->result->kept++;
		else
			r->result->issued++;
	return 0;
}

/* Add "path" with "fate" to the result's list of files. */
static int
add_file(struct kiln_etcd_result *r, const char *path, enum kiln_etcd_fate fate,
    unsigned int was, unsigned int now, struct kiln_err *err)
{
	struct kiln_etcd_file *v;

	if ((v = realloc(r->files, (r->n_files + 1) * sizeof(*v))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	r->files = v;
	v = &r->files[r->n_files];
	if ((v->path = strdup(path)) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	v->fate = fate;
	v->was = was;
	v->now = now;
	r->n_files++;
	return 0;
}

/* Note in the result that "w" was rewritten only for its mode. */
static int
add_reset(
    struct kiln_etcd_result *r, const struct tree_file *w, struct kiln_err *err)
{
	struct kiln_etcd_reset *v;

	if ((v = realloc(r->reset, (r->n_reset + 1) * sizeof(*v))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	r->reset = v;
	v = &r->reset[r->n_reset];
	if ((v->path = strdup(w->shown)) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	v->was = (unsigned int)w->was;
	v->now = (unsigned int)w->mode;
	r->n_reset++;
	return 0;
}

/*
 * What became of each file, in order, then the files left behind: the
 * *.pem files in each member's ssl/ and in clients/ that the run no
 * longer makes (a client, or a layout, no longer in the manifest).
 */
static int
report(struct etcd_run *r, struct kiln_err *err)
{
	static const enum kiln_etcd_fate fates[] = {[TREE_NEW] = KILN_ETCD_NEW,
	    [TREE_CHANGED] = KILN_ETCD_CHANGED,
	    [TREE_KEPT] = KILN_ETCD_KEPT,
	    [TREE_RESET] = KILN_ETCD_RESET};
	const struct tree_file *w;
	char **left = NULL;
	size_t i, n = 0;
	int rc = -1;

	for (i = 0; i < r->tree.n_files; i++) {
		w = &r->tree.files[i];
		if ((w->fate == TREE_RESET &&
		        add_reset(r->result, w, err) == -1) ||
		    add_file(r->result, w->shown, fates[w->fate],
		        (unsigned int)w->was, (unsigned int)w->mode, err) == -1)
			goto cleanup;
	}
	for (i = 0; i < r->m->n_members; i++)
		if (tree_left(&r->tree, F_SSL(i), ".pem", &left, &n, err) == -1)
			goto cleanup;
	if (tree_left(&r->tree, F_CLIENTS, ".pem", &left, &n, err) == -1)
		goto cleanup;
	for (i = 0; i < n; i++)
		if (add_file(r->result, left[i], KILN_ETCD_LEFT, 0, 0, err) ==
		    -1)
			goto cleanup;
	rc = 0;
cleanup:
	kiln_strs_free(left, n);
	return rc;
}

int
kiln_etcd_build(const struct kiln_etcd_manifest *m, const char *dir,
    unsigned int flags, kiln_etcd_progress *progress_cb, void *arg,
    struct kiln_etcd_result *result, struct kiln_err *err)
{
	return kiln_etcd_build_threads(
	    m, dir, flags, 0, progress_cb, arg, result, err);
}

int
kiln_etcd_build_threads(const struct kiln_etcd_manifest *m, const char *dir,
    unsigned int flags, unsigned int threads, kiln_etcd_progress *progress_cb,
    void *arg, struct kiln_etcd_result *result, struct kiln_err *err)
{
	struct etcd_run r;
	struct leaves_run run;
	int rc = -1;

	etcd_run_init(&r, m, dir, flags, result);
	r.progress = progress_cb;
	r.progress_arg = arg;
	if (etcd_plan(&r, err) == -1)
		goto cleanup;
	memset(&run, 0, sizeof(run));
	run.signer = &r.ca.signer;
	run.rng = &r.rng;
	run.now = r.now;
	run.threads = threads;
	run.pers = "kiln etcd";
	run.force_hint =
	    m->force_hint != NULL ? m->force_hint : "make new keys";
	run.start = start_leaf;
	run.arg = &r;
	if (leaves_issue(&r.leaves, &run, err) == -1 || fill(&r, err) == -1 ||
	    tree_decide(&r.tree, err) == -1)
		goto cleanup;
	/* A dry run stops here: every decision is taken, nothing made. */
	if (!(flags & KILN_ETCD_DRY_RUN) && tree_write(&r.tree, err) == -1)
		goto cleanup;
	if (report(&r, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	etcd_run_free(&r);
	return rc;
}
