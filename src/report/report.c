/*
 * kiln check -format html: one standalone HTML5 page with a timeline of
 * every certificate's validity (inline SVG) and a table of the same
 * certificates.  No script, and nothing the page would fetch: no fonts,
 * images, style sheets or links.  Colours are SVG attributes and the rest
 * is plain HTML, so the page reads without its style sheet too.
 *
 * Coordinates are written in tenths of a pixel from integers, never with
 * %f, so that the locale cannot turn "12.5" into "12,5".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/checkrender.h"
#include "core/civil.h"
#include "kiln/check.h"
#include "report/format.h"
#include "core/strs.h"

#define DAY (24LL * 3600)
#define YEAR (365LL * DAY)

/* The timeline's geometry, in pixels. */
#define SVG_W 1200
#define LABEL_X 380 /* labels end here */
#define PLOT_X0 390 /* the axis runs from PLOT_X0 to PLOT_X1 */
#define PLOT_X1 1180
#define TODAY_Y 14 /* the baseline of the "today" label */
#define TICK_Y 34  /* the baseline of the tick labels */
#define ROWS_Y 44  /* the first row's top */
#define ROW_H 22
#define BAR_H 14
#define FOOT_H 10
#define BAR_MIN 20 /* tenths: a bar is at least 2 px wide */
#define NOTE_W 110 /* room for a note beside a bar */

/* Longest label parts, in characters: the tail of the name, the CN. */
#define LABEL_NAME_MAX 30
#define LABEL_CN_MAX 20

/*
 * Dates further than this from now do not stretch the axis: a bar that
 * reaches past one is cut at the edge with an arrow, so that a
 * certificate of 1950 to 9999 leaves the others their room.
 */
#define SPAN_PAST (10 * YEAR)
#define SPAN_FUTURE (30 * YEAR)
#define SPAN_MIN (2 * DAY)

/*
 * Per status, in the order of enum kiln_check_status: the class, and a
 * colour of the Okabe-Ito palette (told apart with the common colour
 * blindnesses), with a dark red for expired that differs from critical
 * in lightness.
 */
static const struct {
	const char *cls, *fill;
} looks[] = {
    {"ok", "#009e73"},
    {"expiring", "#e69f00"},
    {"critical", "#d55e00"},
    {"expired", "#7a0019"},
    {"not-yet-valid", "#56b4e9"},
    {"untrusted", "#cc79a7"},
};
#define NSTATUS (sizeof(looks) / sizeof(looks[0]))

/* The style sheet; the rules per status are added from looks[]. */
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

/* An entry in the page's order, with its name. */
struct row {
	const struct kiln_check_entry *e;
	char *name;
};

/* The axis: the times at PLOT_X0 and PLOT_X1. */
struct axis {
	long long lo, hi;
};

/* Append "s" as it is: markup of the page's own. */
static void
raw(struct kiln_buf *out, const char *s, struct kiln_err *err)
{
	kiln_buf_append(out, s, strlen(s), err);
}

/*
 * Append the "n" bytes of "s" as HTML text, fit for an element or a
 * quoted attribute: & < > " ' as references, bytes that are not UTF-8
 * and control characters (which HTML forbids) as U+FFFD.
 */
static void
text_n(struct kiln_buf *out, const char *s, size_t n, struct kiln_err *err)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long c;
	size_t i, k;

	for (i = 0; i < n; i += k) {
		k = kiln_utf8_next(u + i, n - i, &c);
		if (k == 0) {
			k = 1;
			raw(out, "\xef\xbf\xbd", err);
		} else if (c == '&')
			raw(out, "&amp;", err);
		else if (c == '<')
			raw(out, "&lt;", err);
		else if (c == '>')
			raw(out, "&gt;", err);
		else if (c == '"')
			raw(out, "&quot;", err);
		else if (c == '\'')
			raw(out, "&#39;", err);
		else if ((c < 0x20 && c != '\t' && c != '\n') ||
		         (c >= 0x7f && c < 0xa0))
			raw(out, "\xef\xbf\xbd", err);
		else
			kiln_buf_append(out, u + i, k, err);
	}
}

