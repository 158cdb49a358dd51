#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <mbedtls/bignum.h>

#include "core/compat.h"
#include "kiln/config.h"
#include "kiln/file.h"
#include "kiln/inspect.h"
#include "kiln/pem.h"
#include "report/format.h"
#include "asn1/x509.h"

static struct kiln_infos infos;
static struct kiln_info info;
static struct kiln_buf buf, out;
static struct kiln_err err;

static void
setup(void)
{
	kiln_infos_init(&infos);
	kiln_info_init(&info);
	kiln_buf_init(&buf);
	kiln_buf_init(&out);
	kiln_err_clear(&err);
}

static void
teardown(void)
{
	kiln_infos_free(&infos);
	kiln_info_free(&info);
	kiln_buf_free(&buf);
	kiln_buf_free(&out);
}

TestSuite(inspect, .init = setup, .fini = teardown);

static void
read_data(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", KILN_TEST_DATA, name);
	buf.len = 0;
	cr_assert_eq(kiln_file_read(path, &buf, &err), 0, "%s", err.msg);
}

static const struct kiln_info *
load_cert(const char *name)
{
	read_data(name);
	cr_assert_eq(kiln_inspect_certs(&infos, buf.p, buf.len, &err), 0,
	    "%s: %s", name, err.msg);
	cr_assert_eq(infos.n, 1);
	return &infos.v[0];
}

static const char *
serial(const struct kiln_info *i)
{
	static char text[128];

	out.len = 0;
	cr_assert_eq(kiln_info_serial_decimal(i, &out, &err), 0);
	cr_assert_lt(out.len, sizeof(text));
	memcpy(text, out.p, out.len);
	text[out.len] = '\0';
	return text;
}

Test(inspect, sans_of_every_kind_in_certificate_order)
{
	const struct kiln_info *c = load_cert("inspect/sans.pem");

	cr_assert_eq(c->kind, KILN_INFO_CERT);
	cr_assert_eq(c->version, 3);
	cr_assert_eq(c->ndns, 2);
	cr_assert_str_eq(c->dns[0], "*.example.com");
	cr_assert_str_eq(c->dns[1], "etcd.local");
	cr_assert_eq(c->nips, 5);
	cr_assert_str_eq(c->ips[0], "127.0.0.1");
	cr_assert_str_eq(c->ips[1], "::1");
	cr_assert_str_eq(c->ips[2], "2001:db8::1");
	cr_assert_str_eq(c->ips[3], "fe80::1:0:0:1"); /* first longest run */
	cr_assert_str_eq(c->ips[4], "2001:db8:0:1:1:1:1:1"); /* no :: for 1 */
	cr_assert_eq(c->nemails, 1);
	cr_assert_str_eq(c->emails[0], "ops@example.com");
	cr_assert_eq(c->nuris, 1);
	cr_assert_str_eq(c->uris[0], "spiffe://cluster/etcd");
}

Test(inspect, names_keep_der_order_and_multi_valued_rdns)
{
	const struct kiln_info *c = load_cert("inspect/sans.pem");
	static const char *const oids[] = {"2.5.4.6", "2.5.4.10", "2.5.4.11",
	    "2.5.4.11", "2.5.4.5", "2.5.4.3"};
	static const char *const values[] = {"CN", "kiln", "PKI", "Second OU",
	    "42", "Zo\xc3\xab \xe4\xb8\xad\xe6\x96\x87"};
	size_t i;

	cr_assert_eq(c->subject.n, 6);
	for (i = 0; i < 6; i++) {
		cr_assert_str_eq(c->subject.attr[i].oid, oids[i]);
		cr_assert_str_eq(c->subject.attr[i].value, values[i]);
	}
	cr_assert_eq(c->subject.attr[4].same_rdn, 0);
	cr_assert_eq(c->subject.attr[5].same_rdn, 1); /* serialNumber+CN */
}

Test(inspect, extensions_decoded)
{
	const struct kiln_info *c = load_cert("inspect/sans.pem");
	static const unsigned char ski[] = {0x7c, 0x41, 0x68, 0x8c, 0x8b, 0xd5,
	    0x75, 0xdd, 0x01, 0xdf, 0x0b, 0xad, 0x8e, 0x3f, 0xa5, 0x1d, 0xa0,
	    0x5b, 0x6e, 0x1b};

	cr_assert_eq(c->has_bc, 1);
	cr_assert_eq(c->is_ca, 1);
	cr_assert_eq(c->max_path_len, 2);
	cr_assert_eq(c->ku,
	    KILN_KU_DIGITAL_SIGNATURE | KILN_KU_CERT_SIGN | KILN_KU_CRL_SIGN);
	cr_assert_eq(c->neku, 3);
	cr_assert_str_eq(c->eku[0], "server auth");
	cr_assert_str_eq(c->eku[1], "client auth");
	cr_assert_str_eq(c->eku[2], "1.2.3.4.5");
	cr_assert_eq(c->npermitted, 2);
	cr_assert_str_eq(c->permitted[0], "DNS:.example.com");
	cr_assert_str_eq(c->permitted[1], "IP:10.0.0.0/255.0.0.0");
	cr_assert_eq(c->nexcluded, 1);
	cr_assert_str_eq(c->excluded[0], "email:bad@example.com");
	cr_assert_eq(c->ski_len, sizeof(ski));
	cr_assert_arr_eq(c->ski, ski, sizeof(ski));
	/* The SKI openssl wrote is RFC 5280 method 1, as kiln computes. */
	cr_assert_arr_eq(c->key_id, ski, sizeof(ski));
	cr_assert_eq(c->aki_len, 0);
	cr_assert_eq(c->next, 6);
	cr_assert_str_eq(c->ext[4].oid, "2.5.29.30");
	cr_assert_eq(c->ext[4].critical, 1);
	cr_assert_eq(c->ext[2].critical, 0);
}

