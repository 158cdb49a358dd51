/*
 * The calendar arithmetic every time in kiln goes through (src/core/civil.c):
 * dates and times to seconds since the epoch and back, at the edges of
 * the range certificates use; and times written and read as RFC 3339
 * (kiln/time.h).
 */
#include <string.h>

#include <criterion/criterion.h>

#include "core/civil.h"
#include "kiln/time.h"

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

Test(civil, rfc3339_writes_utc_at_the_edges)
{
	static const struct {
		long long t;
		const char *want;
	} v[] = {
	    {0, "1970-01-01T00:00:00Z"},
	    {-1, "1969-12-31T23:59:59Z"},
	    {951825600, "2000-02-29T12:00:00Z"},
	    {2147483648LL, "2038-01-19T03:14:08Z"},
	    {-631152000LL, "1950-01-01T00:00:00Z"},
	    {253402300799LL, "9999-12-31T23:59:59Z"},
	};
	char out[32];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		kiln_rfc3339(v[i].t, out, sizeof(out));
		cr_expect_str_eq(out, v[i].want, "%lld", v[i].t);
	}
	/* Cut to the room given, NUL-terminated. */
	kiln_rfc3339(0, out, 11);
	cr_assert_str_eq(out, "1970-01-01");
}

Test(civil, rfc3339_date_is_the_day_in_utc)
{
	char out[16];

	kiln_rfc3339_date(951825600, out, sizeof(out));
	cr_assert_str_eq(out, "2000-02-29");
	kiln_rfc3339_date(-1, out, sizeof(out));
	cr_assert_str_eq(out, "1969-12-31");
	kiln_rfc3339_date(253402300799LL, out, sizeof(out));
	cr_assert_str_eq(out, "9999-12-31");
}

Test(civil, stamp_and_words_are_rfc3339_respelled)
{
	char out[32];

	kiln_time_stamp(1765098900, out, sizeof(out));
	cr_assert_str_eq(out, "20251207T091500Z");
	kiln_time_stamp(-631152000LL, out, sizeof(out));
	cr_assert_str_eq(out, "19500101T000000Z");
	kiln_time_words(1765098900, out, sizeof(out));
	cr_assert_str_eq(out, "2025-12-07 09:15:00 UTC");
	kiln_time_words(253402300799LL, out, sizeof(out));
	cr_assert_str_eq(out, "9999-12-31 23:59:59 UTC");
	kiln_time_words(0, out, 11);
	cr_assert_str_eq(out, "1970-01-01");
}

Test(civil, rfc3339_parse_reads_go_times)
{
	static const struct {
		const char *in;
		long long sec;
		long nsec;
	} ok[] = {
	    {"2026-01-02T03:04:05Z", 1767323045, 0},
	    {"2026-01-02T03:04:05+01:30", 1767323045 - 5400, 0},
	    {"2026-01-02T03:04:05-00:00", 1767323045, 0},
	    {"2026-01-02T03:04:05.5Z", 1767323045, 500000000},
	    /* Digits past the ninth are read and dropped, as Go does. */
	    {"2026-01-02T03:04:05.1234567891Z", 1767323045, 123456789},
	    {"2024-02-29T00:00:00Z", 1709164800, 0},
	    {"1970-01-01T00:00:00Z", 0, 0},
	    {"9999-12-31T23:59:59Z", 253402300799LL, 0},
	};
	static const char *const bad[] = {
	    "",
	    "2026-01-02T03:04:05",
	    "2026-01-02t03:04:05Z",
	    "2026-01-02 03:04:05Z",
	    "2026-01-02T03:04:05z",
	    "2025-02-29T00:00:00Z",
	    "2026-04-31T00:00:00Z",
	    "2026-00-10T00:00:00Z",
	    "2026-13-10T00:00:00Z",
	    "2026-01-00T00:00:00Z",
	    "2026-01-32T00:00:00Z",
	    "2026-01-02T24:00:00Z",
	    "2026-01-02T03:60:00Z",
	    "2026-01-02T03:04:60Z",
	    "2026-01-02T03:04:05.Z",
	    "2026-01-02T03:04:05+0100",
	    "2026-01-02T03:04:05+24:00",
	    "2026-01-02T03:04:05+01:60",
	    "2026-01-02T03:04:05Zx",
	    "+026-01-02T03:04:05Z",
	    "2026/01/02T03:04:05Z",
	    "2026-1-02T03:04:05Z",
	};
	long long sec;
	long nsec;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		cr_expect_eq(kiln_rfc3339_parse(ok[i].in, &sec, &nsec), 0, "%s",
		    ok[i].in);
		cr_expect_eq(sec, ok[i].sec, "%s: %lld", ok[i].in, sec);
		cr_expect_eq(nsec, ok[i].nsec, "%s: %ld", ok[i].in, nsec);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sec = 42;
		nsec = 7;
		cr_expect_eq(
		    kiln_rfc3339_parse(bad[i], &sec, &nsec), -1, "%s", bad[i]);
		cr_expect(sec == 42 && nsec == 7, "%s: written", bad[i]);
	}
}
