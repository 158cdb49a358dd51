/*
 * The CAs of a tree kiln renew is given without -ca: kubeadm's
 * /etc/kubernetes, kiln k8s's output folder or kiln etcd's.  The layouts
 * are the files those tools write; nothing is guessed from contents.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "kiln/renew.h"

struct ca_names {
	const char *cert, *key;
};

/* Each layout's CAs, the first the one that tells the layout. */
static const struct layout {
	const char *what;
	struct ca_names ca[KILN_RENEW_TREE_MAX];
} layouts[] = {
    {"kubeadm's /etc/kubernetes",
        {{"pki/ca.crt", "pki/ca.key"},
            {"pki/front-proxy-ca.crt", "pki/front-proxy-ca.key"},
            {"pki/etcd/ca.crt", "pki/etcd/ca.key"}}},
    {"kiln k8s's", {{"ca/ca.crt", "ca/ca.key"},
                       {"ca/front-proxy-ca.crt", "ca/front-proxy-ca.key"},
                       {"ca/etcd-ca.crt", "ca/etcd-ca.key"}}},
    {"kiln etcd's", {{"ca/ca.pem", "ca/ca-key.pem"}}},
};

/* "dir"/"rel" into "out"; 0, or -1 with "err" set when too long. */
static int
join(char *out, const char *dir, const char *rel, struct kiln_err *err)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", dir, rel);

	if (n < 0 || n >= PATH_MAX)
		return kiln_err_set(err, KILN_EINVAL, "%s: path too long", dir);
	return 0;
}

/* Whether "path" is a regular file (a link is not followed). */
static int
is_file(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int
kiln_renew_tree_cas(
    const char *dir, struct kiln_renew_tree *t, struct kiln_err *err)
{
	const struct layout *l = NULL;
	char cert[PATH_MAX], key[PATH_MAX];
	size_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]) && l == NULL;
	     i++) {
		if (join(cert, dir, layouts[i].ca[0].cert, err) == -1)
			return -1;
		if (is_file(cert))
			l = &layouts[i];
	}
	if (l == NULL)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: no CA in it where kubeadm, kiln k8s or kiln etcd "
		    "put one (pki/ca.crt, ca/ca.crt, ca/ca.pem): give -ca and "
		    "-ca-key",
		    dir);
	t->layout = l->what;
	for (i = 0; i < KILN_RENEW_TREE_MAX && l->ca[i].cert != NULL; i++) {
		if (join(cert, dir, l->ca[i].cert, err) == -1 ||
		    join(key, dir, l->ca[i].key, err) == -1)
			return -1;
		if (!is_file(cert))
			continue;
		/* Without its key a CA signs nothing: its certificates then
		 * fail as issued by none of the CAs used. */
		if (!is_file(key)) {
			if (i == 0)
				return kiln_err_set(err, KILN_EINVAL,
				    "%s: %s is not there (a worker's tree, or "
				    "an external CA): give -ca and -ca-key",
				    dir, l->ca[i].key);
			continue;
		}
		memcpy(t->ca[t->n].cert, cert, sizeof(cert));
		memcpy(t->ca[t->n].key, key, sizeof(key));
		t->n++;
	}
	return 0;
}
