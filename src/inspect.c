/*
 * Certificates, CSRs and keys decoded from their DER by kiln's own walk.
 * mbedTLS 2.28 does not decode IP, email or URI SANs, key identifiers or
 * CSR extensions, and refuses certificates with unknown critical
 * extensions; a walk of our own also behaves the same on mbedTLS 3.6.
 * mbedTLS is used for hashing, public keys and signature checks only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/bignum.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>

#include "compat.h"
#include "der.h"
#include "kiln/inspect.h"
#include "kiln/pem.h"
#include "strs.h"

/* A DER cursor; every read is bounds-checked against "end". */
struct rd {
	unsigned char *p, *end;
};

/* Read one element of type "tag"; "inner" may be "r" itself. */
static int
rd_tag(struct rd *r, int tag, struct rd *inner)
{
	unsigned char *p = r->p;
	size_t len;

	if (mbedtls_asn1_get_tag(&p, r->end, &len, tag) != 0)
		return -1;
	r->p = p + len;
	inner->p = p;
	inner->end = p + len;
	return 0;
}

/* Any one TLV: its tag, contents, and the whole element. */
static int
rd_any(struct rd *r, int *tag, struct rd *inner, struct rd *whole)
{
	size_t len;
	unsigned char *start = r->p;

	if (r->p >= r->end)
		return -1;
	*tag = *r->p++;
	if (mbedtls_asn1_get_len(&r->p, r->end, &len) != 0) {
		r->p = start;
		return -1;
	}
	inner->p = r->p;
	inner->end = r->p + len;
	r->p += len;
	if (whole != NULL) {
		whole->p = start;
		whole->end = r->p;
	}
	return 0;
}

static int
rd_peek(const struct rd *r, int tag)
{
	return r->p < r->end && *r->p == tag;
}

static size_t
rd_len(const struct rd *r)
{
	return (size_t)(r->end - r->p);
}

static void
oid_string(const struct rd *oid, char *out, size_t size)
{
	mbedtls_asn1_buf b;
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	b.tag = MBEDTLS_ASN1_OID;
	b.p = oid->p;
	b.len = rd_len(oid);
	if (mbedtls_oid_get_numeric_string(out, size, &b) > 0)
		return;
	/* Not a valid OID: show its bytes rather than nothing. */
	for (i = 0; i < b.len && o + 3 < size; i++) {
		out[o++] = hex[b.p[i] >> 4];
		out[o++] = hex[b.p[i] & 0xf];
	}
	out[o] = '\0';
}

static int
rd_oid(struct rd *r, char *out, size_t size)
{
	struct rd oid;

	if (rd_tag(r, MBEDTLS_ASN1_OID, &oid) == -1)
		return -1;
	oid_string(&oid, out, size);
	return 0;
}

/* Text. */

