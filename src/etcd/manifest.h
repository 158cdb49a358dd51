/*
 * The etcd manifest's parts shared by manifest.c (the whole, its strict
 * keys, the CA and etcd settings) and manifestrules.c (the value rules,
 * the members and clients).  Private to libkiln.
 */
#ifndef KILN_ETCD_MANIFEST_H
#define KILN_ETCD_MANIFEST_H

#include "core/json.h"
#include "kiln/err.h"
#include "kiln/etcd.h"
#include "pki/manifestjson.h"

/*
 * Text that goes into a certificate and into file names (field "path"):
 * no quotes, no backslash, no control characters, not empty.  Returns 0
 * or -1.
 */
int manifest_check_text(const char *, const char *, struct kiln_err *);

/* A byte of a path written into etcd.service's ExecStart=. */
int manifest_path_byte(unsigned char);
/* A byte of a value written into etcd.yml between single quotes. */
int manifest_yaml_byte(unsigned char);

/*
 * "s" (field "path") not empty, every byte passing "ok"; the first that
 * does not is named, as not allowed in "where".  Returns 0 or -1.
 */
int manifest_check_bytes(const char *, const char *, int (*)(unsigned char),
    const char *, struct kiln_err *);

/* "members" (an array) into "m".  Returns 0 or -1. */
int manifest_members(
    struct kiln_etcd_manifest *, const cJSON *, struct kiln_err *);
/* "clients" (an array, or NULL) into "m".  Returns 0 or -1. */
int manifest_clients(
    struct kiln_etcd_manifest *, const cJSON *, struct kiln_err *);

#endif /* KILN_ETCD_MANIFEST_H */
