/*
 * kiln_serials_parse and kiln_crl_create, on the fixtures of
 * tests/data/crl (gen.sh there makes them).  The CRLs are read back with
 * mbedTLS's own CRL parser, and their signatures checked with the CA's
 * public key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>

#include "core/compat.h"
#include "asn1/der.h"
#include "kiln/cert.h"
#include "kiln/crl.h"
#include "kiln/file.h"
#include "kiln/key.h"
#include "kiln/rng.h"

#define DATA KILN_TEST_DATA "/crl/"

/* 2023-11-14T22:13:20Z and an hour later. */
#define THIS_UPDATE 1700000000LL
#define NEXT_UPDATE (THIS_UPDATE + 3600)

static struct kiln_serials serials;
static struct kiln_cert ca;
static struct kiln_key ca_key;
static struct kiln_rng rng;
static struct kiln_buf der;
static struct kiln_err err;
static mbedtls_x509_crl crl;
static mbedtls_x509_crt leaf;
/* make_crl's per-entry revocation dates; NULL: thisUpdate. */
static const long long *entry_dates;

static void
setup(void)
{
	kiln_serials_init(&serials);
	kiln_cert_init(&ca);
	kiln_key_init(&ca_key);
	kiln_rng_init(&rng);
	kiln_buf_init(&der);
	kiln_err_clear(&err);
	mbedtls_x509_crl_init(&crl);
	mbedtls_x509_crt_init(&leaf);
	entry_dates = NULL;
	cr_assert_eq(kiln_rng_seed(&rng, "test_crl", &err), 0, "%s", err.msg);
}

static void
teardown(void)
{
	kiln_serials_free(&serials);
	kiln_cert_free(&ca);
	kiln_key_free(&ca_key);
	kiln_rng_free(&rng);
	kiln_buf_free(&der);
	mbedtls_x509_crl_free(&crl);
	mbedtls_x509_crt_free(&leaf);
}

TestSuite(crl, .init = setup, .fini = teardown, .timeout = 30);

/*
 * tests/data/crl/<cert>.pem and <key>.pem as a signing CA.  Parsed one by
 * one: kiln_crl_create() needs no more than this.
 */
static void
load_ca(const char *cert, const char *key)
{
	struct kiln_buf c, k;
	char path[256];

	kiln_buf_init(&c);
	kiln_buf_init(&k);
	snprintf(path, sizeof(path), DATA "%s.pem", cert);
	cr_assert_eq(kiln_file_read(path, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(kiln_cert_parse(&ca, c.p, c.len, &err), 0, "%s", err.msg);
	snprintf(path, sizeof(path), DATA "%s.pem", key);
	cr_assert_eq(kiln_file_read(path, &k, &err), 0, "%s", err.msg);
	cr_assert_eq(
	    kiln_key_parse(&ca_key, k.p, k.len, &rng, &err), 0, "%s", err.msg);
	kiln_buf_free(&c);
	kiln_buf_free(&k);
}

static void
load_leaf(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), DATA "%s.pem", name);
	cr_assert_eq(mbedtls_x509_crt_parse_file(&leaf, path), 0);
}

static void
parse_serials(const char *text)
{
	cr_assert_eq(kiln_serials_parse(
	                 &serials, text, strlen(text), "serials.txt", &err),
	    0, "%s", err.msg);
}

/* Parse "text", which must fail with "msg", leaving "serials" as it was. */
static void
bad_serials(const char *text, size_t len, const char *msg)
{
	size_t n = serials.n;

	cr_assert_eq(
	    kiln_serials_parse(&serials, text, len, "serials.txt", &err), -1);
	cr_assert_eq(err.code, KILN_EINVAL);
	cr_assert_str_eq(err.msg, msg);
	cr_assert_eq(serials.n, n);
	kiln_err_clear(&err);
}

