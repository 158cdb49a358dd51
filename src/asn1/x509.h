/*
 * kiln's own X.509 DER walk, shared by the inspector's parts: directory
 * strings and names, and the extensions kiln decodes, read with the
 * cursor of derread.h.  Private to libkiln.
 */
#ifndef KILN_X509_H
#define KILN_X509_H

#include <stddef.h>

#include "asn1/derread.h"
#include "kiln/err.h"
#include "kiln/inspect.h"

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
