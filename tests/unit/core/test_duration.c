#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kiln/duration.h"

TestSuite(duration);

#define NS ((int64_t)1)
#define US (1000 * NS)
#define MS (1000 * US)
#define S KILN_NS_SECOND
#define M KILN_NS_MINUTE
#define H KILN_NS_HOUR

struct valid {
	const char *in;
	int64_t want;
};

struct invalid {
	const char *in;
	const char *msg;
};

/* Every input of "t" fails with exactly its message. */
static void
expect_invalid(const struct invalid *t, size_t n)
{
	struct kiln_err err;
	int64_t d;
	size_t i;

	for (i = 0; i < n; i++) {
		kiln_err_clear(&err);
		cr_assert_eq(
		    kiln_duration_parse(t[i].in, &d, &err), -1, "%s", t[i].in);
		cr_expect_str_eq(err.msg, t[i].msg);
	}
}

/* clang-format off */
/* Go's parseDurationTests (src/time/time_test.go), in Go's order. */
static const struct valid go_valid[] = {
	/* simple */
	{ "0", 0 },
	{ "5s", 5 * S },
	{ "30s", 30 * S },
	{ "1478s", 1478 * S },
	/* sign */
	{ "-5s", -5 * S },
	{ "+5s", 5 * S },
	{ "-0", 0 },
	{ "+0", 0 },
	/* decimal */
	{ "5.0s", 5 * S },
	{ "5.6s", 5 * S + 600 * MS },
	{ "5.s", 5 * S },
	{ ".5s", 500 * MS },
	{ "1.0s", 1 * S },
	{ "1.00s", 1 * S },
	{ "1.004s", 1 * S + 4 * MS },
	{ "1.0040s", 1 * S + 4 * MS },
	{ "100.00100s", 100 * S + 1 * MS },
	/* different units */
	{ "10ns", 10 * NS },
	{ "11us", 11 * US },
	{ "12\xc2\xb5s", 12 * US },	/* U+00B5 */
	{ "12\xce\xbcs", 12 * US },	/* U+03BC */
	{ "13ms", 13 * MS },
	{ "14s", 14 * S },
	{ "15m", 15 * M },
	{ "16h", 16 * H },
	/* composite durations */
	{ "3h30m", 3 * H + 30 * M },
	{ "10.5s4m", 4 * M + 10 * S + 500 * MS },
	{ "-2m3.4s", -(2 * M + 3 * S + 400 * MS) },
	{ "1h2m3s4ms5us6ns", 1 * H + 2 * M + 3 * S + 4 * MS + 5 * US + 6 * NS },
	{ "39h9m14.425s", 39 * H + 9 * M + 14 * S + 425 * MS },
	/* large value */
	{ "52763797000ns", 52763797000 * NS },
	/* more than 9 digits after decimal point, golang.org/issue/6617 */
	{ "0.3333333333333333333h", 20 * M },
	/* 9007199254740993 = 1<<53+1 cannot be stored precisely in a float64 */
	{ "9007199254740993ns", ((int64_t)1 << 53) + 1 },
	/* largest duration that can be represented by int64 in nanoseconds */
	{ "9223372036854775807ns", INT64_MAX },
	{ "9223372036854775.807us", INT64_MAX },
	{ "9223372036s854ms775us807ns", INT64_MAX },
	{ "-9223372036854775808ns", INT64_MIN },
	{ "-9223372036854775.808us", INT64_MIN },
	{ "-9223372036s854ms775us808ns", INT64_MIN },
	/* largest negative round trip value, golang.org/issue/48629 */
	{ "-2562047h47m16.854775808s", INT64_MIN },
	/* huge string; issue 15011 */
	{ "0.100000000000000000000h", 6 * M },
	/* the first overflow check in leadingFraction */
	{ "0.830103483285477580700h", 49 * M + 48 * S + 372539827 * NS },
};

/*
 * Go's parseDurationErrorTests with kiln's full messages.  Go says
 * "time: invalid duration" for overflow; kiln says "out of range".
 */
