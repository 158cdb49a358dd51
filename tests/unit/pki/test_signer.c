/*
 * The issuance pipeline: a CA opened once, then request -> key -> CSR ->
 * certificate, with its refusals (password, key, CA, profile, lifetime).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <mbedtls/x509_csr.h>

#include "kiln/config.h"
#include "kiln/duration.h"
#include "kiln/file.h"
#include "kiln/inspect.h"
#include "kiln/issue.h"
#include "kiln/pem.h"
#include "kiln/signer.h"

static struct kiln_rng rng;
static struct kiln_err err;

static void
setup(void)
{
	kiln_rng_init(&rng);
	kiln_err_clear(&err);
	cr_assert_eq(kiln_rng_seed(&rng, "test_signer", &err), 0);
}

static void
teardown(void)
{
	kiln_rng_free(&rng);
}

TestSuite(signer, .init = setup, .fini = teardown, .timeout = 120);

static void
request(struct kiln_request *req, const char *json)
{
	kiln_request_init(req);
	cr_assert_eq(kiln_request_parse(req, json, strlen(json), &err), 0, "%s",
	    err.msg);
}

/*
 * A self-signed certificate (a CA unless "leaf") made by the pipeline at
 * "now", its PEM into "cert" and its key's PEM into "key".
 */
