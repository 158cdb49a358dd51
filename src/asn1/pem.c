#include <stdio.h>
#include <string.h>

#include <mbedtls/base64.h>

#include "kiln/pem.h"

/* clang-format off */
/* Base64 digit values; 64 for anything that is not one. */
static const unsigned char b64[256] = {
#define X64 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64
    X64, X64,
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 62, 64, 64, 64, 63,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 64, 64, 64, 64, 64, 64,
    64, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 64, 64, 64, 64, 64,
    64, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 64, 64, 64, 64, 64,
    X64, X64, X64, X64, X64, X64, X64, X64,
#undef X64
};
/* clang-format on */

/*
 * Certificates and CSRs are public, so this decoder need not be
 * constant-time as mbedTLS's is; it is many times faster, which
 * kiln-certinfo over a thousand files shows.
 */
int
kiln_base64_decode(const unsigned char *s, size_t len, struct kiln_buf *out,
    struct kiln_err *err)
{
	unsigned long quad = 0;
	size_t i, n = 0, pad = 0;
	unsigned char *o;

	out->len = 0;
	if (kiln_buf_reserve(out, len / 4 * 3 + 3, err) == -1)
		return -1;
	o = out->p;
	for (i = 0; i < len; i++) {
		if (s[i] == '\n' || s[i] == '\r' || s[i] == ' ' || s[i] == '\t')
			continue;
		if (s[i] == '=') {
			if (++pad > 2)
				return 1;
		} else if (b64[s[i]] == 64 || pad > 0) {
			return 1;
		}
		quad = quad << 6 | (s[i] == '=' ? 0 : b64[s[i]]);
		if (++n % 4 == 0) {
			*o++ = (unsigned char)(quad >> 16);
			*o++ = (unsigned char)(quad >> 8);
			*o++ = (unsigned char)quad;
			quad = 0;
		}
	}
	if (n == 0 || n % 4 != 0)
		return 1;
	out->len = (size_t)(o - out->p) - pad;
	return 0;
}

int
kiln_base64_append(struct kiln_buf *out, const unsigned char *in, size_t len,
    struct kiln_err *err)
{
	size_t olen = 0;
	int ret;

	/* the characters, and a NUL mbedTLS adds after them */
	if (kiln_buf_reserve(out, (len + 2) / 3 * 4 + 1, err) == -1)
		return -1;
	ret = mbedtls_base64_encode(
	    out->p + out->len, out->cap - out->len, &olen, in, len);
	if (ret != 0)
		return kiln_err_mbed(err, ret, "base64");
	out->len += olen;
	return 0;
}

/*
 * The base64 goes straight into "out", 48 bytes of DER to a 64-column
 * line: no copy of a private key is left anywhere else.  (mbedTLS 2.28's
 * mbedtls_pem_write_buffer encodes into a heap buffer it frees unwiped.)
 */
int
kiln_pem_write(struct kiln_buf *out, const char *label,
    const unsigned char *der, size_t len, struct kiln_err *err)
{
	size_t off, n;

	if (kiln_buf_printf(out, err, "-----BEGIN %s-----\n", label) == -1)
		return -1;
	for (off = 0; off < len; off += n) {
		n = len - off < 48 ? len - off : 48;
		if (kiln_base64_append(out, der + off, n, err) == -1 ||
		    kiln_buf_append(out, "\n", 1, err) == -1)
			return -1;
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

/* Whether the "n" bytes of label "l" are what "want" asks for. */
static int
label_matches(const char *want, const char *l, size_t n)
{
	size_t k;

	if (want == NULL)
		return 1;
	k = strlen(want);
	if (want[0] == '*') /* a suffix */
		return n >= k - 1 &&
		       memcmp(l + n - (k - 1), want + 1, k - 1) == 0;
	return n == k && memcmp(l, want, n) == 0;
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
		    !label_matches(label, l, n) ||
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
