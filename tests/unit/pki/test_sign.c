/*
 * kiln sign's library half on openssl-made requests (tests/data/sign,
 * made by gen.sh there).  The expected subjects are the bytes cfssl
 * 1.2.0 wrote for the same requests, changed only where kiln-sign(1)
 * says kiln differs: an emailAddress (or other attribute) is kept after
 * serialNumber, and repeated attributes are separate RDNs.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kiln/cert.h"
#include "kiln/config.h"
#include "kiln/file.h"
#include "kiln/sign.h"

static struct kiln_signreq req;
static struct kiln_buf buf;
static struct kiln_err err;

static void
setup(void)
{
	kiln_signreq_init(&req);
	kiln_buf_init(&buf);
	kiln_err_clear(&err);
}

static void
teardown(void)
{
	kiln_signreq_free(&req);
	kiln_buf_free(&buf);
}

TestSuite(sign, .init = setup, .fini = teardown, .timeout = 30);

static void
read_data(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/sign/%s", KILN_TEST_DATA, name);
	kiln_buf_free(&buf);
	cr_assert_eq(kiln_file_read(path, &buf, &err), 0, "%s", err.msg);
}

/* Read and accept request "name". */
static void
load(const char *name)
{
	read_data(name);
	cr_assert_eq(kiln_sign_request(&req, buf.p, buf.len, &err), 0, "%s: %s",
	    name, err.msg);
}

/* Read request "name", which must be refused with "msg". */
static void
refused(const char *name, const char *msg)
{
	read_data(name);
	cr_assert_eq(kiln_sign_request(&req, buf.p, buf.len, &err), -1);
	cr_assert_eq(err.code, KILN_EINVAL);
	cr_assert_str_eq(err.msg, msg);
}

static void
assert_hex(const unsigned char *p, size_t len, const char *hex)
{
	char got[2048];
	size_t i;

	cr_assert_lt(2 * len, sizeof(got));
	for (i = 0; i < len; i++)
		snprintf(got + 2 * i, 3, "%02x", p[i]);
	got[2 * len] = '\0';
	cr_assert_str_eq(got, hex);
}

static void
assert_subject(const char *hex)
{
	cr_assert_eq(req.certreq.subject, req.subject.p);
	cr_assert_eq(req.certreq.subject_len, req.subject.len);
	assert_hex(req.subject.p, req.subject.len, hex);
}

static void
assert_san(size_t i, enum kiln_san_type type, const char *value)
{
	cr_assert_lt(i, req.sans.n);
	cr_assert_eq(req.sans.v[i].type, type, "SAN %zu", i);
	cr_assert_str_eq(req.sans.v[i].value, value);
}

/* C=DE, O=Example Org, CN=www.example.com: cfssl's subject. */
#define ECDSA_SUBJECT                                                          \
	"310b300906035504061302444531143012060355040a130b4578616d706c65"       \
	"204f7267311830160603550403130f7777772e6578616d706c652e636f6d"
/* emailAddress=admin@example.com as a UTF8String RDN. */
#define ECDSA_EMAIL                                                            \
	"3120301e06092a864886f70d0109010c1161646d696e406578616d706c652e63"     \
	"6f6d"

Test(sign, subject_rebuilt_in_go_order_with_email_kept_last)
{
	load("ecdsa.csr");
	/* openssl wrote CN, O, C, emailAddress. */
	cr_assert_eq(req.n_attr, 4);
	assert_subject("305f" ECDSA_SUBJECT ECDSA_EMAIL);
	cr_assert_str_eq(req.certreq.cn, "www.example.com");
	cr_assert_eq(req.was_der, 0);
	cr_assert_eq(req.is_ca, 0);
}

Test(sign, sans_grouped_as_go_holds_them)
{
	load("ecdsa.csr");
	cr_assert_eq(req.certreq.sans, &req.sans);
	cr_assert_eq(req.sans.n, 5);
	assert_san(0, KILN_SAN_DNS, "www.example.com");
	assert_san(1, KILN_SAN_DNS, "alt.example.com");
	assert_san(2, KILN_SAN_EMAIL, "ops@example.com");
	assert_san(3, KILN_SAN_IP, "192.0.2.1");
	cr_assert_eq(req.sans.v[3].ip_len, 4);
	assert_san(4, KILN_SAN_IP, "2001:db8::1");
	cr_assert_eq(req.sans.v[4].ip_len, 16);
}

