/*
 * Keys, CSRs and certificates end to end, checked on the parsed result
 * and on the exact DER where cfssl's encoding matters.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <mbedtls/asn1.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/x509_csr.h>

#include "core/compat.h"
#include "asn1/der.h"
#include "kiln/cert.h"
#include "kiln/config.h"
#include "kiln/csr.h"
#include "kiln/duration.h"
#include "kiln/issue.h"
#include "kiln/key.h"
#include "kiln/name.h"
#include "kiln/pem.h"

static struct kiln_rng rng;
static struct kiln_err err;

static void
setup(void)
{
	kiln_rng_init(&rng);
	kiln_err_clear(&err);
	cr_assert_eq(kiln_rng_seed(&rng, "test_issue", &err), 0);
}

static void
teardown(void)
{
	kiln_rng_free(&rng);
}

TestSuite(issue, .init = setup, .fini = teardown, .timeout = 120);

/* A key, its subject and SPKI, and a CA made from them. */
struct party {
	struct kiln_request req;
	struct kiln_key key;
	struct kiln_sans sans;
	struct kiln_buf subject, spki, der;
	struct kiln_cert cert;
};

static void
party_init(struct party *p, const char *json)
{
	size_t i;

	kiln_request_init(&p->req);
	kiln_key_init(&p->key);
	kiln_sans_init(&p->sans);
	kiln_buf_init(&p->subject);
	kiln_buf_init(&p->spki);
	kiln_buf_init(&p->der);
	kiln_cert_init(&p->cert);
	cr_assert_eq(kiln_request_parse(&p->req, json, strlen(json), &err), 0,
	    "%s", err.msg);
	for (i = 0; i < p->req.n_hosts; i++)
		cr_assert_eq(kiln_sans_add(&p->sans, p->req.hosts[i], &err), 0);
	cr_assert_eq(kiln_key_generate(&p->key, &p->req.key, &rng, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(kiln_name_from_request(&p->subject, &p->req, &err), 0);
	cr_assert_eq(kiln_key_write_spki(&p->key, &p->spki, &err), 0);
}

static void
party_free(struct party *p)
{
	kiln_request_free(&p->req);
	kiln_key_free(&p->key);
	kiln_sans_free(&p->sans);
	kiln_buf_free(&p->subject);
	kiln_buf_free(&p->spki);
	kiln_buf_free(&p->der);
	kiln_cert_free(&p->cert);
}

static struct kiln_certreq
certreq(const struct party *p)
{
	struct kiln_certreq cr;

	memset(&cr, 0, sizeof(cr));
	cr.subject = p->subject.p;
	cr.subject_len = p->subject.len;
	cr.spki = p->spki.p;
	cr.spki_len = p->spki.len;
	cr.cn = p->req.cn;
	cr.sans = &p->sans;
	return cr;
}

/* Issue "p" under "profile" by "ca" (NULL: self-signed), parse it back. */
static int
issue(struct party *p, const struct kiln_profile *profile, struct party *ca,
    time_t now)
{
	struct kiln_certreq cr = certreq(p);

	if (kiln_issue(&p->der, &cr, profile, ca != NULL ? &ca->cert : NULL,
	        ca != NULL ? &ca->key : &p->key, &rng, now, &err) == -1)
		return -1;
	cr_assert_eq(kiln_cert_parse(&p->cert, p->der.p, p->der.len, &err), 0,
	    "%s", err.msg);
	return 0;
}

static void
make_ca(struct party *ca, const char *json, time_t now)
{
	struct kiln_profile prof;

	party_init(ca, json);
	kiln_issue_ca_profile(&prof, &ca->req.ca, NULL);
	cr_assert_eq(issue(ca, &prof, NULL, now), 0, "%s", err.msg);
}

/* 2026-11-24T07:52:20Z */
#define NOW ((time_t)1795506740)

Test(issue, ca_has_cfssl_initca_fields)
{
	struct party ca;
	const mbedtls_x509_crt *c;

	make_ca(&ca, "{\"CN\":\"etcd CA\",\"names\":[{\"C\":\"CN\"}]}", NOW);
	c = &ca.cert.crt;
	cr_assert_eq(c->version, 3);
	cr_assert_eq(c->serial.len, 20);
	cr_assert_lt(c->serial.p[0], 0x80);
	cr_assert_neq(c->serial.p[0], 0);
	cr_assert_eq(c->subject_raw.len, c->issuer_raw.len);
	cr_assert(
	    memcmp(c->subject_raw.p, c->issuer_raw.p, c->subject_raw.len) == 0);
	/* notBefore: 07:52:20 rounds to 07:52, minus 5 minutes */
	cr_assert_eq(c->valid_from.hour, 7);
	cr_assert_eq(c->valid_from.min, 47);
	cr_assert_eq(c->valid_from.sec, 0);
	/* 43800h = 1825 days later: 2031-11-23 */
	cr_assert_eq(c->valid_to.year, 2031);
	cr_assert_eq(c->valid_to.mon, 11);
	cr_assert_eq(c->valid_to.day, 23);
	cr_assert_eq(c->valid_to.min, 47);
	cr_assert_eq(kiln_crt_key_usage(c),
	    MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN);
	cr_assert_eq(c->ext_key_usage.buf.p, NULL);
	cr_assert(ca.cert.ski_len == 20);
	cr_assert_eq(MBEDTLS_OID_CMP(MBEDTLS_OID_ECDSA_SHA256, &c->sig_oid), 0);
	party_free(&ca);
}

Test(issue, ca_has_no_aki_and_no_null_in_ecdsa_algorithm)
{
	static const unsigned char algid[] = "\x30\x0a\x06\x08\x2a\x86\x48"
	                                     "\xce\x3d\x04\x03\x02";
	struct party ca;
	const mbedtls_x509_buf *ext;
	const unsigned char *v;
	size_t n;

	make_ca(&ca, "{\"CN\":\"c\"}", NOW);
	ext = &ca.cert.crt.v3_ext;
	cr_assert_eq(der_find_extension(ext->p, ext->len,
	                 MBEDTLS_OID_AUTHORITY_KEY_IDENTIFIER, 3, &v, &n, NULL),
	    0);
	/* the outer signatureAlgorithm follows the TBS: no 05 00 */
	cr_assert(memcmp(ca.cert.crt.tbs.p + ca.cert.crt.tbs.len, algid,
	              sizeof(algid) - 1) == 0);
	party_free(&ca);
}

Test(issue, ski_is_sha1_of_the_public_key_bits)
{
	struct party ca;
	const unsigned char *bits;
	unsigned char sha[20];
	size_t n;

	make_ca(&ca, "{\"CN\":\"c\"}", NOW);
	cr_assert_eq(der_spki_key_bits(ca.spki.p, ca.spki.len, &bits, &n), 0);
	cr_assert_eq(mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA1),
	                 bits, n, sha),
	    0);
	cr_assert_eq(ca.cert.ski_len, 20);
	cr_assert(memcmp(ca.cert.ski, sha, 20) == 0);
	party_free(&ca);
}

