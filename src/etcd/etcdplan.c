/*
 * kiln etcd's plan: one pass over the manifest and the tree that is
 * there, giving every file of the run in the order it is written (the
 * CA's, each member's ca.pem, certificates and keys, etcd.yml and
 * etcd.service, the clients') and every leaf to issue, with what each
 * existing one holds.  Also what the result reports about the tree as
 * it was: members that moved, members added, folders of members no
 * longer in the manifest.  Nothing is made or written here but the CA,
 * in memory.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/strs.h"
#include "etcd/etcdplan.h"
#include "kiln/file.h"

void
etcd_run_init(struct etcd_run *r, const struct kiln_etcd_manifest *m,
    const char *dir, unsigned int flags, struct kiln_etcd_result *result)
{
	memset(r, 0, sizeof(*r));
	r->m = m;
	r->flags = flags;
	r->result = result;
	r->now = time(NULL);
	kiln_rng_init(&r->rng);
	tree_ca_init(&r->ca);
	kiln_buf_init(&r->ca_pem);
	tree_init(&r->tree, dir);
	leaves_init(&r->leaves);
	kiln_etcd_result_free(result); /* a reused result starts over */
}

void
etcd_run_free(struct etcd_run *r)
{
	size_t i;

	leaves_free(&r->leaves);
	tree_free(&r->tree);
	for (i = 0; r->old_yml != NULL && i < r->m->n_members; i++)
		kiln_buf_free(&r->old_yml[i]);
	free(r->old_yml);
	free(r->had_yml);
	kiln_rng_free(&r->rng);
	tree_ca_free(&r->ca);
	kiln_buf_free(&r->ca_pem);
}

/* The tree's folders, none opened yet: DIR, ca/, clients/, members'. */
static int
folders_new(struct etcd_run *r, struct kiln_err *err)
{
	const struct kiln_etcd_manifest *m = r->m;
	struct tree *t = &r->tree;
	size_t i;

	/* The modes folders have always been made with: ca/ 0700. */
	if (tree_folder(t, F_ROOT, 0755, ".", "", err) == -1 ||
	    tree_folder(t, F_ROOT, 0700, "ca", "", err) == -1 ||
	    tree_folder(t, F_ROOT, 0755, "clients", "", err) == -1)
		return -1;
	for (i = 0; i < m->n_members; i++) {
		const char *name = m->members[i].name;

		if (tree_folder(t, F_ROOT, 0755, name, "", err) == -1 ||
		    tree_folder(t, F_MEMBER(i), 0755, name, "ssl", err) == -1 ||
		    tree_folder(t, F_MEMBER(i), 0755, name, "cfg", err) == -1)
			return -1;
	}
	return 0;
}

int
etcd_plan_data(struct etcd_run *r, size_t f, const char *name,
    enum tree_kind kind, const struct kiln_buf *data, mode_t mode,
    struct kiln_err *err)
{
	return tree_add(&r->tree, f, name, kind, data->p, data->len, mode,
	           err) == NULL
	           ? -1
	           : 0;
}

/* Add a template to the plan, rendered once the leaves are made. */
int
etcd_plan_template(struct etcd_run *r, size_t f, const char *name,
    enum etcd_template tmpl, size_t arg, struct kiln_err *err)
{
	struct tree_file *w;

	if ((w = tree_add(
	         &r->tree, f, name, TREE_TEMPLATE, NULL, 0, 0644, err)) == NULL)
		return -1;
	w->tmpl = (int)tmpl;
	w->arg = arg;
	return 0;
}

/* The tree as it was. */

