/*
 * kiln rotate-ca: a tree's CA replaced by a new one in three explicit
 * phases, each idempotent and resumable, the state kept in DIR/ca/rotate.json
 * (kiln-rotate-ca(1)):
 *  1. the new CA made in DIR/ca/new/ (ca.pem, ca-key.pem, and ca-cross.pem,
 *     the new CA's name and key certified by the old CA), and every file
 *     that says which CA to trust made a bundle of the old and the new;
 *  2. every leaf issued again by the new CA for the same key, served with
 *     the cross certificate after it, and the new CA made DIR/ca's (the
 *     old one kept in DIR/ca/old/);
 *  3. the old CA taken out of every bundle, and out of the tree:
 *     DIR/ca/old and DIR/ca/new (a second copy of the new CA's key)
 *     removed, each file only if it is still the one kiln read.
 */
#ifndef KILN_ROTATE_H
#define KILN_ROTATE_H

#include <stddef.h>

#include "kiln/err.h"

#define KILN_ROTATE_PHASES 3

/* What the run did (or, dry, would do) to a file. */
enum kiln_rotate_fate {
	KILN_ROTATE_NEW,     /* written where nothing was */
	KILN_ROTATE_CHANGED, /* written over a file that held something else */
	KILN_ROTATE_KEPT,    /* it holds exactly this already: untouched */
	KILN_ROTATE_RESET,   /* rewritten with the same bytes, for its mode */
	KILN_ROTATE_REMOVED  /* removed (phase 3: DIR/ca/new, DIR/ca/old) */
};

struct kiln_rotate_file {
	char *path; /* as the run names it: "DIR/etcd-1/ssl/ca.pem" */
	enum kiln_rotate_fate fate;
	unsigned int was, now; /* KILN_ROTATE_RESET: the modes */
};

/* What a run did, for the caller to report. */
struct kiln_rotate_result {
	int phase; /* the phase asked for */
	/*
	 * The phase done before the run (0: no rotation under way, or the
	 * last one finished), and the one that comes next after it.
	 */
	int before, next;
	int done_already; /* the phase was done: nothing read but the state */
	/* The two CAs: the SHA-1 of each public key, in hex. */
	char old_id[41], new_id[41];
	size_t reissued, kept; /* phase 2: leaves issued again, or kept */
	/* Every file of the run, in the order it is written. */
	struct kiln_rotate_file *files;
	size_t n_files;
	/* The members (folder names) whose trust the tree holds, sorted. */
	char **members;
	size_t n_members;
};

/* Make "r" empty.  Cannot fail. */
void kiln_rotate_result_init(struct kiln_rotate_result *);
/* Release "r".  Safe after kiln_rotate_result_init(). */
void kiln_rotate_result_free(struct kiln_rotate_result *);

#define KILN_ROTATE_DRY_RUN 0x1 /* decide everything, write nothing */

/*
 * Run phase "phase" (1 to 3) of the rotation of the CA of the kiln etcd
 * tree "dir" (its ca/, its members' folders, clients/).  The phase must
 * be the next one (a finished rotation's next is 1, a new rotation); a
 * phase done already writes nothing and says so (done_already); any
 * other is refused, naming the next.  A phase that stopped half way is
 * run again whole: what it wrote is kept.  Every file is read and
 * written through its folder (a link, FIFO, device or hard link is
 * refused, and keys must be the invoking user's); the state file is
 * written last, in the same batch.  With KILN_ROTATE_DRY_RUN everything
 * is decided and "result" filled, and nothing is written.  "result" is
 * emptied first.  Returns 0 or -1.
 */
int kiln_etcd_rotate(const char *, int, unsigned int,
    struct kiln_rotate_result *, struct kiln_err *);

/*
 * As kiln_etcd_rotate, issuing phase 2's leaves on "threads" threads (0:
 * one per online core, 1: all in the calling thread, one by one).  The
 * files, their order, the result and the error do not depend on the
 * number of threads, only the serials and signatures do.
 */
int kiln_etcd_rotate_threads(const char *, int, unsigned int, unsigned int,
    struct kiln_rotate_result *, struct kiln_err *);

/* The trees kiln rotate-ca knows. */
enum kiln_rotate_kind {
	KILN_ROTATE_ETCD_TREE, /* kiln etcd's: DIR/ca/ca.pem, one CA */
	KILN_ROTATE_K8S_TREE   /* kiln k8s's: DIR/ca/ca.crt, three CAs */
};

/*
 * Which kind of tree "dir" is, from what its ca folder holds (no link
 * followed): ca.pem, kiln etcd's; ca.crt, kiln k8s's.  Returns 0, or -1
 * with "err" filled ("DIR: neither a kiln etcd tree (ca/ca.pem) nor a
 * kiln k8s tree (ca/ca.crt)", or a system error opening "dir").
 */
int kiln_rotate_kind(const char *, enum kiln_rotate_kind *, struct kiln_err *);

/*
 * As kiln_etcd_rotate(), for CA "ca" ("ca", "front-proxy-ca" or
 * "etcd-ca") of the kiln k8s tree "dir": its copy on every node a
 * bundle in phase 1 and the new CA alone in phase 3; its key on the
 * control-plane nodes (and, for "ca", pki/ca-signer.crt, the signing
 * certificate alone) the old CA's in phase 1 and the new one's from
 * phase 2; its leaves on every node, the kubeconfigs' client
 * certificates among them, issued again in phase 2; the kubeconfigs'
 * certificate-authority-data as the node copies ("ca" only), each value
 * spliced in place.  The state is DIR/ca/CA-rotate.json; the members of
 * "result" are the nodes.  Any other CA name is refused.  Returns 0 or
 * -1.
 */
int kiln_k8s_rotate(const char *, const char *, int, unsigned int,
    struct kiln_rotate_result *, struct kiln_err *);

/* As kiln_k8s_rotate, on "threads" threads as kiln_etcd_rotate_threads. */
int kiln_k8s_rotate_threads(const char *, const char *, int, unsigned int,
    unsigned int, struct kiln_rotate_result *, struct kiln_err *);

/*
 * The rotation state "len" bytes of "text" record (DIR/ca/rotate.json):
 * the last phase done into "*phase", the next into "*next" (1 when the
 * rotation is finished).  Returns 0, or -1 when the text is not a state
 * kiln wrote (strict keys, a phase of 1 to 3, two 40-digit key ids).
 */
int kiln_rotate_state_read(
    const char *, size_t, int *, int *, struct kiln_err *);

/*
 * The CA rotations under way in "dir", if it is a tree kiln rotate-ca
 * knows (its ca folder read without following a link; anything else,
 * or nothing there, is no rotation): a sentence for each appended to
 * "*out" (for the caller to free), naming the state file, the phase done
 * and the next, and saying that the certificates of the CA not trusted
 * yet, or no more, are judged untrusted until the rotation is finished.
 * For kiln check.  Returns 0, or -1 out of memory.
 */
int kiln_rotate_under_way(const char *, char ***, size_t *, struct kiln_err *);

#endif /* KILN_ROTATE_H */
