/*
 * kiln renew: a certificate issued again by its CA, as it was, with a new
 * serial number and dates.
 */
#ifndef KILN_RENEW_H
#define KILN_RENEW_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "kiln/buf.h"
#include "kiln/cert.h"
#include "kiln/config.h"
#include "kiln/err.h"
#include "kiln/inspect.h"
#include "kiln/key.h"
#include "kiln/kubeconfig.h"
#include "kiln/rng.h"

/* How "old" relates to the CA. */
enum kiln_renew_kind {
	KILN_RENEW_FOREIGN, /* not issued by the CA */
	KILN_RENEW_LEAF,    /* issued by the CA */
	KILN_RENEW_CA,      /* the CA certificate itself, self-signed */
	KILN_RENEW_SELF_INTERMEDIATE, /* the CA given, but not self-signed */
	KILN_RENEW_FORGED_CA /* the CA's name and key, not signed by its key */
};

/*
 * Whether "old" is the CA "ca" itself (same subject and public key,
 * issued by itself, and its signature verifies with the CA's public key;
 * a certificate with the CA's subject and key signed by another key is
 * KILN_RENEW_FORGED_CA, and an intermediate given as its own CA is told
 * apart, since only its issuer can renew it), was signed by it (its
 * signature verifies under "ca"; only its dates are not judged: expired
 * certificates are what gets renewed), or neither.
 */
enum kiln_renew_kind kiln_renew_kind(
    const struct kiln_info *, const struct kiln_cert *);

/*
 * Why kiln_renew refused, where the remedy is the caller's to word (a
 * front end names its own flag); the message says the rest.
 */
enum kiln_renew_why {
	KILN_RENEW_WHY_OTHER = 0,    /* the message says it all */
	KILN_RENEW_WHY_INTERMEDIATE, /* "ca" is an intermediate given as its
	                              * own CA: only its issuer can renew it */
	KILN_RENEW_WHY_NO_USAGES,    /* "old" has no usages: a profile must
	                              * give them */
	KILN_RENEW_WHY_LIFETIME,     /* "old"'s lifetime does not fit a
	                              * duration: an expiry must be given */
	/* The plan's (kiln_renew_plan_make), each with the item's paths. */
	KILN_RENEW_WHY_LINK,         /* a symbolic link, not followed */
	KILN_RENEW_WHY_CA_KEY,       /* a key file given for the CA itself,
	                              * whose key is the CA key */
	KILN_RENEW_WHY_KEY_IS_CERT,  /* the key file given is the
	                              * certificate's own file */
	KILN_RENEW_WHY_NO_KEY_FILE,  /* no key inside, and none at key.shown
	                              * beside it */
	KILN_RENEW_WHY_NO_KEY,       /* no key inside, and no layout names a
	                              * key file for it */
	KILN_RENEW_WHY_REKEY_INSIDE, /* a new key asked for, but the key is
	                              * in the certificate's own file */
	KILN_RENEW_WHY_REKEY_ALGO,   /* a new key of a kind kiln cannot make
	                              * (the old key's algorithm) */
	/* The commit's (kiln_renew_commit). */
	KILN_RENEW_WHY_BACKUP_PATH,  /* a file's folder path is unknown, so
	                              * its place in the backup folder is */
	KILN_RENEW_WHY_BACKUP_DIR    /* the backup folder's subfolder cannot
	                              * be opened: the message starts with
	                              * the backup folder's name */
};

struct kiln_renew {
	int64_t expiry; /* ns; 0: the old certificate's lifetime */
	/* NULL: the old certificate's usages and constraints. */
	const struct kiln_profile *profile;
	/* A new key to certify instead of the old one, or NULL. */
	struct kiln_key *new_key;
	/*
	 * Issue "old" under "ca" even though "ca" did not issue it: a CA
	 * rotation's re-issue under the new CA (kiln_renew_kind's
	 * KILN_RENEW_FOREIGN is then taken as a leaf's).
	 */
	int other_ca;
};

/*
 * Issue "old" again, signed by "ca_key" (and "ca", unless "old" is the
 * CA itself): the same subject bytes, SANs, keyUsage, extKeyUsage and
 * basicConstraints (or the profile's, which must be a CA profile for the
 * CA itself), the same public key and subject key identifier unless
 * opts->new_key, a new serial, and dates from "now" backdated as cfssl
 * does.  The extensions that constrain what a certificate may be used
 * for and kiln does not build itself, nameConstraints, certificatePolicies,
 * policyConstraints and inhibitAnyPolicy, are carried over byte for byte
 * with their criticality; a profile whose policies differ from the old
 * ones, a CA whose path length the profile would change, and a critical
 * extension kiln would drop are refused, so a renewal never widens what a
 * certificate allows.  The old lifetime must fit a duration (about 292
 * years) unless opts->expiry or opts->profile gives another.  The DER is
 * appended to "out".  The dotted OIDs of "old"'s other extensions that
 * are not carried over (CRL distribution points, ...) are appended to
 * "*dropped".  Returns 0, or -1 (a refused renewal appends nothing).
 */
