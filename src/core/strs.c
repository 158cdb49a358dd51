#include <stdlib.h>
#include <string.h>

#include "core/strs.h"

int
kiln_str_set(char **out, const char *s, struct kiln_err *err)
{
	char *p = NULL;

	if (s != NULL && (p = strdup(s)) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	free(*out);
	*out = p;
	return 0;
}

void
kiln_strs_free(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int
kiln_strs_set(char ***out, size_t *n_out, const char *const *in, size_t n,
    struct kiln_err *err)
{
	kiln_strs_free(*out, *n_out);
	*out = NULL;
	*n_out = 0;
	if (n == 0)
		return 0;
	if ((*out = calloc(n, sizeof(**out))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	for (; *n_out < n; (*n_out)++)
		if (((*out)[*n_out] = strdup(in[*n_out])) == NULL)
			return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	return 0;
}

int
kiln_strs_push(char ***v, size_t *n, const char *s, struct kiln_err *err)
{
	char **nv, *copy;

	if ((copy = strdup(s)) == NULL ||
	    (nv = realloc(*v, (*n + 1) * sizeof(*nv))) == NULL) {
		free(copy);
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	}
	nv[(*n)++] = copy;
	*v = nv;
	return 0;
}

size_t
kiln_utf8_next(const unsigned char *s, size_t n, unsigned long *c)
{
	size_t len, i;
	unsigned long min;

	if (s[0] < 0x80)
		return *c = s[0], 1;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, *c = s[0] & 0x1f, min = 0x80;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, *c = s[0] & 0x0f, min = 0x800;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, *c = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*c = *c << 6 | (s[i] & 0x3f);
	}
	if (*c < min || *c > 0x10ffff || (*c >= 0xd800 && *c <= 0xdfff))
		return 0;
	return len;
}

int
kiln_utf8_valid(const unsigned char *s, size_t n)
{
	unsigned long c;
	size_t k;

	for (; n > 0; s += k, n -= k)
		if ((k = kiln_utf8_next(s, n, &c)) == 0)
			return 0;
	return 1;
}

int
kiln_utf8_hidden(unsigned long c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x061c ||
	       c == 0x200e || c == 0x200f || (c >= 0x2028 && c <= 0x202e) ||
	       (c >= 0x2066 && c <= 0x2069);
}

/* "AB:CD:..." with two digits per byte, as cfssl ≥ 1.3 prints key ids. */
void
kiln_hex_colon(const unsigned char *p, size_t n, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, o = 0;

	for (i = 0; i < n && o + 4 <= size; i++) {
		if (i > 0)
			out[o++] = ':';
		out[o++] = hex[p[i] >> 4];
		out[o++] = hex[p[i] & 0xf];
	}
	out[o] = '\0';
}
