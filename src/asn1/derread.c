/*
 * The one DER reader: a cursor whose every read is bounds-checked, and
 * OBJECT IDENTIFIERs as dotted text.
 */
#include <string.h>

#include <mbedtls/asn1.h>

#include "asn1/derread.h"

/* Read one element of type "tag"; "inner" may be "r" itself. */
int
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
int
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

int
rd_bool(struct rd *r, int *val)
{
	unsigned char *p = r->p;

	if (mbedtls_asn1_get_bool(&p, r->end, val) != 0)
		return -1;
	r->p = p;
	return 0;
}

int
rd_int(struct rd *r, int *val)
{
	unsigned char *p = r->p;

	if (mbedtls_asn1_get_int(&p, r->end, val) != 0)
		return -1;
	r->p = p;
	return 0;
}

int
rd_peek(const struct rd *r, int tag)
{
	return r->p < r->end && *r->p == tag;
}

size_t
rd_len(const struct rd *r)
{
	return (size_t)(r->end - r->p);
}

/*
 * Dotted text of the OID contents "p" (X.690 8.19), or 0 if they are not
 * a valid encoding (an arc with a leading 0x80, a cut last arc, an arc
 * past 64 bits) or "out" is too small.  Written here rather than with
 * mbedtls_oid_get_numeric_string, whose snprintf per arc was a fifth of
 * a kiln-certinfo run.
 */
int
rd_oid_dotted(const unsigned char *p, size_t len, char *out, size_t size)
{
	char digits[24];
	unsigned long long arc = 0;
	size_t i, o = 0, d;
	int first = 1;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		if (arc == 0 && p[i] == 0x80)
			return 0; /* not minimal */
		if (arc >> 57 != 0)
			return 0; /* would overflow */
		arc = arc << 7 | (p[i] & 0x7f);
		if (p[i] & 0x80)
			continue;
		if (first) {
			/* The first two arcs share one subidentifier. */
			d = arc < 40 ? 0 : arc < 80 ? 1 : 2;
			if (o + 2 >= size)
				return 0;
			out[o++] = (char)('0' + d);
			out[o++] = '.';
			arc -= d * 40;
			first = 0;
		} else {
			if (o + 1 >= size)
				return 0;
			out[o++] = '.';
		}
		d = 0;
		do
			digits[d++] = (char)('0' + arc % 10);
		while ((arc /= 10) != 0);
		if (o + d >= size)
			return 0;
		while (d > 0)
			out[o++] = digits[--d];
	}
	if (p[len - 1] & 0x80)
		return 0; /* the last arc is cut */
	out[o] = '\0';
	return 1;
}

void
rd_oid_text(const struct rd *oid, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0, len = rd_len(oid);

	if (rd_oid_dotted(oid->p, len, out, size))
		return;
	/* Not a valid OID: show its bytes rather than nothing. */
	for (i = 0; i < len && o + 3 < size; i++) {
		out[o++] = hex[oid->p[i] >> 4];
		out[o++] = hex[oid->p[i] & 0xf];
	}
	out[o] = '\0';
}

int
rd_oid(struct rd *r, char *out, size_t size)
{
	struct rd oid;

	if (rd_tag(r, MBEDTLS_ASN1_OID, &oid) == -1)
		return -1;
	rd_oid_text(&oid, out, size);
	return 0;
}

int
rd_equal(const struct rd *a, const struct rd *b)
{
	return rd_len(a) == rd_len(b) &&
	       (rd_len(a) == 0 || memcmp(a->p, b->p, rd_len(a)) == 0);
}