Test(inspect, key_signature_serial_and_times)
{
	const struct kiln_info *c = load_cert("inspect/sans.pem");

	cr_assert_str_eq(c->key_algorithm, "ECDSA");
	cr_assert_str_eq(c->key_curve, "P-256");
	cr_assert_eq(c->key_bits, 256);
	cr_assert_str_eq(c->sigalg, "ECDSAWithSHA256");
	cr_assert_str_eq(c->sigalg_oid, "1.2.840.10045.4.3.2");
	cr_assert_eq(c->serial_len, 20);
	/* 0x0102...14 in decimal. */
	cr_assert_str_eq(
	    serial(c), "5753854965885600108575829560559299546819203860");
	/* 2051: GeneralizedTime. */
	cr_assert_eq(c->not_after - c->not_before, 9000LL * 86400);
}

/*
 * kiln's own decimal conversion against mbedTLS's bignum, for serials of
 * every length and sign: edges (zero bytes, 10^9 boundaries, 0x80..00,
 * 0xff..ff) and pseudo-random bytes from a fixed seed.
 */
static void
expect_decimal(const unsigned char *v, size_t len)
{
	unsigned char mag[32];
	char want[256], *w = want;
	mbedtls_mpi n;
	size_t i, olen;
	int carry;

	memcpy(info.serial, v, len);
	info.serial_len = len;
	memcpy(mag, v, len);
	if (len > 0 && (v[0] & 0x80)) {
		*w++ = '-';
		for (i = 0; i < len; i++)
			mag[i] = (unsigned char)~mag[i];
		for (carry = 1, i = len; i-- > 0 && carry;)
			carry = ++mag[i] == 0;
	}
	mbedtls_mpi_init(&n);
	cr_assert_eq(mbedtls_mpi_read_binary(&n, mag, len), 0);
	cr_assert_eq(mbedtls_mpi_write_string(&n, 10, w,
	                 sizeof(want) - (size_t)(w - want), &olen),
	    0);
	mbedtls_mpi_free(&n);
	cr_assert_str_eq(serial(&info), want);
}

Test(inspect, serial_decimal_equals_bignum_arithmetic)
{
	static const unsigned char edges[][9] = {
	    {0x00}, {0x01}, {0x7f}, {0x80}, {0xff}, {0x00, 0x00, 0x00},
	    {0x3b, 0x9a, 0xc9, 0xff},                   /* 10^9 - 1 */
	    {0x3b, 0x9a, 0xca, 0x00},                   /* 10^9 */
	    {0x0d, 0xe0, 0xb6, 0xb3, 0xa7, 0x64, 0x00, 0x00}, /* 10^18 */
	    {0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
	    {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	};
	static const size_t edge_len[] = {1, 1, 1, 1, 1, 3, 4, 4, 8, 9, 9};
	unsigned char v[32];
	unsigned long long x = 0x9e3779b97f4a7c15ULL;
	size_t i, k, len;

	cr_assert_str_eq(serial(&info), "0"); /* no bytes at all */
	for (i = 0; i < sizeof(edge_len) / sizeof(edge_len[0]); i++)
		expect_decimal(edges[i], edge_len[i]);
	memset(v, 0xff, sizeof(v));
	expect_decimal(v, sizeof(v));
	memset(v, 0x7f, sizeof(v));
	expect_decimal(v, sizeof(v));
	for (i = 0; i < 3000; i++) {
		len = 1 + i % 32;
		for (k = 0; k < len; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			v[k] = (unsigned char)(x >> 24);
		}
		if (i % 5 == 0)
			v[0] = 0; /* leading zero bytes */
		expect_decimal(v, len);
	}
}

/*
 * The same certificate armoured every way mbedTLS's reader accepts gives
 * the same DER, whether kiln's plain decoder takes the body or hands it
 * to mbedTLS: CRLF, 76 and 1-column lines, one line, spaces after the
 * armour and before line ends, blank lines, text around the block.
 */
Test(inspect, every_pem_layout_gives_the_same_der)
{
	static const char *const layouts[] = {
	    "crlf", "76", "1", "one line", "armour spaces", "eol spaces",
	    "blank lines", "text around",
	};
	struct kiln_buf der, b64, pem;
	size_t i, k, col;
	const char *eol, *body;

	kiln_buf_init(&der);
	kiln_buf_init(&b64);
	kiln_buf_init(&pem);
	read_data("inspect/sans.der");
	cr_assert_eq(kiln_buf_append(&der, buf.p, buf.len, &err), 0);
	/* The base64 of the DER, unbroken, from kiln's own PEM writer. */
	cr_assert_eq(kiln_pem_write(&b64, "X", der.p, der.len, &err), 0);
	cr_assert_eq(kiln_buf_terminate(&b64, &err), 0);
	body = strchr((char *)b64.p, '\n') + 1;
	for (k = 0; strncmp(body, "-----END", 8) != 0; body++)
		if (*body != '\n')
			b64.p[k++] = (unsigned char)*body;
	b64.len = k;
	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		col = i == 1 ? 76 : i == 2 ? 1 : i == 3 ? b64.len : 64;
		eol = i == 0 ? "\r\n" : i == 5 ? "  \n" : "\n";
		pem.len = 0;
		kiln_buf_printf(&pem, &err, "%s-----BEGIN CERTIFICATE-----%s%s",
		    i == 7 ? "subject=CN = x\n" : "", i == 4 ? " " : "",
		    i == 0 ? "\r\n" : "\n");
		for (k = 0; k < b64.len; k += col)
			kiln_buf_printf(&pem, &err, "%.*s%s%s",
			    (int)(b64.len - k < col ? b64.len - k : col),
			    (const char *)b64.p + k, eol,
			    i == 6 && k == 0 ? "\n" : "");
		kiln_buf_printf(&pem, &err, "-----END CERTIFICATE-----%s%s",
		    i == 4 ? " \n" : "\n", i == 7 ? "trailing words\n" : "");
		cr_assert_eq(kiln_buf_terminate(&pem, &err), 0);
		kiln_infos_free(&infos);
		cr_assert_eq(kiln_inspect_certs(&infos, pem.p, pem.len, &err), 0,
		    "%s: %s", layouts[i], err.msg);
		cr_assert_eq(infos.n, 1, "%s", layouts[i]);
		cr_assert_eq(infos.v[0].der.len, der.len, "%s", layouts[i]);
		cr_assert_eq(memcmp(infos.v[0].der.p, der.p, der.len), 0, "%s",
		    layouts[i]);
	}
	kiln_buf_free(&der);
	kiln_buf_free(&b64);
	kiln_buf_free(&pem);
}

/* X.690 8.19: the first two arcs in one subidentifier, base-128 arcs. */
Test(inspect, oid_text_follows_x690)
{
	static const struct {
		const char *der, *text; /* contents, as hex; NULL: refused */
	} cases[] = {
	    {"550403", "2.5.4.3"},
	    {"2a864886f70d010101", "1.2.840.113549.1.1.1"},
	    {"2b0601040182371402", "1.3.6.1.4.1.311.20.2"},
	    {"00", "0.0"},
	    {"27", "0.39"},
	    {"28", "1.0"},
	    {"4f", "1.39"},
	    {"50", "2.0"},
	    {"8837", "2.999"},                  /* first arcs past one byte */
	    {"8837ffffffffffffffff7f", "2.999.9223372036854775807"},
	    {"883781ffffffffffffffff7f", "2.999.18446744073709551615"},
	    {"06", "0.6"},
	    {"", NULL},                         /* empty */
	    {"5580", NULL},                     /* the last arc is cut */
	    {"558001", NULL},                   /* leading 0x80: not minimal */
	    {"5582ffffffffffffffff7f", NULL},   /* 65 bits */
	};
	unsigned char der[16];
	char text[64];
	size_t i, k, len;
	unsigned int byte;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = strlen(cases[i].der) / 2;
		for (k = 0; k < len; k++) {
			cr_assert_eq(sscanf(cases[i].der + 2 * k, "%2x", &byte),
			    1);
			der[k] = (unsigned char)byte;
		}
		if (cases[i].text == NULL) {
			cr_assert_eq(rd_oid_dotted(der, len, text,
			                 sizeof(text)),
			    0, "%s", cases[i].der);
			continue;
		}
		cr_assert_eq(rd_oid_dotted(der, len, text, sizeof(text)), 1,
		    "%s", cases[i].der);
		cr_assert_str_eq(text, cases[i].text);
		/* One byte short of room for the text and its NUL. */
		cr_assert_eq(rd_oid_dotted(der, len, text,
		                 strlen(cases[i].text)),
		    0, "%s", cases[i].der);
	}
}

