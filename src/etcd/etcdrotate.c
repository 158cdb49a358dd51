/*
 * kiln rotate-ca on a kiln etcd tree (kiln/rotate.h): what the tree
 * holds, found from the tree itself (no manifest): DIR/ca, the members'
 * folders (a folder of DIR with cfg/etcd.yml, as kiln etcd lays them
 * out), each member's ssl/ca.pem (its trusted-ca-file for clients and
 * peers) and its leaves (every NAME.pem with NAME-key.pem in ssl/), and
 * the clients' leaves in clients/.  The phases are pki/rotate's.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/strs.h"
#include "kiln/file.h"
#include "kiln/rotate.h"
#include "pki/rotate.h"

#define F_CLIENTS 4 /* after pki/rotate.h's ROTATE_F_* */

/*
 * The leaves of folder "f": each NAME.pem but "skip" and the keys, with
 * NAME-key.pem for its key.  Returns 0 or -1.
 */
static int
add_leaves(struct rotate *r, size_t f, const char *skip, struct kiln_err *err)
{
	char **names = NULL, key[NAME_MAX + 1];
	size_t i, n = 0, len;
	int rc = -1;

	/* Whatever they are (a link too: reading it refuses it). */
	if (r->tree.folders[f].fd != -1 &&
	    tree_list(
	        r->tree.folders[f].fd, TREE_ANY, ".pem", &names, &n, err) == -1)
		goto cleanup;
	for (i = 0; i < n; i++) {
		len = strlen(names[i]);
		if ((skip != NULL && strcmp(names[i], skip) == 0) ||
		    (len > 8 && strcmp(names[i] + len - 8, "-key.pem") == 0))
			continue;
		if (snprintf(key, sizeof(key), "%.*s-key.pem", (int)(len - 4),
		        names[i]) >= (int)sizeof(key)) {
			kiln_err_set(
			    err, KILN_EINVAL, "%s: name too long", names[i]);
			goto cleanup;
		}
		if (rotate_add_leaf(r, f, names[i], key, err) == -1)
			goto cleanup;
	}
	rc = 0;
cleanup:
	kiln_strs_free(names, n);
	return rc;
}

/*
 * The members of DIR, sorted, into "*out": its folders holding
 * cfg/etcd.yml but ca/ and clients/.  A symbolic link in DIR is
 * refused: a member's folder is never followed elsewhere.
 */
static int
find_members(const char *dir, char ***out, size_t *n, struct kiln_err *err)
{
	static const char *const skip[] = {"ca", "clients", NULL};
	char **names = NULL;
	size_t i, count = 0;
	struct stat st;
	int fd, rc = -1;

	*out = NULL;
	*n = 0;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return kiln_err_sys(err, "%s", dir);
	if (tree_list(fd, TREE_ANY, "", &names, &count, err) == -1)
		goto cleanup;
	for (i = 0; i < count; i++)
		if (fstatat(fd, names[i], &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode)) {
			kiln_err_set(err, KILN_EINVAL,
			    "%s/%s: a symbolic link, not followed: refused",
			    dir, names[i]);
			goto cleanup;
		}
	if (tree_marked(fd, "cfg", "etcd.yml", skip, out, n, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	kiln_strs_free(names, count);
	close(fd);
	return rc;
}

/* The tree's folders, opened, and what it holds to rotate. */
static int
survey(struct rotate *r, const char *dir, struct kiln_rotate_result *res,
    struct kiln_err *err)
{
	struct tree *t = &r->tree;
	size_t i, f;

	if (find_members(dir, &res->members, &res->n_members, err) == -1)
		return -1;
	/* The modes kiln etcd makes its folders with. */
	if (rotate_folders(r, err) == -1 ||
	    tree_folder(t, ROTATE_F_ROOT, 0755, "clients", "", err) == -1)
		return -1;
	for (i = 0; i < res->n_members; i++) {
		f = t->n_folders;
		if (tree_folder(t, ROTATE_F_ROOT, 0755, res->members[i], "",
		        err) == -1 ||
		    tree_folder(t, f, 0755, res->members[i], "ssl", err) == -1)
			return -1;
	}
	if (tree_open(t, err) == -1)
		return -1;
	for (i = 0; i < res->n_members; i++) {
		f = F_CLIENTS + 2 + 2 * i;
		if (rotate_add_trust(r, f, "ca.pem", err) == -1 ||
		    add_leaves(r, f, "ca.pem", err) == -1)
			return -1;
	}
	return add_leaves(r, F_CLIENTS, NULL, err);
}

int
kiln_etcd_rotate(const char *dir, int phase, unsigned int flags,
    struct kiln_rotate_result *res, struct kiln_err *err)
{
	return kiln_etcd_rotate_threads(dir, phase, flags, 0, res, err);
}

int
kiln_etcd_rotate_threads(const char *dir, int phase, unsigned int flags,
    unsigned int threads, struct kiln_rotate_result *res, struct kiln_err *err)
{
	struct rotate r;
	int rc = -1;

	kiln_rotate_result_free(res);
	rotate_init(&r, dir);
	if (rotate_start(&r, phase, threads, err) == -1 ||
	    survey(&r, dir, res, err) == -1 ||
	    rotate_run(&r, phase, flags, res, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	rotate_free(&r);
	return rc;
}
