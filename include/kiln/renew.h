/*
 * kiln renew: a certificate issued again by its CA, as it was, with a new
 * serial number and dates.
 */
#ifndef KILN_RENEW_H
#define KILN_RENEW_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "kiln/buf.h"
#include "kiln/cert.h"
#include "kiln/config.h"
#include "kiln/err.h"
#include "kiln/inspect.h"
#include "kiln/key.h"
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

struct kiln_renew {
	int64_t expiry; /* ns; 0: the old certificate's lifetime */
	/* NULL: the old certificate's usages and constraints. */
	const struct kiln_profile *profile;
	/* A new key to certify instead of the old one, or NULL. */
	struct kiln_key *new_key;
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
 * line) in the "len" bytes of "text": its offset and length into "*off"
 * and "*n".  Returns 1 if there is one, 0 if none, or -1 with "err" set
 * when there are several.
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

#endif /* KILN_RENEW_H */
