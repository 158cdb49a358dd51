/*
 * What kiln check's HTML page (checkhtml.c) and its timeline (checksvg.c)
 * share: the rows in the page's order, the colours per status, and the
 * writers of markup and escaped text.  The writers go on after a failed
 * append and leave the first failure in "err", which must not be NULL.
 * Private to libkiln.
 */
#ifndef KILN_CHECKHTML_H
#define KILN_CHECKHTML_H

#include <stddef.h>

#include "kiln/buf.h"
#include "kiln/check.h"
#include "kiln/err.h"

/* An entry in the page's order, with its name. */
struct check_row {
	const struct kiln_check_entry *e;
	char *name;
};

/* A status's class and colour. */
struct check_look {
	const char *cls, *fill;
};

/* Per status, in the order of enum kiln_check_status. */
extern const struct check_look check_looks[];
#define CHECK_NSTATUS ((size_t)KILN_CHECK_UNTRUSTED + 1)

/* Append "s" as it is: markup of the page's own. */
void html_raw(struct kiln_buf *, const char *, struct kiln_err *);

/* Append "n" bytes of "s" (or the NUL-terminated "s") as HTML text. */
void html_text_n(struct kiln_buf *, const char *, size_t, struct kiln_err *);
void html_text(struct kiln_buf *, const char *, struct kiln_err *);

/* Append "s", its start (tail) or end (head) cut to "…" past "max"
 * characters. */
void html_text_tail(struct kiln_buf *, const char *, size_t, struct kiln_err *);
void html_text_head(struct kiln_buf *, const char *, size_t, struct kiln_err *);

/* Append time "t" in RFC 3339, UTC, as the table and the JSON write it. */
void html_date(struct kiln_buf *, long long, struct kiln_err *);

/* The timeline of "rows" (c->n_entries of them), as inline SVG. */
void check_svg(struct kiln_buf *, const struct kiln_check *,
    const struct check_row *, struct kiln_err *);

#endif /* KILN_CHECKHTML_H */
