/*
 * The kubeconfig reader's walk over libyaml's events (kubeconfigyaml.c),
 * shared with the kubeconfig grammar (kubeconfig.c): the next event with
 * the depth bounded, a node skipped whatever it holds, the scalars kiln
 * reads checked (no alias, no tag but !!str, no NUL), a mapping's keys,
 * and libyaml's character marks turned into byte offsets.  Every error
 * is one line naming the file and the line.  Private to libkiln.
 */
#ifndef KILN_KUBECONFIGYAML_H
#define KILN_KUBECONFIGYAML_H

#include <stddef.h>

#include <yaml.h>

#include "kiln/err.h"
#include "kiln/kubeconfig.h"

#define YAML_STR_TAG "tag:yaml.org,2002:str"

/* A context: only its name, cluster and user. */
struct kc_ctx {
	char *name, *cluster, *user;
};

/* A parse: the walk, and what the grammar has met so far. */
struct kp {
	yaml_parser_t y;
	yaml_event_t ev;
	int have; /* ev holds an event to delete */
	const unsigned char *data;
	size_t len, base;  /* base: bytes of a byte order mark */
	size_t cidx, bidx; /* the character-to-byte cursor */
	const char *shown;
	struct kiln_kubeconfig *kc;
	struct kc_ctx *ctx;
	size_t nctx;
	char **names; /* "SECTION\0NAME" of every entry met */
	size_t nnames;
	int depth;
	int known; /* a top-level key says it is a kubeconfig */
	struct kiln_err *err;
};

/* The line (1-based) of the current event. */
size_t kp_line(const struct kp *);
/* "SHOWN: line N: WHAT: PROBLEM" into p->err; returns -1. */
int kp_bad(struct kp *, size_t, const char *, const char *);
/* Drop the current event, wiping its scalar (a key may be in it). */
void kp_drop(struct kp *);
/* The next event, the depth kept within KILN_KUBECONFIG_DEPTH: 0 or -1. */
int kp_next(struct kp *);
/* Skip the node whose first event is the current one: 0 or -1. */
int kp_skip(struct kp *);
/* Whether the current event is a scalar YAML reads as null. */
int kp_is_null(const struct kp *);
/*
 * The current event must be a string scalar kiln reads ("what" names
 * it): no alias, no collection, no tag but !!str, no NUL.  0 or -1.
 */
int kp_want_scalar(struct kp *, const char *);
/* The current event must start a "kind" collection (0), or be null (1). */
int kp_want_collection(struct kp *, yaml_event_type_t, const char *);
/* A copy of the current scalar into "*out" (NULL for null): 0 or -1. */
int kp_take_string(struct kp *, const char *, char **);
/* The byte offset of character index "c" (the cursor moved there). */
size_t kp_byte_at(struct kp *, size_t);
/*
 * A mapping's next key: 1 with its text in "*key" (borrowed from the
 * event, valid until the next call), 0 at its end, -1.  A key that is
 * not a plain string is skipped with its value.
 */
int kp_map_key(struct kp *, const char **);
/* "key", if one of "keys" ("n" of them), seen twice ("seen"): -1. */
int kp_dup_key(
    struct kp *, const char *, const char *const *, size_t, unsigned *);

#endif /* KILN_KUBECONFIGYAML_H */
