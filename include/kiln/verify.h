/*
 * kiln verify: would etcd accept this certificate in this role?  Every
 * failure is a sentence saying what is wrong and what etcd logs for it.
 */
#ifndef KILN_VERIFY_H
#define KILN_VERIFY_H

#include <stddef.h>

#include <mbedtls/x509_crt.h>

#include "kiln/buf.h"
#include "kiln/err.h"
#include "kiln/inspect.h"
#include "kiln/key.h"
#include "kiln/rng.h"

enum kiln_role {
	KILN_ROLE_ANY,    /* no usage check */
	KILN_ROLE_SERVER, /* server auth, and client auth: etcd dials with it */
	KILN_ROLE_PEER,   /* server auth and client auth */
	KILN_ROLE_CLIENT  /* client auth */
};

struct kiln_verify {
	const mbedtls_x509_crt *ca; /* trust anchors */
	enum kiln_role role;
	const char *const *hosts; /* names or IP addresses to match */
	size_t n_hosts;
	struct kiln_key *key; /* the private key to match, or NULL */
	struct kiln_rng *rng;
	long long now;
};

/*
 * The certificate of "file" that kiln_verify checks: the first that is
 * not a CA, else the first CA that issued none of the others (a bundle
 * in CA-first order is checked for its leaf, not its CA).
 */
size_t kiln_verify_leaf(const struct kiln_infos *);

/*
 * Check the leaf of "file" (kiln_verify_leaf; the others serve as
 * intermediates): chain, dates, the role's usages, each host against the
 * SANs (IP addresses included) and the key.  One sentence per failure is
 * appended to "*problems"; none means etcd would accept it.  The
 * sentences quote the certificate's names and SANs as they are: escape
 * them (kiln_esc_append) to show them on a terminal.  Returns 0, or -1
 * (out of memory).
 */
int kiln_verify(const struct kiln_verify *, const struct kiln_infos *, char ***,
    size_t *, struct kiln_err *);

/*
 * Why the certificate "der" ("len" bytes) was not issued by any of the
 * anchors "ca", by key identifiers, as openssl prints them, appended to
 * "out": "its authority key identifier is AB:..., the CA's subject key
 * identifier is CD:..." (or "the CAs' ... are ..."), or, when they are
 * the same, that the CA's key did not sign it.  Two CAs often share a
 * name; their key identifiers tell them apart.  Returns 0, or -1.
 */
int kiln_verify_key_ids(struct kiln_buf *, const unsigned char *, size_t,
    const mbedtls_x509_crt *, struct kiln_err *);

#endif /* KILN_VERIFY_H */