Test(issue, leaf_matches_the_guide_profile)
{
	static const char *ext_order[] = {MBEDTLS_OID_KEY_USAGE,
	    MBEDTLS_OID_EXTENDED_KEY_USAGE, MBEDTLS_OID_BASIC_CONSTRAINTS,
	    MBEDTLS_OID_SUBJECT_KEY_IDENTIFIER,
	    MBEDTLS_OID_AUTHORITY_KEY_IDENTIFIER, MBEDTLS_OID_SUBJECT_ALT_NAME};
	struct kiln_config cfg;
	const struct kiln_profile *prof;
	struct party ca, leaf;
	const mbedtls_x509_crt *c;
	const unsigned char *v;
	unsigned char *p, *end;
	size_t n, i;
	int crit;

	kiln_config_init(&cfg);
	prof = kiln_config_profile(&cfg, NULL, &err);
	make_ca(&ca, "{\"CN\":\"ca\"}", NOW);
	party_init(&leaf, "{\"CN\":\"etcd\",\"hosts\":[\"192.168.66.31\","
	                  "\"192.168.66.41\",\"192.168.66.42\"]}");
	cr_assert_eq(issue(&leaf, prof, &ca, NOW), 0, "%s", err.msg);
	c = &leaf.cert.crt;
	/* issuer copied byte for byte */
	cr_assert_eq(c->issuer_raw.len, ca.cert.crt.subject_raw.len);
	cr_assert(memcmp(c->issuer_raw.p, ca.cert.crt.subject_raw.p,
	              c->issuer_raw.len) == 0);
	cr_assert_eq(
	    kiln_crt_key_usage(c), MBEDTLS_X509_KU_DIGITAL_SIGNATURE |
	                               MBEDTLS_X509_KU_KEY_ENCIPHERMENT);
	cr_assert_eq(kiln_crt_is_ca(c), 0);
	/* extensions in cfssl's order, with its criticality */
	p = c->v3_ext.p;
	end = p + c->v3_ext.len;
	cr_assert_eq(mbedtls_asn1_get_tag(&p, end, &n, 0x30), 0);
	for (i = 0; i < sizeof(ext_order) / sizeof(ext_order[0]); i++) {
		unsigned char *e = p;
		cr_assert_eq(mbedtls_asn1_get_tag(&p, end, &n, 0x30), 0);
		cr_assert(
		    memcmp(p + 2, ext_order[i], strlen(ext_order[i])) == 0,
		    "extension %zu out of order", i);
		p += n;
		(void)e;
	}
	cr_assert_eq(p, end);
	cr_assert_eq(der_find_extension(c->v3_ext.p, c->v3_ext.len,
	                 MBEDTLS_OID_BASIC_CONSTRAINTS, 3, &v, &n, &crit),
	    1);
	cr_assert_eq(crit, 1);
	cr_assert(n == 2 && memcmp(v, "\x30\x00", 2) == 0);
	cr_assert_eq(der_find_extension(c->v3_ext.p, c->v3_ext.len,
	                 MBEDTLS_OID_KEY_USAGE, 3, &v, &n, &crit),
	    1);
	cr_assert_eq(crit, 1);
	cr_assert(n == 4 && memcmp(v, "\x03\x02\x05\xa0", 4) == 0);
	cr_assert_eq(der_find_extension(c->v3_ext.p, c->v3_ext.len,
	                 MBEDTLS_OID_AUTHORITY_KEY_IDENTIFIER, 3, &v, &n, NULL),
	    1);
	cr_assert_eq(n, 24);
	cr_assert(memcmp(v + 4, ca.cert.ski, 20) == 0);
	/* 8760h after notBefore */
	cr_assert_eq(c->valid_to.year, 2027);
	cr_assert_eq(c->valid_to.min, 47);
	party_free(&leaf);
	party_free(&ca);
	kiln_config_free(&cfg);
}

