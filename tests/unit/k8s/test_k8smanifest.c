/*
 * The Kubernetes manifest's rules (k8s/k8smanifest.c): defaults, the
 * service CIDR's first address, the endpoint, and each refusal as one
 * message naming its field.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "kiln/k8s.h"

static struct kiln_k8s_manifest m;
static struct kiln_err err;

static void
setup(void)
{
	kiln_k8s_manifest_init(&m);
	kiln_err_clear(&err);
}

static void
teardown(void)
{
	kiln_k8s_manifest_free(&m);
}

TestSuite(k8smanifest, .init = setup, .fini = teardown);

#define CP "\"control_plane\": [{\"name\": \"cp-1\", \"ip\": \"10.0.0.1\"}]"

static int
parse(const char *json)
{
	kiln_err_clear(&err);
	return kiln_k8s_manifest_parse(&m, json, strlen(json), &err);
}

static void
refused(const char *json, const char *msg)
{
	cr_assert_eq(parse(json), -1, "accepted: %s", json);
	cr_assert_str_eq(err.msg, msg);
	cr_assert_eq(err.code, KILN_EINVAL);
}

Test(k8smanifest, defaults)
{
	cr_assert_eq(parse("{" CP "}"), 0, "%s", err.msg);
	cr_assert_str_eq(m.cluster_name, "kubernetes");
	cr_assert_str_eq(m.service_cidr, "10.96.0.0/12");
	cr_assert_str_eq(m.service_ip, "10.96.0.1");
	cr_assert_str_eq(m.dns_domain, "cluster.local");
	cr_assert_null(m.endpoint_host);
	cr_assert_eq(m.endpoint_port, 6443);
	cr_assert_eq(m.key.algo, KILN_KEY_RSA);
	cr_assert_eq(m.key.size, 2048);
	cr_assert_eq(m.ca_expiry, 87600LL * 3600 * 1000000000);
	cr_assert_eq(m.expiry, 8760LL * 3600 * 1000000000);
	cr_assert_eq(m.etcd, KILN_K8S_ETCD_STACKED);
	cr_assert_eq(m.n_control_plane, 1);
	cr_assert_eq(m.n_workers, 0);
}

Test(k8smanifest, service_ip)
{
	static const struct {
		const char *cidr, *ip;
	} v[] = {
	    {"10.96.0.0/12", "10.96.0.1"},
	    {"10.96.7.9/12", "10.96.0.1"}, /* host bits: the network's */
	    {"192.168.5.0/24", "192.168.5.1"},
	    {"10.0.0.0/31", "10.0.0.1"},
	    {"fd00:10:96::/112", "fd00:10:96::1"},
	    {"0.0.0.0/0", "0.0.0.1"},
	};
	char json[256];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(json, sizeof(json),
		    "{" CP ", \"service_cidr\": \"%s\"}", v[i].cidr);
		cr_assert_eq(parse(json), 0, "%s: %s", v[i].cidr, err.msg);
		cr_assert_str_eq(m.service_ip, v[i].ip, "%s", v[i].cidr);
	}
	refused("{" CP ", \"service_cidr\": \"10.0.0.0/32\"}",
	    "service_cidr: \"10.0.0.0/32\": no address after the network's");
	refused("{" CP ", \"service_cidr\": \"10.0.0.0/\"}",
	    "service_cidr: bad CIDR \"10.0.0.0/\" (ADDRESS/BITS, as "
	    "10.96.0.0/12)");
	refused("{" CP ", \"service_cidr\": \"10.0.0.0/08\"}",
	    "service_cidr: bad CIDR \"10.0.0.0/08\" (ADDRESS/BITS, as "
	    "10.96.0.0/12)");
	refused("{" CP ", \"service_cidr\": \"fd00::/129\"}",
	    "service_cidr: bad CIDR \"fd00::/129\" (ADDRESS/BITS, as "
	    "10.96.0.0/12)");
}

Test(k8smanifest, endpoint)
{
	static const struct {
		const char *in, *host;
		int port;
	} v[] = {
	    {"lb.example.com", "lb.example.com", 6443},
	    {"lb.example.com:8443", "lb.example.com", 8443},
	    {"10.0.0.100:443", "10.0.0.100", 443},
	    {"fd00::1", "fd00::1", 6443},
	    {"[fd00::1]:9443", "fd00::1", 9443},
	};
	static const char *const bad[] = {"lb:", "lb:0", "lb:65536", "[fd00::1",
	    "[lb]:1", "a b", "lb/x", ":6443", "-lb"};
	char json[256], msg[256];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(json, sizeof(json),
		    "{" CP ", \"control_plane_endpoint\": \"%s\"}", v[i].in);
		cr_assert_eq(parse(json), 0, "%s: %s", v[i].in, err.msg);
		cr_assert_str_eq(m.endpoint_host, v[i].host, "%s", v[i].in);
		cr_assert_eq(m.endpoint_port, v[i].port, "%s", v[i].in);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(json, sizeof(json),
		    "{" CP ", \"control_plane_endpoint\": \"%s\"}", bad[i]);
		snprintf(msg, sizeof(msg),
		    "control_plane_endpoint: \"%s\": HOST or HOST:PORT, HOST "
		    "an IP address or a DNS name",
		    bad[i]);
		refused(json, msg);
	}
}

