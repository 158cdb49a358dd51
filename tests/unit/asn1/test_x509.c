/*
 * The one walk of a certificate's and a CSR's body and the one extension
 * reader (src/asn1/x509.c): each field found as a whole element, the
 * walk stopping where a field cannot be read, extensions found by OID.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "asn1/x509.h"

TestSuite(x509walk);

/*
 * Certificate { TBS { [0] { 2 }, 7, { OID 1.2.3 }, {}, {}, {},
 * { OID 1.2.3 }, [3] { {} } }, { OID 1.2.3 }, BIT STRING 00 }
 */
static const unsigned char cert[] = {0x30, 0x29, 0x30, 0x1e, 0xa0, 0x03, 0x02,
    0x01, 0x02, 0x02, 0x01, 0x07, 0x30, 0x04, 0x06, 0x02, 0x2a, 0x03, 0x30,
    0x00, 0x30, 0x00, 0x30, 0x00, 0x30, 0x04, 0x06, 0x02, 0x2a, 0x03, 0xa3,
    0x02, 0x30, 0x00, 0x30, 0x04, 0x06, 0x02, 0x2a, 0x03, 0x03, 0x01, 0x00};

/* CSR { CRI { 0, {}, { OID 1.2.3 }, [0] {} }, { OID 1.2.3 }, BIT STRING 00 } */
static const unsigned char csr[] = {0x30, 0x18, 0x30, 0x0d, 0x02, 0x01, 0x00,
    0x30, 0x00, 0x30, 0x04, 0x06, 0x02, 0x2a, 0x03, 0xa0, 0x00, 0x30, 0x04,
    0x06, 0x02, 0x2a, 0x03, 0x03, 0x01, 0x00};

Test(x509walk, certificate_fields_in_order)
{
	struct x509_body b;
	struct x509_tbs t;

	cr_assert_eq(x509_cert_walk(cert, sizeof(cert), &b), 0);
	cr_assert_eq(b.outer_ok, 1);
	cr_assert_eq(b.nfield, X509_TBS_FIELDS);
	cr_assert_eq(b.body.p, cert + 2);
	cr_assert_eq(rd_len(&b.body), 32);
	cr_assert_eq(b.field[X509_VERSION].p, cert + 4);
	cr_assert_eq(rd_len(&b.field[X509_VERSION]), 5);
	cr_assert_eq(b.field[X509_SERIAL].p[2], 7);
	cr_assert_eq(b.field[X509_ISSUER].p, cert + 18);
	cr_assert_eq(b.field[X509_SPKI].p, cert + 24);
	cr_assert_eq(rd_len(&b.rest), 4);
	cr_assert_eq(b.rest.p[0], 0xa3);
	cr_assert_eq(b.sigalg.p, cert + 34);
	cr_assert_eq(b.sig.p, cert + 40);
	cr_assert_eq(rd_len(&b.extra), 0);
	cr_assert_eq(rd_len(&b.after), 0);
	cr_assert_eq(x509_tbs(cert, sizeof(cert), &t), 0);
	cr_assert_eq(t.exts.p, cert + 30);
	cr_assert_eq(rd_len(&t.exts), 4);
}

Test(x509walk, certificate_walk_stops_at_an_unreadable_field)
{
	unsigned char c[sizeof(cert)];
	struct x509_body b;
	struct x509_tbs t;

	/* The issuer claims more than the body holds. */
	memcpy(c, cert, sizeof(c));
	c[19] = 0x40;
	cr_assert_eq(x509_cert_walk(c, sizeof(c), &b), 0);
	cr_assert_eq(b.nfield, X509_ISSUER);
	cr_assert_eq(x509_tbs(c, sizeof(c), &t), -1);
	/* No version: its slot is empty, the rest as before. */
	cr_assert_eq(x509_cert_walk(cert + 4, 5, &b), -1);
	memcpy(c, cert, sizeof(c));
	c[4] = 0x02; /* [0] becomes an INTEGER: taken as the serial */
	cr_assert_eq(x509_cert_walk(c, sizeof(c), &b), 0);
	cr_assert_eq(rd_len(&b.field[X509_VERSION]), 0);
	cr_assert_eq(b.field[X509_SERIAL].p, c + 4);
}

Test(x509walk, csr_fields_in_order)
{
	struct x509_body b;

	cr_assert_eq(x509_csr_walk(csr, sizeof(csr), &b), 0);
	cr_assert_eq(b.outer_ok, 1);
	cr_assert_eq(b.nfield, X509_CSR_FIELDS);
	cr_assert_eq(b.field[X509_CSR_VERSION].p, csr + 4);
	cr_assert_eq(b.field[X509_CSR_SUBJECT].p, csr + 7);
	cr_assert_eq(b.field[X509_CSR_SPKI].p, csr + 9);
	cr_assert_eq(b.field[X509_CSR_ATTRS].p, csr + 15);
	cr_assert_eq(rd_len(&b.rest), 0);
	cr_assert_eq(b.sig.p, csr + 23);
	/* A cut CSR is not a whole SEQUENCE. */
	cr_assert_eq(x509_csr_walk(csr, sizeof(csr) - 3, &b), -1);
}

Test(x509walk, extensions_found_by_oid)
{
	/* { BC critical 30 00 }, { SKI 04 00 }, { KU, BOOLEAN of 2 bytes } */
	static unsigned char exts[] = {0x30, 0x0c, 0x06, 0x03, 0x55, 0x1d, 0x13,
	    0x01, 0x01, 0xff, 0x04, 0x02, 0x30, 0x00, 0x30, 0x07, 0x06, 0x03,
	    0x55, 0x1d, 0x0e, 0x04, 0x00, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d,
	    0x0f, 0x01, 0x02, 0x00, 0x00, 0x04, 0x00};
	struct rd all = {exts, exts + sizeof(exts)}, r = all, oid, v;
	int crit = -1;

	cr_assert_eq(x509_ext_next(&r, &oid, &crit, &v), 0);
	cr_assert_eq(rd_len(&oid), 3);
	cr_assert_eq(oid.p[2], 0x13);
	cr_assert_eq(crit, 1);
	cr_assert_eq(rd_len(&v), 2);
	cr_assert_eq(x509_ext_next(&r, &oid, &crit, &v), 0);
	cr_assert_eq(crit, 0);
	cr_assert_eq(rd_len(&v), 0);
	cr_assert_eq(x509_ext_next(&r, &oid, &crit, &v), -1);
	cr_assert_eq(r.p, exts + 23); /* left where it was */
	cr_assert_eq(x509_ext_find(all, (const unsigned char *)"\x55\x1d\x0e",
	                 3, &v, &crit),
	    1);
	cr_assert_eq(v.p, exts + 23 - 0);
	cr_assert_eq(crit, 0);
	cr_assert_eq(x509_ext_find(all, (const unsigned char *)"\x55\x1d\x0f",
	                 3, &v, NULL),
	    -1);
	all.end = exts + 23;
	cr_assert_eq(x509_ext_find(all, (const unsigned char *)"\x55\x1d\x0f",
	                 3, &v, NULL),
	    0);
}