Test(issue, ca_profile_keeps_only_ip_sans)
{
	struct party ca;
	const unsigned char *v;
	size_t n;

	party_init(&ca, "{\"CN\":\"c\",\"hosts\":[\"ca.example\",\"10.0.0.1\","
	                "\"a@b.c\"]}");
	{
		struct kiln_profile prof;
		kiln_issue_ca_profile(&prof, &ca.req.ca, NULL);
		cr_assert_eq(issue(&ca, &prof, NULL, NOW), 0);
	}
	cr_assert_eq(
	    der_find_extension(ca.cert.crt.v3_ext.p, ca.cert.crt.v3_ext.len,
	        MBEDTLS_OID_SUBJECT_ALT_NAME, 3, &v, &n, NULL),
	    1);
	cr_assert(
	    n == 8 && memcmp(v, "\x30\x06\x87\x04\x0a\x00\x00\x01", 8) == 0);
	party_free(&ca);
}

Test(issue, empty_subject_makes_the_san_critical)
{
	struct kiln_config cfg;
	struct party ca, leaf;
	const unsigned char *v;
	size_t n;
	int crit = 0;

	kiln_config_init(&cfg);
	make_ca(&ca, "{\"CN\":\"c\"}", NOW);
	party_init(&leaf, "{\"hosts\":[\"x.example\"]}");
	cr_assert_eq(issue(&leaf, &cfg.def, &ca, NOW), 0, "%s", err.msg);
	cr_assert_eq(
	    der_find_extension(leaf.cert.crt.v3_ext.p, leaf.cert.crt.v3_ext.len,
	        MBEDTLS_OID_SUBJECT_ALT_NAME, 3, &v, &n, &crit),
	    1);
	cr_assert_eq(crit, 1);
	party_free(&leaf);
	party_free(&ca);
	kiln_config_free(&cfg);
}

