#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <mbedtls/pk.h>

#include "core/compat.h"
#include "kiln/cert.h"
#include "kiln/file.h"
#include "kiln/key.h"

static struct kiln_rng rng;
static struct kiln_key key;
static struct kiln_err err;

static void
setup(void)
{
	kiln_rng_init(&rng);
	kiln_key_init(&key);
	kiln_err_clear(&err);
	cr_assert_eq(kiln_rng_seed(&rng, "test_key", &err), 0);
}

static void
teardown(void)
{
	kiln_key_free(&key);
	kiln_rng_free(&rng);
}

TestSuite(key, .init = setup, .fini = teardown, .timeout = 60);

static void
load_password(const char *name, const char *password)
{
	char path[512];
	struct kiln_buf buf;

	kiln_buf_init(&buf);
	snprintf(path, sizeof(path), "%s/keys/%s", KILN_TEST_DATA, name);
	cr_assert_eq(kiln_file_read(path, &buf, &err), 0, "%s", err.msg);
	cr_assert_eq(kiln_key_parse_password(
	                 &key, buf.p, buf.len, password, &rng, &err),
	    0, "%s: %s", name, err.msg);
	kiln_buf_free(&buf);
}

static void
load(const char *name)
{
	load_password(name, NULL);
}

static const char *
describe(void)
{
	static char d[32];

	return kiln_key_describe(&key.pk, d, sizeof(d));
}

Test(key, generates_each_curve)
{
	static const int sizes[] = {256, 384, 521};
	struct kiln_keyreq kr = {.algo = KILN_KEY_ECDSA, .size = 0};
	char want[32];
	size_t i;

	for (i = 0; i < 3; i++) {
		kr.size = sizes[i];
		cr_assert_eq(kiln_key_generate(&key, &kr, &rng, &err), 0);
		snprintf(want, sizeof(want), "ecdsa-%d", sizes[i]);
		cr_assert_str_eq(describe(), want);
		cr_assert_eq(
		    kiln_pk_check_pair(&key.pk, &key.pk, kiln_rng_random, &rng),
		    0);
	}
}

Test(key, generates_rsa_2048_with_e_65537)
{
	struct kiln_keyreq kr = {.algo = KILN_KEY_RSA, .size = 2048};
	mbedtls_mpi e;

	mbedtls_mpi_init(&e);
	cr_assert_eq(kiln_key_generate(&key, &kr, &rng, &err), 0);
	cr_assert_str_eq(describe(), "rsa-2048");
	cr_assert_eq(mbedtls_rsa_export(
	                 mbedtls_pk_rsa(key.pk), NULL, NULL, NULL, NULL, &e),
	    0);
	cr_assert_eq(mbedtls_mpi_cmp_int(&e, 65537), 0);
	cr_assert_eq(mbedtls_rsa_check_privkey(mbedtls_pk_rsa(key.pk)), 0);
	mbedtls_mpi_free(&e);
}

Test(key, generates_rsa_on_the_calling_thread_alone)
{
	struct kiln_keyreq kr = {
	    .algo = KILN_KEY_RSA, .size = 2048, .threads = 1};

	cr_assert_eq(kiln_key_generate(&key, &kr, &rng, &err), 0, "%s", err.msg);
	cr_assert_eq(kiln_pk_bitlen(&key.pk), 2048);
	cr_assert_eq(mbedtls_rsa_check_privkey(mbedtls_pk_rsa(key.pk)), 0);
}

Test(key, refuses_a_bad_ecdsa_size)
{
	struct kiln_keyreq kr = {.algo = KILN_KEY_ECDSA, .size = 255};

	cr_assert_eq(kiln_key_generate(&key, &kr, &rng, &err), -1);
	cr_assert_eq(err.code, KILN_EINVAL);
	cr_assert_str_eq(
	    err.msg, "invalid ECDSA key size 255 (256, 384 or 521)");
}

Test(key, pem_out_is_sec1_and_parses_back)
{
	struct kiln_keyreq kr = {.algo = KILN_KEY_ECDSA, .size = 256};
	struct kiln_key back;
	struct kiln_buf pem;

	kiln_buf_init(&pem);
	kiln_key_init(&back);
	cr_assert_eq(kiln_key_generate(&key, &kr, &rng, &err), 0);
	cr_assert_eq(kiln_key_write_pem(&key, &pem, &err), 0);
	cr_assert(strncmp((char *)pem.p, "-----BEGIN EC PRIVATE KEY-----\n",
	              31) == 0);
	cr_assert_eq(pem.p[pem.len - 1], '\n');
	cr_assert_eq(kiln_key_parse(&back, pem.p, pem.len, &rng, &err), 0);
	cr_assert_eq(
	    kiln_pk_check_pair(&key.pk, &back.pk, kiln_rng_random, &rng), 0);
	kiln_key_free(&back);
	kiln_buf_free(&pem);
}