/* "n" bytes of "p" in hex into "out" (3 * n + 1 bytes). */
static char *
hex(char *out, const unsigned char *p, size_t n)
{
	size_t i;

	out[0] = '\0';
	for (i = 0; i < n; i++)
		sprintf(out + 3 * i, "%02x ", p[i]);
	return out;
}

static void
assert_bytes(const unsigned char *p, size_t n, const char *want, size_t wn)
{
	char got[3 * 64 + 1], exp[3 * 64 + 1];

	cr_assert_eq(n, wn, "length %zu, want %zu", n, wn);
	cr_assert_eq(memcmp(p, want, wn), 0, "got %s, want %s",
	    hex(got, p, n > 64 ? 64 : n),
	    hex(exp, (const unsigned char *)want, wn > 64 ? 64 : wn));
}

#define ASSERT_BYTES(p, n, lit) assert_bytes(p, n, lit, sizeof(lit) - 1)

/* Build a CRL of "serials" and parse it back into "crl". */
static void
make_crl(long long this_update, long long next_update,
    const unsigned char *number, size_t number_len)
{
	struct kiln_crl_req req;
	int ret;

	memset(&req, 0, sizeof(req));
	req.serials = serials.v;
	req.n_serials = serials.n;
	req.this_update = this_update;
	req.next_update = next_update;
	req.number = number;
	req.number_len = number_len;
	req.revoked_at = entry_dates;
	cr_assert_eq(kiln_crl_create(&der, &req, &ca, &ca_key, &rng, &err), 0,
	    "%s", err.msg);
	ret = mbedtls_x509_crl_parse_der(&crl, der.p, der.len);
	cr_assert_eq(
	    ret, 0, "mbedtls_x509_crl_parse_der: -0x%04x", (unsigned int)-ret);
}

/* The CRL's signature, checked with the CA certificate's public key. */
static int
signature_verifies(void)
{
	unsigned char hash[MBEDTLS_MD_MAX_SIZE];
	const mbedtls_md_info_t *md =
	    mbedtls_md_info_from_type(kiln_crl_sig_md(&crl));
	const mbedtls_x509_buf *sig = kiln_crl_sig(&crl);

	cr_assert_not_null(md);
	cr_assert_eq(mbedtls_md(md, crl.tbs.p, crl.tbs.len, hash), 0);
	return mbedtls_pk_verify(&ca.crt.pk, kiln_crl_sig_md(&crl), hash,
	           mbedtls_md_get_size(md), sig->p, sig->len) == 0;
}

static void
assert_time(
    const mbedtls_x509_time *t, int y, int mo, int d, int h, int mi, int s)
{
	cr_assert_eq(t->year, y);
	cr_assert_eq(t->mon, mo);
	cr_assert_eq(t->day, d);
	cr_assert_eq(t->hour, h);
	cr_assert_eq(t->min, mi);
	cr_assert_eq(t->sec, s);
}

/* The tag of thisUpdate, which follows the issuer in the TBS. */
static unsigned char
this_update_tag(void)
{
	return crl.issuer_raw.p[crl.issuer_raw.len];
}

/* The AlgorithmIdentifier after the TBS, whole. */
static const unsigned char *
outer_algid(void)
{
	return crl.tbs.p + crl.tbs.len;
}

Test(crl, parses_decimal_serials_one_per_line)
{
	parse_serials("5\n\n  7 \r\n\t0012\n"
	              "340282366920938463463374607431768211455\n128");
	cr_assert_eq(serials.n, 5);
	ASSERT_BYTES(serials.v[0].p, serials.v[0].len, "\x05");
	ASSERT_BYTES(serials.v[1].p, serials.v[1].len, "\x07");
	ASSERT_BYTES(serials.v[2].p, serials.v[2].len, "\x0c");
	/* 2^128 - 1 and 128: a 0x00 keeps the INTEGER positive. */
	ASSERT_BYTES(serials.v[3].p, serials.v[3].len,
	    "\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
	    "\xff");
	ASSERT_BYTES(serials.v[4].p, serials.v[4].len, "\x00\x80");
}

