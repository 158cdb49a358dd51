/*
 * The certificate chain a TLS server sends, for kiln-certinfo -domain.
 */
#ifndef KILN_TLS_H
#define KILN_TLS_H

#include "kiln/buf.h"
#include "kiln/err.h"

/*
 * Connect to "host" ("example.com", "127.0.0.1", "::1") on "port", run
 * a TLS handshake without verifying anything, and append every
 * certificate of the server's Certificate message to "pem" as PEM
 * blocks, in the order the server sent them.  The chain is taken from the
 * handshake records themselves, so it is returned even when the
 * handshake fails afterwards (a server that demands a client
 * certificate, as etcd with client-cert-auth does) and even when mbedTLS
 * could not parse the certificates.  Everything, connecting included,
 * must finish within "timeout_ms".  Returns 0, or -1 with KILN_EIO for
 * network failures and timeouts.
 */
int kiln_tls_peer_chain(const char *host, const char *port,
    unsigned int timeout_ms, struct kiln_buf *pem, struct kiln_err *err);

#endif /* KILN_TLS_H */
