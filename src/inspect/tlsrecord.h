/*
 * The inside of kiln_tls_peer_chain(): finding the server's certificate
 * chain in the raw TLS bytes a client received.  Private to libkiln; the
 * unit tests feed it crafted records.
 */
#ifndef KILN_TLS_PRIVATE_H
#define KILN_TLS_PRIVATE_H

#include <stddef.h>

#include "kiln/buf.h"
#include "kiln/err.h"

/* The most a server may send before its certificate chain is complete. */
#define TLS_CAPTURE_MAX (1024u * 1024u)

/*
 * Walk the TLS records in the "len" bytes "in" (everything the server
 * sent, from its first byte), join the handshake records that come
 * before any ChangeCipherSpec and look for the Certificate message.
 * Handshake messages may be split across records and records may hold
 * several.  Lengths are checked against the bytes actually there.
 * Returns 1 when the Certificate message is complete: every certificate
 * in it was appended to "pem" as a CERTIFICATE block, in the server's
 * order.  Returns 0 when the bytes end before it (call again with more),
 * -1 with "err" filled (KILN_EIO) when they cannot lead to a chain: not
 * TLS, malformed, an alert, TLS 1.3, encryption or the end of the
 * server's flight first, or an empty certificate list.  "pem" changes
 * only on 1.
 */
int tls_chain_from_records(
    const unsigned char *, size_t, struct kiln_buf *, struct kiln_err *);

#endif /* KILN_TLS_PRIVATE_H */
