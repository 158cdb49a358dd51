/*
 * kiln etcd's plan (etcd/etcdplan.c) as data: the files and leaves one
 * pass gives, and the decisions a run takes from them (a dry run: the
 * temporary folder is the only disk touched).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <criterion/criterion.h>

#include "etcd/etcdplan.h"
#include "kiln/file.h"
#include "kiln/issue.h"
#include "kiln/key.h"
#include "kiln/pem.h"

static struct kiln_etcd_manifest m;
static struct kiln_etcd_result r;
static struct kiln_err err;
static char dir[64], out[96];

static void
setup(void)
{
	kiln_etcd_manifest_init(&m);
	kiln_etcd_result_init(&r);
	kiln_err_clear(&err);
	snprintf(dir, sizeof(dir), "/tmp/kiln-test-etcdplan.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/out", dir);
}

static void
teardown(void)
{
	char cmd[128];

	kiln_etcd_manifest_free(&m);
	kiln_etcd_result_free(&r);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(etcdplan, .init = setup, .fini = teardown, .timeout = 60);

#define MEMBERS(ip2)                                                           \
	"\"members\": [{\"name\": \"etcd-1\", \"ip\": \"10.0.0.1\"},"          \
	"{\"name\": \"etcd-2\", \"ip\": \"" ip2 "\"},"                         \
	"{\"name\": \"etcd-3\", \"ip\": \"10.0.0.3\"}]"

static void
parse(const char *json)
{
	kiln_etcd_manifest_free(&m);
	kiln_etcd_manifest_init(&m);
	cr_assert_eq(
	    kiln_etcd_manifest_parse(&m, json, strlen(json), "/", &err), 0,
	    "%s", err.msg);
}

/* A run of the manifest: real, or with KILN_ETCD_DRY_RUN. */
static void
run(unsigned int flags)
{
	kiln_err_clear(&err);
	cr_assert_eq(
	    kiln_etcd_build_threads(&m, out, flags, 1, NULL, NULL, &r, &err), 0,
	    "%s", err.msg);
}

/* The fate the last run gave "rel" (from -out). */
static enum kiln_etcd_fate
fate_of(const char *rel)
{
	char p[160];
	size_t i;

	snprintf(p, sizeof(p), "%s/%s", out, rel);
	for (i = 0; i < r.n_files; i++)
		if (strcmp(r.files[i].path, p) == 0)
			return r.files[i].fate;
	cr_assert_fail("%s: not in the result", p);
	return KILN_ETCD_LEFT;
}

struct want {
	const char *rel;
	enum tree_kind kind;
	long arg; /* the leaf, the member, or -1 */
};

static void
expect_plan(const struct etcd_run *er, const struct want *w, size_t n)
{
	char p[160];
	size_t i;

	cr_assert_eq(er->tree.n_files, n);
	for (i = 0; i < n; i++) {
		const struct tree_file *f = &er->tree.files[i];

		snprintf(p, sizeof(p), "%s/%s", out, w[i].rel);
		cr_assert_str_eq(f->shown, p, "file %zu", i);
		cr_assert_eq(f->kind, w[i].kind, "%s", p);
		if (w[i].arg != -1)
			cr_assert_eq(f->arg, (size_t)w[i].arg, "%s", p);
		cr_assert_eq(f->mode,
		    f->kind == TREE_CA_KEY || f->kind == TREE_LEAF_KEY ? 0600
		                                                       : 0644,
		    "%s", p);
	}
}

