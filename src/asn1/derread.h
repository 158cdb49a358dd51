/*
 * The one DER reader of libkiln: a cursor over a byte range, each read
 * bounds-checked against its end, that never allocates and never writes.
 * A failed read returns -1 and leaves the cursor where it was; callers
 * word their own error.  Private to libkiln.
 */
#ifndef KILN_DERREAD_H
#define KILN_DERREAD_H

#include <stddef.h>

/* A DER cursor; every read is bounds-checked against "end". */
struct rd {
	unsigned char *p, *end;
};

/*
 * Read the next element, which must have tag "tag" (the whole identifier
 * octet, 0x30 for a SEQUENCE): its contents into "inner" (which may be
 * "r" itself, to step inside), "r" moved past it.  0, or -1 if the next
 * element has another tag or a bad or overlong length.
 */
int rd_tag(struct rd *, int, struct rd *);

/*
 * Read the next element whatever its tag: the identifier octet into
 * "*tag", its contents into "inner" and, unless "whole" is NULL, the
 * whole element (tag, length, contents) into "whole".  0, or -1 at the
 * end or for a bad or overlong length.
 */
int rd_any(struct rd *, int *, struct rd *, struct rd *);

/*
 * Read a BOOLEAN (any non-zero octet is true) into "*val" as 0 or 1, or
 * an INTEGER that fits an int into "*val".  0, or -1 if the next element
 * is not one (the cursor is then where it was).
 */
int rd_bool(struct rd *, int *);
int rd_int(struct rd *, int *);

/* Whether the next element has tag "tag" (0 at the end). */
int rd_peek(const struct rd *, int);

/* The number of bytes left in "r". */
size_t rd_len(const struct rd *);

/*
 * Read an OBJECT IDENTIFIER: its dotted form into "out" of "size" bytes
 * or, if its contents are not a valid encoding, their hex digits (as
 * much as fits).  0, or -1 if the next element is not an OID.
 */
int rd_oid(struct rd *, char *, size_t);

/* rd_oid's text for OID contents "oid" (the element's contents). */
void rd_oid_text(const struct rd *, char *, size_t);

/*
 * The dotted text of "len" bytes of OID contents, into "out"; 1, or 0 if
 * they are not a valid encoding or "out" is too small.
 */
int rd_oid_dotted(const unsigned char *, size_t, char *, size_t);

/* Whether two elements have the same bytes. */
int rd_equal(const struct rd *, const struct rd *);

#endif /* KILN_DERREAD_H */
