/*
 * The one DER cursor (src/asn1/derread.c): reads stay inside the range, a
 * failed read leaves the cursor where it was, and OIDs are read as
 * dotted text or refused.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "asn1/derread.h"

TestSuite(derread);

#define CURSOR(a)                                                              \
	{                                                                      \
		(unsigned char *)(a), (unsigned char *)(a) + sizeof(a)         \
	}

Test(derread, tag_steps_inside_and_past)
{
	/* SEQUENCE { INTEGER 5, NULL } then BOOLEAN TRUE */
	static unsigned char der[] = {
	    0x30, 0x05, 0x02, 0x01, 0x05, 0x05, 0x00, 0x01, 0x01, 0xff};
	struct rd r = CURSOR(der), seq, v;

	cr_assert_eq(rd_peek(&r, 0x30), 1);
	cr_assert_eq(rd_tag(&r, 0x30, &seq), 0);
	cr_assert_eq(rd_len(&seq), 5);
	cr_assert_eq(rd_tag(&seq, 0x02, &v), 0);
	cr_assert_eq(rd_len(&v), 1);
	cr_assert_eq(v.p[0], 5);
	cr_assert_eq(rd_tag(&seq, 0x05, &v), 0);
	cr_assert_eq(rd_len(&v), 0);
	cr_assert_eq(rd_len(&seq), 0);
	cr_assert_eq(rd_peek(&seq, 0x05), 0);
	cr_assert_eq(rd_tag(&r, 0x01, &r), 0);
	cr_assert_eq(rd_len(&r), 1);
	cr_assert_eq(r.p[0], 0xff);
}

Test(derread, failed_reads_leave_the_cursor)
{
	/* An INTEGER whose length runs one byte past the end. */
	static unsigned char cut[] = {0x02, 0x03, 0x01, 0x02};
	/* A long-form length of five bytes (more than mbedTLS reads). */
	static unsigned char huge[] = {0x04, 0x85, 0x01, 0, 0, 0, 0};
	struct rd r = CURSOR(cut), v, whole;
	int tag;

	cr_assert_eq(rd_tag(&r, 0x02, &v), -1);
	cr_assert_eq(r.p, cut);
	cr_assert_eq(rd_any(&r, &tag, &v, &whole), -1);
	cr_assert_eq(r.p, cut);
	/* The wrong tag. */
	r.end = cut + 2, cut[1] = 0;
	cr_assert_eq(rd_tag(&r, 0x04, &v), -1);
	cr_assert_eq(r.p, cut);
	r = (struct rd)CURSOR(huge);
	cr_assert_eq(rd_any(&r, &tag, &v, NULL), -1);
	cr_assert_eq(r.p, huge);
	/* Nothing left. */
	r.p = r.end;
	cr_assert_eq(rd_any(&r, &tag, &v, NULL), -1);
	cr_assert_eq(rd_peek(&r, 0x04), 0);
}

Test(derread, any_gives_tag_contents_and_whole)
{
	static unsigned char der[] = {0xa0, 0x03, 0x02, 0x01, 0x02, 0x00};
	struct rd r = CURSOR(der), v, whole, again;
	int tag;

	cr_assert_eq(rd_any(&r, &tag, &v, &whole), 0);
	cr_assert_eq(tag, 0xa0);
	cr_assert_eq(v.p, der + 2);
	cr_assert_eq(rd_len(&v), 3);
	cr_assert_eq(whole.p, der);
	cr_assert_eq(rd_len(&whole), 5);
	cr_assert_eq(rd_len(&r), 1);
	again = (struct rd){der, der + 5};
	cr_assert_eq(rd_equal(&whole, &again), 1);
	again.end--;
	cr_assert_eq(rd_equal(&whole, &again), 0);
}

Test(derread, oids_dotted_or_hex)
{
	/* 1.2.840.113549.1.1.11, then an OID whose last arc is cut. */
	static unsigned char der[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
	    0x0d, 0x01, 0x01, 0x0b, 0x06, 0x02, 0x2a, 0x86, 0x04, 0x00};
	static const unsigned char big[] = {
	    0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
	static const unsigned char lead[] = {0x2a, 0x80, 0x01};
	struct rd r = CURSOR(der);
	char out[64];

	cr_assert_eq(rd_oid(&r, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "1.2.840.113549.1.1.11");
	cr_assert_eq(rd_oid(&r, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "2a86");
	cr_assert_eq(rd_oid(&r, out, sizeof(out)), -1);
	/* Too small for the text. */
	cr_assert_eq(rd_oid_dotted(der + 2, 9, out, 21), 0);
	cr_assert_eq(rd_oid_dotted(der + 2, 9, out, 22), 1);
	/* An arc past 64 bits, a non-minimal arc, nothing. */
	cr_assert_eq(rd_oid_dotted(big, sizeof(big), out, sizeof(out)), 0);
	cr_assert_eq(rd_oid_dotted(lead, sizeof(lead), out, sizeof(out)), 0);
	cr_assert_eq(rd_oid_dotted(der, 0, out, sizeof(out)), 0);
	/* The first arc 2 takes every value from 80 up. */
	cr_assert_eq(rd_oid_dotted(big + 10, 1, out, sizeof(out)), 1);
	cr_assert_str_eq(out, "0.0");
}

Test(derread, bool_and_int)
{
	/* BOOLEAN 0x05 (true), INTEGER 300, BOOLEAN of two bytes */
	static unsigned char der[] = {
	    0x01, 0x01, 0x05, 0x02, 0x02, 0x01, 0x2c, 0x01, 0x02, 0x00, 0x00};
	struct rd r = CURSOR(der);
	unsigned char *at;
	int v = -1;

	cr_assert_eq(rd_int(&r, &v), -1);
	cr_assert_eq(r.p, der);
	cr_assert_eq(rd_bool(&r, &v), 0);
	cr_assert_eq(v, 1);
	cr_assert_eq(rd_bool(&r, &v), -1);
	cr_assert_eq(rd_int(&r, &v), 0);
	cr_assert_eq(v, 300);
	at = r.p;
	cr_assert_eq(rd_bool(&r, &v), -1);
	cr_assert_eq(r.p, at);
}
