/*
 * kiln_cert_parse's input rules at the edges: the PEM shapes real files
 * have (a byte order mark, CRLF lines, text before the block, a chain
 * where one certificate is expected) and the broken ones.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kiln/buf.h"
#include "kiln/cert.h"
#include "kiln/file.h"

static struct kiln_cert cert;
static struct kiln_buf pem, in;
static struct kiln_err err;

static void
setup(void)
{
	char path[512];

	kiln_cert_init(&cert);
	kiln_buf_init(&pem);
	kiln_buf_init(&in);
	kiln_err_clear(&err);
	snprintf(path, sizeof(path), "%s/keys/p256-cert.pem", KILN_TEST_DATA);
	cr_assert_eq(kiln_file_read(path, &pem, &err), 0, "%s", err.msg);
}

static void
teardown(void)
{
	kiln_cert_free(&cert);
	kiln_buf_free(&pem);
	kiln_buf_free(&in);
}

TestSuite(cert, .init = setup, .fini = teardown);

/* "before" + the certificate's PEM with its lines ending in "eol". */
static void
make(const char *before, const char *eol)
{
	size_t i;

	in.len = 0;
	cr_assert_eq(kiln_buf_append(&in, before, strlen(before), &err), 0);
	for (i = 0; i < pem.len; i++)
		if (pem.p[i] == '\n')
			cr_assert_eq(
			    kiln_buf_append(&in, eol, strlen(eol), &err), 0);
		else
			cr_assert_eq(
			    kiln_buf_append(&in, pem.p + i, 1, &err), 0);
}

static void
parses(void)
{
	kiln_err_clear(&err);
	cr_assert_eq(
	    kiln_cert_parse(&cert, in.p, in.len, &err), 0, "%s", err.msg);
	cr_assert_eq(cert.crt.subject.val.len, 4);
	cr_assert_eq(memcmp(cert.crt.subject.val.p, "test", 4), 0);
}

static void
refused(const char *msg)
{
	kiln_err_clear(&err);
	cr_assert_eq(kiln_cert_parse(&cert, in.p, in.len, &err), -1);
	cr_assert_str_eq(err.msg, msg);
}

Test(cert, plain_pem_crlf_bom_and_text_before)
{
	make("", "\n");
	parses();
	make("", "\r\n");
	parses();
	make("\xef\xbb\xbf", "\n");
	parses();
	make("subject=CN = test\nissuer=CN = test\n", "\n");
	parses();
}

Test(cert, der_as_is)
{
	struct kiln_buf der;

	kiln_buf_init(&der);
	make("", "\n");
	parses();
	cr_assert_eq(
	    kiln_buf_append(&der, cert.crt.raw.p, cert.crt.raw.len, &err), 0);
	cr_assert_eq(
	    kiln_cert_parse(&cert, der.p, der.len, &err), 0, "%s", err.msg);
	cr_assert_eq(cert.crt.raw.len, der.len);
	kiln_buf_free(&der);
}

Test(cert, two_blocks_are_refused)
{
	make("", "\n");
	cr_assert_eq(kiln_buf_append(&in, pem.p, pem.len, &err), 0);
	refused("expected exactly one PEM certificate");
}

Test(cert, another_label_is_refused)
{
	static const char key[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n"
	                          "-----END PRIVATE KEY-----\n";

	in.len = 0;
	cr_assert_eq(kiln_buf_append(&in, key, strlen(key), &err), 0);
	refused("not a PEM certificate");
}

Test(cert, broken_pem_is_refused)
{
	char line[2048], *end;

	/* No END line. */
	make("", "\n");
	end = strstr((char *)in.p, "-----END");
	in.len = (size_t)((unsigned char *)end - in.p);
	refused("not a PEM certificate");
	/* A character that is not base64. */
	make("", "\n");
	in.p[40] = '*';
	refused("not a PEM certificate");
	/* Headers, as an encrypted PEM block has. */
	make("", "\n");
	end = strchr((char *)in.p, '\n') + 1;
	cr_assert_eq(kiln_buf_append(&in, "", 1, &err), 0);
	snprintf(line, sizeof(line), "%.*s%s%s", (int)(end - (char *)in.p),
	    (char *)in.p, "Proc-Type: 4,ENCRYPTED\n\n", end);
	in.len = 0;
	cr_assert_eq(kiln_buf_append(&in, line, strlen(line), &err), 0);
	refused("not a PEM certificate");
	/* Nothing at all. */
	in.len = 0;
	refused("not a valid certificate: X509 - The CRT/CRL/CSR format is "
	        "invalid, e.g. different type expected (-0x2180)");
}

/* An indented block (a PEM pasted into YAML) is read as kiln check reads
 * it. */
Test(cert, indented_pem)
{
	make("  ", "\n  ");
	parses();
}
