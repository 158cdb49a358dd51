#include "kiln/tls.h"

int
kiln_tls_peer_chain(const char *host, const char *port,
    unsigned int timeout_ms, struct kiln_buf *pem, struct kiln_err *err)
{
	(void)host;
	(void)port;
	(void)timeout_ms;
	(void)pem;
	return kiln_err_set(err, KILN_EIO, "not implemented yet");
}
