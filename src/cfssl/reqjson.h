/*
 * csr.json's parts read from an already parsed JSON tree, for files that
 * embed them (the etcd manifest).  Private to libkiln.
 */
#ifndef KILN_REQJSON_H
#define KILN_REQJSON_H

#include <cjson/cJSON.h>

#include "kiln/err.h"
#include "kiln/request.h"

/* A csr.json object, as kiln_request_parse reads it. */
int kiln_request_from_json(
    struct kiln_request *, const cJSON *, struct kiln_err *);

/*
 * A "key" object (NULL: leave "kr" alone); a partial object gets its
 * algorithm's default size.  Errors name "key.algo" or "key.size".
 */
int kiln_keyreq_from_json(
    struct kiln_keyreq *, const cJSON *, struct kiln_err *);

#endif /* KILN_REQJSON_H */
