/*
 * Calendar arithmetic in UTC (days and seconds from dates and back), and
 * the one place times are written and read as text (kiln/time.h): RFC
 * 3339 and its date, never through the C library's time zone.
 */
#include <stdio.h>
#include <string.h>

#include "core/civil.h"
#include "kiln/time.h"

long long
kiln_days_from_civil(long long y, int m, int d)
{
	long long era, yoe, doy;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

long long
kiln_civil_seconds(long long y, int m, int d, int h, int mi, int s)
{
	return kiln_days_from_civil(y, m, d) * KILN_DAY_SECONDS + h * 3600LL +
	       mi * 60LL + s;
}

long long
kiln_x509_time_seconds(const mbedtls_x509_time *t)
{
	return kiln_civil_seconds(
	    t->year, t->mon, t->day, t->hour, t->min, t->sec);
}

void
kiln_civil_from_days(long long days, long long *y, int *m, int *d)
{
	long long era, doe, yoe, doy, mp;

	days += 719468;
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int
kiln_digits(const char *s, int n)
{
	int v = 0;

	for (; n > 0; n--, s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

void
kiln_rfc3339(long long t, char *out, size_t size)
{
	long long days = t / KILN_DAY_SECONDS, secs = t % KILN_DAY_SECONDS, y;
	int m, d;

	if (secs < 0) {
		secs += KILN_DAY_SECONDS;
		days--;
	}
	kiln_civil_from_days(days, &y, &m, &d);
	snprintf(out, size, "%04lld-%02d-%02dT%02lld:%02lld:%02lldZ", y, m, d,
	    secs / 3600, secs / 60 % 60, secs % 60);
}

void
kiln_rfc3339_date(long long t, char *out, size_t size)
{
	char full[64];

	kiln_rfc3339(t, full, sizeof(full));
	snprintf(out, size, "%.*s", (int)strcspn(full, "T"), full);
}

void
kiln_time_stamp(long long t, char *out, size_t size)
{
	char full[64], *q;
	size_t i = 0;

	kiln_rfc3339(t, full, sizeof(full));
	for (q = full; *q != '\0'; q++)
		if (*q != '-' && *q != ':')
			full[i++] = *q;
	full[i] = '\0';
	snprintf(out, size, "%s", full);
}

void
kiln_time_words(long long t, char *out, size_t size)
{
	char full[64];
	size_t n;

	kiln_rfc3339(t, full, sizeof(full));
	n = strcspn(full, "T");
	snprintf(out, size, "%.*s %.8s UTC", (int)n, full, full + n + 1);
}

/* "YYYY-MM-DDTHH:MM:SS": where each field is, how long, its range. */
static const struct {
	unsigned char at, len, sep;
	int min, max;
} rfc3339_fields[] = {
    {0, 4, '-', 0, 9999},
    {5, 2, '-', 1, 12},
    {8, 2, 'T', 1, 31},
    {11, 2, ':', 0, 23},
    {14, 2, ':', 0, 59},
    {17, 2, '\0', 0, 59},
};

int
kiln_rfc3339_parse(const char *s, long long *sec, long *nsec)
{
	static const int mdays[] = {
	    31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int v[6], oh = 0, om = 0, sign = 0, dim, n;
	long ns = 0, scale = 100000000;
	size_t i;

	if (strlen(s) < 20)
		return -1;
	for (i = 0; i < 6; i++) {
		v[i] = kiln_digits(
		    s + rfc3339_fields[i].at, rfc3339_fields[i].len);
		if (v[i] < rfc3339_fields[i].min ||
		    v[i] > rfc3339_fields[i].max ||
		    (rfc3339_fields[i].sep != '\0' &&
		        s[rfc3339_fields[i].at + rfc3339_fields[i].len] !=
		            rfc3339_fields[i].sep))
			return -1;
	}
	dim = mdays[v[1] - 1];
	if (v[1] == 2 && v[0] % 4 == 0 && (v[0] % 100 != 0 || v[0] % 400 == 0))
		dim = 29;
	if (v[2] > dim)
		return -1;
	s += 19;
	if (*s == '.') {
		for (n = 0, s++; *s >= '0' && *s <= '9'; s++, n++)
			if (n < 9) {
				ns += (*s - '0') * scale;
				scale /= 10;
			}
		if (n == 0)
			return -1;
	}
	if (*s == 'Z')
		s++;
	else if (*s == '+' || *s == '-') {
		sign = *s == '-' ? -1 : 1;
		if (strlen(s) != 6 || s[3] != ':' ||
		    (oh = kiln_digits(s + 1, 2)) < 0 ||
		    (om = kiln_digits(s + 4, 2)) < 0 || oh > 23 || om > 59)
			return -1;
		s += 6;
	} else
		return -1;
	if (*s != '\0')
		return -1;
	*sec = kiln_civil_seconds(v[0], v[1], v[2], v[3], v[4], v[5]) -
	       sign * (oh * 3600LL + om * 60);
	*nsec = ns;
	return 0;
}
