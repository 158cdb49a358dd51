#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "kiln/buf.h"

void
kiln_buf_init(struct kiln_buf *buf)
{
	buf->p = NULL;
	buf->len = 0;
	buf->cap = 0;
}

void
kiln_buf_free(struct kiln_buf *buf)
{
	if (buf->p != NULL) {
		mbedtls_platform_zeroize(buf->p, buf->cap);
		free(buf->p);
	}
	kiln_buf_init(buf);
}

int
kiln_buf_reserve(struct kiln_buf *buf, size_t n, struct kiln_err *err)
{
	unsigned char *p;
	size_t cap;

	if (n <= buf->cap - buf->len)
		return 0;
	if (n > SIZE_MAX / 2 - buf->len)
		return kiln_err_set(err, KILN_ENOMEM, "buffer too large");
	cap = buf->cap < 256 ? 256 : buf->cap;
	while (cap - buf->len < n)
		cap *= 2;
	/* Not realloc: the old block may hold a key and must be wiped. */
	if ((p = malloc(cap)) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	if (buf->p != NULL) {
		memcpy(p, buf->p, buf->len);
		mbedtls_platform_zeroize(buf->p, buf->cap);
		free(buf->p);
	}
	buf->p = p;
	buf->cap = cap;
	return 0;
}

int
kiln_buf_append(
    struct kiln_buf *buf, const void *data, size_t n, struct kiln_err *err)
{
	if (kiln_buf_reserve(buf, n, err) == -1)
		return -1;
	if (n > 0)
		memcpy(buf->p + buf->len, data, n);
	buf->len += n;
	return 0;
}

int
kiln_buf_terminate(struct kiln_buf *buf, struct kiln_err *err)
{
	if (kiln_buf_reserve(buf, 1, err) == -1)
		return -1;
	buf->p[buf->len] = '\0';
	return 0;
}