int kiln_renew(struct kiln_buf *, const struct kiln_info *,
    const struct kiln_renew *, const struct kiln_cert *, struct kiln_key *,
    struct kiln_rng *, time_t, char ***, size_t *, struct kiln_err *);

/*
 * One certificate of kiln_renew_all.  kiln_renew_job_init() cannot fail;
 * kiln_renew_job_free() releases what the run gave back and wipes the new
 * key.
 */
struct kiln_renew_job {
	/* In, borrowed. */
	const struct kiln_info *old;
	const struct kiln_keyreq *rekey; /* a new key as this asks, or NULL */
	/* Out. */
	struct kiln_key key; /* with rekey: the new key, certified */
	struct kiln_buf der; /* the new certificate */
	char **dropped;      /* as kiln_renew's */
	size_t n_dropped;
	int rc; /* 0, or -1 with "err" filled */
	struct kiln_err err;
	enum kiln_renew_why why; /* with rc -1: which refusal */
};

void kiln_renew_job_init(struct kiln_renew_job *);
void kiln_renew_job_free(struct kiln_renew_job *);

/*
 * kiln_renew for each of the "n" jobs, with "opts" (its new_key unused:
 * each job's "rekey" says), on "threads" threads (0: one per online core;
 * 1: all in the calling thread, drawing from "rng" and signing with
 * "ca_key" themselves).  With more threads each has its own random
 * generator seeded from "rng" and its own copy of "ca" and "ca_key", since
 * mbedTLS's key contexts must not be shared between threads.  A job's
 * failure is its own: the others still run.  Returns 0, or -1 with "err"
 * filled when the run could not start (then no job ran).
 */
int kiln_renew_all(struct kiln_renew_job *, size_t, const struct kiln_renew *,
    const struct kiln_cert *, struct kiln_key *, struct kiln_rng *, time_t,
    unsigned int, struct kiln_err *);

/*
 * The name of the key file beside the certificate file "name", by the
 * layouts in use: NAME.pem gives NAME-key.pem (cfssljson), NAME.crt gives
 * NAME.key (kubeadm; cert-manager's tls.crt and tls.key).  Writes it into
 * "out" of "size" bytes and returns 1, or returns 0 when no layout names
 * one (or it would not fit).
 */
int kiln_renew_key_name(const char *, char *, size_t);

/*
 * The private key PEM block ("-----BEGIN ...PRIVATE KEY-----" to its END
 * line, found by kiln_pem_next with KILN_PEM_KEY) in the "len" bytes of
 * "text": its offset and length into "*off" and "*n".  Returns 1 if there
 * is one, 0 if none, or -1 with "err" set when there are several, when
 * one has no END line ("a private key cut short"), or out of memory.
 */
int kiln_renew_key_block(
    const unsigned char *, size_t, size_t *, size_t *, struct kiln_err *);

/*
 * Load the private key of the "len" bytes "data" (PEM or DER) into "key"
 * and check that it is the key of "old": the same public key, and a
 * private part that gives it (so an EC key whose public point is not its
 * scalar's is refused).  "cert" and "keyname" are the names printed.
 * Returns 0, or -1 with "err" set: "CERT: its key KEY does not match it:
 * refused", "...is encrypted...", or why the key cannot be read.
 */
int kiln_renew_check_key(struct kiln_key *, const struct kiln_info *,
    const char *, const unsigned char *, size_t, const char *,
    struct kiln_rng *, struct kiln_err *);

/*
 * The contents of a renewed certificate file into "out": with "pem", the
 * new certificate "der" as PEM, then the certificates of "old" after its
 * first (a chain), each PEM from its parsed DER, then "key" as PEM unless
 * NULL; without, "der" alone (a DER file).  Nothing else of the old file
 * is kept.  "out" may then hold a key: kiln_buf_free() wipes it.
 * Returns 0 or -1.
 */
int kiln_renew_file(struct kiln_buf *, const struct kiln_buf *,
    const struct kiln_infos *, struct kiln_key *, int, struct kiln_err *);

/*
 * A renewal run: the plan (kiln_renew_plan_make) reads each certificate
 * through its folder's descriptor, finds its key and decides; the same
 * plan is issued (kiln_renew_plan_issue) and committed item by item
 * (kiln_renew_commit), so a dry run shows exactly what a real run does.
 */

/*
 * The operands of a run: each file named, and for a folder named the
 * files a walk finds there (as kiln check walks it: no link to a folder
 * followed, kiln renew's backups left out, in name order), with the
 * length of the folder walked (0: named).  Problems of a walk (a folder
 * not read whole) are kept as "PATH: what" lines.
 */
