/*
 * The error contract (errcontract.h) of the cfssl and pki layers:
 * requests, configs, cfssljson, gen, the signer, issuing, signing and
 * renewing.
 */
#include <limits.h>

#include "errcontract.h"
#include "kiln/cert.h"
#include "kiln/cfssljson.h"
#include "kiln/config.h"
#include "kiln/duration.h"
#include "kiln/gen.h"
#include "kiln/inspect.h"
#include "kiln/issue.h"
#include "kiln/key.h"
#include "kiln/name.h"
#include "kiln/renew.h"
#include "kiln/request.h"
#include "kiln/sign.h"
#include "kiln/signer.h"

TestSuite(
    errcontract_pki, .init = ec_setup, .fini = ec_teardown, .timeout = 60);

static const enum kiln_eku eku[] = {KILN_EKU_SERVER_AUTH};

Test(errcontract_pki, request_config_cfssljson)
{
	struct kiln_request req;
	struct kiln_config cfg;
	struct kiln_keyreq kr = {.algo = KILN_KEY_RSA, .size = 2048};
	struct kiln_keyreq bad = {.algo = KILN_KEY_RSA, .size = 1};
	struct kiln_sans sans;
	struct kiln_san san;
	struct kiln_cfssljson j;
	static const char rj[] = "{\"CN\": \"a\", \"hosts\": [\"a.example\"]}";
	static const char cj[] =
	    "{\"signing\": {\"default\": {\"expiry\": \"8760h\"}}}";
	static const char bad_size[] =
	    "{\"key\": {\"algo\": \"rsa\", \"size\": 1}}";
	static const char bad_expiry[] = "{\"ca\": {\"expiry\": \"1\"}}";
	static const char bad_backdate[] = "{\"ca\": {\"backdate\": \"1\"}}";
	static const char bad_cfg[] =
	    "{\"signing\": {\"default\": {\"expiry\": \"1\"}}}";
	static const char jj[] = "{\"cert\": \"c\", \"key\": \"k\"}";

	kiln_request_init(&req);
	CONTRACT(kiln_request_free(&req), 0,
	    kiln_request_parse(&req, rj, strlen(rj), E));
	CONTRACT(
	    kiln_request_free(&req), -1, kiln_request_parse(&req, "{", 1, E));
	CONTRACT(kiln_request_free(&req), -1,
	    kiln_request_parse(&req, bad_size, strlen(bad_size), E));
	CONTRACT(kiln_request_free(&req), -1,
	    kiln_request_parse(&req, bad_expiry, strlen(bad_expiry), E));
	CONTRACT(kiln_request_free(&req), -1,
	    kiln_request_parse(&req, bad_backdate, strlen(bad_backdate), E));
	cr_assert_eq(kiln_request_parse(&req, rj, strlen(rj), &fresh), 0);
	CONTRACT((void)0, 0, kiln_request_set_hosts(&req, "a,b", E));
	CONTRACT((void)0, 0, kiln_request_set_cn(&req, "b", E));
	kiln_request_free(&req);
	CONTRACT((void)0, 0, kiln_keyreq_check(&kr, E));
	CONTRACT((void)0, -1, kiln_keyreq_check(&bad, E));
	kiln_sans_init(&sans);
	CONTRACT((kiln_sans_free(&sans), kiln_sans_init(&sans)), 0,
	    kiln_sans_add(&sans, "10.0.0.1", E));
	memset(&san, 0, sizeof(san));
	san.type = KILN_SAN_DNS;
	san.value = (char *)"a.example";
	CONTRACT((kiln_sans_free(&sans), kiln_sans_init(&sans)), 0,
	    kiln_sans_add_typed(&sans, &san, E));
	kiln_sans_free(&sans);
	kiln_config_init(&cfg);
	CONTRACT(kiln_config_free(&cfg), 0,
	    kiln_config_parse(&cfg, cj, strlen(cj), E));
	CONTRACT(
	    kiln_config_free(&cfg), -1, kiln_config_parse(&cfg, "[]", 2, E));
	CONTRACT(kiln_config_free(&cfg), -1,
	    kiln_config_parse(&cfg, bad_cfg, strlen(bad_cfg), E));
	cr_assert_eq(kiln_config_parse(&cfg, cj, strlen(cj), &fresh), 0);
	CONTRACT((void)0, 1, kiln_config_profile(&cfg, NULL, E) != NULL);
	CONTRACT((void)0, 0, kiln_config_profile(&cfg, "www", E) != NULL);
	kiln_config_free(&cfg);
	kiln_cfssljson_init(&j);
	CONTRACT((kiln_cfssljson_free(&j), kiln_cfssljson_init(&j)), 0,
	    kiln_cfssljson_parse(&j, jj, strlen(jj), 1, E));
	CONTRACT((kiln_cfssljson_free(&j), kiln_cfssljson_init(&j)), -1,
	    kiln_cfssljson_parse(&j, "{\"cert\": 1}", 11, 1, E));
	kiln_cfssljson_free(&j);
}

