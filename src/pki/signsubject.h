/*
 * The subject of a request made elsewhere (signsubject.c), for sign.c:
 * read from the request, re-encoded in Go's order.  Private to libkiln.
 */
#ifndef KILN_PKI_SIGNSUBJECT_H
#define KILN_PKI_SIGNSUBJECT_H

#include <stddef.h>

#include "asn1/derread.h"
#include "kiln/err.h"
#include "kiln/sign.h"

/* Free "n" attributes "attr" and the array. */
void sign_attrs_free(struct kiln_sign_attr *, size_t);

/*
 * Append every attribute of Name contents "name" to req->attr, in order,
 * each value as UTF-8 (Go's string types only).  0, or -1 with "err"
 * filled ("subject: ...").
 */
int sign_read_subject(struct kiln_signreq *, struct rd, struct kiln_err *);

/*
 * Encode req->attr as the subject DER Go writes, into req->subject, and
 * point req->certreq's subject and cn at it.  0, or -1 with "err" filled.
 */
int sign_encode_subject(struct kiln_signreq *, struct kiln_err *);

#endif /* KILN_PKI_SIGNSUBJECT_H */
