/*
 * kiln k8s's kubeconfigs: rendered from the plan as kubeadm's kubeconfig
 * phase writes them (clientcmd's YAML: the cluster, one context named
 * USER@CLUSTER, one user, every certificate and the key embedded as
 * base64), and the client key and certificate read back (on the
 * kubeconfig reader, kiln/kubeconfig.h), so a re-run keeps them.
 */
#include <stdio.h>
#include <string.h>

#include "k8s/k8splan.h"
#include "kiln/etcd.h"
#include "kiln/kubeconfig.h"
#include "kiln/pem.h"

/* "prefix" then the base64 of "b" and a newline, appended to "out". */
static int
data_line(struct kiln_buf *out, const char *prefix, const struct kiln_buf *b,
    struct kiln_err *err)
{
	return kiln_buf_append(out, prefix, strlen(prefix), err) == -1 ||
	               kiln_base64_append(out, b->p, b->len, err) == -1 ||
	               kiln_buf_append(out, "\n", 1, err) == -1
	           ? -1
	           : 0;
}

int
k8s_conf_render(const struct k8s_run *r, const struct k8s_conf *c,
    struct tree_file *w, struct kiln_err *err)
{
	const struct kiln_k8s_manifest *m = r->m;
	const struct k8s_node *n = &r->nodes[c->node];
	const struct leaf *j = &r->leaves[c->def->ca].v[c->leaf];
	const char *cluster = m->cluster_name, *host = n->nd->ip;
	struct kiln_buf *out = &w->data;
	char server[300];
	int port = 6443;

	if (j->state == LEAF_FAILED)
		return kiln_err_pass(err, &j->err);
	/*
	 * kubeadm: admin, super-admin and kubelet name the control-plane
	 * endpoint (the node's own address without one; a worker, the
	 * first control-plane node's); controller-manager and scheduler
	 * their own node's API server.
	 */
	if (c->def->server == K8S_ENDPOINT && m->endpoint_host != NULL) {
		host = m->endpoint_host;
		port = m->endpoint_port;
	} else if (!n->control_plane)
		host = m->control_plane[0].ip;
	kiln_etcd_url(server, sizeof(server), host, port);
	if (kiln_buf_printf(
	        out, err, "apiVersion: v1\nclusters:\n- cluster:\n") == -1 ||
	    data_line(out, "    certificate-authority-data: ",
	        &r->cas[K8S_CA].cert_pem, err) == -1 ||
	    kiln_buf_printf(out, err,
	        "    server: %s\n"
	        "  name: %s\n"
	        "contexts:\n"
	        "- context:\n"
	        "    cluster: %s\n"
	        "    user: %s\n"
	        "  name: %s@%s\n"
	        "current-context: %s@%s\n"
	        "kind: Config\n"
	        "preferences: {}\n"
	        "users:\n"
	        "- name: %s\n"
	        "  user:\n",
	        server, cluster, cluster, j->cn, j->cn, cluster, j->cn, cluster,
	        j->cn) == -1 ||
	    data_line(out, "    client-certificate-data: ", &j->cert_pem,
	        err) == -1 ||
	    data_line(out, "    client-key-data: ", &j->key_pem, err) == -1)
		return -1;
	return 0;
}

/*
 * The value of kind "kind" owned by "user" in "kc", decoded into "out"
 * (empty); left empty when not there or not base64 (then the leaf gets
 * a new key or certificate).  Returns 0, or -1 out of memory.
 */
static int
conf_value(const struct kiln_kubeconfig *kc, enum kiln_kc_kind kind,
    const char *user, struct kiln_buf *out, struct kiln_err *err)
{
	const struct kiln_kc_item *it = kiln_kubeconfig_find(kc, kind, user);
	struct kiln_err derr;

	kiln_err_clear(&derr);
	if (it == NULL ||
	    kiln_kubeconfig_decode(it, "kubeconfig", out, &derr) == 0)
		return 0;
	kiln_buf_free(out);
	kiln_buf_init(out);
	return derr.code == KILN_ENOMEM ? kiln_err_pass(err, &derr) : 0;
}

int
k8s_conf_read(const struct kiln_buf *text, struct kiln_buf *key,
    struct kiln_buf *cert, struct kiln_err *err)
{
	const struct kiln_kc_item *client;
	struct kiln_kubeconfig kc;
	struct kiln_err perr;
	const char *user;
	int rc = -1;

	kiln_kubeconfig_init(&kc);
	kiln_err_clear(&perr);
	/* Not a kubeconfig, or one the reader refuses: nothing to keep. */
	if (kiln_kubeconfig_parse(
	        &kc, text->p, text->len, "kubeconfig", &perr) != 0) {
		rc = perr.code == KILN_ENOMEM ? kiln_err_pass(err, &perr) : 0;
		goto cleanup;
	}
	/* The user it authenticates as, else the current context's. */
	client = kiln_kubeconfig_client(&kc, "kubeconfig", &perr);
	user = client != NULL ? client->owner : kc.current_user;
	if (conf_value(&kc, KILN_KC_KEY_DATA, user, key, err) == -1 ||
	    conf_value(&kc, KILN_KC_CERT_DATA, user, cert, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	kiln_kubeconfig_free(&kc);
	return rc;
}