Test(errcontract_pki, gen_checks)
{
	struct kiln_request req, empty;
	struct kiln_buf cert, name;
	struct kiln_infos infos;
	char path[128];
	static const char rj[] = "{\"CN\": \"a\"}";

	kiln_request_init(&req);
	kiln_request_init(&empty);
	kiln_buf_init(&cert);
	kiln_buf_init(&name);
	cr_assert_eq(kiln_request_parse(&req, rj, strlen(rj), &fresh), 0);
	cr_assert_eq(kiln_buf_append(&cert, "c\n", 2, &fresh), 0);
	CONTRACT(
	    kiln_buf_free(&out), 0, kiln_gen_json(&out, &cert, NULL, &cert, E));
	snprintf(path, sizeof(path), "%s/a.pem", dir);
	CONTRACT((void)0, 0, kiln_gen_check_dir(path, E));
	snprintf(path, sizeof(path), "%s/none/a.pem", dir);
	CONTRACT((void)0, -1, kiln_gen_check_dir(path, E));
	cr_assert_eq(kiln_name_from_request(&name, &req, &fresh), 0);
	CONTRACT((void)0, 0, kiln_gen_check_not_empty(&name, &req, E));
	name.len = 0;
	cr_assert_eq(kiln_name_from_request(&name, &empty, &fresh), 0);
	CONTRACT((void)0, -1, kiln_gen_check_not_empty(&name, &empty, E));
	CONTRACT((void)0, 0, kiln_gen_check_ca_subject(&req, E));
	CONTRACT((void)0, -1, kiln_gen_check_ca_subject(&empty, E));
	kiln_infos_init(&infos);
	read_data("verify/server.pem");
	cr_assert_eq(kiln_inspect_certs(&infos, data.p, data.len, &fresh), 0);
	CONTRACT((kiln_request_free(&empty), kiln_request_init(&empty)), 0,
	    kiln_gen_request_from_cert(&empty, infos.v, E));
	kiln_infos_free(&infos);
	kiln_buf_free(&name);
	kiln_buf_free(&cert);
	kiln_request_free(&empty);
	kiln_request_free(&req);
}

Test(errcontract_pki, gen_write_refusal)
{
	struct kiln_buf key;
	char base[128], path[160], want[512];

	kiln_buf_init(&key);
	cr_assert_eq(kiln_buf_append(&key, "k\n", 2, &fresh), 0);
	snprintf(base, sizeof(base), "%s/a", dir);
	snprintf(path, sizeof(path), "%s-key.pem", base);
	CONTRACT((void)0, 0, kiln_gen_write(base, NULL, NULL, NULL, 0, E));
	cr_assert_eq(kiln_gen_write(base, NULL, NULL, &key, 0, &fresh), 0);
	/* The key exists: refused, with the refusal's own message. */
	CONTRACT((void)0, -1, kiln_gen_write(base, NULL, NULL, &key, 0, E));
	kiln_err_clear(&fresh);
	kiln_gen_write(base, NULL, NULL, &key, 0, &fresh);
	cr_assert_eq(fresh.code, KILN_EEXIST);
	snprintf(want, sizeof(want), KILN_GEN_KEY_KEPT, path);
	cr_assert_str_eq(fresh.msg, want);
	kiln_buf_free(&key);
}

/* The CA of tests/data/crl, opened into "sg". */
static void
open_ca(struct kiln_signer *sg)
{
	struct kiln_buf cert, key;

	kiln_buf_init(&cert);
	kiln_buf_init(&key);
	read_into(&cert, "crl/ec-ca.pem");
	read_into(&key, "crl/ec-ca-key.pem");
	kiln_signer_init(sg);
	cr_assert_eq(kiln_signer_open(sg, &cert, "ca.pem", &key, "ca-key.pem",
	                 NULL, &rng, &fresh),
	    0, "%s", fresh.msg);
	kiln_buf_free(&key);
	kiln_buf_free(&cert);
}

