/*
 * The issuance pipeline: a CA opened once (kiln_signer_open), then
 * request -> key -> CSR -> certificate (kiln_gen_cert, kiln_gen_csr), with
 * every policy of issuing in one place.  Front ends (gencert, selfsign,
 * genkey, gencsr, sign, renew, etcd) read files and pick the profile; what is
 * certified, and how, is decided here and in kiln_issue().
 */
#ifndef KILN_SIGNER_H
#define KILN_SIGNER_H

#include <time.h>

#include "kiln/buf.h"
#include "kiln/cert.h"
#include "kiln/config.h"
#include "kiln/err.h"
#include "kiln/key.h"
#include "kiln/request.h"
#include "kiln/rng.h"
#include "kiln/sign.h"

/*
 * A signing CA: its certificate and its private key, which match.  "ca"
 * and "key" point at what the signer owns once opened, or at a CA opened
 * elsewhere (kiln_signer_use): a signer is not moved once it is either.
 */
struct kiln_signer {
	const struct kiln_cert *ca; /* NULL until opened */
	struct kiln_key *key;
	struct kiln_cert own_ca;
	struct kiln_key own_key;
};

/* Make "s" empty.  Cannot fail. */
void kiln_signer_init(struct kiln_signer *);

/* Release "s", wiping the key it owns.  Safe after kiln_signer_init(). */
void kiln_signer_free(struct kiln_signer *);

/*
 * Make the empty "s" sign with the CA certificate "ca" and its key "key",
 * opened and checked elsewhere (a pool thread's copy), both borrowed.
 * Cannot fail.
 */
void kiln_signer_use(
    struct kiln_signer *, const struct kiln_cert *, struct kiln_key *);

/*
 * Open the CA of the certificate text "cert" (one PEM certificate, or
 * DER) and the key text "key", decrypted with "password" when it is
 * encrypted (NULL: no password; libkiln never reads one from the
 * environment).  "cert_name" and "key_name" name the files in errors.
 * The certificate must be a CA (basicConstraints CA:TRUE) and the key its
 * own; the dates and keyUsage are checked when it signs (kiln_issue).
 * Returns 0, or -1 with KILN_EINVAL naming the file; a missing or wrong
 * password is told apart by kiln_key_password_problem().
 */
int kiln_signer_open(struct kiln_signer *, const struct kiln_buf *,
    const char *, const struct kiln_buf *, const char *, const char *,
    struct kiln_rng *, struct kiln_err *);

/* What kiln_gen_cert and kiln_gen_csr certify. */
struct kiln_gen_in {
	/*
	 * A csr.json request (its subject, hosts and key request) and the
	 * key it certifies: "key" is generated as req->key asks with
	 * KILN_GEN_NEW_KEY, else it must hold a key.  Both are borrowed.
	 */
	const struct kiln_request *req;
	struct kiln_key *key;
	/*
	 * Or, for kiln_gen_cert, a request made elsewhere (kiln sign): its
	 * subject, SANs and key as kiln_sign_request() read them; "req" and
	 * "key" are then not used.
	 */
	struct kiln_signreq *csr;
	/*
	 * Or, for kiln_gen_cert, a certificate issued again (renewal): the
	 * old certificate's subject DER, its public key (or a new key's),
	 * the subject key identifier to keep, its SANs and the extensions
	 * carried over byte for byte, as kiln_renew() gathers them; issued
	 * as it is, with KILN_GEN_KEEP_SANS for every SAN.  "req" and "csr"
	 * are then not used, and "key" only signs when there is no signer
	 * (a CA renewed by itself).  Borrowed.
	 */
	const struct kiln_certreq *certreq;
	/* The request's file, put in front of errors about it, or NULL. */
	const char *name;
	unsigned int flags; /* KILN_GEN_* */
};

#define KILN_GEN_NEW_KEY 0x1   /* generate "key" as req->key asks */
#define KILN_GEN_CSR_CA 0x2    /* the CSR asks for CA:TRUE, req->ca's pathlen */
#define KILN_GEN_KEEP_SANS 0x4 /* every SAN, even on a CA (selfsign, renew) */

/*
 * Classify the hosts of "req" as kiln_gen_cert and kiln_gen_csr will,
 * for a caller that refuses a bad host before doing anything else (a
 * control character, an unusable address).  Returns 0, or -1 with the
 * error those calls would give.
 */
int kiln_gen_check_hosts(const struct kiln_request *, struct kiln_err *);

/*
 * A CSR for "in" (req and key), as cfssl's genkey and gencsr make it: the
 * subject from req (kiln_name_from_request), the hosts as SANs, signed by
 * the key.  A request that names nothing is refused
 * (kiln_gen_check_not_empty).  Appends the DER to "csr".  Returns 0 or -1;
 * errors about the request are prefixed with in->name.
 */
int kiln_gen_csr(struct kiln_buf *, const struct kiln_gen_in *,
    struct kiln_rng *, struct kiln_err *);

/*
 * A certificate for "in" under "profile", signed by "signer" at time
 * "now" (signer NULL: self-signed by in->key), its DER appended to
 * "cert"; with "csr" not NULL (csr.json requests only), the request's CSR
 * appended there too.  The policy is this one place: a csr.json request
 * as kiln_gen_csr reads it; a request made elsewhere checked by
 * kiln_sign_check() and given its extensions under the profile's
 * copy_extensions; a renewal's in->certreq as kiln_renew() checked it;
 * then kiln_issue() (the CA's dates, keyUsage and
 * pathlen, name_whitelist, and no certificate that would have expired
 * when made).  Returns 0, or -1 (KILN_EPOLICY when the profile does not
 * allow the request).
 */
int kiln_gen_cert(struct kiln_buf *, struct kiln_buf *,
    const struct kiln_gen_in *, struct kiln_signer *,
    const struct kiln_profile *, struct kiln_rng *, time_t, struct kiln_err *);

#endif /* KILN_SIGNER_H */
