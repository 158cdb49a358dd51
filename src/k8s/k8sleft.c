/*
 * What a kiln k8s run leaves behind, reported and never removed: the
 * files of DIR/ca/ and of each node's folders that the plan no longer
 * makes (etcd made external, a control-plane node made a worker), and
 * the folders of nodes no longer in the manifest, as kiln etcd reports
 * its own (src/etcd/etcd.c).
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/strs.h"
#include "k8s/k8splan.h"
#include "kiln/file.h"

static int
by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The files of folder "f" named *SUFFIX, for each of "suffixes", that the
 * plan does not make, sorted together, appended to "*out" as shown.
 */
static int
left_in(const struct tree *t, size_t f, const char *const *suffixes,
    char ***out, size_t *n, struct kiln_err *err)
{
	size_t start = *n, i;

	for (i = 0; suffixes[i] != NULL; i++)
		if (tree_left(t, f, suffixes[i], out, n, err) == -1)
			return -1;
	if (*n - start > 1)
		qsort(*out + start, *n - start, sizeof(**out), by_string);
	return 0;
}

/* A node's pki/etcd/ folder that the plan no longer has, as shown. */
static int
left_etcd(const struct tree *t, const struct k8s_node *n, char ***out,
    size_t *n_out, struct kiln_err *err)
{
	char **names = NULL, shown[PATH_MAX];
	size_t i, k = 0;
	int fd = t->folders[n->pki].fd, rc = -1;

	if (n->etcd != 0 || fd == -1)
		return 0;
	if (tree_list(fd, TREE_FOLDERS, "", &names, &k, err) == -1)
		goto cleanup;
	for (i = 0; i < k; i++)
		if (strcmp(names[i], "etcd") == 0 &&
		    (tree_shown(t, n->pki, "etcd", shown, err) == -1 ||
		        kiln_strs_push(out, n_out, shown, err) == -1))
			goto cleanup;
	rc = 0;
cleanup:
	kiln_strs_free(names, k);
	return rc;
}

/* Every file and folder left behind, in the plan's order of folders. */
static int
left_all(const struct k8s_run *r, char ***out, size_t *n, struct kiln_err *err)
{
	static const char *const keys[] = {".crt", ".key", ".pub", NULL};
	static const char *const confs[] = {".conf", NULL};
	const struct k8s_node *nd;
	size_t i;

	if (left_in(&r->tree, K8S_F_CA, keys, out, n, err) == -1)
		return -1;
	for (i = 0; i < r->n_nodes; i++) {
		nd = &r->nodes[i];
		if (left_in(&r->tree, nd->base, confs, out, n, err) == -1 ||
		    left_in(&r->tree, nd->pki, keys, out, n, err) == -1 ||
		    (nd->etcd != 0 &&
		        left_in(&r->tree, nd->etcd, keys, out, n, err) == -1) ||
		    left_etcd(&r->tree, nd, out, n, err) == -1)
			return -1;
	}
	return 0;
}

/* The left-behind paths "v" added to the result's files. */
static int
add_left(struct kiln_k8s_result *res, char **v, size_t n, struct kiln_err *err)
{
	struct kiln_k8s_file *f;
	size_t i;

	if (n == 0)
		return 0;
	if ((f = realloc(res->files, (res->n_files + n) * sizeof(*f))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	res->files = f;
	for (i = 0; i < n; i++) {
		f = &res->files[res->n_files];
		memset(f, 0, sizeof(*f));
		f->fate = KILN_K8S_LEFT;
		if ((f->path = strdup(v[i])) == NULL)
			return kiln_err_set(err, KILN_ENOMEM, "out of memory");
		res->n_files++;
	}
	return 0;
}

/* Folder "name" of DIR noted as a node's no longer in the manifest. */
static int
add_gone(
    const struct k8s_run *r, int fd, const char *name, struct kiln_err *err)
{
	struct kiln_k8s_result *res = r->result;
	struct kiln_k8s_gone *g;
	char shown[PATH_MAX];

	if ((g = realloc(res->gone, (res->n_gone + 1) * sizeof(*g))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	res->gone = g;
	g = &res->gone[res->n_gone];
	memset(g, 0, sizeof(*g));
	res->n_gone++;
	snprintf(shown, sizeof(shown), "%s/pki", name);
	g->has_ca_keys = tree_file_in(fd, shown, "ca.key");
	if ((g->name = strdup(name)) == NULL ||
	    tree_shown(&r->tree, K8S_F_ROOT, name, shown, err) == -1 ||
	    (g->path = strdup(shown)) == NULL)
		/* tree_shown's error, if it failed, comes first. */
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	return 0;
}

/*
 * The folders of DIR that kiln made for a node the manifest no longer
 * has: a folder (not a link) holding a regular kubelet.conf, other than
 * ca/ and the nodes'.
 */
static int
find_gone(const struct k8s_run *r, struct kiln_err *err)
{
	static const char *const skip[] = {"ca", NULL};
	char **names = NULL;
	size_t i, j, n = 0;
	int fd = r->tree.folders[K8S_F_ROOT].fd, rc = -1;

	if (fd == -1)
		return 0;
	if (tree_marked(fd, "", "kubelet.conf", skip, &names, &n, err) == -1)
		goto cleanup;
	for (i = 0; i < n; i++) {
		for (j = 0; j < r->n_nodes; j++)
			if (strcmp(r->nodes[j].nd->name, names[i]) == 0)
				break;
		if (j == r->n_nodes && add_gone(r, fd, names[i], err) == -1)
			goto cleanup;
	}
	rc = 0;
cleanup:
	kiln_strs_free(names, n);
	return rc;
}

int
k8s_left(struct k8s_run *r, struct kiln_err *err)
{
	char **left = NULL;
	size_t n = 0;
	int rc = -1;

	if (left_all(r, &left, &n, err) == -1 ||
	    add_left(r->result, left, n, err) == -1 || find_gone(r, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	kiln_strs_free(left, n);
	return rc;
}