/* kiln's PEM armour gives back OpenSSL's bytes, up to RSA-8192. */
Test(key, pem_out_is_openssls_byte_for_byte)
{
	static const char *const files[] = {
	    "p256-sec1.pem", "rsa2048-pkcs1.pem", "rsa8192-pkcs1.pem"};
	struct kiln_buf want, got;
	char path[512];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		kiln_buf_init(&want);
		kiln_buf_init(&got);
		snprintf(path, sizeof(path), "%s/keys/%s", KILN_TEST_DATA,
		    files[i]);
		cr_assert_eq(kiln_file_read(path, &want, &err), 0);
		load(files[i]);
		cr_assert_eq(kiln_key_write_pem(&key, &got, &err), 0, "%s: %s",
		    files[i], err.msg);
		cr_assert_eq(got.len, want.len, "%s: %zu bytes, want %zu",
		    files[i], got.len, want.len);
		cr_assert_arr_eq(got.p, want.p, want.len, "%s", files[i]);
		kiln_buf_free(&want);
		kiln_buf_free(&got);
	}
}

Test(key, reads_pkcs1_sec1_pkcs8_and_der)
{
	load("rsa2048-pkcs1.pem");
	cr_assert_str_eq(describe(), "rsa-2048");
	load("rsa2048-pkcs8.pem");
	cr_assert_str_eq(describe(), "rsa-2048");
	load("p256-sec1.pem");
	cr_assert_str_eq(describe(), "ecdsa-256");
	load("p384-pkcs8.pem");
	cr_assert_str_eq(describe(), "ecdsa-384");
	load("p256-sec1.der");
	cr_assert_str_eq(describe(), "ecdsa-256");
}

Test(key, skips_openssl_ec_parameters)
{
	load("p256-with-params.pem");
	cr_assert_str_eq(describe(), "ecdsa-256");
}

Test(key, refuses_weak_rsa)
{
	struct kiln_buf buf;
	char path[512];

	kiln_buf_init(&buf);
	snprintf(path, sizeof(path), "%s/keys/rsa1024.pem", KILN_TEST_DATA);
	cr_assert_eq(kiln_file_read(path, &buf, &err), 0);
	cr_assert_eq(kiln_key_parse(&key, buf.p, buf.len, &rng, &err), -1);
	cr_assert_str_eq(
	    err.msg, "RSA key of 1024 bits (2048 to 8192 are accepted)");
	kiln_buf_free(&buf);
}

Test(key, encrypted_key_needs_its_password)
{
	struct kiln_buf buf;
	char path[512];

	kiln_buf_init(&buf);
	snprintf(
	    path, sizeof(path), "%s/keys/p256-encrypted.pem", KILN_TEST_DATA);
	cr_assert_eq(kiln_file_read(path, &buf, &err), 0);
	cr_assert_eq(kiln_key_parse(&key, buf.p, buf.len, &rng, &err), -1);
	cr_assert_str_eq(
	    err.msg, "private key is encrypted, and no password was given");
	kiln_err_clear(&err);
	cr_assert_eq(
	    kiln_key_parse_password(&key, buf.p, buf.len, "wrong", &rng, &err),
	    -1);
	cr_assert_str_eq(
	    err.msg, "private key is encrypted, and the password is wrong");
	kiln_err_clear(&err);
	/* Legacy PEM, AES-256-CBC: mbedTLS decrypts it with the password. */
	cr_assert_eq(
	    kiln_key_parse_password(&key, buf.p, buf.len, "kiln", &rng, &err),
	    0, "%s", err.msg);
	cr_assert_eq(mbedtls_pk_get_bitlen(&key.pk), 256);
	kiln_buf_free(&buf);
}

static void
expect_password_error(const char *file, const char *password, const char *msg)
{
	struct kiln_buf buf;
	char path[512];

	kiln_buf_init(&buf);
	snprintf(path, sizeof(path), "%s/keys/%s", KILN_TEST_DATA, file);
	cr_assert_eq(kiln_file_read(path, &buf, &err), 0);
	cr_assert_eq(
	    kiln_key_parse_password(&key, buf.p, buf.len, password, &rng, &err),
	    -1, "%s with %s", file, password);
	cr_assert_str_eq(err.msg, msg);
	kiln_err_clear(&err);
	kiln_buf_free(&buf);
}

