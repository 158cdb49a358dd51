/*
 * JSON input with Go encoding/json's rules, as cfssl reads it: keys match
 * case-insensitively and the last duplicate wins, unknown keys are
 * ignored, null leaves the default, trailing data is an error.  Private to
 * libkiln.
 *
 * Every block cJSON allocates is wiped when freed, because JSON given to
 * kiln (cfssljson's input) can hold private keys.
 */
#ifndef KILN_JSON_H
#define KILN_JSON_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "kiln/err.h"

/*
 * Parse "len" bytes of "text", which must be followed by a NUL (as
 * kiln_file_read leaves it), into a tree the caller frees with
 * cJSON_Delete().  Returns NULL with "err" set (KILN_EINVAL, naming the
 * line and column) on malformed or truncated input.
 */
cJSON *kiln_json_parse(const char *, size_t, struct kiln_err *);

/*
 * Install kiln's wiping allocator in cJSON, once per process (every
 * cJSON block is then wiped when freed).  kiln_json_parse calls it; code
 * that calls cJSON directly calls it first.  Setting cJSON's hooks on
 * every parse, as kiln did, raced with server threads parsing at once.
 */
void kiln_json_hooks(void);

/* As kiln_json_parse, and the top level must be an object. */
cJSON *kiln_json_parse_object(const char *, size_t, struct kiln_err *);

/* The value of member "name" of object "obj", or NULL if absent or null. */
const cJSON *kiln_json_get(const cJSON *, const char *);

/* A JSON type's name for error messages ("string", "number", ...). */
const char *kiln_json_type(const cJSON *);

/*
 * Typed reads of member "name" of "obj".  An absent or null member leaves
 * "*out" alone and returns 0.  A value of the wrong type or out of range
 * returns -1 with "err" set to "<path>: <problem>", where path is "ctx"
 * and "name" joined by a dot (ctx may be NULL).
 */
int kiln_json_string(const cJSON *, const char *, const char *, const char **,
    struct kiln_err *);
int kiln_json_int(const cJSON *, const char *, const char *, long, long, long *,
    struct kiln_err *);
int kiln_json_bool(
    const cJSON *, const char *, const char *, int *, struct kiln_err *);

/*
 * An array of strings: "*out" becomes a NULL-terminated array of
 * "*n" borrowed pointers into the tree, freed by the caller with free().
 */
int kiln_json_strings(const cJSON *, const char *, const char *, const char ***,
    size_t *, struct kiln_err *);

/* Require "item" (may be NULL: then 0) to be an object. */
int kiln_json_object(const cJSON *, const char *, struct kiln_err *);

/*
 * Require "item" (may be NULL: then 0 and "*n" 0) to be an array, and
 * count its elements into "*n".
 */
int kiln_json_array(const cJSON *, const char *, size_t *, struct kiln_err *);

/*
 * kiln's own formats (the etcd manifest; later the Kubernetes manifest
 * and the server config) are strict where cfssl's are not: every key of
 * "obj" must be one of "known" (NULL-terminated), spelled exactly (case
 * matters), and appear once.  "obj" NULL or not an object: 0.  Else -1
 * with "err" set to "<path>: unknown key \"ipp\" (did you mean \"ip\"?)"
 * naming the nearest known key when one is close, or listing the known
 * keys when none is; "path" is NULL at the top level.
 */
int kiln_json_known_keys(
    const cJSON *, const char *, const char *const *, struct kiln_err *);

/*
 * The edit distance between "a" and "b", ignoring case: insertions,
 * deletions, substitutions and swaps of two neighbours ("cleints") cost 1.
 * Strings longer than 64 bytes are (size_t)-1 from anything.
 */
size_t kiln_json_distance(const char *, const char *);

#endif /* KILN_JSON_H */
