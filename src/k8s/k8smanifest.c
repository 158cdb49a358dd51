/*
 * The Kubernetes manifest (kiln-config(5)): parsed and checked as a
 * whole before kiln k8s reads or writes anything.  kiln's strict format:
 * an unknown key is refused with the nearest known one.  Every error
 * names its field ("workers[2].ip: ...").  The nodes, the defaults and
 * the strict keys of the arrays are read as kiln etcd reads its members
 * (pki/manifestjson.c); the rules of names and hosts are Kubernetes'.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfssl/reqjson.h"
#include "core/json.h"
#include "core/strs.h"
#include "kiln/duration.h"
#include "kiln/k8s.h"
#include "kiln/request.h"
#include "pki/manifestjson.h"

void
kiln_k8s_manifest_init(struct kiln_k8s_manifest *m)
{
	memset(m, 0, sizeof(*m));
	m->endpoint_port = 6443;
	m->key.algo = KILN_KEY_RSA;
	m->key.size = 2048;
	m->etcd = KILN_K8S_ETCD_STACKED;
}

static void
nodes_free(struct kiln_k8s_node *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].ip);
		kiln_strs_free(v[i].hosts, v[i].n_hosts);
	}
	free(v);
}

void
kiln_k8s_manifest_free(struct kiln_k8s_manifest *m)
{
	free(m->cluster_name);
	free(m->endpoint_host);
	free(m->service_cidr);
	free(m->dns_domain);
	kiln_strs_free(m->apiserver_sans, m->n_apiserver_sans);
	nodes_free(m->control_plane, m->n_control_plane);
	nodes_free(m->workers, m->n_workers);
	kiln_k8s_manifest_init(m);
}

/* clang-format off */
static const char *const root_keys[] = { "cluster_name",
	"control_plane_endpoint", "service_cidr", "dns_domain",
	"apiserver_extra_sans", "key", "ca_expiry", "expiry", "etcd",
	"control_plane", "workers", NULL };
static const char *const cp_keys[] = { "name", "ip", "hosts", NULL };
static const char *const worker_keys[] = { "name", "ip", NULL };
static const char *const key_keys[] = { "algo", "size", NULL };
/* clang-format on */

static int
known_keys(const cJSON *root, struct kiln_err *err)
{
	if (kiln_json_known_keys(root, NULL, root_keys, err) == -1 ||
	    kiln_json_known_keys(
	        kiln_json_get(root, "key"), "key", key_keys, err) == -1 ||
	    manifest_known_in_array(kiln_json_get(root, "control_plane"),
	        "control_plane", cp_keys, err) == -1 ||
	    manifest_known_in_array(kiln_json_get(root, "workers"), "workers",
	        worker_keys, err) == -1)
		return -1;
	return 0;
}

/*
 * Whether "s" is a DNS name kiln writes into certificates and
 * kubeconfigs: labels of letters, digits and '-', joined by dots, the
 * first label "*" allowed when "wild".
 */
static int
dns_name(const char *s, int wild)
{
	const char *p = s;
	size_t label = 0;

	if (wild && strncmp(p, "*.", 2) == 0)
		p += 2;
	if (*p == '\0' || strlen(s) > 253)
		return 0;
	for (; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		        (*p >= '0' && *p <= '9') || (*p == '-' && label > 0)) ||
		    ++label > 63)
			return 0;
	}
	return label > 0 && p[-1] != '-';
}

/*
 * A node's name: a Kubernetes node name (a lowercase DNS name) that
 * names its folder beside ca/.
 */
static int
check_node_name(const char *path, const char *s, struct kiln_err *err)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-.");

	if (s[n] != '\0' || n > 63 || !dns_name(s, 0))
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: \"%s\": a node's name is its folder and its "
		    "Kubernetes name: 1 to 63 lowercase letters, digits, '-' "
		    "and '.', starting and ending with a letter or digit",
		    path, s);
	if (strcmp(s, "ca") == 0)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: \"ca\" is taken by the output's own folder", path);
	return 0;
}

/* A SAN: an IP address or a DNS name (a wildcard first label too). */
static int
check_san(const char *path, const char *s, struct kiln_err *err)
{
	unsigned char ip[16];

	if (kiln_ip_parse(s, ip) != 0 || dns_name(s, 1))
		return 0;
	return kiln_err_set(err, KILN_EINVAL,
	    "%s: \"%s\": neither an IP address nor a DNS name", path, s);
}

/* A control-plane node's rules, and a worker's (no hosts). */
static const struct manifest_node_rules cp_rules = {check_node_name, check_san};
static const struct manifest_node_rules worker_rules = {check_node_name, NULL};

/* Array "name" of nodes into "*out"; at least one if "need". */
static int
parse_nodes(const cJSON *root, const char *name, int need, int hosts,
    struct kiln_k8s_node **out, size_t *n_out, struct kiln_err *err)
{
	const cJSON *arr = kiln_json_get(root, name), *c;
	struct manifest_node nd;
	char ctx[48];
	size_t n = 0;

