#include "core/civil.h"

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
