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

/* The end of a BEGIN line at "p": spaces or tabs, then "\n" or "\r\n". */
static const char *
line_end(const char *p)
{
	p += strspn(p, " \t");
	p += *p == '\r';
	return *p == '\n' ? p + 1 : NULL;
}

int
kiln_pem_next(const char *text, size_t *pos, const char *label,
    struct kiln_pem_block *blk, struct kiln_err *err)
{
	static const char begin[] = "-----BEGIN ";
	char end[sizeof(blk->label) + 16];
	const char *p = text + *pos, *l, *dash, *body, *e;
	size_t n;

	for (; (p = strstr(p, begin)) != NULL; p++) {
		l = p + sizeof(begin) - 1;
		if ((dash = strstr(l, "-----")) == NULL)
			return 0;
		n = (size_t)(dash - l);
		if (n >= sizeof(blk->label) || memchr(l, '\n', n) != NULL ||
		    (label != NULL &&
		        (strlen(label) != n || memcmp(l, label, n) != 0)) ||
		    (body = line_end(dash + 5)) == NULL)
			continue;
		memcpy(blk->label, l, n);
		blk->label[n] = '\0';
		snprintf(end, sizeof(end), "-----END %s-----", blk->label);
		if ((e = strstr(body, end)) == NULL)
			return kiln_err_set(err, KILN_EINVAL,
			    "truncated PEM: no \"%s\" line", end);
		blk->begin = (size_t)(p - text);
		blk->body = (size_t)(body - text);
		blk->body_len = (size_t)(e - body);
		e += strlen(end);
		e += strspn(e, " \t");
		e += *e == '\r';
		e += *e == '\n';
		blk->end = (size_t)(e - text);
		*pos = blk->end;
		return 1;
	}
	return 0;
}
