/*
 * Output shared by the inspector and the commands built on it: a JSON
 * writer laid out as Go's json.MarshalIndent, tables boxed as etcdctl
 * prints them, and the formats of times and key ids.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/civil.h"
#include "report/format.h"
#include "core/strs.h"
#include "kiln/esc.h"

void
jw_raw(struct jw *j, const char *s)
{
	kiln_buf_append(j->out, s, strlen(s), j->err);
}

static void
jw_newline(struct jw *j)
{
	int i;

	jw_raw(j, "\n");
	for (i = 0; i < j->depth; i++)
		jw_raw(j, "  ");
}

void
jw_open(struct jw *j, const char *c)
{
	jw_raw(j, c);
	if (j->depth + 1 < (int)(sizeof(j->first) / sizeof(j->first[0])))
		j->first[++j->depth] = 1;
}

void
jw_close(struct jw *j, const char *c)
{
	int empty = j->first[j->depth];

	j->depth--;
	if (!empty)
		jw_newline(j);
	jw_raw(j, c);
}

/* Start an array element or an object member. */
void
jw_item(struct jw *j)
{
	if (!j->first[j->depth])
		jw_raw(j, ",");
	j->first[j->depth] = 0;
	jw_newline(j);
}

void
jw_str(struct jw *j, const char *s)
{
	kiln_buf_append_json(j->out, s, strlen(s), j->err);
}

void
jw_key(struct jw *j, const char *key)
{
	jw_item(j);
	jw_str(j, key);
	jw_raw(j, ": ");
}

void
jw_kstr(struct jw *j, const char *key, const char *s)
{
	jw_key(j, key);
	jw_str(j, s);
}

void
jw_kint(struct jw *j, const char *key, long long v)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", v);
	jw_key(j, key);
	jw_raw(j, num);
}

void
jw_kbool(struct jw *j, const char *key, int v)
{
	jw_key(j, key);
	jw_raw(j, v ? "true" : "false");
}

void
jw_knull(struct jw *j, const char *key)
{
	jw_key(j, key);
	jw_raw(j, "null");
}

void
jw_items(struct jw *j, char *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		jw_item(j);
		jw_str(j, v[i]);
	}
}

void
jw_kstrs(struct jw *j, const char *key, char *const *v, size_t n)
{
	jw_key(j, key);
	jw_open(j, "[");
	jw_items(j, v, n);
	jw_close(j, "]");
}

long long
kiln_days_left(long long not_after, long long now)
{
	long long diff = not_after - now;

	return diff >= 0 ? diff / 86400 : -((-diff + 86399) / 86400);
}

/*
 * Set "*cell" to "s" escaped for a terminal (kiln_esc_append): a table's
 * widths are then those of the escaped text.
 */
void
kiln_cell_set(char **cell, const char *s, struct kiln_err *err)
{
	char *e;

	if ((e = kiln_esc_dup(s, err)) == NULL)
		return;
	free(*cell);
	*cell = e;
}

/* Columns a string takes on a terminal: East Asian wide characters 2. */
size_t
kiln_display_width(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), i, k, w = 0;
	unsigned long c;

	for (i = 0; i < n; i += k) {
		if ((k = kiln_utf8_next(u + i, n - i, &c)) == 0) {
			k = 1;
			w++;
			continue;
		}
		if ((c >= 0x1100 && c <= 0x115f) ||
		    (c >= 0x2e80 && c <= 0xa4cf) ||
		    (c >= 0xac00 && c <= 0xd7a3) ||
		    (c >= 0xf900 && c <= 0xfaff) ||
		    (c >= 0xfe30 && c <= 0xfe4f) ||
		    (c >= 0xff00 && c <= 0xff60) ||
		    (c >= 0xffe0 && c <= 0xffe6) ||
		    (c >= 0x20000 && c <= 0x3fffd))
			w += 2;
		else if (c >= 0x300 && c <= 0x36f)
			; /* combining marks */
		else
			w++;
	}
	return w;
}

static void
pad(struct kiln_buf *out, size_t n, struct kiln_err *err)
{
	while (n-- > 0)
		kiln_buf_append(out, " ", 1, err);
}

static void
table_rule(
    const struct kiln_table *t, struct kiln_buf *out, struct kiln_err *err)
{
	size_t c, i;

	for (c = 0; c < t->ncols; c++) {
		kiln_buf_append(out, "+", 1, err);
		for (i = 0; i < t->width[c] + 2; i++)
			kiln_buf_append(out, "-", 1, err);
	}
	kiln_buf_append(out, "+\n", 2, err);
}

void
table_print(struct kiln_table *t, struct kiln_buf *out, struct kiln_err *err)
{
	size_t c, r, w, left;
	const char *s;

	for (c = 0; c < t->ncols; c++) {
		t->width[c] = kiln_display_width(t->head[c]);
		for (r = 0; r < t->nrows; r++)
			if ((w = kiln_display_width(
			         t->cell[r * t->ncols + c])) > t->width[c])
				t->width[c] = w;
	}
	table_rule(t, out, err);
	for (c = 0; c < t->ncols; c++) { /* headers centred */
		w = kiln_display_width(t->head[c]);
		left = (t->width[c] - w) / 2;
		kiln_buf_append(out, "| ", 2, err);
		pad(out, left, err);
		kiln_buf_append(out, t->head[c], strlen(t->head[c]), err);
		pad(out, t->width[c] - w - left + 1, err);
	}
	kiln_buf_append(out, "|\n", 2, err);
	table_rule(t, out, err);
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			s = t->cell[r * t->ncols + c];
			w = kiln_display_width(s);
			kiln_buf_append(out, "| ", 2, err);
			if (t->right[c])
				pad(out, t->width[c] - w, err);
			kiln_buf_append(out, s, strlen(s), err);
			pad(out, t->right[c] ? 1 : t->width[c] - w + 1, err);
		}
		kiln_buf_append(out, "|\n", 2, err);
	}
	table_rule(t, out, err);
}