Test(issue, wrong_ca_key_is_refused)
{
	struct kiln_config cfg;
	struct party ca, other, leaf;
	struct kiln_certreq cr;
	struct kiln_buf out;

	kiln_config_init(&cfg);
	kiln_buf_init(&out);
	make_ca(&ca, "{\"CN\":\"c\"}", NOW);
	party_init(&other, "{\"CN\":\"o\"}");
	party_init(&leaf, "{\"CN\":\"l\"}");
	cr = certreq(&leaf);
	cr_assert_eq(kiln_issue(&out, &cr, &cfg.def, &ca.cert, &other.key, &rng,
	                 NOW, &err),
	    -1);
	cr_assert_eq(err.code, KILN_EINVAL);
	cr_assert_str_eq(err.msg, "CA key does not match the CA certificate");
	cr_assert_eq(out.len, 0);
	kiln_buf_free(&out);
	party_free(&leaf);
	party_free(&other);
	party_free(&ca);
	kiln_config_free(&cfg);
}

Test(issue, leaf_cannot_sign)
{
	struct kiln_config cfg;
	struct party ca, leaf, leaf2;

	kiln_config_init(&cfg);
	make_ca(&ca, "{\"CN\":\"c\"}", NOW);
	party_init(&leaf, "{\"CN\":\"l\"}");
	party_init(&leaf2, "{\"CN\":\"m\"}");
	cr_assert_eq(issue(&leaf, &cfg.def, &ca, NOW), 0);
	cr_assert_eq(issue(&leaf2, &cfg.def, &leaf, NOW), -1);
	cr_assert_eq(err.code, KILN_EPOLICY);
	cr_assert_str_eq(
	    err.msg, "CA certificate: not a CA (basicConstraints CA:FALSE)");
	party_free(&leaf2);
	party_free(&leaf);
	party_free(&ca);
	kiln_config_free(&cfg);
}

Test(issue, pathlen_zero_ca_cannot_issue_a_ca)
{
	struct kiln_config cfg;
	struct party ca, sub;

	kiln_config_init(&cfg);
	make_ca(&ca,
	    "{\"CN\":\"c\",\"ca\":{\"pathlen\":0,\"pathlenzero\":true}}", NOW);
	party_init(&sub, "{\"CN\":\"s\"}");
	cfg.def.is_ca = 1;
	cr_assert_eq(issue(&sub, &cfg.def, &ca, NOW), -1);
	cr_assert_eq(err.code, KILN_EPOLICY);
	cr_assert_str_eq(err.msg,
	    "CA certificate: pathlen 0 forbids issuing a CA certificate");
	cfg.def.is_ca = 0;
	party_free(&sub);
	party_free(&ca);
	kiln_config_free(&cfg);
}

Test(issue, profile_without_usages_is_refused)
{
	struct kiln_profile prof;
	struct party ca;
	struct kiln_certreq cr;
	struct kiln_buf out;

	kiln_buf_init(&out);
	party_init(&ca, "{\"CN\":\"c\"}");
	kiln_issue_ca_profile(&prof, &ca.req.ca, NULL);
	prof.ku = 0;
	cr = certreq(&ca);
	cr_assert_eq(
	    kiln_issue(&out, &cr, &prof, NULL, &ca.key, &rng, NOW, &err), -1);
	cr_assert_eq(err.code, KILN_EPOLICY);
	cr_assert_str_eq(err.msg, "the profile has no usages");
	kiln_buf_free(&out);
	party_free(&ca);
}