static void
put_utf8(struct kiln_buf *b, unsigned long c, struct kiln_err *err)
{
	unsigned char u[4];
	size_t n;

	if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		c = 0xfffd;
	if (c < 0x80) {
		u[0] = (unsigned char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (unsigned char)(0xc0 | c >> 6);
		u[1] = (unsigned char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		u[0] = (unsigned char)(0xe0 | c >> 12);
		u[1] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
		u[2] = (unsigned char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xf0 | c >> 18);
		u[1] = (unsigned char)(0x80 | (c >> 12 & 0x3f));
		u[2] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
		u[3] = (unsigned char)(0x80 | (c & 0x3f));
		n = 4;
	}
	kiln_buf_append(b, u, n, err);
}

static int
utf8_valid(const unsigned char *s, size_t n)
{
	unsigned long c;
	size_t k;

	for (; n > 0; s += k, n -= k)
		if ((k = kiln_utf8_next(s, n, &c)) == 0)
			return 0;
	return 1;
}

/*
 * A directory string as UTF-8.  BMPString and UniversalString are
 * decoded; T.61 is taken as UTF-8 when it is valid UTF-8 (as Go does)
 * and as Latin-1 otherwise; invalid UTF-8 and NUL become U+FFFD; a type
 * that is not a string is shown as "#" and the hex of its DER, as RFC
 * 4514 does.
 */
static char *
decode_string(
    int tag, const struct rd *v, const struct rd *whole, struct kiln_err *err)
{
	static const char hex[] = "0123456789ABCDEF";
	struct kiln_buf b;
	const unsigned char *s = v->p;
	size_t n = rd_len(v), i, k;
	unsigned long c, lo;
	char *out = NULL;

	kiln_buf_init(&b);
	switch (tag) {
	case MBEDTLS_ASN1_BMP_STRING:
		if (n >= 2 && s[n - 1] == 0 && s[n - 2] == 0)
			n -= 2; /* a terminator, as Go strips */
		for (i = 0; i + 1 < n; i += 2) {
			c = (unsigned long)s[i] << 8 | s[i + 1];
			if (c >= 0xd800 && c < 0xdc00 && i + 3 < n) {
				lo = (unsigned long)s[i + 2] << 8 | s[i + 3];
				if (lo >= 0xdc00 && lo <= 0xdfff) {
					c = 0x10000 + ((c - 0xd800) << 10) +
					    (lo - 0xdc00);
					i += 2;
				}
			}
			put_utf8(&b, c == 0 ? 0xfffd : c, err);
		}
		if (n % 2 != 0)
			put_utf8(&b, 0xfffd, err);
		break;
	case MBEDTLS_ASN1_UNIVERSAL_STRING:
		for (i = 0; i + 3 < n; i += 4) {
			c = (unsigned long)s[i] << 24 |
			    (unsigned long)s[i + 1] << 16 |
			    (unsigned long)s[i + 2] << 8 | s[i + 3];
			put_utf8(&b, c == 0 ? 0xfffd : c, err);
		}
		break;
	case MBEDTLS_ASN1_T61_STRING:
		if (!utf8_valid(s, n)) {
			for (i = 0; i < n; i++)
				put_utf8(&b, s[i] == 0 ? 0xfffd : s[i], err);
			break;
		}
		/* FALLTHROUGH */
	case MBEDTLS_ASN1_UTF8_STRING:
	case MBEDTLS_ASN1_PRINTABLE_STRING:
	case MBEDTLS_ASN1_IA5_STRING:
	case 0x12: /* NumericString */
	case 0x1a: /* VisibleString */
		for (i = 0; i < n; i += k) {
			if ((k = kiln_utf8_next(s + i, n - i, &c)) == 0 ||
			    c == 0) {
				put_utf8(&b, 0xfffd, err);
				k = 1;
			} else
				kiln_buf_append(&b, s + i, k, err);
		}
		break;
	default:
		kiln_buf_append(&b, "#", 1, err);
		for (s = whole->p; s < whole->end; s++) {
			kiln_buf_append(&b, &hex[*s >> 4], 1, err);
			kiln_buf_append(&b, &hex[*s & 0xf], 1, err);
		}
		break;
	}
	if (kiln_buf_terminate(&b, err) == 0 &&
	    (out = strdup((char *)b.p)) == NULL)
		kiln_err_set(err, KILN_ENOMEM, "out of memory");
	kiln_buf_free(&b);
	return out;
}

/* Names. */

static void
dn_free(struct kiln_dn *dn)
{
	size_t i;

	for (i = 0; i < dn->n; i++)
		free(dn->attr[i].value);
	free(dn->attr);
	dn->attr = NULL;
	dn->n = 0;
}

static int
parse_dn(struct rd name, struct kiln_dn *dn, struct kiln_err *err)
{
	struct rd set, atv, value, whole;
	struct kiln_dn_attr *a;
	int tag, first;

	while (name.p < name.end) {
		if (rd_tag(&name, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET,
		        &set) == -1)
			return kiln_err_set(err, KILN_EINVAL, "bad name");
		for (first = 1; set.p < set.end; first = 0) {
			if (rd_tag(&set,
			        MBEDTLS_ASN1_CONSTRUCTED |
			            MBEDTLS_ASN1_SEQUENCE,
			        &atv) == -1)
				return kiln_err_set(
				    err, KILN_EINVAL, "bad name attribute");
			a = realloc(dn->attr, (dn->n + 1) * sizeof(*a));
			if (a == NULL)
				return kiln_err_set(
				    err, KILN_ENOMEM, "out of memory");
			dn->attr = a;
			a = &dn->attr[dn->n];
			memset(a, 0, sizeof(*a));
			if (rd_oid(&atv, a->oid, sizeof(a->oid)) == -1 ||
			    rd_any(&atv, &tag, &value, &whole) == -1 ||
			    atv.p != atv.end)
				return kiln_err_set(
				    err, KILN_EINVAL, "bad name attribute");
			if ((a->value = decode_string(
			         tag, &value, &whole, err)) == NULL)
				return -1;
			a->same_rdn = !first;
			dn->n++;
		}
	}
	return 0;
}

/* Times. */

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

static int
digits(const unsigned char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSSZ. */
static int
parse_time(struct rd *r, long long *out)
{
	static const unsigned char mdays[] = {
	    31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	struct rd t;
	int tag, year, mon, day, hour, min, sec;
	const unsigned char *s;
	size_t n;

	if (rd_any(r, &tag, &t, NULL) == -1)
		return -1;
	s = t.p;
	n = rd_len(&t);
	if (tag == MBEDTLS_ASN1_UTC_TIME && n == 13) {
		if ((year = digits(s, 2)) < 0)
			return -1;
		year += year < 50 ? 2000 : 1900;
		s += 2;
	} else if (tag == MBEDTLS_ASN1_GENERALIZED_TIME && n == 15) {
		if ((year = digits(s, 4)) < 0)
			return -1;
		s += 4;
	} else
		return -1;
	mon = digits(s, 2);
	day = digits(s + 2, 2);
	hour = digits(s + 4, 2);
	min = digits(s + 6, 2);
	sec = digits(s + 8, 2);
	if (s[10] != 'Z' || mon < 1 || mon > 12 || day < 1 ||
	    day > mdays[mon - 1] || hour < 0 || hour > 23 || min < 0 ||
	    min > 59 || sec < 0 || sec > 60)
		return -1;
	*out = days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 +
	       hour * 3600 + min * 60 + sec;
	return 0;
}

/* Signature algorithms, by cfssl's names (helpers.SignatureString). */

static const struct {
	const char *oid, *name;
} sigalgs[] = {
    {"1.2.840.113549.1.1.2", "MD2WithRSA"},
    {"1.2.840.113549.1.1.4", "MD5WithRSA"},
    {"1.2.840.113549.1.1.5", "SHA1WithRSA"},
    {"1.3.14.3.2.29", "SHA1WithRSA"},
    {"1.2.840.113549.1.1.11", "SHA256WithRSA"},
    {"1.2.840.113549.1.1.12", "SHA384WithRSA"},
    {"1.2.840.113549.1.1.13", "SHA512WithRSA"},
    {"1.2.840.10040.4.3", "DSAWithSHA1"},
    {"2.16.840.1.101.3.4.3.2", "DSAWithSHA256"},
    {"1.2.840.10045.4.1", "ECDSAWithSHA1"},
    {"1.2.840.10045.4.3.2", "ECDSAWithSHA256"},
    {"1.2.840.10045.4.3.3", "ECDSAWithSHA384"},
    {"1.2.840.10045.4.3.4", "ECDSAWithSHA512"},
    {"1.3.101.112", "Ed25519"},
};

static int
parse_algid(struct rd *r, char *oid, size_t size, struct rd *whole)
{
	struct rd alg;
	unsigned char *start = r->p;

	if (rd_tag(r, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE, &alg) ==
	        -1 ||
	    rd_oid(&alg, oid, size) == -1)
		return -1;
	if (whole != NULL) {
		whole->p = start;
		whole->end = r->p;
	}
	return 0;
}

static void
set_sigalg(struct kiln_info *info)
{
	size_t i;

	snprintf(info->sigalg, sizeof(info->sigalg), "Unknown Signature");
	for (i = 0; i < sizeof(sigalgs) / sizeof(sigalgs[0]); i++)
		if (strcmp(sigalgs[i].oid, info->sigalg_oid) == 0)
			snprintf(info->sigalg, sizeof(info->sigalg), "%s",
			    sigalgs[i].name);
}

/* Public keys. */

static const struct {
	const char *oid, *name;
	unsigned int bits;
} curves[] = {
    {"1.2.840.10045.3.1.7", "P-256", 256},
    {"1.3.132.0.34", "P-384", 384},
    {"1.3.132.0.35", "P-521", 521},
    {"1.2.840.10045.3.1.1", "P-192", 192},
    {"1.3.132.0.33", "P-224", 224},
    {"1.3.132.0.10", "secp256k1", 256},
    {"1.3.36.3.3.2.8.1.1.7", "brainpoolP256r1", 256},
    {"1.3.36.3.3.2.8.1.1.11", "brainpoolP384r1", 384},
    {"1.3.36.3.3.2.8.1.1.13", "brainpoolP512r1", 512},
};

/* The bit length of an INTEGER's contents. */
static unsigned int
int_bits(const struct rd *v)
{
	const unsigned char *p = v->p;
	size_t n = rd_len(v);
	unsigned int bits;
	unsigned char c;

	while (n > 0 && *p == 0)
		p++, n--;
	if (n == 0)
		return 0;
	for (bits = (unsigned int)(n - 1) * 8, c = *p; c != 0; c >>= 1)
		bits++;
	return bits;
}

static int
parse_spki(struct kiln_info *info, struct rd spki_whole, struct kiln_err *err)
{
	struct rd outer = spki_whole, spki, alg, bits, key, n;
	char oid[64], param[64];
	const unsigned char *kb;
	size_t i, kn;
	int ret;

	if (rd_tag(&outer, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &spki) == -1 ||
	    rd_tag(&spki, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &alg) == -1 ||
	    rd_oid(&alg, oid, sizeof(oid)) == -1 ||
	    rd_tag(&spki, MBEDTLS_ASN1_BIT_STRING, &bits) == -1 ||
	    rd_len(&bits) < 1 || spki.p != spki.end)
		return kiln_err_set(err, KILN_EINVAL, "bad public key");
	if (der_spki_key_bits(spki_whole.p, rd_len(&spki_whole), &kb, &kn) ==
	        -1 ||
	    (ret = mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA1), kb,
	         kn, info->key_id)) != 0)
		return kiln_err_set(err, KILN_EINVAL, "bad public key");

	snprintf(info->key_algorithm, sizeof(info->key_algorithm), "%s", oid);
	if (strcmp(oid, "1.2.840.113549.1.1.1") == 0 ||
	    strcmp(oid, "1.2.840.113549.1.1.10") == 0) {
		snprintf(info->key_algorithm, sizeof(info->key_algorithm),
		    strcmp(oid, "1.2.840.113549.1.1.1") == 0 ? "RSA"
		                                             : "RSA-PSS");
		key.p = bits.p + 1;
		key.end = bits.end;
		if (rd_tag(&key,
		        MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
		        &key) == 0 &&
		    rd_tag(&key, MBEDTLS_ASN1_INTEGER, &n) == 0)
			info->key_bits = int_bits(&n);
	} else if (strcmp(oid, "1.2.840.10045.2.1") == 0) {
		snprintf(
		    info->key_algorithm, sizeof(info->key_algorithm), "ECDSA");
		if (rd_oid(&alg, param, sizeof(param)) == 0)
			for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
				if (strcmp(curves[i].oid, param) == 0) {
					snprintf(info->key_curve,
					    sizeof(info->key_curve), "%s",
					    curves[i].name);
					info->key_bits = curves[i].bits;
				}
	} else if (strcmp(oid, "1.3.101.112") == 0) {
		snprintf(info->key_algorithm, sizeof(info->key_algorithm),
		    "Ed25519");
		info->key_bits = 256;
	} else if (strcmp(oid, "1.3.101.113") == 0) {
		snprintf(
		    info->key_algorithm, sizeof(info->key_algorithm), "Ed448");
		info->key_bits = 456;
	} else if (strcmp(oid, "1.2.840.10040.4.1") == 0) {
		snprintf(
		    info->key_algorithm, sizeof(info->key_algorithm), "DSA");
	}
	return 0;
}

/* General names, for SANs and name constraints. */

/* Go's net.IP.String(): dotted IPv4 (also IPv4-mapped), RFC 5952 IPv6. */
static void
ip_string(const unsigned char *ip, size_t n, char *out, size_t size)
{
	static const unsigned char mapped[12] = {
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	int i, best = -1, bestlen = 0, run, len = 0;
	unsigned int g;

	if (n == 16 && memcmp(ip, mapped, 12) == 0)
		ip += 12, n = 4;
	if (n == 4) {
		snprintf(out, size, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
		return;
	}
	/* The longest run of two or more zero groups, the first if tied. */
	for (i = 0; i<8; i += run> 0 ? run : 1) {
		for (run = 0; i + run < 8 && ip[2 * (i + run)] == 0 &&
		              ip[2 * (i + run) + 1] == 0;
		     run++)
			;
		if (run >= 2 && run > bestlen)
			best = i, bestlen = run;
	}
	out[0] = '\0';
	for (i = 0; i < 8; i++) {
		if (i == best) {
			len += snprintf(out + len, size - (size_t)len, "::");
			i += bestlen - 1;
			continue;
		}
		g = (unsigned int)ip[2 * i] << 8 | ip[2 * i + 1];
		len += snprintf(out + len, size - (size_t)len, "%s%x",
		    i > 0 && i != best + bestlen ? ":" : "", g);
	}
}

static int
push(char ***v, size_t *n, const char *s, struct kiln_err *err)
{
	char **nv, *copy;

	if ((copy = strdup(s)) == NULL ||
	    (nv = realloc(*v, (*n + 1) * sizeof(*nv))) == NULL) {
		free(copy);
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	}
	nv[(*n)++] = copy;
	*v = nv;
	return 0;
}

/* A string general name (email, DNS, URI) as printable UTF-8. */
static int
push_name(char ***v, size_t *n, const struct rd *value, struct kiln_err *err)
{
	struct rd none = {NULL, NULL};
	char *s;
	int rc;

	if ((s = decode_string(MBEDTLS_ASN1_IA5_STRING, value, &none, err)) ==
	    NULL)
		return -1;
	rc = push(v, n, s, err);
	free(s);
	return rc;
}

static int
parse_san(struct kiln_info *info, struct rd v, struct kiln_err *err)
{
	struct rd names, name;
	char ip[64];
	int tag, rc = 0;

	if (rd_tag(&v, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &names) == -1 ||
	    v.p != v.end)
		return kiln_err_set(
		    err, KILN_EINVAL, "bad subject alternative name");
	while (rc == 0 && names.p < names.end) {
		if (rd_any(&names, &tag, &name, NULL) == -1)
			return kiln_err_set(
			    err, KILN_EINVAL, "bad subject alternative name");
		switch (tag) {
		case MBEDTLS_ASN1_CONTEXT_SPECIFIC | 1:
			rc = push_name(
			    &info->emails, &info->nemails, &name, err);
			break;
		case MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2:
			rc = push_name(&info->dns, &info->ndns, &name, err);
			break;
		case MBEDTLS_ASN1_CONTEXT_SPECIFIC | 6:
			rc = push_name(&info->uris, &info->nuris, &name, err);
			break;
		case MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7:
			if (rd_len(&name) != 4 && rd_len(&name) != 16)
				return kiln_err_set(err, KILN_EINVAL,
				    "subject alternative name: IP address of "
				    "%zu bytes",
				    rd_len(&name));
			ip_string(name.p, rd_len(&name), ip, sizeof(ip));
			rc = push(&info->ips, &info->nips, ip, err);
			break;
		default: /* otherName, directoryName, ...: not shown */
			break;
		}
	}
	return rc;
}

/* One name constraints subtree entry, "DNS:example.com" and so on. */
static int
push_subtree(char ***v, size_t *n, struct rd subtree, struct kiln_err *err)
{
	struct rd name, none = {NULL, NULL};
	struct kiln_dn dn = {NULL, 0};
	struct kiln_buf b;
	char ip[64], mask[64], *s = NULL;
	const char *prefix;
	int tag, rc = -1;
	size_t i;

	kiln_buf_init(&b);
	if (rd_any(&subtree, &tag, &name, NULL) == -1) {
		kiln_err_set(err, KILN_EINVAL, "bad name constraints");
		goto cleanup;
	}
	switch (tag) {
	case MBEDTLS_ASN1_CONTEXT_SPECIFIC | 1:
	case MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2:
	case MBEDTLS_ASN1_CONTEXT_SPECIFIC | 6:
		prefix = tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 1)   ? "email:"
		         : tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2) ? "DNS:"
		                                                      : "URI:";
		if ((s = decode_string(
		         MBEDTLS_ASN1_IA5_STRING, &name, &none, err)) == NULL)
			goto cleanup;
		kiln_buf_append(&b, prefix, strlen(prefix), err);
		kiln_buf_append(&b, s, strlen(s), err);
		break;
	case MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7:
		if (rd_len(&name) != 8 && rd_len(&name) != 32) {
			kiln_err_set(err, KILN_EINVAL,
			    "name constraints: IP range of %zu bytes",
			    rd_len(&name));
			goto cleanup;
		}
		ip_string(name.p, rd_len(&name) / 2, ip, sizeof(ip));
		ip_string(name.p + rd_len(&name) / 2, rd_len(&name) / 2, mask,
		    sizeof(mask));
		kiln_buf_append(&b, "IP:", 3, err);
		kiln_buf_append(&b, ip, strlen(ip), err);
		kiln_buf_append(&b, "/", 1, err);
		kiln_buf_append(&b, mask, strlen(mask), err);
		break;
	case MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 4:
		if (rd_tag(&name,
		        MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
		        &name) == -1 ||
		    parse_dn(name, &dn, err) == -1)
			goto cleanup;
		kiln_buf_append(&b, "DirName:", 8, err);
		for (i = 0; i < dn.n; i++) {
			if (i > 0)
				kiln_buf_append(&b, ", ", 2, err);
			kiln_buf_append(
			    &b, dn.attr[i].oid, strlen(dn.attr[i].oid), err);
			kiln_buf_append(&b, "=", 1, err);
			kiln_buf_append(&b, dn.attr[i].value,
			    strlen(dn.attr[i].value), err);
		}
		break;
	default:
		snprintf(ip, sizeof(ip), "name of type [%d]", tag & 0x1f);
		kiln_buf_append(&b, ip, strlen(ip), err);
		break;
	}
	if (kiln_buf_terminate(&b, err) == -1)
		goto cleanup;
	rc = push(v, n, (char *)b.p, err);
cleanup:
	free(s);
	dn_free(&dn);
	kiln_buf_free(&b);
	return rc;
}

static int
parse_nc(struct kiln_info *info, struct rd v, struct kiln_err *err)
{
	struct rd nc, trees, subtree;
	int tag;

	if (rd_tag(&v, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE, &nc) ==
	        -1 ||
	    v.p != v.end)
		return kiln_err_set(err, KILN_EINVAL, "bad name constraints");
	while (nc.p < nc.end) {
		if (rd_any(&nc, &tag, &trees, NULL) == -1 ||
		    (tag != 0xa0 && tag != 0xa1))
			return kiln_err_set(
			    err, KILN_EINVAL, "bad name constraints");
		while (trees.p < trees.end) {
			if (rd_tag(&trees,
			        MBEDTLS_ASN1_CONSTRUCTED |
			            MBEDTLS_ASN1_SEQUENCE,
			        &subtree) == -1)
				return kiln_err_set(
				    err, KILN_EINVAL, "bad name constraints");
			if (tag == 0xa0
			        ? push_subtree(&info->permitted,
			              &info->npermitted, subtree, err) == -1
			        : push_subtree(&info->excluded,
			              &info->nexcluded, subtree, err) == -1)
				return -1;
		}
	}
	return 0;
}

/* Extended key usages by cfssl's names. */
static const struct {
	const char *oid, *name;
} ekus[] = {
    {"2.5.29.37.0", "any"},
    {"1.3.6.1.5.5.7.3.1", "server auth"},
    {"1.3.6.1.5.5.7.3.2", "client auth"},
    {"1.3.6.1.5.5.7.3.3", "code signing"},
    {"1.3.6.1.5.5.7.3.4", "email protection"},
    {"1.3.6.1.5.5.7.3.5", "ipsec end system"},
    {"1.3.6.1.5.5.7.3.6", "ipsec tunnel"},
    {"1.3.6.1.5.5.7.3.7", "ipsec user"},
    {"1.3.6.1.5.5.7.3.8", "timestamping"},
    {"1.3.6.1.5.5.7.3.9", "ocsp signing"},
    {"1.3.6.1.4.1.311.10.3.3", "microsoft sgc"},
    {"2.16.840.1.113730.4.1", "netscape sgc"},
};

static int
parse_eku(struct kiln_info *info, struct rd v, struct kiln_err *err)
{
	struct rd seq;
	char oid[64];
	const char *name;
	size_t i;

	if (rd_tag(&v, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &seq) == -1 ||
	    v.p != v.end)
		return kiln_err_set(err, KILN_EINVAL, "bad extended key usage");
	while (seq.p < seq.end) {
		if (rd_oid(&seq, oid, sizeof(oid)) == -1)
			return kiln_err_set(
			    err, KILN_EINVAL, "bad extended key usage");
		name = oid;
		for (i = 0; i < sizeof(ekus) / sizeof(ekus[0]); i++)
			if (strcmp(ekus[i].oid, oid) == 0)
				name = ekus[i].name;
		if (push(&info->eku, &info->neku, name, err) == -1)
			return -1;
	}
	return 0;
}

static int
parse_ku(struct kiln_info *info, struct rd v, struct kiln_err *err)
{
	struct rd bits;
	size_t i, n;

	if (rd_tag(&v, MBEDTLS_ASN1_BIT_STRING, &bits) == -1 || v.p != v.end ||
	    rd_len(&bits) < 1 || bits.p[0] > 7)
		return kiln_err_set(err, KILN_EINVAL, "bad key usage");
	n = (rd_len(&bits) - 1) * 8;
	for (i = 0; i < n && i < 9; i++)
		if (bits.p[1 + i / 8] & (0x80 >> (i % 8)))
			info->ku |= 1u << i;
	info->has_ku = 1;
	return 0;
}

static int
parse_bc(struct kiln_info *info, struct rd v, struct kiln_err *err)
{
	struct rd seq;
	int ca = 0, pathlen;

	if (rd_tag(&v, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &seq) == -1 ||
	    v.p != v.end)
		return kiln_err_set(err, KILN_EINVAL, "bad basic constraints");
	if (rd_peek(&seq, MBEDTLS_ASN1_BOOLEAN) &&
	    mbedtls_asn1_get_bool(&seq.p, seq.end, &ca) != 0)
		return kiln_err_set(err, KILN_EINVAL, "bad basic constraints");
	info->max_path_len = -1;
	if (seq.p < seq.end) {
		if (mbedtls_asn1_get_int(&seq.p, seq.end, &pathlen) != 0 ||
		    pathlen < 0)
			return kiln_err_set(
			    err, KILN_EINVAL, "bad basic constraints");
		info->max_path_len = pathlen;
	}
	if (seq.p != seq.end)
		return kiln_err_set(err, KILN_EINVAL, "bad basic constraints");
	info->has_bc = 1;
	info->is_ca = ca != 0;
	return 0;
}

static int
parse_key_id(unsigned char *out, size_t *len, size_t size, struct rd v, int tag,
    struct kiln_err *err)
{
	struct rd id;

	if (rd_tag(&v, tag, &id) == -1)
		return kiln_err_set(err, KILN_EINVAL, "bad key identifier");
	if (rd_len(&id) > size)
		return kiln_err_set(err, KILN_EINVAL,
		    "key identifier of %zu bytes", rd_len(&id));
	memcpy(out, id.p, rd_len(&id));
	*len = rd_len(&id);
	return 0;
}

static int
parse_aki(struct kiln_info *info, struct rd v, struct kiln_err *err)
{
	struct rd seq;

	if (rd_tag(&v, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &seq) == -1 ||
	    v.p != v.end)
		return kiln_err_set(
		    err, KILN_EINVAL, "bad authority key identifier");
	if (!rd_peek(&seq, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 0))
		return 0;
	return parse_key_id(info->aki, &info->aki_len, sizeof(info->aki), seq,
	    MBEDTLS_ASN1_CONTEXT_SPECIFIC | 0, err);
}

/* Every extension of "exts" (the Extensions SEQUENCE contents). */
static int
parse_extensions(struct kiln_info *info, struct rd exts, struct kiln_err *err)
{
	struct rd ext, value;
	struct kiln_ext *e;
	int critical, rc;

	while (exts.p < exts.end) {
		if (rd_tag(&exts,
		        MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
		        &ext) == -1)
			return kiln_err_set(err, KILN_EINVAL, "bad extension");
		if ((e = realloc(info->ext, (info->next + 1) * sizeof(*e))) ==
		    NULL)
			return kiln_err_set(err, KILN_ENOMEM, "out of memory");
		info->ext = e;
		e = &info->ext[info->next];
		critical = 0;
		if (rd_oid(&ext, e->oid, sizeof(e->oid)) == -1 ||
		    (rd_peek(&ext, MBEDTLS_ASN1_BOOLEAN) &&
		        mbedtls_asn1_get_bool(&ext.p, ext.end, &critical) !=
		            0) ||
		    rd_tag(&ext, MBEDTLS_ASN1_OCTET_STRING, &value) == -1 ||
		    ext.p != ext.end)
			return kiln_err_set(err, KILN_EINVAL, "bad extension");
		e->critical = critical != 0;
		e->off = (size_t)(value.p - info->der.p);
		e->len = rd_len(&value);
		info->next++;

		rc = 0;
		if (strcmp(e->oid, "2.5.29.17") == 0)
			rc = parse_san(info, value, err);
		else if (strcmp(e->oid, "2.5.29.14") == 0)
			rc = parse_key_id(info->ski, &info->ski_len,
			    sizeof(info->ski), value, MBEDTLS_ASN1_OCTET_STRING,
			    err);
		else if (strcmp(e->oid, "2.5.29.35") == 0)
			rc = parse_aki(info, value, err);
		else if (strcmp(e->oid, "2.5.29.19") == 0)
			rc = parse_bc(info, value, err);
		else if (strcmp(e->oid, "2.5.29.15") == 0)
			rc = parse_ku(info, value, err);
		else if (strcmp(e->oid, "2.5.29.37") == 0)
			rc = parse_eku(info, value, err);
		else if (strcmp(e->oid, "2.5.29.30") == 0)
			rc = parse_nc(info, value, err);
		if (rc == -1)
			return -1;
	}
	return 0;
}

/* Objects. */

void
kiln_info_init(struct kiln_info *info)
{
	memset(info, 0, sizeof(*info));
	kiln_buf_init(&info->der);
	info->max_path_len = -1;
	info->sig_valid = -1;
}

void
kiln_info_free(struct kiln_info *info)
{
	dn_free(&info->subject);
	dn_free(&info->issuer);
	free(info->ext);
	kiln_strs_free(info->dns, info->ndns);
	kiln_strs_free(info->ips, info->nips);
	kiln_strs_free(info->emails, info->nemails);
	kiln_strs_free(info->uris, info->nuris);
	kiln_strs_free(info->eku, info->neku);
	kiln_strs_free(info->permitted, info->npermitted);
	kiln_strs_free(info->excluded, info->nexcluded);
	kiln_buf_free(&info->der);
	kiln_info_init(info);
}

void
kiln_infos_init(struct kiln_infos *infos)
{
	infos->v = NULL;
	infos->n = 0;
}

void
kiln_infos_free(struct kiln_infos *infos)
{
	size_t i;

	for (i = 0; i < infos->n; i++)
		kiln_info_free(&infos->v[i]);
	free(infos->v);
	kiln_infos_init(infos);
}

/* Copy "der" into "info" and point "r" at the copy. */
static int
take_der(struct kiln_info *info, const unsigned char *der, size_t len,
    struct rd *r, struct kiln_err *err)
{
	if (kiln_buf_append(&info->der, der, len, err) == -1)
		return -1;
	r->p = info->der.p;
	r->end = info->der.p + len;
	return mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
	           info->der.p, len, info->fingerprint) == 0
	           ? 0
	           : kiln_err_set(err, KILN_ECRYPTO, "sha-256 failed");
}

static int
cert_from_der(struct kiln_info *info, const unsigned char *der, size_t len,
    struct kiln_err *err)
{
	struct rd all, cert, tbs, v, name, spki, validity, exts;
	char oid[64];
	int version = 0, tag;

	info->kind = KILN_INFO_CERT;
	if (take_der(info, der, len, &all, err) == -1)
		return -1;
	if (rd_tag(&all, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &cert) == -1)
		return kiln_err_set(err, KILN_EINVAL, "not a certificate");
	if (all.p != all.end)
		return kiln_err_set(
		    err, KILN_EINVAL, "data after the certificate");
	if (rd_tag(&cert, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &tbs) == -1 ||
	    parse_algid(&cert, info->sigalg_oid, sizeof(info->sigalg_oid),
	        NULL) == -1 ||
	    rd_tag(&cert, MBEDTLS_ASN1_BIT_STRING, &v) == -1 ||
	    cert.p != cert.end)
		return kiln_err_set(err, KILN_EINVAL, "not a certificate");
	set_sigalg(info);

	if (rd_peek(&tbs, 0xa0)) {
		if (rd_tag(&tbs, 0xa0, &v) == -1 ||
		    mbedtls_asn1_get_int(&v.p, v.end, &version) != 0 ||
		    v.p != v.end || version < 0 || version > 2)
			return kiln_err_set(err, KILN_EINVAL, "bad version");
	}
	info->version = version + 1;
	if (rd_tag(&tbs, MBEDTLS_ASN1_INTEGER, &v) == -1 || rd_len(&v) < 1 ||
	    rd_len(&v) > sizeof(info->serial))
		return kiln_err_set(err, KILN_EINVAL, "bad serial number");
	memcpy(info->serial, v.p, rd_len(&v));
	info->serial_len = rd_len(&v);
	if (parse_algid(&tbs, oid, sizeof(oid), NULL) == -1)
		return kiln_err_set(
		    err, KILN_EINVAL, "bad signature algorithm");
	if (rd_tag(&tbs, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &name) == -1)
		return kiln_err_set(err, KILN_EINVAL, "bad issuer");
	if (parse_dn(name, &info->issuer, err) == -1) {
		kiln_err_prefix(err, "issuer");
		return -1;
	}
	if (rd_tag(&tbs, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &validity) == -1 ||
	    parse_time(&validity, &info->not_before) == -1 ||
	    parse_time(&validity, &info->not_after) == -1 ||
	    validity.p != validity.end)
		return kiln_err_set(err, KILN_EINVAL, "bad validity");
	if (rd_tag(&tbs, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &name) == -1)
		return kiln_err_set(err, KILN_EINVAL, "bad subject");
	if (parse_dn(name, &info->subject, err) == -1) {
		kiln_err_prefix(err, "subject");
		return -1;
	}
	spki.p = tbs.p;
	if (rd_tag(&tbs, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &v) == -1)
		return kiln_err_set(err, KILN_EINVAL, "bad public key");
	spki.end = tbs.p;
	if (parse_spki(info, spki, err) == -1)
		return -1;
	while (tbs.p < tbs.end) {
		if (rd_any(&tbs, &tag, &v, NULL) == -1)
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
			if (parse_extensions(info, exts, err) == -1)
				return -1;
		} else if (tag != 0x81 && tag != 0xa1 && tag != 0x82 &&
		           tag != 0xa2)
			return kiln_err_set(err, KILN_EINVAL,
			    "unexpected field in the certificate");
	}
	return 0;
}

