/*
 * The error contract (errcontract.h) of the inspect, report and etcd
 * layers: inspecting, rendering, checking, verifying, TLS and etcd.
 */
#include "errcontract.h"
#include "kiln/check.h"
#include "kiln/etcd.h"
#include "kiln/inspect.h"
#include "kiln/k8s.h"
#include "kiln/key.h"
#include "kiln/kubeconfig.h"
#include "kiln/rotate.h"
#include "kiln/tls.h"
#include "kiln/verify.h"

TestSuite(
    errcontract_inspect, .init = ec_setup, .fini = ec_teardown, .timeout = 60);

Test(errcontract_inspect, inspect_and_render)
{
	struct kiln_infos infos;
	struct kiln_listing l;
	struct kiln_info csr;
	int f;
	static const char bad_csr[] =
	    "-----BEGIN CERTIFICATE REQUEST-----\n"
	    "MCIwEQIBADAMMQowCAYDVQQDAgEBMAoGCCqGSM49BAMCAwEA\n"
	    "-----END CERTIFICATE REQUEST-----\n";

	kiln_infos_init(&infos);
	kiln_listing_init(&l, KILN_FORMAT_JSON, 0, NOW);
	read_data("verify/server.pem");
	CONTRACT(kiln_infos_free(&infos), 0,
	    kiln_inspect_certs(&infos, data.p, data.len, E));
	cr_assert_eq(kiln_inspect_certs(&infos, data.p, data.len, NULL), 0);
	for (f = KILN_FORMAT_JSON; f <= KILN_FORMAT_TEXT; f++) {
		CONTRACT(out.len = 0, 0,
		    kiln_info_render(infos.v, infos.n, (enum kiln_info_format)f,
		        0, NOW, &out, E));
		CONTRACT(
		    (kiln_listing_free(&l),
		        kiln_listing_init(&l, (enum kiln_info_format)f, 0, NOW),
		        out.len = 0),
		    0,
		    kiln_listing_add(&l, infos.v, infos.n, "a.pem", &out, E) ||
		        kiln_listing_end(&l, &out, E));
		kiln_listing_free(&l);
	}
	CONTRACT(out.len = 0, 0, kiln_info_serial_decimal(infos.v, &out, E));
	CONTRACT(out.len = 0, 0, (kiln_join_sans(infos.v, &out, E), 0));
	kiln_infos_free(&infos);
	/* A CSR given as a certificate: that message, for a clear error. */
	read_data("inspect/req.der");
	CONTRACT(kiln_infos_free(&infos), -1,
	    kiln_inspect_certs(&infos, data.p, data.len, E));
	cr_assert_eq(kiln_inspect_certs(&infos, data.p, data.len, &fresh), -1);
	cr_assert_str_eq(fresh.msg, "a certificate request, not a certificate");
	kiln_infos_free(&infos);
	kiln_info_init(&csr);
	CONTRACT(kiln_info_free(&csr), 0,
	    kiln_inspect_csr(&csr, data.p, data.len, E));
	read_data("verify/server.pem");
	CONTRACT(kiln_info_free(&csr), -1,
	    kiln_inspect_csr(&csr, data.p, data.len, E));
	/* A subject whose CN is no string, named "subject". */
	CONTRACT(kiln_info_free(&csr), -1,
	    kiln_inspect_csr(
	        &csr, (const unsigned char *)bad_csr, strlen(bad_csr), E));
	kiln_info_free(&csr);
	/* A broken second certificate: named by its place. */
	read_data("check/broken.pem");
	CONTRACT(kiln_infos_free(&infos), -1,
	    kiln_inspect_certs(&infos, data.p, data.len, E));
	kiln_infos_free(&infos);
}