static const struct invalid go_invalid[] = {
	{ "", "invalid duration \"\"" },
	{ "3", "missing unit in duration \"3\"" },
	{ "-", "invalid duration \"-\"" },
	{ "s", "invalid duration \"s\"" },
	{ ".", "invalid duration \".\"" },
	{ "-.", "invalid duration \"-.\"" },
	{ ".s", "invalid duration \".s\"" },
	{ "+.s", "invalid duration \"+.s\"" },
	{ "\x85\x85", "invalid duration \"\\x85\\x85\"" },
	{ "\xff" "ff", "invalid duration \"\\xffff\"" },
	{ "hello \xff" "ff world", "invalid duration \"hello \\xffff world\"" },
	{ "\xef\xbf\xbd", "invalid duration \"\\xef\\xbf\\xbd\"" },
	{ "\xef\xbf\xbd hello \xef\xbf\xbd world",
	  "invalid duration \"\\xef\\xbf\\xbd hello \\xef\\xbf\\xbd world\"" },
	/* overflow */
	{ "9223372036854775810ns",
	  "duration \"9223372036854775810ns\" is out of range" },
	{ "9223372036854775808ns",
	  "duration \"9223372036854775808ns\" is out of range" },
	{ "-9223372036854775809ns",
	  "duration \"-9223372036854775809ns\" is out of range" },
	{ "9223372036854776us",
	  "duration \"9223372036854776us\" is out of range" },
	{ "3000000h", "duration \"3000000h\" is out of range" },
	{ "9223372036854775.808us",
	  "duration \"9223372036854775.808us\" is out of range" },
	{ "9223372036854ms775us808ns",
	  "duration \"9223372036854ms775us808ns\" is out of range" },
};

/* Go's durationTests for Duration.String(). */
static const struct valid go_strings[] = {
	{ "0s", 0 },
	{ "1ns", 1 * NS },
	{ "1.1\xc2\xb5s", 1100 * NS },
	{ "2.2ms", 2200 * US },
	{ "3.3s", 3300 * MS },
	{ "4m5s", 4 * M + 5 * S },
	{ "4m5.001s", 4 * M + 5001 * MS },
	{ "5h6m7.001s", 5 * H + 6 * M + 7001 * MS },
	{ "8m0.000000001s", 8 * M + 1 * NS },
	{ "2562047h47m16.854775807s", INT64_MAX },
	{ "-2562047h47m16.854775808s", INT64_MIN },
};
/* clang-format on */

#define N(a) (sizeof(a) / sizeof((a)[0]))

Test(duration, parses_go_test_vectors)
{
	struct kiln_err err = {0};
	int64_t d;
	size_t i;

	for (i = 0; i < N(go_valid); i++) {
		d = 42;
		cr_assert_eq(kiln_duration_parse(go_valid[i].in, &d, &err), 0,
		    "%s: %s", go_valid[i].in, err.msg);
		cr_expect_eq(d, go_valid[i].want, "%s: got %lld, want %lld",
		    go_valid[i].in, (long long)d, (long long)go_valid[i].want);
	}
}

Test(duration, rejects_go_test_vectors_with_exact_messages)
{
	struct kiln_err err;
	int64_t d;
	size_t i;

	for (i = 0; i < N(go_invalid); i++) {
		kiln_err_clear(&err);
		d = 42;
		cr_assert_eq(kiln_duration_parse(go_invalid[i].in, &d, &err),
		    -1, "%s parsed", go_invalid[i].in);
		cr_expect_eq(err.code, KILN_EINVAL);
		cr_expect_str_eq(err.msg, go_invalid[i].msg);
		cr_expect_eq(d, 42, "output changed on error");
	}
}

