/*
 * Go's time.ParseDuration and Duration.String(), with kiln's "d" and "y"
 * units.  The arithmetic follows Go's src/time/format.go step by step
 * (uint64 accumulation, the fraction scaled through a float64 and
 * truncated) so that every input gives Go's exact value.
 */
#include <stdint.h>
#include <string.h>

#include "kiln/duration.h"

#define BIT63 ((uint64_t)1 << 63)

/* clang-format off */
static const struct unit {
	const char *name;
	uint64_t ns;
} units[] = {
	{ "ns",		1 },
	{ "us",		1000 },
	{ "\xc2\xb5s",	1000 },		/* U+00B5 micro sign */
	{ "\xce\xbcs",	1000 },		/* U+03BC Greek small letter mu */
	{ "ms",		1000000 },
	{ "s",		(uint64_t)KILN_NS_SECOND },
	{ "m",		(uint64_t)KILN_NS_MINUTE },
	{ "h",		(uint64_t)KILN_NS_HOUR },
	{ "d",		(uint64_t)KILN_NS_DAY },	/* kiln */
	{ "y",		(uint64_t)KILN_NS_YEAR },	/* kiln: 365 days */
};
/* clang-format on */

/*
 * Go's time.quote: the string in double quotes, with '"' and '\\'
 * escaped and every byte of a control or non-ASCII character written as
 * \xNN.  "out" must hold 4 * n + 3 bytes.
 */
static const char *
quote(char *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char c;
	char *o = out;
	size_t i;

	*o++ = '"';
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x80 || c < 0x20) {
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 0xf];
		} else {
			if (c == '"' || c == '\\')
				*o++ = '\\';
			*o++ = (char)c;
		}
	}
	*o++ = '"';
	*o = '\0';
	return out;
}

/*
 * Input longer than this is cut before quoting: the message could not
 * hold more anyway.
 */
#define QUOTED_MAX (KILN_ERRMSG_MAX / 4 - 3)

enum failure { INVALID, NO_UNIT, RANGE };

/* Go's texts without "time: ".  Go reports overflow as INVALID too. */
static int
fail(struct kiln_err *err, enum failure what, const char *s)
{
	char q[4 * QUOTED_MAX + 3];
	size_t n = strlen(s);

	quote(q, s, n < QUOTED_MAX ? n : QUOTED_MAX);
	switch (what) {
	case NO_UNIT:
		return kiln_err_set(
		    err, KILN_EINVAL, "missing unit in duration %s", q);
	case RANGE:
		return kiln_err_set(
		    err, KILN_EINVAL, "duration %s is out of range", q);
	default:
		return kiln_err_set(err, KILN_EINVAL, "invalid duration %s", q);
	}
}

/* Go's leadingInt: digits into "*x"; -1 when they exceed 1 << 63. */
static int
leading_int(const char **sp, uint64_t *x)
{
	const char *s = *sp;

	*x = 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (*x > BIT63 / 10)
			return -1;
		*x = *x * 10 + (uint64_t)(*s - '0');
		if (*x > BIT63)
			return -1;
	}
	*sp = s;
	return 0;
}

/*
 * Go's leadingFraction: digits into "*x" and 10^digits into "*scale",
 * silently dropping digits once "*x" would pass 1 << 63.
 */
static void
leading_fraction(const char **sp, uint64_t *x, double *scale)
{
	const char *s = *sp;
	int overflow = 0;
	uint64_t y;

	*x = 0;
	*scale = 1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (overflow)
			continue;
		if (*x > (BIT63 - 1) / 10) {
			overflow = 1;
			continue;
		}
		y = *x * 10 + (uint64_t)(*s - '0');
		if (y > BIT63) {
			overflow = 1;
			continue;
		}
		*x = y;
		*scale *= 10;
	}
	*sp = s;
}

