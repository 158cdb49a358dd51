/*
 * kiln check -format html: one standalone HTML5 page with a timeline of
 * every certificate's validity (inline SVG, checksvg.c) and a table of
 * the same certificates.  No script, and nothing the page would fetch:
 * no fonts, images, style sheets or links.  Colours are SVG attributes
 * and the rest is plain HTML, so the page reads without its style sheet
 * too.  This file holds the page, its colours and the text escaping both
 * use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strs.h"
#include "kiln/check.h"
#include "report/checkhtml.h"
#include "report/checkrender.h"
#include "report/format.h"

/*
 * Per status, in the order of enum kiln_check_status: the class, and a
 * colour of the Okabe-Ito palette (told apart with the common colour
 * blindnesses), with a dark red for expired that differs from critical
 * in lightness.
 */
const struct check_look check_looks[CHECK_NSTATUS] = {
    {"ok", "#009e73"},
    {"expiring", "#e69f00"},
    {"critical", "#d55e00"},
    {"expired", "#7a0019"},
    {"not-yet-valid", "#56b4e9"},
    {"untrusted", "#cc79a7"},
};

/* The style sheet; the rules per status are added from check_looks[]. */
static const char style[] =
    "body{font-family:sans-serif;margin:1.5em;color:#1a1a1a;"
    "background:#fff}\n"
    "h1 span{border-bottom:.2em solid #999}\n"
    "ul.legend{list-style:none;padding:0}\n"
    "ul.legend li{display:inline-block;margin-right:1.5em}\n"
    "svg.timeline{max-width:100%;height:auto;display:block;margin:1em 0}\n"
    "table{border-collapse:collapse;font-size:.9em}\n"
    "th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;"
    "vertical-align:top}\n"
    "th{background:#f0f0f0}\n"
    "td{overflow-wrap:anywhere}\n"
    "td.date,td.left,td.status span.st{white-space:nowrap}\n"
    "td.left{text-align:right}\n"
    "td.status{min-width:7em;max-width:28em}\n"
    "td.status span.st{font-weight:bold}\n"
    "td.status span.why{display:block;font-size:.9em}\n";

/* Append "s" as it is: markup of the page's own. */
void
html_raw(struct kiln_buf *out, const char *s, struct kiln_err *err)
{
	kiln_buf_append(out, s, strlen(s), err);
}

/*
 * Append the "n" bytes of "s" as HTML text, fit for an element or a
 * quoted attribute: & < > " ' as references, bytes that are not UTF-8
 * and control characters (which HTML forbids) as U+FFFD.
 */
void
html_text_n(struct kiln_buf *out, const char *s, size_t n, struct kiln_err *err)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long c;
	size_t i, k;

	for (i = 0; i < n; i += k) {
		k = kiln_utf8_next(u + i, n - i, &c);
		if (k == 0) {
			k = 1;
			html_raw(out, "\xef\xbf\xbd", err);
		} else if (c == '&')
			html_raw(out, "&amp;", err);
		else if (c == '<')
			html_raw(out, "&lt;", err);
		else if (c == '>')
			html_raw(out, "&gt;", err);
		else if (c == '"')
			html_raw(out, "&quot;", err);
		else if (c == '\'')
			html_raw(out, "&#39;", err);
		else if ((c < 0x20 && c != '\t' && c != '\n') ||
		         (c >= 0x7f && c < 0xa0))
			html_raw(out, "\xef\xbf\xbd", err);
		else
			kiln_buf_append(out, u + i, k, err);
	}
}

void
html_text(struct kiln_buf *out, const char *s, struct kiln_err *err)
{
	html_text_n(out, s, strlen(s), err);
}

/* Characters (code points; a stray byte is one) in "n" bytes of "s". */
static size_t
chars(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long c;
	size_t i, k, count = 0;

	for (i = 0; i < n; i += k != 0 ? k : 1) {
		k = kiln_utf8_next(u + i, n - i, &c);
		count++;
	}
	return count;
}

/* The bytes the first "max" characters of "s" take. */
static size_t
head_len(const char *s, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), i, k, count;
	unsigned long c;

	for (i = 0, count = 0; i < n && count < max; count++) {
		k = kiln_utf8_next(u + i, n - i, &c);
		i += k != 0 ? k : 1;
	}
	return i;
}

/* Append "s", its start cut to "…" if it has more than "max" characters. */
void
html_text_tail(
    struct kiln_buf *out, const char *s, size_t max, struct kiln_err *err)
{
	size_t all = chars(s, strlen(s)), skip;