Test(issue, rsa_ca_signs_with_sha256_and_a_null_parameter)
{
	struct party ca;

	make_ca(&ca, "{\"CN\":\"r\",\"key\":{\"algo\":\"rsa\",\"size\":2048}}",
	    NOW);
	cr_assert_eq(
	    MBEDTLS_OID_CMP(MBEDTLS_OID_PKCS1_SHA256, &ca.cert.crt.sig_oid), 0);
	cr_assert(memcmp(ca.cert.crt.tbs.p + ca.cert.crt.tbs.len + 13,
	              "\x05\x00", 2) == 0);
	party_free(&ca);
}

Test(issue, p384_signs_with_sha384)
{
	struct party ca;

	make_ca(&ca, "{\"CN\":\"c\",\"key\":{\"size\":384}}", NOW);
	cr_assert_eq(
	    MBEDTLS_OID_CMP(MBEDTLS_OID_ECDSA_SHA384, &ca.cert.crt.sig_oid), 0);
	party_free(&ca);
}

Test(issue, validity_uses_a_fixed_not_before)
{
	struct kiln_config cfg;
	struct party ca, leaf;

	kiln_config_init(&cfg);
	make_ca(&ca, "{\"CN\":\"c\"}", NOW);
	party_init(&leaf, "{\"CN\":\"l\"}");
	cfg.def.has_not_before = 1;
	cfg.def.not_before = NOW + 3600;
	cfg.def.expiry = KILN_NS_HOUR;
	cr_assert_eq(issue(&leaf, &cfg.def, &ca, NOW), 0, "%s", err.msg);
	cr_assert_eq(leaf.cert.crt.valid_from.hour, 8);
	cr_assert_eq(leaf.cert.crt.valid_from.sec, 20);
	cr_assert_eq(leaf.cert.crt.valid_to.hour, 9);
	party_free(&leaf);
	party_free(&ca);
	kiln_config_free(&cfg);
}

/*
 * The CertificationRequestInfo of CSR "der" and the subject Name in it,
 * each a whole element.  Read with the ASN.1 parser: mbedTLS 3.x's CSR
 * parser refuses the critical basicConstraints of a CA's extension
 * request (FEATURE_UNAVAILABLE), which kiln writes as cfssl does.
 */
static void
csr_parts(const struct kiln_buf *der, mbedtls_asn1_buf *cri,
    mbedtls_asn1_buf *subject)
{
	const int seq = MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE;
	unsigned char *p = der->p, *end = der->p + der->len;
	size_t len;

	cr_assert_eq(mbedtls_asn1_get_tag(&p, end, &len, seq), 0);
	cri->p = p;
	cr_assert_eq(mbedtls_asn1_get_tag(&p, end, &len, seq), 0);
	end = p + len;
	cri->len = (size_t)(end - cri->p);
	cr_assert_eq(
	    mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_INTEGER), 0);
	p += len; /* version */
	subject->p = p;
	cr_assert_eq(mbedtls_asn1_get_tag(&p, end, &len, seq), 0);
	subject->len = (size_t)(p + len - subject->p);
}

