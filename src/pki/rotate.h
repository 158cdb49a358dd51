/*
 * A CA rotation over a tree (pki/tree.h), generic: the state file, the
 * two CAs and the cross certificate (rotate.c), the three phases and the
 * leaves issued again for their keys (rotateplan.c).  A tree kind (kiln
 * etcd's, etcd/etcdrotate.c) adds the tree's folders, the files that
 * say which CA to trust and the leaves, then runs a phase.  Private to
 * libkiln.
 */
#ifndef KILN_PKI_ROTATE_H
#define KILN_PKI_ROTATE_H

#include <stddef.h>
#include <time.h>

#include "kiln/buf.h"
#include "kiln/err.h"
#include "kiln/inspect.h"
#include "kiln/rng.h"
#include "kiln/rotate.h"
#include "kiln/signer.h"
#include "pki/pool.h"
#include "pki/tree.h"

/* DIR/ca/rotate.json: the last phase done and the two CAs' key ids. */
struct rotate_state {
	int phase; /* 1 to 3; 3: the rotation is finished */
	char old_id[41], new_id[41];
};

/* The text of "st", appended to "out".  Returns 0 or -1. */
int rotate_state_text(
    const struct rotate_state *, struct kiln_buf *, struct kiln_err *);

/* "st" from "len" bytes of "text" ("shown" names it).  Returns 0 or -1. */
int rotate_state_parse(struct rotate_state *, const char *, size_t,
    const char *, struct kiln_err *);

/* A CA of the rotation: its certificate, key and their texts. */
struct rotate_ca {
	struct kiln_signer signer;
	struct kiln_infos info;  /* the certificate, described */
	struct kiln_buf pem;     /* the certificate */
	struct kiln_buf key_pem; /* the key, as it was read */
	char id[41];
};

/* A file that says which CA to trust (a bundle). */
struct rotate_trust {
	size_t folder;
	char *name;
};

/* A leaf: its certificate file and the key beside it. */
struct rotate_leaf {
	size_t folder;
	char *cert, *key;
};

/* What a kubeconfig holds of the rotated CA (rotateconf.c). */
#define ROTATE_CONF_TRUST 0x1 /* certificate-authority-data */
#define ROTATE_CONF_LEAF 0x2  /* client-certificate-data and its key */

struct rotate_conf {
	size_t folder;
	char *name;
	unsigned int what; /* ROTATE_CONF_* */
};

/*
 * A copy of the signing CA: its key "key" and, unless NULL, its
 * certificate alone in "cert" (a file that cannot be a bundle): the old
 * CA's through phase 1, the new one's from phase 2.
 */
struct rotate_signer {
	size_t folder;
	char *cert, *key;
};

/*
 * The CA's file names in DIR/ca, DIR/ca/new and DIR/ca/old, and those of
 * the rotation's own files in DIR/ca (kiln etcd's by default).
 */
struct rotate_names {
	const char *cert, *key; /* "ca.pem", "ca-key.pem" */
	const char *cross;      /* in DIR/ca/new: "ca-cross.pem" */
	const char *bundle;     /* "ca-bundle.pem" */
	const char *state;      /* "rotate.json" */
};

struct rotate {
	struct tree tree;          /* the caller's folders, opened by it */
	size_t f_ca, f_new, f_old; /* DIR/ca, DIR/ca/new, DIR/ca/old */
	struct rotate_trust *trust;
	size_t n_trust;
	struct rotate_leaf *leaves;
	size_t n_leaves;
	struct rotate_conf *confs;
	size_t n_confs;
	struct rotate_signer *signers;
	size_t n_signers;
	struct rotate_names names;
	/* The run's. */
	unsigned int threads; /* phase 2's leaves: 0, one per online core */
	time_t now;
	struct kiln_rng rng;
	struct rotate_state st;
	int have_state;
	struct rotate_ca old, new;
	struct kiln_buf cross_pem; /* the new CA certified by the old */
	struct kiln_infos cross;
};

/* A rotation of the tree in "dir" (borrowed).  Cannot fail. */
void rotate_init(struct rotate *, const char *);
/* Free it, wiping the keys it read. */
void rotate_free(struct rotate *);

/*
 * Check "phase" (1 to 3: "phase N: there are three phases, 1 to 3"),
 * seed the run's generator and keep "threads" for phase 2 (0: one per
 * online core).  Returns 0 or -1.
 */
int rotate_start(struct rotate *, int, unsigned int, struct kiln_err *);

