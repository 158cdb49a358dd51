/*
 * kiln check -format kubeadm: the two tables of `kubeadm certs
 * check-expiration` (its columns, dates, residual times and alignment,
 * as kubeadm's cmd/kubeadm/app/cmd/certs.go prints them through Go's
 * tabwriter, minimum width 10, padding 3), kiln's entries named as
 * kubeadm names them: pki/NAME.crt is NAME, pki/etcd/NAME.crt etcd-NAME,
 * a kubeconfig's client certificate the kubeconfig's file name.  The
 * EXTERNALLY MANAGED column is left out: kiln check reads no keys.
 * Certificate authorities embedded in kubeconfigs are left out too, as
 * kubeadm does (the other formats list them).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kiln/check.h"
#include "kiln/esc.h"
#include "report/format.h"

#define TAB_MIN 10
#define TAB_PAD 3

struct row {
	char *cell[4];
	const char *subject, *issuer; /* CNs, borrowed from the entry */
	int is_ca;
};

/* The path with its folders, or only its last "keep" components. */
static const char *
tail(const char *path, const char *end, int keep)
{
	const char *s = end;

	while (s > path) {
		if (s[-1] == '/' && --keep == 0)
			break;
		s--;
	}
	return s;
}

/* kubeadm's name of entry "e" into "out" (emptied); 0 to leave it out. */
static int
display_name(const struct kiln_check_entry *e, struct kiln_buf *out,
    struct kiln_err *err)
{
	const char *p = e->path, *hash = strrchr(p, '#'), *end, *base, *dir;
	size_t n;

	out->len = 0;
	if (hash != NULL && strncmp(hash, "#clusters/", 10) == 0)
		return 0;
	end = hash != NULL && strncmp(hash, "#users/", 7) == 0 ? hash
	                                                       : p + strlen(p);
	base = tail(p, end, 1);
	n = (size_t)(end - base);
	if (end == hash) /* a kubeconfig's user: its file name */
		return kiln_buf_append(out, base, n, err) == -1 ? -1 : 1;
	dir = tail(p, base > p ? base - 1 : p, 1);
	if (n > 4 && strncmp(end - 4, ".crt", 4) == 0 && base - dir == 4 &&
	    strncmp(dir, "pki/", 4) == 0)
		return kiln_buf_append(out, base, n - 4, err) == -1 ? -1 : 1;
	if (n > 4 && strncmp(end - 4, ".crt", 4) == 0 && base - dir == 5 &&
	    strncmp(dir, "etcd/", 5) == 0 && dir - p >= 4 &&
	    strncmp(tail(p, dir - 1, 1), "pki/", 4) == 0)
		return kiln_buf_printf(
		           out, err, "etcd-%.*s", (int)(n - 4), base) == -1
		           ? -1
		           : 1;
	return kiln_buf_append(out, p, strlen(p), err) == -1 ? -1 : 1;
}

/* "Jan 02, 2006 15:04 UTC", as kubeadm writes a date. */
static void
kubeadm_date(long long t, char *buf, size_t size)
{
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL) {
		snprintf(buf, size, "?");
		return;
	}
	snprintf(buf, size, "%s %02d, %04d %02d:%02d UTC", mon[tm.tm_mon],
	    tm.tm_mday, tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
}

/* apimachinery's ShortHumanDuration, which kubeadm's residual time is. */
static void
residual(long long s, char *buf, size_t size)
{
	if (s < -1)
		snprintf(buf, size, "<invalid>");
	else if (s < 0)
		snprintf(buf, size, "0s");
	else if (s < 60)
		snprintf(buf, size, "%llds", s);
	else if (s < 3600)
		snprintf(buf, size, "%lldm", s / 60);
	else if (s < 24 * 3600)
		snprintf(buf, size, "%lldh", s / 3600);
	else if (s < 365LL * 24 * 3600)
		snprintf(buf, size, "%lldd", s / (24 * 3600));
	else
		snprintf(buf, size, "%lldy", s / (365LL * 24 * 3600));
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(
	    ((const struct row *)a)->cell[0], ((const struct row *)b)->cell[0]);
}

