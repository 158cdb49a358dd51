/*
 * The directory strings and names of kiln's X.509 walk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>

#include "core/strs.h"
#include "asn1/x509.h"

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

/*
 * A directory string as UTF-8.  BMPString and UniversalString are
 * decoded; T.61 is taken as UTF-8 when it is valid UTF-8 (as Go does)
 * and as Latin-1 otherwise; invalid UTF-8 and NUL become U+FFFD; a type
 * that is not a string is shown as "#" and the hex of its DER, as RFC
 * 4514 does.
 */
char *
x509_decode_string(
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
		if (!kiln_utf8_valid(s, n)) {
			for (i = 0; i < n; i++)
				put_utf8(&b, s[i] == 0 ? 0xfffd : s[i], err);
			break;
		}
		__attribute__((fallthrough)); /* clang ignores comments */
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

void
x509_dn_free(struct kiln_dn *dn)
{
	size_t i;

	for (i = 0; i < dn->n; i++)
		free(dn->attr[i].value);
	free(dn->attr);
	dn->attr = NULL;
	dn->n = 0;
}

int
x509_parse_dn(struct rd name, struct kiln_dn *dn, struct kiln_err *err)
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
			if ((a->value = x509_decode_string(
			         tag, &value, &whole, err)) == NULL)
				return -1;
			a->same_rdn = !first;
			dn->n++;
		}
	}
	return 0;
}

/*
 * The outer SEQUENCE of "der" and, inside it, the body (a SEQUENCE) and
 * the two elements after it; then the body's fields up to "nfield".
 * "optional0" says the first field is an optional [0] (a certificate's
 * version), left empty when absent.
 */
static int
body_walk(const unsigned char *der, size_t len, struct x509_body *b,
    size_t nfield, int optional0)
{
	struct rd r = {(unsigned char *)der, (unsigned char *)der + len}, outer,
	          body, v;
	int tag;

	memset(b, 0, sizeof(*b));
	if (rd_tag(&r, 0x30, &outer) == -1)
		return -1;
	b->after = r;
	if (rd_any(&outer, &tag, &body, &b->body) == -1 || tag != 0x30) {
		memset(&b->body, 0, sizeof(b->body));
		return 0;
	}
	b->outer_ok = rd_any(&outer, &tag, &v, &b->sigalg) == 0 &&
	              rd_any(&outer, &tag, &v, &b->sig) == 0;
	b->extra = outer;
	for (; b->nfield < nfield; b->nfield++) {
		if (b->nfield == 0 && optional0 && !rd_peek(&body, 0xa0))
			continue;
		if (rd_any(&body, &tag, &v, &b->field[b->nfield]) == -1)
			break;
	}
	b->rest = body;
	return 0;
}

int
x509_cert_walk(const unsigned char *der, size_t len, struct x509_body *b)
{
	return body_walk(der, len, b, X509_TBS_FIELDS, 1);
}

int
x509_csr_walk(const unsigned char *der, size_t len, struct x509_body *b)
{
	return body_walk(der, len, b, X509_CSR_FIELDS, 0);
}

int
x509_tbs(const unsigned char *der, size_t len, struct x509_tbs *t)
{
	struct x509_body b;
	struct rd v, whole;
	int tag;

	memset(t, 0, sizeof(*t));
	if (x509_cert_walk(der, len, &b) == -1 || b.nfield < X509_TBS_FIELDS)
		return -1;
	t->issuer = b.field[X509_ISSUER];
	t->subject = b.field[X509_SUBJECT];
	t->spki = b.field[X509_SPKI];
	while (b.rest.p < b.rest.end) {
		if (rd_any(&b.rest, &tag, &v, &whole) == -1)
			return -1;
		if (tag == 0xa3)
			t->exts = whole;
	}
	return 0;
}

/* Extensions. */

int
x509_ext_next(struct rd *exts, struct rd *oid, int *critical, struct rd *value)
{
	struct rd ext, r = *exts;

	*critical = 0;
	if (rd_tag(&r, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &ext) == -1 ||
	    rd_tag(&ext, MBEDTLS_ASN1_OID, oid) == -1 ||
	    (rd_peek(&ext, MBEDTLS_ASN1_BOOLEAN) &&
	        rd_bool(&ext, critical) == -1) ||
	    rd_tag(&ext, MBEDTLS_ASN1_OCTET_STRING, value) == -1 ||
	    ext.p != ext.end)
		return -1;
	*exts = r;
	return 0;
}

int
x509_ext_find(struct rd exts, const unsigned char *oid, size_t len,
    struct rd *value, int *critical)
{
	struct rd o, v;
	int crit;

	while (exts.p < exts.end) {
		if (x509_ext_next(&exts, &o, &crit, &v) == -1)
			return -1;
		if (rd_len(&o) == len && memcmp(o.p, oid, len) == 0) {
			*value = v;
			if (critical != NULL)
				*critical = crit;
			return 1;
		}
	}
	return 0;
}