	if (all <= max) {
		html_text(out, s, err);
		return;
	}
	skip = head_len(s, all - (max - 1));
	html_raw(out, "\xe2\x80\xa6", err);
	html_text(out, s + skip, err);
}

/* Append "s", its end cut to "…" if it has more than "max" characters. */
void
html_text_head(
    struct kiln_buf *out, const char *s, size_t max, struct kiln_err *err)
{
	if (chars(s, strlen(s)) <= max) {
		html_text(out, s, err);
		return;
	}
	html_text_n(out, s, head_len(s, max - 1), err);
	html_raw(out, "\xe2\x80\xa6", err);
}

/* RFC 3339 in UTC, as the table and the JSON write times. */
void
html_date(struct kiln_buf *out, long long t, struct kiln_err *err)
{
	char s[64];

	kiln_rfc3339(t, s, sizeof(s));
	html_raw(out, s, err);
}

/* Sorted by not after, then path, then place in the file. */
static int
by_expiry(const void *a, const void *b)
{
	const struct kiln_check_entry *x = ((const struct check_row *)a)->e;
	const struct kiln_check_entry *y = ((const struct check_row *)b)->e;
	int r;

	if (x->not_after != y->not_after)
		return x->not_after < y->not_after ? -1 : 1;
	if ((r = strcmp(x->path, y->path)) != 0)
		return r;
	return (x->index > y->index) - (x->index < y->index);
}

/* A square of a status's colour, for the legend. */
static void
swatch(struct kiln_buf *out, size_t s, struct kiln_err *err)
{
	kiln_buf_printf(out, err,
	    "<svg width=\"12\" height=\"12\" aria-hidden=\"true\"><rect "
	    "width=\"12\" height=\"12\" fill=\"%s\"/></svg>",
	    check_looks[s].fill);
}

/* The overall status, the counts per status (the legend) and when. */
static void
summary(struct kiln_buf *out, const struct kiln_check *c, struct kiln_err *err)
{
	size_t count[CHECK_NSTATUS], i, s;
	const char *status = "unknown", *cls = "unknown";
	int rc = kiln_check_exit(c);

	memset(count, 0, sizeof(count));
	for (i = 0; i < c->n_entries; i++)
		count[c->entries[i].status]++;
	if (rc != 3) {
		status = kiln_check_status_name(kiln_check_worst(c));
		cls = check_looks[kiln_check_worst(c)].cls;
	}
	kiln_buf_printf(out, err,
	    "<h1>kiln check: <span class=\"%s\">%s</span></h1>\n"
	    "<p class=\"summary\">%zu certificate%s in %zu file%s, "
	    "%zu problem%s; exit status %d; checked at ",
	    cls, status, c->n_entries, c->n_entries == 1 ? "" : "s", c->files,
	    c->files == 1 ? "" : "s", c->n_problems,
	    c->n_problems == 1 ? "" : "s", rc);
	html_date(out, c->now, err);
	html_raw(out, ".</p>\n", err);
	if (c->n_entries == 0) {
		html_raw(
		    out, "<p class=\"none\">No certificate found.</p>\n", err);
		return;
	}
	html_raw(out, "<ul class=\"legend\">\n", err);
	for (s = 0; s < CHECK_NSTATUS; s++) {
		kiln_buf_printf(
		    out, err, "<li class=\"%s\">", check_looks[s].cls);
		swatch(out, s, err);
		kiln_buf_printf(out, err, " %s: %zu</li>\n",
		    kiln_check_status_name((enum kiln_check_status)s),
		    count[s]);
	}
	html_raw(out, "</ul>\n", err);
}

/* The table: the timeline's certificates in the same order. */
static void
table(struct kiln_buf *out, const struct kiln_check *c,
    const struct check_row *rows, struct kiln_err *err)
{
	const struct kiln_check_entry *e;
	char left[64];
	size_t k, s;

	html_raw(out,
	    "<table class=\"certificates\">\n<thead><tr><th>Path</th>"
	    "<th>Subject CN</th><th>SANs</th><th>Not before</th>"
	    "<th>Not after</th><th>Time left</th><th>Issuer CN</th>"
	    "<th>Status</th></tr></thead>\n<tbody>\n",
	    err);
	for (k = 0; k < c->n_entries; k++) {
		e = rows[k].e;
		kiln_buf_printf(out, err,
		    "<tr class=\"%s\" data-status=\"%s\"><td>",
		    check_looks[e->status].cls,
		    kiln_check_status_name(e->status));
		html_text(out, rows[k].name, err);
		html_raw(out, "</td><td class=\"cn\">", err);
		html_text(out, e->subject_cn, err);
		html_raw(out, "</td><td>", err);
		for (s = 0; s < e->nsans; s++) {
			if (s > 0)
				html_raw(out, ", ", err);
			html_text(out, e->sans[s], err);
		}
		html_raw(out, "</td><td class=\"date\">", err);
		html_date(out, e->not_before, err);
		html_raw(out, "</td><td class=\"date\">", err);
		html_date(out, e->not_after, err);
		kiln_check_time_left(
		    e->chain_not_after - c->now, left, sizeof(left));
		kiln_buf_printf(
		    out, err, "</td><td class=\"left\">%s</td><td>", left);
		html_text(out, e->issuer_cn, err);
		/* The reason wraps under the status: a long one (key
		 * identifiers) must not push the table off the page. */
		kiln_buf_printf(out, err,
		    "</td><td class=\"status\"><span class=\"st\">%s</span>",
		    kiln_check_status_name(e->status));
		if (e->why != NULL) {
			html_raw(out, "<span class=\"why\">", err);
			html_text(out, e->why, err);
			html_raw(out, "</span>", err);
		}
		html_raw(out, "</td></tr>\n", err);
	}
	html_raw(out, "</tbody>\n</table>\n", err);
}