Test(errcontract_inspect, keys_and_chains)
{
	struct kiln_infos infos;
	struct kiln_info ki;
	struct kiln_key key, other;
	mbedtls_x509_crt chain;

	kiln_infos_init(&infos);
	kiln_info_init(&ki);
	kiln_key_init(&key);
	kiln_key_init(&other);
	read_data("verify/peer-key.pem");
	cr_assert_eq(kiln_key_parse(&key, data.p, data.len, &rng, &fresh), 0);
	read_data("verify/server-key.pem");
	cr_assert_eq(kiln_key_parse(&other, data.p, data.len, &rng, &fresh), 0);
	CONTRACT((kiln_info_free(&ki), kiln_info_init(&ki)), 0,
	    kiln_inspect_key(&ki, &key, E));
	read_data("verify/peer.pem");
	cr_assert_eq(kiln_inspect_certs(&infos, data.p, data.len, &fresh), 0);
	CONTRACT((void)0, 0, kiln_inspect_key_match(infos.v, &key, &rng, E));
	CONTRACT((void)0, 1, kiln_inspect_key_match(infos.v, &other, &rng, E));
	mbedtls_x509_crt_init(&chain);
	read_data("verify/other-ca.pem");
	CONTRACT((mbedtls_x509_crt_free(&chain), mbedtls_x509_crt_init(&chain)),
	    0, kiln_inspect_x509(&chain, data.p, data.len, E));
	CONTRACT((mbedtls_x509_crt_free(&chain), mbedtls_x509_crt_init(&chain)),
	    -1, kiln_inspect_x509(&chain, (const unsigned char *)"x", 1, E));
	cr_assert_eq(kiln_inspect_x509(&chain, data.p, data.len, &fresh), 0);
	CONTRACT(out.len = 0, 0,
	    kiln_verify_key_ids(
	        &out, infos.v->der.p, infos.v->der.len, &chain, E));
	mbedtls_x509_crt_free(&chain);
	kiln_key_free(&other);
	kiln_key_free(&key);
	kiln_info_free(&ki);
	kiln_infos_free(&infos);
}

Test(errcontract_inspect, verify_key_not_comparable)
{
	struct kiln_verify v;
	struct kiln_infos infos;
	struct kiln_key key;
	char **p = NULL;
	size_t n = 0, i;

	memset(&v, 0, sizeof(v));
	kiln_infos_init(&infos);
	kiln_key_init(&key);
	read_data("verify/peer-key.pem");
	cr_assert_eq(kiln_key_parse(&key, data.p, data.len, &rng, &fresh), 0);
	read_data("verify/ed25519.pem");
	cr_assert_eq(kiln_inspect_certs(&infos, data.p, data.len, &fresh), 0);
	v.key = &key;
	v.rng = &rng;
	v.now = NOW;
#define FREE_PROBLEMS                                                          \
	do {                                                                   \
		for (i = 0; i < n; i++)                                        \
			free(p[i]);                                            \
		free(p);                                                       \
		p = NULL;                                                      \
		n = 0;                                                         \
	} while (0)
	/* A problem sentence, not an error: the stale one stays. */
	CONTRACT(FREE_PROBLEMS, 0, kiln_verify(&v, &infos, &p, &n, E));
	CONTRACT((void)0, -1, kiln_inspect_key_match(infos.v, &key, &rng, E));
	cr_assert_eq(kiln_verify(&v, &infos, &p, &n, stale()), 0);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(p[1],
	    "its Ed25519 key cannot be compared with the private key given");
	cr_assert_str_eq(old.msg, STALE);
	FREE_PROBLEMS;
#undef FREE_PROBLEMS
	kiln_infos_free(&infos);
	kiln_key_free(&key);
}

static int
walk_file(void *arg, int dfd, const char *name, const char *path,
    struct kiln_err *err)
{
	(void)dfd;
	(void)name;
	(void)path;
	(void)err;
	++*(int *)arg;
	return 0;
}

static int
walk_stop(void *arg, int dfd, const char *name, const char *path,
    struct kiln_err *err)
{
	(void)arg;
	(void)dfd;
	(void)name;
	return kiln_err_set(err, KILN_EINVAL, "%s: stop", path);
}

Test(errcontract_inspect, check_and_walk)
{
	struct kiln_check c;
	struct kiln_walk w;
	int files = 0;

	kiln_check_init(&c);
	c.now = NOW;
	CONTRACT((kiln_check_free(&c), kiln_check_init(&c), c.now = NOW), 0,
	    kiln_check_path(&c, KILN_TEST_DATA "/verify", E));
	cr_assert_eq(kiln_check_path(&c, KILN_TEST_DATA "/verify", &fresh), 0);
	CONTRACT(out.len = 0, 0, kiln_check_json(&c, &out, E));
	CONTRACT(out.len = 0, 0, kiln_check_table(&c, &out, E));
	CONTRACT(out.len = 0, 0, kiln_check_html(&c, &out, E));
	CONTRACT(out.len = 0, 0, kiln_check_kubeadm(&c, &out, E));
	kiln_check_free(&c);
	memset(&w, 0, sizeof(w));
	w.file = walk_file;
	w.arg = &files;
	CONTRACT(files = 0, 0, kiln_walk(&w, KILN_TEST_DATA "/verify", E));
	cr_assert_eq(kiln_walk(&w, KILN_TEST_DATA "/verify", &fresh), 0);
	cr_assert_gt(files, 0);
	w.file = walk_stop;
	CONTRACT((void)0, -1, kiln_walk(&w, KILN_TEST_DATA "/verify", E));
}

