/*
 * The error contract (errcontract.h) of the x509 layer: keys,
 * certificates, CSRs, names and CRLs.
 */
#include "errcontract.h"
#include "kiln/cert.h"
#include "kiln/crl.h"
#include "kiln/csr.h"
#include "kiln/key.h"
#include "kiln/name.h"
#include "kiln/request.h"

TestSuite(
    errcontract_x509, .init = ec_setup, .fini = ec_teardown, .timeout = 60);

Test(errcontract_x509, keys)
{
	struct kiln_key key, other;
	struct kiln_keyreq kr = {.algo = KILN_KEY_ECDSA, .size = 256};
	struct kiln_keyreq bad = {.algo = KILN_KEY_ECDSA, .size = 255};
	struct kiln_cert cert;
	struct kiln_err e;

	kiln_key_init(&key);
	CONTRACT((kiln_key_free(&key), kiln_key_init(&key)), 0,
	    kiln_key_generate(&key, &kr, &rng, E));
	CONTRACT((kiln_key_free(&key), kiln_key_init(&key)), -1,
	    kiln_key_generate(&key, &bad, &rng, E));
	read_data("verify/peer-key.pem");
	CONTRACT((kiln_key_free(&key), kiln_key_init(&key)), 0,
	    kiln_key_parse(&key, data.p, data.len, &rng, E));
	CONTRACT((kiln_key_free(&key), kiln_key_init(&key)), -1,
	    kiln_key_parse(&key, (const unsigned char *)"x", 1, &rng, E));
	read_data("keys/p256-encrypted.pem");
	CONTRACT((kiln_key_free(&key), kiln_key_init(&key)), -1,
	    kiln_key_parse_password(&key, data.p, data.len, "wrong", &rng, E));
	/* The reason is read from the call's own error, NULL allowed. */
	cr_assert_eq(kiln_key_password_problem(NULL), 0);
	kiln_err_clear(&e);
	kiln_key_parse_password(&key, data.p, data.len, NULL, &rng, &e);
	cr_assert_eq(kiln_key_password_problem(&e), KILN_KEY_NO_PASSWORD);
	kiln_key_free(&key);
	kiln_key_init(&key);
	read_data("verify/peer-key.pem");
	CONTRACT((kiln_key_free(&key), kiln_key_init(&key)), 0,
	    kiln_key_parse_password(&key, data.p, data.len, NULL, &rng, E));
	cr_assert_eq(kiln_key_parse(&key, data.p, data.len, &rng, &fresh), 0);
	CONTRACT(kiln_buf_free(&out), 0, kiln_key_write_pem(&key, &out, E));
	CONTRACT(out.len = 0, 0, kiln_key_write_spki(&key, &out, E));
	kiln_cert_init(&cert);
	read_data("verify/peer.pem");
	cr_assert_eq(kiln_cert_parse(&cert, data.p, data.len, &fresh), 0);
	CONTRACT((void)0, 0, kiln_key_check_pair(&cert.crt.pk, &key, E));
	kiln_key_init(&other);
	read_data("verify/server-key.pem");
	cr_assert_eq(kiln_key_parse(&other, data.p, data.len, &rng, &fresh), 0);
	CONTRACT((void)0, -1, kiln_key_check_pair(&cert.crt.pk, &other, E));
	kiln_key_free(&other);
	kiln_cert_free(&cert);
	kiln_key_free(&key);
}

Test(errcontract_x509, certs_and_ca)
{
	struct kiln_cert cert;
	struct kiln_key key;
	struct kiln_buf kb;

	kiln_cert_init(&cert);
	kiln_key_init(&key);
	kiln_buf_init(&kb);
	read_data("crl/ec-ca.pem");
	CONTRACT((kiln_cert_free(&cert), kiln_cert_init(&cert)), 0,
	    kiln_cert_parse(&cert, data.p, data.len, E));
	CONTRACT((kiln_cert_free(&cert), kiln_cert_init(&cert)), -1,
	    kiln_cert_parse(&cert, (const unsigned char *)"x", 1, E));
	read_into(&kb, "crl/ec-ca-key.pem");
	CONTRACT((kiln_cert_free(&cert), kiln_cert_init(&cert),
	             kiln_key_free(&key), kiln_key_init(&key)),
	    0,
	    kiln_ca_load(&cert, &key, &data, "ca.pem", &kb, "ca-key.pem", NULL,
	        &rng, E));
	/* A certificate or a key that does not parse, named by its file. */
	CONTRACT((kiln_cert_free(&cert), kiln_cert_init(&cert),
	             kiln_key_free(&key), kiln_key_init(&key)),
	    -1,
	    kiln_ca_load(
	        &cert, &key, &kb, "ca.pem", &kb, "ca-key.pem", NULL, &rng, E));
	CONTRACT((kiln_cert_free(&cert), kiln_cert_init(&cert),
	             kiln_key_free(&key), kiln_key_init(&key)),
	    -1,
	    kiln_ca_load(&cert, &key, &data, "ca.pem", &data, "ca-key.pem",
	        NULL, &rng, E));
	/* Not its key: refused. */
	read_into(&kb, "verify/peer-key.pem");
	CONTRACT((kiln_cert_free(&cert), kiln_cert_init(&cert),
	             kiln_key_free(&key), kiln_key_init(&key)),
	    -1,
	    kiln_ca_load(&cert, &key, &data, "ca.pem", &kb, "ca-key.pem", NULL,
	        &rng, E));
	kiln_buf_free(&kb);
	kiln_key_free(&key);
	kiln_cert_free(&cert);
}

