#include <string.h>

#include <criterion/criterion.h>

#include "asn1/der.h"

static struct der d;

static void
setup(void)
{
	der_init(&d);
}

static void
teardown(void)
{
	der_free(&d);
}

TestSuite(der, .init = setup, .fini = teardown);

#define ASSERT_BYTES(d, lit)                                                   \
	do {                                                                   \
		cr_assert_eq((d)->buf.len, sizeof(lit) - 1);                   \
		cr_assert(memcmp((d)->buf.p, lit, sizeof(lit) - 1) == 0);      \
	} while (0)

Test(der, short_lengths_are_one_byte)
{
	size_t m = der_open(&d, DER_SEQUENCE);

	der_tlv(&d, DER_OCTET_STRING, "ab", 2);
	der_close(&d, m);
	ASSERT_BYTES(&d, "\x30\x04\x04\x02"
	                 "ab");
}

Test(der, long_lengths_move_the_contents)
{
	unsigned char big[300];
	size_t m;

	memset(big, 0x5a, sizeof(big));
	m = der_open(&d, DER_SEQUENCE);
	der_tlv(&d, DER_OCTET_STRING, big, sizeof(big));
	der_close(&d, m);
	cr_assert_eq(d.buf.len, 4 + 4 + 300);
	cr_assert(memcmp(d.buf.p, "\x30\x82\x01\x30\x04\x82\x01\x2c", 8) == 0);
	cr_assert_eq(d.buf.p[8], 0x5a);
	cr_assert_eq(d.buf.p[d.buf.len - 1], 0x5a);
	cr_assert_eq(der_check(&d, NULL), 0);
}

Test(der, integers_are_minimal_and_positive)
{
	der_uint(&d, (const unsigned char *)"\x00\x00\x7f", 3);
	der_uint(&d, (const unsigned char *)"\x80", 1);
	der_small_int(&d, 0);
	ASSERT_BYTES(&d, "\x02\x01\x7f\x02\x02\x00\x80\x02\x01\x00");
}

Test(der, key_usage_trims_trailing_zero_bits_as_go)
{
	der_key_usage(&d, KILN_KU_DIGITAL_SIGNATURE | KILN_KU_KEY_ENCIPHERMENT);
	ASSERT_BYTES(&d, "\x03\x02\x05\xa0");
}

Test(der, key_usage_of_a_ca)
{
	der_key_usage(&d, KILN_KU_CERT_SIGN | KILN_KU_CRL_SIGN);
	ASSERT_BYTES(&d, "\x03\x02\x01\x06");
}

Test(der, key_usage_decipher_only_takes_a_second_byte)
{
	der_key_usage(&d, KILN_KU_DIGITAL_SIGNATURE | KILN_KU_DECIPHER_ONLY);
	ASSERT_BYTES(&d, "\x03\x03\x07\x80\x80");
}

Test(der, basic_constraints_leaf_is_an_empty_sequence)
{
	der_basic_constraints(&d, 0, -1);
	ASSERT_BYTES(&d, "\x30\x00");
}

Test(der, basic_constraints_ca_with_pathlen)
{
	der_basic_constraints(&d, 1, 0);
	ASSERT_BYTES(&d, "\x30\x06\x01\x01\xff\x02\x01\x00");
}

Test(der, ext_key_usage_keeps_order_and_duplicates)
{
	enum kiln_eku eku[] = {
	    KILN_EKU_CLIENT_AUTH, KILN_EKU_SERVER_AUTH, KILN_EKU_CLIENT_AUTH};

	der_ext_key_usage(&d, eku, 3);
	ASSERT_BYTES(&d, "\x30\x1e"
	                 "\x06\x08\x2b\x06\x01\x05\x05\x07\x03\x02"
	                 "\x06\x08\x2b\x06\x01\x05\x05\x07\x03\x01"
	                 "\x06\x08\x2b\x06\x01\x05\x05\x07\x03\x02");
}

