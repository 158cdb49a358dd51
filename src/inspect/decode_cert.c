/*
 * A certificate decoded from its DER, field by field in the order of
 * TBSCertificate, each problem worded for the field it is in.
 */
#include <string.h>

#include <mbedtls/asn1.h>

#include "core/civil.h"
#include "inspect/decode.h"

/* UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSSZ. */
static int
parse_time(struct rd *r, long long *out)
{
	static const unsigned char mdays[] = {
	    31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	struct rd t;
	int tag, year, mon, day, hour, min, sec;
	const char *s;
	size_t n;

	if (rd_any(r, &tag, &t, NULL) == -1)
		return -1;
	s = (const char *)t.p;
	n = rd_len(&t);
	if (tag == MBEDTLS_ASN1_UTC_TIME && n == 13) {
		if ((year = kiln_digits(s, 2)) < 0)
			return -1;
		year += year < 50 ? 2000 : 1900;
		s += 2;
	} else if (tag == MBEDTLS_ASN1_GENERALIZED_TIME && n == 15) {
		if ((year = kiln_digits(s, 4)) < 0)
			return -1;
		s += 4;
	} else
		return -1;
	mon = kiln_digits(s, 2);
	day = kiln_digits(s + 2, 2);
	hour = kiln_digits(s + 4, 2);
	min = kiln_digits(s + 6, 2);
	sec = kiln_digits(s + 8, 2);
	if (s[10] != 'Z' || mon < 1 || mon > 12 || day < 1 ||
	    day > mdays[mon - 1] || hour < 0 || hour > 23 || min < 0 ||
	    min > 59 || sec < 0 || sec > 60)
		return -1;
	*out = kiln_civil_seconds(year, mon, day, hour, min, sec);
	return 0;
}

/* The [0] version, if any, and the serial number. */
static int
version_serial(
    struct kiln_info *info, const struct x509_body *b, struct kiln_err *err)
{
	struct rd v;
	int version = 0;

	if (b->nfield <= X509_VERSION)
		return kiln_err_set(err, KILN_EINVAL, "bad version");
	if (rd_len(&b->field[X509_VERSION]) > 0) {
		if (inspect_field(b, X509_VERSION, 0xa0, &v) == -1 ||
		    rd_int(&v, &version) == -1 || v.p != v.end || version < 0 ||
		    version > 2)
			return kiln_err_set(err, KILN_EINVAL, "bad version");
	}
	info->version = version + 1;
	if (inspect_field(b, X509_SERIAL, MBEDTLS_ASN1_INTEGER, &v) == -1 ||
	    rd_len(&v) < 1 || rd_len(&v) > sizeof(info->serial))
		return kiln_err_set(err, KILN_EINVAL, "bad serial number");
	memcpy(info->serial, v.p, rd_len(&v));
	info->serial_len = rd_len(&v);
	return 0;
}

/* The optional fields after the key: unique identifiers, extensions. */
static int
optional_fields(struct kiln_info *info, struct rd rest, struct kiln_err *err)
{
	struct rd v, exts;
	int tag;

	while (rest.p < rest.end) {
		if (rd_any(&rest, &tag, &v, NULL) == -1)
			return kiln_err_set(
			    err, KILN_EINVAL, "bad certificate");
		if (tag == 0xa3) {
			if (rd_tag(&v,
			        MBEDTLS_ASN1_CONSTRUCTED |
			            MBEDTLS_ASN1_SEQUENCE,
			        &exts) == -1 ||
			    v.p != v.end)
				return kiln_err_set(
				    err, KILN_EINVAL, "bad extensions");
			if (x509_parse_extensions(info, exts, err) == -1)
				return -1;
		} else if (tag != 0x81 && tag != 0xa1 && tag != 0x82 &&
		           tag != 0xa2)
			return kiln_err_set(err, KILN_EINVAL,
			    "unexpected field in the certificate");
	}
	return 0;
}

int
inspect_cert_der(struct kiln_info *info, const unsigned char *der, size_t len,
    struct kiln_err *err)
{
	struct x509_body b;
	struct rd v, name, validity;
	char oid[64];

	info->kind = KILN_INFO_CERT;
	if (inspect_take_der(info, der, len, err) == -1)
		return -1;
	if (x509_cert_walk(info->der.p, len, &b) == -1)
		return kiln_err_set(err, KILN_EINVAL, "not a certificate");
	if (rd_len(&b.after) != 0)
		return kiln_err_set(
		    err, KILN_EINVAL, "data after the certificate");
	if (rd_len(&b.body) == 0 || !b.outer_ok ||
	    inspect_sigalg(info, &b.sigalg) == -1 ||
	    rd_tag(&b.sig, MBEDTLS_ASN1_BIT_STRING, &v) == -1 ||
	    rd_len(&b.extra) != 0)
		return kiln_err_set(err, KILN_EINVAL, "not a certificate");
	if (version_serial(info, &b, err) == -1)
		return -1;
	if (b.nfield <= X509_SIGNATURE ||
	    inspect_algid(&b.field[X509_SIGNATURE], oid, sizeof(oid)) == -1)
		return kiln_err_set(
		    err, KILN_EINVAL, "bad signature algorithm");
	if (inspect_field(&b, X509_ISSUER,
	        MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE, &name) == -1)
		return kiln_err_set(err, KILN_EINVAL, "bad issuer");
	if (x509_parse_dn(name, &info->issuer, err) == -1) {
		kiln_err_prefix(err, "issuer");
		return -1;
	}
	if (inspect_field(&b, X509_VALIDITY,
	        MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &validity) == -1 ||
	    parse_time(&validity, &info->not_before) == -1 ||
	    parse_time(&validity, &info->not_after) == -1 ||
	    validity.p != validity.end)
		return kiln_err_set(err, KILN_EINVAL, "bad validity");
	if (inspect_subject_key(info, &b, X509_SUBJECT, err) == -1)
		return -1;
	return optional_fields(info, b.rest, err);
}
