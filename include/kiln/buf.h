/*
 * A growable byte buffer.  Buffers carry PEM, DER and file contents,
 * including private keys, so kiln_buf_free() wipes the whole capacity and
 * growing never leaves an unwiped copy behind.
 */
#ifndef KILN_BUF_H
#define KILN_BUF_H

#include <stddef.h>

#include "kiln/err.h"

struct kiln_buf {
	unsigned char *p;
	size_t len; /* bytes in use */
	size_t cap; /* bytes allocated */
};

/* Make "buf" empty.  Cannot fail. */
void kiln_buf_init(struct kiln_buf *);

/* Wipe and release "buf", leaving it empty.  Safe on an empty buffer. */
void kiln_buf_free(struct kiln_buf *);

/*
 * Make room for at least "n" more bytes, moving the contents to a new
 * allocation and wiping the old one.  Returns 0 or -1 (KILN_ENOMEM).
 */
int kiln_buf_reserve(struct kiln_buf *, size_t, struct kiln_err *);

/* Append "n" bytes.  Returns 0 or -1 (KILN_ENOMEM). */
int kiln_buf_append(struct kiln_buf *, const void *, size_t, struct kiln_err *);

/*
 * Keep a NUL byte after the contents, not counted in len, so that the
 * buffer can be used as a C string.  Returns 0 or -1 (KILN_ENOMEM).
 */
int kiln_buf_terminate(struct kiln_buf *, struct kiln_err *);

/*
 * Append printf-formatted text (not NUL-terminated: see
 * kiln_buf_terminate).  Returns 0 or -1 (KILN_ENOMEM).
 */
int kiln_buf_printf(struct kiln_buf *, struct kiln_err *, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Append the "n" bytes of "s" as a JSON string, escaped as Go's
 * encoding/json does (which is what cfssl prints): <, > and & as \u003c,
 * \u003e and \u0026, U+2028 and U+2029 escaped, invalid UTF-8 as \ufffd.
 * Returns 0 or -1 (KILN_ENOMEM).
 */
int kiln_buf_append_json(
    struct kiln_buf *, const char *, size_t, struct kiln_err *);

/*
 * As kiln_buf_append_json, for JSON a person reads in a terminal (kiln
 * serve's audit line): DEL, the C1 controls U+0080 to U+009F and the
 * bidirectional controls are escaped too, as \u007f, \u009b, \u202e,
 * so that no byte of the text can drive the terminal or reorder a line
 * (Go leaves them raw).  The string decoded is the same.  Returns 0 or
 * -1 (KILN_ENOMEM).
 */
int kiln_buf_append_json_log(
    struct kiln_buf *, const char *, size_t, struct kiln_err *);

#endif /* KILN_BUF_H */