/* The folders every rotated tree has, first, added by rotate_folders. */
#define ROTATE_F_ROOT 0 /* DIR */
#define ROTATE_F_CA 1   /* DIR/ca (0700, as kiln etcd and k8s make it) */
#define ROTATE_F_NEW 2  /* DIR/ca/new */
#define ROTATE_F_OLD 3  /* DIR/ca/old */

/*
 * Add DIR, DIR/ca, DIR/ca/new and DIR/ca/old to the tree (not opened
 * yet), as ROTATE_F_*, and make them the rotation's; the tree kind's own
 * folders come after.  Returns 0 or -1.
 */
int rotate_folders(struct rotate *, struct kiln_err *);

/* Add trust file "name" of folder "f".  Returns 0 or -1. */
int rotate_add_trust(struct rotate *, size_t, const char *, struct kiln_err *);
/* Add the leaf "cert" of folder "f" with key "key".  Returns 0 or -1. */
int rotate_add_leaf(
    struct rotate *, size_t, const char *, const char *, struct kiln_err *);

/* Add kubeconfig "name" of folder "f" holding "what" (ROTATE_CONF_*). */
int rotate_add_conf(
    struct rotate *, size_t, const char *, unsigned int, struct kiln_err *);
/* Add a copy of the signing CA: "key" and, unless NULL, "cert". */
int rotate_add_signer(
    struct rotate *, size_t, const char *, const char *, struct kiln_err *);

/*
 * rotate.c, for rotateplan.c: read CA "ca" from "cert" and "key" of
 * folder "f" (the key the invoking user's); with "want" not NULL, its
 * key id must be that.  "*present" says whether both were there (0:
 * nothing read, no error).  Returns 0 or -1.
 */
int rotate_ca_read(struct rotate *, struct rotate_ca *, size_t, const char *,
    const char *, const char *, int *, struct kiln_err *);
/* A new CA "out" with the name, key type and lifetime of "old". */
int rotate_ca_make(struct rotate *, const struct rotate_ca *,
    struct rotate_ca *, struct kiln_err *);
/* The cross certificate: "new"'s name and key, issued by "old". */
int rotate_cross_make(struct rotate *, struct kiln_err *);
/* Read DIR/ca/new/ca-cross.pem and check it.  Returns 0 or -1. */
int rotate_cross_read(struct rotate *, struct kiln_err *);

/*
 * rotate.c, for rotateplan.c and rotateconf.c: the certificates of a
 * leaf's file "text" ("shown" names it) into "infos"; "*kept" set when
 * the new CA issued it already (the cross certificate after it), else it
 * must be the old CA's.  Returns 0 or -1.
 */
int rotate_leaf_read(struct rotate *, const struct kiln_buf *, const char *,
    struct kiln_infos *, int *, struct kiln_err *);
/*
 * Leaf "v" ("cert_shown") issued again by the new CA for its key, the
 * "len" bytes of "key" ("key_shown"), the cross certificate after it,
 * appended to "out" as PEM.  With "s" (a pool worker's: pki/pool.h) it
 * signs and draws with the worker's copy of the new CA and generator,
 * and reads nothing else of "r" but what no thread changes; with NULL,
 * with the rotation's own.  Returns 0 or -1.
 */
int rotate_leaf_issue(struct rotate *, struct pool_signer *,
    const struct kiln_info *, const char *, const unsigned char *, size_t,
    const char *, struct kiln_buf *, struct kiln_err *);

/*
 * rotateconf.c: every kubeconfig into the plan, its CA data "a" then
 * "b" (or none) and, with "leaf", its client certificate under the new
 * CA ("res" counts it).  Returns 0 or -1.
 */
int rotate_plan_confs(struct rotate *, const struct rotate_ca *,
    const struct rotate_ca *, int, struct kiln_rotate_result *,
    struct kiln_err *);

/* The PEM of "a" then, unless NULL, "b", into "out".  Returns 0 or -1. */
int rotate_bundle(struct kiln_buf *, const struct rotate_ca *,
    const struct rotate_ca *, struct kiln_err *);

/*
 * Run phase "phase" with "flags" (KILN_ROTATE_*) on the tree, whose
 * folders the caller opened and whose trust files and leaves it added;
 * "result" is filled.  Returns 0 or -1.
 */
int rotate_run(struct rotate *, int, unsigned int, struct kiln_rotate_result *,
    struct kiln_err *);

#endif /* KILN_PKI_ROTATE_H */
