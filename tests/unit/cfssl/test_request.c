#include <string.h>

#include <criterion/criterion.h>

#include "kiln/name.h"
#include "kiln/request.h"

static struct kiln_request req;
static struct kiln_err err;

static void
setup(void)
{
	kiln_request_init(&req);
	kiln_err_clear(&err);
}

static void
teardown(void)
{
	kiln_request_free(&req);
}

TestSuite(request, .init = setup, .fini = teardown);

static int
parse(const char *json)
{
	return kiln_request_parse(&req, json, strlen(json), &err);
}

static void
fails_with(const char *json, const char *msg)
{
	cr_assert_eq(parse(json), -1, "%s", json);
	cr_assert_eq(err.code, KILN_EINVAL);
	cr_assert_str_eq(err.msg, msg);
}

Test(request, reads_the_guide_request)
{
	cr_assert_eq(parse("{\"CN\":\"etcd\",\"hosts\":[\"192.168.66.31\","
	                   "\"192.168.66.41\"],\"key\":{\"algo\":\"rsa\","
	                   "\"size\":2048},\"names\":[{\"C\":\"CN\","
	                   "\"L\":\"BeiJing\",\"ST\":\"BeiJing\"}]}"),
	    0);
	cr_assert_str_eq(req.cn, "etcd");
	cr_assert_eq(req.n_hosts, 2);
	cr_assert_str_eq(req.hosts[1], "192.168.66.41");
	cr_assert_eq(req.key.algo, KILN_KEY_RSA);
	cr_assert_eq(req.key.size, 2048);
	cr_assert_eq(req.n_names, 1);
	cr_assert_str_eq(req.names[0].st, "BeiJing");
	cr_assert_null(req.names[0].o);
	cr_assert_eq(req.has_ca, 0);
}

Test(request, default_key_is_ecdsa_256)
{
	cr_assert_eq(parse("{\"CN\":\"x\"}"), 0);
	cr_assert_eq(req.key.algo, KILN_KEY_ECDSA);
	cr_assert_eq(req.key.size, 256);
}

Test(request, partial_rsa_key_gets_2048)
{
	cr_assert_eq(parse("{\"key\":{\"algo\":\"rsa\"}}"), 0);
	cr_assert_eq(req.key.algo, KILN_KEY_RSA);
	cr_assert_eq(req.key.size, 2048);
}

Test(request, size_alone_keeps_ecdsa)
{
	cr_assert_eq(parse("{\"key\":{\"size\":384}}"), 0);
	cr_assert_eq(req.key.algo, KILN_KEY_ECDSA);
	cr_assert_eq(req.key.size, 384);
}

Test(request, keys_match_case_insensitively_and_last_wins)
{
	cr_assert_eq(parse("{\"cn\":\"a\",\"Cn\":\"b\",\"HOSTS\":[\"h\"]}"), 0);
	cr_assert_str_eq(req.cn, "b");
	cr_assert_eq(req.n_hosts, 1);
}

Test(request, null_and_unknown_keys_are_ignored)
{
	cr_assert_eq(parse("{\"CN\":null,\"key\":null,\"whatever\":[1]}"), 0);
	cr_assert_null(req.cn);
	cr_assert_eq(req.key.size, 256);
}

Test(request, reads_the_ca_object)
{
	cr_assert_eq(parse("{\"ca\":{\"expiry\":\"87600h\",\"pathlen\":1,"
	                   "\"backdate\":\"1m\"}}"),
	    0);
	cr_assert_eq(req.has_ca, 1);
	cr_assert_eq(req.ca.pathlen, 1);
	cr_assert_eq(req.ca.expiry, 87600LL * 3600 * 1000000000);
	cr_assert_eq(req.ca.backdate, 60LL * 1000000000);
}

Test(request, ca_pathlen_zero_means_none_unless_pathlenzero)
{
	cr_assert_eq(parse("{\"ca\":{\"pathlen\":0}}"), 0);
	cr_assert_eq(req.ca.pathlen, -1);
	kiln_request_free(&req);
	cr_assert_eq(parse("{\"ca\":{\"pathlen\":0,\"pathlenzero\":true}}"), 0);
	cr_assert_eq(req.ca.pathlen, 0);
}