Test(errcontract_pki, signer_pipeline)
{
	struct kiln_signer sg;
	struct kiln_buf cert, key, csr;
	struct kiln_request req, empty, badhost;
	struct kiln_profile profile;
	struct kiln_gen_in in;
	struct kiln_key k;
	static const char rj[] = "{\"CN\": \"a\", \"hosts\": [\"a.example\"]}";
	static const char bj[] = "{\"CN\": \"a\", \"hosts\": [\"a\\u0001b\"]}";

	kiln_buf_init(&cert);
	kiln_buf_init(&key);
	kiln_buf_init(&csr);
	read_into(&cert, "crl/ec-ca.pem");
	read_into(&key, "crl/ec-ca-key.pem");
	kiln_signer_init(&sg);
	CONTRACT((kiln_signer_free(&sg), kiln_signer_init(&sg)), 0,
	    kiln_signer_open(
	        &sg, &cert, "ca.pem", &key, "ca-key.pem", NULL, &rng, E));
	read_into(&key, "verify/peer-key.pem");
	CONTRACT((kiln_signer_free(&sg), kiln_signer_init(&sg)), -1,
	    kiln_signer_open(
	        &sg, &cert, "ca.pem", &key, "ca-key.pem", NULL, &rng, E));
	kiln_signer_free(&sg);
	open_ca(&sg);
	kiln_request_init(&req);
	kiln_request_init(&empty);
	kiln_request_init(&badhost);
	cr_assert_eq(kiln_request_parse(&req, rj, strlen(rj), &fresh), 0);
	cr_assert_eq(kiln_request_parse(&badhost, bj, strlen(bj), &fresh), 0,
	    "%s", fresh.msg);
	CONTRACT((void)0, 0, kiln_gen_check_hosts(&req, E));
	CONTRACT((void)0, -1, kiln_gen_check_hosts(&badhost, E));
	kiln_key_init(&k);
	memset(&in, 0, sizeof(in));
	in.req = &req;
	in.key = &k;
	in.name = "a.json";
	in.flags = KILN_GEN_NEW_KEY;
#define RESET_KEY (kiln_key_free(&k), kiln_key_init(&k), csr.len = 0)
	CONTRACT(RESET_KEY, 0, kiln_gen_csr(&csr, &in, &rng, E));
	kiln_profile_make(
	    &profile, 24 * KILN_NS_HOUR, KILN_KU_DIGITAL_SIGNATURE, eku, 1);
	CONTRACT((RESET_KEY, out.len = 0), 0,
	    kiln_gen_cert(&out, &csr, &in, &sg, &profile, &rng, NOW, E));
	in.req = &empty;
	CONTRACT(RESET_KEY, -1, kiln_gen_csr(&csr, &in, &rng, E));
	CONTRACT((RESET_KEY, out.len = 0), -1,
	    kiln_gen_cert(&out, &csr, &in, &sg, &profile, &rng, NOW, E));
#undef RESET_KEY
	kiln_key_free(&k);
	kiln_request_free(&badhost);
	kiln_request_free(&empty);
	kiln_request_free(&req);
	kiln_signer_free(&sg);
	kiln_buf_free(&csr);
	kiln_buf_free(&key);
	kiln_buf_free(&cert);
}