Test(etcdplan, a_new_tree_is_every_file_in_order_and_a_leaf_each)
{
	static const struct want w[] = {
	    {"ca/ca-key.pem", TREE_CA_KEY, -1},
	    {"ca/ca.pem", TREE_CA_CERT, -1},
	    {"ca/ca-config.json", TREE_TEMPLATE, -1},
	    {"etcd-1/ssl/ca.pem", TREE_CA_COPY, -1},
	    {"etcd-1/ssl/server-key.pem", TREE_LEAF_KEY, 0},
	    {"etcd-1/ssl/server.pem", TREE_LEAF_CERT, 0},
	    {"etcd-1/ssl/peer-key.pem", TREE_LEAF_KEY, 1},
	    {"etcd-1/ssl/peer.pem", TREE_LEAF_CERT, 1},
	    {"etcd-1/cfg/etcd.yml", TREE_TEMPLATE, 0},
	    {"etcd-1/etcd.service", TREE_TEMPLATE, 0},
	    {"etcd-2/ssl/ca.pem", TREE_CA_COPY, -1},
	    {"etcd-2/ssl/server-key.pem", TREE_LEAF_KEY, 2},
	    {"etcd-2/ssl/server.pem", TREE_LEAF_CERT, 2},
	    {"etcd-2/ssl/peer-key.pem", TREE_LEAF_KEY, 3},
	    {"etcd-2/ssl/peer.pem", TREE_LEAF_CERT, 3},
	    {"etcd-2/cfg/etcd.yml", TREE_TEMPLATE, 1},
	    {"etcd-2/etcd.service", TREE_TEMPLATE, 1},
	    {"etcd-3/ssl/ca.pem", TREE_CA_COPY, -1},
	    {"etcd-3/ssl/server-key.pem", TREE_LEAF_KEY, 4},
	    {"etcd-3/ssl/server.pem", TREE_LEAF_CERT, 4},
	    {"etcd-3/ssl/peer-key.pem", TREE_LEAF_KEY, 5},
	    {"etcd-3/ssl/peer.pem", TREE_LEAF_CERT, 5},
	    {"etcd-3/cfg/etcd.yml", TREE_TEMPLATE, 2},
	    {"etcd-3/etcd.service", TREE_TEMPLATE, 2},
	    {"clients/api-key.pem", TREE_LEAF_KEY, 6},
	    {"clients/api.pem", TREE_LEAF_CERT, 6},
	};
	struct etcd_run er;
	struct stat st;
	const struct leaf *l;

	parse("{\"clients\": [{\"CN\": \"api\", \"O\": \"sys\"}]," MEMBERS(
	    "10.0.0.2") "}");
	etcd_run_init(&er, &m, out, 0, &r);
	cr_assert_eq(etcd_plan(&er, &err), 0, "%s", err.msg);
	expect_plan(&er, w, sizeof(w) / sizeof(w[0]));
	cr_assert(er.tree.files[0].excl, "a new CA key replaces nothing");
	cr_assert_eq(er.tree.files[8].tmpl, ETCD_YML);
	cr_assert_eq(er.tree.files[9].tmpl, ETCD_SERVICE);
	cr_assert_eq(er.tree.files[2].tmpl, ETCD_CA_CONFIG);
	/* The CA's bytes are in the plan; a leaf's come from the pool. */
	cr_assert_eq(er.tree.files[3].data.len, er.ca_pem.len);
	cr_assert_eq(er.tree.files[4].data.len, 0);

	cr_assert_eq(er.leaves.n, 7);
	l = &er.leaves.v[2];
	cr_assert_str_eq(l->what, "etcd-2 server certificate");
	cr_assert_str_eq(l->cn, "etcd-2");
	cr_assert_eq(l->n_hosts, 4);
	cr_assert_str_eq(l->hosts[0], "10.0.0.2");
	cr_assert_str_eq(l->hosts[1], "etcd-2");
	cr_assert_str_eq(l->hosts[2], "127.0.0.1");
	cr_assert_str_eq(l->hosts[3], "localhost");
	cr_assert_eq(l->profile, &er.profiles[ETCD_SERVER]);
	cr_assert_eq(er.leaves.v[3].n_hosts, 2, "a peer has no loopback");
	cr_assert_eq(er.leaves.v[3].profile, &er.profiles[ETCD_PEER]);
	l = &er.leaves.v[6];
	cr_assert_str_eq(l->cn, "api");
	cr_assert_str_eq(l->o, "sys");
	cr_assert_eq(l->n_hosts, 0);
	cr_assert_eq(l->profile, &er.profiles[ETCD_CLIENT]);
	cr_assert(!l->have_key && !l->have_cert);
	cr_assert_eq(l->state, LEAF_NOT_RUN);
	etcd_run_free(&er);
	cr_assert_eq(stat(out, &st), -1, "the plan made %s", out);
}