Test(errcontract_inspect, tls_refused)
{
	/* Nothing listens on port 1 of the loopback address. */
	CONTRACT(out.len = 0, -1,
	    kiln_tls_peer_chain("127.0.0.1", "1", 2000, &out, E));
}

Test(errcontract_inspect, etcd_build)
{
	static const char json[] =
	    "{\"members\": [{\"name\": \"etcd-1\", \"ip\": \"10.0.0.1\"}]}";
	static const char bad[] =
	    "{\"expiry\": \"1\", "
	    "\"members\": [{\"name\": \"etcd-1\", \"ip\": \"10.0.0.1\"}]}";
	static const char bad_ca[] =
	    "{\"ca\": {\"CN\": \"ca\", \"key\": {\"size\": 1}}, "
	    "\"members\": [{\"name\": \"etcd-1\", \"ip\": \"10.0.0.1\"}]}";
	struct kiln_etcd_manifest m;
	struct kiln_etcd_result r;
	char sub[128];
	int k = 0;

	kiln_etcd_manifest_init(&m);
	kiln_etcd_result_init(&r);
	CONTRACT(kiln_etcd_manifest_free(&m), 0,
	    kiln_etcd_manifest_parse(&m, json, strlen(json), "/base", E));
	CONTRACT(kiln_etcd_manifest_free(&m), -1,
	    kiln_etcd_manifest_parse(&m, bad, strlen(bad), "/base", E));
	CONTRACT(kiln_etcd_manifest_free(&m), -1,
	    kiln_etcd_manifest_parse(&m, bad_ca, strlen(bad_ca), "/base", E));
	cr_assert_eq(
	    kiln_etcd_manifest_parse(&m, json, strlen(json), "/base", &fresh),
	    0);
	/* A new tree each run: the whole build, templates included. */
	CONTRACT((kiln_etcd_result_free(&r),
	             snprintf(sub, sizeof(sub), "%s/t%d", dir, k++)),
	    0, kiln_etcd_build(&m, sub, 0, NULL, NULL, &r, E));
	CONTRACT((kiln_etcd_result_free(&r),
	             snprintf(sub, sizeof(sub), "%s/t%d", dir, k++)),
	    0,
	    kiln_etcd_build_threads(
	        &m, sub, KILN_ETCD_DRY_RUN, 2, NULL, NULL, &r, E));
	/* Under a file, not a folder. */
	snprintf(sub, sizeof(sub), "%s/t0/ca/ca.pem/x", dir);
	CONTRACT(kiln_etcd_result_free(&r), -1,
	    kiln_etcd_build_threads(&m, sub, 0, 1, NULL, NULL, &r, E));
	/* A member's key that does not parse, named with the way out. */
	snprintf(sub, sizeof(sub), "%s/t0/etcd-1/ssl/server-key.pem", dir);
	cr_assert_eq(kiln_file_write(sub, "x\n", 2, 0600, 0, &fresh), 0, "%s",
	    fresh.msg);
	snprintf(sub, sizeof(sub), "%s/t0", dir);
	CONTRACT(kiln_etcd_result_free(&r), -1,
	    kiln_etcd_build(&m, sub, 0, NULL, NULL, &r, E));
	kiln_etcd_result_free(&r);
	kiln_etcd_manifest_free(&m);
}

Test(errcontract_inspect, kubeconfig)
{
	static const char y[] = "kind: Config\nusers:\n- name: u\n  user:\n"
	                        "    client-certificate-data: Q0VSVAo=\n";
	static const char alias[] = "kind: Config\nusers:\n- *a\n";
	static const char pod[] = "kind: Pod\n";
	const unsigned char *b = (const unsigned char *)y;
	struct kiln_kubeconfig kc;

	kiln_kubeconfig_init(&kc);
	CONTRACT(kiln_kubeconfig_free(&kc), 0,
	    kiln_kubeconfig_parse(&kc, b, strlen(y), "k", E));
	CONTRACT(kiln_kubeconfig_free(&kc), -1,
	    kiln_kubeconfig_parse(
	        &kc, (const unsigned char *)alias, strlen(alias), "k", E));
	CONTRACT(kiln_kubeconfig_free(&kc), 1,
	    kiln_kubeconfig_parse(
	        &kc, (const unsigned char *)pod, strlen(pod), "k", E));
	cr_assert_eq(kiln_kubeconfig_parse(&kc, b, strlen(y), "k", &fresh), 0);
	CONTRACT(
	    out.len = 0, 0, kiln_kubeconfig_decode(kc.items, "k", &out, E));
	CONTRACT((void)0, kc.items, kiln_kubeconfig_client(&kc, "k", E));
	free(kc.items[0].owner);
	kc.items[0].owner = strdup("v");
	kc.current_user = strdup("u");
	CONTRACT((void)0, NULL, kiln_kubeconfig_client(&kc, "k", E));
	CONTRACT(out.len = 0, 0,
	    kiln_kubeconfig_splice(b, strlen(y), kc.items, "QQ==", 4, &out, E));
	CONTRACT(out.len = 0, -1,
	    kiln_kubeconfig_splice(b, strlen(y), kc.items, "Q Q", 3, &out, E));
	kc.items[0].value[0] = '%';
	CONTRACT(
	    out.len = 0, -1, kiln_kubeconfig_decode(kc.items, "k", &out, E));
	kiln_kubeconfig_free(&kc);
}