Test(inspect, der_input_equals_pem_input)
{
	struct kiln_infos der;
	const struct kiln_info *c = load_cert("inspect/sans.pem");

	kiln_infos_init(&der);
	read_data("inspect/sans.der");
	cr_assert_eq(kiln_inspect_certs(&der, buf.p, buf.len, &err), 0);
	cr_assert_eq(der.n, 1);
	cr_assert_eq(der.v[0].der.len, c->der.len);
	cr_assert_arr_eq(der.v[0].der.p, c->der.p, c->der.len);
	cr_assert_arr_eq(der.v[0].fingerprint, c->fingerprint, 32);
	kiln_infos_free(&der);
}

Test(inspect, legacy_strings_negative_serial_no_extensions)
{
	const struct kiln_info *c = load_cert("inspect/legacy.pem");

	/* T.61 with a Latin-1 byte, and a BMPString. */
	cr_assert_str_eq(c->subject.attr[0].value, "Zo\xc3\xab");
	cr_assert_str_eq(c->subject.attr[1].value, "\xe4\xb8\xad\xe6\x96\x87");
	cr_assert_str_eq(serial(c), "-5");
	cr_assert_eq(c->ski_len, 0);
	cr_assert_eq(c->has_bc, 0);
	cr_assert_eq(c->max_path_len, -1);
}

Test(inspect, sha1_one_byte_serial_no_key_ids)
{
	const struct kiln_info *c = load_cert("inspect/noski.pem");

	cr_assert_str_eq(c->sigalg, "ECDSAWithSHA1");
	cr_assert_str_eq(serial(c), "5");
	cr_assert_eq(c->serial_len, 1);
	cr_assert_eq(c->ski_len, 0);
	cr_assert_eq(c->aki_len, 0);
	cr_assert_eq(c->has_bc, 1);
	cr_assert_eq(c->is_ca, 0);
}

Test(inspect, bundle_in_order_skipping_other_blocks)
{
	struct kiln_buf all;

	kiln_buf_init(&all);
	read_data("inspect/sans.pem");
	kiln_buf_append(&all, buf.p, buf.len, &err);
	read_data("inspect/ec-key.pem"); /* not shown, not an error */
	kiln_buf_append(&all, buf.p, buf.len, &err);
	read_data("inspect/noski.pem");
	kiln_buf_append(&all, buf.p, buf.len, &err);
	cr_assert_eq(
	    kiln_inspect_certs(&infos, all.p, all.len, &err), 0, "%s", err.msg);
	cr_assert_eq(infos.n, 2);
	cr_assert_eq(infos.v[0].nips, 5);
	cr_assert_str_eq(infos.v[1].subject.attr[0].value, "plain");
	kiln_buf_free(&all);
}

static void
certs_fail(const void *data, size_t len, const char *want)
{
	kiln_infos_free(&infos);
	kiln_err_clear(&err);
	cr_assert_eq(kiln_inspect_certs(&infos, data, len, &err), -1);
	cr_assert_eq(err.code, KILN_EINVAL);
	cr_assert(strstr(err.msg, want) != NULL, "message: %s", err.msg);
}

