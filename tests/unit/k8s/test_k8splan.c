/*
 * kiln k8s's plan (k8s/k8splan.c) as data: the files and leaves of one
 * pass, by CA; the kubeconfig read back (k8sconf.c); and a re-run that
 * keeps a kubeconfig's key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "k8s/k8splan.h"
#include "kiln/file.h"

static struct kiln_k8s_manifest m;
static struct kiln_k8s_result r;
static struct kiln_err err;
static char dir[64], out[96];

static void
setup(void)
{
	kiln_k8s_manifest_init(&m);
	kiln_k8s_result_init(&r);
	kiln_err_clear(&err);
	snprintf(dir, sizeof(dir), "/tmp/kiln-test-k8splan.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/out", dir);
}

static void
teardown(void)
{
	char cmd[128];

	kiln_k8s_manifest_free(&m);
	kiln_k8s_result_free(&r);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(k8splan, .init = setup, .fini = teardown, .timeout = 60);

static void
parse(const char *json)
{
	cr_assert_eq(kiln_k8s_manifest_parse(&m, json, strlen(json), &err), 0,
	    "%s", err.msg);
}

#define ECDSA "\"key\": {\"algo\": \"ecdsa\"}, "

/*
 * One pass: every file in kubeadm's order, each leaf under its CA with
 * kubeadm's CN, O and SANs (the apiserver's DNS names sorted, then its
 * IPs), each kubeconfig a template of its leaf.
 */
Test(k8splan, files_and_leaves)
{
	static const char *const want[] = {
	    "ca/ca.key",
	    "ca/ca.crt",
	    "ca/front-proxy-ca.key",
	    "ca/front-proxy-ca.crt",
	    "ca/etcd-ca.key",
	    "ca/etcd-ca.crt",
	    "ca/sa.key",
	    "ca/sa.pub",
	    "cp/pki/ca.key",
	    "cp/pki/ca.crt",
	    "cp/pki/apiserver.key",
	    "cp/pki/apiserver.crt",
	    "cp/pki/apiserver-kubelet-client.key",
	    "cp/pki/apiserver-kubelet-client.crt",
	    "cp/pki/front-proxy-ca.key",
	    "cp/pki/front-proxy-ca.crt",
	    "cp/pki/sa.key",
	    "cp/pki/sa.pub",
	    "cp/pki/front-proxy-client.key",
	    "cp/pki/front-proxy-client.crt",
	    "cp/pki/etcd/ca.key",
	    "cp/pki/etcd/ca.crt",
	    "cp/pki/etcd/server.key",
	    "cp/pki/etcd/server.crt",
	    "cp/pki/etcd/peer.key",
	    "cp/pki/etcd/peer.crt",
	    "cp/pki/etcd/healthcheck-client.key",
	    "cp/pki/etcd/healthcheck-client.crt",
	    "cp/pki/apiserver-etcd-client.key",
	    "cp/pki/apiserver-etcd-client.crt",
	    "cp/pki/kubelet.key",
	    "cp/pki/kubelet.crt",
	    "cp/admin.conf",
	    "cp/super-admin.conf",
	    "cp/controller-manager.conf",
	    "cp/scheduler.conf",
	    "cp/kubelet.conf",
	    "w/pki/ca.crt",
	    "w/pki/kubelet.key",
	    "w/pki/kubelet.crt",
	    "w/kubelet.conf",
	};
	const struct leaf *j;
	struct k8s_run run;
	char shown[160];
	size_t i;

	parse("{" ECDSA "\"control_plane\": [{\"name\": \"cp\", \"ip\": "
	      "\"10.0.0.1\"}], \"workers\": [{\"name\": \"w\", \"ip\": "
	      "\"10.0.0.2\"}]}");
	k8s_run_init(&run, &m, out, 0, &r);
	cr_assert_eq(k8s_plan(&run, &err), 0, "%s", err.msg);
	cr_assert_eq(run.tree.n_files, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < run.tree.n_files; i++) {
		snprintf(shown, sizeof(shown), "%s/%s", out, want[i]);
		cr_assert_str_eq(run.tree.files[i].shown, shown);
	}
	/* CAs made in memory, nothing on disk. */
	cr_assert(run.cas[K8S_CA].made && run.cas[K8S_ETCD_CA].made);
	cr_assert_eq(r.issued, 3);
	/* ca: apiserver, kubelet-client, kubelet, 5 + 2 kubeconfigs. */
	cr_assert_eq(run.leaves[K8S_CA].n, 3 + 5 + 2);
	cr_assert_eq(run.leaves[K8S_FRONT_PROXY_CA].n, 1);
	cr_assert_eq(run.leaves[K8S_ETCD_CA].n, 4);
	cr_assert_eq(run.n_confs, 6);
	j = &run.leaves[K8S_CA].v[0];
	cr_assert_str_eq(j->cn, "kube-apiserver");
	cr_assert_null(j->o);
	cr_assert_eq(j->n_hosts, 7);
	cr_assert_str_eq(j->hosts[0], "cp");
	cr_assert_str_eq(j->hosts[4], "kubernetes.default.svc.cluster.local");
	cr_assert_str_eq(j->hosts[5], "10.96.0.1");
	cr_assert_str_eq(j->hosts[6], "10.0.0.1");
	j = &run.leaves[K8S_ETCD_CA].v[0];
	cr_assert_str_eq(j->cn, "cp");
	cr_assert_eq(j->n_hosts, 5);
	cr_assert_str_eq(j->hosts[4], "::1");
	j = &run.leaves[K8S_CA].v[run.confs[5].leaf];
	cr_assert_str_eq(j->cn, "system:node:w");
	cr_assert_str_eq(j->o, "system:nodes");
	snprintf(shown, sizeof(shown), "%s/w/kubelet.conf", out);
	cr_assert_str_eq(j->key_path, shown);
	cr_assert_str_eq(j->cert_path, shown);
	cr_assert(access(out, F_OK) == -1);
	k8s_run_free(&run);
}