Test(crl, parses_twenty_octet_serials)
{
	/* A cfssl serial: 20 random octets, high bit clear. */
	parse_serials("628508888334089053387430021294613487498516468029\n");
	cr_assert_eq(serials.n, 1);
	ASSERT_BYTES(serials.v[0].p, serials.v[0].len,
	    "\x6e\x17\x50\x33\x32\x1f\x8e\x52\x24\x32\x26\x8b\x4a\x9b\x1d\x3f"
	    "\x0d\x2f\x91\x3d");
}

Test(crl, an_empty_serial_file_has_no_serials)
{
	parse_serials("");
	cr_assert_eq(serials.n, 0);
	parse_serials("\n \n\t\r\n");
	cr_assert_eq(serials.n, 0);
}

Test(crl, serial_files_append)
{
	parse_serials("1\n2\n");
	parse_serials("3");
	cr_assert_eq(serials.n, 3);
	ASSERT_BYTES(serials.v[2].p, serials.v[2].len, "\x03");
}

Test(crl, refuses_a_serial_that_is_not_decimal_naming_the_line)
{
	bad_serials("5\n7\n12x\n", 8,
	    "serials.txt: line 3: \"12x\" is not a decimal serial number");
	bad_serials("0x10", 4,
	    "serials.txt: line 1: \"0x10\" is not a decimal serial number");
	bad_serials("\n+5\n", 4,
	    "serials.txt: line 2: \"+5\" is not a decimal serial number");
	bad_serials("1 2", 3,
	    "serials.txt: line 1: \"1 2\" is not a decimal serial number");
	bad_serials("-", 1,
	    "serials.txt: line 1: \"-\" is not a decimal serial number");
	bad_serials("5\r\n5\x00", 5,
	    "serials.txt: line 2: \"5?\" is not a decimal serial number");
	bad_serials("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20", 50,
	    "serials.txt: line 1: "
	    "\"1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,1...\" "
	    "is not a decimal serial number");
}

/*
 * RFC 5280: no serial takes more than 20 octets.  2^159 - 1 is the
 * largest that fits with its sign; 2^159 needs a 0x00 first: 21.
 */
Test(crl, refuses_serials_longer_than_20_octets)
{
	parse_serials("730750818665451459101842416358141509827966271487\n");
	cr_assert_eq(serials.n, 1);
	cr_assert_eq(serials.v[0].len, 20);
	bad_serials("1\n730750818665451459101842416358141509827966271488\n",
	    52,
	    "serials.txt: line 2: \"7307508186654514591018424163581415098279...\" "
	    "is longer than 20 bytes, which no certificate's serial number "
	    "may be (RFC 5280)");
}

Test(crl, refuses_zero_and_negative_serials)
{
	bad_serials("1\n0\n", 4,
	    "serials.txt: line 2: \"0\" is not a positive serial number");
	bad_serials("000", 3,
	    "serials.txt: line 1: \"000\" is not a positive serial number");
	bad_serials("-5", 2,
	    "serials.txt: line 1: \"-5\" is not a positive serial number");
}

Test(crl, a_failed_parse_keeps_the_serials_before_it)
{
	parse_serials("1\n2\n");
	bad_serials("3\n4\nx\n", 6,
	    "serials.txt: line 3: \"x\" is not a decimal serial number");
	cr_assert_eq(serials.n, 2);
	ASSERT_BYTES(serials.v[1].p, serials.v[1].len, "\x02");
}

