/*
 * kiln check's timeline, for the HTML page (checkhtml.c): inline SVG, one
 * bar a certificate from its not before to its not after on an axis
 * around now, with the ticks, today's line, labels and notes.
 *
 * Coordinates are written in tenths of a pixel from integers, never with
 * %f, so that the locale cannot turn "12.5" into "12,5".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/civil.h"
#include "kiln/check.h"
#include "report/checkhtml.h"
#include "report/checkrender.h"
#include "report/format.h"

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

/* The axis: the times at PLOT_X0 and PLOT_X1. */
struct axis {
	long long lo, hi;
};

/* Append tenths of a pixel, "123.4". */
static void
px(struct kiln_buf *out, long long tenths, struct kiln_err *err)
{
	kiln_buf_printf(out, err, "%lld.%lld", tenths / 10, tenths % 10);
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

	html_raw(out, "<line class=\"tick\" x1=\"", err);
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
bar_title(struct kiln_buf *out, const struct kiln_check *c,
    const struct check_row *r, struct kiln_err *err)
{
	char left[64];

	kiln_check_time_left(
	    r->e->chain_not_after - c->now, left, sizeof(left));
	html_raw(out, "<title>", err);
	html_text(out, r->name, err);
	if (r->e->subject_cn[0] != '\0') {
		html_raw(out, " \xe2\x80\x94 ", err);
		html_text(out, r->e->subject_cn, err);
	}
	kiln_buf_printf(out, err, "\n%s, time left %s\nnot before ",
	    kiln_check_status_name(r->e->status), left);
	html_date(out, r->e->not_before, err);
	html_raw(out, "\nnot after ", err);
	html_date(out, r->e->not_after, err);
	if (r->e->why != NULL) {
		html_raw(out, "\n", err);
		html_text(out, r->e->why, err);
	}
	html_raw(out, "</title>", err);
}

/*
 * Beside a bar, where there is room, its status and time left in words:
 * short bars near today are hard to see, and colour is not for everyone.
 */
static void
note(struct kiln_buf *out, const struct kiln_check *c,
    const struct check_row *r, long long x0, long long x1, int y,
    struct kiln_err *err)
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
	html_raw(out, "<text class=\"note\" x=\"", err);
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
		html_raw(out, "not yet valid", err);
		break;
	default:
		kiln_check_time_left(
		    r->e->chain_not_after - c->now, left, sizeof(left));
		kiln_buf_printf(out, err, "%s, %s left",
		    kiln_check_status_name(r->e->status), left);
	}
	html_raw(out, "</text>\n", err);
}

/* One row of the timeline: the label, the bar, its note. */
static void
svg_row(struct kiln_buf *out, const struct kiln_check *c, const struct axis *a,
    const struct check_row *r, size_t k, struct kiln_err *err)
{
	const char *fill = check_looks[r->e->status].fill;
	int y = ROWS_Y + (int)k * ROW_H;
	long long x0 = x_of(a, r->e->not_before), x1 = x_of(a, r->e->not_after);

	kiln_buf_printf(out, err,
	    "<text class=\"label\" x=\"%d\" y=\"%d\" text-anchor=\"end\" "
	    "font-size=\"12\">",
	    LABEL_X, y + 15);
	html_text_tail(out, r->name, LABEL_NAME_MAX, err);
	if (r->e->subject_cn[0] != '\0') {
		html_raw(out, " <tspan fill=\"#555\">", err);
		html_text_head(out, r->e->subject_cn, LABEL_CN_MAX, err);
		html_raw(out, "</tspan>", err);
	}
	html_raw(out, "</text>\n", err);
	if (x1 - x0 < BAR_MIN) {
		x1 = x0 + BAR_MIN;
		if (x1 > PLOT_X1 * 10LL) {
			x1 = PLOT_X1 * 10LL;
			x0 = x1 - BAR_MIN;
		}
	}
	kiln_buf_printf(out, err, "<rect class=\"bar %s\" x=\"",
	    check_looks[r->e->status].cls);
	px(out, x0, err);
	kiln_buf_printf(
	    out, err, "\" y=\"%d\" width=\"", y + (ROW_H - BAR_H) / 2);
	px(out, x1 - x0, err);
	kiln_buf_printf(
	    out, err, "\" height=\"%d\" rx=\"2\" fill=\"%s\">", BAR_H, fill);
	bar_title(out, c, r, err);
	html_raw(out, "</rect>\n", err);
	if (r->e->not_before < a->lo)
		arrow(out, 1, y, fill, err);
	if (r->e->not_after > a->hi)
		arrow(out, 0, y, fill, err);
	note(out, c, r, x0, x1, y, err);
}

/* The timeline: ticks, today's line, one bar a certificate. */
void
check_svg(struct kiln_buf *out, const struct kiln_check *c,
    const struct check_row *rows, struct kiln_err *err)
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
	html_raw(out, "<line class=\"today\" x1=\"", err);
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
	html_raw(out, "</svg>\n", err);
}