Test(errcontract_inspect, etcd_rotate)
{
	static const char json[] =
	    "{\"members\": [{\"name\": \"etcd-1\", \"ip\": \"10.0.0.1\"}]}";
	static const char state[] =
	    "{\"phase\": 1, \"old_ca\": "
	    "\"0123456789abcdef0123456789abcdef01234567\", \"new_ca\": "
	    "\"0123456789abcdef0123456789abcdef01234567\"}";
	struct kiln_etcd_manifest m;
	struct kiln_etcd_result r;
	struct kiln_rotate_result rr;
	char sub[128];
	int phase, next;

	kiln_etcd_manifest_init(&m);
	kiln_etcd_result_init(&r);
	kiln_rotate_result_init(&rr);
	snprintf(sub, sizeof(sub), "%s/rot", dir);
	cr_assert_eq(
	    kiln_etcd_manifest_parse(&m, json, strlen(json), "/base", &fresh),
	    0);
	cr_assert_eq(kiln_etcd_build(&m, sub, 0, NULL, NULL, &r, &fresh), 0,
	    "%s", fresh.msg);
	CONTRACT(kiln_rotate_result_free(&rr), 0,
	    kiln_etcd_rotate(sub, 1, KILN_ROTATE_DRY_RUN, &rr, E));
	CONTRACT(kiln_rotate_result_free(&rr), -1,
	    kiln_etcd_rotate(sub, 3, 0, &rr, E));
	CONTRACT((void)0, 0,
	    kiln_rotate_state_read(state, strlen(state), &phase, &next, E));
	CONTRACT(
	    (void)0, -1, kiln_rotate_state_read("{}", 2, &phase, &next, E));
	kiln_rotate_result_free(&rr);
	kiln_etcd_result_free(&r);
	kiln_etcd_manifest_free(&m);
}

Test(errcontract_inspect, k8s_build)
{
	static const char json[] =
	    "{\"key\": {\"algo\": \"ecdsa\"}, "
	    "\"control_plane\": [{\"name\": \"cp\", \"ip\": \"10.0.0.1\"}]}";
	static const char bad[] =
	    "{\"control_plane\": [{\"name\": \"cp\", \"ip\": \"10.0.0.1\"}], "
	    "\"service_cidr\": \"10.0.0.0/32\"}";
	struct kiln_k8s_manifest m;
	struct kiln_k8s_result r;
	char sub[128];
	int k = 0;

	kiln_k8s_manifest_init(&m);
	kiln_k8s_result_init(&r);
	CONTRACT(kiln_k8s_manifest_free(&m), 0,
	    kiln_k8s_manifest_parse(&m, json, strlen(json), E));
	CONTRACT(kiln_k8s_manifest_free(&m), -1,
	    kiln_k8s_manifest_parse(&m, bad, strlen(bad), E));
	cr_assert_eq(
	    kiln_k8s_manifest_parse(&m, json, strlen(json), &fresh), 0);
	CONTRACT((kiln_k8s_result_free(&r),
	             snprintf(sub, sizeof(sub), "%s/k%d", dir, k++)),
	    0, kiln_k8s_build(&m, sub, 0, 1, NULL, NULL, &r, E));
	/* A leaf's key that does not parse, named with the way out. */
	snprintf(sub, sizeof(sub), "%s/k0/cp/pki/apiserver.key", dir);
	cr_assert_eq(kiln_file_write(sub, "x\n", 2, 0600, 0, &fresh), 0, "%s",
	    fresh.msg);
	snprintf(sub, sizeof(sub), "%s/k0", dir);
	CONTRACT(kiln_k8s_result_free(&r), -1,
	    kiln_k8s_build(&m, sub, 0, 1, NULL, NULL, &r, E));
	kiln_k8s_result_free(&r);
	kiln_k8s_manifest_free(&m);
}

