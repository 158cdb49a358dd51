/*
 * The calendar arithmetic every time in kiln goes through (src/core/civil.c):
 * dates and times to seconds since the epoch and back, at the edges of
 * the range certificates use.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "core/civil.h"

TestSuite(civil);

Test(civil, seconds_at_known_instants)
{
	cr_assert_eq(kiln_civil_seconds(1970, 1, 1, 0, 0, 0), 0LL);
	cr_assert_eq(kiln_civil_seconds(2000, 2, 29, 12, 0, 0), 951825600LL);
	cr_assert_eq(kiln_civil_seconds(2038, 1, 19, 3, 14, 8), 2147483648LL);
	/* GeneralizedTime's last second, as RFC 5280's "no expiry". */
	cr_assert_eq(
	    kiln_civil_seconds(9999, 12, 31, 23, 59, 59), 253402300799LL);
	/* UTCTime's first year, before the epoch. */
	cr_assert_eq(kiln_civil_seconds(1950, 1, 1, 0, 0, 0), -631152000LL);
	/* A leap second is counted as the next second, as X.509 allows. */
	cr_assert_eq(kiln_civil_seconds(2016, 12, 31, 23, 59, 60),
	    kiln_civil_seconds(2017, 1, 1, 0, 0, 0));
}

Test(civil, x509_time_matches_civil)
{
	mbedtls_x509_time t;

	memset(&t, 0, sizeof(t));
	t.year = 9999, t.mon = 12, t.day = 31;
	t.hour = 23, t.min = 59, t.sec = 59;
	cr_assert_eq(kiln_x509_time_seconds(&t), 253402300799LL);
	t.year = 2024, t.mon = 2, t.day = 29, t.hour = 0, t.min = 0, t.sec = 1;
	cr_assert_eq(kiln_x509_time_seconds(&t), 1709164801LL);
}

Test(civil, days_round_trip)
{
	long long days, y;
	int m, d;

	for (days = -800000; days <= 3000000; days += 997) {
		kiln_civil_from_days(days, &y, &m, &d);
		cr_assert_eq(kiln_days_from_civil(y, m, d), days);
	}
	kiln_civil_from_days(2932896, &y, &m, &d);
	cr_assert(y == 9999 && m == 12 && d == 31);
}
