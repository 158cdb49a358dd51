/*
 * PEM armour: written as Go's pem.EncodeToMemory writes it (64-column
 * base64, "\n" line ends, a final "\n"), and found in text the one way
 * kiln check, kiln-certinfo and kiln verify all read it.
 */
#ifndef KILN_PEM_H
#define KILN_PEM_H

#include <stddef.h>

#include "kiln/buf.h"
#include "kiln/err.h"

/*
 * Append the base64 of the "len" bytes at "in" (standard alphabet, "="
 * padding, no line breaks) to "out".  mbedTLS's constant-time encoder
 * does the work, so key bytes may pass through; "out" may grow, and no
 * copy is left outside it.  Returns 0, or -1 with "err" filled
 * (KILN_ENOMEM).
 */
int kiln_base64_append(
    struct kiln_buf *, const unsigned char *, size_t, struct kiln_err *);

/*
 * Decode the "len" bytes of base64 at "s" into "out" (replacing its
 * contents): whole quadruples, "=" only at the very end, and spaces, tabs
 * and line ends anywhere (an indented PEM body, CRLF lines).  Returns 0;
 * -1 with "err" filled (KILN_ENOMEM); or 1, "err" untouched, for
 * anything else (no digits, a bad character, PEM headers), which the
 * caller judges and words an error for.  Not constant-time: for public
 * data (certificates, CSRs) only.
 */
int kiln_base64_decode(
    const unsigned char *, size_t, struct kiln_buf *, struct kiln_err *);

/* Append DER "der" as a PEM block labelled "label" to "out". */
int kiln_pem_write(struct kiln_buf *, const char *, const unsigned char *,
    size_t, struct kiln_err *);

/* Number of "-----BEGIN " lines in NUL-terminated text "s". */
size_t kiln_pem_count(const char *);

/*
 * Where a PEM block lies in a text, as offsets into it.  A block starts
 * with "-----BEGIN LABEL-----" anywhere on a line (after a UTF-8 byte
 * order mark, other text or indentation, as mbedTLS and OpenSSL's
 * readers also take it), followed by spaces or tabs at most and a line
 * end ("\n" or "\r\n"); its body runs to the next "-----END LABEL-----",
 * which ends it with that line.  A BEGIN that is not followed by a line
 * end (a PEM string inside JSON, "\n" escaped) starts no block.
 */
struct kiln_pem_block {
	char label[64]; /* "CERTIFICATE" */
	size_t begin;   /* the "-----BEGIN " */
	size_t body;    /* the line after the BEGIN line */
	size_t body_len;
	size_t end; /* just past the END line and its line end */
};

/*
 * The label of kiln_pem_next for any private key: "RSA PRIVATE KEY",
 * "EC PRIVATE KEY", "PRIVATE KEY", "ENCRYPTED PRIVATE KEY" (a label
 * starting with "*" matches every label ending in the rest).
 */
#define KILN_PEM_KEY "*PRIVATE KEY"

/*
 * Find the next block labelled "label" (NULL: any label) in the
 * NUL-terminated "text", from offset "*pos".  Returns 1 with "blk" filled
 * and "*pos" moved past the block; 0 if there is none; -1 with "err"
 * filled (KILN_EINVAL) for a BEGIN line with no END line after it:
 * "truncated PEM: no "-----END LABEL-----" line" (blk->label is set).
 */
int kiln_pem_next(const char *, size_t *, const char *, struct kiln_pem_block *,
    struct kiln_err *);

#endif /* KILN_PEM_H */