/* Note folder "name" of DIR as a member's no longer in the manifest. */
static int
add_gone(struct etcd_run *r, int fd, const char *name, struct kiln_err *err)
{
	struct kiln_etcd_result *res = r->result;
	struct kiln_etcd_gone *g;
	char shown[PATH_MAX];

	if ((g = realloc(res->gone, (res->n_gone + 1) * sizeof(*g))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	res->gone = g;
	g = &res->gone[res->n_gone];
	memset(g, 0, sizeof(*g));
	res->n_gone++;
	snprintf(shown, sizeof(shown), "%s/ssl", name);
	g->has_keys = tree_file_in(fd, shown, "server-key.pem") ||
	              tree_file_in(fd, shown, "peer-key.pem") ||
	              tree_file_in(fd, shown, "etcd-key.pem");
	if ((g->name = strdup(name)) == NULL ||
	    tree_shown(&r->tree, F_ROOT, name, shown, err) == -1 ||
	    (g->path = strdup(shown)) == NULL)
		/* tree_shown's error, if it failed, comes first. */
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	return 0;
}

/*
 * The folders of DIR that kiln made for a member the manifest no longer
 * has: a folder (not a link) holding cfg/etcd.yml, other than ca/,
 * clients/ and the members'.  They are left as they are, and reported.
 */
static int
find_gone(struct etcd_run *r, struct kiln_err *err)
{
	static const char *const skip[] = {"ca", "clients", NULL};
	const struct kiln_etcd_manifest *m = r->m;
	char **names = NULL;
	size_t i, j, n = 0;
	int fd = r->tree.folders[F_ROOT].fd, rc = -1;

	if (fd == -1)
		return 0;
	if (tree_marked(fd, "cfg", "etcd.yml", skip, &names, &n, err) == -1)
		goto cleanup;
	for (i = 0; i < n; i++) {
		for (j = 0; j < m->n_members; j++)
			if (strcmp(m->members[j].name, names[i]) == 0)
				break;
		if (j == m->n_members && add_gone(r, fd, names[i], err) == -1)
			goto cleanup;
	}
	rc = 0;
cleanup:
	kiln_strs_free(names, n);
	return rc;
}

/*
 * A member whose etcd.yml advertised another peer URL: the cluster
 * knows it by that URL until `etcdctl member update` says otherwise.
 */
static int
find_moved(struct etcd_run *r, size_t i, struct kiln_err *err)
{
	const struct kiln_etcd_manifest *m = r->m;
	struct kiln_etcd_result *res = r->result;
	static const char key[] = "initial-advertise-peer-urls: '";
	struct kiln_etcd_moved *v;
	char line[256], url[128];
	size_t len;

	if (!r->had_yml[i] || etcd_find_line((char *)r->old_yml[i].p, key, line,
	                          sizeof(line)) == -1)
		return 0;
	len = strlen(line);
	if (len < sizeof(key) || line[len - 1] != '\'')
		return 0;
	line[len - 1] = '\0';
	kiln_etcd_url(url, sizeof(url), m->members[i].ip, m->etcd.peer_port);
	if (strcmp(line + sizeof(key) - 1, url) == 0)
		return 0;
	if ((v = realloc(res->moved, (res->n_moved + 1) * sizeof(*v))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	res->moved = v;
	v = &res->moved[res->n_moved];
	v->member = i;
	if ((v->old_url = strdup(line + sizeof(key) - 1)) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	res->n_moved++;
	return 0;
}

/*
 * What was there before this run decides what is new: DIR/ca/ca.pem and
 * each member's cfg/etcd.yml, read through the folders opened at the
 * start.
 */
static int
survey(struct etcd_run *r, int *ca_existed, struct kiln_err *err)
{
	const struct kiln_etcd_manifest *m = r->m;
	struct stat st;
	size_t i;

	if ((r->had_yml = calloc(m->n_members, sizeof(*r->had_yml))) == NULL ||
	    (r->old_yml = calloc(m->n_members, sizeof(*r->old_yml))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	for (i = 0; i < m->n_members; i++)
		kiln_buf_init(&r->old_yml[i]);
	if (folders_new(r, err) == -1 || tree_open(&r->tree, err) == -1)
		return -1;
	*ca_existed = tree_exists(&r->tree, F_CA, "ca.pem");
	for (i = 0; i < m->n_members; i++) {
		if (tree_read(&r->tree, F_CFG(i), "etcd.yml", &r->old_yml[i],
		        &st, &r->had_yml[i], err) == -1 ||
		    find_moved(r, i, err) == -1)
			return -1;
		r->existing_cluster |= *ca_existed && r->had_yml[i];
	}
	return find_gone(r, err);
}

/* Leaves. */

/* Append "s" to a host list unless it is there already. */
static int
add_host(char ***v, size_t *n, const char *s, struct kiln_err *err)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i], s) == 0)
			return 0;
	return kiln_strs_push(v, n, s, err);
}

/*
 * A member's SANs: its IP, its name, for the server certificate
 * 127.0.0.1 and localhost, then its extra hosts.
 */
static int
member_hosts(const struct kiln_etcd_member *mb, int server, char ***v,
    size_t *n, struct kiln_err *err)
{
	size_t i;

	if (add_host(v, n, mb->ip, err) == -1 ||
	    add_host(v, n, mb->name, err) == -1 ||
	    (server && (add_host(v, n, "127.0.0.1", err) == -1 ||
	                   add_host(v, n, "localhost", err) == -1)))
		return -1;
	for (i = 0; i < mb->n_hosts; i++)
		if (add_host(v, n, mb->hosts[i], err) == -1)
			return -1;
	return 0;
}

/* The shared layout's SANs: every member's IP and name, then the rest. */
static int
shared_hosts(const struct kiln_etcd_manifest *m, char ***v, size_t *n,
    struct kiln_err *err)
{
	size_t i, j;

	for (i = 0; i < m->n_members; i++)
		if (add_host(v, n, m->members[i].ip, err) == -1)
			return -1;
	for (i = 0; i < m->n_members; i++)
		if (add_host(v, n, m->members[i].name, err) == -1)
			return -1;
	if (add_host(v, n, "127.0.0.1", err) == -1 ||
	    add_host(v, n, "localhost", err) == -1)
		return -1;
	for (i = 0; i < m->n_members; i++)
		for (j = 0; j < m->members[i].n_hosts; j++)
			if (add_host(v, n, m->members[i].hosts[j], err) == -1)
				return -1;
	return 0;
}

/* Add a leaf of the run; its index into "*i". */
static int
add_leaf(struct etcd_run *r, size_t f, const char *base, const char *what,
    const char *cn, const char *o, char *const *hosts, size_t n_hosts,
    enum etcd_profile p, size_t *i, struct kiln_err *err)
{
	long k = leaves_add(&r->leaves, &r->tree, f, base, what, cn, o, hosts,
	    n_hosts, &r->m->leaf, &r->profiles[p],
	    (r->flags & KILN_ETCD_FORCE) != 0, err);

	if (k == -1)
		return -1;
	*i = (size_t)k;
	return 0;
}

/*
 * The shared layout's one certificate.  An existing one is looked for
 * in the members' folders, in order: the first that has both files
 * (whatever they are: a link there is refused when read).
 */
static int
shared_leaf(struct etcd_run *r, size_t *leaf, struct kiln_err *err)
{
	const struct kiln_etcd_manifest *m = r->m;
	char **hosts = NULL;
	size_t i, n = 0;
	int rc = -1;

	if (shared_hosts(m, &hosts, &n, err) == -1)
		goto cleanup;
	for (i = 0; i < m->n_members; i++)
		if (tree_exists(&r->tree, F_SSL(i), "etcd.pem") &&
		    tree_exists(&r->tree, F_SSL(i), "etcd-key.pem"))
			break;
	/* None has both: the last member's key, if it has one, as before. */
	rc = add_leaf(r, F_SSL(i < m->n_members ? i : m->n_members - 1), "etcd",
	    "shared etcd certificate", "etcd", NULL, hosts, n, ETCD_SERVER,
	    leaf, err);
cleanup:
	kiln_strs_free(hosts, n);
	return rc;
}

/* Member "i"'s server and peer leaves, into "leaf[0]" and "leaf[1]". */
static int
member_leaves(struct etcd_run *r, size_t i, size_t *leaf, struct kiln_err *err)
{
	const struct kiln_etcd_member *mb = &r->m->members[i];
	char what[128], **hosts = NULL;
	size_t n = 0;
	int k, rc = -1;

	for (k = 0; k < 2; k++) {
		const char *role = k == 0 ? "server" : "peer";

		kiln_strs_free(hosts, n);
		hosts = NULL;
		n = 0;
		snprintf(
		    what, sizeof(what), "%s %s certificate", mb->name, role);
		if (member_hosts(mb, k == 0, &hosts, &n, err) == -1 ||
		    add_leaf(r, F_SSL(i), role, what, mb->name, NULL, hosts, n,
		        k == 0 ? ETCD_SERVER : ETCD_PEER, &leaf[k], err) == -1)
			goto cleanup;
	}
	rc = 0;
cleanup:
	kiln_strs_free(hosts, n);
	return rc;
}

/*
 * Member "i"'s files: ssl/ca.pem, its certificates ("shared" the shared
 * layout's leaf, or -1), cfg/etcd.yml, etcd.service.
 */
static int
plan_member(struct etcd_run *r, size_t i, long shared, struct kiln_err *err)
{
	size_t leaf[2];

	if (etcd_plan_data(r, F_SSL(i), "ca.pem", TREE_CA_COPY, &r->ca_pem,
	        0644, err) == -1)
		return -1;
	if (shared != -1) {
		if (leaves_plan(&r->leaves, (size_t)shared, &r->tree, F_SSL(i),
		        err) == -1)
			return -1;
	} else if (member_leaves(r, i, leaf, err) == -1 ||
	           leaves_plan(&r->leaves, leaf[0], &r->tree, F_SSL(i), err) ==
	               -1 ||
	           leaves_plan(&r->leaves, leaf[1], &r->tree, F_SSL(i), err) ==
	               -1)
		return -1;
	if (etcd_plan_template(r, F_CFG(i), "etcd.yml", ETCD_YML, i, err) ==
	        -1 ||
	    etcd_plan_template(
	        r, F_MEMBER(i), "etcd.service", ETCD_SERVICE, i, err) == -1)
		return -1;
	if (r->existing_cluster && !r->had_yml[i])
		r->result->added[r->result->n_added++] = i;
	return 0;
}

/* The clients' certificates, in clients/. */
static int
plan_clients(struct etcd_run *r, struct kiln_err *err)
{
	const struct kiln_etcd_manifest *m = r->m;
	char what[300];
	size_t i, leaf;

	for (i = 0; i < m->n_clients; i++) {
		snprintf(what, sizeof(what), "client %s", m->clients[i].cn);
		if (add_leaf(r, F_CLIENTS, m->clients[i].cn, what,
		        m->clients[i].cn, m->clients[i].o, NULL, 0, ETCD_CLIENT,
		        &leaf, err) == -1 ||
		    leaves_plan(&r->leaves, leaf, &r->tree, F_CLIENTS, err) ==
		        -1)
			return -1;
	}
	return 0;
}

int
etcd_plan(struct etcd_run *r, struct kiln_err *err)
{
	const struct kiln_etcd_manifest *m = r->m;
	size_t i, shared = 0;
	int ca_existed = 0;

	if ((r->result->added = calloc(m->n_members, sizeof(size_t))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	if (survey(r, &ca_existed, err) == -1)
		return -1;
	r->nsteps = (ca_existed || m->ca_cert_path != NULL ? 0 : 1) +
	            (m->layout == KILN_ETCD_SHARED ? 1 : 2 * m->n_members) +
	            m->n_clients;
	if (kiln_rng_seed(&r->rng, "kiln etcd", err) == -1 ||
	    etcd_plan_ca(r, err) == -1)
		return -1;
	if (m->layout == KILN_ETCD_SHARED && shared_leaf(r, &shared, err) == -1)
		return -1;
	for (i = 0; i < m->n_members; i++)
		if (plan_member(r, i,
		        m->layout == KILN_ETCD_SHARED ? (long)shared : -1,
		        err) == -1)
			return -1;
	return plan_clients(r, err);
}
