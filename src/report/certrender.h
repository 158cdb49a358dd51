/*
 * What kiln-certinfo's renderers share: render.c (kiln_info_render, the
 * listing, and the names below) calls certjson.c, certtable.c and
 * certtext.c.  Each renderer goes on after a failed append and leaves
 * the first failure in its "err", which must not be NULL.  Private to
 * libkiln.
 */
#ifndef KILN_CERTRENDER_H
#define KILN_CERTRENDER_H

#include <stddef.h>

#include "kiln/buf.h"
#include "kiln/err.h"
#include "kiln/inspect.h"
#include "report/format.h"

/* A subject attribute: its OID, cfssl's JSON key, its short name. */
struct certinfo_dn_name {
	const char *oid, *json, *text;
};

/* The attributes cfssl's Name has, in cfssl's order: "ncfssl" of them. */
extern const struct certinfo_dn_name certinfo_dn_names[];
extern const size_t certinfo_dn_ncfssl;

/* The short name of attribute "oid" ("CN", "emailAddress"), or the OID. */
const char *certinfo_dn_short(const char *);

/* The key usages' names, by bit (digital signature is bit 0): "nku". */
extern const char *const certinfo_ku_names[];
extern const size_t certinfo_nku;

/* The key in words: "ECDSA P-256", "RSA 2048". */
void certinfo_key_text(const struct kiln_info *, char *, size_t);

/*
 * One object as JSON at the writer's depth; with "file" (not NULL),
 * kiln's "file" key last unless KILN_RENDER_CFSSL.  0, or -1.
 */
int certinfo_json_object(struct jw *, const struct kiln_info *, unsigned int,
    long long, const char *);

/* The "n" objects as JSON (an array unless one): 0, or -1. */
int certinfo_json(const struct kiln_info *, size_t, unsigned int, long long,
    struct kiln_buf *, struct kiln_err *);

/* The columns for objects of a kind, after a FILE column if "files". */
void certinfo_table_head(struct kiln_table *, enum kiln_info_kind, int);

/* One row's cells for an object into "row"; the buffer is scratch. */
int certinfo_table_row(const struct kiln_info *, long long, char **,
    struct kiln_buf *, struct kiln_err *);

/* The "n" objects (of one kind) as a table: 0, or -1. */
int certinfo_table(const struct kiln_info *, size_t, long long,
    struct kiln_buf *, struct kiln_err *);

/* One object as text: 0, or -1. */
int certinfo_text(
    const struct kiln_info *, long long, struct kiln_buf *, struct kiln_err *);

#endif /* KILN_CERTRENDER_H */