	if (kiln_json_array(arr, name, &n, err) == -1)
		return -1;
	if (n == 0 && need)
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: at least one node is needed", name);
	if (n == 0)
		return 0;
	if ((*out = calloc(n, sizeof(**out))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	for (c = arr->child; c != NULL; c = c->next) {
		snprintf(ctx, sizeof(ctx), "%s[%zu]", name, *n_out);
		memset(&nd, 0, sizeof(nd));
		if (manifest_node_parse(&nd, c, ctx,
		        hosts ? &cp_rules : &worker_rules, err) == -1)
			return -1;
		(*out)[*n_out].name = nd.name;
		(*out)[*n_out].ip = nd.ip;
		(*out)[*n_out].hosts = nd.hosts;
		(*out)[(*n_out)++].n_hosts = nd.n_hosts;
	}
	return 0;
}

/* Node "i" of all ("control_plane" first): its list and index. */
static const struct kiln_k8s_node *
node_at(const struct kiln_k8s_manifest *m, size_t i, char *ctx, size_t size)
{
	if (i < m->n_control_plane) {
		snprintf(ctx, size, "control_plane[%zu]", i);
		return &m->control_plane[i];
	}
	snprintf(ctx, size, "workers[%zu]", i - m->n_control_plane);
	return &m->workers[i - m->n_control_plane];
}

/* No two nodes share a name (a folder) or an IP address. */
static int
check_unique(const struct kiln_k8s_manifest *m, struct kiln_err *err)
{
	size_t i, j, n = m->n_control_plane + m->n_workers;
	char ci[48], cj[48];

	for (i = 1; i < n; i++) {
		const struct kiln_k8s_node *x = node_at(m, i, ci, sizeof(ci));

		for (j = 0; j < i; j++) {
			const struct kiln_k8s_node *y =
			    node_at(m, j, cj, sizeof(cj));

			if (manifest_node_unique(ci, x->name, x->ip, cj,
			        y->name, y->ip, err) == -1)
				return -1;
		}
	}
	return 0;
}

/*
 * service_cidr: "ADDRESS/BITS"; its first address (the network's plus
 * one, as kubeadm's GetAPIServerVirtualIP) into m->service_ip.
 */
static int
parse_cidr(struct kiln_k8s_manifest *m, struct kiln_err *err)
{
	const char *s = m->service_cidr, *slash = strchr(s, '/');
	unsigned char ip[16];
	char addr[64], *end;
	size_t len, i;
	long bits;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(addr))
		goto bad;
	snprintf(addr, sizeof(addr), "%.*s", (int)(slash - s), s);
	if ((len = kiln_ip_parse(addr, ip)) == 0 || slash[1] < '0' ||
	    slash[1] > '9')
		goto bad;
	bits = strtol(slash + 1, &end, 10);
	if (*end != '\0' || bits < 0 || bits > (long)len * 8 ||
	    (slash[1] == '0' && slash[2] != '\0'))
		goto bad;
	/* A /32 (or /128) has no address after the network's. */
	if (bits == (long)len * 8)
		return kiln_err_set(err, KILN_EINVAL,
		    "service_cidr: \"%s\": no address after the network's", s);
	for (i = 0; i < len; i++) {
		long keep = bits - (long)i * 8;

		if (keep <= 0)
			ip[i] = 0;
		else if (keep < 8)
			ip[i] &= (unsigned char)(0xff << (8 - keep));
	}
	ip[len - 1] |= 1;
	if (inet_ntop(len == 4 ? AF_INET : AF_INET6, ip, m->service_ip,
	        sizeof(m->service_ip)) == NULL)
		goto bad;
	return 0;
bad:
	return kiln_err_set(err, KILN_EINVAL,
	    "service_cidr: bad CIDR \"%s\" (ADDRESS/BITS, as 10.96.0.0/12)", s);
}

/*
 * control_plane_endpoint: "HOST", "HOST:PORT" or "[IPV6]:PORT", HOST an
 * IP address or a DNS name.
 */
static int
parse_endpoint(struct kiln_k8s_manifest *m, const char *s, struct kiln_err *err)
{
	const char *colon = strrchr(s, ':'), *host = s;
	unsigned char ip[16];
	char buf[256], *end;
	size_t n = strlen(s);
	long port = 6443;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			goto bad;
		n = (size_t)(close - s - 1);
		host = s + 1;
		colon = close[1] == ':' ? close + 1 : NULL;
	} else if (colon != NULL && strchr(s, ':') != colon)
		colon = NULL; /* an IPv6 address without a port */
	else if (colon != NULL)
		n = (size_t)(colon - s);
	if (colon != NULL) {
		port = strtol(colon + 1, &end, 10);
		if (colon[1] < '0' || colon[1] > '9' || *end != '\0' ||
		    port < 1 || port > 65535)
			goto bad;
	}
	if (n == 0 || n >= sizeof(buf))
		goto bad;
	snprintf(buf, sizeof(buf), "%.*s", (int)n, host);
	if (kiln_ip_parse(buf, ip) == 0 && (s[0] == '[' || !dns_name(buf, 0)))
		goto bad;
	m->endpoint_port = (int)port;
	return kiln_str_set(&m->endpoint_host, buf, err);
bad:
	return kiln_err_set(err, KILN_EINVAL,
	    "control_plane_endpoint: \"%s\": HOST or HOST:PORT, HOST an IP "
	    "address or a DNS name",
	    s);
}