Test(duration, accepts_kiln_day_and_year_units)
{
	/* clang-format off */
	static const struct valid t[] = {
		{ "1d", 24 * H },
		{ "1y", 8760 * H },
		{ "10y", 87600 * H },
		{ "1y1d1h", 8760 * H + 24 * H + H },
		{ "1.5d", 36 * H },
		{ ".5y", 4380 * H },
		{ "-2d", -48 * H },
		{ "1d12h", 36 * H },
		/* the largest whole number of years and days */
		{ "292y", 292 * KILN_NS_YEAR },
		{ "106751d", 106751 * KILN_NS_DAY },
	};
	/* clang-format on */
	struct kiln_err err = {0};
	int64_t d;
	size_t i;

	for (i = 0; i < N(t); i++) {
		cr_assert_eq(kiln_duration_parse(t[i].in, &d, &err), 0,
		    "%s: %s", t[i].in, err.msg);
		cr_expect_eq(
		    d, t[i].want, "%s: got %lld", t[i].in, (long long)d);
	}
}

Test(duration, rejects_too_many_years_and_days)
{
	struct kiln_err err = {0};
	int64_t d;

	cr_assert_eq(kiln_duration_parse("293y", &d, &err), -1);
	cr_assert_eq(err.code, KILN_EINVAL);
	cr_assert_str_eq(err.msg, "duration \"293y\" is out of range");
	kiln_err_clear(&err);
	cr_assert_eq(kiln_duration_parse("106752d", &d, &err), -1);
	cr_assert_str_eq(err.msg, "duration \"106752d\" is out of range");
}

Test(duration, names_an_unknown_unit)
{
	/* clang-format off */
	static const struct invalid t[] = {
		{ "1w", "unknown unit \"w\" in duration \"1w\"" },
		{ "1D", "unknown unit \"D\" in duration \"1D\"" },
		{ "1H", "unknown unit \"H\" in duration \"1H\"" },
		{ "1hx", "unknown unit \"hx\" in duration \"1hx\"" },
		{ "2 h", "unknown unit \" h\" in duration \"2 h\"" },
		{ "1h-2m", "unknown unit \"h-\" in duration \"1h-2m\"" },
		{ "1sec", "unknown unit \"sec\" in duration \"1sec\"" },
		{ "5\xc2\xb5", "unknown unit \"\\xc2\\xb5\" in duration "
		    "\"5\\xc2\\xb5\"" },
		{ "1\"", "unknown unit \"\\\"\" in duration \"1\\\"\"" },
	};
	/* clang-format on */
	struct kiln_err err;
	int64_t d;
	size_t i;

	for (i = 0; i < N(t); i++) {
		kiln_err_clear(&err);
		cr_assert_eq(
		    kiln_duration_parse(t[i].in, &d, &err), -1, "%s", t[i].in);
		cr_expect_eq(err.code, KILN_EINVAL);
		cr_expect_str_eq(err.msg, t[i].msg);
	}
}

Test(duration, requires_a_unit_after_every_number)
{
	/* clang-format off */
	static const struct invalid t[] = {
		{ "10", "missing unit in duration \"10\"" },
		{ "1h30", "missing unit in duration \"1h30\"" },
		{ "1.5", "missing unit in duration \"1.5\"" },
		{ "00", "missing unit in duration \"00\"" },
		{ "-10", "missing unit in duration \"-10\"" },
		{ "1..5s", "missing unit in duration \"1..5s\"" },
	};
	/* clang-format on */
	expect_invalid(t, N(t));
}

Test(duration, rejects_misplaced_signs_and_spaces)
{
	/* clang-format off */
	static const struct invalid t[] = {
		{ "+-5s", "invalid duration \"+-5s\"" },
		{ "--5s", "invalid duration \"--5s\"" },
		{ " 5s", "invalid duration \" 5s\"" },
		{ "h", "invalid duration \"h\"" },
		{ "x", "invalid duration \"x\"" },
		{ "0x10s", "unknown unit \"x\" in duration \"0x10s\"" },
		{ "1h.m", "invalid duration \"1h.m\"" },
		{ "\t", "invalid duration \"\\x09\"" },
		{ "5s\n", "unknown unit \"s\\x0a\" in duration \"5s\\x0a\"" },
	};
	/* clang-format on */
	expect_invalid(t, N(t));
}