Test(crl, ecdsa_crl_reads_back_with_mbedtls)
{
	static const unsigned char number[] = {0x01, 0x02};
	char want_aki[64];
	const unsigned char *val;
	size_t vlen;
	int critical;

	load_ca("ec-ca", "ec-ca-key");
	parse_serials("5\n128\n340282366920938463463374607431768211455\n");
	make_crl(THIS_UPDATE, NEXT_UPDATE, number, sizeof(number));

	cr_assert_eq(crl.version, 2);
	cr_assert_eq(crl.issuer_raw.len, ca.crt.subject_raw.len);
	cr_assert_eq(
	    memcmp(crl.issuer_raw.p, ca.crt.subject_raw.p, crl.issuer_raw.len),
	    0);
	assert_time(&crl.this_update, 2023, 11, 14, 22, 13, 20);
	assert_time(&crl.next_update, 2023, 11, 14, 23, 13, 20);
	cr_assert_eq(this_update_tag(), DER_UTC_TIME);

	ASSERT_BYTES(crl.entry.serial.p, crl.entry.serial.len, "\x05");
	assert_time(&crl.entry.revocation_date, 2023, 11, 14, 22, 13, 20);
	cr_assert_not_null(crl.entry.next);
	ASSERT_BYTES(
	    crl.entry.next->serial.p, crl.entry.next->serial.len, "\x00\x80");
	cr_assert_not_null(crl.entry.next->next);
	cr_assert_eq(crl.entry.next->next->serial.len, 17);
	cr_assert_null(crl.entry.next->next->next);

	cr_assert_eq(kiln_crl_sig_pk(&crl), MBEDTLS_PK_ECDSA);
	cr_assert_eq(kiln_crl_sig_md(&crl), MBEDTLS_MD_SHA256);
	cr_assert(signature_verifies());
	/* ecdsa-with-SHA256 without a NULL parameter (RFC 5758). */
	ASSERT_BYTES(outer_algid(), 12,
	    "\x30\x0a\x06\x08\x2a\x86\x48\xce\x3d\x04\x03\x02");

	/* crl_ext: the Extensions SEQUENCE; AKI first, then cRLNumber. */
	cr_assert_gt(crl.crl_ext.len, 7);
	ASSERT_BYTES(crl.crl_ext.p + 4, 5, "\x06\x03\x55\x1d\x23");
	cr_assert_eq(der_find_extension(crl.crl_ext.p, crl.crl_ext.len,
	                 MBEDTLS_OID_AUTHORITY_KEY_IDENTIFIER, 3, &val, &vlen,
	                 &critical),
	    1);
	cr_assert_eq(critical, 0);
	cr_assert_eq(ca.ski_len, 20);
	memcpy(want_aki, "\x30\x16\x80\x14", 4);
	memcpy(want_aki + 4, ca.ski, ca.ski_len);
	assert_bytes(val, vlen, want_aki, 24);
	cr_assert_eq(der_find_extension(crl.crl_ext.p, crl.crl_ext.len,
	                 "\x55\x1d\x14", 3, &val, &vlen, &critical),
	    1);
	cr_assert_eq(critical, 0);
	ASSERT_BYTES(val, vlen, "\x02\x02\x01\x02");
}

Test(crl, revokes_the_listed_leaf)
{
	load_ca("ec-ca", "ec-ca-key");
	load_leaf("ec-leaf"); /* serial 5 */
	parse_serials("4\n5\n6\n");
	make_crl(THIS_UPDATE, NEXT_UPDATE, NULL, 0);
	cr_assert_eq(mbedtls_x509_crt_is_revoked(&leaf, &crl), 1);

	kiln_serials_free(&serials);
	kiln_buf_free(&der);
	parse_serials("4\n6\n50\n");
	make_crl(THIS_UPDATE, NEXT_UPDATE, NULL, 0);
	/* make_crl parsed into "crl" again: the second CRL is chained. */
	cr_assert_not_null(crl.next);
	cr_assert_eq(mbedtls_x509_crt_is_revoked(&leaf, crl.next), 0);
}

