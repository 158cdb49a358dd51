/*
 * Text for people.  Every string that comes from a certificate, a file or
 * a file name, and that kiln prints for a person to read (tables, text
 * views, sentences, error messages), goes through kiln_esc_append(), so
 * that no byte of it can move the cursor, set a colour or the window
 * title, forge a line, or reorder what the terminal shows.  JSON and HTML
 * have escapers of their own (kiln_buf_append_json, report/checkhtml.c).
 *
 * The escaped form, one character at a time:
 *   - printable ASCII (a backslash too) and valid UTF-8 outside the sets
 *     below: unchanged;
 *   - the C0 controls U+0000 to U+001F and DEL: "\xNN" in lowercase hex
 *     ("\x0a" for a newline, "\x1b" for ESC, "\x7f" for DEL);
 *   - the C1 controls U+0080 to U+009F written as UTF-8, the
 *     bidirectional controls (U+061C, U+200E, U+200F, U+202A to U+202E,
 *     U+2066 to U+2069) and the line and paragraph separators U+2028 and
 *     U+2029: "\uNNNN" in lowercase hex ("\u009b", "\u202e");
 *   - a byte that does not start a valid UTF-8 sequence (a stray
 *     continuation byte, a truncated sequence, an overlong form, a
 *     surrogate, a code point above U+10FFFF): "\xNN", and the next byte
 *     is judged afresh.
 * The result is printable ASCII plus harmless UTF-8, and its display
 * width is what a table must measure.  A backslash is not doubled: error
 * messages already hold Go-style quoting (cfssl's words, "\x85") that
 * must not be escaped twice, so the escapes make controls visible and
 * harmless; they do not make the text reversible.
 */
#ifndef KILN_ESC_H
#define KILN_ESC_H

#include <stddef.h>

#include "kiln/buf.h"
#include "kiln/err.h"

/*
 * Append the "n" bytes of "s" to "out", escaped as above (not
 * NUL-terminated: see kiln_buf_terminate).  Returns 0 or -1 (KILN_ENOMEM).
 */
int kiln_esc_append(struct kiln_buf *, const char *, size_t, struct kiln_err *);

/*
 * The NUL-terminated "s" escaped, as a new string the caller frees, or
 * NULL with "err" filled (KILN_ENOMEM).
 */
char *kiln_esc_dup(const char *, struct kiln_err *);

#endif /* KILN_ESC_H */