/* One table, aligned as Go's tabwriter aligns it. */
static void
tab_print(const char *const *head, size_t ncols, const struct row *rows,
    size_t n, int is_ca, struct kiln_buf *out, struct kiln_err *err)
{
	size_t w[4], i, k, l;

	for (k = 0; k < ncols; k++)
		w[k] = kiln_display_width(head[k]);
	for (i = 0; i < n; i++)
		if (rows[i].is_ca == is_ca)
			for (k = 0; k < ncols; k++)
				if ((l = kiln_display_width(rows[i].cell[k])) >
				    w[k])
					w[k] = l;
	for (i = 0; i <= n; i++) {
		if (i > 0 && rows[i - 1].is_ca != is_ca)
			continue;
		for (k = 0; k < ncols; k++) {
			const char *s = i == 0 ? head[k] : rows[i - 1].cell[k];

			(void)kiln_buf_printf(out, err, "%s", s);
			if (k + 1 == ncols)
				break;
			l = w[k] + TAB_PAD < TAB_MIN ? TAB_MIN : w[k] + TAB_PAD;
			(void)kiln_buf_printf(out, err, "%*s",
			    (int)(l - kiln_display_width(s)), "");
		}
		(void)kiln_buf_printf(out, err, "\n");
	}
}

int
kiln_check_kubeadm(
    const struct kiln_check *c, struct kiln_buf *out, struct kiln_err *err)
{
	static const char *const head[] = {
	    "CERTIFICATE", "EXPIRES", "RESIDUAL TIME", "CERTIFICATE AUTHORITY"};
	static const char *const cahead[] = {
	    "CERTIFICATE AUTHORITY", "EXPIRES", "RESIDUAL TIME"};
	struct kiln_err local;
	struct kiln_buf name;
	struct row *rows = NULL;
	char when[64];
	size_t n = 0, i, k, nca = 0;
	int r, rc = -1;

	kiln_err_clear(&local);
	kiln_buf_init(&name);
	if (c->n_entries > 0 &&
	    (rows = calloc(c->n_entries, sizeof(*rows))) == NULL) {
		kiln_err_set(err, KILN_ENOMEM, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < c->n_entries; i++) {
		const struct kiln_check_entry *e = &c->entries[i];

		if ((r = display_name(e, &name, &local)) == -1 ||
		    kiln_buf_terminate(&name, &local) == -1)
			goto fail;
		if (r == 0)
			continue;
		rows[n].is_ca = e->is_ca;
		rows[n].subject = e->subject_cn;
		rows[n].issuer = e->issuer_cn;
		nca += e->is_ca != 0;
		kiln_cell_set(&rows[n].cell[0], (char *)name.p, &local);
		kubeadm_date(e->not_after, when, sizeof(when));
		kiln_cell_set(&rows[n].cell[1], when, &local);
		residual(e->not_after - c->now, when, sizeof(when));
		kiln_cell_set(&rows[n].cell[2], when, &local);
		kiln_cell_set(&rows[n].cell[3], e->issuer_cn, &local);
		n++;
		if (local.code != KILN_OK)
			goto fail;
	}
	/* A leaf's authority: the CA whose subject is its issuer, by
	 * kubeadm's name; else the issuer's CN. */
	for (i = 0; i < n; i++)
		for (k = 0; !rows[i].is_ca && k < n; k++)
			if (rows[k].is_ca &&
			    strcmp(rows[k].subject, rows[i].issuer) == 0) {
				kiln_cell_set(
				    &rows[i].cell[3], rows[k].cell[0], &local);
				break;
			}
	qsort(rows, n, sizeof(*rows), by_name);
	if (n - nca > 0)
		tab_print(head, 4, rows, n, 0, out, &local);
	if (nca > 0) {
		if (n - nca > 0)
			(void)kiln_buf_printf(out, &local, "\n");
		tab_print(cahead, 3, rows, n, 1, out, &local);
	}
	if (local.code == KILN_OK)
		rc = 0;
fail:
	kiln_err_pass(err, &local);
cleanup:
	for (i = 0; rows != NULL && i < c->n_entries; i++)
		for (k = 0; k < 4; k++)
			free(rows[i].cell[k]);
	free(rows);
	kiln_buf_free(&name);
	return rc;
}