Test(crl, mbedtls_verify_sees_the_revocation)
{
	long long now = (long long)time(NULL);
	uint32_t flags = 0;

	load_ca("ec-ca", "ec-ca-key");
	load_leaf("ec-leaf");
	parse_serials("5\n");
	make_crl(now - 60, now + 3600, NULL, 0);
	cr_assert_neq(mbedtls_x509_crt_verify(
	                  &leaf, &ca.crt, &crl, NULL, &flags, NULL, NULL),
	    0);
	cr_assert_eq(flags, MBEDTLS_X509_BADCERT_REVOKED, "flags 0x%x", flags);
}

Test(crl, mbedtls_verify_passes_a_leaf_not_listed)
{
	long long now = (long long)time(NULL);
	uint32_t flags = 0;

	load_ca("ec-ca", "ec-ca-key");
	load_leaf("ec-leaf");
	parse_serials("6\n");
	make_crl(now - 60, now + 3600, NULL, 0);
	cr_assert_eq(mbedtls_x509_crt_verify(
	                 &leaf, &ca.crt, &crl, NULL, &flags, NULL, NULL),
	    0, "flags 0x%x", flags);
}

Test(crl, a_crl_signed_with_another_key_is_not_trusted)
{
	struct kiln_key other;
	struct kiln_buf text;
	struct kiln_crl_req req;
	long long now = (long long)time(NULL);
	uint32_t flags = 0;

	/* kiln_crl_create() trusts its caller to pass the CA's own key. */
	load_ca("ec-ca", "ec-ca-key");
	load_leaf("ec-leaf");
	kiln_key_init(&other);
	kiln_buf_init(&text);
	cr_assert_eq(kiln_file_read(DATA "leaf-key.pem", &text, &err), 0);
	cr_assert_eq(kiln_key_parse(&other, text.p, text.len, &rng, &err), 0,
	    "%s", err.msg);
	parse_serials("5\n");
	memset(&req, 0, sizeof(req));
	req.serials = serials.v;
	req.n_serials = serials.n;
	req.this_update = now - 60;
	req.next_update = now + 3600;
	cr_assert_eq(kiln_crl_create(&der, &req, &ca, &other, &rng, &err), 0);
	cr_assert_eq(mbedtls_x509_crl_parse_der(&crl, der.p, der.len), 0);
	cr_assert(!signature_verifies());
	mbedtls_x509_crt_verify(&leaf, &ca.crt, &crl, NULL, &flags, NULL, NULL);
	cr_assert(flags & MBEDTLS_X509_BADCRL_NOT_TRUSTED, "flags 0x%x", flags);
	kiln_key_free(&other);
	kiln_buf_free(&text);
}

Test(crl, rsa_crl_is_sha256_with_a_null_parameter, .timeout = 60)
{
	load_ca("rsa-ca", "rsa-ca-key");
	load_leaf("rsa-leaf"); /* serial 128 */
	parse_serials("128\n");
	make_crl(THIS_UPDATE, NEXT_UPDATE, NULL, 0);
	cr_assert_eq(crl.version, 2);
	cr_assert_eq(kiln_crl_sig_pk(&crl), MBEDTLS_PK_RSA);
	cr_assert_eq(kiln_crl_sig_md(&crl), MBEDTLS_MD_SHA256);
	ASSERT_BYTES(outer_algid(), 15,
	    "\x30\x0d\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b\x05\x00");
	cr_assert(signature_verifies());
	ASSERT_BYTES(crl.entry.serial.p, crl.entry.serial.len, "\x00\x80");
	cr_assert_eq(mbedtls_x509_crt_is_revoked(&leaf, &crl), 1);
	cr_assert_eq(crl.issuer_raw.len, ca.crt.subject_raw.len);
	cr_assert_eq(
	    memcmp(crl.issuer_raw.p, ca.crt.subject_raw.p, crl.issuer_raw.len),
	    0);
}