Test(request, pathlenzero_alone_means_pathlen_0)
{
	cr_assert_eq(parse("{\"ca\":{\"pathlenzero\":true}}"), 0);
	cr_assert_eq(req.ca.pathlen, 0);
	kiln_request_free(&req);
	cr_assert_eq(parse("{\"ca\":{}}"), 0);
	cr_assert_eq(req.ca.pathlen, -1);
}

Test(request, reads_e_and_oid_names)
{
	cr_assert_eq(parse("{\"names\":[{\"E\":\"a@b.c\",\"OID\":"
	                   "{\"1.2.3.4\":\"v\"}}]}"),
	    0);
	cr_assert_str_eq(req.names[0].e, "a@b.c");
	cr_assert_eq(req.names[0].n_oids, 1);
	cr_assert_str_eq(req.names[0].oid_types[0], "1.2.3.4");
	cr_assert_str_eq(req.names[0].oid_values[0], "v");
}

Test(request, hostname_list_replaces_hosts_untrimmed)
{
	cr_assert_eq(parse("{\"hosts\":[\"old\"]}"), 0);
	cr_assert_eq(kiln_request_set_hosts(&req, "a, b,,c", &err), 0);
	cr_assert_eq(req.n_hosts, 4);
	cr_assert_str_eq(req.hosts[0], "a");
	cr_assert_str_eq(req.hosts[1], " b");
	cr_assert_str_eq(req.hosts[2], "");
	cr_assert_str_eq(req.hosts[3], "c");
	cr_assert_eq(kiln_request_set_hosts(&req, "", &err), 0);
	cr_assert_eq(req.n_hosts, 0);
}

Test(request, cn_that_is_a_number_is_refused)
{
	fails_with("{\"CN\":42}", "CN: expected a string, got number");
}

Test(request, rsa_1024_is_refused)
{
	fails_with("{\"key\":{\"algo\":\"rsa\",\"size\":1024}}",
	    "key.size: RSA key size 1024 is too small (at least 2048)");
}

Test(request, rsa_over_8192_is_refused)
{
	fails_with("{\"key\":{\"algo\":\"rsa\",\"size\":16384}}",
	    "key.size: RSA key size 16384 is too large (at most 8192)");
}

Test(request, dsa_is_refused)
{
	fails_with("{\"key\":{\"algo\":\"dsa\",\"size\":2048}}",
	    "key.algo: unknown algorithm \"dsa\" (rsa or ecdsa)");
}

Test(request, ed25519_is_refused_with_the_reason)
{
	fails_with("{\"key\":{\"algo\":\"ed25519\"}}",
	    "key.algo: ed25519 is not supported (mbedTLS has no EdDSA)");
}

Test(request, ecdsa_255_is_refused)
{
	fails_with("{\"key\":{\"algo\":\"ecdsa\",\"size\":255}}",
	    "key.size: invalid ECDSA key size 255 (256, 384 or 521)");
}

Test(request, fractional_size_is_refused)
{
	fails_with(
	    "{\"key\":{\"size\":256.5}}", "key.size: 256.5 is not an integer");
}

Test(request, ca_expiry_without_unit_is_refused)
{
	fails_with("{\"ca\":{\"expiry\":\"10\"}}",
	    "ca.expiry: missing unit in duration \"10\"");
}

Test(request, hosts_must_be_strings)
{
	fails_with(
	    "{\"hosts\":[\"a\",1]}", "hosts[1]: expected a string, got number");
}

Test(request, names_must_be_objects)
{
	fails_with(
	    "{\"names\":[\"CN\"]}", "names[0]: expected an object, got string");
}

Test(request, truncated_json_is_refused)
{
	fails_with("{\"CN\":\"etcd\",", "unexpected end of JSON input");
}

Test(request, malformed_json_names_the_position)
{
	fails_with("{\n \"CN\": etcd\n}", "malformed JSON at line 2, column 8");
}

Test(request, trailing_data_is_refused)
{
	fails_with("{} x", "malformed JSON at line 1, column 4");
}

Test(request, escaped_nul_is_refused)
{
	fails_with("{\"CN\":\"a\\u0000b\"}",
	    "line 1, column 9: NUL character in a string");
}

Test(request, top_level_must_be_an_object)
{
	fails_with("[1]", "expected an object, got array");
}

/* Hosts are classified as cfssl does: IP, email, URI, then DNS. */

struct san_case {
	const char *host;
	enum kiln_san_type type;
	const char *value;
	size_t ip_len;
};