Test(sign, public_key_is_the_requests)
{
	size_t i;

	load("ecdsa.csr");
	cr_assert_eq(req.certreq.spki, req.spki.p);
	cr_assert_eq(req.spki.len, 91); /* P-256, uncompressed */
	/* The SPKI sits in the request's DER byte for byte. */
	for (i = 0; i + req.spki.len <= req.csr.der.len; i++)
		if (memcmp(req.csr.der.p + i, req.spki.p, req.spki.len) == 0)
			break;
	cr_assert_leq(i + req.spki.len, req.csr.der.len);
}

Test(sign, der_is_accepted_and_flagged)
{
	load("ecdsa.der");
	cr_assert_eq(req.was_der, 1);
	assert_subject("305f" ECDSA_SUBJECT ECDSA_EMAIL);
	cr_assert_eq(req.sans.n, 5);
}

Test(sign, new_certificate_request_label_is_accepted)
{
	load("new.csr");
	assert_subject("305f" ECDSA_SUBJECT ECDSA_EMAIL);
}

Test(sign, multi_valued_rdn_split_and_attributes_reordered)
{
	/*
	 * openssl wrote CN, OU=Team B, O+L, OU=Team A, C, street,
	 * postalCode, serialNumber, emailAddress.  cfssl: C, L, street,
	 * postalCode, O, OU=Team A + OU=Team B (one RDN, DER-sorted), CN,
	 * serialNumber, no email.  kiln: two OU RDNs in request order and
	 * the email last.
	 */
	load("multi.csr");
	assert_subject(
	    "3081b4"
	    "310b3009060355040613024348"
	    "310e300c06035504070c054bc3b66c6e"
	    "31123010060355040913094d61696e2053742031"
	    "310d300b0603550411130438303030"
	    "3110300e060355040a0c074578202620436f"
	    "310f300d060355040b13065465616d2042"
	    "310f300d060355040b13065465616d2041"
	    "3115301306035504030c0c5ac3bc7269636820686f7374"
	    "310b3009060355040513023432"
	    "311a301806092a864886f70d0109010c0b6140622e6578616d706c65");
	cr_assert_str_eq(req.certreq.cn, "Zürich host");
}

Test(sign, last_cn_wins_as_in_go)
{
	load("cn2.csr");
	/* cfssl's bytes exactly: O=o, CN=second. */
	assert_subject("301d310a3008060355040a13016f310f300d0603550403130673"
	               "65636f6e64");
	cr_assert_str_eq(req.certreq.cn, "second");
}

Test(sign, latin1_t61_string_becomes_utf8)
{
	load("t61.csr");
	/* O=Plain, CN=Grüße (cfssl fails: "string not valid UTF-8"). */
	assert_subject("3022310e300c060355040a1305506c61696e3110300e06035504"
	               "030c074772c3bcc39f65");
}

Test(sign, uri_kept_and_ipv4_mapped_address_shortened)
{
	load("rsa.csr");
	cr_assert_eq(req.sans.n, 3);
	assert_san(0, KILN_SAN_DNS, "rsa.example.com");
	assert_san(1, KILN_SAN_IP, "192.0.2.5");
	cr_assert_eq(req.sans.v[1].ip_len, 4);
	assert_san(2, KILN_SAN_URI, "spiffe://cluster.local/ns/x");
	cr_assert_eq(req.spki.len, 294); /* RSA 2048 */
}

Test(sign, flipped_signature_byte_is_refused)
{
	refused("badsig.csr", "signature does not verify: the request was "
	                      "altered, or not signed with its own key");
}

Test(sign, certificate_is_refused)
{
	refused("ca-pathlen1.pem", "a certificate, not a certificate request");
}

Test(sign, unverifiable_signature_is_refused)
{
	refused("ed25519.csr", "signature cannot be checked: 1.3.101.112, "
	                       "Ed25519 key (kiln checks RSA PKCS#1 v1.5 and "
	                       "ECDSA with SHA-1 or SHA-2)");
}

Test(sign, md5_signature_is_refused)
{
	refused("md5.csr", "signature cannot be checked: MD5WithRSA, RSA key "
	                   "(kiln checks RSA PKCS#1 v1.5 and ECDSA with SHA-1 "
	                   "or SHA-2)");
}

