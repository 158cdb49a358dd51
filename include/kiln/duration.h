/*
 * Durations as Go's time.ParseDuration reads them (cfssl's expiry and
 * backdate), plus kiln's "d" (24h) and "y" (8760h).  Values are int64
 * nanoseconds, like Go's time.Duration.
 */
#ifndef KILN_DURATION_H
#define KILN_DURATION_H

#include <stddef.h>
#include <stdint.h>

#include "kiln/err.h"

#define KILN_NS_SECOND ((int64_t)1000000000)
#define KILN_NS_MINUTE (60 * KILN_NS_SECOND)
#define KILN_NS_HOUR (60 * KILN_NS_MINUTE)
#define KILN_NS_DAY (24 * KILN_NS_HOUR)
#define KILN_NS_YEAR (8760 * KILN_NS_HOUR)

/*
 * Parse "s": an optional sign, then one or more <number><unit> with
 * decimal fractions allowed (Go's grammar), units ns, us, µs, μs, ms, s,
 * m, h, d, y; or "0".  Returns 0, or -1 with KILN_EINVAL and one of
 *   invalid duration "s"
 *   missing unit in duration "s"
 *   unknown unit "u" in duration "s"
 *   duration "s" is out of range
 */
int kiln_duration_parse(const char *, int64_t *, struct kiln_err *);

/*
 * Write Go's Duration.String() of "d" ("87600h0m0s", "1.5s", "0s") into
 * "buf" of "size" bytes (32 is always enough).  Returns the length.
 */
size_t kiln_duration_format(int64_t, char *, size_t);

/*
 * Checked arithmetic on times and durations: certificates carry dates up
 * to the year 9999, whose distance from now in nanoseconds does not fit
 * an int64 (which holds about 292 years).  Each stores its result in
 * "*out" and returns 0, or returns -1 and leaves "*out" alone when the
 * exact result does not fit an int64.
 */

/* "sec" seconds as nanoseconds. */
int kiln_duration_from_seconds(int64_t, int64_t *);

/* a + b. */
int kiln_duration_add(int64_t, int64_t, int64_t *);

/* a - b. */
int kiln_duration_sub(int64_t, int64_t, int64_t *);

#endif /* KILN_DURATION_H */
