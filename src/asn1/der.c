#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/asn1.h>
#include <mbedtls/oid.h>

#include "asn1/der.h"
#include "asn1/oid.h"
#include "asn1/x509.h"

void
der_init(struct der *d)
{
	kiln_buf_init(&d->buf);
	d->failed = 0;
}

void
der_free(struct der *d)
{
	kiln_buf_free(&d->buf);
	d->failed = 0;
}

void
der_raw(struct der *d, const void *p, size_t n)
{
	if (!d->failed && kiln_buf_append(&d->buf, p, n, NULL) == -1)
		d->failed = 1;
}

size_t
der_open(struct der *d, unsigned char tag)
{
	unsigned char hdr[2] = {tag, 0};

	der_raw(d, hdr, sizeof(hdr));
	return d->buf.len;
}

void
der_close(struct der *d, size_t mark)
{
	size_t len, extra, i;
	unsigned char *p;

	if (d->failed)
		return;
	len = d->buf.len - mark;
	if (len < 0x80) {
		d->buf.p[mark - 1] = (unsigned char)len;
		return;
	}
	for (extra = 0, i = len; i > 0; i >>= 8)
		extra++;
	if (kiln_buf_reserve(&d->buf, extra, NULL) == -1) {
		d->failed = 1;
		return;
	}
	p = d->buf.p;
	memmove(p + mark + extra, p + mark, len);
	p[mark - 1] = (unsigned char)(0x80 | extra);
	for (i = 0; i < extra; i++)
		p[mark + extra - 1 - i] = (unsigned char)(len >> (8 * i));
	d->buf.len += extra;
}

void
der_tlv(struct der *d, unsigned char tag, const void *p, size_t n)
{
	size_t m = der_open(d, tag);

	der_raw(d, p, n);
	der_close(d, m);
}

void
der_uint(struct der *d, const unsigned char *p, size_t n)
{
	static const unsigned char zero = 0;
	size_t m;

	while (n > 1 && p[0] == 0) {
		p++;
		n--;
	}
	m = der_open(d, DER_INTEGER);
	if (n == 0 || (p[0] & 0x80))
		der_raw(d, &zero, 1);
	der_raw(d, p, n);
	der_close(d, m);
}

void
der_small_int(struct der *d, unsigned int v)
{
	unsigned char b[sizeof(v)];
	size_t i;

	for (i = 0; i < sizeof(v); i++)
		b[sizeof(v) - 1 - i] = (unsigned char)(v >> (8 * i));
	der_uint(d, b, sizeof(b));
}

void
der_bool_true(struct der *d)
{
	static const unsigned char t = 0xff;

	der_tlv(d, DER_BOOLEAN, &t, 1);
}

