#include <stdio.h>
#include <string.h>

#include <mbedtls/base64.h>

#include "kiln/pem.h"

/*
 * The base64 goes straight into "out", 48 bytes of DER to a 64-column
 * line: no copy of a private key is left anywhere else.  (mbedTLS 2.28's
 * mbedtls_pem_write_buffer encodes into a heap buffer it frees unwiped.)
 */
int
kiln_pem_write(struct kiln_buf *out, const char *label,
    const unsigned char *der, size_t len, struct kiln_err *err)
{
	size_t off, n, olen;
	int ret;

	if (kiln_buf_printf(out, err, "-----BEGIN %s-----\n", label) == -1)
		return -1;
	for (off = 0; off < len; off += n) {
		n = len - off < 48 ? len - off : 48;
		/* 64 characters, a NUL mbedTLS adds, then the "\n" over it */
		if (kiln_buf_reserve(out, 65, err) == -1)
			return -1;
		ret = mbedtls_base64_encode(out->p + out->len,
		    out->cap - out->len, &olen, der + off, n);
		if (ret != 0)
			return kiln_err_mbed(err, ret, "PEM");
		out->len += olen;
		out->p[out->len++] = '\n';
	}
	return kiln_buf_printf(out, err, "-----END %s-----\n", label);
}

size_t
kiln_pem_count(const char *s)
{
	size_t n = 0;

	while ((s = strstr(s, "-----BEGIN ")) != NULL) {
		n++;
		s++;
	}
	return n;
}