Test(issue, csr_carries_subject_sans_and_ca_constraints)
{
	struct party p;
	struct kiln_buf csr;
	mbedtls_asn1_buf cri, subject;
	const unsigned char *cri_end;

	kiln_buf_init(&csr);
	party_init(&p, "{\"CN\":\"c\",\"hosts\":[\"h.example\"],"
	               "\"ca\":{\"pathlen\":1}}");
	cr_assert_eq(kiln_csr_create(&csr, p.subject.p, p.subject.len, &p.key,
	                 &p.sans, &p.req.ca, &rng, &err),
	    0, "%s", err.msg);
	csr_parts(&csr, &cri, &subject);
	cr_assert_eq(subject.len, p.subject.len);
	cr_assert(memcmp(subject.p, p.subject.p, p.subject.len) == 0);
	/* the extension request: SAN then critical BC with pathlen 1 */
	cri_end = cri.p + cri.len;
	cr_assert(memcmp(cri_end - 42,
	              "\x30\x14\x06\x03\x55\x1d\x11\x04\x0d"
	              "\x30\x0b\x82\x09h.example",
	              22) == 0);
	cr_assert(memcmp(cri_end - 20,
	              "\x30\x12\x06\x03\x55\x1d\x13\x01\x01"
	              "\xff\x04\x08\x30\x06\x01\x01\xff\x02"
	              "\x01\x01",
	              20) == 0);
	kiln_buf_free(&csr);
	party_free(&p);
}

Test(issue, csr_without_extensions_has_empty_attributes)
{
	struct party p;
	struct kiln_buf csr;
	mbedtls_x509_csr parsed;

	kiln_buf_init(&csr);
	mbedtls_x509_csr_init(&parsed);
	party_init(&p, "{\"CN\":\"c\"}");
	cr_assert_eq(kiln_csr_create(&csr, p.subject.p, p.subject.len, &p.key,
	                 &p.sans, NULL, &rng, &err),
	    0);
	cr_assert_eq(mbedtls_x509_csr_parse_der(&parsed, csr.p, csr.len), 0);
	cr_assert(
	    memcmp(parsed.cri.p + parsed.cri.len - 2, "\xa0\x00", 2) == 0);
	mbedtls_x509_csr_free(&parsed);
	kiln_buf_free(&csr);
	party_free(&p);
}

/* Parse a ca-config.json text into "cfg" and return profile "name". */
static const struct kiln_profile *
profile_of(struct kiln_config *cfg, const char *json, const char *name)
{
	const struct kiln_profile *p;

	kiln_config_init(cfg);
	cr_assert_eq(
	    kiln_config_parse(cfg, json, strlen(json), &err), 0, "%s", err.msg);
	p = kiln_config_profile(cfg, name, &err);
	cr_assert_not_null(p, "%s", err.msg);
	return p;
}

Test(issue, profile_urls_and_ocsp_no_check_become_extensions)
{
	static const char cfgjson[] =
	    "{\"signing\":{\"default\":{\"expiry\":\"1h\"},\"profiles\":{\"p\":"
	    "{"
	    "\"expiry\":\"1h\",\"usages\":[\"server auth\"],"
	    "\"ocsp_url\":\"http://o\",\"issuer_urls\":[\"http://i\"],"
	    "\"crl_url\":\"http://c/x\",\"ocsp_no_check\":true}}}}";
	struct kiln_config cfg;
	const struct kiln_profile *prof = profile_of(&cfg, cfgjson, "p");
	struct party ca, leaf;
	const mbedtls_x509_buf *ext;
	const unsigned char *v;
	size_t n;

	make_ca(&ca, "{\"CN\":\"c\"}", NOW);
	party_init(&leaf, "{\"CN\":\"l\"}");
	cr_assert_eq(issue(&leaf, prof, &ca, NOW), 0, "%s", err.msg);
	ext = &leaf.cert.crt.v3_ext;
	/* no keyUsage: the profile has only an extKeyUsage */
	cr_assert_eq(der_find_extension(ext->p, ext->len, MBEDTLS_OID_KEY_USAGE,
	                 3, &v, &n, NULL),
	    0);
	cr_assert_eq(der_find_extension(ext->p, ext->len,
	                 MBEDTLS_OID_PKIX "\x01\x01", 8, &v, &n, NULL),
	    1);
	cr_assert(n == 46 && memcmp(v + 4,
	                         "\x06\x08\x2b\x06\x01\x05\x05\x07"
	                         "\x30\x01\x86\x08http://o",
	                         20) == 0);
	cr_assert_eq(der_find_extension(ext->p, ext->len,
	                 MBEDTLS_OID_CRL_DISTRIBUTION_POINTS, 3, &v, &n, NULL),
	    1);
	cr_assert(n == 20 && memcmp(v + 8, "\x86\x0ahttp://c/x", 12) == 0);
	cr_assert_eq(der_find_extension(ext->p, ext->len,
	                 MBEDTLS_OID_PKIX "\x30\x01\x05", 9, &v, &n, NULL),
	    1);
	cr_assert(n == 2 && memcmp(v, "\x05\x00", 2) == 0);
	party_free(&leaf);
	party_free(&ca);
	kiln_config_free(&cfg);
}

