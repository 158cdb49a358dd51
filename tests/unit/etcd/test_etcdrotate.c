/*
 * kiln rotate-ca on a kiln etcd tree through the library
 * (kiln_etcd_rotate): the order of the phases, a phase done already, a
 * dry run, a phase re-run after it stopped before its state was written,
 * and kiln etcd refusing a tree mid-rotation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "kiln/etcd.h"
#include "kiln/file.h"
#include "kiln/rotate.h"

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
