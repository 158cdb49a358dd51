/*
 * kiln rotate-ca on a kiln etcd tree through the library
 * (kiln_etcd_rotate): the order of the phases, a phase done already, a
 * dry run, a phase re-run after it stopped before its state was written,
 * and kiln etcd refusing a tree mid-rotation; phase 2 on the pool
 * (kiln_etcd_rotate_threads): the same plan on one thread and on four.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "kiln/cert.h"
#include "kiln/etcd.h"
#include "kiln/file.h"
#include "kiln/pem.h"
#include "kiln/rotate.h"
#include "pki/leafpool.h"

static struct kiln_etcd_manifest m;
static struct kiln_etcd_result er;
static struct kiln_rotate_result r;
static struct kiln_err err;
static char dir[64], tree[128];

static void
setup(void)
{
	static const char json[] =
	    "{\"key\": {\"algo\": \"ecdsa\", \"size\": 256}, \"members\": ["
	    "{\"name\": \"etcd-1\", \"ip\": \"10.0.0.1\"},"
	    "{\"name\": \"etcd-2\", \"ip\": \"10.0.0.2\"}],"
	    "\"clients\": [\"root\"]}";

	kiln_etcd_manifest_init(&m);
	kiln_etcd_result_init(&er);
	kiln_rotate_result_init(&r);
	kiln_err_clear(&err);
	snprintf(dir, sizeof(dir), "/tmp/kiln-test-rot.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(tree, sizeof(tree), "%s/t", dir);
	cr_assert_eq(
	    kiln_etcd_manifest_parse(&m, json, strlen(json), "/base", &err), 0);
	cr_assert_eq(kiln_etcd_build(&m, tree, 0, NULL, NULL, &er, &err), 0,
	    "%s", err.msg);
}

static void
teardown(void)
{
	char cmd[128];

	kiln_etcd_manifest_free(&m);
	kiln_etcd_result_free(&er);
	kiln_rotate_result_free(&r);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(etcdrotate, .init = setup, .fini = teardown, .timeout = 60);

static int
phase(int n, unsigned int flags)
{
	kiln_err_clear(&err);
	return kiln_etcd_rotate(tree, n, flags, &r, &err);
}

static void
refused(int n, const char *want)
{
	cr_assert_eq(phase(n, 0), -1, "phase %d accepted", n);
	cr_assert_eq(err.code, KILN_EINVAL);
	cr_assert_str_eq(err.msg, want);
}

/* The fate of "path" (under the tree) in the last result. */
static int
fate(const char *path)
{
	char full[256];
	size_t i;

	snprintf(full, sizeof(full), "%s/%s", tree, path);
	for (i = 0; i < r.n_files; i++)
		if (strcmp(r.files[i].path, full) == 0)
			return (int)r.files[i].fate;
	cr_assert_fail("%s not in the result", full);
	return -1;
}

Test(etcdrotate, phases_run_in_order_once_each)
{
	refused(2, "phase 2: no CA rotation is under way: phase 1 starts one");
	refused(0, "phase 0: there are three phases, 1 to 3");
	cr_assert_eq(phase(1, 0), 0, "%s", err.msg);
	cr_assert_eq(r.before, 0);
	cr_assert_eq(r.n_members, 2);
	cr_assert_str_eq(r.members[1], "etcd-2");
	cr_assert_eq(fate("etcd-1/ssl/ca.pem"), KILN_ROTATE_CHANGED);
	cr_assert_eq(fate("ca/new/ca-cross.pem"), KILN_ROTATE_NEW);
	refused(3, "phase 3: out of order: phase 1 is done, phase 2 is next");
	cr_assert_eq(phase(1, 0), 0);
	cr_assert_eq(r.done_already, 1);
	cr_assert_eq(r.next, 2);
	cr_assert_eq(r.n_files, 0);
	cr_assert_eq(phase(2, 0), 0, "%s", err.msg);
	cr_assert_eq(r.reissued, 5);
	cr_assert_eq(r.kept, 0);
	cr_assert_eq(phase(3, 0), 0, "%s", err.msg);
	cr_assert_eq(fate("ca/ca.pem"), KILN_ROTATE_KEPT);
	cr_assert_eq(fate("etcd-2/ssl/ca.pem"), KILN_ROTATE_CHANGED);
	/* Finished: 2 and 3 are done, 1 starts another rotation. */
	cr_assert_eq(phase(2, 0), 0);
	cr_assert_eq(r.done_already, 1);
	cr_assert_eq(r.before, 0);
	cr_assert_eq(phase(1, KILN_ROTATE_DRY_RUN), 0, "%s", err.msg);
	cr_assert_eq(r.done_already, 0);
	cr_assert_str_neq(r.old_id, r.new_id);
}

