/*
 * kiln's own X.509 DER walk, shared by the inspector's parts: a bounds-
 * checked reader, directory strings and names, and the extensions kiln
 * decodes.  Private to libkiln.
 */
#ifndef KILN_X509_H
#define KILN_X509_H

#include <stddef.h>

#include "kiln/err.h"
#include "kiln/inspect.h"

/* A DER cursor; every read is bounds-checked against "end". */
struct rd {
	unsigned char *p, *end;
};

/* Read one element of type "tag"; "inner" may be "r" itself. */
int rd_tag(struct rd *, int, struct rd *);

/* Any one element: its tag, contents and (if "whole") the whole TLV. */
int rd_any(struct rd *, int *, struct rd *, struct rd *);

/* Whether the next element has tag "tag". */
int rd_peek(const struct rd *, int);

size_t rd_len(const struct rd *);

/* An OBJECT IDENTIFIER, in dotted form, into "out". */
int rd_oid(struct rd *, char *, size_t);

/*
 * The dotted text of "len" bytes of OID contents, into "out"; 1, or 0 if
 * they are not a valid encoding or "out" is too small.
 */
int x509_oid_dotted(const unsigned char *, size_t, char *, size_t);

/* Whether two elements have the same bytes. */
int rd_equal(const struct rd *, const struct rd *);

/* Whole elements of a certificate's TBSCertificate. */
struct x509_tbs {
	struct rd issuer, subject, spki;
	struct rd exts; /* the [3] element, empty without extensions */
};

/* Find them in certificate DER "der".  Returns 0 or -1. */
int x509_tbs(const unsigned char *, size_t, struct x509_tbs *);

/*
 * A directory string of type "tag" with contents "v" (the whole element
 * "whole", for types that are not strings) as a new UTF-8 string, or NULL.
 */
char *x509_decode_string(
    int, const struct rd *, const struct rd *, struct kiln_err *);

/* The attributes of Name contents "name", appended to "dn". */
int x509_parse_dn(struct rd, struct kiln_dn *, struct kiln_err *);
void x509_dn_free(struct kiln_dn *);

/* An IP address of 4 or 16 bytes as Go's net.IP.String() writes it. */
void x509_ip_string(const unsigned char *, size_t, char *, size_t);

/*
 * Every extension of Extensions contents "exts", recorded in "info" (whose
 * "der" holds them) and decoded where kiln knows the extension.
 */
int x509_parse_extensions(struct kiln_info *, struct rd, struct kiln_err *);

#endif /* KILN_X509_H */