Test(request, hosts_are_classified_as_cfssl)
{
	static const struct san_case cases[] = {
	    {"192.168.66.31", KILN_SAN_IP, "192.168.66.31", 4},
	    {"2001:db8::1", KILN_SAN_IP, "2001:db8::1", 16},
	    {"::ffff:10.0.0.1", KILN_SAN_IP, "::ffff:10.0.0.1", 4},
	    {"a@example.com", KILN_SAN_EMAIL, "a@example.com", 0},
	    {"Jo <jo@example.com>", KILN_SAN_EMAIL, "jo@example.com", 0},
	    {"spiffe://cluster/ns/x", KILN_SAN_URI, "spiffe://cluster/ns/x", 0},
	    {"urn:a:b", KILN_SAN_URI, "urn:a:b", 0},
	    {"localhost:8080", KILN_SAN_URI, "localhost:8080", 0},
	    {"/path", KILN_SAN_URI, "/path", 0},
	    {"https://h:x/", KILN_SAN_DNS, "https://h:x/", 0},
	    {"etcd-1.example", KILN_SAN_DNS, "etcd-1.example", 0},
	    {"*.example.com", KILN_SAN_DNS, "*.example.com", 0},
	    {"localhost", KILN_SAN_DNS, "localhost", 0},
	    {"01.2.3.4", KILN_SAN_DNS, "01.2.3.4", 0},
	    {"fe80::1%eth0", KILN_SAN_DNS, "fe80::1%eth0", 0},
	    /* Found by fuzzing: blanks only once read far out of bounds. */
	    {" ", KILN_SAN_DNS, " ", 0},
	};
	struct kiln_sans sans;
	size_t i;

	kiln_sans_init(&sans);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(kiln_sans_add(&sans, cases[i].host, &err), 0);
		cr_assert_eq(
		    sans.v[i].type, cases[i].type, "%s", cases[i].host);
		cr_assert_str_eq(sans.v[i].value, cases[i].value);
		cr_assert_eq(
		    sans.v[i].ip_len, cases[i].ip_len, "%s", cases[i].host);
	}
	cr_assert(memcmp(sans.v[2].ip, "\x0a\x00\x00\x01", 4) == 0);
	kiln_sans_free(&sans);
}

/* The subject as cfssl builds it. */

static void
subject_is(const char *json, const char *der, size_t len)
{
	struct kiln_buf out;

	kiln_buf_init(&out);
	cr_assert_eq(parse(json), 0, "%s", err.msg);
	cr_assert_eq(
	    kiln_name_from_request(&out, &req, &err), 0, "%s", err.msg);
	cr_assert_eq(out.len, len, "length %zu, want %zu", out.len, len);
	cr_assert(memcmp(out.p, der, len) == 0);
	kiln_buf_free(&out);
}
#define SUBJECT_IS(json, lit) subject_is(json, lit, sizeof(lit) - 1)

/* A control character never reaches a DNS, email or URI SAN. */
Test(request, names_with_control_characters_are_refused)
{
	static const struct {
		const char *host, *msg;
	} bad[] = {
	    {"evil.com\nx.example.com",
	        "DNS name with control character U+000A at byte 8 refused"},
	    {"a\x1b[2Jb", "DNS name with control character U+001B at byte 1 "
	                  "refused"},
	    {"a\x7f", "DNS name with control character U+007F at byte 1 "
	              "refused"},
	    {"x\xc2\x9b" "31m", "DNS name with control character U+009B at "
	                        "byte 1 refused"},
	    {"ops\r@example.com", "DNS name with control character U+000D at "
	                          "byte 3 refused"},
	    /* Go's URI parser refuses a tab: a DNS name, refused. */
	    {"spiffe://a/\tb", "DNS name with control character U+0009 at "
	                       "byte 11 refused"},
	    /* Found by fuzzing: blanks once read far out of bounds while
	     * being classified. */
	    {"\t \t", "DNS name with control character U+0009 at byte 0 "
	               "refused"},
	};
	struct kiln_sans sans;
	size_t i;

	kiln_sans_init(&sans);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kiln_err_clear(&err);
		cr_assert_eq(kiln_sans_add(&sans, bad[i].host, &err), -1,
		    "%zu", i);
		cr_assert_str_eq(err.msg, bad[i].msg);
	}
	cr_assert_eq(sans.n, 0);
	/* UTF-8 that is not a control character stays allowed. */
	cr_assert_eq(kiln_sans_add(&sans, "z\xc3\xbcrich.example", &err), 0);
	kiln_sans_free(&sans);
}