struct kiln_renew_operands {
	char **v;
	size_t *walked;
	size_t n, cap;
	char **problems;
	size_t n_problems;
	size_t root_len; /* the folder being walked */
};

/* Make "o" empty.  Cannot fail. */
void kiln_renew_operands_init(struct kiln_renew_operands *);

/* Release "o".  Safe after kiln_renew_operands_init(). */
void kiln_renew_operands_free(struct kiln_renew_operands *);

/*
 * Add the operand "path" to "o": the file, or the files the walk of the
 * folder finds (its problems added to o->problems).  Returns 0, or -1
 * with "err" filled (out of memory).
 */
int kiln_renew_operands_add(
    struct kiln_renew_operands *, const char *, struct kiln_err *);

/*
 * A CA a run signs with.  A run may have several (a kubeadm tree's ca,
 * front-proxy-ca and etcd/ca): each certificate is renewed by the one
 * that issued it.
 */
struct kiln_renew_ca {
	const struct kiln_cert *cert;
	struct kiln_key *key;
	const char *shown; /* its certificate file, as named to people */
	const char *key_shown; /* its key file, likewise */
	struct stat st;    /* that file, told from its copies... */
	int st_ok;         /* ...when this is set */
};

/* The CAs of a tree (kiln_renew_tree_cas). */
#define KILN_RENEW_TREE_MAX 3
struct kiln_renew_tree {
	const char *layout; /* "kubeadm's /etc/kubernetes", ... */
	struct {
		char cert[PATH_MAX], key[PATH_MAX];
	} ca[KILN_RENEW_TREE_MAX];
	size_t n;
};

/*
 * The CAs with their keys in the folder "dir", laid out as kubeadm's
 * /etc/kubernetes (pki/ca, pki/front-proxy-ca, pki/etcd/ca), kiln k8s's
 * output (ca/ca, ca/front-proxy-ca, ca/etcd-ca) or kiln etcd's (ca/ca.pem,
 * ca/ca-key.pem), into "t", found by name (regular files, no link
 * followed).  A CA whose key is absent is left out, except the first:
 * then, or when no layout matches, -1 with "err" set.  Returns 0 or -1.
 */
int kiln_renew_tree_cas(
    const char *, struct kiln_renew_tree *, struct kiln_err *);

/* The options of a run.  Everything is borrowed. */
struct kiln_renew_opts {
	const struct kiln_renew_ca *cas; /* at least one */
	size_t n_cas;
	/* With several CAs, or this set: a CA is never renewed, only
	 * certificates it issued (KILN_RENEW_SKIP_CA). */
	int leaves_only;
	int64_t expiry; /* ns; 0: each certificate's own lifetime */
	int64_t within; /* ns; < 0: renew every certificate */
	/* NULL: each certificate's own usages and constraints. */
	const struct kiln_profile *profile;
	const char *key;     /* the one certificate's key file, or NULL */
	int rekey;           /* a new key of the old one's kind for each */
	int follow_links;    /* follow a link to a file of kiln's own user */
	int dry_run;         /* plan and issue, write nothing */
	int backup;          /* keep each replaced file as NAME.<stamp> */
	/* Or keep them under this folder (its descriptor, opened once by
	 * the caller; -1 with dry_run), at the replaced file's absolute
	 * folder below it; NULL: beside. */
	const char *backup_dir;
	int backup_dfd;
	const char *stamp;   /* the backups' suffix, ".YYYYMMDDTHHMMSSZ" */
	time_t now;
	unsigned int threads; /* as kiln_renew_all's */
};

/* A file read to be replaced, through the folder it was read in. */
struct kiln_renew_fileref {
	int dfd, own_dfd; /* own_dfd: the item closes dfd */
	int read;         /* "st" is what was read */
	char name[NAME_MAX + 1];
	char shown[PATH_MAX]; /* the path printed */
	struct stat st;
};

/* What the plan decided for one operand. */
enum kiln_renew_decision {
	KILN_RENEW_FAILED,       /* "err" says why (and "why" for a front end) */
	KILN_RENEW_PASSED,       /* a walked folder's file that holds no
	                          * certificate: nothing to say */
	KILN_RENEW_SKIP_KEY,     /* a private key, not a certificate */
	KILN_RENEW_KEEP,         /* not due: "days_left" to its notAfter */
	KILN_RENEW_SKIP_CA_COPY, /* a copy of the CA "ca", not its file */
	KILN_RENEW_SKIP_CA,      /* the CA "ca" itself, with leaves_only */
	KILN_RENEW_RENEW         /* to renew with the plan's job "job" */
};