Test(inspect, bad_inputs_are_one_error)
{
	static const unsigned char junk[] = {0x30, 0x82, 0xff, 0xff, 0x01};

	certs_fail("", 0, "empty input");
	certs_fail(junk, sizeof(junk), "not a certificate");
	certs_fail("\x01\x02", 2, "not a certificate (neither PEM nor DER)");
	read_data("inspect/req.pem");
	certs_fail(buf.p, buf.len,
	    "no certificate found (first PEM block: \"CERTIFICATE REQUEST\")");
	read_data("inspect/req.der");
	certs_fail(buf.p, buf.len, "a certificate request, not a certificate");
	read_data("inspect/sans.pem");
	buf.len = buf.len / 2; /* no END line */
	certs_fail(buf.p, buf.len,
	    "certificate 1: truncated PEM: no \"-----END CERTIFICATE-----\" "
	    "line");
}

Test(inspect, truncated_der_is_refused_as_der_and_inside_pem)
{
	struct kiln_buf pem;

	kiln_buf_init(&pem);
	read_data("inspect/sans.der");
	certs_fail(buf.p, buf.len - 1, "not a certificate");
	/* Valid base64 of a DER certificate missing its last byte. */
	cr_assert_eq(
	    kiln_pem_write(&pem, "CERTIFICATE", buf.p, buf.len - 1, &err), 0);
	certs_fail(pem.p, pem.len, "certificate 1: not a certificate");
	kiln_buf_free(&pem);
}

Test(inspect, csr_with_extensions_and_valid_signature)
{
	read_data("inspect/req.pem");
	cr_assert_eq(
	    kiln_inspect_csr(&info, buf.p, buf.len, &err), 0, "%s", err.msg);
	cr_assert_eq(info.kind, KILN_INFO_CSR);
	cr_assert_eq(info.sig_valid, 1);
	cr_assert_str_eq(info.sigalg, "ECDSAWithSHA256");
	cr_assert_eq(info.subject.n, 2);
	cr_assert_str_eq(info.subject.attr[0].value, "etcd-1");
	cr_assert_eq(info.ndns, 2);
	cr_assert_eq(info.nips, 5);
	cr_assert_str_eq(info.ips[1], "::1");
	cr_assert_eq(info.is_ca, 1);
	cr_assert_eq(info.max_path_len, 2);
	cr_assert_eq(info.neku, 3);
}

Test(inspect, csr_with_broken_signature_is_described_as_invalid)
{
	read_data("inspect/bad-sig.der");
	cr_assert_eq(
	    kiln_inspect_csr(&info, buf.p, buf.len, &err), 0, "%s", err.msg);
	cr_assert_eq(info.sig_valid, 0);
}

Test(inspect, certificate_given_as_csr)
{
	read_data("inspect/sans.pem");
	cr_assert_eq(kiln_inspect_csr(&info, buf.p, buf.len, &err), -1);
	cr_assert(strstr(err.msg, "no certificate request found (first PEM "
	                          "block: \"CERTIFICATE\")") != NULL,
	    "%s", err.msg);
	kiln_err_clear(&err);
	read_data("inspect/sans.der");
	cr_assert_eq(kiln_inspect_csr(&info, buf.p, buf.len, &err), -1);
	cr_assert_str_eq(err.msg, "a certificate, not a certificate request");
}

Test(inspect, key_matches_its_certificate_only)
{
	struct kiln_key key, other;
	struct kiln_rng rng;
	const struct kiln_info *c = load_cert("inspect/sans.pem");

	kiln_key_init(&key);
	kiln_key_init(&other);
	kiln_rng_init(&rng);
	cr_assert_eq(kiln_rng_seed(&rng, "test_inspect", &err), 0);
	read_data("inspect/ec-key-pkcs8.pem");
	cr_assert_eq(kiln_key_parse(&key, buf.p, buf.len, &rng, &err), 0);
	cr_assert_eq(
	    kiln_inspect_key_match(c, &key, &rng, &err), 0, "%s", err.msg);
	read_data("inspect/other-key.pem");
	cr_assert_eq(kiln_key_parse(&other, buf.p, buf.len, &rng, &err), 0);
	cr_assert_eq(kiln_inspect_key_match(c, &other, &rng, &err), 1);
	cr_assert_eq(err.code, KILN_OK);

	kiln_err_clear(&err);
	cr_assert_eq(kiln_inspect_key(&info, &key, &err), 0, "%s", err.msg);
	cr_assert_eq(info.kind, KILN_INFO_KEY);
	cr_assert_str_eq(info.key_curve, "P-256");
	cr_assert_arr_eq(info.key_id, c->key_id, sizeof(info.key_id));
	kiln_key_free(&key);
	kiln_key_free(&other);
	kiln_rng_free(&rng);
}

/* Rendering. */

static const char *
render(const struct kiln_info *v, size_t n, enum kiln_info_format f,
    unsigned int flags)
{
	out.len = 0;
	/* 2030-01-01T00:00:00Z */
	cr_assert_eq(kiln_info_render(v, n, f, flags, 1893456000LL, &out, &err),
	    0, "%s", err.msg);
	return (const char *)out.p;
}

