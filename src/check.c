/*
 * kiln check: find certificates in files and folders and say, for each
 * and for the whole set, whether they are still good.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "checkrender.h"
#include "kiln/check.h"
#include "kiln/file.h"
#include "out.h"
#include "strs.h"

#define DAY (24LL * 3600)

/* Files larger than this are not certificates: skipped unread. */
#define CHECK_FILE_MAX (16L * 1024 * 1024)

static const char *const status_names[] = {
    "ok", "expiring", "critical", "expired", "not yet valid", "untrusted"};

const char *
kiln_check_status_name(enum kiln_check_status s)
{
	return status_names[s];
}

void
kiln_check_init(struct kiln_check *c)
{
	memset(c, 0, sizeof(*c));
	c->within = 30 * DAY;
	c->critical = -1;
}

static void
entry_free(struct kiln_check_entry *e)
{
	free(e->path);
	free(e->subject_cn);
	free(e->issuer_cn);
	kiln_strs_free(e->sans, e->nsans);
	free(e->serial);
	free(e->why);
}

/* "e" from "info": what the reports show.  0, or -1 out of memory. */
static int
entry_fill(struct kiln_check_entry *e, const struct kiln_info *info,
    struct kiln_err *err)
{
	char *const *lists[] = {info->dns, info->ips, info->emails, info->uris};
	const size_t counts[] = {
	    info->ndns, info->nips, info->nemails, info->nuris};
	const char *cn;
	struct kiln_buf serial;
	size_t l, k;
	int rc = -1;

