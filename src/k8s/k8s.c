/*
 * kiln k8s's run: plan → issue → render → write, as kiln etcd's.  The
 * plan (k8splan.c) lists every file of the PKI and every leaf, by CA;
 * the pool issues each CA's leaves (pki/leafpool.c); the kubeconfigs
 * render from the plan (k8sconf.c); every file is decided against what
 * is there and the tree is written as one batch (pki/tree.c).  A dry
 * run stops before the batch with the same decisions.  Nothing is
 * written unless everything could be made.  What the run no longer
 * makes is reported, never removed (k8sleft.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strs.h"
#include "k8s/k8splan.h"

void
kiln_k8s_result_init(struct kiln_k8s_result *r)
{
	memset(r, 0, sizeof(*r));
}

void
kiln_k8s_result_free(struct kiln_k8s_result *r)
{
	size_t i;

	for (i = 0; i < r->n_files; i++)
		free(r->files[i].path);
	free(r->files);
	kiln_strs_free(r->ignored, r->n_ignored);
	for (i = 0; i < r->n_gone; i++) {
		free(r->gone[i].name);
		free(r->gone[i].path);
	}
	free(r->gone);
	kiln_k8s_result_init(r);
}

void
k8s_progress(struct k8s_run *r, const char *what)
{
	r->step++;
	if (r->progress != NULL)
		r->progress(r->progress_arg, r->step, r->nsteps, what);
}

/* Progress, as the pool hands each leaf out. */
static void
start_leaf(void *arg, const struct leaf *l)
{
	k8s_progress(arg, l->what);
}

/* Each CA's leaves, on the pool. */
static int
issue(struct k8s_run *r, unsigned int threads, struct kiln_err *err)
{
	struct leaves_run run;
	size_t i;

	for (i = 0; i < K8S_N_CAS; i++) {
		if (r->leaves[i].n == 0)
			continue;
		memset(&run, 0, sizeof(run));
		run.signer = &r->cas[i].signer;
		run.rng = &r->rng;
		run.now = r->now;
		run.threads = threads;
		run.pers = "kiln k8s";
		run.force_hint = r->m->force_hint != NULL ? r->m->force_hint
		                                          : "make new keys";
		run.start = start_leaf;
		run.arg = r;
		if (leaves_issue(&r->leaves[i], &run, err) == -1)
			return -1;
	}
	return 0;
}

/* Every planned file's bytes, in the plan's order. */
static int
fill(struct k8s_run *r, struct kiln_err *err)
{
	struct tree_file *w;
	size_t i, k;

	for (i = 0; i < r->tree.n_files; i++) {
		w = &r->tree.files[i];
		if ((w->kind == TREE_LEAF_KEY || w->kind == TREE_LEAF_CERT) &&
		    leaves_fill(&r->leaves[w->tmpl], w, err) == -1)
			return -1;
		if (w->kind == TREE_TEMPLATE &&
		    k8s_conf_render(r, &r->confs[w->arg], w, err) == -1)
			return -1;
	}
	for (k = 0; k < K8S_N_CAS; k++)
		for (i = 0; i < r->leaves[k].n; i++)
			if (r->leaves[k].v[i].state == LEAF_KEPT)
				r->result->kept++;
			else
				r->result->issued++;
	return 0;
}

int
k8s_report(
    const struct tree *t, struct kiln_k8s_result *res, struct kiln_err *err)
{
	static const enum kiln_k8s_fate fates[] = {[TREE_NEW] = KILN_K8S_NEW,
	    [TREE_CHANGED] = KILN_K8S_CHANGED,
	    [TREE_KEPT] = KILN_K8S_KEPT,
	    [TREE_RESET] = KILN_K8S_RESET};
	const struct tree_file *w;
	size_t i;

	if (t->n_files == 0)
		return 0;
	if ((res->files = calloc(t->n_files, sizeof(*res->files))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	for (i = 0; i < t->n_files; i++) {
		w = &t->files[i];
		if ((res->files[i].path = strdup(w->shown)) == NULL)
			return kiln_err_set(err, KILN_ENOMEM, "out of memory");
		res->n_files++;
		res->files[i].fate = fates[w->fate];
		res->files[i].was = (unsigned int)w->was;
		res->files[i].now = (unsigned int)w->mode;
	}
	return 0;
}

int
kiln_k8s_build(const struct kiln_k8s_manifest *m, const char *dir,
    unsigned int flags, unsigned int threads, kiln_k8s_progress *progress,
    void *arg, struct kiln_k8s_result *result, struct kiln_err *err)
{
	struct k8s_run r;
	int rc = -1;

	k8s_run_init(&r, m, dir, flags, result);
	r.progress = progress;
	r.progress_arg = arg;
	if (k8s_plan(&r, err) == -1 || issue(&r, threads, err) == -1 ||
	    fill(&r, err) == -1 || tree_decide(&r.tree, err) == -1)
		goto cleanup;
	/* A dry run stops here: every decision is taken, nothing made. */
	if (!(flags & KILN_K8S_DRY_RUN) && tree_write(&r.tree, err) == -1)
		goto cleanup;
	if (k8s_report(&r.tree, r.result, err) == -1 || k8s_left(&r, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	k8s_run_free(&r);
	return rc;
}
