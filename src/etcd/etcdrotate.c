/*
 * kiln rotate-ca on a kiln etcd tree (kiln/rotate.h): what the tree
 * holds, found from the tree itself (no manifest): DIR/ca, the members'
 * folders (a folder of DIR with cfg/etcd.yml, as kiln etcd lays them
 * out), each member's ssl/ca.pem (its trusted-ca-file for clients and
 * peers) and its leaves (every NAME.pem with NAME-key.pem in ssl/), and
 * the clients' leaves in clients/.  The phases are pki/rotate's.
 */
#include <dirent.h>
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

#define F_ROOT 0
#define F_CA 1
#define F_NEW 2
#define F_OLD 3
#define F_CLIENTS 4

static int
by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort the "n" strings of "v". */
static void
sort_names(char **v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), by_string);
}

/*
 * Every name in folder "fd" ending in ".pem", whatever it is (a link
 * too: reading it refuses it), sorted, into "*out".  Returns 0 or -1.
 */
static int
pem_names(int fd, char ***out, size_t *n, struct kiln_err *err)
{
	struct dirent *e;
	DIR *d;
	int dfd;
	size_t len;

	*out = NULL;
	*n = 0;
	if (fd == -1)
		return 0;
	if ((dfd = dup(fd)) == -1)
		return kiln_err_sys(err, "dup");
	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return kiln_err_sys(err, "fdopendir");
	}
	rewinddir(d);
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (len <= 4 || strcmp(e->d_name + len - 4, ".pem") != 0)
			continue;
		if (kiln_strs_push(out, n, e->d_name, err) == -1) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	sort_names(*out, *n);
	return 0;
}

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

	if (pem_names(r->tree.folders[f].fd, &names, &n, err) == -1)
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

/* Whether folder "name" of "fd" holds cfg/etcd.yml (no link followed). */
static int
is_member(int fd, const char *name)
{
	char rel[PATH_MAX];
	struct kiln_err ignored;
	struct stat st;
	int cfg, found;

	kiln_err_clear(&ignored);
	if (snprintf(rel, sizeof(rel), "%s/cfg", name) >= (int)sizeof(rel) ||
	    (cfg = kiln_dir_open(fd, rel, 0, 0, &ignored)) == -1)
		return 0;
	found = fstatat(cfg, "etcd.yml", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	        S_ISREG(st.st_mode);
	close(cfg);
	return found;
}

/*
 * The members of DIR, sorted, into "*out": its folders holding
 * cfg/etcd.yml but ca/ and clients/.  A symbolic link in DIR is
 * refused: a member's folder is never followed elsewhere.
 */
static int
find_members(const char *dir, char ***out, size_t *n, struct kiln_err *err)
{
	struct dirent *e;
	struct stat st;
	DIR *d;
	int fd;

	*out = NULL;
	*n = 0;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return kiln_err_sys(err, "%s", dir);
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return kiln_err_sys(err, "%s", dir);
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 ||
		    strcmp(e->d_name, "..") == 0 ||
		    fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1)
			continue;
		if (S_ISLNK(st.st_mode)) {
			kiln_err_set(err, KILN_EINVAL,
			    "%s/%s: a symbolic link, not followed: refused",
			    dir, e->d_name);
			goto fail;
		}
		if (!S_ISDIR(st.st_mode) || strcmp(e->d_name, "ca") == 0 ||
		    strcmp(e->d_name, "clients") == 0 ||
		    !is_member(fd, e->d_name))
			continue;
		if (kiln_strs_push(out, n, e->d_name, err) == -1)
			goto fail;
	}
	closedir(d);
	sort_names(*out, *n);
	return 0;
fail:
	closedir(d);
	return -1;
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
	/* The modes kiln etcd makes its folders with: ca/ 0700. */
	if (tree_folder(t, F_ROOT, 0755, ".", "", err) == -1 ||
	    tree_folder(t, F_ROOT, 0700, "ca", "", err) == -1 ||
	    tree_folder(t, F_CA, 0700, "ca", "new", err) == -1 ||
	    tree_folder(t, F_CA, 0700, "ca", "old", err) == -1 ||
	    tree_folder(t, F_ROOT, 0755, "clients", "", err) == -1)
		return -1;
	for (i = 0; i < res->n_members; i++) {
		f = t->n_folders;
		if (tree_folder(t, F_ROOT, 0755, res->members[i], "", err) ==
		        -1 ||
		    tree_folder(t, f, 0755, res->members[i], "ssl", err) == -1)
			return -1;
	}
	r->f_ca = F_CA;
	r->f_new = F_NEW;
	r->f_old = F_OLD;
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
	r.threads = threads;
	if (phase < 1 || phase > KILN_ROTATE_PHASES) {
		kiln_err_set(err, KILN_EINVAL,
		    "phase %d: there are three phases, 1 to 3", phase);
		goto cleanup;
	}
	if (kiln_rng_seed(&r.rng, "kiln rotate-ca", err) == -1 ||
	    survey(&r, dir, res, err) == -1 ||
	    rotate_run(&r, phase, flags, res, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	rotate_free(&r);
	return rc;
}