static void
make_root(struct kiln_buf *cert, struct kiln_buf *key, int leaf, time_t now)
{
	struct kiln_request req;
	struct kiln_profile profile;
	struct kiln_careq careq;
	struct kiln_gen_in in;
	struct kiln_key k;
	struct kiln_buf der;
	static const enum kiln_eku eku[] = {KILN_EKU_SERVER_AUTH};

	request(&req, "{\"CN\":\"test CA\",\"key\":{\"algo\":\"ecdsa\"}}");
	kiln_key_init(&k);
	kiln_buf_init(&der);
	memset(&careq, 0, sizeof(careq));
	careq.pathlen = -1;
	if (leaf)
		kiln_profile_make(&profile, 24 * KILN_NS_HOUR,
		    KILN_KU_DIGITAL_SIGNATURE, eku, 1);
	else
		kiln_issue_ca_profile(&profile, &careq, NULL);
	memset(&in, 0, sizeof(in));
	in.req = &req;
	in.key = &k;
	in.flags = KILN_GEN_NEW_KEY;
	cr_assert_eq(
	    kiln_gen_cert(&der, NULL, &in, NULL, &profile, &rng, now, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(
	    kiln_pem_write(cert, "CERTIFICATE", der.p, der.len, &err), 0);
	cr_assert_eq(kiln_key_write_pem(&k, key, &err), 0);
	kiln_buf_free(&der);
	kiln_key_free(&k);
	kiln_request_free(&req);
}

/* A leaf for "json" under "profile", signed by "sg" at "now". */
static int
leaf(struct kiln_buf *der, struct kiln_buf *csr, const char *json,
    struct kiln_signer *sg, const struct kiln_profile *profile, time_t now)
{
	struct kiln_request req;
	struct kiln_gen_in in;
	struct kiln_key k;
	int rc;

	request(&req, json);
	kiln_key_init(&k);
	memset(&in, 0, sizeof(in));
	in.req = &req;
	in.key = &k;
	in.name = "leaf.json";
	in.flags = KILN_GEN_NEW_KEY;
	rc = kiln_gen_cert(der, csr, &in, sg, profile, &rng, now, &err);
	kiln_key_free(&k);
	kiln_request_free(&req);
	return rc;
}

Test(signer, opens_a_ca_and_issues_a_leaf)
{
	struct kiln_buf cert, key, der, csr;
	struct kiln_signer sg;
	struct kiln_config cfg;
	struct kiln_cert c;
	mbedtls_x509_csr parsed;
	uint32_t flags = 0;
	char dn[256];

	kiln_buf_init(&cert);
	kiln_buf_init(&key);
	kiln_buf_init(&der);
	kiln_buf_init(&csr);
	kiln_signer_init(&sg);
	kiln_config_init(&cfg);
	kiln_cert_init(&c);
	make_root(&cert, &key, 0, time(NULL));
	cr_assert_eq(kiln_signer_open(&sg, &cert, "ca.pem", &key, "ca-key.pem",
	                 NULL, &rng, &err),
	    0, "%s", err.msg);
	cr_assert_not_null(sg.ca);
	cr_assert_eq(leaf(&der, &csr,
	                 "{\"CN\":\"etcd-1\",\"hosts\":[\"10.0.0.1\","
	                 "\"etcd-1.example\"]}",
	                 &sg, &cfg.def, time(NULL)),
	    0, "%s", err.msg);
	cr_assert_eq(kiln_cert_parse(&c, der.p, der.len, &err), 0);
	cr_assert_eq(c.crt.issuer_raw.len, sg.ca->crt.subject_raw.len);
	cr_assert_eq(memcmp(c.crt.issuer_raw.p, sg.ca->crt.subject_raw.p,
	                 c.crt.issuer_raw.len),
	    0);
	cr_assert_eq(
	    mbedtls_x509_crt_verify(&c.crt, (mbedtls_x509_crt *)&sg.ca->crt,
	        NULL, "etcd-1.example", &flags, NULL, NULL),
	    0, "flags %x", flags);
	/* The CSR is the leaf's, for the same key. */
	mbedtls_x509_csr_init(&parsed);
	cr_assert_eq(mbedtls_x509_csr_parse_der(&parsed, csr.p, csr.len), 0);
	cr_assert_gt(mbedtls_x509_dn_gets(dn, sizeof(dn), &parsed.subject), 0);
	cr_assert_str_eq(dn, "CN=etcd-1");
	mbedtls_x509_csr_free(&parsed);
	kiln_cert_free(&c);
	kiln_config_free(&cfg);
	kiln_signer_free(&sg);
	cr_assert_null(sg.ca);
	kiln_buf_free(&cert);
	kiln_buf_free(&key);
	kiln_buf_free(&der);
	kiln_buf_free(&csr);
}

/* The CA certificate of make_root() with the encrypted test key. */
static void
open_encrypted(const char *password)
{
	struct kiln_buf cert, key, enc;
	struct kiln_signer sg;
	char path[512];

	kiln_buf_init(&cert);
	kiln_buf_init(&key);
	kiln_buf_init(&enc);
	kiln_signer_init(&sg);
	make_root(&cert, &key, 0, time(NULL));
	snprintf(
	    path, sizeof(path), "%s/keys/p256-encrypted.pem", KILN_TEST_DATA);
	cr_assert_eq(kiln_file_read(path, &enc, &err), 0);
	cr_assert_eq(kiln_signer_open(&sg, &cert, "ca.pem", &enc, "ca-key.pem",
	                 password, &rng, &err),
	    -1);
	cr_assert_null(sg.ca);
	kiln_signer_free(&sg);
	kiln_buf_free(&cert);
	kiln_buf_free(&key);
	kiln_buf_free(&enc);
}

Test(signer, encrypted_key_without_password)
{
	open_encrypted(NULL);
	cr_assert_str_eq(err.msg,
	    "ca-key.pem: private key is encrypted, and no password was given");
	cr_assert_eq(kiln_key_password_problem(&err), KILN_KEY_NO_PASSWORD);
}

Test(signer, encrypted_key_wrong_password)
{
	open_encrypted("wrong");
	cr_assert_str_eq(err.msg,
	    "ca-key.pem: private key is encrypted, and the password is wrong");
	cr_assert_eq(kiln_key_password_problem(&err), KILN_KEY_WRONG_PASSWORD);
}

Test(signer, password_problem_is_only_the_password)
{
	struct kiln_err other = {0};

	cr_assert_eq(kiln_key_password_problem(NULL), 0);
	kiln_err_set(&other, KILN_EINVAL, "not a private key");
	cr_assert_eq(kiln_key_password_problem(&other), 0);
}

Test(signer, key_not_matching)
{
	struct kiln_buf cert, key, cert2, key2;
	struct kiln_signer sg;

	kiln_buf_init(&cert);
	kiln_buf_init(&key);
	kiln_buf_init(&cert2);
	kiln_buf_init(&key2);
	kiln_signer_init(&sg);
	make_root(&cert, &key, 0, time(NULL));
	make_root(&cert2, &key2, 0, time(NULL));
	cr_assert_eq(kiln_signer_open(&sg, &cert, "ca.pem", &key2, "ca-key.pem",
	                 NULL, &rng, &err),
	    -1);
	cr_assert_str_eq(
	    err.msg, "ca-key.pem: does not match the CA certificate ca.pem");
	kiln_signer_free(&sg);
	kiln_buf_free(&cert);
	kiln_buf_free(&key);
	kiln_buf_free(&cert2);
	kiln_buf_free(&key2);
}

Test(signer, not_a_ca)
{
	struct kiln_buf cert, key;
	struct kiln_signer sg;

	kiln_buf_init(&cert);
	kiln_buf_init(&key);
	kiln_signer_init(&sg);
	make_root(&cert, &key, 1, time(NULL));
	cr_assert_eq(kiln_signer_open(&sg, &cert, "ca.pem", &key, "ca-key.pem",
	                 NULL, &rng, &err),
	    -1);
	cr_assert_str_eq(err.msg,
	    "ca.pem: not a CA certificate (basicConstraints CA:FALSE)");
	kiln_signer_free(&sg);
	kiln_buf_free(&cert);
	kiln_buf_free(&key);
}

/* A CA opened, and a leaf asked of it under "profile" at "now". */
static int
issue_with(const struct kiln_profile *profile, time_t made, time_t now)
{
	struct kiln_buf cert, key, der;
	struct kiln_signer sg;
	int rc;

	kiln_buf_init(&cert);
	kiln_buf_init(&key);
	kiln_buf_init(&der);
	kiln_signer_init(&sg);
	make_root(&cert, &key, 0, made);
	cr_assert_eq(kiln_signer_open(&sg, &cert, "ca.pem", &key, "ca-key.pem",
	                 NULL, &rng, &err),
	    0, "%s", err.msg);
	rc = leaf(&der, NULL, "{\"CN\":\"a\"}", &sg, profile, now);
	cr_assert_eq(der.len == 0, rc == -1);
	kiln_signer_free(&sg);
	kiln_buf_free(&cert);
	kiln_buf_free(&key);
	kiln_buf_free(&der);
	return rc;
}

Test(signer, expired_ca_signs_nothing)
{
	struct kiln_config cfg;
	time_t now = time(NULL);

	kiln_config_init(&cfg);
	/* initca's 43800h (5 years) ends before 6 years later. */
	cr_assert_eq(issue_with(&cfg.def, now, now + 6 * 365 * 86400LL), -1);
	cr_assert_eq(err.code, KILN_EPOLICY);
	cr_assert(strncmp(err.msg, "CA certificate: expired on ", 27) == 0,
	    "%s", err.msg);
	cr_assert(strstr(err.msg, ": what it signs would not verify") != NULL,
	    "%s", err.msg);
	kiln_config_free(&cfg);
}

Test(signer, profile_without_usages)
{
	struct kiln_profile p;

	kiln_profile_make(&p, 24 * KILN_NS_HOUR, 0, NULL, 0);
	cr_assert_eq(issue_with(&p, time(NULL), time(NULL)), -1);
	cr_assert_eq(err.code, KILN_EPOLICY);
	cr_assert_str_eq(err.msg, "the profile has no usages");
}

Test(signer, expired_when_made)
{
	static const enum kiln_eku eku[] = {KILN_EKU_CLIENT_AUTH};
	struct kiln_profile p;

	kiln_profile_make(
	    &p, KILN_NS_MINUTE, KILN_KU_DIGITAL_SIGNATURE, eku, 1);
	cr_assert_eq(issue_with(&p, time(NULL), time(NULL)), -1);
	cr_assert_eq(err.code, KILN_EINVAL);
	cr_assert_str_eq(err.msg,
	    "expiry 1m0s is shorter than the 5m0s backdate: the certificate "
	    "would have expired when made");
}

Test(signer, profile_made_in_code)
{
	static const enum kiln_eku eku[] = {
	    KILN_EKU_SERVER_AUTH, KILN_EKU_CLIENT_AUTH};
	struct kiln_profile p;

	kiln_profile_make(&p, 8760 * KILN_NS_HOUR,
	    KILN_KU_DIGITAL_SIGNATURE | KILN_KU_KEY_ENCIPHERMENT, eku, 2);
	cr_assert_eq(p.expiry, 8760 * KILN_NS_HOUR);
	cr_assert_eq(p.backdate, 5 * KILN_NS_MINUTE);
	cr_assert_eq(
	    p.ku, KILN_KU_DIGITAL_SIGNATURE | KILN_KU_KEY_ENCIPHERMENT);
	cr_assert_eq(p.n_eku, 2);
	cr_assert_eq(p.eku[1], KILN_EKU_CLIENT_AUTH);
	cr_assert_eq(p.is_ca, 0);
	cr_assert_null(p.name_whitelist);
	cr_assert_null(p.crl_url);
}

Test(signer, csr_for_a_request)
{
	struct kiln_request req;
	struct kiln_gen_in in;
	mbedtls_x509_csr csr;
	struct kiln_buf der;
	struct kiln_key k;
	char dn[256];

	request(&req, "{\"CN\":\"node\",\"hosts\":[\"node.example\"]}");
	kiln_key_init(&k);
	kiln_buf_init(&der);
	memset(&in, 0, sizeof(in));
	in.req = &req;
	in.key = &k;
	in.flags = KILN_GEN_NEW_KEY;
	cr_assert_eq(kiln_gen_csr(&der, &in, &rng, &err), 0, "%s", err.msg);
	mbedtls_x509_csr_init(&csr);
	cr_assert_eq(mbedtls_x509_csr_parse_der(&csr, der.p, der.len), 0);
	cr_assert_gt(mbedtls_x509_dn_gets(dn, sizeof(dn), &csr.subject), 0);
	cr_assert_str_eq(dn, "CN=node");
	mbedtls_x509_csr_free(&csr);
	kiln_buf_free(&der);
	kiln_key_free(&k);
	kiln_request_free(&req);
}

Test(signer, csr_refuses_an_empty_request)
{
	struct kiln_request req;
	struct kiln_gen_in in;
	struct kiln_buf der;
	struct kiln_key k;

	request(&req, "{}");
	kiln_key_init(&k);
	kiln_buf_init(&der);
	memset(&in, 0, sizeof(in));
	in.req = &req;
	in.key = &k;
	in.name = "csr.json";
	in.flags = KILN_GEN_NEW_KEY;
	cr_assert_eq(kiln_gen_csr(&der, &in, &rng, &err), -1);
	cr_assert_str_eq(err.msg,
	    "csr.json: no CN, names nor hosts: the certificate would have an "
	    "empty subject and no SAN (is this a csr.json?)");
	kiln_buf_free(&der);
	kiln_key_free(&k);
	kiln_request_free(&req);
}

Test(signer, hosts_checked_first)
{
	struct kiln_request req;

	request(&req, "{\"CN\":\"a\",\"hosts\":[\"ok.example\"]}");
	cr_assert_eq(kiln_gen_check_hosts(&req, &err), 0);
	cr_assert_eq(kiln_request_set_hosts(&req, "bad\nhost", &err), 0);
	cr_assert_eq(kiln_gen_check_hosts(&req, &err), -1);
	cr_assert(strstr(err.msg, "control character") != NULL, "%s", err.msg);
	kiln_request_free(&req);
}

Test(signer, request_made_elsewhere_needs_a_ca)
{
	struct kiln_signreq sr;
	struct kiln_gen_in in;
	struct kiln_config cfg;
	struct kiln_buf der;

	kiln_signreq_init(&sr);
	kiln_config_init(&cfg);
	kiln_buf_init(&der);
	memset(&in, 0, sizeof(in));
	in.csr = &sr;
	cr_assert_eq(kiln_gen_cert(&der, NULL, &in, NULL, &cfg.def, &rng,
	                 time(NULL), &err),
	    -1);
	cr_assert_str_eq(
	    err.msg, "a certificate request made elsewhere needs a CA");
	kiln_buf_free(&der);
	kiln_config_free(&cfg);
	kiln_signreq_free(&sr);
}

/*
 * A renewal's input (in->certreq, as kiln_renew gathers it) is issued as
 * it is: the subject bytes and key identifier kept, and with
 * KILN_GEN_KEEP_SANS every SAN even under a CA profile, which otherwise
 * keeps only IP SANs.
 */
static void
renewal(int keep, size_t want_dns)
{
	static const unsigned char ski[] = {1, 2, 3, 4, 5, 6, 7, 8};
	struct kiln_buf cert, key, der, spki;
	struct kiln_certreq cr;
	struct kiln_profile profile;
	struct kiln_careq careq;
	struct kiln_signer sg;
	struct kiln_gen_in in;
	struct kiln_sans sans;
	struct kiln_infos out;

	kiln_buf_init(&cert);
	kiln_buf_init(&key);
	kiln_buf_init(&der);
	kiln_buf_init(&spki);
	kiln_signer_init(&sg);
	kiln_sans_init(&sans);
	kiln_infos_init(&out);
	make_root(&cert, &key, 0, time(NULL));
	cr_assert_eq(kiln_signer_open(&sg, &cert, "ca.pem", &key, "ca-key.pem",
	                 NULL, &rng, &err),
	    0, "%s", err.msg);
	cr_assert_eq(kiln_sans_add(&sans, "old.example", &err), 0);
	cr_assert_eq(kiln_key_write_spki(sg.key, &spki, &err), 0);
	memset(&cr, 0, sizeof(cr));
	cr.subject = sg.ca->crt.subject_raw.p;
	cr.subject_len = sg.ca->crt.subject_raw.len;
	cr.spki = spki.p;
	cr.spki_len = spki.len;
	cr.sans = &sans;
	cr.ski = ski;
	cr.ski_len = sizeof(ski);
	memset(&careq, 0, sizeof(careq));
	careq.pathlen = -1;
	kiln_issue_ca_profile(&profile, &careq, NULL);
	memset(&in, 0, sizeof(in));
	in.certreq = &cr;
	in.flags = keep ? KILN_GEN_KEEP_SANS : 0;
	cr_assert_eq(kiln_gen_cert(&der, NULL, &in, &sg, &profile, &rng,
	                 time(NULL), &err),
	    0, "%s", err.msg);
	cr_assert_eq(kiln_inspect_certs(&out, der.p, der.len, &err), 0);
	cr_assert_eq(out.v[0].subject.n, 1);
	cr_assert_str_eq(out.v[0].subject.attr[0].value, "test CA");
	cr_assert_eq(out.v[0].ski_len, sizeof(ski));
	cr_assert_eq(memcmp(out.v[0].ski, ski, sizeof(ski)), 0);
	cr_assert_eq(out.v[0].ndns, want_dns);
	if (want_dns > 0)
		cr_assert_str_eq(out.v[0].dns[0], "old.example");
	kiln_infos_free(&out);
	kiln_sans_free(&sans);
	kiln_signer_free(&sg);
	kiln_buf_free(&cert);
	kiln_buf_free(&key);
	kiln_buf_free(&der);
	kiln_buf_free(&spki);
}

Test(signer, renewal_issued_as_it_was)
{
	renewal(1, 1);
	renewal(0, 0);
}