Test(key, a_wrong_password_is_named_even_when_the_padding_passes)
{
	expect_password_error("p256-pkcs8-des3-padding-luck.pem", "wrong",
	    "private key is encrypted, and the password is wrong");
	load_password("p256-pkcs8-des3-padding-luck.pem", "kiln");
	cr_assert_str_eq(describe(), "ecdsa-256");
}

#if MBEDTLS_VERSION_NUMBER >= 0x03060000
#define CANNOT_DECRYPT                                                         \
	"private key is encrypted in a way mbedTLS cannot decrypt (it can: "   \
	"legacy PEM, and PKCS#8 with AES or 3DES, e.g. openssl pkcs8 -topk8 "  \
	"-v2 aes-256-cbc)"
#else
#define CANNOT_DECRYPT                                                         \
	"private key is encrypted in a way mbedTLS cannot decrypt (it can: "   \
	"legacy PEM, and PKCS#8 with 3DES, e.g. openssl pkcs8 -topk8 -v2 "     \
	"des3)"
#endif

/* No mbedTLS derives a key with scrypt. */
Test(key, a_cipher_mbedtls_lacks_is_named_as_such)
{
	static const char *const passwords[] = {"kiln", "wrong"};

	for (size_t i = 0; i < 2; i++)
		expect_password_error(
		    "p256-pkcs8-scrypt.pem", passwords[i], CANNOT_DECRYPT);
}

/* OpenSSL's default PKCS#8 encryption: AES-256-CBC, from mbedTLS 3.6 on. */
Test(key, pkcs8_with_aes_decrypts_from_mbedtls_3_6)
{
#if MBEDTLS_VERSION_NUMBER >= 0x03060000
	load_password("p256-pkcs8-aes256.pem", "kiln");
	cr_assert_str_eq(describe(), "ecdsa-256");
	expect_password_error("p256-pkcs8-aes256.pem", "wrong",
	    "private key is encrypted, and the password is wrong");
#else
	expect_password_error("p256-pkcs8-aes256.pem", "kiln", CANNOT_DECRYPT);
#endif
}

Test(key, refuses_garbage)
{
	cr_assert_eq(kiln_key_parse(&key, (const unsigned char *)"nonsense", 8,
	                 &rng, &err),
	    -1);
	cr_assert_str_eq(err.msg, "not a private key");
}

/* keys/p256-cert.pem, whose key is keys/p256-sec1.pem, into "cert". */
static void
load_p256_cert(struct kiln_cert *cert)
{
	struct kiln_buf buf;
	char path[512];

	kiln_buf_init(&buf);
	snprintf(path, sizeof(path), "%s/keys/p256-cert.pem", KILN_TEST_DATA);
	cr_assert_eq(kiln_file_read(path, &buf, &err), 0);
	cr_assert_eq(
	    kiln_cert_parse(cert, buf.p, buf.len, &err), 0, "%s", err.msg);
	kiln_buf_free(&buf);
}

/* notAfter=Nov 21 07:58:48 2036 GMT, as openssl x509 -enddate shows it. */
Test(key, a_certificates_not_after_in_seconds)
{
	struct kiln_cert cert;

	kiln_cert_init(&cert);
	load_p256_cert(&cert);
	cr_assert_eq(kiln_cert_not_after(&cert), 2110867128LL);
	kiln_cert_free(&cert);
}

Test(key, checks_a_key_against_a_certificate)
{
	struct kiln_cert cert;

	kiln_cert_init(&cert);
	load_p256_cert(&cert);
	load("p256-sec1.pem");
	cr_assert_eq(kiln_key_check_pair(&cert.crt.pk, &key, &err), 0);
	load("p384-pkcs8.pem");
	cr_assert_eq(kiln_key_check_pair(&cert.crt.pk, &key, &err), -1);
	cr_assert_str_eq(err.msg, "private key does not match the certificate");
	kiln_cert_free(&cert);
}

/*
 * p256-sec1-foreign-public.pem carries p256-cert.pem's public point with
 * another key's scalar (openssl ec -check: "EC Key Invalid!").  It would
 * match that certificate by its public key alone, and sign CSRs that
 * fail their own check: loading it is refused.  A generated key matches
 * its own public key and no other.
 */