Test(inspect, json_has_cfssl_keys_in_order_then_kiln_keys)
{
	const struct kiln_info *c = load_cert("inspect/sans.pem");
	static const char *const keys[] = {"\"subject\"", "\"issuer\"",
	    "\"serial_number\"", "\"sans\"", "\"not_before\"", "\"not_after\"",
	    "\"sigalg\"", "\"authority_key_id\": \"\"", "\"subject_key_id\"",
	    "\"pem\"", "\"key_algorithm\": \"ECDSA\"", "\"key_size\": 256",
	    "\"key_curve\": \"P-256\"", "\"is_ca\": true",
	    "\"max_path_len\": 2", "\"key_usage\"", "\"ext_key_usage\"",
	    "\"emails\"", "\"uris\"", "\"fingerprint_sha256\"",
	    "\"days_remaining\": 7866"};
	const char *json = render(c, 1, KILN_FORMAT_JSON, 0), *p = json;
	size_t i;

	cr_assert_eq(json[0], '{');
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		p = strstr(p, keys[i]);
		cr_assert(p != NULL, "%s missing or out of order", keys[i]);
	}
	cr_assert(strstr(json, "    \"organizational_unit\": \"PKI,Second "
	                       "OU\",\n") != NULL);
	cr_assert(strstr(json, "\"subject_key_id\": "
	                       "\"7C:41:68:8C:8B:D5:75:DD:01:DF:0B:AD:8E:3F:"
	                       "A5:1D:A0:5B:6E:1B\"") != NULL);
	cr_assert(
	    strstr(json, "\"not_after\": \"2051-07-16T08:37:13Z\"") != NULL);
	cr_assert(strstr(json, "\"sans\": [\n    \"*.example.com\",\n    "
	                       "\"etcd.local\",\n    \"127.0.0.1\",") != NULL);
	cr_assert(
	    strstr(json, "\"pem\": \"-----BEGIN CERTIFICATE-----\\n") != NULL);
	cr_assert_str_eq(json + strlen(json) - 3, "\n}\n");
}

Test(inspect, json_cfssl_mode_stops_after_pem)
{
	const struct kiln_info *c = load_cert("inspect/noski.pem");
	const char *json = render(c, 1, KILN_FORMAT_JSON, KILN_RENDER_CFSSL);

	cr_assert(strstr(json, "key_algorithm") == NULL);
	cr_assert(strstr(json, "\"sans\"") == NULL); /* omitted when empty */
	cr_assert(strstr(json, "\"authority_key_id\": \"\",\n  "
	                       "\"subject_key_id\": \"\",\n") != NULL);
	cr_assert_str_eq(json + strlen(json) - 6, "\\n\"\n}\n");
}

Test(inspect, json_bundle_is_an_array)
{
	const char *json;

	read_data("inspect/sans.pem");
	kiln_buf_append(&out, buf.p, buf.len, &err);
	kiln_buf_append(&out, buf.p, buf.len, &err);
	cr_assert_eq(kiln_inspect_certs(&infos, out.p, out.len, &err), 0);
	json = render(infos.v, infos.n, KILN_FORMAT_JSON, 0);
	cr_assert_eq(strncmp(json, "[\n  {\n    \"subject\": {\n", 23), 0);
	cr_assert(strstr(json, "\n  },\n  {\n") != NULL);
	cr_assert_str_eq(json + strlen(json) - 7, "\n  }\n]\n");
}

/* The array kiln_info_render makes of two certificates. */
static const char *
render2(const struct kiln_info *a, const struct kiln_info *b)
{
	static char text[65536];
	struct kiln_info v[2];

	v[0] = *a;
	v[1] = *b;
	out.len = 0;
	cr_assert_eq(kiln_info_render(v, 2, KILN_FORMAT_JSON, 0, 1893456000LL,
	                 &out, &err),
	    0);
	cr_assert_lt(out.len, sizeof(text));
	memcpy(text, out.p, out.len);
	text[out.len] = '\0';
	return text;
}

/* Remove the first "what" from the NUL-terminated "b"; 1 if found. */
static int
strip(struct kiln_buf *b, const char *what)
{
	char *p = strstr((char *)b->p, what);
	size_t n = strlen(what);

	if (p == NULL)
		return 0;
	memmove(p, p + n, strlen(p + n) + 1);
	b->len -= n;
	return 1;
}

/*
 * A listing renders each file's certificates as they come: its JSON is
 * the array kiln_info_render gives for them all, each object with "file"
 * added last; an empty listing is "[]".
 */
Test(inspect, listing_is_the_bundle_array_with_files)
{
	struct kiln_listing l;
	struct kiln_infos more;
	struct kiln_buf whole, piece;
	const char *bundle;

	kiln_infos_init(&more);
	kiln_buf_init(&whole);
	kiln_buf_init(&piece);
	kiln_listing_init(&l, KILN_FORMAT_JSON, 0, 1893456000LL);
	cr_assert_eq(kiln_listing_end(&l, &whole, &err), 0);
	cr_assert_eq(kiln_buf_terminate(&whole, &err), 0);
	cr_assert_str_eq((const char *)whole.p, "[]\n");
	kiln_listing_free(&l);

	whole.len = 0;
	load_cert("inspect/sans.pem");
	read_data("inspect/noski.pem");
	cr_assert_eq(kiln_inspect_certs(&more, buf.p, buf.len, &err), 0);
	kiln_listing_init(&l, KILN_FORMAT_JSON, 0, 1893456000LL);
	cr_assert_eq(kiln_listing_add(&l, infos.v, 1, "a.pem", &piece, &err), 0);
	/* The first object is printed at once, before the next file. */
	cr_assert(piece.len > 0);
	cr_assert_eq(strncmp((const char *)piece.p, "[\n  {\n", 6), 0);
	kiln_buf_append(&whole, piece.p, piece.len, &err);
	piece.len = 0;
	cr_assert_eq(kiln_listing_add(&l, more.v, 1, "b\"c.pem", &piece, &err), 0);
	kiln_buf_append(&whole, piece.p, piece.len, &err);
	cr_assert_eq(kiln_listing_end(&l, &whole, &err), 0);
	cr_assert_eq(kiln_buf_terminate(&whole, &err), 0);
	kiln_listing_free(&l);

	/* Remove the two "file" lines: what is left is the plain array. */
	bundle = render2(infos.v, more.v);
	cr_assert_not_null(strstr((const char *)whole.p,
	    ",\n    \"file\": \"a.pem\"\n  },\n  {\n"));
	cr_assert_not_null(strstr((const char *)whole.p,
	    ",\n    \"file\": \"b\\\"c.pem\"\n  }\n]\n"));
	cr_assert_eq(strip(&whole, ",\n    \"file\": \"a.pem\""), 1);
	cr_assert_eq(strip(&whole, ",\n    \"file\": \"b\\\"c.pem\""), 1);
	cr_assert_str_eq((const char *)whole.p, bundle);

	/* A table holds its rows until the end, then FILE comes first. */
	kiln_listing_init(&l, KILN_FORMAT_TABLE, 0, 1893456000LL);
	piece.len = 0;
	cr_assert_eq(kiln_listing_add(&l, more.v, 1, "x.pem", &piece, &err), 0);
	cr_assert_eq(piece.len, 0);
	cr_assert_eq(kiln_listing_end(&l, &piece, &err), 0);
	cr_assert_eq(kiln_buf_terminate(&piece, &err), 0);
	cr_assert_not_null(strstr((const char *)piece.p,
	    "| FILE  | SUBJECT CN |"));
	cr_assert_not_null(strstr((const char *)piece.p, "| x.pem | plain      |"));
	kiln_listing_free(&l);

	/* Only certificates. */
	kiln_listing_init(&l, KILN_FORMAT_JSON, 0, 1893456000LL);
	more.v[0].kind = KILN_INFO_CSR;
	cr_assert_eq(kiln_listing_add(&l, more.v, 1, "y.pem", &piece, &err), -1);
	cr_assert_str_eq(err.msg, "not a certificate");
	more.v[0].kind = KILN_INFO_CERT;
	kiln_listing_free(&l);
	kiln_infos_free(&more);
	kiln_buf_free(&whole);
	kiln_buf_free(&piece);
}