Test(errcontract_inspect, kubeconfig_add)
{
	static const char y[] = "kind: Config\nusers:\n- name: u\n  user:\n"
	                        "    client-key-data: S0VZCg==\n";
	const unsigned char *b = (const unsigned char *)y;
	struct kiln_kubeconfig kc;

	kiln_kubeconfig_init(&kc);
	cr_assert_eq(kiln_kubeconfig_parse(&kc, b, strlen(y), "k", &fresh), 0);
	CONTRACT(out.len = 0, 0,
	    kiln_kubeconfig_add(
	        b, strlen(y), &kc, KILN_KC_CERT_DATA, "u", "QQ==", 4, &out, E));
	CONTRACT(out.len = 0, -1,
	    kiln_kubeconfig_add(
	        b, strlen(y), &kc, KILN_KC_KEY_DATA, "u", "QQ==", 4, &out, E));
	kiln_kubeconfig_free(&kc);
}

Test(errcontract_inspect, k8s_sign_csrs)
{
	static const char json[] =
	    "{\"key\": {\"algo\": \"ecdsa\"}, "
	    "\"control_plane\": [{\"name\": \"cp\", \"ip\": \"10.0.0.1\"}]}";
	struct kiln_k8s_manifest m;
	struct kiln_k8s_result r;
	char sub[128], ca[128], none[128];

	kiln_k8s_manifest_init(&m);
	kiln_k8s_result_init(&r);
	snprintf(sub, sizeof(sub), "%s/s", dir);
	snprintf(ca, sizeof(ca), "%s/s/ca", dir);
	snprintf(none, sizeof(none), "%s/none", dir);
	cr_assert_eq(
	    kiln_k8s_manifest_parse(&m, json, strlen(json), &fresh), 0);
	cr_assert_eq(kiln_k8s_build(&m, sub, 0, 1, NULL, NULL, &r, &fresh), 0,
	    "%s", fresh.msg);
	/* A node's tree with no CSR: nothing to sign, no error. */
	snprintf(sub, sizeof(sub), "%s/s/cp", dir);
	CONTRACT(kiln_k8s_result_free(&r), 0,
	    kiln_k8s_sign_csrs(sub, ca, 0, KILN_K8S_DRY_RUN, &r, E));
	CONTRACT(kiln_k8s_result_free(&r), -1,
	    kiln_k8s_sign_csrs(none, ca, 0, 0, &r, E));
	kiln_k8s_result_free(&r);
	kiln_k8s_manifest_free(&m);
}

Test(errcontract_inspect, k8s_rotate)
{
	static const char json[] =
	    "{\"key\": {\"algo\": \"ecdsa\"}, "
	    "\"control_plane\": [{\"name\": \"cp\", \"ip\": \"10.0.0.1\"}]}";
	struct kiln_k8s_manifest m;
	struct kiln_k8s_result r;
	struct kiln_rotate_result rr;
	enum kiln_rotate_kind kind;
	char sub[128];

	kiln_k8s_manifest_init(&m);
	kiln_k8s_result_init(&r);
	kiln_rotate_result_init(&rr);
	snprintf(sub, sizeof(sub), "%s/krot", dir);
	cr_assert_eq(
	    kiln_k8s_manifest_parse(&m, json, strlen(json), &fresh), 0);
	cr_assert_eq(kiln_k8s_build(&m, sub, 0, 1, NULL, NULL, &r, &fresh), 0,
	    "%s", fresh.msg);
	CONTRACT((void)0, 0, kiln_rotate_kind(sub, &kind, E));
	cr_assert_eq(kind, KILN_ROTATE_K8S_TREE);
	CONTRACT((void)0, -1, kiln_rotate_kind(dir, &kind, E));
	CONTRACT(kiln_rotate_result_free(&rr), 0,
	    kiln_k8s_rotate(sub, "ca", 1, KILN_ROTATE_DRY_RUN, &rr, E));
	CONTRACT(kiln_rotate_result_free(&rr), -1,
	    kiln_k8s_rotate(sub, "ca", 2, 0, &rr, E));
	CONTRACT(kiln_rotate_result_free(&rr), -1,
	    kiln_k8s_rotate(sub, "sa", 1, 0, &rr, E));
	kiln_rotate_result_free(&rr);
	kiln_k8s_result_free(&r);
	kiln_k8s_manifest_free(&m);
}
