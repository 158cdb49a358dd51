/*
 * A row of cfssl's "certificates" table: made from a certificate just
 * issued, and cfssl's revocation reasons.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mbedtls/bignum.h>

#include "asn1/oid.h"
#include "certdb/certdb_impl.h"
#include "core/civil.h"
#include "kiln/inspect.h"
#include "kiln/pem.h"

void
kiln_certdb_row_init(struct kiln_certdb_row *r)
{
	memset(r, 0, sizeof(*r));
	kiln_buf_init(&r->sans);
	kiln_buf_init(&r->pem);
}

void
kiln_certdb_row_free(struct kiln_certdb_row *r)
{
	kiln_buf_free(&r->sans);
	kiln_buf_free(&r->pem);
	kiln_certdb_row_init(r);
}

/* "len" bytes of "p" as lowercase hex into "out" ("cap" bytes). */
static int
hex_lower(const unsigned char *p, size_t len, char *out, size_t cap)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	if (len * 2 + 1 > cap)
		return -1;
	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * len] = '\0';
	return 0;
}

/*
 * The value of a DER INTEGER's contents ("len" bytes), which must be
 * positive, in decimal as Go's big.Int prints it.
 */
static int
serial_decimal(const unsigned char *p, size_t len, char *out, size_t cap,
    struct kiln_err *err)
{
	mbedtls_mpi n;
	char text[256]; /* mbedTLS asks for room beyond the digits */
	size_t olen;
	int ret, rc = -1;

	mbedtls_mpi_init(&n);
	if (len == 0 || (p[0] & 0x80) != 0) {
		kiln_err_set(err, KILN_EINVAL,
		    "certdb: certificate: the serial number is not positive");
		goto cleanup;
	}
	if (len > 64) {
		kiln_err_set(err, KILN_EINVAL,
		    "certdb: certificate: the serial number is too long");
		goto cleanup;
	}
	if ((ret = mbedtls_mpi_read_binary(&n, p, len)) != 0 ||
	    (ret = mbedtls_mpi_write_string(
	         &n, 10, text, sizeof(text), &olen)) != 0) {
		kiln_err_mbed(err, ret, "certdb: certificate: serial number");
		goto cleanup;
	}
	if (strlen(text) >= cap) {
		kiln_err_set(err, KILN_EINVAL,
		    "certdb: certificate: the serial number is too long");
		goto cleanup;
	}
	memcpy(out, text, strlen(text) + 1);
	rc = 0;
cleanup:
	mbedtls_mpi_free(&n);
	return rc;
}