Test(duration, accepts_fractions_without_digits_on_one_side)
{
	struct kiln_err err = {0};
	int64_t d;

	cr_assert_eq(kiln_duration_parse(".5h", &d, &err), 0);
	cr_assert_eq(d, 30 * M);
	cr_assert_eq(kiln_duration_parse("1.h", &d, &err), 0);
	cr_assert_eq(d, H);
	cr_assert_eq(kiln_duration_parse("0h", &d, &err), 0);
	cr_assert_eq(d, 0);
	cr_assert_eq(kiln_duration_parse("-0s", &d, &err), 0);
	cr_assert_eq(d, 0);
}

Test(duration, truncates_fractions_below_a_nanosecond_as_go)
{
	struct kiln_err err = {0};
	int64_t d;

	/* Go truncates what is left below 1ns, it never rounds up */
	cr_assert_eq(kiln_duration_parse("1.9999999999ns", &d, &err), 0);
	cr_assert_eq(d, 1);
	cr_assert_eq(kiln_duration_parse("0.0000000009s", &d, &err), 0);
	cr_assert_eq(d, 0);
	cr_assert_eq(kiln_duration_parse("0.1h", &d, &err), 0);
	cr_assert_eq(d, 6 * M);
	cr_assert_eq(kiln_duration_parse("1.000000001s", &d, &err), 0);
	cr_assert_eq(d, S + 1);
	cr_assert_eq(kiln_duration_parse("-1.5ms", &d, &err), 0);
	cr_assert_eq(d, -1500 * US);
}

Test(duration, rejects_a_sum_that_passes_the_range)
{
	struct kiln_err err = {0};
	int64_t d;

	/* Go wraps 2^63 + 2^63 to 0 here and returns 0 without an error. */
	cr_assert_eq(
	    kiln_duration_parse(
	        "9223372036854775808ns9223372036854775808ns", &d, &err),
	    -1);
	cr_assert_str_eq(err.msg,
	    "duration "
	    "\"9223372036854775808ns9223372036854775808ns\""
	    " is out of range");
	kiln_err_clear(&err);
	cr_assert_eq(
	    kiln_duration_parse("2562047h47m16.854775808s", &d, &err), -1);
	cr_assert_str_eq(
	    err.msg, "duration \"2562047h47m16.854775808s\" is out of range");
}

Test(duration, accepts_a_null_err)
{
	int64_t d;

	cr_assert_eq(kiln_duration_parse("10", &d, NULL), -1);
	cr_assert_eq(kiln_duration_parse("10s", &d, NULL), 0);
	cr_assert_eq(d, 10 * S);
}