static void
problems(struct kiln_buf *out, const struct kiln_check *c, struct kiln_err *err)
{
	size_t i;

	if (c->n_problems == 0)
		return;
	html_raw(out, "<h2>Problems</h2>\n<ul class=\"problems\">\n", err);
	for (i = 0; i < c->n_problems; i++) {
		html_raw(out, "<li><code>", err);
		html_text(out, c->problems[i].path, err);
		html_raw(out, "</code>: ", err);
		html_text(out, c->problems[i].msg, err);
		html_raw(out, "</li>\n", err);
	}
	html_raw(out, "</ul>\n", err);
}

int
kiln_check_html(
    const struct kiln_check *c, struct kiln_buf *out, struct kiln_err *err)
{
	struct check_row *rows = NULL;
	struct kiln_buf name;
	struct kiln_err werr;
	size_t i;
	int rc = -1;

	kiln_buf_init(&name);
	kiln_err_clear(&werr);
	if (c->n_entries > 0 &&
	    (rows = calloc(c->n_entries, sizeof(*rows))) == NULL) {
		kiln_err_set(err, KILN_ENOMEM, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < c->n_entries; i++) {
		rows[i].e = &c->entries[i];
		name.len = 0;
		if (kiln_check_entry_name(c, i, &name, err) == -1 ||
		    kiln_buf_terminate(&name, err) == -1 ||
		    kiln_str_set(&rows[i].name, (char *)name.p, err) == -1)
			goto cleanup;
	}
	if (c->n_entries > 1)
		qsort(rows, c->n_entries, sizeof(*rows), by_expiry);
	/*
	 * The writers below go on after a failed append; "werr" keeps the
	 * first failure, checked once at the end.  The Content Security
	 * Policy forbids scripts and every fetch even if something slipped
	 * through the escaping.
	 */
	html_raw(out,
	    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" "
	    "content=\"default-src 'none'; style-src 'unsafe-inline'; "
	    "base-uri 'none'; form-action 'none'\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n<title>kiln check: ",
	    &werr);
	html_raw(out,
	    kiln_check_exit(c) == 3
	        ? "unknown"
	        : kiln_check_status_name(kiln_check_worst(c)),
	    &werr);
	html_raw(out, "</title>\n<style>\n", &werr);
	html_raw(out, style, &werr);
	for (i = 0; i < CHECK_NSTATUS; i++)
		kiln_buf_printf(out, &werr,
		    "h1 span.%s{border-color:%s}\n"
		    "tr.%s td:first-child{border-left:6px solid %s}\n",
		    check_looks[i].cls, check_looks[i].fill, check_looks[i].cls,
		    check_looks[i].fill);
	html_raw(out, "</style>\n</head>\n<body>\n", &werr);
	summary(out, c, &werr);
	if (c->n_entries > 0) {
		html_raw(out, "<h2>Timeline</h2>\n", &werr);
		check_svg(out, c, rows, &werr);
		html_raw(out, "<h2>Certificates</h2>\n", &werr);
		table(out, c, rows, &werr);
	}
	problems(out, c, &werr);
	html_raw(out, "</body>\n</html>\n", &werr);
	if (werr.code != KILN_OK) {
		kiln_err_set(err, werr.code, "%s", werr.msg);
		goto cleanup;
	}
	rc = kiln_buf_terminate(out, err);
cleanup:
	if (rows != NULL)
		for (i = 0; i < c->n_entries; i++)
			free(rows[i].name);
	free(rows);
	kiln_buf_free(&name);
	return rc;
}
