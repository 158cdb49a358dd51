/*
 * kiln k8s's kubeconfigs: rendered from the plan as kubeadm's kubeconfig
 * phase writes them (clientcmd's YAML: the cluster, one context named
 * USER@CLUSTER, one user, every certificate and the key embedded as
 * base64), and the client key and certificate read back from one kiln
 * wrote, so a re-run keeps them.
 */
#include <stdio.h>
#include <string.h>

#include <mbedtls/base64.h>

#include "k8s/k8splan.h"
#include "kiln/etcd.h"
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
 * The base64 value of the line "key" (indented) of "text", decoded into
 * "out" (empty).  mbedTLS's decoder is constant-time: the value may be
 * a private key.
 */
static int
data_value(const struct kiln_buf *text, const char *key, struct kiln_buf *out,
    struct kiln_err *err)
{
	const char *p = (const char *)text->p, *end = p + text->len, *v, *e;
	size_t klen = strlen(key), n = 0;

	for (; p < end; p = e + 1) {
		if ((e = memchr(p, '\n', (size_t)(end - p))) == NULL)
			e = end;
		v = p + strspn(p, " ");
		if (v >= e || (size_t)(e - v) <= klen ||
		    memcmp(v, key, klen) != 0)
			continue;
		v += klen;
		if (mbedtls_base64_decode(NULL, 0, &n, (const unsigned char *)v,
		        (size_t)(e - v)) != MBEDTLS_ERR_BASE64_BUFFER_TOO_SMALL)
			return 0;
		if (kiln_buf_reserve(out, n + 1, err) == -1)
			return -1;
		if (mbedtls_base64_decode(out->p, out->cap, &out->len,
		        (const unsigned char *)v, (size_t)(e - v)) != 0) {
			out->len = 0;
			return 0;
		}
		return kiln_buf_terminate(out, err);
	}
	return 0;
}

int
k8s_conf_read(const struct kiln_buf *text, struct kiln_buf *key,
    struct kiln_buf *cert, struct kiln_err *err)
{
	return data_value(text, "client-key-data: ", key, err) == -1 ||
	               data_value(
	                   text, "client-certificate-data: ", cert, err) == -1
	           ? -1
	           : 0;
}
