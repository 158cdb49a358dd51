/*
 * CRLs (RFC 5280 section 5), written with the DER builder of der.c since
 * mbedTLS 2.28 has no CRL writer.
 */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/bignum.h>
#include <mbedtls/oid.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/x509.h>

#include "core/compat.h"
#include "asn1/der.h"
#include "kiln/crl.h"

/* Longest serial file line shown in an error message. */
#define SHOW_MAX 40

/* RFC 5280 5.2.3: "CRL issuers MUST NOT use CRLNumber values longer than
 * 20 octets." */
#define CRL_NUMBER_MAX 20

/* 9999-12-31T23:59:59Z, the last time a GeneralizedTime can hold. */
#define TIME_MAX 253402300799LL

void
kiln_serials_init(struct kiln_serials *s)
{
	s->v = NULL;
	s->n = 0;
}

/* Free the serials from index "from" on. */
static void
truncate_serials(struct kiln_serials *s, size_t from)
{
	while (s->n > from) {
		s->n--;
		mbedtls_platform_zeroize(s->v[s->n].p, s->v[s->n].len);
		free(s->v[s->n].p);
		s->v[s->n].p = NULL;
	}
}

void
kiln_serials_free(struct kiln_serials *s)
{
	truncate_serials(s, 0);
	free(s->v);
	kiln_serials_init(s);
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * "p" ("n" bytes) as an error message shows it: at most SHOW_MAX bytes,
 * anything but printable ASCII as '?'.
 */
static void
show(char *out, const char *p, size_t n)
{
	size_t i, k = n > SHOW_MAX ? SHOW_MAX : n;

	for (i = 0; i < k; i++)
		out[i] =
		    (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"') ? p[i] : '?';
	if (n > k) {
		memcpy(out + k, "...", 3);
		k += 3;
	}
	out[k] = '\0';
}

/*
 * Decimal "p" ("n" bytes, digits only) as the contents of a positive
 * INTEGER.  Returns 0, 1 if the number is zero, or -1 with "err" set.
 */
static int
decimal_serial(
    struct kiln_serial *out, const char *p, size_t n, struct kiln_err *err)
{
	mbedtls_mpi x;
	char *s = NULL;
	unsigned char *b = NULL;
	size_t size, pad;
	int ret, rc = -1;

	mbedtls_mpi_init(&x);
	if ((s = malloc(n + 1)) == NULL) {
		kiln_err_sys(err, "malloc");
		goto cleanup;
	}
	memcpy(s, p, n);
	s[n] = '\0';
	if ((ret = mbedtls_mpi_read_string(&x, 10, s)) != 0) {
		kiln_err_mbed(err, ret, "mbedtls_mpi_read_string");
		goto cleanup;
	}
	if (mbedtls_mpi_cmp_int(&x, 0) == 0) {
		rc = 1;
		goto cleanup;
	}
	/* A set high bit would make the INTEGER negative: prefix 0x00. */
	size = mbedtls_mpi_size(&x);
	pad = mbedtls_mpi_bitlen(&x) % 8 == 0 ? 1 : 0;
	if ((b = malloc(size + pad)) == NULL) {
		kiln_err_sys(err, "malloc");
		goto cleanup;
	}
	b[0] = 0;
	if ((ret = mbedtls_mpi_write_binary(&x, b + pad, size)) != 0) {
		kiln_err_mbed(err, ret, "mbedtls_mpi_write_binary");
		goto cleanup;
	}
	out->p = b;
	out->len = size + pad;
	b = NULL; /* owned by "out" */
	rc = 0;
cleanup:
	free(b);
	free(s);
	mbedtls_mpi_free(&x);
	return rc;
}

/* Append "serial" to "s", taking its bytes.  Returns 0 or -1. */
static int
append_serial(struct kiln_serials *s, struct kiln_serial *serial, size_t *cap,
    struct kiln_err *err)
{
	struct kiln_serial *v;
	size_t ncap;

	if (s->n == *cap) {
		ncap = *cap < 8 ? 8 : *cap * 2;
		if ((v = realloc(s->v, ncap * sizeof(*v))) == NULL)
			return kiln_err_sys(err, "realloc");
		s->v = v;
		*cap = ncap;
	}
	s->v[s->n++] = *serial;
	serial->p = NULL; /* owned by "s" */
	return 0;
}

int
kiln_serials_parse(struct kiln_serials *s, const char *text, size_t len,
    const char *name, struct kiln_err *err)
{
	struct kiln_serial serial = {NULL, 0};
	const char *line = text, *end = text + len, *eol, *p, *q, *digits;
	char shown[SHOW_MAX + 4];
	size_t n0 = s->n, cap = s->n, lineno = 0, i;
	int r, rc = -1;

	while (line < end) {
		lineno++;
		if ((eol = memchr(line, '\n', (size_t)(end - line))) == NULL)
			eol = end;
		for (p = line; p < eol && is_space(*p); p++)
			;
		for (q = eol; q > p && is_space(q[-1]); q--)
			;
		line = eol < end ? eol + 1 : end;
		if (p == q)
			continue;
		digits = *p == '-' ? p + 1 : p;
		for (i = 0; digits + i < q; i++)
			if (digits[i] < '0' || digits[i] > '9')
				break;
		show(shown, p, (size_t)(q - p));
		if (digits == q || digits + i != q) {
			kiln_err_set(err, KILN_EINVAL,
			    "%s: line %zu: \"%s\" is not a decimal serial "
			    "number",
			    name, lineno, shown);
			goto cleanup;
		}
		if ((r = decimal_serial(&serial, digits, i, err)) == -1) {
			kiln_err_prefix(err, "%s: line %zu", name, lineno);
			goto cleanup;
		}
		if (r == 1 || digits != p) {
			kiln_err_set(err, KILN_EINVAL,
			    "%s: line %zu: \"%s\" is not a positive serial "
			    "number",
			    name, lineno, shown);
			goto cleanup;
		}
		if (serial.len > KILN_SERIAL_MAX) {
			kiln_err_set(err, KILN_EINVAL,
			    "%s: line %zu: \"%s\" is longer than %d bytes, "
			    "which no certificate's serial number may be (RFC "
			    "5280)",
			    name, lineno, shown, KILN_SERIAL_MAX);
			goto cleanup;
		}
		if (append_serial(s, &serial, &cap, err) == -1)
			goto cleanup;
	}
	rc = 0;
cleanup:
	free(serial.p);
	if (rc == -1)
		truncate_serials(s, n0);
	return rc;
}

/* Whether "s" is the contents of a minimal, positive DER INTEGER. */
static int
valid_serial(const struct kiln_serial *s)
{
	size_t i;

	if (s->p == NULL || s->len == 0 || s->len > KILN_SERIAL_MAX ||
	    (s->p[0] & 0x80))
		return 0;
	if (s->len > 1 && s->p[0] == 0 && !(s->p[1] & 0x80))
		return 0; /* not minimal */
	for (i = 0; i < s->len; i++)
		if (s->p[i] != 0)
			return 1;
	return 0; /* zero */
}

/*
 * The hash Go's CreateCRL signs with: SHA-256 for RSA of any size, the
 * curve's own for ECDSA (which kiln_key_sig_md() also gives).
 */
static mbedtls_md_type_t
crl_md(const mbedtls_pk_context *pk)
{
	if (mbedtls_pk_get_type(pk) == MBEDTLS_PK_RSA)
		return MBEDTLS_MD_SHA256;
	return kiln_key_sig_md(pk);
}

/* Check "req" and "ca" before anything is built. */
static int
check_request(const struct kiln_crl_req *req, const struct kiln_cert *ca,
    struct kiln_err *err)
{
	const unsigned char *num = req->number;
	size_t i, n = req->number_len;

	if (req->this_update < 0 || req->next_update > TIME_MAX)
		return kiln_err_set(err, KILN_EINVAL,
		    "CRL dates: must fall between 1970 and 9999");
	if (req->next_update < req->this_update)
		return kiln_err_set(
		    err, KILN_EINVAL, "nextUpdate comes before thisUpdate");
	if (req->n_serials > 0 && req->serials == NULL)
		return kiln_err_set(err, KILN_EINVAL, "no serials given");
	for (i = 0; i < req->n_serials; i++) {
		if (!valid_serial(&req->serials[i]))
			return kiln_err_set(err, KILN_EINVAL,
			    "serial %zu: not a positive DER INTEGER of at most "
			    "%d bytes",
			    i + 1, KILN_SERIAL_MAX);
		if (req->revoked_at != NULL &&
		    (req->revoked_at[i] < 0 || req->revoked_at[i] > TIME_MAX))
			return kiln_err_set(err, KILN_EINVAL,
			    "serial %zu: revocation date must fall between "
			    "1970 and 9999",
			    i + 1);
	}
	if (num != NULL) {
		while (n > 1 && num[0] == 0) {
			num++;
			n--;
		}
		if (n == 0 || n > CRL_NUMBER_MAX ||
		    (n == CRL_NUMBER_MAX && (num[0] & 0x80)))
			return kiln_err_set(err, KILN_EINVAL,
			    "CRL number: must be 1 to %d octets",
			    CRL_NUMBER_MAX);
	}
	if (!kiln_crt_allows_key_usage(&ca->crt, MBEDTLS_X509_KU_CRL_SIGN))
		return kiln_err_set(err, KILN_EINVAL,
		    "the CA's keyUsage lacks cRLSign: verifiers would reject "
		    "its CRLs");
	return 0;
}

/* crlExtensions: [0] EXPLICIT Extensions, or nothing if there are none. */
static void
crl_extensions(
    struct der *tbs, const struct kiln_crl_req *req, const struct kiln_cert *ca)
{
	static const char aki_oid[] = MBEDTLS_OID_AUTHORITY_KEY_IDENTIFIER;
	/* cRLNumber, 2.5.29.20 */
	static const char number_oid[] = MBEDTLS_OID_ID_CE "\x14";
	struct der value;
	size_t tag, seq;

	if (ca->ski_len == 0 && req->number == NULL)
		return;
	der_init(&value);
	tag = der_open(tbs, DER_CONTEXT_CONS(0));
	seq = der_open(tbs, DER_SEQUENCE);
	if (ca->ski_len > 0) {
		der_authority_key_id(&value, ca->ski, ca->ski_len);
		der_extension(tbs, aki_oid, sizeof(aki_oid) - 1, 0, &value);
	}
	if (req->number != NULL) {
		der_free(&value);
		der_init(&value);
		der_uint(&value, req->number, req->number_len);
		der_extension(
		    tbs, number_oid, sizeof(number_oid) - 1, 0, &value);
	}
	der_close(tbs, seq);
	der_close(tbs, tag);
	der_free(&value);
}

int
kiln_crl_create(struct kiln_buf *out, const struct kiln_crl_req *req,
    const struct kiln_cert *ca, struct kiln_key *ca_key, struct kiln_rng *rng,
    struct kiln_err *err)
{
	mbedtls_md_type_t md = crl_md(&ca_key->pk);
	struct der tbs;
	size_t m, list, entry, i;
	int rc = -1;

	der_init(&tbs);
	if (check_request(req, ca, err) == -1)
		goto cleanup;
	m = der_open(&tbs, DER_SEQUENCE);
	der_small_int(&tbs, 1); /* v2 */
	if (der_sig_algid(&tbs, &ca_key->pk, md, err) == -1)
		goto cleanup;
	der_raw(&tbs, ca->crt.subject_raw.p, ca->crt.subject_raw.len);
	der_time(&tbs, req->this_update);
	der_time(&tbs, req->next_update);
	/* revokedCertificates is left out when empty (RFC 5280 5.1.2.6). */
	if (req->n_serials > 0) {
		list = der_open(&tbs, DER_SEQUENCE);
		for (i = 0; i < req->n_serials; i++) {
			entry = der_open(&tbs, DER_SEQUENCE);
			der_tlv(&tbs, DER_INTEGER, req->serials[i].p,
			    req->serials[i].len);
			der_time(&tbs, req->revoked_at != NULL
			                   ? req->revoked_at[i]
			                   : req->this_update);
			der_close(&tbs, entry);
		}
		der_close(&tbs, list);
	}
	crl_extensions(&tbs, req, ca);
	der_close(&tbs, m);
	if (der_sign(out, &tbs, ca_key, md, rng, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	der_free(&tbs);
	return rc;
}
