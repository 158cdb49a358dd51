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
	KILN_RENEW_SELF_INTERMEDIATE /* the CA given, but not self-signed */
};

/*
 * Whether "old" is the CA "ca" itself (same subject and public key, and
 * self-signed; an intermediate given as its own CA is told apart, since
 * only its issuer can renew it), was signed by it (its dates are not
 * judged: expired certificates are what gets renewed), or neither.
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
 * CA itself), the same
 * public key and subject key identifier unless opts->new_key, a new
 * serial, and dates from "now" backdated as cfssl does.  The DER is appended to
 * "out".  The dotted OIDs of "old"'s extensions that are not carried over
 * (policies, name constraints, ...) are appended to "*dropped".  Returns 0 or
 * -1.
 */
int kiln_renew(struct kiln_buf *, const struct kiln_info *,
    const struct kiln_renew *, const struct kiln_cert *, struct kiln_key *,
    struct kiln_rng *, time_t, char ***, size_t *, struct kiln_err *);

#endif /* KILN_RENEW_H */
