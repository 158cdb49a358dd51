/*
 * Inspected objects as a boxed table like etcdctl -w table: one row an
 * object, the columns its kind's (also the rows of a listing).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asn1/oid.h"
#include "core/strs.h"
#include "kiln/inspect.h"
#include "report/certrender.h"
#include "report/format.h"

static const char *const cert_head[] = {
    "SUBJECT CN", "SANS", "NOT AFTER", "DAYS LEFT", "ISSUER CN", "CA", "KEY"};
static const char *const csr_head[] = {
    "SUBJECT CN", "SANS", "KEY", "SIGNATURE"};
static const char *const key_head[] = {"KEY", "SUBJECT KEY ID"};

/* The columns for objects of "kind", after a FILE column if "files". */
void
certinfo_table_head(struct kiln_table *t, enum kiln_info_kind kind, int files)
{
	const char *const *head = kind == KILN_INFO_CERT  ? cert_head
	                          : kind == KILN_INFO_CSR ? csr_head
	                                                  : key_head;
	size_t c, n = kind == KILN_INFO_CERT  ? 7
	              : kind == KILN_INFO_CSR ? 4
	                                      : 2;

	t->ncols = 0;
	if (files)
		t->head[t->ncols++] = "FILE";
	for (c = 0; c < n; c++) {
		t->right[t->ncols] = kind == KILN_INFO_CERT && c == 3;
		t->head[t->ncols++] = head[c];
	}
}

/* One row's cells for "info" into "row"; "b" is scratch. */
int
certinfo_table_row(const struct kiln_info *info, long long now, char **row,
    struct kiln_buf *b, struct kiln_err *err)
{
	char text[200];
	const char *cn = kiln_dn_last(&info->subject, KILN_OID_AT_CN);

	b->len = 0;
	kiln_join_sans(info, b, err);
	kiln_buf_terminate(b, err);
	certinfo_key_text(info, text, sizeof(text));
	if (info->kind == KILN_INFO_KEY) {
		kiln_cell_set(&row[0], text, err);
		kiln_hex_colon(
		    info->key_id, sizeof(info->key_id), text, sizeof(text));
		kiln_str_set(&row[1], text, err);
	} else if (info->kind == KILN_INFO_CSR) {
		kiln_cell_set(&row[0], cn != NULL ? cn : "", err);
		kiln_cell_set(&row[1], b->len ? (char *)b->p : "", err);
		kiln_cell_set(&row[2], text, err);
		kiln_str_set(&row[3],
		    info->sig_valid == 1   ? "valid"
		    : info->sig_valid == 0 ? "INVALID"
		                           : "not checked",
		    err);
	} else {
		kiln_cell_set(&row[0], cn != NULL ? cn : "", err);
		kiln_cell_set(&row[1], b->len ? (char *)b->p : "", err);
		kiln_cell_set(&row[6], text, err);
		kiln_rfc3339(info->not_after, text, sizeof(text));
		kiln_str_set(&row[2], text, err);
		snprintf(text, sizeof(text), "%lld",
		    kiln_days_left(info->not_after, now));
		kiln_str_set(&row[3], text, err);
		cn = kiln_dn_last(&info->issuer, KILN_OID_AT_CN);
		kiln_cell_set(&row[4], cn != NULL ? cn : "", err);
		kiln_str_set(&row[5], info->is_ca ? "true" : "false", err);
	}
	return err->code != KILN_OK ? -1 : 0;
}

int
certinfo_table(const struct kiln_info *v, size_t n, long long now,
    struct kiln_buf *out, struct kiln_err *err)
{
	struct kiln_table t;
	struct kiln_buf b;
	size_t r;
	int rc = -1;

	memset(&t, 0, sizeof(t));
	kiln_buf_init(&b);
	if (n == 0)
		return 0;
	certinfo_table_head(&t, v[0].kind, 0);
	if ((t.cell = calloc(n * t.ncols, sizeof(*t.cell))) == NULL) {
		kiln_err_set(err, KILN_ENOMEM, "out of memory");
		goto cleanup;
	}
	t.nrows = n;
	for (r = 0; r < n; r++)
		if (certinfo_table_row(
		        &v[r], now, &t.cell[r * t.ncols], &b, err) == -1)
			goto cleanup;
	table_print(&t, out, err);
	rc = err->code != KILN_OK ? -1 : 0;
cleanup:
	if (t.cell != NULL)
		kiln_strs_free(t.cell, n * t.ncols);
	kiln_buf_free(&b);
	return rc;
}
