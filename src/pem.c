#include <stdio.h>
#include <string.h>

#include <mbedtls/pem.h>

#include "kiln/pem.h"

int
kiln_pem_write(struct kiln_buf *out, const char *label,
    const unsigned char *der, size_t len, struct kiln_err *err)
{
	char header[64], footer[64];
	size_t olen = 0, need;
	int ret;

	snprintf(header, sizeof(header), "-----BEGIN %s-----\n", label);
	snprintf(footer, sizeof(footer), "-----END %s-----\n", label);
	need =
	    strlen(header) + strlen(footer) + (len + 2) / 3 * 4 + len / 48 + 2;
	if (kiln_buf_reserve(out, need, err) == -1)
		return -1;
	ret = mbedtls_pem_write_buffer(header, footer, der, len,
	    out->p + out->len, out->cap - out->len, &olen);
	if (ret != 0)
		return kiln_err_mbed(err, ret, "PEM");
	out->len += olen - 1; /* olen counts the NUL */
	return 0;
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
