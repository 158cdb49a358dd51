#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "kiln/buf.h"
#include "core/strs.h"

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

/*
 * "s" as a JSON string, escaped as Go's encoding/json does; with "shown",
 * also every code point kiln_utf8_hidden names, as \uNNNN.
 */
static int
append_json(struct kiln_buf *out, const char *s, size_t n, int shown,
    struct kiln_err *err)
{
	static const char hexdigits[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	char esc[8];
	size_t i, k, len;
	unsigned long c;

	if (kiln_buf_append(out, "\"", 1, err) == -1)
		return -1;
	for (i = 0; i < n; i += k) {
		/* A run of ASCII that stands for itself, in one append. */
		for (k = 0; i + k < n && u[i + k] >= 0x20 && u[i + k] < 0x7f &&
		            u[i + k] != '"' && u[i + k] != '\\' &&
		            u[i + k] != '<' && u[i + k] != '>' && u[i + k] != '&';
		     k++)
			;
		if (k > 0) {
			if (kiln_buf_append(out, u + i, k, err) == -1)
				return -1;
			continue;
		}
		k = kiln_utf8_next(u + i, n - i, &c);
		if (k == 0) { /* invalid UTF-8 */
			if (kiln_buf_append(out, "\\ufffd", 6, err) == -1)
				return -1;
			k = 1;
			continue;
		}
		if (k > 1) {
			if (shown && kiln_utf8_hidden(c)) {
				snprintf(esc, sizeof(esc), "\\u%04lx", c);
				if (kiln_buf_append(out, esc, 6, err) == -1)
					return -1;
			} else if (c == 0x2028 || c == 0x2029) {
				if (kiln_buf_append(out,
				        c == 0x2028 ? "\\u2028" : "\\u2029", 6,
				        err) == -1)
					return -1;
			} else if (kiln_buf_append(out, u + i, k, err) == -1)
				return -1;
			continue;
		}
		len = 2;
		esc[0] = '\\';
		if (c == '"' || c == '\\')
			esc[1] = (char)c;
		else if (c == '\n')
			esc[1] = 'n';
		else if (c == '\r')
			esc[1] = 'r';
		else if (c == '\t')
			esc[1] = 't';
		else if (c < 0x20 || c == '<' || c == '>' || c == '&' ||
		         (shown && c == 0x7f)) {
			memcpy(esc + 1, "u00", 3);
			esc[4] = hexdigits[c >> 4];
			esc[5] = hexdigits[c & 0xf];
			len = 6;
		} else {
			esc[0] = (char)c;
			len = 1;
		}
		if (kiln_buf_append(out, esc, len, err) == -1)
			return -1;
	}
	return kiln_buf_append(out, "\"", 1, err);
}

int
kiln_buf_append_json(
    struct kiln_buf *out, const char *s, size_t n, struct kiln_err *err)
{
	return append_json(out, s, n, 0, err);
}

int
kiln_buf_append_json_log(
    struct kiln_buf *out, const char *s, size_t n, struct kiln_err *err)
{
	return append_json(out, s, n, 1, err);
}

int
kiln_buf_printf(
    struct kiln_buf *buf, struct kiln_err *err, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return kiln_err_set(err, KILN_EINVAL, "bad format");
	if (kiln_buf_reserve(buf, (size_t)n + 1, err) == -1)
		return -1;
	va_start(ap, fmt);
	vsnprintf((char *)buf->p + buf->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	buf->len += (size_t)n;
	return 0;
}
