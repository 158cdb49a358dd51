/*
 * Issuing certificates: every field as cfssl writes it (see kiln-config(5)
 * for the few places kiln is stricter).
 */
#ifndef KILN_ISSUE_H
#define KILN_ISSUE_H

#include <stddef.h>
#include <time.h>

#include "kiln/buf.h"
#include "kiln/cert.h"
#include "kiln/config.h"
#include "kiln/err.h"
#include "kiln/key.h"
#include "kiln/request.h"
#include "kiln/rng.h"

/* What a new certificate certifies.  Everything is borrowed. */
struct kiln_certreq {
	const unsigned char *subject; /* Name DER */
	size_t subject_len;
	const unsigned char *spki; /* SubjectPublicKeyInfo DER */
	size_t spki_len;
	const char *cn; /* for name_whitelist, or NULL */
	const struct kiln_sans *sans;
	/* Renewal: the old subject key identifier (NULL: SHA-1 of the key,
	 * RFC 5280 method 1), and every SAN kept even on a CA. */
	const unsigned char *ski;
	size_t ski_len;
	int keep_sans;
	/* copy_extensions: Extension TLVs from the request, written after
	 * the CRL distribution points, each taking the place of the
	 * extension kiln would write with the same OID (as Go does). */
	const unsigned char *extra;
	size_t extra_len;
};

/*
 * Fill "profile" with initca's policy for the csr.json "ca" object "ca":
 * keyUsage certSign and cRLSign, no extKeyUsage, CA:TRUE with ca's
 * pathlen, ca.expiry (default 43800h) and ca.backdate (default 5 min).
 * "crl_url" (may be NULL) is borrowed.  The profile owns nothing: do not
 * pass it to kiln_config_free().
 */
void kiln_issue_ca_profile(
    struct kiln_profile *, const struct kiln_careq *, const char *);

/*
 * Issue a certificate for "req" under "profile", signed by "issuer_key"
 * at time "now", and append its DER to "out".  "issuer" is the CA's
 * certificate, or NULL for a self-signed certificate (then issuer_key
 * must hold the key of req->spki).  The issuer name is copied byte for
 * byte from the CA's subject; the serial is 20 random bytes, positive;
 * notBefore is "now" rounded to the minute minus the backdate.  A CA
 * profile keeps only IP SANs, as cfssl.  Returns 0, or -1 with
 * KILN_EPOLICY when the profile does not allow the request.
 */
int kiln_issue(struct kiln_buf *, const struct kiln_certreq *,
    const struct kiln_profile *, const struct kiln_cert *, struct kiln_key *,
    struct kiln_rng *, time_t, struct kiln_err *);

#endif /* KILN_ISSUE_H */