Test(der, san_orders_dns_email_ip_uri)
{
	struct kiln_sans sans;

	kiln_sans_init(&sans);
	cr_assert_eq(kiln_sans_add(&sans, "spiffe://a/b", NULL), 0);
	cr_assert_eq(kiln_sans_add(&sans, "10.0.0.1", NULL), 0);
	cr_assert_eq(kiln_sans_add(&sans, "a@b.c", NULL), 0);
	cr_assert_eq(kiln_sans_add(&sans, "x.y", NULL), 0);
	der_subject_alt_name(&d, &sans);
	ASSERT_BYTES(&d, "\x30\x20\x82\x03x.y\x81\x05"
	                 "a@b.c"
	                 "\x87\x04\x0a\x00\x00\x01\x86\x0cspiffe://a/b");
	kiln_sans_free(&sans);
}

Test(der, crl_distribution_point_is_a_full_name_uri)
{
	der_crl_distribution_points(&d, "http://c/x");
	ASSERT_BYTES(&d, "\x30\x12\x30\x10\xa0\x0e\xa0\x0c\x86\x0ahttp://c/x");
}

Test(der, aia_lists_ocsp_before_ca_issuers)
{
	char i0[] = "http://i", *issuers[] = {i0};

	der_authority_info_access(&d, "http://o", issuers, 1);
	ASSERT_BYTES(&d, "\x30\x2c"
	                 "\x30\x14\x06\x08\x2b\x06\x01\x05\x05\x07\x30\x01"
	                 "\x86\x08http://o"
	                 "\x30\x14\x06\x08\x2b\x06\x01\x05\x05\x07\x30\x02"
	                 "\x86\x08http://i");
}

Test(der, oid_strings_encode_in_base_128)
{
	unsigned char o[32];
	size_t n = der_oid_from_string("1.2.840.113549.1.9.1", o, sizeof(o));

	cr_assert_eq(n, 9);
	cr_assert(memcmp(o, "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x01", 9) == 0);
}

Test(der, bad_oid_strings_are_refused)
{
	unsigned char o[32];

	cr_assert_eq(der_oid_from_string("", o, sizeof(o)), 0);
	cr_assert_eq(der_oid_from_string("1", o, sizeof(o)), 0);
	cr_assert_eq(der_oid_from_string("1.2.", o, sizeof(o)), 0);
	cr_assert_eq(der_oid_from_string("3.1", o, sizeof(o)), 0);
	cr_assert_eq(der_oid_from_string("1.40", o, sizeof(o)), 0);
	cr_assert_eq(der_oid_from_string("1.02", o, sizeof(o)), 0);
	cr_assert_eq(der_oid_from_string("1.2.x", o, sizeof(o)), 0);
}

Test(der, utc_time_before_2050_generalized_after)
{
	der_time(&d, 2524607999LL); /* 2049-12-31T23:59:59Z */
	der_time(&d, 2524608000LL); /* 2050-01-01T00:00:00Z */
	ASSERT_BYTES(&d, "\x17\x0d"
	                 "491231235959Z"
	                 "\x18\x0f"
	                 "20500101000000Z");
}

Test(der, find_extension_returns_value_and_criticality)
{
	/* Extensions { BC critical 30 00, SKI 04 01 aa } */
	static const unsigned char exts[] = "\x30\x17"
	                                    "\x30\x0c\x06\x03\x55\x1d\x13"
	                                    "\x01\x01\xff\x04\x02\x30\x00"
	                                    "\x30\x07\x06\x03\x55\x1d\x0e"
	                                    "\x04\x00";
	const unsigned char *v;
	size_t n;
	int crit;

	cr_assert_eq(der_find_extension(exts, sizeof(exts) - 1, "\x55\x1d\x13",
	                 3, &v, &n, &crit),
	    1);
	cr_assert_eq(n, 2);
	cr_assert_eq(crit, 1);
	cr_assert_eq(der_find_extension(exts, sizeof(exts) - 1, "\x55\x1d\x0e",
	                 3, &v, &n, &crit),
	    1);
	cr_assert_eq(n, 0);
	cr_assert_eq(crit, 0);
	cr_assert_eq(der_find_extension(exts, sizeof(exts) - 1, "\x55\x1d\x0f",
	                 3, &v, &n, NULL),
	    0);
	cr_assert_eq(
	    der_find_extension(exts, 5, "\x55\x1d\x0f", 3, &v, &n, NULL), -1);
}
