/*
 * The one escaper for text shown to people (include/kiln/esc.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln/esc.h"
#include "core/strs.h"

int
kiln_esc_append(
    struct kiln_buf *out, const char *s, size_t n, struct kiln_err *err)
{
	const unsigned char *u = (const unsigned char *)s;
	char esc[8];
	unsigned long c;
	size_t i = 0, run, k;

	while (i < n) {
		/* A run of bytes shown as they are, appended at once. */
		for (run = i; run < n; run += k) {
			k = 1;
			if (u[run] >= 0x20 && u[run] < 0x7f)
				continue;
			if (u[run] < 0x80 ||
			    (k = kiln_utf8_next(u + run, n - run, &c)) == 0 ||
			    kiln_utf8_hidden(c))
				break;
		}
		if (run > i && kiln_buf_append(out, u + i, run - i, err) == -1)
			return -1;
		if ((i = run) == n)
			break;
		if (u[i] < 0x80 ||
		    (k = kiln_utf8_next(u + i, n - i, &c)) == 0) {
			snprintf(esc, sizeof(esc), "\\x%02x", u[i]);
			k = 1;
		} else
			snprintf(esc, sizeof(esc), "\\u%04lx", c);
		if (kiln_buf_append(out, esc, strlen(esc), err) == -1)
			return -1;
		i += k;
	}
	return 0;
}

char *
kiln_esc_dup(const char *s, struct kiln_err *err)
{
	struct kiln_buf b;
	char *copy = NULL;

	kiln_buf_init(&b);
	if (kiln_esc_append(&b, s, strlen(s), err) == 0 &&
	    kiln_buf_terminate(&b, err) == 0 &&
	    (copy = strdup((char *)b.p)) == NULL)
		kiln_err_set(err, KILN_ENOMEM, "out of memory");
	kiln_buf_free(&b);
	return copy;
}