/* The scalars: names, the endpoint, the CIDR, the key, the expiries. */
static int
parse_settings(
    struct kiln_k8s_manifest *m, const cJSON *root, struct kiln_err *err)
{
	const char *endpoint = NULL, *etcd = NULL;
	const char **v = NULL;
	char path[64];
	size_t i, n = 0;
	int rc = -1;

	if (manifest_string_or(root, NULL, "cluster_name", "kubernetes",
	        &m->cluster_name, err) == -1 ||
	    manifest_string_or(root, NULL, "service_cidr", "10.96.0.0/12",
	        &m->service_cidr, err) == -1 ||
	    manifest_string_or(root, NULL, "dns_domain", "cluster.local",
	        &m->dns_domain, err) == -1 ||
	    kiln_json_string(
	        root, NULL, "control_plane_endpoint", &endpoint, err) == -1 ||
	    kiln_json_string(root, NULL, "etcd", &etcd, err) == -1 ||
	    kiln_json_strings(
	        root, NULL, "apiserver_extra_sans", &v, &n, err) == -1 ||
	    (kiln_json_get(root, "key") != NULL &&
	        kiln_keyreq_from_json(
	            &m->key, kiln_json_get(root, "key"), err) == -1) ||
	    manifest_duration_or(
	        root, NULL, "ca_expiry", "87600h", &m->ca_expiry, err) == -1 ||
	    manifest_duration_or(
	        root, NULL, "expiry", "8760h", &m->expiry, err) == -1)
		goto cleanup;
	if (strspn(m->cluster_name,
	        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
	        "OPQRSTUVWXYZ0123456789-._") != strlen(m->cluster_name) ||
	    m->cluster_name[0] == '\0' || strlen(m->cluster_name) > 63) {
		kiln_err_set(err, KILN_EINVAL,
		    "cluster_name: \"%s\": 1 to 63 letters, digits, '-', '.' "
		    "and '_'",
		    m->cluster_name);
		goto cleanup;
	}
	if (!dns_name(m->dns_domain, 0)) {
		kiln_err_set(err, KILN_EINVAL,
		    "dns_domain: \"%s\": not a DNS name", m->dns_domain);
		goto cleanup;
	}
	/* kubeadm's choices: RSA 2048, 3072, 4096; ECDSA P-256, P-384. */
	if ((m->key.algo == KILN_KEY_RSA && m->key.size != 2048 &&
	        m->key.size != 3072 && m->key.size != 4096) ||
	    (m->key.algo == KILN_KEY_ECDSA && m->key.size != 256 &&
	        m->key.size != 384)) {
		kiln_err_set(err, KILN_EINVAL,
		    "key: %s %d: kubeadm's are rsa 2048, 3072 or 4096 and "
		    "ecdsa 256 or 384",
		    m->key.algo == KILN_KEY_RSA ? "rsa" : "ecdsa", m->key.size);
		goto cleanup;
	}
	if (parse_cidr(m, err) == -1 ||
	    (endpoint != NULL && parse_endpoint(m, endpoint, err) == -1))
		goto cleanup;
	if (etcd == NULL || strcmp(etcd, "stacked") == 0)
		m->etcd = KILN_K8S_ETCD_STACKED;
	else if (strcmp(etcd, "external") == 0)
		m->etcd = KILN_K8S_ETCD_EXTERNAL;
	else {
		kiln_err_set(err, KILN_EINVAL,
		    "etcd: \"%s\" (stacked or external)", etcd);
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "apiserver_extra_sans[%zu]", i);
		if (check_san(path, v[i], err) == -1)
			goto cleanup;
	}
	if (v != NULL && kiln_strs_set(&m->apiserver_sans, &m->n_apiserver_sans,
	                     v, n, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	free(v);
	return rc;
}

int
kiln_k8s_manifest_parse(struct kiln_k8s_manifest *m, const char *text,
    size_t len, struct kiln_err *err)
{
	cJSON *root;
	int rc = -1;

	kiln_k8s_manifest_free(m);
	if ((root = kiln_json_parse_object(text, len, err)) == NULL)
		return -1;
	if (known_keys(root, err) == -1 || parse_settings(m, root, err) == -1 ||
	    parse_nodes(root, "control_plane", 1, 1, &m->control_plane,
	        &m->n_control_plane, err) == -1 ||
	    parse_nodes(
	        root, "workers", 0, 0, &m->workers, &m->n_workers, err) == -1 ||
	    check_unique(m, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	cJSON_Delete(root);
	return rc;
}