/* The next PEM block labelled "label" at "*pos", decoded into "out". */
static int
pem_next(const char **pos, const char *label, struct kiln_buf *out, int *found,
    struct kiln_err *err)
{
	char begin[64], end[64];
	mbedtls_pem_context pem;
	const unsigned char *der;
	size_t used, len;
	int ret, rc = -1;

	*found = 0;
	snprintf(begin, sizeof(begin), "-----BEGIN %s-----", label);
	snprintf(end, sizeof(end), "-----END %s-----", label);
	mbedtls_pem_init(&pem);
	ret = mbedtls_pem_read_buffer(
	    &pem, begin, end, (const unsigned char *)*pos, NULL, 0, &used);
	if (ret == MBEDTLS_ERR_PEM_NO_HEADER_FOOTER_PRESENT) {
		/* mbedTLS says the same of a block with no END line. */
		if (strstr(*pos, begin) != NULL)
			kiln_err_set(err, KILN_EINVAL,
			    "truncated PEM: no \"%s\" line", end);
		else
			rc = 0;
		goto cleanup;
	}
	if (ret != 0) {
		kiln_err_mbed(err, ret, "bad PEM");
		goto cleanup;
	}
	der = kiln_pem_buffer(&pem, &len);
	out->len = 0;
	if (kiln_buf_append(out, der, len, err) == -1)
		goto cleanup;
	*pos += used;
	*found = 1;
	rc = 0;
cleanup:
	mbedtls_pem_free(&pem);
	return rc;
}