Test(duration, cuts_a_long_input_in_the_message)
{
	struct kiln_err err = {0};
	char in[2000];
	int64_t d;

	memset(in, 'x', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	cr_assert_eq(kiln_duration_parse(in, &d, &err), -1);
	cr_assert_eq(err.code, KILN_EINVAL);
	cr_assert(strncmp(err.msg, "invalid duration \"xxxx", 22) == 0);
	cr_assert(strlen(err.msg) < sizeof(err.msg));
}

Test(duration, formats_as_go_duration_string)
{
	char buf[32];
	size_t i, n;

	for (i = 0; i < N(go_strings); i++) {
		n = kiln_duration_format(go_strings[i].want, buf, sizeof(buf));
		cr_expect_str_eq(buf, go_strings[i].in);
		cr_expect_eq(n, strlen(go_strings[i].in));
	}
}

Test(duration, formats_cfssl_expiries)
{
	/* clang-format off */
	static const struct valid t[] = {
		{ "87600h0m0s", 87600 * H },
		{ "43800h0m0s", 43800 * H },
		{ "8760h0m0s", 8760 * H },
		{ "1h30m0s", H + 30 * M },
		{ "5m0s", 5 * M },
		{ "1.5s", 1500 * MS },
		{ "500ms", 500 * MS },
		{ "1\xc2\xb5s", US },
		{ "-1\xc2\xb5s", -US },
		{ "-1h0m0s", -H },
		{ "-5ns", -5 },
		{ "59.999999999s", M - 1 },
		{ "1.000001ms", MS + 1 },
	};
	/* clang-format on */
	char buf[32];
	size_t i;

	for (i = 0; i < N(t); i++) {
		kiln_duration_format(t[i].want, buf, sizeof(buf));
		cr_expect_str_eq(buf, t[i].in);
	}
}

Test(duration, format_round_trips_through_parse)
{
	static const int64_t values[] = {0, 1, -1, 999, 1000, 1001, 999999, MS,
	    S - 1, S, M, H, 87600 * H, 8760 * H + 1, KILN_NS_DAY, KILN_NS_YEAR,
	    123456789012345678, INT64_MAX, INT64_MIN, INT64_MIN + 1,
	    -87600 * H};
	struct kiln_err err = {0};
	char buf[32];
	int64_t d;
	size_t i;

	for (i = 0; i < N(values); i++) {
		kiln_duration_format(values[i], buf, sizeof(buf));
		cr_assert_eq(kiln_duration_parse(buf, &d, &err), 0, "%s: %s",
		    buf, err.msg);
		cr_expect_eq(d, values[i], "%s: got %lld, want %lld", buf,
		    (long long)d, (long long)values[i]);
	}
}

Test(duration, format_truncates_like_snprintf)
{
	char buf[5];

	memset(buf, 'z', sizeof(buf));
	cr_assert_eq(kiln_duration_format(87600 * H, buf, sizeof(buf)), 10);
	cr_assert_str_eq(buf, "8760");
	cr_assert_eq(kiln_duration_format(87600 * H, NULL, 0), 10);
	cr_assert_eq(kiln_duration_format(0, buf, 1), 2);
	cr_assert_str_eq(buf, "");
}

Test(duration, longest_format_fits_in_32_bytes)
{
	char buf[32];

	cr_assert_eq(kiln_duration_format(INT64_MIN, buf, sizeof(buf)), 25);
	cr_assert_str_eq(buf, "-2562047h47m16.854775808s");
}

/* 9999-12-31T23:59:59Z, RFC 5280's "no well-defined expiration date". */
#define Y9999 253402300799LL

Test(duration, seconds_to_nanoseconds_is_checked)
{
	int64_t ns = 42;

	cr_assert_eq(kiln_duration_from_seconds(3600, &ns), 0);
	cr_assert_eq(ns, H);
	cr_assert_eq(kiln_duration_from_seconds(-2, &ns), 0);
	cr_assert_eq(ns, -2 * S);
	/* The largest whole number of seconds that fits, and one more. */
	cr_assert_eq(kiln_duration_from_seconds(INT64_MAX / S, &ns), 0);
	cr_assert_eq(ns, INT64_MAX / S * S);
	ns = 42;
	cr_assert_eq(kiln_duration_from_seconds(INT64_MAX / S + 1, &ns), -1);
	cr_assert_eq(ns, 42, "a failed conversion wrote its result");
	cr_assert_eq(kiln_duration_from_seconds(INT64_MIN / S - 1, &ns), -1);
	/* A certificate valid from 1970 to 9999. */
	cr_assert_eq(kiln_duration_from_seconds(Y9999 - 0, &ns), -1);
}

Test(duration, add_and_sub_are_checked)
{
	int64_t r = 42;

	cr_assert_eq(kiln_duration_add(H, -M, &r), 0);
	cr_assert_eq(r, 59 * M);
	cr_assert_eq(kiln_duration_sub(Y9999, 1700000000, &r), 0);
	cr_assert_eq(r, Y9999 - 1700000000);
	cr_assert_eq(kiln_duration_add(INT64_MAX, 0, &r), 0);
	cr_assert_eq(r, INT64_MAX);
	r = 42;
	cr_assert_eq(kiln_duration_add(INT64_MAX, 1, &r), -1);
	cr_assert_eq(kiln_duration_add(INT64_MIN, -1, &r), -1);
	cr_assert_eq(kiln_duration_sub(INT64_MIN, 1, &r), -1);
	cr_assert_eq(kiln_duration_sub(0, INT64_MIN, &r), -1);
	cr_assert_eq(r, 42, "a failed operation wrote its result");
	cr_assert_eq(kiln_duration_sub(-1, INT64_MIN, &r), 0);
	cr_assert_eq(r, INT64_MAX);
}