	kiln_buf_init(&serial);
	e->not_before = info->not_before;
	e->not_after = info->not_after;
	e->is_ca = info->is_ca;
	cn = kiln_dn_last(&info->subject, "2.5.4.3");
	if (kiln_str_set(&e->subject_cn, cn != NULL ? cn : "", err) == -1)
		goto cleanup;
	cn = kiln_dn_last(&info->issuer, "2.5.4.3");
	if (kiln_str_set(&e->issuer_cn, cn != NULL ? cn : "", err) == -1)
		goto cleanup;
	for (l = 0; l < 4; l++)
		e->nsans += counts[l];
	if (e->nsans > 0 &&
	    (e->sans = calloc(e->nsans, sizeof(*e->sans))) == NULL) {
		e->nsans = 0;
		kiln_err_set(err, KILN_ENOMEM, "out of memory");
		goto cleanup;
	}
	for (l = 0, e->nsans = 0; l < 4; l++)
		for (k = 0; k < counts[l]; k++)
			if (kiln_str_set(&e->sans[e->nsans++], lists[l][k],
			        err) == -1)
				goto cleanup;
	if (kiln_info_serial_decimal(info, &serial, err) == -1 ||
	    kiln_buf_terminate(&serial, err) == -1 ||
	    kiln_str_set(&e->serial, (char *)serial.p, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	kiln_buf_free(&serial);
	return rc;
}

void
kiln_check_free(struct kiln_check *c)
{
	size_t i;

	for (i = 0; i < c->n_entries; i++)
		entry_free(&c->entries[i]);
	free(c->entries);
	for (i = 0; i < c->n_problems; i++) {
		free(c->problems[i].path);
		free(c->problems[i].msg);
	}
	free(c->problems);
	kiln_check_init(c);
}

static int
add_problem(struct kiln_check *c, const char *path, const char *msg,
    struct kiln_err *err)
{
	struct kiln_check_problem *p;

	if ((p = realloc(c->problems, (c->n_problems + 1) * sizeof(*p))) ==
	    NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	c->problems = p;
	p = &c->problems[c->n_problems];
	/* Messages from the file reader name the path already. */
	if (strncmp(msg, path, strlen(path)) == 0 &&
	    strncmp(msg + strlen(path), ": ", 2) == 0)
		msg += strlen(path) + 2;
	p->path = strdup(path);
	p->msg = strdup(msg);
	if (p->path == NULL || p->msg == NULL) {
		free(p->path);
		free(p->msg);
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	}
	c->n_problems++;
	return 0;
}

/* The verification callback's notes: whether the trust anchor itself is
 * out of its dates (mbedTLS merges every certificate's flags). */
struct anchor_dates {
	const mbedtls_x509_crt *ca;
	char why[128];
};

static int
note_anchor(void *arg, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	struct anchor_dates *a = arg;
	const mbedtls_x509_crt *t;
	const mbedtls_x509_time *when = &crt->valid_to;

	(void)depth;
	for (t = a->ca; t != NULL; t = t->next) {
		if (t != crt || !(*flags & (MBEDTLS_X509_BADCERT_EXPIRED |
		                               MBEDTLS_X509_BADCERT_FUTURE)))
			continue;
		if (*flags & MBEDTLS_X509_BADCERT_FUTURE)
			when = &crt->valid_from;
		snprintf(a->why, sizeof(a->why),
		    "its CA %s %04d-%02d-%02dT%02d:%02d:%02dZ",
		    *flags & MBEDTLS_X509_BADCERT_FUTURE ? "is not valid until"
		                                         : "expired on",
		    when->year, when->mon, when->day, when->hour, when->min,
		    when->sec);
	}
	return 0;
}

/*
 * Whether "chain" (the certificate, then the rest of its file as possible
 * intermediates) verifies against the trust anchors; the certificate's
 * own dates are judged separately, the anchor's here.  NULL if it does,
 * else the reason.
 */
static char *
untrusted(const struct kiln_check *c, const struct kiln_infos *file, size_t i)
{
	struct anchor_dates a;
	mbedtls_x509_crt chain;
	char info[512];
	uint32_t flags = 0;
	size_t k;
	int ret;

	memset(&a, 0, sizeof(a));
	a.ca = c->ca;
	mbedtls_x509_crt_init(&chain);
	ret = mbedtls_x509_crt_parse_der(
	    &chain, file->v[i].der.p, file->v[i].der.len);
	for (k = 0; ret == 0 && k < file->n; k++)
		if (k != i)
			(void)mbedtls_x509_crt_parse_der(
			    &chain, file->v[k].der.p, file->v[k].der.len);
	if (ret != 0) {
		mbedtls_x509_crt_free(&chain);
		return strdup("mbedTLS cannot read this certificate");
	}
	mbedtls_x509_crt_verify(&chain, (mbedtls_x509_crt *)c->ca, NULL, NULL,
	    &flags, note_anchor, &a);
	mbedtls_x509_crt_free(&chain);
	flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED |
	                     MBEDTLS_X509_BADCERT_FUTURE);
	if (flags == 0)
		return a.why[0] != '\0' ? strdup(a.why) : NULL;
	if (mbedtls_x509_crt_verify_info(info, sizeof(info), "", flags) < 0)
		return strdup("does not verify");
	info[strcspn(info, "\n")] = '\0'; /* the first reason */
	return strdup(info);
}

static enum kiln_check_status
time_status(const struct kiln_check *c, const struct kiln_info *info)
{
	long long left = info->not_after - c->now;

	if (c->now < info->not_before)
		return KILN_CHECK_NOT_YET_VALID;
	if (left < 0)
		return KILN_CHECK_EXPIRED;
	if (c->critical >= 0 && left <= c->critical)
		return KILN_CHECK_CRITICAL;
	if (left <= c->within)
		return KILN_CHECK_EXPIRING;
	return KILN_CHECK_OK;
}

/* Take the certificates of one file into the check. */
static int
add_file(struct kiln_check *c, const char *path, struct kiln_infos *file,
    struct kiln_err *err)
{
	struct kiln_check_entry *e;
	size_t i;

	if ((e = realloc(c->entries, (c->n_entries + file->n) * sizeof(*e))) ==
	    NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	c->entries = e;
	for (i = 0; i < file->n; i++) {
		e = &c->entries[c->n_entries];
		memset(e, 0, sizeof(*e));
		if ((e->path = strdup(path)) == NULL)
			return kiln_err_set(err, KILN_ENOMEM, "out of memory");
		c->n_entries++; /* freed by kiln_check_free from here on */
		e->index = i + 1;
		if (entry_fill(e, &file->v[i], err) == -1)
			return -1;
		e->status = time_status(c, &file->v[i]);
		if (c->ca != NULL && (e->why = untrusted(c, file, i)) != NULL)
			e->status = KILN_CHECK_UNTRUSTED;
	}
	kiln_infos_free(file); /* the descriptions are not kept */
	return 0;
}

/*
 * Whether "text" holds a PEM certificate block: the BEGIN line at the
 * start of a line, not quoted inside JSON (cfssl's output) or prose.
 */
static int
pem_certificate(const char *text)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	const char *p = text;

	while ((p = strstr(p, begin)) != NULL) {
		if (p == text || p[-1] == '\n')
			return 1;
		p += sizeof(begin) - 1;
	}
	return 0;
}

static int
check_file(
    struct kiln_check *c, const char *path, off_t size, struct kiln_err *err)
{
	struct kiln_infos file;
	struct kiln_buf data;
	struct kiln_err perr;
	int pem, rc = -1;

	kiln_infos_init(&file);
	kiln_buf_init(&data);
	kiln_err_clear(&perr);
	/* Certificates are small: a big file (a log, an archive) is not one. */
	if (size > CHECK_FILE_MAX) {
		rc = 0;
		goto cleanup;
	}
	if (kiln_file_read(path, &data, &perr) == -1) {
		rc = add_problem(c, path, perr.msg, err);
		goto cleanup;
	}
	c->files++;
	/* Only files that hold certificates count; the rest are skipped. */
	pem = pem_certificate((char *)data.p);
	if (!pem && (data.len == 0 || data.p[0] != 0x30)) {
		rc = 0;
		goto cleanup;
	}
	if (kiln_inspect_certs(&file, data.p, data.len, &perr) == -1) {
		/* DER that is not a certificate (a key, a CRL) is skipped. */
		rc = pem ? add_problem(c, path, perr.msg, err) : 0;
		goto cleanup;
	}
	rc = add_file(c, path, &file, err);
cleanup:
	kiln_infos_free(&file);
	kiln_buf_free(&data);
	return rc;
}

static int walk(struct kiln_check *, const char *, int, struct kiln_err *);

static int
check_dir(struct kiln_check *c, const char *path, struct kiln_err *err)
{
	struct dirent **names = NULL;
	struct kiln_err perr;
	char sub[PATH_MAX];
	int i, n, rc = 0;

	if ((n = scandir(path, &names, NULL, alphasort)) == -1) {
		kiln_err_clear(&perr);
		kiln_err_sys(&perr, "%s", path);
		return add_problem(c, path, perr.msg, err);
	}
	for (i = 0; i < n; i++) {
		if (rc == 0 && strcmp(names[i]->d_name, ".") != 0 &&
		    strcmp(names[i]->d_name, "..") != 0) {
			if (snprintf(sub, sizeof(sub), "%s%s%s", path,
			        path[strlen(path) - 1] == '/' ? "" : "/",
			        names[i]->d_name) >= (int)sizeof(sub))
				rc = add_problem(c, path, "path too long", err);
			else
				rc = walk(c, sub, 0, err);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

/*
 * One path of a walk.  "top": given by the user, so a link to a folder is
 * followed (as find -H does); inside folders such links are not, since
 * they can loop.
 */
static int
walk(struct kiln_check *c, const char *path, int top, struct kiln_err *err)
{
	struct kiln_err perr;
	struct stat st;

	kiln_err_clear(&perr);
	if (lstat(path, &st) == -1) {
		kiln_err_sys(&perr, "%s", path);
		return add_problem(c, path, perr.msg, err);
	}
	if (S_ISLNK(st.st_mode)) {
		if (stat(path, &st) == -1)
			return add_problem(
			    c, path, "a link to nothing (dangling)", err);
		if (S_ISDIR(st.st_mode) && !top)
			return 0;
	}
	if (S_ISDIR(st.st_mode))
		return check_dir(c, path, err);
	if (!S_ISREG(st.st_mode))
		return 0;
	return check_file(c, path, st.st_size, err);
}

int
kiln_check_path(struct kiln_check *c, const char *path, struct kiln_err *err)
{
	return walk(c, path, 1, err);
}

enum kiln_check_status
kiln_check_worst(const struct kiln_check *c)
{
	enum kiln_check_status worst = KILN_CHECK_OK;
	size_t i;

	for (i = 0; i < c->n_entries; i++)
		if (c->entries[i].status > worst)
			worst = c->entries[i].status;
	return worst;
}

int
kiln_check_exit(const struct kiln_check *c)
{
	enum kiln_check_status worst = kiln_check_worst(c);

	if (worst >= KILN_CHECK_CRITICAL)
		return 2;
	if (c->n_entries == 0 || c->n_problems > 0)
		return 3;
	return worst == KILN_CHECK_EXPIRING ? 1 : 0;
}

/* Rendering. */

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
	char text[64];
	const struct kiln_check_entry *e;
	char **row;
	size_t i, k;
	int rc = -1;

	memset(&t, 0, sizeof(t));
	kiln_buf_init(&b);
	t.ncols = sizeof(head) / sizeof(head[0]);
	for (k = 0; k < t.ncols; k++)
		t.head[k] = head[k];
	t.right[4] = 1;
	t.nrows = c->n_entries;
	if (t.nrows > 0 &&
	    (t.cell = calloc(t.nrows * t.ncols, sizeof(*t.cell))) == NULL) {
		kiln_err_set(err, KILN_ENOMEM, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < c->n_entries; i++) {
		e = &c->entries[i];
		row = &t.cell[i * t.ncols];
		b.len = 0;
		kiln_check_entry_name(c, i, &b, err);
		kiln_buf_terminate(&b, err);
		kiln_str_set(&row[0], (char *)b.p, err);
		kiln_str_set(&row[1], e->subject_cn, err);
		b.len = 0;
		for (k = 0; k < e->nsans; k++)
			kiln_buf_printf(
			    &b, err, "%s%s", k > 0 ? ", " : "", e->sans[k]);
		kiln_buf_terminate(&b, err);
		kiln_str_set(&row[2], (char *)b.p, err);
		kiln_rfc3339(e->not_after, text, sizeof(text));
		kiln_str_set(&row[3], text, err);
		kiln_check_time_left(e->not_after - c->now, text, sizeof(text));
		kiln_str_set(&row[4], text, err);
		kiln_str_set(&row[5], e->issuer_cn, err);
		kiln_str_set(
		    &row[6], kiln_check_status_name(c->entries[i].status), err);
		if (err->code != KILN_OK)
			goto cleanup;
	}
	table_print(&t, out, err);
	rc = kiln_buf_terminate(out, err);
cleanup:
	if (t.cell != NULL)
		kiln_strs_free(t.cell, t.nrows * t.ncols);
	kiln_buf_free(&b);
	return rc;
}

int
kiln_check_json(
    const struct kiln_check *c, struct kiln_buf *out, struct kiln_err *err)
{
	const struct kiln_check_entry *e;
	struct jw j;
	char text[128];
	size_t i;

	memset(&j, 0, sizeof(j));
	j.out = out;
	j.err = err;
	jw_open(&j, "{");
	jw_kstr(&j, "status",
	    kiln_check_exit(c) == 3
	        ? "unknown"
	        : kiln_check_status_name(kiln_check_worst(c)));
	jw_kint(&j, "exit", kiln_check_exit(c));
	jw_kint(&j, "files", (long long)c->files);
	jw_key(&j, "certificates");
	jw_open(&j, "[");
	for (i = 0; i < c->n_entries; i++) {
		e = &c->entries[i];
		jw_item(&j);
		jw_open(&j, "{");
		jw_kstr(&j, "path", e->path);
		jw_kint(&j, "index", (long long)e->index);
		jw_kstr(&j, "subject_cn", e->subject_cn);
		/* The SANs in kiln-certinfo's order: DNS, IP, email, URI. */
		jw_kstrs(&j, "sans", e->sans, e->nsans);
		kiln_rfc3339(e->not_before, text, sizeof(text));
		jw_kstr(&j, "not_before", text);
		kiln_rfc3339(e->not_after, text, sizeof(text));
		jw_kstr(&j, "not_after", text);
		jw_kint(&j, "seconds_left", e->not_after - c->now);
		jw_kint(&j, "days_left", kiln_days_left(e->not_after, c->now));
		jw_kstr(&j, "issuer_cn", e->issuer_cn);
		jw_kstr(&j, "serial_number", e->serial);
		jw_kstr(&j, "status", kiln_check_status_name(e->status));
		if (e->why != NULL)
			jw_kstr(&j, "reason", e->why);
		jw_close(&j, "}");
	}
	jw_close(&j, "]");
	jw_key(&j, "problems");
	jw_open(&j, "[");
	for (i = 0; i < c->n_problems; i++) {
		jw_item(&j);
		jw_open(&j, "{");
		jw_kstr(&j, "path", c->problems[i].path);
		jw_kstr(&j, "error", c->problems[i].msg);
		jw_close(&j, "}");
	}
	jw_close(&j, "]");
	jw_close(&j, "}");
	jw_raw(&j, "\n");
	if (err->code != KILN_OK)
		return -1;
	return kiln_buf_terminate(out, err);
}