Test(errcontract_pki, issue_and_sign)
{
	struct kiln_signer sg;
	struct kiln_signreq sr;
	struct kiln_profile profile;
	struct kiln_gen_in in;
	static const char subj[] = "{\"CN\": \"b\"}";

	open_ca(&sg);
	kiln_profile_make(
	    &profile, 24 * KILN_NS_HOUR, KILN_KU_DIGITAL_SIGNATURE, eku, 1);
	kiln_signreq_init(&sr);
	read_data("sign/ecdsa.csr");
	CONTRACT((kiln_signreq_free(&sr), kiln_signreq_init(&sr)), 0,
	    kiln_sign_request(&sr, data.p, data.len, E));
	CONTRACT((kiln_signreq_free(&sr), kiln_signreq_init(&sr)), -1,
	    kiln_sign_request(&sr, (const unsigned char *)"x", 1, E));
	cr_assert_eq(kiln_sign_request(&sr, data.p, data.len, &fresh), 0);
	CONTRACT((void)0, 0, kiln_sign_subject(&sr, subj, strlen(subj), E));
	CONTRACT((void)0, -1, kiln_sign_subject(&sr, "{\"CN\": 1}", 9, E));
	CONTRACT((void)0, 0, kiln_sign_hosts(&sr, "a.example,10.0.0.1", E));
	CONTRACT((void)0, 0, kiln_sign_check(&sr, &profile, sg.ca, E));
	CONTRACT((void)0, 0, kiln_sign_copy_extensions(&sr, E));
	CONTRACT(out.len = 0, 0,
	    kiln_issue(
	        &out, &sr.certreq, &profile, sg.ca, sg.key, &rng, NOW, E));
	/* Not yet valid when made: refused. */
	profile.has_not_after = 1;
	profile.not_after = NOW - 86400;
	CONTRACT(out.len = 0, -1,
	    kiln_issue(
	        &out, &sr.certreq, &profile, sg.ca, sg.key, &rng, NOW, E));
	kiln_signreq_free(&sr);
	kiln_signreq_init(&sr);
	read_data("sign/ca.csr");
	cr_assert_eq(kiln_sign_request(&sr, data.p, data.len, &fresh), 0);
	CONTRACT((void)0, -1, kiln_sign_check(&sr, &profile, sg.ca, E));
	/* The same refusal through the pipeline, named by its file. */
	memset(&in, 0, sizeof(in));
	in.csr = &sr;
	in.name = "ca.csr";
	CONTRACT(out.len = 0, -1,
	    kiln_gen_cert(&out, NULL, &in, &sg, &profile, &rng, NOW, E));
	kiln_signreq_free(&sr);
	kiln_signer_free(&sg);
}

Test(errcontract_pki, renew_plan_and_commit)
{
	struct kiln_renew_operands ops;
	struct kiln_renew_plan plan;
	struct kiln_renew_opts o;
	struct kiln_renew_ca one;
	enum kiln_renew_why why;
	struct kiln_cert ca;
	struct kiln_key key;
	struct kiln_buf c;
	const char *base;
	char folder[PATH_MAX];
	size_t next = 0;

	CONTRACT((void)0, 0, kiln_path_split("a/b", folder, &base, E));
	CONTRACT((void)0, -1, kiln_path_split("a/..", folder, &base, E));
	kiln_cert_init(&ca);
	kiln_key_init(&key);
	kiln_buf_init(&c);
	kiln_renew_operands_init(&ops);
	kiln_renew_plan_init(&plan);
	read_data("renew/ca.pem");
	cr_assert_eq(kiln_buf_append(&c, data.p, data.len, &fresh), 0);
	read_data("renew/ca-key.pem");
	cr_assert_eq(kiln_ca_load(&ca, &key, &c, "ca.pem", &data, "ca-key.pem",
	                 NULL, &rng, &fresh),
	    0, "%s", fresh.msg);
	memset(&o, 0, sizeof(o));
	o.within = -1;
	o.now = NOW;
	o.threads = 1;
	o.dry_run = 1;
	o.stamp = ".x";
	o.backup_dfd = -1;
	memset(&one, 0, sizeof(one));
	one.cert = &ca;
	one.key = &key;
	one.shown = "ca.pem";
	o.cas = &one;
	o.n_cas = 1;
	CONTRACT((kiln_renew_operands_free(&ops), kiln_renew_operands_init(&ops)),
	    0, kiln_renew_operands_add(&ops,
	           KILN_TEST_DATA "/renew/foreign.pem", E));
	cr_assert_eq(kiln_renew_operands_add(
	                 &ops, KILN_TEST_DATA "/renew/foreign.pem", &fresh),
	    0);
	CONTRACT((kiln_renew_plan_free(&plan), next = 0), 0,
	    kiln_renew_plan_make(&plan, &ops, &next, 1, &o, &rng, E));
	cr_assert_eq(kiln_renew_plan_make(&plan, &ops, &next, 1, &o, &rng, &fresh),
	    0);
	CONTRACT((void)0, 0,
	    kiln_renew_plan_issue(&plan, &o, &rng, E));
	/* Another CA's certificate: the job's refusal, every time. */
	CONTRACT((void)0, -1, kiln_renew_commit(&plan, 0, &o, &why, E));
	kiln_renew_plan_free(&plan);
	kiln_renew_operands_free(&ops);
	kiln_buf_free(&c);
	kiln_cert_free(&ca);
	kiln_key_free(&key);
}