Test(etcdrotate, a_dry_run_writes_nothing)
{
	char path[256];

	cr_assert_eq(phase(1, KILN_ROTATE_DRY_RUN), 0, "%s", err.msg);
	cr_assert_eq(fate("ca/rotate.json"), KILN_ROTATE_NEW);
	snprintf(path, sizeof(path), "%s/ca/rotate.json", tree);
	cr_assert_eq(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/ca/new", tree);
	cr_assert_eq(access(path, F_OK), -1);
}

Test(etcdrotate, a_phase_cut_before_its_state_completes_on_a_re_run)
{
	char path[256], state[512];
	struct kiln_buf text;

	kiln_buf_init(&text);
	cr_assert_eq(phase(1, 0), 0, "%s", err.msg);
	snprintf(path, sizeof(path), "%s/ca/rotate.json", tree);
	cr_assert_eq(kiln_file_read(path, &text, &err), 0);
	cr_assert_lt(text.len, sizeof(state));
	memcpy(state, text.p, text.len);
	state[text.len] = '\0';
	cr_assert_eq(phase(2, 0), 0, "%s", err.msg);
	/* Phase 2 wrote everything but its state. */
	cr_assert_eq(
	    kiln_file_write(path, state, strlen(state), 0644, 0, &err), 0);
	cr_assert_eq(phase(2, 0), 0, "%s", err.msg);
	cr_assert_eq(r.reissued, 0);
	cr_assert_eq(r.kept, 5);
	cr_assert_eq(fate("etcd-1/ssl/server.pem"), KILN_ROTATE_KEPT);
	cr_assert_eq(fate("ca/old/ca-key.pem"), KILN_ROTATE_KEPT);
	cr_assert_eq(fate("ca/ca.pem"), KILN_ROTATE_KEPT);
	cr_assert_eq(fate("ca/rotate.json"), KILN_ROTATE_CHANGED);
	kiln_buf_free(&text);
}

Test(etcdrotate, kiln_etcd_refuses_a_tree_mid_rotation)
{
	char want[256];

	cr_assert_eq(phase(1, 0), 0, "%s", err.msg);
	kiln_err_clear(&err);
	cr_assert_eq(kiln_etcd_build(&m, tree, 0, NULL, NULL, &er, &err), -1);
	snprintf(want, sizeof(want),
	    "%s/ca/rotate.json: a CA rotation is under way (phase 1 of 3 "
	    "done): run its phase 2 (rotate-ca), and the rest, first",
	    tree);
	cr_assert_str_eq(err.msg, want);
	cr_assert_eq(phase(2, 0), 0, "%s", err.msg);
	cr_assert_eq(phase(3, 0), 0, "%s", err.msg);
	/* A finished rotation is no obstacle. */
	kiln_err_clear(&err);
	cr_assert_eq(kiln_etcd_build(&m, tree, 0, NULL, NULL, &er, &err), 0,
	    "%s", err.msg);
}

/*
 * Phase 2 on the pool: a tree of many leaves (12 members, 2 leaves each,
 * and 4 clients) after phase 1, copied into one/ and four/, phase 2 run
 * on one thread (one by one, as before the pool) and on four.
 */
static char one[160], four[160];
static struct kiln_rotate_result r4;

static void
pool_setup(void)
{
	static const char head[] =
	    "{\"key\": {\"algo\": \"ecdsa\", \"size\": 256}, "
	    "\"clients\": [\"root\", \"a\", \"b\", \"c\"], "
	    "\"members\": [";
	char json[2048], cmd[1024];
	size_t len;
	int i;

	kiln_etcd_manifest_init(&m);
	kiln_etcd_result_init(&er);
	kiln_rotate_result_init(&r);
	kiln_rotate_result_init(&r4);
	kiln_err_clear(&err);
	len = (size_t)snprintf(json, sizeof(json), "%s", head);
	for (i = 1; i <= 12; i++)
		len += (size_t)snprintf(json + len, sizeof(json) - len,
		    "%s{\"name\": \"etcd-%d\", \"ip\": \"10.0.0.%d\"}",
		    i > 1 ? ", " : "", i, i);
	snprintf(json + len, sizeof(json) - len, "]}");
	snprintf(dir, sizeof(dir), "/tmp/kiln-test-rotp.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(tree, sizeof(tree), "%s/t", dir);
	snprintf(one, sizeof(one), "%s/one", dir);
	snprintf(four, sizeof(four), "%s/four", dir);
	cr_assert_eq(
	    kiln_etcd_manifest_parse(&m, json, strlen(json), "/base", &err), 0,
	    "%s", err.msg);
	cr_assert_eq(kiln_etcd_build(&m, tree, 0, NULL, NULL, &er, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(kiln_etcd_rotate(tree, 1, 0, &r, &err), 0, "%s", err.msg);
	snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s' && cp -a '%s' '%s'", tree,
	    one, tree, four);
	cr_assert_eq(system(cmd), 0);
}

static void
pool_teardown(void)
{
	kiln_rotate_result_free(&r4);
	teardown();
}

TestSuite(
    etcdrotatepool, .init = pool_setup, .fini = pool_teardown, .timeout = 120);

/* File "rel" of tree "t", NUL-terminated, into "out" (empty). */
static void
read_rel(const char *t, const char *rel, struct kiln_buf *out)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", t, rel);
	kiln_err_clear(&err);
	cr_assert_eq(kiln_file_read(path, out, &err), 0, "%s", err.msg);
	cr_assert_eq(kiln_buf_terminate(out, &err), 0);
}

/* The certificate blocks of "text", at most 4, into "b"; their count. */
static size_t
blocks(const struct kiln_buf *text, struct kiln_pem_block *b)
{
	size_t pos = 0, n = 0;

	kiln_err_clear(&err);
	while (n < 4 && kiln_pem_next((const char *)text->p, &pos,
	                    "CERTIFICATE", &b[n], &err) == 1)
		n++;
	return n;
}

/*
 * File "rel" the same in one/ and four/: byte for byte, but for a leaf
 * issued again (a leaf, then the cross certificate): the same cross
 * certificate after a leaf that differs from the other in its serial,
 * dates and signature only, and verifies against the new CA.
 */
static void
same_file(const char *rel, const struct kiln_cert *ca,
    const struct kiln_buf *cross, int *leaves)
{
	struct kiln_buf a, b, a_leaf;
	struct kiln_pem_block ba[4], bb[4];
	struct kiln_cert cb;
	size_t na, nb;

	kiln_buf_init(&a);
	kiln_buf_init(&b);
	kiln_buf_init(&a_leaf);
	kiln_cert_init(&cb);
	read_rel(one, rel, &a);
	read_rel(four, rel, &b);
	na = blocks(&a, ba);
	nb = blocks(&b, bb);
	cr_assert_eq(na, nb, "%s: %zu certificates, %zu", rel, na, nb);
	if (na == 2 && a.len - ba[1].begin == cross->len &&
	    memcmp(a.p + ba[1].begin, cross->p, cross->len) == 0) {
		cr_assert_eq(b.len - bb[1].begin, cross->len, "%s", rel);
		cr_assert_eq(memcmp(b.p + bb[1].begin, cross->p, cross->len), 0,
		    "%s", rel);
		cr_assert_eq(kiln_buf_append(&a_leaf, a.p, ba[0].end, &err), 0);
		cr_assert_eq(
		    kiln_cert_parse(&cb, b.p, bb[0].end, &err), 0, "%s", rel);
		cr_assert(leaf_still_right(ca, &a_leaf,
		              &(struct kiln_buf){
		                  .p = cb.crt.raw.p, .len = cb.crt.raw.len}),
		    "%s: the leaves differ beyond serial, dates and signature",
		    rel);
		++*leaves;
	} else {
		cr_assert_eq(
		    a.len, b.len, "%s: %zu bytes, %zu", rel, a.len, b.len);
		cr_assert_eq(memcmp(a.p, b.p, a.len), 0, "%s differs", rel);
	}
	kiln_cert_free(&cb);
	kiln_buf_free(&a);
	kiln_buf_free(&b);
	kiln_buf_free(&a_leaf);
}

Test(etcdrotatepool, phase_2_on_four_threads_plans_what_one_by_one_does)
{
	struct kiln_buf ca_pem, cross;
	struct kiln_cert ca;
	size_t i, lo = strlen(one), lf = strlen(four);
	int leaves = 0;

	kiln_buf_init(&ca_pem);
	kiln_buf_init(&cross);
	kiln_cert_init(&ca);
	cr_assert_eq(
	    kiln_etcd_rotate_threads(one, 2, 0, 1, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(kiln_etcd_rotate_threads(four, 2, 0, 4, &r4, &err), 0,
	    "%s", err.msg);
	/* 12 members' server and peer leaves, 4 clients. */
	cr_assert_eq(r.reissued, 28);
	cr_assert_eq(r4.reissued, 28);
	cr_assert_eq(r4.kept, 0);
	cr_assert_str_eq(r.old_id, r4.old_id);
	cr_assert_str_eq(r.new_id, r4.new_id);
	/* The same files, in the same order, with the same fates. */
	cr_assert_eq(r.n_files, r4.n_files);
	read_rel(one, "ca/ca.pem", &ca_pem);
	read_rel(one, "ca/new/ca-cross.pem", &cross);
	cr_assert_eq(kiln_cert_parse(&ca, ca_pem.p, ca_pem.len, &err), 0);
	for (i = 0; i < r.n_files; i++) {
		cr_assert_eq(strncmp(r.files[i].path, one, lo), 0);
		cr_assert_eq(strncmp(r4.files[i].path, four, lf), 0);
		cr_assert_str_eq(r.files[i].path + lo, r4.files[i].path + lf);
		cr_assert_eq(
		    r.files[i].fate, r4.files[i].fate, "%s", r.files[i].path);
		same_file(r.files[i].path + lo + 1, &ca, &cross, &leaves);
	}
	cr_assert_eq(leaves, 28);
	/* Where one by one puts the leaves: after the old CA's backup. */
	cr_assert_str_eq(r4.files[2].path + lf, "/etcd-1/ssl/peer.pem");
	kiln_buf_free(&ca_pem);
	kiln_buf_free(&cross);
	kiln_cert_free(&ca);
}

/*
 * Leaf "rel"'s key replaced by that of "other": the new CA would
 * certify another key, refused.
 */
static void
swap_key(const char *t, const char *rel, const char *other)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "cp '%s/%s-key.pem' '%s/%s-key.pem'", t,
	    other, t, rel);
	cr_assert_eq(system(cmd), 0);
}

#define MISMATCH                                                               \
	"%s/etcd-3/ssl/server.pem: its key %s/etcd-3/ssl/server-key.pem does " \
	"not match it: refused (a certificate is renewed only for the key "    \
	"beside it)"

Test(etcdrotatepool, the_first_failing_leaf_is_named_on_any_number_of_threads)
{
	char want[1024], path[512];

	/* etcd-3's server key swapped, clients/b's key gone. */
	swap_key(one, "etcd-3/ssl/server", "etcd-3/ssl/peer");
	swap_key(four, "etcd-3/ssl/server", "etcd-3/ssl/peer");
	snprintf(path, sizeof(path), "%s/clients/b-key.pem", one);
	cr_assert_eq(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/clients/b-key.pem", four);
	cr_assert_eq(unlink(path), 0);
	kiln_err_clear(&err);
	cr_assert_eq(kiln_etcd_rotate_threads(one, 2, 0, 1, &r, &err), -1);
	snprintf(want, sizeof(want), MISMATCH, one, one);
	cr_assert_str_eq(err.msg, want);
	kiln_err_clear(&err);
	cr_assert_eq(kiln_etcd_rotate_threads(four, 2, 0, 4, &r4, &err), -1);
	snprintf(want, sizeof(want), MISMATCH, four, four);
	cr_assert_str_eq(err.msg, want);
	/* Nothing written: phase 1 is still the last done. */
	kiln_err_clear(&err);
	cr_assert_eq(kiln_etcd_rotate_threads(four, 3, 0, 4, &r4, &err), -1);
	cr_assert_str_eq(
	    err.msg, "phase 3: out of order: phase 1 is done, phase 2 is next");
	/* With the key put back, the missing one comes next. */
	swap_key(four, "etcd-3/ssl/server", "../t/etcd-3/ssl/server");
	kiln_err_clear(&err);
	cr_assert_eq(kiln_etcd_rotate_threads(four, 2, 0, 4, &r4, &err), -1);
	snprintf(want, sizeof(want),
	    "%s/clients/b-key.pem: missing, beside %s/clients/b.pem", four,
	    four);
	cr_assert_str_eq(err.msg, want);
}