Test(sign, first_pem_block_must_be_a_request)
{
	static const char text[] =
	    "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";

	cr_assert_eq(kiln_sign_request(&req, (const unsigned char *)text,
	                 sizeof(text) - 1, &err),
	    -1);
	cr_assert_str_eq(
	    err.msg, "not a certificate request (PEM block \"PRIVATE KEY\")");
}

Test(sign, truncated_pem_is_refused)
{
	static const char text[] =
	    "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n";

	cr_assert_eq(kiln_sign_request(&req, (const unsigned char *)text,
	                 sizeof(text) - 1, &err),
	    -1);
	cr_assert_str_eq(err.msg,
	    "truncated PEM: no \"-----END CERTIFICATE REQUEST-----\" line");
}

/* The request's PEM found as every PEM block is: the first whole block,
 * its label judged. */
Test(sign, the_first_pem_block_is_judged)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
	    {"-----BEGIN CERTIFICATE REQUEST\nMIIB\n", "bad PEM header"},
	    {"-----BEGIN X509 CERTIFICATE-----\nAAAA\n"
	     "-----END X509 CERTIFICATE-----\n",
	        "a certificate, not a certificate request"},
	    {"\xef\xbb\xbfnotes\n-----BEGIN TRUSTED CERTIFICATE-----\r\n"
	     "AAAA\r\n-----END TRUSTED CERTIFICATE-----\r\n",
	        "a certificate, not a certificate request"},
	    {"-----BEGIN NEW CERTIFICATE REQUEST-----\nAAAA\n"
	     "-----END NEW CERTIFICATE REQUEST-----\n",
	        "not a CSR"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kiln_err_clear(&err);
		cr_assert_eq(kiln_sign_request(&req,
		                 (const unsigned char *)cases[i].text,
		                 strlen(cases[i].text), &err),
		    -1, "%zu", i);
		cr_assert(strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)) ==
		              0,
		    "%zu: %s", i, err.msg);
	}
}

Test(sign, neither_pem_nor_der_is_refused)
{
	static const char text[] = "hello\n";

	cr_assert_eq(kiln_sign_request(&req, (const unsigned char *)text,
	                 sizeof(text) - 1, &err),
	    -1);
	cr_assert_str_eq(
	    err.msg, "not a certificate request (neither PEM nor DER)");
}

/* Apply SUBJECT JSON "json" to the loaded request. */
static int
subject(const char *json)
{
	return kiln_sign_subject(&req, json, strlen(json), &err);
}

Test(sign, subject_json_replaces_as_cfssl)
{
	load("multi.csr");
	/* cfssl ignores hosts and key; an empty C keeps the request's. */
	cr_assert_eq(subject("{\"CN\":\"override\",\"names\":[{\"O\":\"New "
	                     "Org\",\"OU\":\"X\"},{\"OU\":\"Y\",\"C\":\"\"}],"
	                     "\"serialnumber\":\"77\",\"hosts\":[\"x\"],"
	                     "\"key\":{\"algo\":\"bogus\"}}"),
	    0, "%s", err.msg);
	/*
	 * cfssl: C=CH, L=Köln, O=New Org, OU=X + OU=Y, CN=override,
	 * serialNumber=77; street, postalCode and the email dropped.
	 */
	assert_subject("3067"
	               "310b3009060355040613024348"
	               "310e300c06035504070c054bc3b66c6e"
	               "3110300e060355040a13074e6577204f7267"
	               "310a3008060355040b130158"
	               "310a3008060355040b130159"
	               "3111300f060355040313086f76657272696465"
	               "310b3009060355040513023737");
	cr_assert_str_eq(req.certreq.cn, "override");
}

Test(sign, subject_json_without_cn_keeps_the_requests)
{
	load("ecdsa.csr");
	cr_assert_eq(subject("{\"names\":[{\"L\":\"Bern\"}]}"), 0);
	/* C=DE, L=Bern, O=Example Org, CN=www.example.com; no email. */
	assert_subject("304c"
	               "310b3009060355040613024445"
	               "310d300b060355040713044265726e"
	               "31143012060355040a130b4578616d706c65204f7267"
	               "311830160603550403130f7777772e6578616d706c652e636f6d");
	cr_assert_str_eq(req.certreq.cn, "www.example.com");
}