static void
text(struct kiln_buf *out, const char *s, struct kiln_err *err)
{
	text_n(out, s, strlen(s), err);
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
static void
text_tail(struct kiln_buf *out, const char *s, size_t max, struct kiln_err *err)
{
	size_t all = chars(s, strlen(s)), skip;

	if (all <= max) {
		text(out, s, err);
		return;
	}
	skip = head_len(s, all - (max - 1));
	raw(out, "\xe2\x80\xa6", err);
	text(out, s + skip, err);
}

/* Append "s", its end cut to "…" if it has more than "max" characters. */
static void
text_head(struct kiln_buf *out, const char *s, size_t max, struct kiln_err *err)
{
	if (chars(s, strlen(s)) <= max) {
		text(out, s, err);
		return;
	}
	text_n(out, s, head_len(s, max - 1), err);
	raw(out, "\xe2\x80\xa6", err);
}

/* Append tenths of a pixel, "123.4". */
static void
px(struct kiln_buf *out, long long tenths, struct kiln_err *err)
{
	kiln_buf_printf(out, err, "%lld.%lld", tenths / 10, tenths % 10);
}

/* RFC 3339 in UTC, as the table and the JSON write times. */
static void
date(struct kiln_buf *out, long long t, struct kiln_err *err)
{
	char s[64];

	kiln_rfc3339(t, s, sizeof(s));
	raw(out, s, err);
}

/* Sorted by not after, then path, then place in the file. */
static int
by_expiry(const void *a, const void *b)
{
	const struct kiln_check_entry *x = ((const struct row *)a)->e;
	const struct kiln_check_entry *y = ((const struct row *)b)->e;
	int r;

	if (x->not_after != y->not_after)
		return x->not_after < y->not_after ? -1 : 1;
	if ((r = strcmp(x->path, y->path)) != 0)
		return r;
	return (x->index > y->index) - (x->index < y->index);
}

/*
 * The axis: now, and every date of the set within SPAN_PAST before now or
 * SPAN_FUTURE after it, with a little room at both ends; never shorter
 * than SPAN_MIN, so one certificate (or none) still has a scale.
 */
static void
axis_range(const struct kiln_check *c, struct axis *a)
{
	const long long min = c->now - SPAN_PAST, max = c->now + SPAN_FUTURE;
	long long t[2], pad;
	size_t i, k;

	a->lo = a->hi = c->now;
	for (i = 0; i < c->n_entries; i++) {
		t[0] = c->entries[i].not_before;
		t[1] = c->entries[i].not_after;
		for (k = 0; k < 2; k++) {
			if (t[k] < min || t[k] > max)
				continue;
			if (t[k] < a->lo)
				a->lo = t[k];
			if (t[k] > a->hi)
				a->hi = t[k];
		}
	}
	if (a->hi - a->lo < SPAN_MIN) {
		pad = (SPAN_MIN - (a->hi - a->lo)) / 2;
		a->lo -= pad;
		a->hi += pad;
	}
	pad = (a->hi - a->lo) / 40;
	a->lo -= pad;
	a->hi += pad;
}

/* The x of time "t" in tenths of a pixel, "t" held to the axis. */
static long long
x_of(const struct axis *a, long long t)
{
	if (t < a->lo)
		t = a->lo;
	if (t > a->hi)
		t = a->hi;
	/* At most ~45 years of seconds times 7900: far below 2^63. */
	return PLOT_X0 * 10LL +
	       (t - a->lo) * ((PLOT_X1 - PLOT_X0) * 10LL) / (a->hi - a->lo);
}

/* One tick: a grid line over the rows and its label above them. */
static void
tick(struct kiln_buf *out, const struct axis *a, long long t, int height,
    const char *label, struct kiln_err *err)
{
	long long x = x_of(a, t);

	raw(out, "<line class=\"tick\" x1=\"", err);
	px(out, x, err);
	kiln_buf_printf(out, err, "\" y1=\"%d\" x2=\"", TICK_Y + 4);
	px(out, x, err);
	kiln_buf_printf(out, err,
	    "\" y2=\"%d\" stroke=\"#d0d0d0\" stroke-width=\"1\"/>\n"
	    "<text class=\"tick\" x=\"",
	    height - FOOT_H);
	px(out, x, err);
	kiln_buf_printf(out, err,
	    "\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\" "
	    "fill=\"#555\">%s</text>\n",
	    TICK_Y, label);
}

/*
 * Ticks at the start of every year, or every few years, with at most 12
 * of them; for a range under three years, at the start of months; under
 * two months, at midnight of days.
 */
static void
ticks(struct kiln_buf *out, const struct axis *a, int height,
    struct kiln_err *err)
{
	static const int ysteps[] = {1, 2, 5, 10, 20, 50};
	static const int msteps[] = {1, 2, 3, 6};
	static const int dsteps[] = {1, 2, 7, 14};
	long long span = a->hi - a->lo, y, n, t, days;
	char label[32];
	int m, d, step;
	size_t i;

	kiln_civil_from_days(
	    (a->lo >= 0 ? a->lo : a->lo - DAY + 1) / DAY, &y, &m, &d);
	if (span >= 3 * YEAR) {
		for (i = 0; i + 1 < sizeof(ysteps) / sizeof(ysteps[0]) &&
		            span / (ysteps[i] * YEAR) > 12;
		     i++)
			;
		step = ysteps[i];
		for (n = (y + step) / step * step;; n += step) {
			t = kiln_days_from_civil(n, 1, 1) * DAY;
			if (t > a->hi)
				break;
			snprintf(label, sizeof(label), "%lld", n);
			tick(out, a, t, height, label, err);
		}
	} else if (span >= 60 * DAY) {
		for (i = 0; i + 1 < sizeof(msteps) / sizeof(msteps[0]) &&
		            span / (msteps[i] * 30 * DAY) > 12;
		     i++)
			;
		step = msteps[i];
		for (n = (y * 12 + m - 1 + step) / step * step;; n += step) {
			t = kiln_days_from_civil(n / 12, (int)(n % 12) + 1, 1) *
			    DAY;
			if (t > a->hi)
				break;
			snprintf(label, sizeof(label), "%04lld-%02d", n / 12,
			    (int)(n % 12) + 1);
			tick(out, a, t, height, label, err);
		}
	} else {
		for (i = 0; i + 1 < sizeof(dsteps) / sizeof(dsteps[0]) &&
		            span / (dsteps[i] * DAY) > 12;
		     i++)
			;
		step = dsteps[i];
		days = kiln_days_from_civil(y, m, d);
		for (n = (days + step) / step * step;; n += step) {
			t = n * DAY;
			if (t > a->hi)
				break;
			kiln_civil_from_days(n, &y, &m, &d);
			snprintf(
			    label, sizeof(label), "%04lld-%02d-%02d", y, m, d);
			tick(out, a, t, height, label, err);
		}
	}
}

/* A small triangle at the edge a bar is cut at: it goes on off the axis. */
static void
arrow(struct kiln_buf *out, int left, int y, const char *fill,
    struct kiln_err *err)
{
	int mid = y + ROW_H / 2;

	if (left)
		kiln_buf_printf(out, err,
		    "<polygon class=\"cut\" points=\"%d,%d %d,%d %d,%d\" "
		    "fill=\"%s\"/>\n",
		    PLOT_X0 - 8, mid, PLOT_X0 - 2, mid - 6, PLOT_X0 - 2,
		    mid + 6, fill);
	else
		kiln_buf_printf(out, err,
		    "<polygon class=\"cut\" points=\"%d,%d %d,%d %d,%d\" "
		    "fill=\"%s\"/>\n",
		    PLOT_X1 + 8, mid, PLOT_X1 + 2, mid - 6, PLOT_X1 + 2,
		    mid + 6, fill);
}

/* The tooltip of a bar: name, CN, status, time left, dates, reason. */
static void
bar_title(struct kiln_buf *out, const struct kiln_check *c, const struct row *r,
    struct kiln_err *err)
{
	char left[64];

	kiln_check_time_left(
	    r->e->chain_not_after - c->now, left, sizeof(left));
	raw(out, "<title>", err);
	text(out, r->name, err);
	if (r->e->subject_cn[0] != '\0') {
		raw(out, " \xe2\x80\x94 ", err);
		text(out, r->e->subject_cn, err);
	}
	kiln_buf_printf(out, err, "\n%s, time left %s\nnot before ",
	    kiln_check_status_name(r->e->status), left);
	date(out, r->e->not_before, err);
	raw(out, "\nnot after ", err);
	date(out, r->e->not_after, err);
	if (r->e->why != NULL) {
		raw(out, "\n", err);
		text(out, r->e->why, err);
	}
	raw(out, "</title>", err);
}

/*
 * Beside a bar, where there is room, its status and time left in words:
 * short bars near today are hard to see, and colour is not for everyone.
 */
static void
note(struct kiln_buf *out, const struct kiln_check *c, const struct row *r,
    long long x0, long long x1, int y, struct kiln_err *err)
{
	char left[64];
	const char *anchor = "start", *look = "fill=\"#333\"";
	long long x = x1 + 40;

	if (x1 > (PLOT_X1 - NOTE_W) * 10LL) {
		anchor = "end";
		x = x0 - 40;
	}
	/* No room on either side (a bar as wide as the plot): inside the
	 * bar, white on a dark outline, readable on every status colour. */
	if (x1 > (PLOT_X1 - NOTE_W) * 10LL && x0 < (PLOT_X0 + NOTE_W) * 10LL) {
		anchor = "start";
		x = (x0 > PLOT_X0 * 10LL ? x0 : PLOT_X0 * 10LL) + 40;
		look = "fill=\"#fff\" stroke=\"#000\" stroke-width=\"2.5\" "
		       "paint-order=\"stroke\" stroke-linejoin=\"round\"";
	}
	raw(out, "<text class=\"note\" x=\"", err);
	px(out, x, err);
	kiln_buf_printf(out, err,
	    "\" y=\"%d\" text-anchor=\"%s\" font-size=\"10\" %s>", y + 15,
	    anchor, look);
	switch (r->e->status) {
	case KILN_CHECK_EXPIRED:
		kiln_check_time_left(
		    c->now - r->e->chain_not_after, left, sizeof(left));
		kiln_buf_printf(out, err, "expired %s ago", left);
		break;
	case KILN_CHECK_NOT_YET_VALID:
		raw(out, "not yet valid", err);
		break;
	default:
		kiln_check_time_left(
		    r->e->chain_not_after - c->now, left, sizeof(left));
		kiln_buf_printf(out, err, "%s, %s left",
		    kiln_check_status_name(r->e->status), left);
	}
	raw(out, "</text>\n", err);
}

/* One row of the timeline: the label, the bar, its note. */
static void
svg_row(struct kiln_buf *out, const struct kiln_check *c, const struct axis *a,
    const struct row *r, size_t k, struct kiln_err *err)
{
	const char *fill = looks[r->e->status].fill;
	int y = ROWS_Y + (int)k * ROW_H;
	long long x0 = x_of(a, r->e->not_before), x1 = x_of(a, r->e->not_after);

	kiln_buf_printf(out, err,
	    "<text class=\"label\" x=\"%d\" y=\"%d\" text-anchor=\"end\" "
	    "font-size=\"12\">",
	    LABEL_X, y + 15);
	text_tail(out, r->name, LABEL_NAME_MAX, err);
	if (r->e->subject_cn[0] != '\0') {
		raw(out, " <tspan fill=\"#555\">", err);
		text_head(out, r->e->subject_cn, LABEL_CN_MAX, err);
		raw(out, "</tspan>", err);
	}
	raw(out, "</text>\n", err);
	if (x1 - x0 < BAR_MIN) {
		x1 = x0 + BAR_MIN;
		if (x1 > PLOT_X1 * 10LL) {
			x1 = PLOT_X1 * 10LL;
			x0 = x1 - BAR_MIN;
		}
	}
	kiln_buf_printf(
	    out, err, "<rect class=\"bar %s\" x=\"", looks[r->e->status].cls);
	px(out, x0, err);
	kiln_buf_printf(
	    out, err, "\" y=\"%d\" width=\"", y + (ROW_H - BAR_H) / 2);
	px(out, x1 - x0, err);
	kiln_buf_printf(
	    out, err, "\" height=\"%d\" rx=\"2\" fill=\"%s\">", BAR_H, fill);
	bar_title(out, c, r, err);
	raw(out, "</rect>\n", err);
	if (r->e->not_before < a->lo)
		arrow(out, 1, y, fill, err);
	if (r->e->not_after > a->hi)
		arrow(out, 0, y, fill, err);
	note(out, c, r, x0, x1, y, err);
}

/* The timeline: ticks, today's line, one bar a certificate. */
static void
svg(struct kiln_buf *out, const struct kiln_check *c, const struct row *rows,
    struct kiln_err *err)
{
	struct axis a;
	int height = ROWS_Y + (int)c->n_entries * ROW_H + FOOT_H;
	long long x;
	char day[64];
	size_t k;
	const char *anchor = "middle";

	axis_range(c, &a);
	kiln_buf_printf(out, err,
	    "<svg class=\"timeline\" width=\"%d\" height=\"%d\" "
	    "viewBox=\"0 0 %d %d\" role=\"img\" font-family=\"sans-serif\" "
	    "aria-label=\"validity of each certificate, sorted by expiry\">\n",
	    SVG_W, height, SVG_W, height);
	/* Back to front: stripes, ticks, today's line, then the bars, so
	 * that the line hides no short bar near today. */
	for (k = 1; k < c->n_entries; k += 2)
		kiln_buf_printf(out, err,
		    "<rect class=\"stripe\" x=\"0\" y=\"%d\" width=\"%d\" "
		    "height=\"%d\" fill=\"#f3f3f3\"/>\n",
		    ROWS_Y + (int)k * ROW_H, SVG_W, ROW_H);
	ticks(out, &a, height, err);
	x = x_of(&a, c->now);
	if (x < (PLOT_X0 + 70) * 10LL)
		anchor = "start";
	else if (x > (PLOT_X1 - 70) * 10LL)
		anchor = "end";
	kiln_rfc3339(c->now, day, sizeof(day));
	day[10] = '\0'; /* the date */
	raw(out, "<line class=\"today\" x1=\"", err);
	px(out, x, err);
	kiln_buf_printf(out, err, "\" y1=\"%d\" x2=\"", TODAY_Y + 4);
	px(out, x, err);
	kiln_buf_printf(out, err,
	    "\" y2=\"%d\" stroke=\"#000\" stroke-width=\"2\" "
	    "stroke-dasharray=\"6 3\"/>\n"
	    "<text class=\"today\" x=\"",
	    height - FOOT_H / 2);
	px(out, x, err);
	kiln_buf_printf(out, err,
	    "\" y=\"%d\" text-anchor=\"%s\" font-size=\"12\" "
	    "font-weight=\"bold\">today %s</text>\n",
	    TODAY_Y, anchor, day);
	for (k = 0; k < c->n_entries; k++)
		svg_row(out, c, &a, &rows[k], k, err);
	raw(out, "</svg>\n", err);
}

/* A square of a status's colour, for the legend. */
static void
swatch(struct kiln_buf *out, size_t s, struct kiln_err *err)
{
	kiln_buf_printf(out, err,
	    "<svg width=\"12\" height=\"12\" aria-hidden=\"true\"><rect "
	    "width=\"12\" height=\"12\" fill=\"%s\"/></svg>",
	    looks[s].fill);
}

/* The overall status, the counts per status (the legend) and when. */
static void
summary(struct kiln_buf *out, const struct kiln_check *c, struct kiln_err *err)
{
	size_t count[NSTATUS], i, s;
	const char *status = "unknown", *cls = "unknown";
	int rc = kiln_check_exit(c);

	memset(count, 0, sizeof(count));
	for (i = 0; i < c->n_entries; i++)
		count[c->entries[i].status]++;
	if (rc != 3) {
		status = kiln_check_status_name(kiln_check_worst(c));
		cls = looks[kiln_check_worst(c)].cls;
	}
	kiln_buf_printf(out, err,
	    "<h1>kiln check: <span class=\"%s\">%s</span></h1>\n"
	    "<p class=\"summary\">%zu certificate%s in %zu file%s, "
	    "%zu problem%s; exit status %d; checked at ",
	    cls, status, c->n_entries, c->n_entries == 1 ? "" : "s", c->files,
	    c->files == 1 ? "" : "s", c->n_problems,
	    c->n_problems == 1 ? "" : "s", rc);
	date(out, c->now, err);
	raw(out, ".</p>\n", err);
	if (c->n_entries == 0) {
		raw(out, "<p class=\"none\">No certificate found.</p>\n", err);
		return;
	}
	raw(out, "<ul class=\"legend\">\n", err);
	for (s = 0; s < NSTATUS; s++) {
		kiln_buf_printf(out, err, "<li class=\"%s\">", looks[s].cls);
		swatch(out, s, err);
		kiln_buf_printf(out, err, " %s: %zu</li>\n",
		    kiln_check_status_name((enum kiln_check_status)s),
		    count[s]);
	}
	raw(out, "</ul>\n", err);
}

/* The table: the timeline's certificates in the same order. */
static void
table(struct kiln_buf *out, const struct kiln_check *c, const struct row *rows,
    struct kiln_err *err)
{
	const struct kiln_check_entry *e;
	char left[64];
	size_t k, s;

	raw(out,
	    "<table class=\"certificates\">\n<thead><tr><th>Path</th>"
	    "<th>Subject CN</th><th>SANs</th><th>Not before</th>"
	    "<th>Not after</th><th>Time left</th><th>Issuer CN</th>"
	    "<th>Status</th></tr></thead>\n<tbody>\n",
	    err);
	for (k = 0; k < c->n_entries; k++) {
		e = rows[k].e;
		kiln_buf_printf(out, err,
		    "<tr class=\"%s\" data-status=\"%s\"><td>",
		    looks[e->status].cls, kiln_check_status_name(e->status));
		text(out, rows[k].name, err);
		raw(out, "</td><td class=\"cn\">", err);
		text(out, e->subject_cn, err);
		raw(out, "</td><td>", err);
		for (s = 0; s < e->nsans; s++) {
			if (s > 0)
				raw(out, ", ", err);
			text(out, e->sans[s], err);
		}
		raw(out, "</td><td class=\"date\">", err);
		date(out, e->not_before, err);
		raw(out, "</td><td class=\"date\">", err);
		date(out, e->not_after, err);
		kiln_check_time_left(
		    e->chain_not_after - c->now, left, sizeof(left));
		kiln_buf_printf(
		    out, err, "</td><td class=\"left\">%s</td><td>", left);
		text(out, e->issuer_cn, err);
		/* The reason wraps under the status: a long one (key
		 * identifiers) must not push the table off the page. */
		kiln_buf_printf(out, err,
		    "</td><td class=\"status\"><span class=\"st\">%s</span>",
		    kiln_check_status_name(e->status));
		if (e->why != NULL) {
			raw(out, "<span class=\"why\">", err);
			text(out, e->why, err);
			raw(out, "</span>", err);
		}
		raw(out, "</td></tr>\n", err);
	}
	raw(out, "</tbody>\n</table>\n", err);
}

static void
problems(struct kiln_buf *out, const struct kiln_check *c, struct kiln_err *err)
{
	size_t i;

	if (c->n_problems == 0)
		return;
	raw(out, "<h2>Problems</h2>\n<ul class=\"problems\">\n", err);
	for (i = 0; i < c->n_problems; i++) {
		raw(out, "<li><code>", err);
		text(out, c->problems[i].path, err);
		raw(out, "</code>: ", err);
		text(out, c->problems[i].msg, err);
		raw(out, "</li>\n", err);
	}
	raw(out, "</ul>\n", err);
}

int
kiln_check_html(
    const struct kiln_check *c, struct kiln_buf *out, struct kiln_err *err)
{
	struct row *rows = NULL;
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
	raw(out,
	    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" "
	    "content=\"default-src 'none'; style-src 'unsafe-inline'; "
	    "base-uri 'none'; form-action 'none'\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n<title>kiln check: ",
	    &werr);
	raw(out,
	    kiln_check_exit(c) == 3
	        ? "unknown"
	        : kiln_check_status_name(kiln_check_worst(c)),
	    &werr);
	raw(out, "</title>\n<style>\n", &werr);
	raw(out, style, &werr);
	for (i = 0; i < NSTATUS; i++)
		kiln_buf_printf(out, &werr,
		    "h1 span.%s{border-color:%s}\n"
		    "tr.%s td:first-child{border-left:6px solid %s}\n",
		    looks[i].cls, looks[i].fill, looks[i].cls, looks[i].fill);
	raw(out, "</style>\n</head>\n<body>\n", &werr);
	summary(out, c, &werr);
	if (c->n_entries > 0) {
		raw(out, "<h2>Timeline</h2>\n", &werr);
		svg(out, c, rows, &werr);
		raw(out, "<h2>Certificates</h2>\n", &werr);
		table(out, c, rows, &werr);
	}
	problems(out, c, &werr);
	raw(out, "</body>\n</html>\n", &werr);
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