/* The key and certificate a kubeconfig embeds; anything else: none. */
Test(k8splan, conf_read)
{
	static const char text[] = "users:\n- name: a\n  user:\n"
	                           "    client-certificate-data: Y2VydA==\n"
	                           "    client-key-data: a2V5\n";
	struct kiln_buf t, key, cert;

	kiln_buf_init(&t);
	kiln_buf_init(&key);
	kiln_buf_init(&cert);
	cr_assert_eq(kiln_buf_append(&t, text, strlen(text), &err), 0);
	cr_assert_eq(k8s_conf_read(&t, &key, &cert, &err), 0);
	cr_assert_eq(key.len, 3);
	cr_assert_str_eq((char *)key.p, "key");
	cr_assert_str_eq((char *)cert.p, "cert");
	kiln_buf_free(&key);
	kiln_buf_free(&cert);
	kiln_buf_free(&t);
	cr_assert_eq(
	    kiln_buf_append(&t, "client-key-data: ***\n", 22, &err), 0);
	cr_assert_eq(k8s_conf_read(&t, &key, &cert, &err), 0);
	cr_assert_eq(key.len, 0);
	cr_assert_eq(cert.len, 0);
	kiln_buf_free(&t);
}

/* k8s_conf_read of "text" into "key" and "cert" (NUL-terminated). */
static void
conf_read(const char *text, struct kiln_buf *key, struct kiln_buf *cert)
{
	struct kiln_buf t;

	kiln_buf_init(&t);
	kiln_buf_init(key);
	kiln_buf_init(cert);
	cr_assert_eq(kiln_buf_append(&t, text, strlen(text), &err), 0);
	cr_assert_eq(k8s_conf_read(&t, key, cert, &err), 0, "%s", err.msg);
	cr_assert_eq(kiln_buf_terminate(key, &err), 0);
	cr_assert_eq(kiln_buf_terminate(cert, &err), 0);
	kiln_buf_free(&t);
}

/*
 * The kubeconfig reader, not lines: the current context's user when
 * there are several, quoted values, JSON; a broken file gives nothing.
 */
