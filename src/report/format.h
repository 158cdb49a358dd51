/*
 * Output helpers shared by the report layer's renderers.  Private
 * to libkiln.
 */
#ifndef KILN_FORMAT_H
#define KILN_FORMAT_H

#include <stddef.h>

#include "kiln/buf.h"
#include "kiln/err.h"
#include "core/strs.h"
#include "kiln/inspect.h"
#include "kiln/time.h" /* kiln_rfc3339, which the renderers write */

/* A JSON writer that indents as Go's json.MarshalIndent(v, "", "  "). */
struct jw {
	struct kiln_buf *out;
	struct kiln_err *err;
	int depth;
	int first[16]; /* nothing written yet at this depth */
};

void jw_raw(struct jw *, const char *);
void jw_open(struct jw *, const char *);
void jw_close(struct jw *, const char *);
void jw_item(struct jw *); /* before an array element */
void jw_str(struct jw *, const char *);
void jw_key(struct jw *, const char *);
void jw_kstr(struct jw *, const char *, const char *);
void jw_kint(struct jw *, const char *, long long);
void jw_kbool(struct jw *, const char *, int);
void jw_knull(struct jw *, const char *);
void jw_items(struct jw *, char *const *, size_t); /* array elements */
void jw_kstrs(struct jw *, const char *, char *const *, size_t);

/* Whole days from "now" to "not_after", rounded down (negative after). */
long long kiln_days_left(long long, long long);

/* Columns a string takes on a terminal: East Asian wide characters 2. */
size_t kiln_display_width(const char *);

/*
 * Set the table cell "*cell" to "s" escaped for a terminal
 * (kiln_esc_append), freeing what it held: a table's widths are then
 * those of the escaped text.  Out of memory, "*cell" is left as it was
 * and "err" filled.
 */
void kiln_cell_set(char **, const char *, struct kiln_err *);

#define KILN_TABLE_COLS 8

/* A table boxed as etcdctl -w table prints it. */
struct kiln_table {
	const char *head[KILN_TABLE_COLS];
	int right[KILN_TABLE_COLS]; /* right-aligned (numbers) */
	size_t ncols, nrows;
	char **cell;                   /* nrows * ncols */
	size_t width[KILN_TABLE_COLS]; /* set by table_print */
};

/* Print "t", headers centred, "right" columns right-aligned. */
void table_print(struct kiln_table *, struct kiln_buf *, struct kiln_err *);

#endif /* KILN_FORMAT_H */