Test(etcdplan, the_shared_layout_plans_one_leaf_for_every_member)
{
	struct etcd_run er;
	size_t i, n = 0;

	parse("{\"layout\": \"shared\"," MEMBERS("10.0.0.2") "}");
	etcd_run_init(&er, &m, out, 0, &r);
	cr_assert_eq(etcd_plan(&er, &err), 0, "%s", err.msg);
	cr_assert_eq(er.leaves.n, 1);
	cr_assert_str_eq(er.leaves.v[0].cn, "etcd");
	cr_assert_eq(er.leaves.v[0].n_hosts, 8); /* 3 IPs, 3 names, loopback */
	for (i = 0; i < er.tree.n_files; i++)
		if (er.tree.files[i].kind == TREE_LEAF_CERT) {
			cr_assert_eq(er.tree.files[i].arg, 0);
			cr_assert_str_eq(er.tree.files[i].name, "etcd.pem");
			n++;
		}
	cr_assert_eq(n, 3);
	etcd_run_free(&er);
}

Test(etcdplan, a_rerun_keeps_every_file)
{
	size_t i;

	parse("{\"clients\": [{\"CN\": \"api\"}]," MEMBERS("10.0.0.2") "}");
	run(0);
	cr_assert_eq(fate_of("etcd-2/ssl/peer.pem"), KILN_ETCD_NEW);
	run(KILN_ETCD_DRY_RUN);
	cr_assert_eq(r.n_files, 26);
	for (i = 0; i < r.n_files; i++)
		cr_assert_eq(
		    r.files[i].fate, KILN_ETCD_KEPT, "%s", r.files[i].path);
	cr_assert_eq(r.issued, 0);
	cr_assert_eq(r.kept, 8);
	cr_assert_eq(r.n_moved + r.n_added + r.n_gone, 0);
}

Test(etcdplan, a_changed_ip_changes_that_members_files_and_names_it)
{
	char url[64];

	parse("{" MEMBERS("10.0.0.2") "}");
	run(0);
	parse("{" MEMBERS("10.0.0.9") "}");
	run(KILN_ETCD_DRY_RUN);
	cr_assert_eq(r.n_moved, 1);
	cr_assert_eq(r.moved[0].member, 1);
	cr_assert_str_eq(r.moved[0].old_url, "https://10.0.0.2:2380");
	kiln_etcd_url(url, sizeof(url), m.members[1].ip, m.etcd.peer_port);
	cr_assert_str_eq(url, "https://10.0.0.9:2380");
	/* Its key stays; its certificates and etcd.yml change. */
	cr_assert_eq(fate_of("etcd-2/ssl/server-key.pem"), KILN_ETCD_KEPT);
	cr_assert_eq(fate_of("etcd-2/ssl/server.pem"), KILN_ETCD_CHANGED);
	cr_assert_eq(fate_of("etcd-2/ssl/peer.pem"), KILN_ETCD_CHANGED);
	cr_assert_eq(fate_of("etcd-2/cfg/etcd.yml"), KILN_ETCD_CHANGED);
	/* The others keep the initial-cluster they were started with. */
	cr_assert_eq(fate_of("etcd-1/cfg/etcd.yml"), KILN_ETCD_KEPT);
	cr_assert_eq(fate_of("etcd-3/ssl/server.pem"), KILN_ETCD_KEPT);
	cr_assert_eq(r.issued, 2);
	cr_assert_eq(r.kept, 5);
}

