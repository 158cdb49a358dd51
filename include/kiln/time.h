/*
 * Points in time as kiln reads and writes them: seconds since
 * 1970-01-01T00:00:00Z (no leap seconds, as POSIX), always in UTC, never
 * through the C library's time zone or locale.  The calendar arithmetic
 * behind them is src/core/civil.c's; durations are kiln/duration.h's.
 */
#ifndef KILN_TIME_H
#define KILN_TIME_H

#include <stddef.h>

/*
 * Write "t" into "out" ("size" bytes, always NUL-terminated when "size"
 * > 0, cut if too small) as RFC 3339 in UTC, as Go marshals a time.Time:
 * "2026-11-24T06:47:00Z".  Years are written with at least four digits.
 * Cannot fail.
 */
void kiln_rfc3339(long long, char *, size_t);

/* As kiln_rfc3339, the date only: "2026-11-24".  Cannot fail. */
void kiln_rfc3339_date(long long, char *, size_t);

/*
 * As kiln_rfc3339 in ISO 8601's basic form, for names of files:
 * "20261207T091500Z" (kiln renew -backup's stamp, which
 * kiln_walk_is_backup knows).  Cannot fail.
 */
void kiln_time_stamp(long long, char *, size_t);

/*
 * As kiln_rfc3339 for a sentence: "2026-12-07 09:15:00 UTC".  Cannot
 * fail.
 */
void kiln_time_words(long long, char *, size_t);

/*
 * Read an RFC 3339 time as Go's time.Time.UnmarshalJSON reads it:
 * YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM), every field
 * range-checked (February 29 only in a leap year; no leap second), 'T'
 * and 'Z' upper case, nothing after it.  Returns 0 with the seconds since
 * the epoch in "*sec" and the fraction in nanoseconds (its first nine
 * digits) in "*nsec", or -1 (nothing written) when "s" is not one.
 */
int kiln_rfc3339_parse(const char *, long long *, long *);

#endif /* KILN_TIME_H */