Test(k8smanifest, strict_keys)
{
	refused("{" CP ", \"service_cdir\": \"10.0.0.0/24\"}",
	    "unknown key \"service_cdir\" (did you mean \"service_cidr\"?)");
	refused("{\"control_plane\": [{\"name\": \"cp\", \"ip\": \"10.0.0.1\", "
	        "\"host\": []}]}",
	    "control_plane[0]: unknown key \"host\" (did you mean "
	    "\"hosts\"?)");
	refused("{" CP ", \"workers\": [{\"name\": \"w\", \"ip\": "
	        "\"10.0.0.2\", \"hosts\": []}]}",
	    "workers[0]: unknown key \"hosts\" (known keys: name, ip)");
	refused("{" CP ", \"key\": {\"algo\": \"rsa\", \"bits\": 2048}}",
	    "key: unknown key \"bits\" (known keys: algo, size)");
}

Test(k8smanifest, nodes)
{
	refused("{}", "control_plane: at least one node is needed");
	refused("{\"control_plane\": [{\"ip\": \"10.0.0.1\"}]}",
	    "control_plane[0].name: missing");
	refused("{\"control_plane\": [{\"name\": \"cp\"}]}",
	    "control_plane[0].ip: missing");
	refused(
	    "{\"control_plane\": [{\"name\": \"Cp\", \"ip\": \"10.0.0.1\"}]}",
	    "control_plane[0].name: \"Cp\": a node's name is its folder and "
	    "its Kubernetes name: 1 to 63 lowercase letters, digits, '-' and "
	    "'.', starting and ending with a letter or digit");
	refused(
	    "{\"control_plane\": [{\"name\": \"a/b\", \"ip\": \"10.0.0.1\"}]}",
	    "control_plane[0].name: \"a/b\": a node's name is its folder and "
	    "its Kubernetes name: 1 to 63 lowercase letters, digits, '-' and "
	    "'.', starting and ending with a letter or digit");
	refused(
	    "{\"control_plane\": [{\"name\": \"..\", \"ip\": \"10.0.0.1\"}]}",
	    "control_plane[0].name: \"..\": a node's name is its folder and "
	    "its Kubernetes name: 1 to 63 lowercase letters, digits, '-' and "
	    "'.', starting and ending with a letter or digit");
	refused("{" CP ", \"workers\": [{\"name\": \"w\", \"ip\": \"::ffff:"
	        "10.0.0.1\"}]}",
	    "workers[0].ip: duplicate \"::ffff:10.0.0.1\" (also "
	    "control_plane[0])");
	refused("{" CP
	        ", \"workers\": [{\"name\": \"w\", \"ip\": \"10.0.0.2\"}, "
	        "{\"name\": \"w\", \"ip\": \"10.0.0.3\"}]}",
	    "workers[1].name: duplicate \"w\" (also workers[0])");
	refused("{\"control_plane\": [{\"name\": \"cp\", \"ip\": \"10.0.0.1\", "
	        "\"hosts\": [\"ok\", \"bad'host\"]}]}",
	    "control_plane[0].hosts[1]: \"bad'host\": neither an IP address "
	    "nor a DNS name");
}

Test(k8smanifest, settings)
{
	cr_assert_eq(
	    parse("{" CP ", \"key\": {\"algo\": \"ecdsa\", \"size\": "
	          "384}, \"etcd\": \"external\", \"expiry\": \"720h\", "
	          "\"apiserver_extra_sans\": [\"*.k.test\", \"::1\"]}"),
	    0, "%s", err.msg);
	cr_assert_eq(m.key.algo, KILN_KEY_ECDSA);
	cr_assert_eq(m.key.size, 384);
	cr_assert_eq(m.etcd, KILN_K8S_ETCD_EXTERNAL);
	cr_assert_eq(m.expiry, 720LL * 3600 * 1000000000);
	cr_assert_eq(m.n_apiserver_sans, 2);
	cr_assert_str_eq(m.apiserver_sans[0], "*.k.test");
	refused("{" CP ", \"key\": {\"algo\": \"rsa\", \"size\": 8192}}",
	    "key: rsa 8192: kubeadm's are rsa 2048, 3072 or 4096 and ecdsa "
	    "256 or 384");
	refused("{" CP ", \"cluster_name\": \"a:b\"}",
	    "cluster_name: \"a:b\": 1 to 63 letters, digits, '-', '.' and '_'");
	refused("{" CP ", \"dns_domain\": \"cluster..local\"}",
	    "dns_domain: \"cluster..local\": not a DNS name");
	refused("{" CP ", \"expiry\": \"-1h\"}", "expiry: must be positive");
	refused("{" CP ", \"etcd\": \"local\"}",
	    "etcd: \"local\" (stacked or external)");
}
