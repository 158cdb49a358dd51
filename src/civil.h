/*
 * Calendar arithmetic in UTC without timegm (not POSIX) or the time zone:
 * the proleptic Gregorian calendar, days counted from 1970-01-01.
 */
#ifndef KILN_CIVIL_H
#define KILN_CIVIL_H

/* Days since 1970-01-01 of year "y", month "m" (1-12), day "d". */
long long kiln_days_from_civil(long long y, int m, int d);

/* The date of day "days" since 1970-01-01. */
void kiln_civil_from_days(long long days, long long *y, int *m, int *d);

/* The value of "n" decimal digits at "s", or -1 if one is not a digit. */
int kiln_digits(const char *s, int n);

#endif /* KILN_CIVIL_H */