Test(sign, subject_json_errors_name_the_field)
{
	load("ecdsa.csr");
	cr_assert_eq(subject("{\"CN\":1}"), -1);
	cr_assert_str_eq(err.msg, "CN: expected a string, got number");
	kiln_err_clear(&err);
	cr_assert_eq(subject("{\"names\":{}}"), -1);
	cr_assert_str_eq(err.msg, "names: expected an array, got object");
	kiln_err_clear(&err);
	cr_assert_eq(subject("{\"names\":[{\"OU\":[]}]}"), -1);
	cr_assert_str_eq(err.msg, "names[0].OU: expected a string, got array");
	kiln_err_clear(&err);
	cr_assert_eq(subject("[]"), -1);
	cr_assert_eq(err.code, KILN_EINVAL);
	/* A refused SUBJECT leaves the subject as it was. */
	assert_subject("305f" ECDSA_SUBJECT ECDSA_EMAIL);
}

Test(sign, hosts_replace_every_san)
{
	load("ecdsa.csr");
	cr_assert_eq(
	    kiln_sign_hosts(&req, "h.example,10.9.9.9,a@b.c,,x:1", &err), 0);
	cr_assert_eq(req.certreq.sans, &req.sans);
	cr_assert_eq(req.sans.n, 5);
	assert_san(0, KILN_SAN_DNS, "h.example");
	assert_san(1, KILN_SAN_IP, "10.9.9.9");
	assert_san(2, KILN_SAN_EMAIL, "a@b.c");
	assert_san(3, KILN_SAN_DNS, "");
	assert_san(4, KILN_SAN_URI, "x:1");
}

/* A profile: a leaf, or a CA with ca_constraint.is_ca. */
static void
profile(struct kiln_profile *p, int is_ca)
{
	memset(p, 0, sizeof(*p));
	p->is_ca = is_ca;
}

static void
load_ca(struct kiln_cert *ca)
{
	read_data("ca-pathlen1.pem");
	kiln_cert_init(ca);
	cr_assert_eq(
	    kiln_cert_parse(ca, buf.p, buf.len, &err), 0, "%s", err.msg);
}

Test(sign, ca_request_refused_under_a_leaf_profile)
{
	struct kiln_profile p;

	load("ca.csr");
	cr_assert_eq(req.is_ca, 1);
	cr_assert_eq(req.max_path_len, 1);
	profile(&p, 0);
	cr_assert_eq(kiln_sign_check(&req, &p, NULL, &err), -1);
	cr_assert_eq(err.code, KILN_EPOLICY);
	cr_assert_str_eq(err.msg,
	    "the request asks for a CA certificate (basicConstraints "
	    "CA:TRUE) and the profile does not allow one "
	    "(ca_constraint.is_ca)");
}

Test(sign, ca_request_pathlen_must_stay_below_the_cas)
{
	struct kiln_profile p;
	struct kiln_cert ca;

	load("ca.csr");
	load_ca(&ca);
	profile(&p, 1);
	cr_assert_eq(kiln_sign_check(&req, &p, NULL, &err), 0);
	cr_assert_eq(kiln_sign_check(&req, &p, &ca, &err), -1);
	cr_assert_eq(err.code, KILN_EPOLICY);
	cr_assert_str_eq(err.msg, "the request asks for pathlen 1 and the "
	                          "CA's pathlen 1 allows at most 0");
	kiln_cert_free(&ca);
}

Test(sign, ca_request_without_pathlen_accepted_under_a_ca_profile)
{
	struct kiln_profile p;
	struct kiln_cert ca;

	load("ca-nopathlen.csr");
	load_ca(&ca);
	cr_assert_eq(req.is_ca, 1);
	cr_assert_eq(req.max_path_len, -1);
	profile(&p, 1);
	cr_assert_eq(kiln_sign_check(&req, &p, &ca, &err), 0, "%s", err.msg);
	kiln_cert_free(&ca);
}

Test(sign, leaf_request_passes_any_profile)
{
	struct kiln_profile p;

	load("ecdsa.csr");
	profile(&p, 0);
	cr_assert_eq(kiln_sign_check(&req, &p, NULL, &err), 0);
	profile(&p, 1);
	cr_assert_eq(kiln_sign_check(&req, &p, NULL, &err), 0);
}
