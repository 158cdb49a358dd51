/*
 * Owned strings and string lists, for the parsers that copy what they
 * keep out of a cJSON tree.  Private to libkiln.
 */
#ifndef KILN_STRS_H
#define KILN_STRS_H

#include <stddef.h>

#include "kiln/err.h"

/* Replace "*out" with a copy of "s" (NULL: none).  0 or -1 (ENOMEM). */
int kiln_str_set(char **, const char *, struct kiln_err *);

/*
 * Replace the "*n_out" strings at "*out" with copies of the "n" strings
 * "in".  On failure "*n_out" counts the copies made, so the owner's free
 * releases them.  0 or -1 (ENOMEM).
 */
int kiln_strs_set(
    char ***, size_t *, const char *const *, size_t, struct kiln_err *);

/* Append a copy of "s" to the "*n" strings of "*v".  0 or -1 (ENOMEM). */
int kiln_strs_push(char ***, size_t *, const char *, struct kiln_err *);

/* Free "n" strings and their array.  NULL is allowed. */
void kiln_strs_free(char **, size_t);

/*
 * The length of the valid UTF-8 sequence at "s" (at most "n" bytes, n > 0)
 * with its code point in "*c", or 0 if the bytes there are not valid
 * UTF-8 (overlong forms and surrogates included).
 */
size_t kiln_utf8_next(const unsigned char *, size_t, unsigned long *);

/*
 * Whether the "n" bytes at "s" are valid UTF-8 throughout, as
 * kiln_utf8_next reads it (no overlong forms, surrogates, code points
 * above U+10FFFF or truncated sequences).  NUL bytes count as valid.
 */
int kiln_utf8_valid(const unsigned char *, size_t);

/*
 * Whether code point "c" is one no text for people shows as it is: the
 * C0 controls, DEL, the C1 controls (U+0080 to U+009F), the
 * bidirectional controls (U+061C, U+200E, U+200F, U+202A to U+202E,
 * U+2066 to U+2069) and the separators U+2028 and U+2029.  The escapers
 * of kiln/esc.h and kiln_buf_append_json_log write them escaped.
 */
int kiln_utf8_hidden(unsigned long);

/*
 * "AB:CD:..." with two upper-case digits per byte of the "n" bytes at "p",
 * as cfssl >= 1.3 prints key ids, into "out" ("size" bytes, always
 * NUL-terminated; bytes that do not fit are left out).  Cannot fail.
 */
void kiln_hex_colon(const unsigned char *, size_t, char *, size_t);

#endif /* KILN_STRS_H */
