/*
 * What kiln check's renderers share: the table (checktable.c, which holds
 * these), the JSON (checkjson.c) and the HTML page (checkhtml.c).  Private
 * to libkiln.
 */
#ifndef KILN_CHECKRENDER_H
#define KILN_CHECKRENDER_H

#include <stddef.h>

#include "kiln/buf.h"
#include "kiln/check.h"
#include "kiln/err.h"

/*
 * Append the name of entry "i" of "c" to "out": its path, or "path#2" for
 * the second certificate of a file that holds several.  Entry "i" is
 * judged with its neighbour in the order kiln_check_path found them, so
 * "i" indexes c->entries, not a sorted copy.  0, or -1 out of memory.
 */
int kiln_check_entry_name(
    const struct kiln_check *, size_t, struct kiln_buf *, struct kiln_err *);

/* "364d 23h", "5h 3m", "-2d 1h": "secs" roughly, in its two largest units. */
void kiln_check_time_left(long long, char *, size_t);

#endif /* KILN_CHECKRENDER_H */