Test(k8splan, conf_read_reader)
{
	struct kiln_buf key, cert;

	/* Another user first: the current context's user is read. */
	conf_read("apiVersion: v1\nkind: Config\n"
	          "contexts:\n- name: c\n  context: {cluster: k, user: b}\n"
	          "current-context: c\n"
	          "users:\n- name: a\n  user:\n"
	          "    client-certificate-data: b3RoZXI=\n"
	          "    client-key-data: b3RoZXJrZXk=\n"
	          "- name: b\n  user:\n"
	          "    client-certificate-data: Y2VydA==\n"
	          "    client-key-data: a2V5\n",
	    &key, &cert);
	cr_assert_str_eq((char *)key.p, "key");
	cr_assert_str_eq((char *)cert.p, "cert");
	kiln_buf_free(&key);
	kiln_buf_free(&cert);
	/* Quoted values, as a YAML editor may leave them. */
	conf_read("kind: Config\nusers:\n- name: a\n  user:\n"
	          "    client-certificate-data: \"Y2VydA==\"\n"
	          "    client-key-data: 'a2V5'\n",
	    &key, &cert);
	cr_assert_str_eq((char *)key.p, "key");
	cr_assert_str_eq((char *)cert.p, "cert");
	kiln_buf_free(&key);
	kiln_buf_free(&cert);
	/* JSON, as kubectl config view -o json writes it. */
	conf_read("{\"kind\": \"Config\", \"users\": [{\"name\": \"a\", "
	          "\"user\": {\"client-certificate-data\": \"Y2VydA==\", "
	          "\"client-key-data\": \"a2V5\"}}]}",
	    &key, &cert);
	cr_assert_str_eq((char *)key.p, "key");
	cr_assert_str_eq((char *)cert.p, "cert");
	kiln_buf_free(&key);
	kiln_buf_free(&cert);
	/* A duplicate key: refused by the reader, so nothing is kept. */
	conf_read("kind: Config\nusers:\n- name: a\n  user:\n"
	          "    client-key-data: a2V5\n    client-key-data: a2V5\n",
	    &key, &cert);
	cr_assert_eq(key.len, 0);
	cr_assert_eq(cert.len, 0);
	kiln_buf_free(&key);
	kiln_buf_free(&cert);
}

/* The client-key-data line of the kubeconfig "path". */
static void
key_line(const char *path, char *line, size_t size)
{
	struct kiln_buf b;
	const char *p;

	kiln_buf_init(&b);
	cr_assert_eq(kiln_file_read(path, &b, &err), 0, "%s", err.msg);
	p = strstr((char *)b.p, "client-key-data: ");
	cr_assert_not_null(p);
	snprintf(line, size, "%.*s", (int)strcspn(p, "\n"), p);
	kiln_buf_free(&b);
}

/*
 * A re-run keeps a kubeconfig byte for byte; one whose server changed
 * is written again with the same key and certificate; -force gives it
 * a new key.
 */
Test(k8splan, conf_kept)
{
	char path[160], before[4096], after[4096];
	size_t i;

	parse("{" ECDSA "\"control_plane\": [{\"name\": \"cp\", \"ip\": "
	      "\"10.0.0.1\"}]}");
	cr_assert_eq(kiln_k8s_build(&m, out, 0, 1, NULL, NULL, &r, &err), 0,
	    "%s", err.msg);
	snprintf(path, sizeof(path), "%s/cp/admin.conf", out);
	key_line(path, before, sizeof(before));
	cr_assert_eq(kiln_k8s_build(&m, out, 0, 1, NULL, NULL, &r, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(r.issued, 0);
	for (i = 0; i < r.n_files; i++)
		cr_assert_eq(
		    r.files[i].fate, KILN_K8S_KEPT, "%s", r.files[i].path);
	kiln_k8s_manifest_free(&m);
	parse("{" ECDSA "\"control_plane_endpoint\": \"lb.test\", "
	      "\"control_plane\": [{\"name\": \"cp\", \"ip\": "
	      "\"10.0.0.1\"}]}");
	cr_assert_eq(kiln_k8s_build(&m, out, 0, 1, NULL, NULL, &r, &err), 0,
	    "%s", err.msg);
	key_line(path, after, sizeof(after));
	cr_assert_str_eq(after, before);
	for (i = 0; i < r.n_files; i++)
		if (strcmp(r.files[i].path, path) == 0)
			cr_assert_eq(r.files[i].fate, KILN_K8S_CHANGED);
	cr_assert_eq(
	    kiln_k8s_build(&m, out, KILN_K8S_FORCE, 1, NULL, NULL, &r, &err), 0,
	    "%s", err.msg);
	key_line(path, after, sizeof(after));
	cr_assert_str_neq(after, before);
}
