/*
 * kiln check's table: one boxed row a certificate, then a line for each
 * that has more to say (its other paths, why its status is what it is);
 * and what the table and the HTML page share: an entry's name and the
 * time left, in words.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strs.h"
#include "kiln/check.h"
#include "kiln/esc.h"
#include "report/checkrender.h"
#include "report/format.h"

#define DAY (24LL * 3600)

/* "364d 23h", "5h 3m", "-2d 1h": how long is left, roughly. */
void
kiln_check_time_left(long long secs, char *out, size_t size)
{
	long long a = secs < 0 ? -secs : secs;
	const char *sign = secs < 0 ? "-" : "";

	if (a >= DAY)
		snprintf(
		    out, size, "%s%lldd %lldh", sign, a / DAY, a % DAY / 3600);
	else if (a >= 3600)
		snprintf(
		    out, size, "%s%lldh %lldm", sign, a / 3600, a % 3600 / 60);
	else
		snprintf(out, size, "%s%lldm %llds", sign, a / 60, a % 60);
}

/* "path", or "path#2" for the second certificate of a bundle. */
int
kiln_check_entry_name(const struct kiln_check *c, size_t i,
    struct kiln_buf *out, struct kiln_err *err)
{
	const struct kiln_check_entry *e = &c->entries[i];
	int bundle = e->index > 1 ||
	             (i + 1 < c->n_entries && c->entries[i + 1].index > 1 &&
	                 strcmp(c->entries[i + 1].path, e->path) == 0);

	return kiln_buf_printf(
	    out, err, bundle ? "%s#%zu" : "%s", e->path, e->index);
}

int
kiln_check_table(
    const struct kiln_check *c, struct kiln_buf *out, struct kiln_err *err)
{
	static const char *const head[] = {"PATH", "SUBJECT CN", "SANS",
	    "NOT AFTER", "LEFT", "ISSUER CN", "STATUS"};
	struct kiln_table t;
	struct kiln_buf b;
	struct kiln_err werr;
	char text[64];
	const struct kiln_check_entry *e;
	char **row;
	size_t i, k;
	int rc = -1;

	memset(&t, 0, sizeof(t));
	kiln_buf_init(&b);
	/* The steps go on after a failure; "werr" keeps the first. */
	kiln_err_clear(&werr);
	t.ncols = sizeof(head) / sizeof(head[0]);
	for (k = 0; k < t.ncols; k++)
		t.head[k] = head[k];
	t.right[4] = 1;
	t.nrows = c->n_entries;
	if (t.nrows > 0 &&
	    (t.cell = calloc(t.nrows * t.ncols, sizeof(*t.cell))) == NULL) {
		kiln_err_set(&werr, KILN_ENOMEM, "out of memory");
		goto cleanup;
	}
	/* Paths and names are escaped: the widths are the escaped text's. */
	for (i = 0; i < c->n_entries; i++) {
		e = &c->entries[i];
		row = &t.cell[i * t.ncols];
		b.len = 0;
		kiln_check_entry_name(c, i, &b, &werr);
		kiln_buf_terminate(&b, &werr);
		kiln_cell_set(&row[0], (char *)b.p, &werr);
		kiln_cell_set(&row[1],
		    e->subject_cn[0] != '\0' ? e->subject_cn : e->subject_org,
		    &werr);
		b.len = 0;
		for (k = 0; k < e->nsans; k++)
			kiln_buf_printf(
			    &b, &werr, "%s%s", k > 0 ? ", " : "", e->sans[k]);
		kiln_buf_terminate(&b, &werr);
		kiln_cell_set(&row[2], (char *)b.p, &werr);
		kiln_rfc3339(e->not_after, text, sizeof(text));
		kiln_str_set(&row[3], text, &werr);
		kiln_check_time_left(
		    e->chain_not_after - c->now, text, sizeof(text));
		kiln_str_set(&row[4], text, &werr);
		kiln_cell_set(&row[5], e->issuer_cn, &werr);
		kiln_str_set(&row[6], kiln_check_status_name(e->status), &werr);
		if (werr.code != KILN_OK)
			goto cleanup;
	}
	table_print(&t, out, &werr);
	/* Below it, what a cell cannot say: the other paths of a
	 * certificate counted once, and why a status is what it is. */
	for (i = 0; i < c->n_entries && werr.code == KILN_OK; i++) {
		e = &c->entries[i];
		if (e->npaths == 0 && e->why == NULL)
			continue;
		b.len = 0;
		kiln_check_entry_name(c, i, &b, &werr);
		kiln_buf_append(&b, ": ", 2, &werr);
		for (k = 0; k < e->npaths; k++)
			kiln_buf_printf(&b, &werr, "%s%s",
			    k == 0 ? "also at " : ", ", e->paths[k]);
		if (e->why != NULL)
			kiln_buf_printf(&b, &werr, "%s%s: %s",
			    e->npaths > 0 ? "; " : "",
			    kiln_check_status_name(e->status), e->why);
		kiln_esc_append(out, (char *)b.p, b.len, &werr);
		kiln_buf_append(out, "\n", 1, &werr);
	}
	if (kiln_buf_terminate(out, &werr) == 0 && werr.code == KILN_OK)
		rc = 0;
cleanup:
	if (rc == -1)
		kiln_err_set(err, werr.code, "%s", werr.msg);
	if (t.cell != NULL)
		kiln_strs_free(t.cell, t.nrows * t.ncols);
	kiln_buf_free(&b);
	return rc;
}