Test(inspect, table_boxed_and_aligned)
{
	const struct kiln_info *c = load_cert("inspect/noski.pem");
	const char *t = render(c, 1, KILN_FORMAT_TABLE, 0);

	cr_assert_str_eq(t,
	    "+------------+------+----------------------+-----------+----------"
	    "-+-------+-------------+\n"
	    "| SUBJECT CN | SANS |      NOT AFTER       | DAYS LEFT | ISSUER "
	    "CN |  CA   |     KEY     |\n"
	    "+------------+------+----------------------+-----------+----------"
	    "-+-------+-------------+\n"
	    "| plain      |      | 2026-12-24T08:37:13Z |     -1104 | plain    "
	    " | false | ECDSA P-256 |\n"
	    "+------------+------+----------------------+-----------+----------"
	    "-+-------+-------------+\n");
}

Test(inspect, table_counts_wide_characters_as_two_columns)
{
	const struct kiln_info *c = load_cert("inspect/legacy.pem");
	const char *t = render(c, 1, KILN_FORMAT_TABLE, 0);

	/* "Zoë" is 3 columns for 4 bytes. */
	cr_assert(strstr(t, "| Zo\xc3\xab        |") != NULL, "%s", t);
}

Test(inspect, text_in_openssl_order)
{
	const struct kiln_info *c = load_cert("inspect/sans.pem");
	const char *t = render(c, 1, KILN_FORMAT_TEXT, 0);
	static const char *const order[] = {"Certificate:\n",
	    "    Version: 3\n",
	    "    Serial Number: "
	    "5753854965885600108575829560559299546819203860\n"
	    "        "
	    "01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14\n",
	    "    Signature Algorithm: ECDSAWithSHA256\n",
	    "    Issuer: C=CN, O=kiln, OU=PKI, OU=Second OU, serialNumber=42 + "
	    "CN=Zo",
	    "        Not After : 2051-07-16T08:37:13Z (7866 days left)\n",
	    "    Subject: C=CN", "        Public Key Algorithm: ECDSA P-256\n",
	    "        Basic Constraints: critical\n            CA:TRUE, "
	    "pathlen:2\n",
	    "            DNS:*.example.com, DNS:etcd.local, IP:127.0.0.1, "
	    "IP:::1",
	    "        Name Constraints: critical\n            Permitted:\n",
	    "    Fingerprint (SHA-256): 74:D7:4D:CC"};
	const char *p = t;
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		p = strstr(p, order[i]);
		cr_assert(p != NULL, "%s: missing or out of order in\n%s",
		    order[i], t);
	}
}

/* Found by fuzzing: a PEM block whose base64 decodes to nothing. */
/*
 * A body of one incomplete base64 quantum (found by the fuzzer): one
 * error, not a crash, and the same under mbedTLS 2.28 and 3.x now that
 * kiln's one decoder reads every certificate and CSR body (mbedTLS 2.28
 * decoded it to no bytes, 3.x refused it).
 */
Test(inspect, pem_block_of_nothing)
{
	static const char cert[] =
	    "-----BEGIN CERTIFICATE-----\nCw\n-----END CERTIFICATE-----\n";
	static const char csr[] = "-----BEGIN NEW CERTIFICATE REQUEST-----\n"
	                          "Cw\n-----END NEW CERTIFICATE REQUEST-----\n";

	certs_fail(cert, sizeof(cert) - 1,
	    "certificate 1: bad PEM: the body is not base64");
	cr_assert_eq(err.code, KILN_EINVAL);
	kiln_err_clear(&err);
	cr_assert_eq(kiln_inspect_csr(&info, (const unsigned char *)csr,
	                 sizeof(csr) - 1, &err),
	    -1);
	cr_assert_str_eq(err.msg, "bad PEM: the body is not base64");
}

/* PEM found one way (kiln_pem_next), as check, certinfo and verify read. */

