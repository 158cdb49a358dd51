/*
 * The one base64 (src/asn1/pem.c): the encoder every writer uses and the
 * decoder the inspector reads PEM bodies with, round trip and rejects.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "kiln/pem.h"

TestSuite(pem);

/* The base64 of "n" bytes "in", compared with "want". */
static void
encodes(const char *in, size_t n, const char *want)
{
	struct kiln_buf b;
	struct kiln_err err;

	kiln_buf_init(&b);
	kiln_err_clear(&err);
	cr_assert_eq(kiln_buf_append(&b, "<", 1, &err), 0);
	cr_assert_eq(
	    kiln_base64_append(&b, (const unsigned char *)in, n, &err), 0);
	cr_assert_eq(kiln_buf_terminate(&b, &err), 0);
	cr_assert_str_eq((char *)b.p + 1, want);
	cr_assert_eq(b.p[0], '<');
	kiln_buf_free(&b);
}

/* What decoding "s" returns, with the bytes in "out". */
static int
decodes(const char *s, struct kiln_buf *out)
{
	struct kiln_err err;
	int rc;

	kiln_err_clear(&err);
	rc = kiln_base64_decode((const unsigned char *)s, strlen(s), out, &err);
	cr_assert_eq(err.code, KILN_OK);
	return rc;
}

Test(pem, base64_encodes_rfc4648_vectors)
{
	encodes("", 0, "");
	encodes("f", 1, "Zg==");
	encodes("fo", 2, "Zm8=");
	encodes("foo", 3, "Zm9v");
	encodes("foobar", 6, "Zm9vYmFy");
	encodes("\xfb\xff\x00", 3, "+/8A");
}

Test(pem, base64_round_trip)
{
	unsigned char in[300];
	struct kiln_buf enc, dec;
	struct kiln_err err;
	size_t n, i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 37 + 11);
	kiln_err_clear(&err);
	for (n = 1; n <= sizeof(in); n += 7) {
		kiln_buf_init(&enc);
		kiln_buf_init(&dec);
		cr_assert_eq(kiln_base64_append(&enc, in, n, &err), 0);
		cr_assert_eq(enc.len, (n + 2) / 3 * 4);
		cr_assert_eq(kiln_base64_decode(enc.p, enc.len, &dec, &err), 0);
		cr_assert_eq(dec.len, n);
		cr_assert_eq(memcmp(dec.p, in, n), 0);
		kiln_buf_free(&enc);
		kiln_buf_free(&dec);
	}
}

Test(pem, base64_decode_skips_blanks_and_line_ends)
{
	struct kiln_buf b;

	kiln_buf_init(&b);
	cr_assert_eq(decodes("  Zm9v\r\n\tYmFy\nZg==\n", &b), 0);
	cr_assert_eq(b.len, 7);
	cr_assert_eq(memcmp(b.p, "foobarf", 7), 0);
	kiln_buf_free(&b);
}

Test(pem, base64_decode_rejects)
{
	struct kiln_buf b;

	kiln_buf_init(&b);
	/* Nothing to decode. */
	cr_assert_eq(decodes("", &b), 1);
	cr_assert_eq(decodes(" \n", &b), 1);
	/* An incomplete quadruple. */
	cr_assert_eq(decodes("Zm9", &b), 1);
	cr_assert_eq(decodes("Zm9vY", &b), 1);
	/* Padding before the end, or too much of it. */
	cr_assert_eq(decodes("Zg==Zm9v", &b), 1);
	cr_assert_eq(decodes("Z===", &b), 1);
	/* A character outside the alphabet: URL-safe, a header, bytes. */
	cr_assert_eq(decodes("Zm9-", &b), 1);
	cr_assert_eq(decodes("Proc-Type: 4,ENCRYPTED\n", &b), 1);
	cr_assert_eq(decodes("Zm9v\x80\x80\x80\x80", &b), 1);
	kiln_buf_free(&b);
}

/* KILN_PEM_KEY finds any private key block, and nothing else. */
Test(pem, next_any_private_key)
{
	static const char text[] =
	    "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
	    "-----BEGIN PUBLIC KEY-----\nBBBB\n-----END PUBLIC KEY-----\n"
	    "-----BEGIN EC PRIVATE KEY-----\nCCCC\n-----END EC PRIVATE "
	    "KEY-----\n"
	    "-----BEGIN PRIVATE KEY-----\r\nDDDD\r\n-----END PRIVATE "
	    "KEY-----\r\n"
	    "-----BEGIN ENCRYPTED PRIVATE KEY-----\nEEEE\n"
	    "-----END ENCRYPTED PRIVATE KEY-----\n"
	    "-----BEGIN PRIVATE KEYS-----\nFFFF\n-----END PRIVATE KEYS-----\n";
	static const char *const want[] = {
	    "EC PRIVATE KEY", "PRIVATE KEY", "ENCRYPTED PRIVATE KEY"};
	struct kiln_pem_block blk;
	struct kiln_err err;
	size_t pos = 0, i;

	kiln_err_clear(&err);
	for (i = 0; i < 3; i++) {
		cr_assert_eq(
		    kiln_pem_next(text, &pos, KILN_PEM_KEY, &blk, &err), 1,
		    "%zu", i);
		cr_assert_str_eq(blk.label, want[i]);
		cr_assert_eq(blk.body_len, i == 1 ? 6 : 5);
	}
	cr_assert_eq(kiln_pem_next(text, &pos, KILN_PEM_KEY, &blk, &err), 0);
	cr_assert_eq(err.code, KILN_OK);
}