/*
 * One operand of the plan.  Filled by kiln_renew_plan_make, and by
 * kiln_renew_commit with what was written.
 */
struct kiln_renew_item {
	const char *path; /* borrowed from the operands */
	size_t root_len;  /* found by walking path[:root_len], or 0 */
	enum kiln_renew_decision decision;
	enum kiln_renew_why why; /* KILN_RENEW_FAILED */
	struct kiln_err err;     /* KILN_RENEW_FAILED */
	long long days_left;     /* KILN_RENEW_KEEP */
	int is_ca;               /* the CA itself */
	struct kiln_buf text;    /* the certificate's file as read */
	struct kiln_infos infos;
	struct kiln_renew_fileref cert;
	/* Its key: a file of its own ("key", "ktext"), or in the
	 * certificate's file ("inside", key.shown "in PATH"); checked. */
	struct kiln_renew_fileref key;
	struct kiln_buf ktext;
	int has_key, inside;
	struct kiln_key old_key;
	struct kiln_keyreq kr; /* rekey */
	size_t job;            /* KILN_RENEW_RENEW: its job in the plan */
	size_t ca;             /* RENEW, SKIP_CA*: its CA in opts->cas */
	/* A kubeconfig: its client certificate and that user's
	 * client-key-data (key.shown "client-key-data of users/NAME",
	 * "inside" set), items of "kc", each replaced in place. */
	int is_kc;
	struct kiln_kubeconfig kc;
	const struct kiln_kc_item *kc_cert, *kc_key;
	/* After kiln_renew_commit: the backups written ("" if none), and
	 * the new certificate's serial (decimal) and dates (seconds). */
	char backup_cert[PATH_MAX], backup_key[PATH_MAX];
	char serial[64];
	long long not_before, not_after;
};

/* Operands read and decided, and the jobs that renew them. */
struct kiln_renew_plan {
	struct kiln_renew_item *items;
	size_t n;
	struct kiln_renew_job *jobs;
	size_t n_jobs;
	size_t cap; /* items and jobs allocated */
};

/* Make "p" empty.  Cannot fail. */
void kiln_renew_plan_init(struct kiln_renew_plan *);

/* Release "p": its items' folders closed, keys wiped. */
void kiln_renew_plan_free(struct kiln_renew_plan *);

/*
 * Plan the operands "ops" from "*next" on, up to "max" of them: each read
 * through its folder, its key found beside it (NAME.pem: NAME-key.pem;
 * NAME.crt: NAME.key) or in its file or as o->key and checked against
 * it, and decided against the CA that issued it (o->cas; with
 * several, a certificate none issued fails naming them).  A file with no PEM that reads as a
 * kubeconfig (kiln/kubeconfig.h) is its client certificate
 * (kiln_kubeconfig_client), its key the same user's client-key-data; a
 * walked kubeconfig that embeds no client certificate is passed over.  Stops before
 * an operand that reads a file an earlier item of the plan replaces, so
 * it is planned after that file is written; "*next" is moved past the
 * planned ones.  An operand's failure is its item's.  The empty plan "p"
 * is filled.  Returns 0, or -1 with "err" filled (out of memory).
 */
int kiln_renew_plan_make(struct kiln_renew_plan *,
    const struct kiln_renew_operands *, size_t *, size_t,
    const struct kiln_renew_opts *, struct kiln_rng *, struct kiln_err *);

/*
 * Issue the plan's certificates (and new keys) with kiln_renew_all, as
 * "o" says, each signed by its item's CA.  Returns 0, or -1 with "err"
 * filled when a run could not start.
 */
int kiln_renew_plan_issue(struct kiln_renew_plan *,
    const struct kiln_renew_opts *, struct kiln_rng *, struct kiln_err *);

/*
 * Write what the issued plan made for its item "i" (KILN_RENEW_RENEW):
 * the backups (o->backup or o->backup_dir; never over an existing file),
 * the new key (o->rekey: kiln's user's, 0600) and the certificate (its
 * owner kept, never writable by others), each only if its name is still
 * the inode that was read.  The new file holds the new certificate, the
 * old file's chain and a key kept inside.  A kubeconfig is the file read
 * with client-certificate-data (and with o->rekey client-key-data)
 * replaced in place, every other byte kept, mode 0600, its owner kept;
 * its backup is 0600.  With o->dry_run nothing is
 * written, but the backup paths and the new certificate's serial and
 * dates are filled.  A job's failure is returned
 * here.  Returns 0, or -1 with "err" filled ("*why" says which refusal
 * when a front end words it, else KILN_RENEW_WHY_OTHER).
 */
int kiln_renew_commit(struct kiln_renew_plan *, size_t,
    const struct kiln_renew_opts *, enum kiln_renew_why *, struct kiln_err *);

#endif /* KILN_RENEW_H */