/* The first block of "text" labelled "label": its label and body. */
static int
pem_find(const char *text, const char *label, char *body, size_t size)
{
	struct kiln_pem_block blk;
	size_t pos = 0;
	int rc;

	kiln_err_clear(&err);
	rc = kiln_pem_next(text, &pos, label, &blk, &err);
	if (rc == 1) {
		cr_assert_eq(pos, blk.end);
		snprintf(body, size, "%s|%.*s|%s", blk.label, (int)blk.body_len,
		    text + blk.body, text + blk.end);
	}
	return rc;
}

Test(inspect, pem_blocks_after_a_bom_text_or_indentation)
{
	static const struct {
		const char *text, *label, *want;
	} cases[] = {
	    {"-----BEGIN X-----\nQUJD\n-----END X-----\nrest", "X",
	        "X|QUJD\n|rest"},
	    {"\xef\xbb\xbf-----BEGIN X-----\nQUJD\n-----END X-----\n", "X",
	        "X|QUJD\n|"},
	    {"words\r\n-----BEGIN X-----\r\nQUJD\r\n-----END X-----\r\n", NULL,
	        "X|QUJD\r\n|"},
	    {"cert: -----BEGIN X-----  \nQUJD\n-----END X----- \n\n", "X",
	        "X|QUJD\n|\n"},
	    {"  crt: |\n    -----BEGIN X-----\n    QUJD\n    -----END X-----\n",
	        "X", "X|    QUJD\n    |"},
	    /* The first block labelled so; other labels are passed over. */
	    {"-----BEGIN X Y-----\nQQ==\n-----END X Y-----\n"
	     "-----BEGIN X-----\nQUJD\n-----END X-----\n",
	        "X", "X|QUJD\n|"},
	    /* A BEGIN inside a JSON string ("\n" escaped) starts no block. */
	    {"{\"cert\":\"-----BEGIN X-----\\nQUJD\\n-----END X-----\\n\"}\n"
	     "-----BEGIN X-----\nQUJD\n-----END X-----\n",
	        "X", "X|QUJD\n|"},
	};
	char body[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(
		    pem_find(cases[i].text, cases[i].label, body, sizeof(body)),
		    1, "case %zu: %s", i, err.msg);
		cr_assert_str_eq(body, cases[i].want, "case %zu", i);
	}
	cr_assert_eq(pem_find("{\"cert\":\"-----BEGIN X-----\\nQUJD\\n\"}",
	                 NULL, body, sizeof(body)),
	    0);
	cr_assert_eq(pem_find("no PEM here", NULL, body, sizeof(body)), 0);
	cr_assert_eq(
	    pem_find("-----BEGIN X-----\nQUJD\n", "X", body, sizeof(body)), -1);
	cr_assert_eq(err.code, KILN_EINVAL);
	cr_assert_str_eq(err.msg, "truncated PEM: no \"-----END X-----\" line");
}