/* The first PEM label in "text", for "no certificate" messages. */
static void
first_label(const char *text, char *out, size_t size)
{
	const char *p = strstr(text, "-----BEGIN "), *e;

	out[0] = '\0';
	if (p == NULL)
		return;
	p += strlen("-----BEGIN ");
	if ((e = strstr(p, "-----")) != NULL && (size_t)(e - p) < size &&
	    memchr(p, '\n', (size_t)(e - p)) == NULL)
		snprintf(out, size, "%.*s", (int)(e - p), p);
}

static int
push_info(
    struct kiln_infos *infos, struct kiln_info **out, struct kiln_err *err)
{
	struct kiln_info *v;

	if ((v = realloc(infos->v, (infos->n + 1) * sizeof(*v))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	infos->v = v;
	*out = &v[infos->n++];
	kiln_info_init(*out);
	return 0;
}

/* Copy of "data" with a NUL, for the PEM reader, or NULL if DER. */
static int
as_text(const unsigned char *data, size_t len, struct kiln_buf *text,
    struct kiln_err *err)
{
	if (kiln_buf_append(text, data, len, err) == -1 ||
	    kiln_buf_terminate(text, err) == -1)
		return -1;
	return strstr((char *)text->p, "-----BEGIN ") != NULL;
}

int
kiln_inspect_certs(struct kiln_infos *infos, const unsigned char *data,
    size_t len, struct kiln_err *err)
{
	struct kiln_buf text, der;
	struct kiln_info *info = NULL;
	const char *pos;
	char label[64];
	size_t count = 0;
	int pem, found, rc = -1;

	kiln_buf_init(&text);
	kiln_buf_init(&der);
	if ((pem = as_text(data, len, &text, err)) == -1)
		goto cleanup;
	if (!pem) {
		if (len == 0) {
			kiln_err_set(err, KILN_EINVAL, "empty input");
			goto cleanup;
		}
		if (push_info(infos, &info, err) == -1)
			goto cleanup;
		if (cert_from_der(info, data, len, err) == -1) {
			kiln_err_prefix(
			    err, "neither PEM nor a DER certificate");
			goto cleanup;
		}
		rc = 0;
		goto cleanup;
	}
	for (pos = (const char *)text.p;; count++) {
		if (pem_next(&pos, "CERTIFICATE", &der, &found, err) == -1) {
			kiln_err_prefix(err, "certificate %zu", count + 1);
			goto cleanup;
		}
		if (!found)
			break;
		if (push_info(infos, &info, err) == -1)
			goto cleanup;
		if (cert_from_der(info, der.p, der.len, err) == -1) {
			kiln_err_prefix(err, "certificate %zu", count + 1);
			goto cleanup;
		}
	}
	if (count == 0) {
		first_label((const char *)text.p, label, sizeof(label));
		kiln_err_set(err, KILN_EINVAL,
		    "no certificate found (the PEM holds a \"%s\" block)",
		    label);
		goto cleanup;
	}
	rc = 0;
cleanup:
	kiln_buf_free(&text);
	kiln_buf_free(&der);
	return rc;
}

/* CSRs. */

static int
parse_csr_attributes(
    struct kiln_info *info, struct rd attrs, struct kiln_err *err)
{
	struct rd attr, values, exts;
	char oid[64];

	while (attrs.p < attrs.end) {
		if (rd_tag(&attrs,
		        MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
		        &attr) == -1 ||
		    rd_oid(&attr, oid, sizeof(oid)) == -1 ||
		    rd_tag(&attr, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET,
		        &values) == -1)
			return kiln_err_set(err, KILN_EINVAL, "bad attribute");
		if (strcmp(oid, "1.2.840.113549.1.9.14") != 0)
			continue; /* challengePassword and the like */
		if (rd_tag(&values,
		        MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
		        &exts) == -1 ||
		    values.p != values.end)
			return kiln_err_set(
			    err, KILN_EINVAL, "bad extension request");
		if (parse_extensions(info, exts, err) == -1)
			return -1;
	}
	return 0;
}

/* Check the CSR's self-signature: 1 valid, 0 not, -1 not checkable. */
static int
csr_signature(const struct rd *cri, const struct rd *spki,
    const struct rd *sigalg, const struct rd *sig)
{
	unsigned char hash[MBEDTLS_MD_MAX_SIZE], *p;
	mbedtls_x509_buf oid;
	mbedtls_md_type_t md;
	mbedtls_pk_type_t pk_alg;
	mbedtls_pk_context pk;
	const mbedtls_md_info_t *mdi;
	struct rd alg = *sigalg, o;
	int valid = -1;

	mbedtls_pk_init(&pk);
	if (rd_tag(&alg, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &alg) == -1 ||
	    rd_tag(&alg, MBEDTLS_ASN1_OID, &o) == -1)
		goto cleanup;
	oid.tag = MBEDTLS_ASN1_OID;
	oid.p = o.p;
	oid.len = rd_len(&o);
	if (mbedtls_oid_get_sig_alg(&oid, &md, &pk_alg) != 0 ||
	    (pk_alg != MBEDTLS_PK_RSA && pk_alg != MBEDTLS_PK_ECDSA) ||
	    (mdi = mbedtls_md_info_from_type(md)) == NULL)
		goto cleanup;
	p = spki->p;
	if (mbedtls_pk_parse_subpubkey(&p, spki->end, &pk) != 0 ||
	    !mbedtls_pk_can_do(&pk, pk_alg))
		goto cleanup;
	if (mbedtls_md(mdi, cri->p, rd_len(cri), hash) != 0)
		goto cleanup;
	valid = rd_len(sig) >= 1 && sig->p[0] == 0 &&
	        mbedtls_pk_verify(&pk, md, hash, mbedtls_md_get_size(mdi),
	            sig->p + 1, rd_len(sig) - 1) == 0;
cleanup:
	mbedtls_pk_free(&pk);
	return valid;
}

static int
csr_from_der(struct kiln_info *info, const unsigned char *der, size_t len,
    struct kiln_err *err)
{
	struct rd all, csr, cri_whole, cri, v, name, spki, sigalg, sig;
	int version;

	info->kind = KILN_INFO_CSR;
	info->version = 1;
	if (take_der(info, der, len, &all, err) == -1)
		return -1;
	if (rd_tag(&all, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &csr) == -1 ||
	    all.p != all.end)
		return kiln_err_set(err, KILN_EINVAL, "not a CSR");
	cri_whole.p = csr.p;
	if (rd_tag(&csr, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &cri) == -1)
		return kiln_err_set(err, KILN_EINVAL, "not a CSR");
	cri_whole.end = csr.p;
	sigalg.p = csr.p;
	if (parse_algid(&csr, info->sigalg_oid, sizeof(info->sigalg_oid),
	        &sigalg) == -1 ||
	    rd_tag(&csr, MBEDTLS_ASN1_BIT_STRING, &sig) == -1 ||
	    csr.p != csr.end)
		return kiln_err_set(err, KILN_EINVAL, "not a CSR");
	set_sigalg(info);
	if (mbedtls_asn1_get_int(&cri.p, cri.end, &version) != 0 ||
	    version != 0)
		return kiln_err_set(err, KILN_EINVAL, "bad version");
	if (rd_tag(&cri, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &name) == -1)
		return kiln_err_set(err, KILN_EINVAL, "bad subject");
	if (parse_dn(name, &info->subject, err) == -1) {
		kiln_err_prefix(err, "subject");
		return -1;
	}
	spki.p = cri.p;
	if (rd_tag(&cri, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &v) == -1)
		return kiln_err_set(err, KILN_EINVAL, "bad public key");
	spki.end = cri.p;
	if (parse_spki(info, spki, err) == -1)
		return -1;
	if (rd_tag(&cri, 0xa0, &v) == -1 || cri.p != cri.end)
		return kiln_err_set(err, KILN_EINVAL, "bad attributes");
	if (parse_csr_attributes(info, v, err) == -1)
		return -1;
	info->sig_valid = csr_signature(&cri_whole, &spki, &sigalg, &sig);
	return 0;
}

int
kiln_inspect_csr(struct kiln_info *info, const unsigned char *data, size_t len,
    struct kiln_err *err)
{
	struct kiln_buf text, der;
	const char *pos;
	char label[64];
	int pem, found = 0, rc = -1;

	kiln_buf_init(&text);
	kiln_buf_init(&der);
	kiln_info_free(info);
	if ((pem = as_text(data, len, &text, err)) == -1)
		goto cleanup;
	if (!pem) {
		if (len == 0) {
			kiln_err_set(err, KILN_EINVAL, "empty input");
			goto cleanup;
		}
		if (csr_from_der(info, data, len, err) == -1) {
			kiln_err_prefix(err, "neither PEM nor a DER CSR");
			goto cleanup;
		}
		rc = 0;
		goto cleanup;
	}
	pos = (const char *)text.p;
	if (pem_next(&pos, "CERTIFICATE REQUEST", &der, &found, err) == -1)
		goto cleanup;
	if (!found) {
		pos = (const char *)text.p;
		if (pem_next(&pos, "NEW CERTIFICATE REQUEST", &der, &found,
		        err) == -1)
			goto cleanup;
	}
	if (!found) {
		first_label((const char *)text.p, label, sizeof(label));
		kiln_err_set(err, KILN_EINVAL,
		    "no certificate request found (the PEM holds a \"%s\" "
		    "block)",
		    label);
		goto cleanup;
	}
	if (csr_from_der(info, der.p, der.len, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	kiln_buf_free(&text);
	kiln_buf_free(&der);
	if (rc == -1)
		kiln_info_free(info);
	return rc;
}

/* Keys. */

int
kiln_inspect_key(
    struct kiln_info *info, struct kiln_key *key, struct kiln_err *err)
{
	struct rd spki;

	kiln_info_free(info);
	info->kind = KILN_INFO_KEY;
	if (kiln_key_write_spki(key, &info->der, err) == -1)
		goto fail;
	spki.p = info->der.p;
	spki.end = info->der.p + info->der.len;
	if (parse_spki(info, spki, err) == -1 ||
	    mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
	        info->der.p, info->der.len, info->fingerprint) != 0)
		goto fail;
	return 0;
fail:
	kiln_err_set(err, KILN_EINVAL, "cannot describe the key");
	kiln_info_free(info);
	return -1;
}

/* The SubjectPublicKeyInfo of a certificate or CSR. */
static int
find_spki(const struct kiln_info *info, struct rd *spki)
{
	struct rd r = {info->der.p, info->der.p + info->der.len}, outer, inner,
	          v;
	int i, tag;

	if (rd_tag(&r, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &outer) == -1 ||
	    rd_tag(&outer, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &inner) == -1)
		return -1;
	/* version?, serial, algorithm, issuer, validity, subject | version,
	 * subject */
	if (info->kind == KILN_INFO_CERT) {
		if (rd_peek(&inner, 0xa0) &&
		    rd_any(&inner, &tag, &v, NULL) == -1)
			return -1;
		for (i = 0; i < 5; i++)
			if (rd_any(&inner, &tag, &v, NULL) == -1)
				return -1;
	} else
		for (i = 0; i < 2; i++)
			if (rd_any(&inner, &tag, &v, NULL) == -1)
				return -1;
	return rd_any(&inner, &tag, &v, spki);
}

int
kiln_inspect_key_match(const struct kiln_info *info, struct kiln_key *key,
    struct kiln_rng *rng, struct kiln_err *err)
{
	mbedtls_pk_context pub;
	struct rd spki;
	int rc = -1;

	mbedtls_pk_init(&pub);
	if (info->kind == KILN_INFO_KEY || find_spki(info, &spki) == -1 ||
	    mbedtls_pk_parse_subpubkey(&spki.p, spki.end, &pub) != 0) {
		kiln_err_set(err, KILN_EINVAL,
		    "the certificate's public key cannot be compared");
		goto cleanup;
	}
	rc = kiln_key_check_pair(&pub, key, rng, err);
cleanup:
	mbedtls_pk_free(&pub);
	return rc;
}

int
kiln_info_serial_decimal(
    const struct kiln_info *info, struct kiln_buf *out, struct kiln_err *err)
{
	unsigned char mag[sizeof(info->serial)];
	char text[100];
	mbedtls_mpi n;
	size_t i, olen;
	int neg, carry, rc = -1;

	mbedtls_mpi_init(&n);
	if (info->serial_len == 0)
		return kiln_buf_append(out, "0", 1, err);
	/* Two's complement: a negative serial is printed with a minus. */
	neg = (info->serial[0] & 0x80) != 0;
	memcpy(mag, info->serial, info->serial_len);
	if (neg) {
		for (i = 0; i < info->serial_len; i++)
			mag[i] = (unsigned char)~mag[i];
		for (carry = 1, i = info->serial_len; i-- > 0 && carry;)
			carry = ++mag[i] == 0;
	}
	if (mbedtls_mpi_read_binary(&n, mag, info->serial_len) != 0 ||
	    mbedtls_mpi_write_string(&n, 10, text, sizeof(text), &olen) != 0) {
		kiln_err_set(err, KILN_ENOMEM, "serial number");
		goto cleanup;
	}
	if ((neg && kiln_buf_append(out, "-", 1, err) == -1) ||
	    kiln_buf_append(out, text, strlen(text), err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	mbedtls_mpi_free(&n);
	return rc;
}