Test(crl, p384_ca_without_ski_signs_with_sha384_and_no_extensions)
{
	load_ca("p384-ca", "p384-ca-key");
	cr_assert_eq(ca.ski_len, 0);
	make_crl(THIS_UPDATE, NEXT_UPDATE, NULL, 0); /* no serials */
	cr_assert_eq(kiln_crl_sig_md(&crl), MBEDTLS_MD_SHA384);
	ASSERT_BYTES(outer_algid(), 12,
	    "\x30\x0a\x06\x08\x2a\x86\x48\xce\x3d\x04\x03\x03");
	cr_assert(signature_verifies());
	/* Neither revokedCertificates nor crlExtensions. */
	cr_assert_eq(crl.entry.serial.len, 0);
	cr_assert_null(crl.entry.next);
	cr_assert_eq(crl.crl_ext.len, 0);
	cr_assert_eq(crl.tbs.p + crl.tbs.len,
	    crl.issuer_raw.p + crl.issuer_raw.len + 2 * 15);
}

Test(crl, dates_from_2050_are_generalized_time)
{
	load_ca("ec-ca", "ec-ca-key");
	parse_serials("5\n");
	/* 2049-12-31T23:59:59Z, then 2050-01-01T00:00:00Z. */
	make_crl(2524607999LL, 2524608000LL, NULL, 0);
	cr_assert_eq(this_update_tag(), DER_UTC_TIME);
	cr_assert_eq(
	    crl.issuer_raw.p[crl.issuer_raw.len + 15], DER_GENERALIZED_TIME);
	assert_time(&crl.this_update, 2049, 12, 31, 23, 59, 59);
	assert_time(&crl.next_update, 2050, 1, 1, 0, 0, 0);
}

Test(crl, entries_dated_one_by_one)
{
	/* A day before thisUpdate, the epoch, and 2050 (GeneralizedTime). */
	static const long long dates[] = {
	    THIS_UPDATE - 86400, 0, 2524608000LL};
	const mbedtls_x509_crl_entry *e;

	load_ca("ec-ca", "ec-ca-key");
	parse_serials("5\n6\n7\n");
	entry_dates = dates;
	make_crl(THIS_UPDATE, NEXT_UPDATE, NULL, 0);
	assert_time(&crl.this_update, 2023, 11, 14, 22, 13, 20);
	e = &crl.entry;
	ASSERT_BYTES(e->serial.p, e->serial.len, "\x05");
	assert_time(&e->revocation_date, 2023, 11, 13, 22, 13, 20);
	cr_assert_not_null(e = e->next);
	ASSERT_BYTES(e->serial.p, e->serial.len, "\x06");
	assert_time(&e->revocation_date, 1970, 1, 1, 0, 0, 0);
	cr_assert_not_null(e = e->next);
	ASSERT_BYTES(e->serial.p, e->serial.len, "\x07");
	assert_time(&e->revocation_date, 2050, 1, 1, 0, 0, 0);
	cr_assert_null(e->next);
	cr_assert(signature_verifies());
}

Test(crl, no_entry_dates_is_thisupdate_byte_for_byte)
{
	static const long long dates[] = {THIS_UPDATE, THIS_UPDATE};
	unsigned char *tbs;
	size_t tbs_len;

	/* The same request with and without dates equal to thisUpdate. */
	load_ca("ec-ca", "ec-ca-key");
	parse_serials("5\n128\n");
	make_crl(THIS_UPDATE, NEXT_UPDATE, NULL, 0);
	tbs_len = crl.tbs.len;
	cr_assert_not_null(tbs = malloc(tbs_len));
	memcpy(tbs, crl.tbs.p, tbs_len);
	mbedtls_x509_crl_free(&crl);
	mbedtls_x509_crl_init(&crl);
	kiln_buf_free(&der);
	kiln_buf_init(&der);
	entry_dates = dates;
	make_crl(THIS_UPDATE, NEXT_UPDATE, NULL, 0);
	cr_assert_eq(crl.tbs.len, tbs_len);
	cr_assert_eq(memcmp(crl.tbs.p, tbs, tbs_len), 0);
	free(tbs);
}