int
kiln_duration_parse(const char *orig, int64_t *out, struct kiln_err *err)
{
	char q[4 * QUOTED_MAX + 3];
	const char *s = orig, *u;
	uint64_t d = 0, v, f, unit;
	double scale;
	size_t i, n;
	int neg = 0, pre, post;

	if (*s == '-' || *s == '+') {
		neg = *s == '-';
		s++;
	}
	if (strcmp(s, "0") == 0) {
		*out = 0;
		return 0;
	}
	if (*s == '\0')
		return fail(err, INVALID, orig);
	while (*s != '\0') {
		f = 0;
		scale = 1;
		if (!(*s == '.' || (*s >= '0' && *s <= '9')))
			return fail(err, INVALID, orig);
		u = s;
		if (leading_int(&s, &v) == -1)
			return fail(err, RANGE, orig);
		pre = s != u;
		post = 0;
		if (*s == '.') {
			u = ++s;
			leading_fraction(&s, &f, &scale);
			post = s != u;
		}
		if (!pre && !post)
			return fail(err, INVALID, orig);
		n = strcspn(s, ".0123456789"); /* the unit runs to a digit */
		if (n == 0)
			return fail(err, NO_UNIT, orig);
		u = s;
		s += n;
		unit = 0;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strlen(units[i].name) == n &&
			    memcmp(units[i].name, u, n) == 0)
				unit = units[i].ns;
		if (unit == 0) {
			char qo[4 * QUOTED_MAX + 3];

			n = n < QUOTED_MAX ? n : QUOTED_MAX;
			quote(q, u, n);
			n = strlen(orig);
			quote(qo, orig, n < QUOTED_MAX ? n : QUOTED_MAX);
			return kiln_err_set(err, KILN_EINVAL,
			    "unknown unit %s in duration %s", q, qo);
		}
		if (v > BIT63 / unit)
			return fail(err, RANGE, orig);
		v *= unit;
		if (f > 0) {
			/* Go: float64 keeps hours' fractions exact to 1ns. */
			v += (uint64_t)((double)f * ((double)unit / scale));
			if (v > BIT63)
				return fail(err, RANGE, orig);
		}
		/* Go adds first, so 2^63 + 2^63 wraps to 0 there. */
		if (v > BIT63 - d)
			return fail(err, RANGE, orig);
		d += v;
	}
	if (neg)
		*out = d == BIT63 ? INT64_MIN : -(int64_t)d;
	else if (d > BIT63 - 1)
		return fail(err, RANGE, orig);
	else
		*out = (int64_t)d;
	return 0;
}

/*
 * Go's fmtFrac: the last "prec" digits of "v" as ".ddd" without trailing
 * zeros (nothing if they are all zero), written backwards ending at
 * "*w"; returns v / 10^prec.
 */
static uint64_t
fmt_frac(char *buf, size_t *w, uint64_t v, int prec)
{
	int i, print = 0;
	uint64_t digit;

	for (i = 0; i < prec; i++) {
		digit = v % 10;
		print = print || digit != 0;
		if (print)
			buf[--*w] = (char)('0' + digit);
		v /= 10;
	}
	if (print)
		buf[--*w] = '.';
	return v;
}

/* Go's fmtInt: "v" in decimal, written backwards ending at "*w". */
static void
fmt_int(char *buf, size_t *w, uint64_t v)
{
	if (v == 0) {
		buf[--*w] = '0';
		return;
	}
	for (; v > 0; v /= 10)
		buf[--*w] = (char)('0' + v % 10);
}

size_t
kiln_duration_format(int64_t d, char *out, size_t size)
{
	char buf[32];
	size_t w = sizeof(buf), len;
	uint64_t u = (uint64_t)d;
	int neg = d < 0;

	if (neg)
		u = -u;
	if (u < (uint64_t)KILN_NS_SECOND) {
		/* Under a second: 1.2ms, 1µs, 500ns. */
		int prec = 0;

		buf[--w] = 's';
		if (u == 0)
			buf[--w] = '0';
		else {
			if (u < 1000)
				buf[--w] = 'n';
			else if (u < 1000000) {
				prec = 3;
				w -= 2;
				memcpy(buf + w, "\xc2\xb5", 2); /* U+00B5 */
			} else {
				prec = 6;
				buf[--w] = 'm';
			}
			u = fmt_frac(buf, &w, u, prec);
			fmt_int(buf, &w, u);
		}
	} else {
		buf[--w] = 's';
		u = fmt_frac(buf, &w, u, 9);
		fmt_int(buf, &w, u % 60); /* seconds */
		u /= 60;
		if (u > 0) {
			buf[--w] = 'm';
			fmt_int(buf, &w, u % 60); /* minutes */
			u /= 60;
			if (u > 0) {
				/* Go stops at hours: days vary in length. */
				buf[--w] = 'h';
				fmt_int(buf, &w, u);
			}
		}
	}
	if (neg)
		buf[--w] = '-';
	len = sizeof(buf) - w;
	if (size > 0) {
		memcpy(out, buf + w, len < size ? len : size - 1);
		out[len < size ? len : size - 1] = '\0';
	}
	return len;
}

int
kiln_duration_from_seconds(int64_t sec, int64_t *out)
{
	int64_t ns;

	if (__builtin_mul_overflow(sec, KILN_NS_SECOND, &ns))
		return -1;
	*out = ns;
	return 0;
}

int
kiln_duration_add(int64_t a, int64_t b, int64_t *out)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return -1;
	*out = r;
	return 0;
}

int
kiln_duration_sub(int64_t a, int64_t b, int64_t *out)
{
	int64_t r;

	if (__builtin_sub_overflow(a, b, &r))
		return -1;
	*out = r;
	return 0;
}