Test(issue, name_whitelist_refuses_other_names)
{
	static const char cfgjson[] =
	    "{\"signing\":{\"default\":{\"expiry\":\"1h\","
	    "\"usages\":[\"server auth\"],"
	    "\"name_whitelist\":\"^[a-z0-9-]+\\\\.example\\\\.com$\"}}}";
	struct kiln_config cfg;
	const struct kiln_profile *prof = profile_of(&cfg, cfgjson, NULL);
	struct party ca, ok, bad_host, bad_cn;

	make_ca(&ca, "{\"CN\":\"c\"}", NOW);
	party_init(&ok, "{\"CN\":\"a.example.com\",\"hosts\":["
	                "\"b.example.com\",\"10.0.0.1\"]}");
	cr_assert_eq(issue(&ok, prof, &ca, NOW), 0, "%s", err.msg);
	party_init(&bad_host, "{\"CN\":\"a.example.com\",\"hosts\":["
	                      "\"evil.example.org\"]}");
	cr_assert_eq(issue(&bad_host, prof, &ca, NOW), -1);
	cr_assert_eq(err.code, KILN_EPOLICY);
	cr_assert_str_eq(err.msg, "host \"evil.example.org\" does not match "
	                          "the profile's name_whitelist");
	kiln_err_clear(&err);
	party_init(&bad_cn, "{\"CN\":\"root\"}");
	cr_assert_eq(issue(&bad_cn, prof, &ca, NOW), -1);
	cr_assert_str_eq(
	    err.msg, "CN \"root\" does not match the profile's name_whitelist");
	party_free(&bad_cn);
	party_free(&bad_host);
	party_free(&ok);
	party_free(&ca);
	kiln_config_free(&cfg);
}

/*
 * A validity computed from an expiry that ends at or before now is
 * refused (issue 14): notBefore is now rounded to the minute less the 5
 * minute backdate, so 90s, and here 5m10s (now is 20 s past the minute),
 * end in the past.  5m30s ends 10 s after now and is made.
 */
Test(issue, expired_when_made_is_refused)
{
	struct kiln_config cfg;
	struct party ca, leaf;

	kiln_config_init(&cfg);
	make_ca(&ca, "{\"CN\":\"c\"}", NOW);
	party_init(&leaf, "{\"CN\":\"l\"}");
	cfg.def.expiry = 90 * KILN_NS_SECOND;
	cr_assert_eq(issue(&leaf, &cfg.def, &ca, NOW), -1);
	cr_assert_eq(err.code, KILN_EINVAL);
	cr_assert_str_eq(err.msg,
	    "expiry 1m30s is shorter than the 5m0s backdate: the certificate "
	    "would have expired when made");
	kiln_err_clear(&err);
	cfg.def.expiry = 5 * KILN_NS_MINUTE + 10 * KILN_NS_SECOND;
	cr_assert_eq(issue(&leaf, &cfg.def, &ca, NOW), -1);
	cr_assert_str_eq(err.msg,
	    "expiry 5m10s ends before now once backdated 5m0s (from now "
	    "rounded to the minute): the certificate would have expired when "
	    "made");
	kiln_err_clear(&err);
	cfg.def.expiry = 5 * KILN_NS_MINUTE + 30 * KILN_NS_SECOND;
	cr_assert_eq(issue(&leaf, &cfg.def, &ca, NOW), 0, "%s", err.msg);
	party_free(&leaf);
	party_free(&ca);
	kiln_config_free(&cfg);
}
