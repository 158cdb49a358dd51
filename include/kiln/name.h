/*
 * X.509 names.  kiln builds subject DER itself: mbedTLS's string API
 * re-encodes names (and drops repeated attributes), which breaks chains
 * whose issuer must match the CA's subject byte for byte.
 */
#ifndef KILN_NAME_H
#define KILN_NAME_H

#include "kiln/buf.h"
#include "kiln/err.h"
#include "kiln/request.h"

/*
 * Append the subject Name DER of "req" to "out": attributes in cfssl's
 * order (C, ST, L, O, OU, CN, serialNumber, then each names entry's OID
 * attributes and E), values of one type gathered across all names
 * entries, each value its own RDN.  A value is a PrintableString when
 * every character allows it, a UTF8String otherwise (Go's rule).  A
 * standard attribute whose OID also appears in an "OID" map is left out,
 * as Go does.  Returns 0, or -1 with KILN_EINVAL for invalid UTF-8 or a
 * bad OID, naming the field.
 */
int kiln_name_from_request(
    struct kiln_buf *, const struct kiln_request *, struct kiln_err *);

#endif /* KILN_NAME_H */