Test(crl, refuses_entry_dates_outside_1970_to_9999)
{
	static const long long before[] = {5, -1}, after[] = {253402300800LL};
	struct kiln_crl_req req = {
	    NULL, 2, THIS_UPDATE, NEXT_UPDATE, NULL, 0, before};

	load_ca("ec-ca", "ec-ca-key");
	parse_serials("5\n6\n");
	req.serials = serials.v;
	cr_assert_eq(kiln_crl_create(&der, &req, &ca, &ca_key, &rng, &err), -1);
	cr_assert_eq(err.code, KILN_EINVAL);
	cr_assert_str_eq(
	    err.msg, "serial 2: revocation date must fall between 1970 and 9999");
	req.revoked_at = after;
	req.n_serials = 1;
	kiln_err_clear(&err);
	cr_assert_eq(kiln_crl_create(&der, &req, &ca, &ca_key, &rng, &err), -1);
	cr_assert_str_eq(
	    err.msg, "serial 1: revocation date must fall between 1970 and 9999");
	cr_assert_eq(der.len, 0);
}

Test(crl, refuses_next_update_before_this_update)
{
	struct kiln_crl_req req = {NULL, 0, NEXT_UPDATE, THIS_UPDATE, NULL, 0, NULL};

	load_ca("ec-ca", "ec-ca-key");
	cr_assert_eq(kiln_crl_create(&der, &req, &ca, &ca_key, &rng, &err), -1);
	cr_assert_eq(err.code, KILN_EINVAL);
	cr_assert_str_eq(err.msg, "nextUpdate comes before thisUpdate");
	cr_assert_eq(der.len, 0);
}

Test(crl, refuses_serials_that_are_not_positive_integers)
{
	static unsigned char neg[] = {0x80}, padded[] = {0x00, 0x05},
	                     zero[] = {0x00}, long21[21] = {0x01};
	struct kiln_serial bad[] = {
	    {neg, 1}, {padded, 2}, {zero, 1}, {long21, 21}};
	struct kiln_crl_req req = {NULL, 1, THIS_UPDATE, NEXT_UPDATE, NULL, 0, NULL};
	size_t i;

	load_ca("ec-ca", "ec-ca-key");
	for (i = 0; i < 4; i++) {
		req.serials = &bad[i];
		kiln_err_clear(&err);
		cr_assert_eq(
		    kiln_crl_create(&der, &req, &ca, &ca_key, &rng, &err), -1);
		cr_assert_str_eq(err.msg, "serial 1: not a positive DER "
		                          "INTEGER of at most 20 bytes");
	}
}

Test(crl, refuses_crl_numbers_longer_than_20_octets)
{
	unsigned char n[21];
	struct kiln_crl_req req = {NULL, 0, THIS_UPDATE, NEXT_UPDATE, n, 21, NULL};

	memset(n, 0x7f, sizeof(n));
	load_ca("ec-ca", "ec-ca-key");
	cr_assert_eq(kiln_crl_create(&der, &req, &ca, &ca_key, &rng, &err), -1);
	cr_assert_str_eq(err.msg, "CRL number: must be 1 to 20 octets");
	/* Leading zeros do not count; 20 octets with the high bit clear do. */
	n[0] = 0;
	kiln_err_clear(&err);
	cr_assert_eq(kiln_crl_create(&der, &req, &ca, &ca_key, &rng, &err), 0,
	    "%s", err.msg);
}

Test(crl, refuses_a_ca_without_crl_sign)
{
	struct kiln_crl_req req = {NULL, 0, THIS_UPDATE, NEXT_UPDATE, NULL, 0, NULL};

	load_ca("nocrlsign-ca", "ec-ca-key");
	cr_assert_eq(kiln_crl_create(&der, &req, &ca, &ca_key, &rng, &err), -1);
	cr_assert_eq(err.code, KILN_EINVAL);
	cr_assert_str_eq(err.msg, "the CA's keyUsage lacks cRLSign: verifiers "
	                          "would reject its CRLs");
}