Test(request, subject_follows_cfssl_order)
{
	/* names order is C, ST, L, O, OU whatever the JSON order, then CN */
	SUBJECT_IS("{\"CN\":\"c\",\"names\":[{\"OU\":\"u\",\"O\":\"o\","
	           "\"L\":\"l\",\"ST\":\"s\",\"C\":\"CN\"}]}",
	    "\x30\x49"
	    "\x31\x0b\x30\x09\x06\x03\x55\x04\x06\x13\x02"
	    "CN"
	    "\x31\x0a\x30\x08\x06\x03\x55\x04\x08\x13\x01"
	    "s"
	    "\x31\x0a\x30\x08\x06\x03\x55\x04\x07\x13\x01"
	    "l"
	    "\x31\x0a\x30\x08\x06\x03\x55\x04\x0a\x13\x01"
	    "o"
	    "\x31\x0a\x30\x08\x06\x03\x55\x04\x0b\x13\x01"
	    "u"
	    "\x31\x0a\x30\x08\x06\x03\x55\x04\x03\x13\x01"
	    "c");
}

Test(request, repeated_attributes_are_separate_rdns)
{
	SUBJECT_IS("{\"names\":[{\"OU\":\"a\"},{\"OU\":\"b\"}]}",
	    "\x30\x18"
	    "\x31\x0a\x30\x08\x06\x03\x55\x04\x0b\x13\x01"
	    "a"
	    "\x31\x0a\x30\x08\x06\x03\x55\x04\x0b\x13\x01"
	    "b");
}

Test(request, non_printable_values_are_utf8_strings)
{
	/* '&' and '*' are outside PrintableString; so is non-ASCII */
	SUBJECT_IS("{\"CN\":\"*.x\",\"names\":[{\"O\":\"A&B\","
	           "\"L\":\"\xc3\xa9\"}]}",
	    "\x30\x29"
	    "\x31\x0b\x30\x09\x06\x03\x55\x04\x07\x0c\x02\xc3\xa9"
	    "\x31\x0c\x30\x0a\x06\x03\x55\x04\x0a\x0c\x03"
	    "A&B"
	    "\x31\x0c\x30\x0a\x06\x03\x55\x04\x03\x0c\x03"
	    "*.x");
}

Test(request, email_and_oids_come_last_per_entry)
{
	SUBJECT_IS("{\"CN\":\"c\",\"names\":[{\"E\":\"a@b\",\"OID\":"
	           "{\"1.2.3\":\"v\"}}]}",
	    "\x30\x2b"
	    "\x31\x0a\x30\x08\x06\x03\x55\x04\x03\x13\x01"
	    "c"
	    "\x31\x09\x30\x07\x06\x02\x2a\x03\x13\x01"
	    "v"
	    "\x31\x12\x30\x10\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x09\x01"
	    "\x0c\x03"
	    "a@b");
}

Test(request, an_oid_entry_replaces_the_standard_attribute)
{
	SUBJECT_IS("{\"CN\":\"c\",\"names\":[{\"OID\":{\"2.5.4.3\":\"d\"}}]}",
	    "\x30\x0c"
	    "\x31\x0a\x30\x08\x06\x03\x55\x04\x03\x13\x01"
	    "d");
}

Test(request, empty_subject_is_an_empty_sequence)
{
	SUBJECT_IS("{}", "\x30\x00");
}

Test(request, invalid_utf8_in_a_name_is_refused)
{
	struct kiln_buf out;

	kiln_buf_init(&out);
	cr_assert_eq(parse("{\"names\":[{\"O\":\"\xc3\x28\"}]}"), 0);
	cr_assert_eq(kiln_name_from_request(&out, &req, &err), -1);
	cr_assert_str_eq(err.msg, "names[0].O: not valid UTF-8");
	kiln_buf_free(&out);
}

Test(request, bad_oid_in_names_is_refused)
{
	struct kiln_buf out;

	kiln_buf_init(&out);
	cr_assert_eq(parse("{\"names\":[{\"OID\":{\"x.1\":\"v\"}}]}"), 0);
	cr_assert_eq(kiln_name_from_request(&out, &req, &err), -1);
	cr_assert_str_eq(err.msg, "names[0].OID.x.1: invalid OID \"x.1\"");
	kiln_buf_free(&out);
}