void
der_time(struct der *d, long long t)
{
	char s[32];
	struct tm tm;
	time_t tt = (time_t)t;
	int n;

	if (gmtime_r(&tt, &tm) == NULL) {
		d->failed = 1;
		return;
	}
	if (tm.tm_year >= 50 && tm.tm_year < 150)
		n = snprintf(s, sizeof(s), "%02d%02d%02d%02d%02d%02dZ",
		    tm.tm_year % 100, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
	else
		n = snprintf(s, sizeof(s), "%04d%02d%02d%02d%02d%02dZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
	der_tlv(d, n == 13 ? DER_UTC_TIME : DER_GENERALIZED_TIME, s, (size_t)n);
}

int
der_check(const struct der *d, struct kiln_err *err)
{
	if (d->failed)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	return 0;
}

/* Append "v" in base 128 to out[*n], most significant group first. */
static int
base128(unsigned long v, unsigned char *out, size_t size, size_t *n)
{
	unsigned char tmp[sizeof(v) * 2];
	size_t k = 0;

	do {
		tmp[k++] = (unsigned char)(v & 0x7f);
		v >>= 7;
	} while (v > 0);
	if (*n + k > size)
		return -1;
	while (k > 0) {
		k--;
		out[(*n)++] = (unsigned char)(tmp[k] | (k > 0 ? 0x80 : 0));
	}
	return 0;
}

size_t
der_oid_from_string(const char *s, unsigned char *out, size_t size)
{
	unsigned long arc[2] = {0, 0}, v;
	size_t n = 0, count = 0;
	const char *p = s;
	char *end;

	for (;;) {
		if (*p < '0' || *p > '9' ||
		    (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
			return 0;
		v = strtoul(p, &end, 10);
		if (v == ULONG_MAX)
			return 0;
		if (count < 2)
			arc[count] = v;
		if (count == 1) {
			if (arc[0] > 2 || (arc[0] < 2 && arc[1] > 39) ||
			    arc[1] > ULONG_MAX - 80)
				return 0;
			if (base128(arc[0] * 40 + arc[1], out, size, &n) == -1)
				return 0;
		} else if (count > 1 && base128(v, out, size, &n) == -1)
			return 0;
		count++;
		if (*end == '\0')
			break;
		if (*end != '.')
			return 0;
		p = end + 1;
	}
	return count >= 2 ? n : 0;
}

void
der_extension(struct der *d, const char *oid, size_t oid_len, int critical,
    const struct der *value)
{
	size_t m = der_open(d, DER_SEQUENCE);

	der_tlv(d, DER_OID, oid, oid_len);
	if (critical)
		der_bool_true(d);
	if (value->failed)
		d->failed = 1;
	der_tlv(d, DER_OCTET_STRING, value->buf.p, value->buf.len);
	der_close(d, m);
}

/*
 * KeyUsage BIT STRING with bit 0 first and trailing zero bits trimmed,
 * as Go writes it (digitalSignature + keyEncipherment is 03 02 05 a0).
 */
void
der_key_usage(struct der *d, unsigned int ku)
{
	unsigned char b[3] = {0, 0, 0};
	size_t nbytes, bits = 0;
	int i;

	for (i = 0; i < 9; i++)
		if (ku & (1u << i)) {
			b[1 + i / 8] |= (unsigned char)(0x80 >> (i % 8));
			bits = (size_t)i + 1;
		}
	nbytes = (bits + 7) / 8;
	b[0] = (unsigned char)(nbytes * 8 - bits);
	der_tlv(d, DER_BIT_STRING, b, 1 + nbytes);
}

/* clang-format off */
static const struct {
	const char *oid;
	size_t len;
} eku_oids[KILN_EKU__MAX] = {
#define O(s) { s, sizeof(s) - 1 }
	[KILN_EKU_ANY] =		O(MBEDTLS_OID_ANY_EXTENDED_KEY_USAGE),
	[KILN_EKU_SERVER_AUTH] =	O(MBEDTLS_OID_SERVER_AUTH),
	[KILN_EKU_CLIENT_AUTH] =	O(MBEDTLS_OID_CLIENT_AUTH),
	[KILN_EKU_CODE_SIGNING] =	O(MBEDTLS_OID_CODE_SIGNING),
	[KILN_EKU_EMAIL_PROTECTION] =	O(MBEDTLS_OID_EMAIL_PROTECTION),
	[KILN_EKU_IPSEC_END_SYSTEM] =	O(KILN_OID_RAW_EKU_IPSEC_END_SYSTEM),
	[KILN_EKU_IPSEC_TUNNEL] =	O(KILN_OID_RAW_EKU_IPSEC_TUNNEL),
	[KILN_EKU_IPSEC_USER] =		O(KILN_OID_RAW_EKU_IPSEC_USER),
	[KILN_EKU_TIMESTAMPING] =	O(MBEDTLS_OID_TIME_STAMPING),
	[KILN_EKU_OCSP_SIGNING] =	O(MBEDTLS_OID_OCSP_SIGNING),
	[KILN_EKU_MICROSOFT_SGC] =	O(KILN_OID_RAW_EKU_MICROSOFT_SGC),
	[KILN_EKU_NETSCAPE_SGC] =	O(KILN_OID_RAW_EKU_NETSCAPE_SGC),
#undef O
};
/* clang-format on */

void
der_ext_key_usage(struct der *d, const enum kiln_eku *eku, size_t n)
{
	size_t m = der_open(d, DER_SEQUENCE), i;

	for (i = 0; i < n; i++)
		der_tlv(d, DER_OID, eku_oids[eku[i]].oid, eku_oids[eku[i]].len);
	der_close(d, m);
}

/* CA:FALSE is an empty SEQUENCE (30 00), as Go writes it. */
void
der_basic_constraints(struct der *d, int is_ca, int pathlen)
{
	size_t m = der_open(d, DER_SEQUENCE);

	if (is_ca) {
		der_bool_true(d);
		if (pathlen >= 0)
			der_small_int(d, (unsigned int)pathlen);
	}
	der_close(d, m);
}

void
der_subject_alt_name(struct der *d, const struct kiln_sans *sans)
{
	static const enum kiln_san_type order[] = {
	    KILN_SAN_DNS, KILN_SAN_EMAIL, KILN_SAN_IP, KILN_SAN_URI};
	static const unsigned char tag[] = {
	    [KILN_SAN_DNS] = DER_CONTEXT(2),
	    [KILN_SAN_EMAIL] = DER_CONTEXT(1),
	    [KILN_SAN_IP] = DER_CONTEXT(7),
	    [KILN_SAN_URI] = DER_CONTEXT(6),
	};
	size_t m = der_open(d, DER_SEQUENCE), i, k;
	const struct kiln_san *s;

	for (k = 0; k < sizeof(order) / sizeof(order[0]); k++)
		for (i = 0; i < sans->n; i++) {
			s = &sans->v[i];
			if (s->type != order[k])
				continue;
			if (s->type == KILN_SAN_IP)
				der_tlv(d, tag[s->type], s->ip, s->ip_len);
			else
				der_tlv(d, tag[s->type], s->value,
				    strlen(s->value));
		}
	der_close(d, m);
}

/* OCSP responders first, then CA issuers, as cfssl. */
void
der_authority_info_access(
    struct der *d, const char *ocsp, char *const *issuers, size_t n_issuers)
{
	static const char ocsp_oid[] = KILN_OID_RAW_AD_OCSP;
	static const char ca_issuers_oid[] = KILN_OID_RAW_AD_CA_ISSUERS;
	size_t m = der_open(d, DER_SEQUENCE), a, i;

	if (ocsp != NULL) {
		a = der_open(d, DER_SEQUENCE);
		der_tlv(d, DER_OID, ocsp_oid, sizeof(ocsp_oid) - 1);
		der_tlv(d, DER_CONTEXT(6), ocsp, strlen(ocsp));
		der_close(d, a);
	}
	for (i = 0; i < n_issuers; i++) {
		a = der_open(d, DER_SEQUENCE);
		der_tlv(d, DER_OID, ca_issuers_oid, sizeof(ca_issuers_oid) - 1);
		der_tlv(d, DER_CONTEXT(6), issuers[i], strlen(issuers[i]));
		der_close(d, a);
	}
	der_close(d, m);
}

/* One DistributionPoint with a fullName URI. */
void
der_crl_distribution_points(struct der *d, const char *url)
{
	size_t seq = der_open(d, DER_SEQUENCE);
	size_t dp = der_open(d, DER_SEQUENCE);
	size_t name = der_open(d, DER_CONTEXT_CONS(0));
	size_t full = der_open(d, DER_CONTEXT_CONS(0));

	der_tlv(d, DER_CONTEXT(6), url, strlen(url));
	der_close(d, full);
	der_close(d, name);
	der_close(d, dp);
	der_close(d, seq);
}

/* AuthorityKeyIdentifier with keyIdentifier [0] only. */
void
der_authority_key_id(struct der *d, const unsigned char *id, size_t n)
{
	size_t m = der_open(d, DER_SEQUENCE);

	der_tlv(d, DER_CONTEXT(0), id, n);
	der_close(d, m);
}

int
der_find_extension(const unsigned char *der, size_t len, const char *oid,
    size_t oid_len, const unsigned char **val, size_t *vlen, int *critical)
{
	struct rd r = {(unsigned char *)der, (unsigned char *)der + len}, exts,
	          v;
	int found;

	if (rd_tag(&r, DER_SEQUENCE, &exts) == -1)
		return -1;
	found = x509_ext_find(
	    exts, (const unsigned char *)oid, oid_len, &v, critical);
	if (found == 1) {
		*val = v.p;
		*vlen = rd_len(&v);
	}
	return found;
}

int
der_spki_key_bits(const unsigned char *spki, size_t len,
    const unsigned char **bits, size_t *n)
{
	struct rd r = {(unsigned char *)spki, (unsigned char *)spki + len}, key,
	          alg, b;

	if (rd_tag(&r, DER_SEQUENCE, &key) == -1 ||
	    rd_tag(&key, DER_SEQUENCE, &alg) == -1 ||
	    rd_tag(&key, DER_BIT_STRING, &b) == -1 || rd_len(&b) < 1 ||
	    key.p != key.end || r.p != r.end)
		return -1;
	*bits = b.p + 1;
	*n = rd_len(&b) - 1;
	return 0;
}

/* Go's asn1 PrintableString alphabet, without '*' and '&'. */
static int
printable(const char *s)
{
	static const char punct[] = " '()+,-./:=?";

	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		        (*s >= '0' && *s <= '9') || strchr(punct, *s) != NULL))
			return 0;
	return 1;
}

int
der_rdn(struct der *d, const char *oid, const char *value)
{
	unsigned char o[64];
	size_t olen, set, seq;

	if ((olen = der_oid_from_string(oid, o, sizeof(o))) == 0)
		return -1;
	set = der_open(d, DER_SET);
	seq = der_open(d, DER_SEQUENCE);
	der_tlv(d, DER_OID, o, olen);
	der_tlv(d, printable(value) ? DER_PRINTABLE_STRING : DER_UTF8_STRING,
	    value, strlen(value));
	der_close(d, seq);
	der_close(d, set);
	return 0;
}