int
kiln_certdb_row_from_cert(struct kiln_certdb_row *r, const unsigned char *der,
    size_t len, const char *label, time_t now, struct kiln_err *err)
{
	struct kiln_infos infos;
	const struct kiln_info *c;
	size_t i;
	int rc = -1;

	kiln_infos_init(&infos);
	kiln_certdb_row_free(r);
	if (strlen(label) >= sizeof(r->ca_label)) {
		kiln_err_set(err, KILN_EINVAL,
		    "certdb: label: longer than %zu bytes",
		    sizeof(r->ca_label) - 1);
		goto cleanup;
	}
	if (kiln_inspect_certs(&infos, der, len, err) == -1)
		goto cleanup;
	if (infos.n != 1 || infos.v[0].kind != KILN_INFO_CERT) {
		kiln_err_set(
		    err, KILN_EINVAL, "certdb: expected one certificate");
		goto cleanup;
	}
	c = &infos.v[0];
	if (serial_decimal(c->serial, c->serial_len, r->serial,
	        sizeof(r->serial), err) == -1)
		goto cleanup;
	/* Go's hex.EncodeToString of the AKI's keyIdentifier. */
	if (hex_lower(c->aki, c->aki_len, r->aki, sizeof(r->aki)) == -1) {
		kiln_err_set(err, KILN_EINVAL,
		    "certdb: certificate: authority key identifier too long");
		goto cleanup;
	}
	memcpy(r->ca_label, label, strlen(label) + 1);
	memcpy(r->status, "good", sizeof("good"));
	r->expiry = c->not_after;
	r->not_before = c->not_before;
	r->issued_at = now;
	for (i = 0; i < c->subject.n; i++)
		if (strcmp(c->subject.attr[i].oid, KILN_OID_AT_CN) == 0)
			snprintf(r->common_name, sizeof(r->common_name), "%s",
			    c->subject.attr[i].value);
	/* cfssl master's SetSANs(DNSNames): the DNS names only. */
	if (kiln_buf_append(&r->sans, "[", 1, err) == -1)
		goto cleanup;
	for (i = 0; i < c->ndns; i++)
		if ((i > 0 && kiln_buf_append(&r->sans, ",", 1, err) == -1) ||
		    kiln_buf_append_json(
		        &r->sans, c->dns[i], strlen(c->dns[i]), err) == -1)
			goto cleanup;
	if (kiln_buf_append(&r->sans, "]", 1, err) == -1 ||
	    kiln_buf_terminate(&r->sans, err) == -1 ||
	    kiln_pem_write(&r->pem, "CERTIFICATE", c->der.p, c->der.len, err) ==
	        -1 ||
	    kiln_buf_terminate(&r->pem, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	if (rc == -1)
		kiln_certdb_row_free(r);
	kiln_infos_free(&infos);
	return rc;
}

/*
 * Times as text.  kiln writes "2026-12-09 18:44:00+00:00" (go-sqlite3's
 * form, which cfssl writes too, and which compares as text against
 * SQLite's CURRENT_TIMESTAMP); 0 is Go's zero time, which cfssl 1.2.0
 * needs where nothing is meant (it cannot read a NULL).
 */
void
certdb_time_format(int64_t t, char out[CERTDB_TIME_MAX])
{
	long long days, y;
	int m, d, secs;

	if (t == 0) {
		snprintf(out, CERTDB_TIME_MAX, "0001-01-01 00:00:00+00:00");
		return;
	}
	days = t / KILN_DAY_SECONDS;
	secs = (int)(t % KILN_DAY_SECONDS);
	if (secs < 0) {
		secs += (int)KILN_DAY_SECONDS;
		days--;
	}
	kiln_civil_from_days(days, &y, &m, &d);
	snprintf(out, CERTDB_TIME_MAX, "%04lld-%02d-%02d %02d:%02d:%02d+00:00",
	    y, m, d, secs / 3600, secs / 60 % 60, secs % 60);
}

/*
 * The three forms cfssl's tools leave in SQLite ("2026-12-09
 * 18:44:00+00:00", with fractions of a second "...00.676739747+00:00",
 * and CURRENT_TIMESTAMP's "2026-12-07 18:50:03"), plus "T" for the
 * space, "Z" and any "+hh:mm" or "-hh:mm" offset.  Go's zero time is 0.
 */
int
certdb_time_parse(const char *s, int64_t *out)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	long long t;

	if (strlen(s) < 19 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':')
		return -1;
	if ((y = kiln_digits(s, 4)) < 0 || (mo = kiln_digits(s + 5, 2)) < 1 ||
	    mo > 12 || (d = kiln_digits(s + 8, 2)) < 1 || d > 31 ||
	    (h = kiln_digits(s + 11, 2)) < 0 || h > 23 ||
	    (mi = kiln_digits(s + 14, 2)) < 0 || mi > 59 ||
	    (sec = kiln_digits(s + 17, 2)) < 0 || sec > 60)
		return -1;
	s += 19;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			;
	if (*s == 'Z')
		s++;
	else if (*s == '+' || *s == '-') {
		sign = *s == '-' ? -1 : 1;
		if ((oh = kiln_digits(s + 1, 2)) < 0)
			return -1;
		s += 3;
		if (*s == ':') {
			if ((om = kiln_digits(s + 1, 2)) < 0)
				return -1;
			s += 3;
		}
	}
	if (*s != '\0')
		return -1;
	if (y == 1 && mo == 1 && d == 1 && h == 0 && mi == 0 && sec == 0 &&
	    oh == 0 && om == 0) {
		*out = 0;
		return 0;
	}
	t = kiln_civil_seconds(y, mo, d, h, mi, sec);
	t -= (long long)sign * (oh * 3600 + om * 60);
	*out = t;
	return 0;
}

/* cfssl's names (ocsp.ReasonStringToCode), matched in any case. */
/* clang-format off */
static const struct {
	const char *name;
	int code;
} reasons[] = {
	{ "unspecified", 0 },
	{ "keycompromise", 1 },
	{ "cacompromise", 2 },
	{ "affiliationchanged", 3 },
	{ "superseded", 4 },
	{ "cessationofoperation", 5 },
	{ "certificatehold", 6 },
	{ "removefromcrl", 8 },
	{ "privilegewithdrawn", 9 },
	{ "aacompromise", 10 },
};
/* clang-format on */

int
kiln_certdb_reason(const char *s, int *reason, struct kiln_err *err)
{
	const char *p;
	size_t i;
	int n;

	if (*s == '\0') {
		*reason = 0;
		return 0;
	}
	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strcasecmp(s, reasons[i].name) == 0) {
			*reason = reasons[i].code;
			return 0;
		}
	/*
	 * A number as Go's strconv.Atoi reads it, 1 to 10.  cfssl takes 1
	 * to 9: kiln also takes 10 (aACompromise, which cfssl takes by
	 * name) and refuses 7, which RFC 5280 leaves unused.
	 */
	p = s + (*s == '+');
	for (n = 0; *p >= '0' && *p <= '9' && n <= 10; p++)
		n = n * 10 + (*p - '0');
	if (p > s + (*s == '+') && *p == '\0' && n >= 1 && n <= 10 && n != 7) {
		*reason = n;
		return 0;
	}
	return kiln_err_set(err, KILN_EINVAL,
	    "reason: \"%s\" is not a "
	    "revocation reason",
	    strlen(s) > 32 ? "..." : s);
}
