#include <string.h>

#include <criterion/criterion.h>

#include "kiln/cfssljson.h"

static struct kiln_cfssljson out;
static struct kiln_err err;

static void
setup(void)
{
	kiln_cfssljson_init(&out);
	kiln_err_clear(&err);
}

static void
teardown(void)
{
	kiln_cfssljson_free(&out);
}

TestSuite(cfssljson, .init = setup, .fini = teardown);

static int
parse(const char *json, int bare)
{
	return kiln_cfssljson_parse(&out, json, strlen(json), bare, &err);
}

static void
part_is(enum kiln_cfssljson_part part, const char *want)
{
	cr_assert_eq(out.part[part].len, strlen(want));
	cr_assert(memcmp(out.part[part].p, want, strlen(want)) == 0);
}

Test(cfssljson, bare_output_of_gencert)
{
	cr_assert_eq(
	    parse("{\"cert\":\"C\",\"csr\":\"R\",\"key\":\"K\"}", 1), 0);
	part_is(KILN_OUT_CERT, "C");
	part_is(KILN_OUT_CSR, "R");
	part_is(KILN_OUT_KEY, "K");
	cr_assert_eq(out.part[KILN_OUT_ENC_KEY].len, 0);
}

Test(cfssljson, api_envelope_and_long_names)
{
	cr_assert_eq(
	    parse("{\"success\":true,\"result\":{\"certificate\":\"C\","
	          "\"private_key\":\"K\",\"certificate_request\":\"R\"}}",
	        0),
	    0);
	part_is(KILN_OUT_CERT, "C");
	part_is(KILN_OUT_KEY, "K");
	part_is(KILN_OUT_CSR, "R");
}

Test(cfssljson, bundle_is_bundle_then_root)
{
	cr_assert_eq(
	    parse("{\"bundle\":{\"bundle\":\"B\",\"root\":\"R\"}}", 1), 0);
	part_is(KILN_OUT_BUNDLE, "B\nR");
	part_is(KILN_OUT_ROOT, "R");
}

Test(cfssljson, ocsp_response_is_decoded)
{
	cr_assert_eq(parse("{\"ocspResponse\":\"AAEC\"}", 1), 0);
	cr_assert_eq(out.part[KILN_OUT_OCSP].len, 3);
	cr_assert(memcmp(out.part[KILN_OUT_OCSP].p, "\x00\x01\x02", 3) == 0);
}

Test(cfssljson, empty_strings_are_skipped)
{
	cr_assert_eq(parse("{\"cert\":\"\",\"key\":\"K\"}", 1), 0);
	cr_assert_eq(out.part[KILN_OUT_CERT].len, 0);
}

Test(cfssljson, keys_are_exact_and_the_last_wins)
{
	cr_assert_eq(
	    parse("{\"Cert\":\"X\",\"cert\":\"A\",\"cert\":\"B\"}", 1), 0);
	part_is(KILN_OUT_CERT, "B");
}

Test(cfssljson, a_number_for_cert_is_refused)
{
	cr_assert_eq(parse("{\"cert\":42,\"key\":\"K\"}", 1), -1);
	cr_assert_eq(err.code, KILN_EINVAL);
	cr_assert_str_eq(err.msg, "cert: expected a string, got number");
}

Test(cfssljson, a_failed_request_gives_its_messages)
{
	cr_assert_eq(parse("{\"success\":false,\"errors\":[{\"code\":1,"
	                   "\"message\":\"a\"},{\"message\":\"b\"}]}",
	                 0),
	    -1);
	cr_assert_str_eq(err.msg, "request failed: a; b");
}

Test(cfssljson, raw_output_without_bare_is_a_failed_request)
{
	cr_assert_eq(parse("{\"cert\":\"C\"}", 0), -1);
	cr_assert_str_eq(err.msg, "request failed");
}

Test(cfssljson, bad_base64_is_refused)
{
	cr_assert_eq(parse("{\"ocspResponse\":\"!!\"}", 1), -1);
	cr_assert_str_eq(err.msg, "ocspResponse: not valid base64");
}

Test(cfssljson, empty_input_is_truncated_json)
{
	cr_assert_eq(parse("", 1), -1);
	cr_assert_str_eq(err.msg, "unexpected end of JSON input");
}

Test(cfssljson, modes_and_names)
{
	cr_assert_eq(kiln_cfssljson_mode(KILN_OUT_KEY), 0600);
	cr_assert_eq(kiln_cfssljson_mode(KILN_OUT_ENC_KEY), 0600);
	cr_assert_eq(kiln_cfssljson_mode(KILN_OUT_CERT), 0644);
	cr_assert_str_eq(kiln_cfssljson_suffix(KILN_OUT_KEY), "-key.pem");
	cr_assert_str_eq(kiln_cfssljson_suffix(KILN_OUT_OCSP), "-response.der");
}