Test(etcdplan, a_removed_member_and_client_are_left_behind)
{
	char p[160];

	parse("{\"clients\": [{\"CN\": \"api\"}]," MEMBERS("10.0.0.2") "}");
	run(0);
	parse("{\"members\": [{\"name\": \"etcd-1\", \"ip\": \"10.0.0.1\"},"
	      "{\"name\": \"etcd-2\", \"ip\": \"10.0.0.2\"}]}");
	run(KILN_ETCD_DRY_RUN);
	cr_assert_eq(r.n_gone, 1);
	cr_assert_str_eq(r.gone[0].name, "etcd-3");
	snprintf(p, sizeof(p), "%s/etcd-3", out);
	cr_assert_str_eq(r.gone[0].path, p);
	cr_assert(r.gone[0].has_keys);
	cr_assert_eq(r.n_files, 3 + 2 * 7 + 2);
	cr_assert_eq(fate_of("clients/api-key.pem"), KILN_ETCD_LEFT);
	cr_assert_eq(fate_of("clients/api.pem"), KILN_ETCD_LEFT);
	snprintf(p, sizeof(p), "%s/clients/api-key.pem", out);
	cr_assert_str_eq(r.files[r.n_files - 2].path, p, "left files last");
	cr_assert_eq(fate_of("etcd-2/cfg/etcd.yml"), KILN_ETCD_KEPT);
}

/* DIR/ca/ca.pem renewed: the same key and subject, another serial. */
static void
renew_ca(void)
{
	struct kiln_careq careq = m.ca.ca;
	struct kiln_profile profile;
	struct kiln_buf pem, der;
	struct kiln_gen_in in;
	struct kiln_rng rng;
	struct kiln_key key;
	char p[160];

	kiln_buf_init(&pem);
	kiln_buf_init(&der);
	kiln_key_init(&key);
	kiln_rng_init(&rng);
	snprintf(p, sizeof(p), "%s/ca/ca-key.pem", out);
	cr_assert_eq(kiln_file_read(p, &pem, &err), 0, "%s", err.msg);
	cr_assert_eq(kiln_rng_seed(&rng, "test", &err), 0);
	cr_assert_eq(kiln_key_parse(&key, pem.p, pem.len, &rng, &err), 0);
	careq.expiry = m.ca_expiry;
	kiln_issue_ca_profile(&profile, &careq, NULL);
	memset(&in, 0, sizeof(in));
	in.req = &m.ca;
	in.key = &key;
	cr_assert_eq(kiln_gen_cert(&der, NULL, &in, NULL, &profile, &rng,
	                 time(NULL), &err),
	    0, "%s", err.msg);
	pem.len = 0;
	cr_assert_eq(
	    kiln_pem_write(&pem, "CERTIFICATE", der.p, der.len, &err), 0);
	snprintf(p, sizeof(p), "%s/ca/ca.pem", out);
	cr_assert_eq(kiln_file_write(p, pem.p, pem.len, 0644, 0, &err), 0, "%s",
	    err.msg);
	kiln_buf_free(&pem);
	kiln_buf_free(&der);
	kiln_key_free(&key);
	kiln_rng_free(&rng);
}

Test(etcdplan, a_renewed_ca_changes_every_ca_pem_copy_and_keeps_the_leaves)
{
	size_t i;

	parse("{" MEMBERS("10.0.0.2") "}");
	run(0);
	renew_ca();
	run(KILN_ETCD_DRY_RUN);
	cr_assert_eq(fate_of("ca/ca.pem"), KILN_ETCD_KEPT);
	cr_assert_eq(fate_of("etcd-1/ssl/ca.pem"), KILN_ETCD_CHANGED);
	cr_assert_eq(fate_of("etcd-2/ssl/ca.pem"), KILN_ETCD_CHANGED);
	cr_assert_eq(fate_of("etcd-3/ssl/ca.pem"), KILN_ETCD_CHANGED);
	for (i = 0; i < r.n_files; i++)
		if (strstr(r.files[i].path, "/ssl/ca.pem") == NULL)
			cr_assert_eq(r.files[i].fate, KILN_ETCD_KEPT, "%s",
			    r.files[i].path);
	cr_assert_eq(r.issued, 0);
	cr_assert_eq(r.kept, 7);
}
