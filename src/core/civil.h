/*
 * Calendar arithmetic in UTC without timegm (not POSIX) or the time zone:
 * the proleptic Gregorian calendar, days counted from 1970-01-01.
 */
#ifndef KILN_CIVIL_H
#define KILN_CIVIL_H

#include <mbedtls/x509.h>

/* Seconds in a day of UTC (kiln counts no leap seconds, as POSIX). */
#define KILN_DAY_SECONDS 86400LL

/* Days since 1970-01-01 of year "y", month "m" (1-12), day "d". */
long long kiln_days_from_civil(long long y, int m, int d);

/*
 * Seconds since 1970-01-01T00:00:00Z of the given UTC date and time; the
 * fields are not checked (a caller validates them), "s" may be 60.
 */
long long kiln_civil_seconds(long long y, int m, int d, int h, int mi, int s);

/* An mbedTLS certificate time (UTC) as seconds since the epoch. */
long long kiln_x509_time_seconds(const mbedtls_x509_time *);

/* The date of day "days" since 1970-01-01. */
void kiln_civil_from_days(long long days, long long *y, int *m, int *d);

/* The value of "n" decimal digits at "s", or -1 if one is not a digit. */
int kiln_digits(const char *s, int n);

#endif /* KILN_CIVIL_H */