/* kiln_inspect_certs reads what check finds; cfssl's JSON is neither. */
Test(inspect, certificates_after_a_bom_and_in_json)
{
	struct kiln_buf text;
	size_t i;

	kiln_buf_init(&text);
	read_data("inspect/sans.pem");
	kiln_buf_printf(
	    &text, &err, "\xef\xbb\xbf%.*s", (int)buf.len, (char *)buf.p);
	cr_assert_eq(kiln_inspect_certs(&infos, text.p, text.len, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(infos.n, 1);
	text.len = 0;
	kiln_buf_printf(&text, &err, "{\"cert\":\"");
	for (i = 0; i < buf.len; i++)
		kiln_buf_printf(&text, &err, "%s",
		    buf.p[i] == '\n' ? "\\n" : (char[]){(char)buf.p[i], 0});
	kiln_buf_printf(&text, &err, "\"}\n");
	certs_fail(text.p, text.len, "not a certificate (neither PEM nor DER)");
	kiln_buf_free(&text);
}

/* The trust anchors of -ca, read as kiln_inspect_certs reads. */
Test(inspect, x509_chain_for_mbedtls)
{
	mbedtls_x509_crt chain;
	struct kiln_buf text;
	const mbedtls_x509_crt *c;
	size_t n;

	kiln_buf_init(&text);
	mbedtls_x509_crt_init(&chain);
	read_data("check/leaf.pem");
	kiln_buf_printf(
	    &text, &err, "\xef\xbb\xbf%.*s", (int)buf.len, (char *)buf.p);
	read_data("check/ca.pem");
	kiln_buf_printf(
	    &text, &err, "text\r\n%.*s", (int)buf.len, (char *)buf.p);
	cr_assert_eq(kiln_inspect_x509(&chain, text.p, text.len, &err), 0, "%s",
	    err.msg);
	for (n = 0, c = &chain; c != NULL && c->raw.len > 0; c = c->next)
		n++;
	cr_assert_eq(n, 2);
	read_data("inspect/req.pem");
	kiln_err_clear(&err);
	cr_assert_eq(kiln_inspect_x509(&chain, buf.p, buf.len, &err), -1);
	cr_assert_str_eq(err.msg,
	    "no certificate found (first PEM block: \"CERTIFICATE REQUEST\")");
	mbedtls_x509_crt_free(&chain);
	kiln_buf_free(&text);
}

/* Hostile text for the table and text views. */
#define HOSTILE                                                                \
	"a\x1b]0;t\x07\r\nb\xc2\x9b"                                           \
	"2J\xe2\x80\xae"                                                       \
	"c\xff"
#define ESCAPED "a\\x1b]0;t\\x07\\x0d\\x0ab\\u009b2J\\u202ec\\xff"

/* Replace "*s" with a copy of "v". */
static void
replace(char **s, const char *v)
{
	free(*s);
	cr_assert_not_null(*s = strdup(v));
}

/* No control character of any kind in "s" (newlines apart). */
static void
assert_no_controls(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i;

	for (i = 0; u[i] != '\0'; i++) {
		cr_assert(u[i] == '\n' || (u[i] >= 0x20 && u[i] != 0x7f),
		    "byte %02x at %zu:\n%s", u[i], i, s);
		cr_assert(
		    !(u[i] == 0xc2 && u[i + 1] >= 0x80 && u[i + 1] < 0xa0),
		    "C1 at %zu", i);
		cr_assert(!(u[i] == 0xe2 && u[i + 1] == 0x80 &&
		              u[i + 2] >= 0xaa && u[i + 2] <= 0xae),
		    "bidi at %zu", i);
		cr_assert(u[i] != 0xff, "invalid UTF-8 at %zu", i);
	}
}

/* Every line of the table "t" takes as many columns as the first. */
static void
assert_box(const char *t)
{
	char line[2048];
	size_t width = 0, n, k;

	for (k = 0; *t != '\0'; k++, t += n + 1) {
		n = strcspn(t, "\n");
		cr_assert_lt(n, sizeof(line));
		memcpy(line, t, n);
		line[n] = '\0';
		if (k == 0)
			width = kiln_display_width(line);
		cr_assert_eq(
		    kiln_display_width(line), width, "line %zu: %s", k, line);
		if (t[n] == '\0')
			break;
	}
}

/*
 * A certificate whose CN, SANs and name constraints hold ESC, BEL, CR,
 * LF, a C1 CSI, a bidi override and a byte that is not UTF-8: the table
 * and the text show them escaped, the table's columns measured on the
 * escaped text; the JSON keeps its own escaping.
 */
Test(inspect, table_and_text_escape_certificate_text)
{
	struct kiln_info *c;
	const char *t, *cn_row;
	size_t k;

	load_cert("inspect/sans.pem");
	c = &infos.v[0];
	for (k = 0; k < c->subject.n; k++)
		if (strcmp(c->subject.attr[k].oid, "2.5.4.3") == 0)
			replace(&c->subject.attr[k].value, HOSTILE);
	for (k = 0; k < c->issuer.n; k++)
		if (strcmp(c->issuer.attr[k].oid, "2.5.4.10") == 0)
			replace(&c->issuer.attr[k].value, "O\x1b[1m");
	replace(&c->dns[0], "x\nDNS:forged.example");
	replace(&c->permitted[0], "DNS:\x1b[8m");
	t = render(c, 1, KILN_FORMAT_TABLE, 0);
	assert_no_controls(t);
	cn_row = strstr(t, "| " ESCAPED " | x\\x0aDNS:forged.example, ");
	cr_assert_not_null(cn_row, "%s", t);
	assert_box(t);
	t = render(c, 1, KILN_FORMAT_TEXT, 0);
	assert_no_controls(t);
	cr_assert_not_null(
	    strstr(t, "    Subject: C=CN, O=kiln, OU=PKI, "
	              "OU=Second OU, serialNumber=42 + CN=" ESCAPED "\n"),
	    "%s", t);
	cr_assert_not_null(strstr(t, "O=O\\x1b[1m,"), "%s", t);
	cr_assert_not_null(
	    strstr(
	        t, "            DNS:x\\x0aDNS:forged.example, DNS:etcd.local"),
	    "%s", t);
	cr_assert_not_null(strstr(t, "              DNS:\\x1b[8m\n"), "%s", t);
	/* JSON: Go's escapes, unchanged. */
	t = render(c, 1, KILN_FORMAT_JSON, 0);
	cr_assert_not_null(
	    strstr(t, "\"common_name\": \"a\\u001b]0;t\\u0007\\r\\nb"), "%s",
	    t);
}

/* A listing's FILE column and "File:" line escape the file name. */
Test(inspect, listing_escapes_file_names)
{
	struct kiln_listing l;
	enum kiln_info_format f[] = {KILN_FORMAT_TABLE, KILN_FORMAT_TEXT};
	size_t i;

	load_cert("inspect/noski.pem");
	for (i = 0; i < 2; i++) {
		kiln_listing_init(&l, f[i], 0, 1893456000LL);
		out.len = 0;
		cr_assert_eq(kiln_listing_add(&l, infos.v, 1,
		                 "d/\x1b]0;x\x07\xe2\x80\xae.pem", &out, &err),
		    0);
		cr_assert_eq(kiln_listing_end(&l, &out, &err), 0);
		cr_assert_eq(kiln_buf_terminate(&out, &err), 0);
		assert_no_controls((char *)out.p);
		cr_assert_not_null(
		    strstr((char *)out.p,
		        i == 0 ? "| d/\\x1b]0;x\\x07\\u202e.pem | plain"
		               : "File: d/\\x1b]0;x\\x07\\u202e.pem\n"),
		    "%s", (char *)out.p);
		kiln_listing_free(&l);
	}
}

/*
 * The renderers keep their own record of a failure: a NULL "err" is
 * allowed, and an error the caller's "err" already holds is no failure
 * of theirs.
 */
Test(inspect, render_neither_needs_nor_reads_the_callers_err)
{
	const struct kiln_info *c = load_cert("inspect/noski.pem");
	struct kiln_listing l;
	enum kiln_info_format f;

	for (f = KILN_FORMAT_JSON; f <= KILN_FORMAT_TEXT; f++) {
		out.len = 0;
		cr_assert_eq(kiln_info_render(c, 1, f, 0, 0, &out, NULL), 0);
		cr_assert_gt(out.len, 0);
		kiln_err_clear(&err);
		kiln_err_set(&err, KILN_EIO, "an older error");
		cr_assert_eq(kiln_info_render(c, 1, f, 0, 0, &out, &err), 0);
		cr_assert_str_eq(err.msg, "an older error");
		kiln_listing_init(&l, f, 0, 0);
		cr_assert_eq(
		    kiln_listing_add(&l, c, 1, "a.pem", &out, &err), 0);
		cr_assert_eq(kiln_listing_end(&l, &out, NULL), 0);
		kiln_listing_free(&l);
	}
}