Test(errcontract_x509, names_and_csrs)
{
	struct kiln_request req;
	struct kiln_key key;
	struct kiln_sans sans;
	struct kiln_buf subject;
	static const char rj[] = "{\"CN\": \"a\", \"names\": [{\"O\": \"o\"}]}";

	kiln_request_init(&req);
	kiln_key_init(&key);
	kiln_sans_init(&sans);
	kiln_buf_init(&subject);
	cr_assert_eq(kiln_request_parse(&req, rj, strlen(rj), &fresh), 0);
	CONTRACT(subject.len = 0, 0, kiln_name_from_request(&subject, &req, E));
	read_data("verify/peer-key.pem");
	cr_assert_eq(kiln_key_parse(&key, data.p, data.len, &rng, &fresh), 0);
	cr_assert_eq(kiln_sans_add(&sans, "a.example", &fresh), 0);
	CONTRACT(out.len = 0, 0,
	    kiln_csr_create(
	        &out, subject.p, subject.len, &key, &sans, NULL, &rng, E));
	/* No key to sign with. */
	kiln_key_free(&key);
	kiln_key_init(&key);
	CONTRACT(out.len = 0, -1,
	    kiln_csr_create(
	        &out, subject.p, subject.len, &key, &sans, NULL, &rng, E));
	kiln_request_free(&req);
	kiln_request_init(&req);
	req.cn = strdup("\xff");
	CONTRACT(
	    subject.len = 0, -1, kiln_name_from_request(&subject, &req, E));
	kiln_buf_free(&subject);
	kiln_sans_free(&sans);
	kiln_key_free(&key);
	kiln_request_free(&req);
}

Test(errcontract_x509, crls)
{
	struct kiln_serials s;
	struct kiln_cert ca;
	struct kiln_key key;
	struct kiln_buf kb;
	struct kiln_crl_req req;

	kiln_serials_init(&s);
	CONTRACT((kiln_serials_free(&s), kiln_serials_init(&s)), 0,
	    kiln_serials_parse(&s, "12\n34\n", 6, "serials.txt", E));
	CONTRACT((kiln_serials_free(&s), kiln_serials_init(&s)), -1,
	    kiln_serials_parse(&s, "12x\n", 4, "serials.txt", E));
	cr_assert_eq(kiln_serials_parse(&s, "12\n", 3, "s", &fresh), 0);
	kiln_cert_init(&ca);
	kiln_key_init(&key);
	kiln_buf_init(&kb);
	read_data("crl/ec-ca.pem");
	read_into(&kb, "crl/ec-ca-key.pem");
	cr_assert_eq(kiln_ca_load(&ca, &key, &data, "ca.pem", &kb, "ca-key.pem",
	                 NULL, &rng, &fresh),
	    0, "%s", fresh.msg);
	memset(&req, 0, sizeof(req));
	req.serials = s.v;
	req.n_serials = s.n;
	req.this_update = NOW;
	req.next_update = NOW + 86400;
	CONTRACT(
	    out.len = 0, 0, kiln_crl_create(&out, &req, &ca, &key, &rng, E));
	req.next_update = NOW - 86400;
	CONTRACT(
	    out.len = 0, -1, kiln_crl_create(&out, &req, &ca, &key, &rng, E));
	kiln_buf_free(&kb);
	kiln_key_free(&key);
	kiln_cert_free(&ca);
	kiln_serials_free(&s);
}