Test(key, a_key_whose_public_part_is_not_its_own_is_refused)
{
	struct kiln_keyreq kr = {.algo = KILN_KEY_ECDSA, .size = 256};
	struct kiln_buf text;
	struct kiln_key other;
	char path[512];

	kiln_key_init(&other);
	kiln_buf_init(&text);
	snprintf(path, sizeof(path), "%s/keys/p256-sec1-foreign-public.pem",
	    KILN_TEST_DATA);
	cr_assert_eq(kiln_file_read(path, &text, &err), 0, "%s", err.msg);
	cr_assert_eq(
	    kiln_key_parse(&key, text.p, text.len, &rng, &err), -1);
	cr_assert_str_eq(err.msg, "private key: its public part is not its "
	                          "private part's (a corrupt or forged key)");
	cr_assert_eq(mbedtls_pk_get_type(&key.pk), MBEDTLS_PK_NONE);

	cr_assert_eq(kiln_key_generate(&other, &kr, &rng, NULL), 0);
	cr_assert_eq(kiln_key_check_pair(&other.pk, &other, NULL), 0);
	load("p256-sec1.pem");
	cr_assert_eq(kiln_key_check_pair(&other.pk, &key, &err), -1);
	kiln_buf_free(&text);
	kiln_key_free(&other);
}

Test(key, signature_hash_follows_cfssl)
{
	struct kiln_keyreq kr = {.algo = KILN_KEY_ECDSA, .size = 384};

	cr_assert_eq(kiln_key_generate(&key, &kr, &rng, &err), 0);
	cr_assert_eq(kiln_key_sig_md(&key.pk), MBEDTLS_MD_SHA384);
	load("rsa2048-pkcs1.pem");
	cr_assert_eq(kiln_key_sig_md(&key.pk), MBEDTLS_MD_SHA256);
	load("rsa3072.pem");
	cr_assert_eq(kiln_key_sig_md(&key.pk), MBEDTLS_MD_SHA384);
}

/* The key file "name" with "before" put in front and "\n" made "eol". */
static int
parse_edited(const char *name, const char *before, const char *eol)
{
	struct kiln_buf buf, in;
	char path[512];
	size_t i;
	int rc;

	kiln_buf_init(&buf);
	kiln_buf_init(&in);
	snprintf(path, sizeof(path), "%s/keys/%s", KILN_TEST_DATA, name);
	cr_assert_eq(kiln_file_read(path, &buf, &err), 0, "%s", err.msg);
	cr_assert_eq(kiln_buf_append(&in, before, strlen(before), &err), 0);
	for (i = 0; i < buf.len; i++)
		cr_assert_eq(buf.p[i] == '\n'
		                 ? kiln_buf_append(&in, eol, strlen(eol), &err)
		                 : kiln_buf_append(&in, buf.p + i, 1, &err),
		    0);
	kiln_err_clear(&err);
	rc = kiln_key_parse(&key, in.p, in.len, &rng, &err);
	kiln_buf_free(&buf);
	kiln_buf_free(&in);
	return rc;
}

/* The PEM shapes real key files have: CRLF lines, a byte order mark, a
 * certificate or other text before the key. */
Test(key, pem_at_the_edges)
{
	static const char *const files[] = {
	    "p256-sec1.pem", "rsa2048-pkcs1.pem", "p384-pkcs8.pem"};
	struct kiln_buf cert;
	char path[512], *text;
	size_t i;

	for (i = 0; i < 3; i++) {
		cr_assert_eq(parse_edited(files[i], "", "\r\n"), 0, "%s: %s",
		    files[i], err.msg);
		cr_assert_eq(parse_edited(files[i], "\xef\xbb\xbf", "\n"), 0,
		    "%s: %s", files[i], err.msg);
		cr_assert_eq(parse_edited(files[i], "a comment\n", "\n"), 0,
		    "%s: %s", files[i], err.msg);
	}
	kiln_buf_init(&cert);
	snprintf(path, sizeof(path), "%s/keys/p256-cert.pem", KILN_TEST_DATA);
	cr_assert_eq(kiln_file_read(path, &cert, &err), 0);
	cr_assert_eq(kiln_buf_terminate(&cert, &err), 0);
	text = (char *)cert.p;
	cr_assert_eq(
	    parse_edited("p256-sec1.pem", text, "\n"), 0, "%s", err.msg);
	cr_assert_str_eq(describe(), "ecdsa-256");
	kiln_buf_free(&cert);
}

/* Broken key PEM: one message, whatever the break. */
Test(key, broken_pem_is_not_a_key)
{
	static const char *const bad[] = {
	    "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n",
	    ("-----BEGIN EC PRIVATE KEY-----\nMHc*AQEE\n"
	     "-----END EC PRIVATE KEY-----\n"),
	    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
	    "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kiln_err_clear(&err);
		cr_assert_eq(kiln_key_parse(&key, (const unsigned char *)bad[i],
		                 strlen(bad[i]), &rng, &err),
		    -1, "%zu", i);
		cr_assert_str_eq(err.msg, "not a private key", "%zu", i);
	}
}
